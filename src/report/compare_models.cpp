// Per-layer comparison of a quantized model with its FP32 model, one batch at a time: both
// sessions run with a value hook that keeps only the compared activations of the current batch,
// which are folded into running sums and dropped (memory does not grow with the data set).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "octet/compare.h"
#include "octet/error.h"
#include "octet/fold_constants.h"
#include "octet/passes.h"
#include "octet/progress.h"
#include "octet/quantize.h"
#include "octet/quantize_tensor.h"
#include "octet/runtime.h"

namespace octet {

void ErrorStats::add(const float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const double a = x[i], b = y[i];
    sum_xx += a * a;
    sum_yy += b * b;
    sum_xy += a * b;
    sum_ee += (a - b) * (a - b);
  }
  elements += n;
}

double ErrorStats::sqnr_db() const {
  if (sum_ee == 0) return std::numeric_limits<double>::infinity();
  if (sum_xx == 0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(sum_xx / sum_ee);
}

double ErrorStats::cosine() const {
  if (sum_xx == 0 && sum_yy == 0) return 1.0;
  if (sum_xx == 0 || sum_yy == 0) return 0.0;
  return sum_xy / std::sqrt(sum_xx * sum_yy);
}

namespace {

// Where the quantized model holds a layer's output, and how to turn it into floats.
struct QuantTap {
  std::string value;              // the value the hook sees
  const Tensor* scale = nullptr;  // set: `value` is quantized (uint8/int8), dequantize it
  const Tensor* zero_point = nullptr;
};

std::optional<QuantTap> find_tap(const Graph& q, const std::string& v) {
  for (const Node& n : q.nodes) {
    if (n.op_type != "QuantizeLinear" || (n.inputs[0] != v && n.inputs[0] != v + "_f")) continue;
    QuantTap tap;
    tap.value = n.outputs.at(0);
    tap.scale = q.initializer(n.inputs.at(1));
    tap.zero_point =
        n.inputs.size() > 2 && !n.inputs[2].empty() ? q.initializer(n.inputs[2]) : nullptr;
    if (!tap.scale || tap.scale->numel() != 1 || (tap.zero_point && tap.zero_point->numel() != 1))
      fail("compare: QuantizeLinear of '{}' has no constant per-tensor scale/zero point", v);
    return tap;
  }
  if (q.producer(v)) return QuantTap{v};
  return std::nullopt;
}

Tensor tap_to_float(const QuantTap& tap, const Tensor& t) {
  if (!tap.scale) {
    if (t.dtype() != DType::kF32)
      fail("compare: value '{}' is {}, expected float32", tap.value, dtype_name(t.dtype()));
    return t;
  }
  const float s = tap.scale->data<float>()[0];
  int32_t z = 0;
  if (tap.zero_point)
    z = tap.zero_point->dtype() == DType::kU8 ? tap.zero_point->data<uint8_t>()[0]
                                              : tap.zero_point->data<int8_t>()[0];
  Tensor out(DType::kF32, t.shape());
  float* o = out.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int32_t q = t.dtype() == DType::kU8 ? t.data<uint8_t>()[i] : t.data<int8_t>()[i];
    o[i] = dequantize_value(q, s, z);
  }
  return out;
}

void argmax_rows(const Tensor& logits, std::vector<int32_t>& out) {
  const int64_t rows = logits.dim(0), classes = logits.dim(1);
  const float* p = logits.data<float>();
  for (int64_t i = 0; i < rows; ++i)
    out.push_back(static_cast<int32_t>(std::max_element(p + i * classes, p + (i + 1) * classes) -
                                       (p + i * classes)));
}

}  // namespace

