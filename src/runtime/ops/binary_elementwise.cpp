// Add, Sub, Mul, Div with numpy broadcasting (broadcast.h), on float32 and on the integer
// dtypes: shape arithmetic (Shape -> Gather -> Mul -> Concat -> Reshape) runs on int64.
//
// Integers follow ONNX (and numpy): Add, Sub and Mul wrap around on overflow (computed in
// uint64, where wrapping is defined, then narrowed), Div truncates toward zero. A zero integer
// divisor throws octet::Error instead of trapping.
#include <type_traits>

#include "octet/error.h"
#include "runtime/ops/broadcast.h"
#include "runtime/ops/ops.h"
#include "runtime/ops/tensor_ops.h"

namespace octet::runtime {

namespace {

enum class BinaryOp { kAdd, kSub, kMul, kDiv };

template <typename T>
void check_divisor(const Node& node, const Tensor& b) {
  if constexpr (std::is_integral_v<T>) {
    for (T v : b.values<T>())
      if (v == 0) fail("{}: integer division by zero (input B holds a 0)", node.describe());
  }
}

template <typename T>
void run_binary(const Node& node, BinaryOp kind, const Tensor& a, const Tensor& b, Tensor& y) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (kind) {
      case BinaryOp::kAdd:
        return broadcast_binary<T>(a, b, y, [](T u, T v) { return u + v; });
      case BinaryOp::kSub:
        return broadcast_binary<T>(a, b, y, [](T u, T v) { return u - v; });
      case BinaryOp::kMul:
        return broadcast_binary<T>(a, b, y, [](T u, T v) { return u * v; });
      case BinaryOp::kDiv:
        return broadcast_binary<T>(a, b, y, [](T u, T v) { return u / v; });
    }
  } else {
    const auto wrap = [](uint64_t r) { return static_cast<T>(r); };  // modulo 2^bits
    const auto u64 = [](T v) { return static_cast<uint64_t>(v); };
    switch (kind) {
      case BinaryOp::kAdd:
        return broadcast_binary<T>(a, b, y, [&](T u, T v) { return wrap(u64(u) + u64(v)); });
      case BinaryOp::kSub:
        return broadcast_binary<T>(a, b, y, [&](T u, T v) { return wrap(u64(u) - u64(v)); });
      case BinaryOp::kMul:
        return broadcast_binary<T>(a, b, y, [&](T u, T v) { return wrap(u64(u) * u64(v)); });
      case BinaryOp::kDiv:
        check_divisor<T>(node, b);
        // min / -1 overflows (undefined in C++); as a wrapping negation it stays min.
        return broadcast_binary<T>(a, b, y, [&](T u, T v) {
          if constexpr (std::is_signed_v<T>)
            if (v == T(-1)) return wrap(0 - u64(u));
          return static_cast<T>(u / v);
        });
    }
  }
}

std::unique_ptr<Op> make_binary(const Node& node, BinaryOp kind) {
  return make_op([node, kind](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& a = required_input(node, in, 0);
    const Tensor& b = required_input(node, in, 1);
    if (a.dtype() != b.dtype())
      fail("{}: input A is {} but input B is {}; both must have the same dtype", node.describe(),
           dtype_name(a.dtype()), dtype_name(b.dtype()));
    Tensor y(a.dtype(), broadcast_shape(node, a.shape(), b.shape()));
    visit_dtype(a.dtype(), [&](auto tag) { run_binary<decltype(tag)>(node, kind, a, b, y); });
    out[0] = std::move(y);
  });
}

}  // namespace

std::unique_ptr<Op> make_add(const Node& node, const Graph&) {
  return make_binary(node, BinaryOp::kAdd);
}
std::unique_ptr<Op> make_sub(const Node& node, const Graph&) {
  return make_binary(node, BinaryOp::kSub);
}
std::unique_ptr<Op> make_mul(const Node& node, const Graph&) {
  return make_binary(node, BinaryOp::kMul);
}
std::unique_ptr<Op> make_div(const Node& node, const Graph&) {
  return make_binary(node, BinaryOp::kDiv);
}

}  // namespace octet::runtime
