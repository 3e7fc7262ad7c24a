// BatchNormalization (FP32) at inference: Y[n, c, ...] = (X[n, c, ...] - mean[c]) * scale[c] /
// sqrt(var[c] + epsilon) + B[c], computed as X * a[c] + b[c] with a[c] = scale / sqrt(var +
// epsilon) and b[c] = B - mean * a[c] evaluated in double. Training mode (batch statistics,
// running-mean outputs) is not supported; a BatchNormalization after a Conv or Gemm is usually
// folded into its weights beforehand (src/graph/passes/fold_batch_norm.cpp).
#include <cmath>
#include <vector>

#include "octet/error.h"
#include "runtime/ops/conv_ops.h"

namespace octet::runtime {

std::unique_ptr<Op> make_batch_norm(const Node& node, const Graph&) {
  if (node.attr_int("training_mode", 0) != 0)
    fail("{}: training_mode = {} is not supported; octet runs BatchNormalization for inference",
         node.describe(), node.attr_int("training_mode", 0));
  if (node.attr_int("spatial", 1) != 1)
    fail("{}: spatial = 0 (per-element statistics, opset < 9) is not supported", node.describe());
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (!node.outputs[i].empty())
      fail("{}: output {} ('{}') is requested; only Y is supported (inference)", node.describe(), i,
           node.outputs[i]);
  const double epsilon = node.attr_float("epsilon", 1e-5f);
  return make_op([node, epsilon](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    expect_dtype(node, x, DType::kF32, "input 0 (X)");
    if (x.rank() < 2)
      fail("{}: input 0 has shape {}, expected [N, C, ...] of rank >= 2", node.describe(),
           shape_str(x.shape()));
    const int64_t channels = x.dim(1);
    static constexpr const char* kRoles[] = {"", "input 1 (scale)", "input 2 (B)", "input 3 (mean)",
                                             "input 4 (var)"};
    const float* params[5] = {};
    for (size_t i = 1; i < 5; ++i) {
      const Tensor& p = required_input(node, in, i);
      expect_dtype(node, p, DType::kF32, kRoles[i]);
      if (p.rank() != 1 || p.dim(0) != channels)
        fail("{}: {} has shape {}, expected [{}] (one value per channel of input 0 {})",
             node.describe(), kRoles[i], shape_str(p.shape()), channels, shape_str(x.shape()));
      params[i] = p.data<float>();
    }
    std::vector<float> a(static_cast<size_t>(channels)), b(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) {
      const double factor = params[1][c] / std::sqrt(static_cast<double>(params[4][c]) + epsilon);
      a[c] = static_cast<float>(factor);
      b[c] = static_cast<float>(params[2][c] - params[3][c] * factor);
    }
    Tensor y(DType::kF32, x.shape());
    const int64_t planes = x.dim(0) * channels;
    const int64_t plane = planes == 0 ? 0 : x.numel() / planes;
    const float* px = x.data<float>();
    float* py = y.data<float>();
    for (int64_t n = 0; n < x.dim(0); ++n)
      for (int64_t c = 0; c < channels; ++c) {
        const int64_t base = (n * channels + c) * plane;
        for (int64_t i = 0; i < plane; ++i) py[base + i] = px[base + i] * a[c] + b[c];
      }
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
