// Reading and checking the scales and zero points of ONNX's integer ops (see integer_ops.h).
#include <cmath>

#include "octet/error.h"
#include "runtime/ops/integer_ops.h"

namespace octet::runtime {

void expect_8bit(const Node& node, const Tensor& t, const char* role) {
  if (t.dtype() != DType::kU8 && t.dtype() != DType::kI8)
    fail("{}: {} is {}, expected uint8 or int8", node.describe(), role, dtype_name(t.dtype()));
}

float scale_value(const Node& node, const Tensor& scale, int64_t i, const char* role) {
  expect_dtype(node, scale, DType::kF32, role);
  const float s = scale.data<float>()[i];
  if (!(s > 0.0f) || !std::isfinite(s))
    fail("{}: {} holds {} at index {}, expected a finite value > 0", node.describe(), role, s, i);
  return s;
}

int32_t zero_point_value(const Node& node, const Tensor& zero_point, int64_t i, DType want,
                         const char* role) {
  if (zero_point.dtype() != want)
    fail("{}: {} is {}, expected {} (the type of the tensor it belongs to)", node.describe(), role,
         dtype_name(zero_point.dtype()), dtype_name(want));
  switch (want) {
    case DType::kU8:
      return zero_point.data<uint8_t>()[i];
    case DType::kI8:
      return zero_point.data<int8_t>()[i];
    default:
      fail("{}: {} is {}, expected uint8 or int8", node.describe(), role, dtype_name(want));
  }
}

float scalar_scale(const Node& node, const Tensor& scale, const char* role) {
  if (scale.numel() != 1)
    fail("{}: {} has shape {}, expected a single value (per-tensor)", node.describe(), role,
         shape_str(scale.shape()));
  return scale_value(node, scale, 0, role);
}

int32_t scalar_zero_point(const Node& node, const Tensor& zero_point, DType want,
                          const char* role) {
  if (zero_point.numel() != 1)
    fail("{}: {} has shape {}, expected a single value (per-tensor)", node.describe(), role,
         shape_str(zero_point.shape()));
  return zero_point_value(node, zero_point, 0, want, role);
}

}  // namespace octet::runtime
