// The quantize workflow shared by `octet quantize` and `octet demo`: calibrate, convert, save,
// evaluate before and after, and report.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "octet/calib_shards.h"
#include "octet/data.h"
#include "octet/mixed_precision.h"
#include "octet/quant_report.h"
#include "octet/quantize.h"

namespace octet::cli {

struct QuantizeRequest {
  std::string model_path;  // FP32 ONNX
  Graph fp32;
  Normalization norm;
  QuantizeConfig config;
  const Dataset* calib = nullptr;  // the calibration split
  // Or: float32 model inputs [N, ...] (a .npy file), calibrated on as they are (no `norm`).
  const Tensor* calib_inputs = nullptr;
  std::string calib_inputs_source;  // the .npy file, for messages and the report
  bool calib_is_test = false;      // the calibration images are the evaluation images
  int64_t calib_count = 1000;
  uint64_t seed = 433;
  std::string output_path;
  const Dataset* test = nullptr;   // evaluation set; null: no accuracy
  std::optional<EvalResult> fp32_eval;  // reuse an FP32 evaluation already made
  // Or: merge these shard statistics files (octet calibrate --shard) instead of calibrating.
  std::vector<std::string> stats_files;
  // --max-drop (accuracy points) and --sensitivity, measured on `holdout_count` images of
  // `holdout_pool` (a training split) drawn with `holdout_seed`, disjoint from the calibration
  // sample when that was drawn from the same split.
  std::optional<double> max_drop;
  bool sensitivity = false;
  const Dataset* holdout_pool = nullptr;
  int64_t holdout_count = 1000;
  uint64_t holdout_seed = 1;
  bool strip_names = false;  // save with short generated names (strip_names)
};

struct QuantizeOutcome {
  QuantizedModel model;
  std::vector<std::string> warnings;
  std::optional<EvalResult> fp32_eval, int8_eval;
  std::vector<ModelStats> comparison;  // FP32 then int8
  std::optional<WeightPreview> preview;  // of the first quantized layer
  std::optional<CalibrationDraw> merged_draw;   // with stats_files: the shards' sample
  std::vector<Calibrator::RangeDrift> drift;    // the calibration-size diagnostic
  std::string holdout_source;                   // what --max-drop / --sensitivity scored on
  std::optional<MixedPrecisionResult> mixed;    // --max-drop
  std::vector<LayerSensitivity> sensitivity;    // --sensitivity (or --max-drop's ranking)
  std::vector<BiasCorrection> bias_corrections; // --bias-correction, per layer
  double calibration_seconds = 0;      // observing the calibration set plus choosing the ranges
  int64_t peak_rss_kb = 0;             // the process's peak resident set, after conversion
};

// --max-drop, --sensitivity and the held-out set they are measured on.
struct HoldoutFlags {
  std::string dir;
  int64_t count = 1000;
  uint64_t seed = 1;
  double max_drop = 0;
  bool sensitivity = false;
  CLI::Option* max_drop_option = nullptr;
  void add_to(CLI::App& cmd);
  bool wanted() const { return sensitivity || max_drop_option->count() > 0; }
  // Copies the flags into `r`; `pool` is the training split to draw the held-out set from.
  void fill(QuantizeRequest& r, const Dataset* pool) const;
};

// Ranges moving by more than this over the last 10% of calibration get a warning.
inline constexpr float kDriftWarning = 0.01f;

// Calibrates on `calib_count` images (or calib_inputs rows) drawn with `seed` (never the first N: data files can be
// sorted by class), converts, writes the QDQ model, evaluates both models when a test set is
// given. Warnings (calibrating on the evaluation set, constant tensors) are collected.
QuantizeOutcome run_quantize(const QuantizeRequest& request);

// The calibration part of run_quantize: draws the sample (or merges r.stats_files, returning
// their draw) with the drift mark at its last 10%. `indices` receives the drawn sample.
std::optional<CalibrationDraw> calibrate_request(const QuantizeRequest& r, Calibrator& calib,
                                                 std::vector<int64_t>* indices);

// The text report: observers / qparams table, weight preview, before/after table.
void print_quantize_report(const QuantizeOutcome& outcome);
nlohmann::json quantize_report_json(const QuantizeRequest& request, const QuantizeOutcome& outcome);

}  // namespace octet::cli
