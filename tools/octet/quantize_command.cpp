// octet quantize: post-training quantization of an FP32 ONNX model to a QDQ int8 model.
#include <fmt/format.h>

#include "cli_common.h"
#include "commands.h"
#include "octet/npy.h"
#include "octet/onnx_io.h"
#include "calib_source.h"
#include "quant_config_flags.h"
#include "quantize_flow.h"

namespace octet::cli {

void add_quantize_command(CLI::App& app) {
  struct Flags {
    std::string model, calib, calib_set = "train", data, output;
    QuantConfigFlags quant;
    int64_t calib_count = 1000;
    uint64_t seed = 433;
    bool json = false, no_eval = false, bias_correction = false, no_bias_correction = false;
    bool strip_names = false;
    NormalizeFlags normalize;
    ThreadsFlag threads;
    std::vector<std::string> stats;
    HoldoutFlags holdout;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("quantize", "Calibrate and convert an FP32 model to int8 (QDQ ONNX)");
  cmd->add_option("model", f->model, "FP32 model (.onnx)")->required();
  cmd->add_option("--calib", f->calib,
                  "Directory with IDX files to calibrate on, or a .npy file of float32 model "
                  "inputs [N,...] used as they are (no --mean/--std; no accuracy without --data)");
  cmd->add_option("--stats", f->stats,
                  "Merge the statistics files of `octet calibrate --shard i/n` instead of --calib")
      ->excludes("--calib");
  cmd->add_option("--calib-set", f->calib_set, "Split to draw calibration images from")
      ->check(CLI::IsMember({"train", "test"}))->capture_default_str();
  cmd->add_option("--calib-count", f->calib_count, "Calibration images (drawn at random)")->capture_default_str();
  cmd->add_option("--seed", f->seed, "Seed of the calibration sample")->capture_default_str();
  f->quant.add_to(*cmd);
  cmd->add_option("--data", f->data, "Directory whose test split measures accuracy (default: --calib)");
  cmd->add_flag("--no-eval", f->no_eval, "Skip the before/after accuracy");
  cmd->add_flag("--bias-correction", f->bias_correction,
                "Empirical bias correction on the calibration images (the recommended preset's "
                "default)");
  cmd->add_flag("--no-bias-correction", f->no_bias_correction, "Leave the biases as converted");
  cmd->add_flag("--strip-names", f->strip_names,
                "Save with short generated value names and no node names (smaller file; the "
                "graph input and output keep theirs)");
  cmd->add_option("-o,--output", f->output, "Quantized model (.onnx)")->required();
  cmd->add_flag("--json", f->json, "Print one JSON object on stdout");
  f->normalize.add_to(*cmd);
  f->threads.add_to(*cmd);
  f->holdout.add_to(*cmd);
  cmd->callback([f, cmd] {
    f->threads.apply();
    if (f->calib.empty() == f->stats.empty()) fail("quantize: give --calib DATA or --stats FILES");
    // With --stats the sample is the one the shards drew: flags that choose another are refused
    // rather than silently ignored.
    for (const char* flag : {"--calib-set", "--calib-count", "--seed"})
      if (!f->stats.empty() && cmd->count(flag) > 0)
        fail("{}: not allowed with --stats (the shards' `octet calibrate` chose the sample)", flag);
    QuantizeRequest r;
    r.model_path = f->model;
    r.fp32 = load_onnx(f->model);
    r.norm = resolve_normalization(r.fp32, f->model, f->normalize);
    r.config = f->quant.config();
    if (f->bias_correction && f->no_bias_correction)
      fail("--bias-correction with --no-bias-correction: give one");
    if (f->bias_correction || f->no_bias_correction) r.config.bias_correction = f->bias_correction;
    std::optional<CalibSource> source;
    if (!f->stats.empty())
      r.stats_files = f->stats;
    else
      source = load_calib_source(f->calib, f->calib_set, cmd->count("--calib-set") > 0,
                                 f->calib_count);
    const bool npy = source && source->npy();
    std::optional<Dataset> test;
    if (!f->no_eval && ((source && !npy) || !f->data.empty())) {
      const std::string eval_dir = f->data.empty() ? f->calib : f->data;
      test = load_split(eval_dir, Split::kTest);
      r.calib_is_test = !npy && f->calib_set == "test" && eval_dir == f->calib;
    }
    r.calib = source && source->set ? &*source->set : nullptr;
    r.calib_inputs = source && source->inputs ? &*source->inputs : nullptr;
    r.calib_inputs_source = npy ? f->calib : "";
    r.test = test ? &*test : nullptr;
    r.calib_count = f->calib_count;
    r.seed = f->seed;
    r.output_path = f->output;
    r.strip_names = f->strip_names;
    // --max-drop / --sensitivity: a labelled held-out set of training images.
    std::optional<Dataset> holdout_pool;
    if (f->holdout.wanted()) {
      const std::string dir = !f->holdout.dir.empty() ? f->holdout.dir
                              : source && !npy        ? f->calib
                                                      : f->data;
      if (dir.empty())
        fail("--max-drop/--sensitivity: need labelled training images: give --holdout-dir DIR");
      holdout_pool = load_split(dir, Split::kTrain);
    }
    f->holdout.fill(r, holdout_pool ? &*holdout_pool : nullptr);
    const QuantizeOutcome o = naming_model(f->model, [&] { return run_quantize(r); });
    for (const auto& w : o.warnings) fmt::print(stderr, "octet: warning: {}\n", w);
    if (f->json)
      print_json(quantize_report_json(r, o));
    else
      print_quantize_report(o);
  });
}

}  // namespace octet::cli
