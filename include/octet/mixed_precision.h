// Accuracy-aware mixed precision: which layers lose the accuracy when quantized, and which to
// keep in FP32 so that the quantized model stays within an accuracy budget.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "octet/compare.h"
#include "octet/data.h"
#include "octet/quantize.h"

namespace octet {

// `count` indices of 0..n-1 drawn with `seed` (the first of shuffled_indices(n, Rng(seed)) not
// in `exclude`), sorted ascending: a held-out set disjoint from the calibration sample.
// Throws octet::Error when fewer than `count` indices are left.
std::vector<int64_t> holdout_indices(int64_t n, int64_t count, uint64_t seed,
                                     const std::vector<int64_t>& exclude);

// A model scored on labelled data against the FP32 model's logits.
struct ModelScore {
  double accuracy = 0;  // fraction correct
  double drop = 0;      // (fp32 accuracy - accuracy) * 100: accuracy points lost
  ErrorStats output;    // logits against the FP32 logits
};

// One layer quantized alone (every other layer FP32).
struct LayerSensitivity {
  std::string layer;
  ModelScore score;
};

// Scores models on one labelled set (images normalized with `norm`, batches of 100), against
// the prepared FP32 model of `calib` whose logits it computes once.
class SensitivityEvaluator {
 public:
  // Throws octet::Error when `data` is empty or the model's output is not [N, classes].
  SensitivityEvaluator(const Calibrator& calib, const Dataset& data, const Normalization& norm);
  double fp32_accuracy() const { return fp32_accuracy_; }
  // Converts with `fp32_layers` kept FP32 and scores the result.
  ModelScore score(const std::set<std::string>& fp32_layers) const;
  ModelScore score(const Graph& model) const;
  // Every layer quantized alone, most sensitive first: largest drop, then lowest output SQNR.
  std::vector<LayerSensitivity> per_layer() const;

 private:
  const Calibrator& calib_;
  const Dataset& data_;
  Normalization norm_;
  Tensor fp32_logits_;  // [N, classes]
  double fp32_accuracy_ = 0;
};

struct MixedPrecisionStep {
  std::set<std::string> fp32_layers;
  ModelScore score;
};

struct MixedPrecisionResult {
  double max_drop = 0;  // the budget, accuracy points
  double fp32_accuracy = 0;
  std::vector<LayerSensitivity> sensitivity;  // empty when the all-int8 model met the budget
  std::vector<MixedPrecisionStep> steps;      // all int8 first; the last one is the choice
  std::set<std::string> fp32_layers;          // the choice
  ModelScore score;                           // of the choice
  bool met = false;                           // score.drop <= max_drop
};

// Greedy mixed precision: scores the all-int8 model, and while its drop exceeds `max_drop`
// (accuracy points, >= 0) keeps the most sensitive remaining layer (per_layer() order) in FP32.
// Ends with every layer FP32 in the worst case (met then says whether even that fits).
MixedPrecisionResult choose_fp32_layers(const SensitivityEvaluator& eval, double max_drop);

}  // namespace octet
