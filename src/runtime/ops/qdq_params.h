// The scale / zero-point operands of QuantizeLinear and DequantizeLinear, read and checked once
// per run, and the element loops they share.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/op.h"

namespace octet::runtime {

// The tensor is viewed as [outer, channels, inner]: channels = 1 for per-tensor parameters,
// the size of `axis` for per-axis ones.
struct QdqParams {
  std::vector<float> scale;         // [channels], each finite and > 0
  std::vector<int32_t> zero_point;  // [channels]
  DType dtype = DType::kU8;         // the quantized type (the zero point's type)
  int64_t outer = 1, channels = 1, inner = 1;
};

// Reads inputs 1 (scale, float32 scalar or 1-D) and 2 (zero point, optional, same shape) for a
// tensor `x`; `default_dtype` is the quantized type when the zero point is omitted.
// Throws octet::Error naming the node on a missing, non-positive or mis-shaped parameter.
QdqParams read_qdq_params(const Node& node, std::span<const Tensor* const> inputs,
                          const Tensor& x, int64_t axis, DType default_dtype);

// Plan-time checks of the parameters that are initializers (the usual case): the scale is
// float32 and > 0, the zero point has a quantized type (uint8 or int8, and int32 only for a
// DequantizeLinear of an int32 initializer, a bias) and, for a DequantizeLinear of an
// initializer, the same type as it. Throws octet::Error naming the node.
void check_qdq_initializers(const Node& node, const Graph& graph);

}  // namespace octet::runtime
