// Clip: y = min(max(x, lo), hi), on float32 and the integer dtypes.
//
// Opset 6 to 10 give the bounds as float attributes `min` / `max`; opset 11 moved them to
// optional scalar inputs 1 and 2 of x's dtype (torch exports them as Constants, or omits one
// as ""). A missing bound is the dtype's lowest / highest value. When lo > hi every output
// is hi, as the ONNX spec says. NaN passes through unchanged.
#include <limits>

#include "octet/error.h"
#include "runtime/ops/tensor_ops.h"

namespace octet::runtime {

namespace {

// Bound `i` (1: min, 2: max) of an opset >= 11 Clip, or `fallback` when omitted.
template <typename T>
T bound_input(const Node& node, std::span<const Tensor* const> in, size_t i, T fallback) {
  if (i >= in.size() || in[i] == nullptr) return fallback;
  const Tensor& t = *in[i];
  const char* role = i == 1 ? "min" : "max";
  expect_dtype(node, t, dtype_of<T>(), role);
  if (t.numel() != 1)
    fail("{}: {} has shape {}, expected a scalar", node.describe(), role, shape_str(t.shape()));
  return t.data<T>()[0];
}

template <typename T>
void clip(const Tensor& x, T lo, T hi, Tensor& y) {
  const T* px = x.data<T>();
  T* py = y.data<T>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const T v = px[i] < lo ? lo : px[i];
    py[i] = v > hi ? hi : v;
  }
}

}  // namespace

std::unique_ptr<Op> make_clip(const Node& node, const Graph& graph) {
  constexpr float kMax = std::numeric_limits<float>::max();
  if (graph.opset < 11) {
    const float lo = node.attr_float("min", -kMax);
    const float hi = node.attr_float("max", kMax);
    return make_op([node, lo, hi](std::span<const Tensor* const> in, std::span<Tensor> out) {
      const Tensor& x = required_input(node, in, 0);
      expect_float32(node, x, "input");
      Tensor y(DType::kF32, x.shape());
      clip<float>(x, lo, hi, y);
      out[0] = std::move(y);
    });
  }
  if (node.has_attr("min") || node.has_attr("max"))
    fail("{}: attributes min / max were replaced by inputs in opset 11 (the model is opset {})",
         node.describe(), graph.opset);
  return make_op([node](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    Tensor y(x.dtype(), x.shape());
    visit_dtype(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T lo = bound_input<T>(node, in, 1, std::numeric_limits<T>::lowest());
      const T hi = bound_input<T>(node, in, 2, std::numeric_limits<T>::max());
      clip<T>(x, lo, hi, y);
    });
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
