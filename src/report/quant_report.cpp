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

std::string range_text(const ObservedRange& r) {
  if (r.min.empty()) return "-";
  return fmt::format("[{:.4f}, {:.4f}]", r.min[0], r.max[0]);
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
  std::string s = fmt::format("{:<8} {:<26} {:>10} {:>4}   {:<26} {:>10} {:>4}   {}\n", "layer",
                              "input range (observed)", "scale", "zp", "output range (observed)",
                              "scale", "zp", "weight scale(s)");
  for (const auto& l : layers) {
    const std::string name = l.layer.node + (l.layer.relu_node.empty() ? "" : "+relu");
    s += fmt::format("{:<8} {:<26} {:>10.6g} {:>4}   {:<26} {:>10} {:>4}   {}\n", name,
                     range_text(l.input_range), l.input.scale.at(0), l.input.zero_point.at(0),
                     range_text(l.output_range),
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
                   {"relu_fused", !l.layer.relu_node.empty()},
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
  // convert() names the int8 initializer "<weight>_q"; a file read back names it directly.
  std::string q_name = layer.layer.weight;
  if (!qdq.initializer(q_name)) q_name += "_q";
  const Tensor* wq = qdq.initializer(q_name);
  if (!wq || wq->dtype() != DType::kI8 || wq->rank() != 2)
    fail("weight preview: '{}' is not an int8 [N,K] initializer", q_name);
  WeightPreview p;
  p.weight = q_name;
  const Tensor deq = dequantize_tensor(*wq, layer.weight, q_name);
  // Output channel 0: row 0 when the channel axis is 0 ([N,K]), column 0 otherwise.
  const bool rows = layer.layer.weight_channel_axis == 0;
  const int64_t len = rows ? wq->dim(1) : wq->dim(0);
  const auto n = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(count), len));
  for (size_t i = 0; i < n; ++i) {
    const int64_t at = rows ? static_cast<int64_t>(i) : static_cast<int64_t>(i) * wq->dim(1);
    p.q.push_back(wq->data<int8_t>()[at]);
    p.dequantized.push_back(deq.data<float>()[at]);
  }
  p.half_step = *std::max_element(layer.weight.scale.begin(), layer.weight.scale.end()) / 2;
  // The FP32 original: the file's weight name minus the "_q" suffix octet's convert adds.
  const std::string fp32_name =
      q_name.size() > 2 && q_name.ends_with("_q") ? q_name.substr(0, q_name.size() - 2) : q_name;
  const Tensor* w = fp32 ? fp32->initializer(fp32_name) : nullptr;
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
