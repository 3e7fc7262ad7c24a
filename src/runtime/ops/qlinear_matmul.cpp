// QLinearMatMul (ONNX opset 10): y = saturate(round_half_even(acc * a_scale * b_scale / y_scale)
// + y_zero_point), acc = (a - a_zero_point) x (b - b_zero_point) in int32 (MatMulInteger),
// numpy matmul semantics. a, b and y are uint8 or int8 (each the type of its zero point); the
// scales and zero points of a are per tensor or per row, those of b per tensor or per column,
// those of y per tensor. Requantized in float32 as ONNX Runtime does (requantize_f32 in
// integer_ops.h); ONNX's test outputs agree with it, and with the exact product, to the bit.
#include <cmath>

#include "octet/error.h"
#include "octet/qparams.h"
#include "runtime/ops/integer_ops.h"

namespace octet::runtime {

std::unique_ptr<Op> make_qlinear_matmul(const Node& node, const Graph&) {
  return make_op([node](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& a = required_input(node, in, 0);
    const Tensor& b = required_input(node, in, 3);
    expect_8bit(node, a, "input 0 (a)");
    expect_8bit(node, b, "input 3 (b)");
    const MatMulShape s = matmul_shape(node, a.shape(), b.shape());
    const std::vector<float> scale_a =
        expand_matmul_scale(node, required_input(node, in, 1), s, true, "input 1 (a_scale)");
    const std::vector<int32_t> zero_point_a = expand_matmul_zero_point(
        node, required_input(node, in, 2), s, true, "input 2 (a_zero_point)", a.dtype());
    const std::vector<float> scale_b =
        expand_matmul_scale(node, required_input(node, in, 4), s, false, "input 4 (b_scale)");
    const std::vector<int32_t> zero_point_b = expand_matmul_zero_point(
        node, required_input(node, in, 5), s, false, "input 5 (b_zero_point)", b.dtype());
    const float scale_y = scalar_scale(node, required_input(node, in, 6), "input 6 (y_scale)");
    const Tensor& y_zp = required_input(node, in, 7);
    expect_8bit(node, y_zp, "input 7 (y_zero_point)");
    const DType dtype_y = y_zp.dtype();
    const int32_t zero_point_y = scalar_zero_point(node, y_zp, dtype_y, "input 7 (y_zero_point)");

    const int64_t m = s.m, n = s.n;
    std::vector<int32_t> acc(static_cast<size_t>(shape_numel(s.out_shape)));
    matmul_integer_acc(s, a, zero_point_a, b, zero_point_b, acc.data());
    Tensor y(dtype_y, s.out_shape);
    const int32_t qmin = dtype_qmin(dtype_y), qmax = dtype_qmax(dtype_y);
    uint8_t* y_u8 = dtype_y == DType::kU8 ? y.data<uint8_t>() : nullptr;
    int8_t* y_s8 = dtype_y == DType::kI8 ? y.data<int8_t>() : nullptr;
    for (size_t i = 0; i < s.batch_a.size(); ++i) {
      const float* sa = scale_a.data() + s.batch_a[i] * m;
      const float* sb = scale_b.data() + s.batch_b[i] * n;
      for (int64_t r = 0; r < m; ++r) {
        for (int64_t c = 0; c < n; ++c) {
          const float multiplier = qlinear_multiplier(sa[r], sb[c], scale_y);
          if (!std::isfinite(multiplier))
            fail("{}: a_scale * b_scale / y_scale = {} * {} / {} overflows float32",
                 node.describe(), sa[r], sb[c], scale_y);
          const int64_t e = (static_cast<int64_t>(i) * m + r) * n + c;
          const int32_t q = requantize_f32(acc[e], multiplier, zero_point_y, qmin, qmax);
          if (y_u8)
            y_u8[e] = static_cast<uint8_t>(q);
          else
            y_s8[e] = static_cast<int8_t>(q);
        }
      }
    }
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
