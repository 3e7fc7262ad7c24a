// octet quantize: post-training quantization of an FP32 ONNX model to a QDQ int8 model.
#include <fmt/format.h>

#include "cli_common.h"
#include "commands.h"
#include "octet/npy.h"
#include "octet/onnx_io.h"
#include "quantize_flow.h"

namespace octet::cli {

void add_quantize_command(CLI::App& app) {
  struct Flags {
    std::string model, calib, calib_set = "train", data, method = "minmax",
                preset = "recommended", output;
    int64_t calib_count = 1000;
    uint64_t seed = 433;
    bool per_channel = false, json = false, no_eval = false;
    NormalizeFlags normalize;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("quantize", "Calibrate and convert an FP32 model to int8 (QDQ ONNX)");
  cmd->add_option("model", f->model, "FP32 model (.onnx)")->required();
  cmd->add_option("--calib", f->calib,
                  "Directory with IDX files to calibrate on, or a .npy file of float32 model "
                  "inputs [N,...] used as they are (no --mean/--std; no accuracy without --data)")
      ->required();
  cmd->add_option("--calib-set", f->calib_set, "Split to draw calibration images from")
      ->check(CLI::IsMember({"train", "test"}))->capture_default_str();
  cmd->add_option("--calib-count", f->calib_count, "Calibration images (drawn at random)")->capture_default_str();
  cmd->add_option("--seed", f->seed, "Seed of the calibration sample")->capture_default_str();
  cmd->add_option("--method", f->method, "Activation observer")->capture_default_str();
  cmd->add_option("--preset", f->preset, "recommended or pytorch-default")
      ->check(CLI::IsMember({"recommended", "pytorch-default"}))->capture_default_str();
  cmd->add_flag("--per-channel", f->per_channel, "Per-channel weights (the recommended preset has them)");
  cmd->add_option("--data", f->data, "Directory whose test split measures accuracy (default: --calib)");
  cmd->add_flag("--no-eval", f->no_eval, "Skip the before/after accuracy");
  cmd->add_option("-o,--output", f->output, "Quantized model (.onnx)")->required();
  cmd->add_flag("--json", f->json, "Print one JSON object on stdout");
  f->normalize.add_to(*cmd);
  cmd->callback([f, cmd] {
    if (f->calib_count <= 0) fail("--calib-count: {} must be > 0", f->calib_count);
    QuantizeRequest r;
    r.model_path = f->model;
    r.fp32 = load_onnx(f->model);
    r.norm = resolve_normalization(r.fp32, f->model, f->normalize);
    r.config = QuantizeConfig::preset_named(f->preset);
    r.config.method = f->method;
    if (f->per_channel) r.config.weight = QuantSpec::per_channel_weight(0);
    // --calib FILE.npy: model inputs without labels, so accuracy only on an explicit --data.
    const bool npy = std::filesystem::path(f->calib).extension() == ".npy" ||
                     std::filesystem::is_regular_file(f->calib);
    if (npy && cmd->count("--calib-set"))
      fail("--calib-set: applies to an IDX directory, not to the .npy file {}", f->calib);
    std::optional<Tensor> calib_inputs;
    std::optional<Dataset> calib;
    int64_t calib_size = 0;
    if (npy) {
      calib_inputs = read_npy(f->calib);
      if (calib_inputs->dtype() != DType::kF32 || calib_inputs->rank() < 2)
        fail("{}: holds {} {}, expected float32 model inputs [N,...]", f->calib,
             dtype_name(calib_inputs->dtype()), shape_str(calib_inputs->shape()));
      calib_size = calib_inputs->dim(0);
    } else {
      calib = load_split(f->calib, f->calib_set == "test" ? Split::kTest : Split::kTrain);
      calib_size = calib->size();
    }
    std::optional<Dataset> test;
    if (!f->no_eval && (!npy || !f->data.empty())) {
      const std::string eval_dir = f->data.empty() ? f->calib : f->data;
      test = load_split(eval_dir, Split::kTest);
      r.calib_is_test = !npy && f->calib_set == "test" && eval_dir == f->calib;
    }
    if (f->calib_count > calib_size)
      fail("--calib-count: {} exceeds the {} {} of {}", f->calib_count, calib_size,
           npy ? "samples" : "images", f->calib);
    r.calib = calib ? &*calib : nullptr;
    r.calib_inputs = calib_inputs ? &*calib_inputs : nullptr;
    r.calib_inputs_source = npy ? f->calib : "";
    r.test = test ? &*test : nullptr;
    r.calib_count = f->calib_count;
    r.seed = f->seed;
    r.output_path = f->output;
    const QuantizeOutcome o = naming_model(f->model, [&] { return run_quantize(r); });
    for (const auto& w : o.warnings) fmt::print(stderr, "octet: warning: {}\n", w);
    if (f->json)
      print_json(quantize_report_json(r, o));
    else
      print_quantize_report(o);
  });
}

}  // namespace octet::cli
