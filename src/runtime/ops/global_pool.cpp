// GlobalAveragePool and GlobalMaxPool (FP32): X [N, C, spatial...] -> Y [N, C, 1, ...], the mean
// or the maximum of each plane.
#include <cmath>
#include <limits>

#include "octet/error.h"
#include "runtime/ops/conv_ops.h"

namespace octet::runtime {

namespace {
enum class Reduce { kMean, kMax };

// Mean in double (a 224x224 plane sums 50176 floats), cast once; max propagates NaN.
float reduce_plane(const float* x, int64_t n, Reduce reduce) noexcept {
  if (reduce == Reduce::kMean) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += x[i];
    return static_cast<float>(sum / static_cast<double>(n));
  }
  float best = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i)
    if (x[i] > best || std::isnan(x[i])) best = x[i];
  return best;
}

std::unique_ptr<Op> make_global_pool(const Node& node, Reduce reduce) {
  return make_op([node, reduce](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    expect_dtype(node, x, DType::kF32, "input 0 (X)");
    if (x.rank() < 3)
      fail("{}: input 0 has shape {}, expected [N, C, spatial...] of rank >= 3", node.describe(),
           shape_str(x.shape()));
    Shape y_shape = x.shape();
    int64_t plane = 1;
    for (size_t i = 2; i < y_shape.size(); ++i) {
      plane *= y_shape[i];
      y_shape[i] = 1;
    }
    if (plane == 0 && x.dim(0) * x.dim(1) != 0)
      fail("{}: input 0 {} has empty planes; their {} is undefined", node.describe(),
           shape_str(x.shape()), reduce == Reduce::kMean ? "mean" : "maximum");
    Tensor y(DType::kF32, y_shape);
    const float* px = x.data<float>();
    float* py = y.data<float>();
    for (int64_t i = 0; i < y.numel(); ++i) py[i] = reduce_plane(px + i * plane, plane, reduce);
    out[0] = std::move(y);
  });
}
}  // namespace

std::unique_ptr<Op> make_global_average_pool(const Node& node, const Graph&) {
  return make_global_pool(node, Reduce::kMean);
}

std::unique_ptr<Op> make_global_max_pool(const Node& node, const Graph&) {
  return make_global_pool(node, Reduce::kMax);
}

}  // namespace octet::runtime
