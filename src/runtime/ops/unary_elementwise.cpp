// Float32 activations y = f(x), element by element: Sigmoid, Exp, Tanh, LeakyRelu (Relu has
// its own file, relu.cpp; Clip, which also runs on integers, is clip.cpp).
#include <cmath>

#include "octet/error.h"
#include "runtime/ops/tensor_ops.h"

namespace octet::runtime {

namespace {

template <typename Fn>
std::unique_ptr<Op> make_unary_f32(const Node& node, Fn fn) {
  return make_op([node, fn](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    expect_float32(node, x, "input");
    Tensor y(DType::kF32, x.shape());
    const float* px = x.data<float>();
    float* py = y.data<float>();
    for (int64_t i = 0; i < x.numel(); ++i) py[i] = fn(px[i]);
    out[0] = std::move(y);
  });
}

}  // namespace

// 1 / (1 + e^-x): for x << 0, e^-x overflows to inf and y is 0, its limit.
std::unique_ptr<Op> make_sigmoid(const Node& node, const Graph&) {
  return make_unary_f32(node, [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
}

std::unique_ptr<Op> make_exp(const Node& node, const Graph&) {
  return make_unary_f32(node, [](float x) { return std::exp(x); });
}

std::unique_ptr<Op> make_tanh(const Node& node, const Graph&) {
  return make_unary_f32(node, [](float x) { return std::tanh(x); });
}

// x for x >= 0, alpha * x below (alpha defaults to 0.01, as in ONNX and torch).
std::unique_ptr<Op> make_leaky_relu(const Node& node, const Graph&) {
  const float alpha = node.attr_float("alpha", 0.01f);
  return make_unary_f32(node, [alpha](float x) { return x >= 0.0f ? x : alpha * x; });
}

}  // namespace octet::runtime
