// The quantization parameters of a fused QDQ layer (Gemm or Conv), read once from the
// pattern's initializers: what every integer layer kernel needs besides its geometry.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "octet/requant.h"
#include "runtime/fusion.h"

namespace octet::runtime {

struct QdqLayerParams {
  std::string name;                // "node 'fc1' (Gemm)", for messages
  float scale_x = 1.0f;
  int32_t zero_point_x = 0;
  const Tensor* weights = nullptr;  // int8, as stored in the graph
  std::vector<float> scale_w;       // [N] (a per-tensor scale repeated)
  std::vector<int32_t> bias_q;      // [N], zeros without a bias; at scale s_x * s_w[n]
  bool float_out = false;           // no QuantizeLinear: dequantize the accumulator (eq. 17)
  std::vector<float> acc_scale;     // [N] s_x * s_w[n] (float_out only)
  std::vector<Requant> requant;     // [N] s_x * s_w[n] / s_y (quantized output only)
  int32_t zero_point_y = 0;
  int32_t out_min = 0, out_max = 255;  // the clamp, with a fused Relu/Clip folded in (eq. 14)
};

// Reads the parameters of `pattern` for a layer with `n_out` output channels, the weight's
// output-channel axis being `weight_axis`. Throws octet::Error naming the node when a scale
// is per-channel along another axis or a bias scale is not s_x * s_w[n].
QdqLayerParams read_qdq_layer(const FusedPattern& pattern, const Graph& graph, int64_t n_out,
                              int64_t weight_axis);

// Folds a Relu or constant-bound Clip after an op into the clamp [*out_min, *out_max] of its
// uint8 output at (scale_y, zero_point_y) (eq. 14).
void fold_activation_bounds(const Graph& graph, const Node& activation, float scale_y,
                            int32_t zero_point_y, int32_t* out_min, int32_t* out_max);

// The per-tensor uint8 qparams of a Q/DQ node that the fusion matched (u8_tensor_params holds).
struct U8Params {
  float scale = 1.0f;
  int32_t zero_point = 0;
};
U8Params u8_params(const Graph& graph, const Node& node);

// The scalar float scale and uint8 zero point (0 when omitted) of a per-tensor Q/DQ node, or
// false when the node's parameters are not such initializers.
bool u8_tensor_params(const Graph& graph, const Node& node, float* scale, int32_t* zero_point);

}  // namespace octet::runtime
