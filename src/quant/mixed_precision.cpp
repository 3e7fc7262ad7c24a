// Accuracy-aware mixed precision (docs/quantization.md §14): a per-layer sensitivity measured
// by quantizing one layer at a time, and a greedy choice of FP32 layers within a budget.
//
// Sensitivity of layer l = accuracy drop of the model where only l is quantized (eq. 32); ties
// (frequent on a held-out set of ~1000 images, where a drop is a multiple of 0.1 point) are
// broken by the SQNR of the logits, lower = more sensitive. The greedy step keeps the most
// sensitive quantized layer in FP32 until the whole model meets the budget; each step costs one
// evaluation, and sensitivity costs one per layer, only when the all-int8 model misses.
#include "octet/mixed_precision.h"

#include <algorithm>
#include <set>

#include "octet/error.h"
#include "octet/random.h"
#include "octet/runtime.h"

namespace octet {

namespace {

constexpr int64_t kBatch = 100;

// Logits [N, classes] of `session` over every image of `data`.
Tensor run_logits(const Session& session, const Dataset& data, const Normalization& norm) {
  Tensor out;
  const int64_t n = data.size();
  for (int64_t begin = 0; begin < n; begin += kBatch) {
    const int64_t end = std::min(n, begin + kBatch);
    const Tensor logits = session.run(make_batch(data.images, begin, end, norm));
    if (logits.dtype() != DType::kF32 || logits.rank() != 2 || logits.dim(0) != end - begin)
      fail("sensitivity: model output has shape {} ({}), expected float32 [{},classes]",
           shape_str(logits.shape()), dtype_name(logits.dtype()), end - begin);
    if (out.empty()) out = Tensor(DType::kF32, {n, logits.dim(1)});
    if (logits.dim(1) != out.dim(1)) fail("sensitivity: model output changes width");
    std::copy_n(logits.data<float>(), logits.numel(), out.data<float>() + begin * out.dim(1));
  }
  return out;
}

double accuracy_of(const Tensor& logits, const Dataset& data) {
  const int64_t n = logits.dim(0), classes = logits.dim(1);
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* row = logits.data<float>() + i * classes;
    correct += std::max_element(row, row + classes) - row == data.labels.at(static_cast<size_t>(i));
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

}  // namespace

std::vector<int64_t> holdout_indices(int64_t n, int64_t count, uint64_t seed,
                                     const std::vector<int64_t>& exclude) {
  const std::set<int64_t> taken(exclude.begin(), exclude.end());
  Rng rng(seed);
  std::vector<int64_t> out;
  for (int64_t i : shuffled_indices(n, rng)) {
    if (static_cast<int64_t>(out.size()) == count) break;
    if (!taken.count(i)) out.push_back(i);
  }
  if (static_cast<int64_t>(out.size()) < count)
    fail("held-out set: {} images requested, but only {} of {} are not calibration images", count,
         out.size(), n);
  std::sort(out.begin(), out.end());
  return out;
}

SensitivityEvaluator::SensitivityEvaluator(const Calibrator& calib, const Dataset& data,
                                           const Normalization& norm)
    : calib_(calib), data_(data), norm_(norm) {
  if (data.size() == 0) fail("{}: no labelled samples to measure sensitivity on", data.source);
  fp32_logits_ = run_logits(Session(calib.prepared_graph()), data, norm);
  check_labels(data, fp32_logits_.dim(1));
  fp32_accuracy_ = accuracy_of(fp32_logits_, data);
}

ModelScore SensitivityEvaluator::score(const Graph& model) const {
  const Tensor logits = run_logits(Session(model), data_, norm_);
  if (logits.shape() != fp32_logits_.shape())
    fail("sensitivity: output {} differs from the FP32 output {}", shape_str(logits.shape()),
         shape_str(fp32_logits_.shape()));
  ModelScore s;
  s.accuracy = accuracy_of(logits, data_);
  s.drop = (fp32_accuracy_ - s.accuracy) * 100.0;
  s.output.add(fp32_logits_.data<float>(), logits.data<float>(), logits.numel());
  return s;
}

ModelScore SensitivityEvaluator::score(const std::set<std::string>& fp32_layers) const {
  return score(calib_.convert(fp32_layers).graph);
}

std::vector<LayerSensitivity> SensitivityEvaluator::per_layer() const {
  std::vector<LayerSensitivity> out;
  for (const QuantLayer& layer : calib_.layers()) {
    std::set<std::string> others;
    for (const QuantLayer& l : calib_.layers())
      if (l.node != layer.node) others.insert(l.node);
    out.push_back({layer.node, score(others)});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const LayerSensitivity& a, const LayerSensitivity& b) {
                     if (a.score.accuracy != b.score.accuracy)
                       return a.score.accuracy < b.score.accuracy;
                     return a.score.output.sqnr_db() < b.score.output.sqnr_db();
                   });
  return out;
}

MixedPrecisionResult choose_fp32_layers(const SensitivityEvaluator& eval, double max_drop) {
  if (!(max_drop >= 0)) fail("--max-drop: {} must be >= 0 accuracy points", max_drop);
  MixedPrecisionResult r;
  r.max_drop = max_drop;
  r.fp32_accuracy = eval.fp32_accuracy();
  r.steps.push_back({{}, eval.score(std::set<std::string>{})});
  if (r.steps.back().score.drop > max_drop) {
    r.sensitivity = eval.per_layer();
    for (const LayerSensitivity& s : r.sensitivity) {
      if (r.steps.back().score.drop <= max_drop) break;
      std::set<std::string> fp32 = r.steps.back().fp32_layers;
      fp32.insert(s.layer);
      r.steps.push_back({fp32, eval.score(fp32)});
    }
  }
  r.fp32_layers = r.steps.back().fp32_layers;
  r.score = r.steps.back().score;
  r.met = r.score.drop <= max_drop;
  return r;
}

}  // namespace octet