ModelComparison compare_models(const Graph& fp32_in, const Graph& quant, const Dataset& data,
                               const Normalization& norm, const CompareOptions& options) {
  Graph fp32 = fp32_in;
  fold_constants(fp32);
  fold_batch_norm(fp32);
  const std::vector<QuantLayer> layers = find_quant_layers(fp32);
  ModelComparison result;
  std::vector<QuantTap> taps;
  std::map<std::string, size_t> row_of_fp32, row_of_tap;
  // A layer is int8 in `quant` when its weight is read through a DequantizeLinear.
  std::set<std::string> int8_nodes;
  for (const LayerQuantInfo& info : describe_qdq_layers(quant)) int8_nodes.insert(info.layer.node);
  for (const QuantLayer& layer : layers) {
    auto tap = find_tap(quant, layer.output);
    if (!tap) {
      result.unmatched.push_back(layer.node);
      continue;
    }
    row_of_fp32[layer.output] = result.layers.size();
    row_of_tap[tap->value] = result.layers.size();
    result.layers.push_back(
        {layer.node, layer.output, int8_nodes.count(layer.node) ? "int8" : "fp32", {}});
    taps.push_back(*tap);
  }

  const Session s_fp32(fp32), s_quant(quant);
  const int64_t n = options.limit < 0 ? data.size() : std::min(options.limit, data.size());
  if (n == 0) fail("{}: no samples to compare on", data.source);
  const int64_t batch = std::max<int64_t>(1, options.batch);
  std::vector<Tensor> x(result.layers.size()), y(result.layers.size());
  const ValueHook hook_fp32 = [&](const std::string& name, const Tensor& v) {
    auto it = row_of_fp32.find(name);
    if (it != row_of_fp32.end()) x[it->second] = v.clone();
  };
  const ValueHook hook_quant = [&](const std::string& name, const Tensor& v) {
    auto it = row_of_tap.find(name);
    if (it != row_of_tap.end()) y[it->second] = tap_to_float(taps[it->second], v).clone();
  };
  const auto start = std::chrono::steady_clock::now();
  ProgressBar bar(n, "compare", options.show_progress);
  for (int64_t begin = 0; begin < n; begin += batch) {
    const int64_t end = std::min(n, begin + batch);
    const Tensor input = make_batch(data.images, begin, end, norm);
    const std::map<std::string, Tensor> feeds{{fp32.inputs.at(0).name, input}};
    const Tensor a = s_fp32.run(feeds, {}, &hook_fp32).at(0);
    const Tensor b = s_quant.run({{quant.inputs.at(0).name, input}}, {}, &hook_quant).at(0);
    if (a.shape() != b.shape() || a.rank() != 2 || a.dtype() != DType::kF32 ||
        b.dtype() != DType::kF32)
      fail("compare: FP32 output {} and quantized output {} differ or are not float32 [N,classes]",
           shape_str(a.shape()), shape_str(b.shape()));
    result.output.add(a.data<float>(), b.data<float>(), a.numel());
    argmax_rows(a, result.fp32.predictions);
    argmax_rows(b, result.quant.predictions);
    for (size_t i = 0; i < result.layers.size(); ++i) {
      if (x[i].empty() || y[i].empty() || x[i].numel() != y[i].numel())
        fail("compare: layer '{}': value '{}' has {} elements in FP32 and {} quantized",
             result.layers[i].layer, result.layers[i].value, x[i].numel(), y[i].numel());
      result.layers[i].error.add(x[i].data<float>(), y[i].data<float>(), x[i].numel());
      x[i] = Tensor();
      y[i] = Tensor();
    }
    bar.update(end - begin);
  }
  bar.close();
  for (EvalResult* r : {&result.fp32, &result.quant}) {
    r->samples = n;
    for (int64_t i = 0; i < n; ++i)
      r->correct +=
          r->predictions[static_cast<size_t>(i)] == data.labels.at(static_cast<size_t>(i));
    r->accuracy = static_cast<double>(r->correct) / static_cast<double>(n);
    r->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  result.top1_agreement = top1_agreement(result.fp32.predictions, result.quant.predictions);
  std::stable_sort(result.layers.begin(), result.layers.end(), [](const auto& l, const auto& r) {
    return l.error.sqnr_db() < r.error.sqnr_db();
  });
  return result;
}

}  // namespace octet
