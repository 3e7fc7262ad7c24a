// The quantize workflow shared by `octet quantize` and `octet demo`: calibrate, convert, save,
// evaluate before and after, and report.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "octet/data.h"
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
};

struct QuantizeOutcome {
  QuantizedModel model;
  std::vector<std::string> warnings;
  std::optional<EvalResult> fp32_eval, int8_eval;
  std::vector<ModelStats> comparison;  // FP32 then int8
  WeightPreview preview;               // of the first layer
  double calibration_seconds = 0;      // observing the calibration set plus choosing the ranges
  int64_t peak_rss_kb = 0;             // the process's peak resident set, after conversion
};

// Calibrates on `calib_count` images (or calib_inputs rows) drawn with `seed` (never the first N: data files can be
// sorted by class), converts, writes the QDQ model, evaluates both models when a test set is
// given. Warnings (calibrating on the evaluation set, constant tensors) are collected.
QuantizeOutcome run_quantize(const QuantizeRequest& request);

// The text report: observers / qparams table, weight preview, before/after table.
void print_quantize_report(const QuantizeOutcome& outcome);
nlohmann::json quantize_report_json(const QuantizeRequest& request, const QuantizeOutcome& outcome);

}  // namespace octet::cli
