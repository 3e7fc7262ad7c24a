// The shape, element-wise and tensor ops (registered in registry_tensor_ops.cpp): their
// factories, one file each, and the few helpers they share.
#pragma once

#include <cstdint>
#include <memory>

#include "octet/error.h"
#include "runtime/op.h"

namespace octet::runtime {

// Sub, Mul, Div (Add is make_add in ops.h), binary_elementwise.cpp.
std::unique_ptr<Op> make_sub(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_mul(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_div(const Node& node, const Graph& graph);
// Sigmoid, Exp, Tanh, LeakyRelu, unary_elementwise.cpp.
std::unique_ptr<Op> make_sigmoid(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_exp(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_tanh(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_leaky_relu(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_clip(const Node& node, const Graph& graph);
// Softmax and LogSoftmax, softmax.cpp.
std::unique_ptr<Op> make_softmax(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_log_softmax(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_concat(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_transpose(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_squeeze(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_unsqueeze(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_shape(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_gather(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_cast(const Node& node, const Graph& graph);

// The output of Shape `node` (its start / end attributes applied) for an input of shape
// `input_shape`: an int64 1-D tensor. Constant folding uses it on shapes known before a run.
Tensor shape_op_output(const Node& node, const Shape& input_shape);

// `axis` in [-rank, rank) mapped to [0, rank); throws octet::Error naming the node and `what`
// (e.g. "axis") otherwise.
inline int64_t normalize_axis(const Node& node, int64_t axis, int64_t rank, const char* what) {
  if (axis < -rank || axis >= rank)
    fail("{}: {} {} is out of range for an input of rank {} (valid: [{}, {}])", node.describe(),
         what, axis, rank, -rank, rank - 1);
  return axis < 0 ? axis + rank : axis;
}

// Throws octet::Error naming the node when `t` (its `role`, e.g. "input") is not float32: the
// message says octet does not support the op on that dtype, which ONNX may allow (e.g. double).
inline void expect_float32(const Node& node, const Tensor& t, const char* role) {
  if (t.dtype() != DType::kF32)
    fail("{}: {} is {}; octet does not support {} on it (float32 only)", node.describe(), role,
         dtype_name(t.dtype()), node.op_type);
}

// Calls fn(T{}) with T the C++ type of `dtype`: one switch instead of one per op.
template <typename Fn>
decltype(auto) visit_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::kF32:
      return fn(float{});
    case DType::kI8:
      return fn(int8_t{});
    case DType::kU8:
      return fn(uint8_t{});
    case DType::kI32:
      return fn(int32_t{});
    case DType::kI64:
      return fn(int64_t{});
  }
  OCTET_CHECK(false, "unknown dtype {}", static_cast<int>(dtype));
  return fn(float{});
}

}  // namespace octet::runtime
