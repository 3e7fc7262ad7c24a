// Text and JSON reports of a quantization.
#include "octet/quant_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "octet/error.h"
#include "octet/quantize_tensor.h"

namespace octet {

namespace {

// The observed range, or (for a model read from a file, which keeps no observer statistics)
// the range the uint8/int8 grid represents, marked "grid".
std::string range_text(const ObservedRange& r, const QParams& qp) {
  if (!r.min.empty()) return fmt::format("[{:.4f}, {:.4f}]", r.min[0], r.max[0]);
  if (qp.scale.empty()) return "-";
  const float lo = dequantize_value(dtype_qmin(qp.dtype), qp.scale[0], qp.zero_point[0]);
  const float hi = dequantize_value(dtype_qmax(qp.dtype), qp.scale[0], qp.zero_point[0]);
  return fmt::format("grid [{:.4f}, {:.4f}]", lo, hi);
}

std::string scales_text(const QParams& qp) {
  if (qp.scale.empty()) return "-";
  if (!qp.per_channel()) return fmt::format("{:.6g}", qp.scale[0]);
  const auto [lo, hi] = std::minmax_element(qp.scale.begin(), qp.scale.end());
  return fmt::format("{} ch in [{:.4g}, {:.4g}]", qp.scale.size(), *lo, *hi);
}

nlohmann::json qparams_json(const QParams& qp) {
  if (qp.scale.empty()) return nullptr;
  nlohmann::json j = {{"dtype", dtype_name(qp.dtype)}, {"scale", qp.scale},
                      {"zero_point", qp.zero_point}};
  if (qp.per_channel()) j["axis"] = qp.axis;
  return j;
}

nlohmann::json range_json(const ObservedRange& r) {
  if (r.min.empty()) return nullptr;
  return {{"min", r.min}, {"max", r.max}};
}

}  // namespace

std::string format_layer_table(const std::vector<LayerQuantInfo>& layers) {
  size_t width = 8;
  for (const auto& l : layers) width = std::max(width, l.layer.node.size() + 4);
  std::string s = fmt::format("{:<{}} {:<26} {:>10} {:>4}   {:<26} {:>10} {:>4}   {}\n", "layer", width,
                              "input range", "scale", "zp", "output range",
                              "scale", "zp", "weight scale(s)");
  for (const auto& l : layers) {
    const std::string name = l.layer.node + (l.layer.activation_node.empty() ? "" : "+act");
    s += fmt::format("{:<{}} {:<26} {:>10.6g} {:>4}   {:<26} {:>10} {:>4}   {}\n", name, width,
                     range_text(l.input_range, l.input), l.input.scale.at(0), l.input.zero_point.at(0),
                     range_text(l.output_range, l.output),
                     l.output.scale.empty() ? "-" : fmt::format("{:.6g}", l.output.scale[0]),
                     l.output.zero_point.empty() ? "-" : std::to_string(l.output.zero_point[0]),
                     scales_text(l.weight));
  }
  return s;
}

nlohmann::json layers_to_json(const std::vector<LayerQuantInfo>& layers) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& l : layers)
    arr.push_back({{"node", l.layer.node},
                   {"activation_fused", l.layer.activation_node},
                   {"input_tensor", l.layer.input},
                   {"output_tensor", l.layer.output},
                   {"input_observed", range_json(l.input_range)},
                   {"output_observed", range_json(l.output_range)},
                   {"input", qparams_json(l.input)},
                   {"output", qparams_json(l.output)},
                   {"weight", qparams_json(l.weight)},
                   {"bias_scale", l.bias_scale}});
  return arr;
}

WeightPreview preview_weights(const Graph& qdq, const LayerQuantInfo& layer, const Graph* fp32,
                              size_t count) {
  const std::string q_name = layer.weight_q;
  const Tensor* wq = qdq.initializer(q_name);
  if (!wq || wq->dtype() != DType::kI8 || wq->rank() < 2)
    fail("weight preview: '{}' is not an int8 initializer of rank >= 2", q_name);
  WeightPreview p;
  p.weight = q_name;
  const Tensor deq = dequantize_tensor(*wq, layer.weight, q_name);
  // Output channel 0: row 0 when the channel axis is 0 ([N,K] or a Conv's [O,C,kh,kw], seen
  // as [O, C*kh*kw]), column 0 of a [K,N] Gemm weight otherwise.
  const bool rows = layer.layer.weight_channel_axis == 0;
  const int64_t len = rows ? wq->numel() / wq->dim(0) : wq->dim(0);
  const auto n = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(count), len));
  for (size_t i = 0; i < n; ++i) {
    const int64_t at = rows ? static_cast<int64_t>(i) : static_cast<int64_t>(i) * wq->dim(1);
    p.q.push_back(wq->data<int8_t>()[at]);
    p.dequantized.push_back(deq.data<float>()[at]);
  }
  p.half_step = *std::max_element(layer.weight.scale.begin(), layer.weight.scale.end()) / 2;
  // The FP32 original: input 1 of the node of the same name in the FP32 graph.
  const Tensor* w = nullptr;
  if (fp32)
    for (const Node& n : fp32->nodes)
      if (n.name == layer.layer.node && n.inputs.size() > 1) w = fp32->initializer(n.inputs[1]);
  if (w && w->dtype() == DType::kF32 && w->shape() == wq->shape()) {
    float err = 0;
    for (int64_t i = 0; i < w->numel(); ++i)
      err = std::max(err, std::fabs(w->data<float>()[i] - deq.data<float>()[i]));
    p.max_abs_error = err;
    for (size_t i = 0; i < n; ++i) {
      const int64_t at = rows ? static_cast<int64_t>(i) : static_cast<int64_t>(i) * wq->dim(1);
      p.original.push_back(w->data<float>()[at]);
    }
  }
  return p;
}

