// The quantize workflow shared by `octet quantize` and `octet demo`.
#include "quantize_flow.h"

#include "calib_source.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "octet/error.h"
#include "octet/onnx_io.h"
#include "octet/passes.h"
#include "octet/random.h"
#include "octet/runtime.h"

namespace octet::cli {

std::optional<CalibrationDraw> calibrate_request(const QuantizeRequest& r, Calibrator& calib,
                                                 std::vector<int64_t>* indices) {
  if (!r.stats_files.empty()) {
    std::vector<std::filesystem::path> files(r.stats_files.begin(), r.stats_files.end());
    return merge_shard_files(calib, files);
  }
  calib.set_drift_mark(drift_mark_for(r.calib_count));
  if (r.calib_inputs) {
    *indices = sample_indices(r.calib_inputs->dim(0), r.calib_count, r.seed);
    calibrate_on_tensor(calib, *r.calib_inputs, *indices, kCalibrationBatch, true,
                        r.calib_inputs_source);
  } else {
    *indices = sample_indices(r.calib->size(), r.calib_count, r.seed);
    calibrate_on(calib, *r.calib, *indices, r.norm, kCalibrationBatch);
  }
  return std::nullopt;
}

namespace {

// The held-out set: disjoint from the calibration sample when both come from one training split.
Dataset draw_holdout(const QuantizeRequest& r, const std::vector<int64_t>& calib_indices,
                     const std::optional<CalibrationDraw>& merged) {
  const Dataset& pool = *r.holdout_pool;
  std::vector<int64_t> exclude;
  if (merged) {
    if (merged->split == "train" && merged->source == pool.source)
      exclude = sample_indices(merged->set_size, merged->count, merged->seed);
  } else if (r.calib && r.calib->source == pool.source && !r.calib_is_test &&
             r.calib->size() == pool.size()) {
    exclude = calib_indices;
  }
  return dataset_subset(pool,
                        holdout_indices(pool.size(), r.holdout_count, r.holdout_seed, exclude));
}

// The calibration batches again, for bias correction. After a merge of shard statistics they
// are re-read from the source the shards recorded and re-drawn with their seed: the merged
// model then equals the single pass's, byte for byte.
std::vector<Tensor> bias_correction_batches(const QuantizeRequest& r,
                                            const std::vector<int64_t>& calib_indices,
                                            const std::optional<CalibrationDraw>& merged) {
  if (!merged) {
    return r.calib_inputs ? calibration_batches(*r.calib_inputs, calib_indices, kCalibrationBatch)
                          : calibration_batches(*r.calib, calib_indices, r.norm, kCalibrationBatch);
  }
  CalibSource source;
  try {
    source = load_calib_source(merged->source, merged->split == "npy" ? "train" : merged->split,
                               merged->split != "npy", merged->count);
  } catch (const Error& e) {
    fail("bias correction needs the shards' calibration images again: {} (or give "
         "--no-bias-correction)", e.what());
  }
  if (source.size() != merged->set_size)
    fail("{}: {} samples, but the shards drew from {} (bias correction needs the same images; or "
         "give --no-bias-correction)", merged->source, source.size(), merged->set_size);
  const std::vector<int64_t> indices = sample_indices(merged->set_size, merged->count, merged->seed);
  return source.npy() ? calibration_batches(*source.inputs, indices, merged->batch)
                      : calibration_batches(*source.set, indices, r.norm, merged->batch);
}

}  // namespace

QuantizeOutcome run_quantize(const QuantizeRequest& r) {
  QuantizeOutcome out;
  if (r.calib_is_test)
    out.warnings.push_back(
        "calibrating on the test set: the evaluation images also chose the scales, so the "
        "reported accuracy is optimistic (use --calib-set train)");
  Calibrator calib(r.fp32, r.config);
  using Clock = std::chrono::steady_clock;
  const auto calib_start = Clock::now();
  std::vector<int64_t> calib_indices;
  out.merged_draw = calibrate_request(r, calib, &calib_indices);
  // Calibration time: observing plus choosing the ranges (convert), not the sensitivity runs.
  double seconds = std::chrono::duration<double>(Clock::now() - calib_start).count();
  out.drift = calib.range_drift();
  for (const auto& d : out.drift)
    if (d.moved > kDriftWarning)
      out.warnings.push_back(fmt::format(
          "tensor '{}': its range moved {:.2f}% over the last 10% of the {} calibration samples "
          "(> {:.0f}%): the calibration set is too small",
          d.tensor, 100.0 * d.moved, d.samples, 100.0 * kDriftWarning));
  if (r.max_drop || r.sensitivity) {
    OCTET_CHECK(r.holdout_pool != nullptr);
    const Dataset holdout = draw_holdout(r, calib_indices, out.merged_draw);
    out.holdout_source = holdout.source;
    const SensitivityEvaluator eval(calib, holdout, r.norm);
    if (r.max_drop) out.mixed = choose_fp32_layers(eval, *r.max_drop);
    if (r.sensitivity)
      out.sensitivity = out.mixed && !out.mixed->sensitivity.empty() ? out.mixed->sensitivity
                                                                     : eval.per_layer();
    else if (out.mixed)
      out.sensitivity = out.mixed->sensitivity;
    if (out.mixed && !out.mixed->met)
      out.warnings.push_back(fmt::format(
          "--max-drop {}: even with every layer in FP32 the drop is {:.2f} points", *r.max_drop,
          out.mixed->score.drop));
  }
  const auto convert_start = Clock::now();
  out.model = out.mixed ? calib.convert(out.mixed->fp32_layers) : calib.convert();
  if (r.config.bias_correction) {
    const std::vector<Tensor> batches = bias_correction_batches(r, calib_indices, out.merged_draw);
    out.bias_corrections = correct_biases(out.model, calib.prepared_graph(), batches);
  }
  seconds += std::chrono::duration<double>(Clock::now() - convert_start).count();
  out.calibration_seconds = seconds;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  out.peak_rss_kb = usage.ru_maxrss;  // kilobytes on Linux
  for (const auto& w : out.model.warnings) out.warnings.push_back(w);
  // Evaluate before saving: a failure here (e.g. test images of another size) leaves no file.
  if (r.test) {
    out.fp32_eval = r.fp32_eval ? *r.fp32_eval : evaluate(Session(r.fp32), *r.test, r.norm);
    out.int8_eval = evaluate(Session(out.model.graph), *r.test, r.norm);
  }
  if (r.strip_names) {
    Graph stripped = out.model.graph;
    strip_names(stripped);
    save_onnx(stripped, r.output_path);
  } else {
    save_onnx(out.model.graph, r.output_path);
  }
  out.comparison.push_back(model_stats("FP32", r.model_path, r.fp32, out.fp32_eval));
  out.comparison.push_back(model_stats("int8 " + r.config.preset, r.output_path, out.model.graph,
                                       out.int8_eval));
  // Against the prepared FP32 weights (BatchNorm folded), which the int8 ones approximate.
  if (!out.model.layers.empty())
    out.preview = preview_weights(out.model.graph, out.model.layers.at(0), &calib.prepared_graph());
  return out;
}

void HoldoutFlags::add_to(CLI::App& cmd) {
  max_drop_option = cmd.add_option(
      "--max-drop", max_drop,
      "Accuracy budget in points: keep the most sensitive layers in FP32 until the int8 model "
      "loses at most this much on the held-out set");
  cmd.add_flag("--sensitivity", sensitivity,
               "Report each layer's sensitivity: accuracy with only that layer quantized");
  cmd.add_option("--holdout-dir", dir,
                 "IDX directory whose training split holds the held-out images (default: --calib, "
                 "else --data); never the test split");
  cmd.add_option("--holdout-count", count, "Held-out images (drawn at random, disjoint from the "
                 "calibration images)")->capture_default_str();
  cmd.add_option("--holdout-seed", seed, "Seed of the held-out draw")->capture_default_str();
}

void HoldoutFlags::fill(QuantizeRequest& r, const Dataset* pool) const {
  if (count <= 0) fail("--holdout-count: {} must be > 0", count);
  if (max_drop_option->count()) {
    if (!(max_drop >= 0)) fail("--max-drop: {} must be >= 0 accuracy points", max_drop);
    r.max_drop = max_drop;
  }
  r.sensitivity = sensitivity;
  r.holdout_pool = pool;
  r.holdout_count = count;
  r.holdout_seed = seed;
}

namespace {

std::string format_drift(const std::vector<Calibrator::RangeDrift>& drift) {
  std::string t = fmt::format("  {:<24} {:>22} {:>10}\n", "tensor", "chosen range", "moved");
  for (const auto& d : drift)
    t += fmt::format("  {:<24} {:>22} {:>9.3f}%{}\n", d.tensor,
                     fmt::format("[{:.4f}, {:.4f}]", d.lo, d.hi), 100.0 * d.moved,
                     d.moved > kDriftWarning ? "  (too few samples)" : "");
  return t;
}

std::string format_sensitivity(const std::vector<LayerSensitivity>& rows) {
  std::string t = fmt::format("  {:<24} {:>9} {:>9} {:>14}\n", "layer (alone int8)", "accuracy",
                              "drop", "logit SQNR dB");
  for (const auto& s : rows)
    t += fmt::format("  {:<24} {:>8.2f}% {:>9.2f} {:>14.2f}\n", s.layer, 100.0 * s.score.accuracy,
                     s.score.drop, s.score.output.sqnr_db());
  return t;
}

nlohmann::json score_json(const ModelScore& s) {
  const double sqnr = s.output.sqnr_db();
  return {{"accuracy", s.accuracy}, {"drop_points", s.drop},
          {"logit_sqnr_db", std::isfinite(sqnr) ? nlohmann::json(sqnr) : nlohmann::json(nullptr)}};
}

}  // namespace

void print_quantize_report(const QuantizeOutcome& o) {
  fmt::print("Observers and quantization parameters:\n{}\n", format_layer_table(o.model.layers));
  fmt::print("Range chosen by:\n");
  for (const auto& [tensor, method] : o.model.methods) fmt::print("  {:<28} {}\n", tensor, method);
  if (!o.bias_corrections.empty()) {
    fmt::print("Bias correction (largest per-channel mean shift removed):\n");
    for (const auto& bc : o.bias_corrections)
      fmt::print("  {:<28} {:.6g}\n", bc.layer, bc.max_abs_shift);
  }
  fmt::print("Calibration: {:.3f} s, peak RSS {} MB\n\n", o.calibration_seconds,
             o.peak_rss_kb / 1024);
  if (o.preview) fmt::print("Layer 1 weights:\n{}\n", format_weight_preview(*o.preview));
  if (!o.drift.empty())
    fmt::print("Range movement over the last 10% of calibration samples:\n{}\n",
               format_drift(o.drift));
  if (!o.sensitivity.empty())
    fmt::print("Sensitivity on {}:\n{}\n", o.holdout_source, format_sensitivity(o.sensitivity));
  if (o.mixed) {
    fmt::print("Mixed precision (--max-drop {} points) on {}: FP32 accuracy {:.2f}%\n",
               o.mixed->max_drop, o.holdout_source, 100.0 * o.mixed->fp32_accuracy);
    for (const auto& step : o.mixed->steps)
      fmt::print("  FP32 layers [{}]: accuracy {:.2f}%, drop {:.2f} points\n",
                 fmt::join(step.fp32_layers, ", "), 100.0 * step.score.accuracy, step.score.drop);
    const std::string kept = o.mixed->fp32_layers.empty()
                                 ? std::string("none")
                                 : fmt::format("{}", fmt::join(o.mixed->fp32_layers, ", "));
    fmt::print("  kept in FP32: {}; final drop {:.2f} points ({})\n\n", kept, o.mixed->score.drop,
               o.mixed->met ? "within budget" : "over budget");
  }
  fmt::print("{}", format_comparison(o.comparison));
}

namespace {

nlohmann::json drift_json(const std::vector<Calibrator::RangeDrift>& drift) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& d : drift)
    j.push_back({{"tensor", d.tensor}, {"range", {d.lo, d.hi}}, {"moved", d.moved},
                 {"head_samples", d.head_samples}, {"samples", d.samples},
                 {"warning", d.moved > kDriftWarning}});
  return j;
}

