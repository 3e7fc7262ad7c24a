// Cast: converts to the element type `to` (an ONNX TensorProto data type), among the dtypes
// octet has: float32, uint8, int8, int32, int64. Float to integer truncates toward zero, as
// C++ and ONNX Runtime do, and saturates at the target's limits (NaN gives 0) where C++
// would leave the result undefined; integer to narrower integer wraps around, as in numpy.
#include <cmath>
#include <iterator>
#include <limits>
#include <optional>
#include <type_traits>

#include "octet/error.h"
#include "runtime/ops/tensor_ops.h"

namespace octet::runtime {

namespace {

// ONNX TensorProto::DataType numbers (onnx.proto) of the types octet has, and the names of
// common others for messages; the runtime does not depend on the protobuf headers.
std::optional<DType> dtype_from_onnx_number(int64_t to) {
  switch (to) {
    case 1:
      return DType::kF32;
    case 2:
      return DType::kU8;
    case 3:
      return DType::kI8;
    case 6:
      return DType::kI32;
    case 7:
      return DType::kI64;
    default:
      return std::nullopt;
  }
}

const char* onnx_type_name(int64_t to) {
  static constexpr const char* kNames[] = {"UNDEFINED",  "FLOAT",   "UINT8",  "INT8",   "UINT16",
                                           "INT16",      "INT32",   "INT64",  "STRING", "BOOL",
                                           "FLOAT16",    "DOUBLE",  "UINT32", "UINT64", "COMPLEX64",
                                           "COMPLEX128", "BFLOAT16"};
  return to >= 0 && to < static_cast<int64_t>(std::size(kNames)) ? kNames[to] : "UNKNOWN";
}

template <typename To, typename From>
To convert(From v) {
  if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (std::isnan(v)) return 0;
    if (v <= static_cast<From>(std::numeric_limits<To>::lowest()))
      return std::numeric_limits<To>::lowest();
    // max() of int32 / int64 is not exact in float: compare against 2^bits, which is.
    if (v >= std::ldexp(From{1}, std::numeric_limits<To>::digits))
      return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace

std::unique_ptr<Op> make_cast(const Node& node, const Graph&) {
  if (!node.has_attr("to")) fail("{}: attribute to is required", node.describe());
  const int64_t to = node.attr_int("to", 0);
  const std::optional<DType> target = dtype_from_onnx_number(to);
  if (!target)
    fail(
        "{}: cast to ONNX type {} ({}) is not supported (octet has float32, uint8, int8, "
        "int32, int64)",
        node.describe(), onnx_type_name(to), to);
  const DType dtype = *target;
  return make_op([node, dtype](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    if (x.dtype() == dtype) {
      out[0] = x;
      return;
    }
    Tensor y(dtype, x.shape());
    visit_dtype(x.dtype(), [&](auto from_tag) {
      visit_dtype(dtype, [&](auto to_tag) {
        using From = decltype(from_tag);
        using To = decltype(to_tag);
        const From* px = x.data<From>();
        To* py = y.data<To>();
        for (int64_t i = 0; i < x.numel(); ++i) py[i] = convert<To>(px[i]);
      });
    });
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