std::string format_weight_preview(const WeightPreview& p) {
  std::string s = fmt::format("{} (output channel 0, first {} values)\n", p.weight, p.q.size());
  s += fmt::format("  int8        {}\n", fmt::join(p.q, " "));
  s += fmt::format("  dequantized {:.5f}\n", fmt::join(p.dequantized, " "));
  if (!p.original.empty()) s += fmt::format("  original    {:.5f}\n", fmt::join(p.original, " "));
  if (p.max_abs_error)
    s += fmt::format("  max |original - dequantized| over all weights: {:.6f} (half a step: {:.6f})\n",
                     *p.max_abs_error, *p.half_step);
  return s;
}

nlohmann::json to_json(const WeightPreview& p) {
  nlohmann::json j = {{"weight", p.weight}, {"int8", p.q}, {"dequantized", p.dequantized}};
  if (!p.original.empty()) j["original"] = p.original;
  if (p.max_abs_error) j["max_abs_error"] = *p.max_abs_error;
  if (p.half_step) j["half_step"] = *p.half_step;
  return j;
}

ModelStats model_stats(std::string label, const std::string& path, const Graph& graph,
                       std::optional<EvalResult> eval) {
  ModelStats m;
  m.label = std::move(label);
  m.path = path;
  m.file_bytes = std::filesystem::file_size(path);
  m.param_bytes = graph.param_bytes();
  m.eval = std::move(eval);
  return m;
}

std::string format_comparison(const std::vector<ModelStats>& models) {
  if (models.empty()) return {};
  const ModelStats& base = models[0];
  std::string s = fmt::format("{:<22}", "");
  for (const auto& m : models) s += fmt::format(" {:>22}", m.label);
  s += "\n" + fmt::format("{:<22}", "file size (KB)");
  for (const auto& m : models) s += fmt::format(" {:>22.2f}", m.file_bytes / 1000.0);
  s += "\n" + fmt::format("{:<22}", "parameter bytes");
  for (const auto& m : models) s += fmt::format(" {:>22}", m.param_bytes);
  s += "\n" + fmt::format("{:<22}", "size vs first");
  for (const auto& m : models)
    s += fmt::format(" {:>21.2f}x", static_cast<double>(base.file_bytes) / m.file_bytes);
  if (base.eval) {
    s += "\n" + fmt::format("{:<22}", "test accuracy");
    for (const auto& m : models) s += fmt::format(" {:>22.4f}", m.eval ? m.eval->accuracy : NAN);
    s += "\n" + fmt::format("{:<22}", "change (points)");
    for (const auto& m : models)
      s += fmt::format(" {:>+22.2f}", m.eval ? 100 * (m.eval->accuracy - base.eval->accuracy) : NAN);
    s += "\n" + fmt::format("{:<22}", "top-1 agreement");
    for (const auto& m : models)
      s += fmt::format(" {:>22.4f}", m.eval ? top1_agreement(m.eval->predictions, base.eval->predictions) : NAN);
  }
  return s + "\n";
}

nlohmann::json comparison_to_json(const std::vector<ModelStats>& models) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& m : models) {
    nlohmann::json j = {{"label", m.label}, {"path", m.path}, {"file_bytes", m.file_bytes},
                        {"file_kb", m.file_bytes / 1000.0}, {"param_bytes", m.param_bytes}};
    if (m.eval) {
      j["accuracy"] = m.eval->accuracy;
      j["correct"] = m.eval->correct;
      j["samples"] = m.eval->samples;
      if (models[0].eval) {
        j["accuracy_change_points"] = 100 * (m.eval->accuracy - models[0].eval->accuracy);
        j["top1_agreement"] = top1_agreement(m.eval->predictions, models[0].eval->predictions);
      }
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

}  // namespace octet
