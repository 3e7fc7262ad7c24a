// Softmax and LogSoftmax (FP32), whose meaning of `axis` changed in opset 13:
//   opset 13+: normalize along `axis` alone (default -1), as torch.softmax(x, dim) does;
//   opset < 13: coerce x to 2-D [d0 * ... * d(axis-1), d(axis) * ... * dn] and normalize each
//               row (default axis 1), i.e. over all trailing axes at once.
// Both are one loop over x viewed as [outer, n, inner], normalized along n: opset 13 has
// n = d(axis), inner = the trailing axes; opset < 13 has n = the trailing axes, inner = 1.
// The row's maximum is subtracted before exp, so large logits do not overflow.
#include <algorithm>
#include <cmath>

#include "octet/error.h"
#include "runtime/ops/tensor_ops.h"

namespace octet::runtime {

namespace {

// x[outer, n, inner] -> y, normalized along n; log_output selects LogSoftmax.
void softmax_f32(const float* x, int64_t outer, int64_t n, int64_t inner, bool log_output,
                 float* y) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t k = 0; k < inner; ++k) {
      const float* row = x + o * n * inner + k;
      float* out = y + o * n * inner + k;
      float max = row[0];
      for (int64_t j = 1; j < n; ++j) max = std::max(max, row[j * inner]);
      float sum = 0.0f;
      for (int64_t j = 0; j < n; ++j) {
        out[j * inner] = std::exp(row[j * inner] - max);
        sum += out[j * inner];
      }
      if (log_output) {
        const float log_sum = std::log(sum);
        for (int64_t j = 0; j < n; ++j) out[j * inner] = row[j * inner] - max - log_sum;
      } else {
        const float inv_sum = 1.0f / sum;
        for (int64_t j = 0; j < n; ++j) out[j * inner] *= inv_sum;
      }
    }
  }
}

std::unique_ptr<Op> make_softmax_op(const Node& node, const Graph& graph, bool log_output) {
  const bool coerce_2d = graph.opset < 13;
  const int64_t axis_attr = node.attr_int("axis", coerce_2d ? 1 : -1);
  return make_op([node, coerce_2d, axis_attr, log_output](std::span<const Tensor* const> in,
                                                          std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    expect_float32(node, x, "input");
    const auto rank = static_cast<int64_t>(x.rank());
    if (rank == 0) fail("{}: the input is a scalar, expected rank >= 1", node.describe());
    const int64_t axis = normalize_axis(node, axis_attr, rank, "axis");
    int64_t outer = 1, n = 1, inner = 1;
    for (int64_t i = 0; i < rank; ++i) {
      if (i < axis)
        outer *= x.dim(i);
      else if (i == axis || coerce_2d)
        n *= x.dim(i);
      else
        inner *= x.dim(i);
    }
    Tensor y(DType::kF32, x.shape());
    if (n > 0) softmax_f32(x.data<float>(), outer, n, inner, log_output, y.data<float>());
    out[0] = std::move(y);
  });
}

}  // namespace

std::unique_ptr<Op> make_softmax(const Node& node, const Graph& graph) {
  return make_softmax_op(node, graph, /*log_output=*/false);
}

std::unique_ptr<Op> make_log_softmax(const Node& node, const Graph& graph) {
  return make_softmax_op(node, graph, /*log_output=*/true);
}

}  // namespace octet::runtime
