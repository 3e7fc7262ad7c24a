// Relu (FP32): y = max(x, 0).
#include "runtime/ops/ops.h"

namespace octet::runtime {

std::unique_ptr<Op> make_relu(const Node& node, const Graph&) {
  return make_op([node](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    expect_dtype(node, x, DType::kF32, "input");
    Tensor y(DType::kF32, x.shape());
    const float* px = x.data<float>();
    float* py = y.data<float>();
    for (int64_t i = 0; i < x.numel(); ++i) py[i] = px[i] > 0.0f ? px[i] : 0.0f;
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
