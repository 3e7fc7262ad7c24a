// What octet prints about a quantization, as text and as JSON: the per-layer qparams table, a
// preview of one layer's int8 weights, and the before/after comparison.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "octet/evaluate.h"
#include "octet/quantize.h"

namespace octet {

// Per layer: observed input/output ranges (when known), scales and zero points, weight scales.
std::string format_layer_table(const std::vector<LayerQuantInfo>& layers);
nlohmann::json layers_to_json(const std::vector<LayerQuantInfo>& layers);

// The first `count` weights of output channel 0 of a layer: int8 values, dequantized values,
// and (when the FP32 weights are known) the originals; the max abs error over the whole tensor.
struct WeightPreview {
  std::string weight;
  std::vector<int32_t> q;
  std::vector<float> dequantized, original;
  std::optional<float> max_abs_error;  // over every element
  std::optional<float> half_step;      // max scale / 2: the bound on the rounding error
};
// `fp32` may be null. Throws octet::Error when the layer's weight is not in `qdq`.
WeightPreview preview_weights(const Graph& qdq, const LayerQuantInfo& layer, const Graph* fp32,
                              size_t count = 8);
std::string format_weight_preview(const WeightPreview& p);
nlohmann::json to_json(const WeightPreview& p);

// One column of the before/after table.
struct ModelStats {
  std::string label;  // "FP32", "int8 (recommended)"
  std::string path;
  uintmax_t file_bytes = 0;
  size_t param_bytes = 0;
  std::optional<EvalResult> eval;
};
ModelStats model_stats(std::string label, const std::string& path, const Graph& graph,
                       std::optional<EvalResult> eval);
// Rows: file size (KB), raw parameter bytes, test accuracy, accuracy change vs the first
// column, size ratio, top-1 agreement with the first column.
std::string format_comparison(const std::vector<ModelStats>& models);
nlohmann::json comparison_to_json(const std::vector<ModelStats>& models);

}  // namespace octet
