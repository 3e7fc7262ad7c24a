// Reading and checking QuantizeLinear / DequantizeLinear parameters.
#include "runtime/ops/qdq_params.h"

#include <cmath>

#include "octet/error.h"

namespace octet::runtime {

QdqParams read_qdq_params(const Node& node, std::span<const Tensor* const> inputs,
                          const Tensor& x, int64_t axis, DType default_dtype) {
  const Tensor& scale = required_input(node, inputs, 1);
  expect_dtype(node, scale, DType::kF32, "scale");
  const Tensor* zp = inputs.size() > 2 ? inputs[2] : nullptr;
  QdqParams p;
  p.dtype = zp ? zp->dtype() : default_dtype;
  if (scale.rank() > 1) fail("{}: scale has rank {}, expected a scalar or 1-D", node.describe(), scale.rank());
  if (zp && zp->shape() != scale.shape())
    fail("{}: zero point shape {} differs from scale shape {}", node.describe(),
         shape_str(zp->shape()), shape_str(scale.shape()));
  if (scale.rank() == 1) {
    const auto rank = static_cast<int64_t>(x.rank());
    const int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) fail("{}: axis {} is out of range for rank {}", node.describe(), axis, rank);
    if (x.dim(static_cast<size_t>(a)) != scale.dim(0))
      fail("{}: per-axis scale has {} entries but axis {} of {} has size {}", node.describe(),
           scale.dim(0), a, shape_str(x.shape()), x.dim(static_cast<size_t>(a)));
    p.channels = scale.dim(0);
    for (int64_t i = 0; i < a; ++i) p.outer *= x.dim(static_cast<size_t>(i));
    for (int64_t i = a + 1; i < rank; ++i) p.inner *= x.dim(static_cast<size_t>(i));
  } else {
    p.inner = x.numel();
  }
  p.scale.assign(scale.values<float>().begin(), scale.values<float>().end());
  for (float s : p.scale)
    if (!(s > 0.0f) || !std::isfinite(s))
      fail("{}: scale {} must be finite and > 0", node.describe(), s);
  p.zero_point.assign(static_cast<size_t>(p.channels), 0);
  if (zp) {
    for (int64_t c = 0; c < p.channels; ++c) {
      switch (zp->dtype()) {
        case DType::kU8: p.zero_point[c] = zp->data<uint8_t>()[c]; break;
        case DType::kI8: p.zero_point[c] = zp->data<int8_t>()[c]; break;
        case DType::kI32: p.zero_point[c] = zp->data<int32_t>()[c]; break;
        default: fail("{}: zero point is {}, expected uint8, int8 or int32", node.describe(), dtype_name(zp->dtype()));
      }
    }
  }
  return p;
}

void check_qdq_initializers(const Node& node, const Graph& graph) {
  if (node.inputs.size() < 2 || node.inputs[1].empty())
    fail("{}: the scale input is missing", node.describe());
  if (const Tensor* scale = graph.initializer(node.inputs[1])) {
    if (scale->dtype() != DType::kF32)
      fail("{}: scale '{}' is {}, expected float32", node.describe(), node.inputs[1],
           dtype_name(scale->dtype()));
    for (float v : scale->values<float>())
      if (!(v > 0.0f) || !std::isfinite(v))
        fail("{}: scale '{}' holds {}, expected finite values > 0", node.describe(), node.inputs[1], v);
  }
  if (node.inputs.size() < 3 || node.inputs[2].empty()) return;
  const Tensor* zp = graph.initializer(node.inputs[2]);
  if (!zp) return;  // computed at run time: checked by read_qdq_params
  const Tensor* x = graph.initializer(node.inputs[0]);
  const bool dequantize = node.op_type == "DequantizeLinear";
  const bool int32_bias = dequantize && x && x->dtype() == DType::kI32;
  const DType z = zp->dtype();
  if (!(z == DType::kU8 || z == DType::kI8 || (z == DType::kI32 && int32_bias)))
    fail("{}: zero point '{}' is {}, expected uint8 or int8{}", node.describe(), node.inputs[2],
         dtype_name(z), dequantize ? " (int32 only for an int32 bias)" : "");
  if (dequantize && x && x->dtype() != z)
    fail("{}: zero point '{}' is {} but input '{}' is {}", node.describe(), node.inputs[2],
         dtype_name(z), node.inputs[0], dtype_name(x->dtype()));
}

}  // namespace octet::runtime
