// octet calibrate: one shard of a sharded calibration; writes its observers' statistics.
#include <fmt/format.h>

#include <algorithm>

#include "calib_source.h"
#include "cli_common.h"
#include "commands.h"
#include "octet/atomic_file.h"
#include "octet/calib_shards.h"
#include "octet/error.h"
#include "octet/onnx_io.h"
#include "octet/random.h"
#include "quant_config_flags.h"

namespace octet::cli {

void add_calibrate_command(CLI::App& app) {
  struct Flags {
    std::string model, calib, calib_set = "train", shard = "0/1", output;
    QuantConfigFlags quant;
    int64_t calib_count = 1000;
    uint64_t seed = 433;
    bool json = false;
    NormalizeFlags normalize;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "calibrate", "Observe shard i/n of the calibration sample; write its statistics (JSON)");
  cmd->add_option("model", f->model, "FP32 model (.onnx)")->required();
  cmd->add_option("--calib", f->calib, "IDX directory or .npy file of model inputs, as quantize")
      ->required();
  cmd->add_option("--calib-set", f->calib_set, "Split to draw calibration images from")
      ->check(CLI::IsMember({"train", "test"}))
      ->capture_default_str();
  cmd->add_option("--calib-count", f->calib_count, "Calibration images in the whole sample")
      ->capture_default_str();
  cmd->add_option("--seed", f->seed, "Seed of the calibration sample")->capture_default_str();
  f->quant.add_to(*cmd);  // the same flags as quantize: the merge checks the config matches
  cmd->add_option("--shard", f->shard, "i/n: observe the i-th of n contiguous parts (0-based)")
      ->capture_default_str();
  cmd->add_option("-o,--output", f->output, "Statistics file (.json)")->required();
  cmd->add_flag("--json", f->json, "Print a JSON summary on stdout");
  f->normalize.add_to(*cmd);
  cmd->callback([f, cmd] {
    const ShardSpec shard = ShardSpec::parse(f->shard, "--shard");
    const Graph fp32 = load_onnx(f->model);
    const Normalization norm = resolve_normalization(fp32, f->model, f->normalize);
    const QuantizeConfig config = f->quant.config();
    const CalibSource source =
        load_calib_source(f->calib, f->calib_set, cmd->count("--calib-set") > 0, f->calib_count);
    // Shards are whole calibration batches (see shard_rows): at most one per batch.
    const int64_t n_batches = (f->calib_count + kCalibrationBatch - 1) / kCalibrationBatch;
    if (n_batches < shard.count)
      fail("--shard {}: {} calibration samples are {} batches of {}: at most {} shards", f->shard,
           f->calib_count, n_batches, kCalibrationBatch, n_batches);
    CalibrationDraw draw{source.npy() ? f->calib : source.set->source,
                         source.split,
                         source.size(),
                         f->calib_count,
                         f->seed,
                         kCalibrationBatch};
    // The same seeded draw as quantize's single pass; this shard takes its contiguous part and
    // marks where the sample's last 10% starts, relative to the shard.
    const std::vector<int64_t> sample = sample_indices(source.size(), f->calib_count, f->seed);
    const auto [begin, end] = shard_rows(f->calib_count, shard, kCalibrationBatch);
    const std::vector<int64_t> part(sample.begin() + begin, sample.begin() + end);
    const nlohmann::json stats = naming_model(f->model, [&] {
      Calibrator calib(fp32, config);
      calib.set_drift_mark(std::max<int64_t>(0, drift_mark_for(f->calib_count) - begin));
      if (source.npy())
        calibrate_on_tensor(calib, *source.inputs, part, kCalibrationBatch, true, f->calib);
      else
        calibrate_on(calib, *source.set, part, norm, kCalibrationBatch);
      return shard_statistics_json(calib, shard, draw);
    });
    write_file_atomic(f->output, stats.dump(1) + "\n");
    if (f->json)
      print_json({{"output", f->output},
                  {"shard", {{"index", shard.index}, {"count", shard.count}}},
                  {"rows", {begin, end}},
                  {"samples", end - begin},
                  {"draw", draw.to_json()}});
    else
      fmt::print("shard {}/{}: observed samples [{}, {}) of {} ({} {}), statistics in {}\n",
                 shard.index, shard.count, begin, end, f->calib_count, draw.source, draw.split,
                 f->output);
  });
}

}  // namespace octet::cli