nlohmann::json sensitivity_json(const std::vector<LayerSensitivity>& rows) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& s : rows) {
    nlohmann::json row = score_json(s.score);
    row["layer"] = s.layer;
    j.push_back(row);
  }
  return j;
}

nlohmann::json bias_correction_json(const QuantizeRequest& r, const QuantizeOutcome& o) {
  if (!r.config.bias_correction) return nullptr;
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& bc : o.bias_corrections)
    layers.push_back({{"layer", bc.layer}, {"max_abs_shift", bc.max_abs_shift}});
  return layers;
}

nlohmann::json calibration_json(const QuantizeRequest& r) {
  return {{"source", r.calib_inputs ? r.calib_inputs_source : r.calib->source},
          {"count", r.calib_count},
          {"seed", r.seed},
          {"set_is_test", r.calib_is_test}};
}

nlohmann::json mixed_json(const QuantizeOutcome& o) {
  if (!o.mixed) return nullptr;
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& step : o.mixed->steps) {
    nlohmann::json s = score_json(step.score);
    s["fp32_layers"] = step.fp32_layers;
    steps.push_back(s);
  }
  return {{"max_drop_points", o.mixed->max_drop}, {"holdout", o.holdout_source},
          {"fp32_accuracy", o.mixed->fp32_accuracy}, {"fp32_layers", o.mixed->fp32_layers},
          {"final", score_json(o.mixed->score)}, {"met", o.mixed->met}, {"steps", steps}};
}

}  // namespace

nlohmann::json quantize_report_json(const QuantizeRequest& r, const QuantizeOutcome& o) {
  return {{"model", r.model_path},
          {"output", r.output_path},
          {"preset", r.config.preset},
          {"config", r.config.describe()},
          {"calibration", o.merged_draw ? o.merged_draw->to_json() : calibration_json(r)},
          {"warnings", o.warnings},
          {"layers", layers_to_json(o.model.layers)},
          {"methods", o.model.methods},
          {"bias_correction", bias_correction_json(r, o)},
          {"calibration_seconds", o.calibration_seconds},
          {"peak_rss_kb", o.peak_rss_kb},
          {"weight_preview", o.preview ? to_json(*o.preview) : nlohmann::json(nullptr)},
          {"comparison", comparison_to_json(o.comparison)},
          {"range_drift", drift_json(o.drift)},
          {"stats_files", r.stats_files},
          {"sensitivity", sensitivity_json(o.sensitivity)},
          {"mixed_precision", mixed_json(o)}};
}

}  // namespace octet::cli
