// Reading a fused layer's quantization parameters from the QDQ graph.
#include "runtime/fused/qdq_layer.h"

#include <algorithm>
#include <cmath>

#include "octet/error.h"
#include "octet/qparams.h"

namespace octet::runtime {

bool u8_tensor_params(const Graph& g, const Node& n, float* scale, int32_t* zero_point) {
  if (n.inputs.size() < 2) return false;
  const Tensor* s = g.initializer(n.inputs[1]);
  if (!s || s->dtype() != DType::kF32 || s->numel() != 1) return false;
  int32_t z = 0;
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    const Tensor* zt = g.initializer(n.inputs[2]);
    if (!zt || zt->dtype() != DType::kU8 || zt->numel() != 1) return false;
    z = zt->data<uint8_t>()[0];
  }
  if (scale) *scale = s->data<float>()[0];
  if (zero_point) *zero_point = z;
  return true;
}

U8Params u8_params(const Graph& g, const Node& n) {
  U8Params p;
  OCTET_CHECK(u8_tensor_params(g, n, &p.scale, &p.zero_point));
  return p;
}

// Bounds of a fused activation in the output's quantized domain. Q is monotonic, so
// Q(clip(y, lo, hi)) = clamp(Q(y), Q(lo), Q(hi)) exactly (eq. 14); Relu is clip(y, 0, inf).
void fold_activation_bounds(const Graph& g, const Node& act, float scale_y, int32_t zp_y,
                            int32_t* out_min, int32_t* out_max) {
  auto q = [&](float v) { return quantize_value(v, scale_y, zp_y, 0, 255); };
  if (act.op_type == "Relu") {
    *out_min = std::max(*out_min, q(0.0f));
    return;
  }
  // Clip: bounds from attributes (opset < 11) or constant inputs 1 and 2.
  auto bound = [&](size_t i, const char* attr, float fallback) {
    if (act.inputs.size() > i && !act.inputs[i].empty())
      return g.initializer(act.inputs[i])->data<float>()[0];
    return act.attr_float(attr, fallback);
  };
  const float lo = bound(1, "min", -INFINITY), hi = bound(2, "max", INFINITY);
  if (lo > -INFINITY) *out_min = std::max(*out_min, q(lo));
  if (hi < INFINITY) *out_max = std::min(*out_max, q(hi));
}

QdqLayerParams read_qdq_layer(const FusedPattern& pattern, const Graph& g, int64_t n_out,
                              int64_t weight_axis) {
  QdqLayerParams p;
  const Node& op = g.nodes[pattern.op];
  p.name = op.describe();
  OCTET_CHECK(u8_tensor_params(g, g.nodes[pattern.dq_x], &p.scale_x, &p.zero_point_x));
  const Node& dq_w = g.nodes[pattern.dq_w];
  p.weights = g.initializer(dq_w.inputs[0]);
  const Tensor& scale_w = *g.initializer(dq_w.inputs[1]);
  const bool per_channel = scale_w.rank() == 1;
  if (per_channel) {
    const int64_t rank = static_cast<int64_t>(p.weights->rank());
    int64_t axis = dq_w.attr_int("axis", 1);
    if (axis < 0) axis += rank;
    if (scale_w.numel() != n_out || axis != weight_axis)
      fail("{}: weight scale has {} entries along axis {}; expected {} along axis {}", p.name,
           scale_w.numel(), axis, n_out, weight_axis);
  }
  p.scale_w.resize(static_cast<size_t>(n_out));
  for (int64_t c = 0; c < n_out; ++c) p.scale_w[c] = scale_w.data<float>()[per_channel ? c : 0];

  p.bias_q.assign(static_cast<size_t>(n_out), 0);
  if (pattern.dq_b != kNoNode) {
    const Node& dq_b = g.nodes[pattern.dq_b];
    const Tensor& b = *g.initializer(dq_b.inputs[0]);
    const Tensor& scale_b = *g.initializer(dq_b.inputs[1]);
    if (b.numel() != n_out || (scale_b.numel() != 1 && scale_b.numel() != n_out))
      fail("{}: bias has {} entries and {} scales for {} outputs", p.name, b.numel(),
           scale_b.numel(), n_out);
    for (int64_t c = 0; c < n_out; ++c) {
      // The integer bias is added to the accumulator, which is at scale s_x * s_w[c] (eq. 15).
      const float expected = p.scale_x * p.scale_w[c];
      const float got = scale_b.data<float>()[scale_b.numel() == 1 ? 0 : c];
      if (std::fabs(got - expected) > 1e-5f * expected)
        fail("{}: bias scale {} of channel {} is not input scale x weight scale = {}", p.name,
             got, c, expected);
      p.bias_q[c] = b.data<int32_t>()[c];
    }
  }

  p.float_out = pattern.quantize == kNoNode;
  if (p.float_out) {
    // eq. (17): the accumulator's scale, the same float32 product as the bias scale.
    p.acc_scale.resize(static_cast<size_t>(n_out));
    for (int64_t c = 0; c < n_out; ++c) p.acc_scale[c] = p.scale_x * p.scale_w[c];
    return p;
  }
  float scale_y = 1.0f;
  OCTET_CHECK(u8_tensor_params(g, g.nodes[pattern.quantize], &scale_y, &p.zero_point_y));
  p.requant.resize(static_cast<size_t>(n_out));
  for (int64_t c = 0; c < n_out; ++c)
    p.requant[c] = requant_from_scales(p.scale_x, p.scale_w[c], scale_y, p.name);
  if (pattern.activation != kNoNode)
    fold_activation_bounds(g, g.nodes[pattern.activation], scale_y, p.zero_point_y, &p.out_min,
                           &p.out_max);
  return p;
}

}  // namespace octet::runtime
