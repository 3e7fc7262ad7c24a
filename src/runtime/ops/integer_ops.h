// Factories of ONNX's integer ops (registry_integer_ops.cpp lists them), one per file in this
// folder, and the integer cores each QLinear op shares with its *Integer twin:
//
//   MatMulInteger = matmul_integer_acc                    (int32 out)
//   QLinearMatMul = matmul_integer_acc + requantize_f32   (8-bit out)
//   ConvInteger   = conv_integer_acc                      (int32 out)
//   QLinearConv   = conv_integer_acc + bias + requantize_f32
//
// Accumulation is in int32 and wraps modulo 2^32 (ONNX: "the production MUST never overflow;
// the accumulation may overflow if and only if in 32 bits"): |(a - za) * (b - zb)| <= 255^2
// < 2^16, so each product is exact, and the sums are taken in uint32, whose wrap-around is
// defined, then read back as int32 (modular since C++20).
//
// Requantization of the QLinear ops follows ONNX Runtime (MlasRequantizeOutput), the runtime
// that produced ONNX's expected outputs, rather than octet's fixed-point kernels
// (requant.h): a multiplier computed in float32, a float32 product, round half to even.
// docs/quantization.md eq. (2) with x = acc * s_a * s_b.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/op.h"
#include "runtime/ops/conv_geometry.h"

namespace octet::runtime {

std::unique_ptr<Op> make_matmul_integer(const Node& node, const Graph& graph);  // matmul_integer
std::unique_ptr<Op> make_qlinear_matmul(const Node& node, const Graph& graph);  // qlinear_matmul
std::unique_ptr<Op> make_conv_integer(const Node& node, const Graph& graph);    // conv_integer
std::unique_ptr<Op> make_qlinear_conv(const Node& node, const Graph& graph);    // qlinear_conv

// ---- matmul (matmul_integer.cpp) ----------------------------------------------------------

// The shapes of a numpy matmul A [..., M, K] x B [..., K, N] -> Y [batch..., M, N]; a rank-1 A
// is promoted to [1, K] and a rank-1 B to [K, 1], the promoted dimension removed from Y.
struct MatMulShape {
  int64_t m = 0, k = 0, n = 0;
  Shape out_shape;
  Shape a_rows;  // A (promoted) with K set to 1: the shape per-row parameters broadcast to
  Shape b_cols;  // B (promoted) with K set to 1: the shape per-column parameters broadcast to
  // For each matrix of the broadcast batch, the index of A's and of B's matrix.
  std::vector<int64_t> batch_a, batch_b;
};

// Checks that A and B multiply (equal K, batch dimensions that broadcast) and returns the shapes.
// Throws octet::Error naming the node.
MatMulShape matmul_shape(const Node& node, const Shape& a, const Shape& b);

// The scale or zero point `param` of operand A (per_row) or B (!per_row) expanded to one value
// per row of A ([batch_a..., M]) or per column of B ([batch_b..., N]). Accepted shapes: one
// element (per tensor); for A, [M] (per row of every matrix); otherwise any shape that
// broadcasts (numpy) to MatMulShape::a_rows / b_cols, e.g. [D1, D2, M, 1] for A or [N] for B.
// A scale must be float32, finite and > 0; a zero point must have dtype `zero_point_dtype`.
// Throws octet::Error naming the node and `role` otherwise.
std::vector<float> expand_matmul_scale(const Node& node, const Tensor& scale,
                                       const MatMulShape& shape, bool per_row, const char* role);
std::vector<int32_t> expand_matmul_zero_point(const Node& node, const Tensor& zero_point,
                                              const MatMulShape& shape, bool per_row,
                                              const char* role, DType zero_point_dtype);

// acc[i, m, n] = sum_k (A[batch_a[i], m, k] - za[batch_a[i], m]) *
//                      (B[batch_b[i], k, n] - zb[batch_b[i], n])      (wrapping, see the top)
//   a, b: uint8 or int8, shapes as checked by matmul_shape; za: [batch_a..., M] and zb:
//   [batch_b..., N] zero points from expand_matmul_zero_point (0 when the input is omitted).
//   acc: [n_batch * M * N], written.
void matmul_integer_acc(const MatMulShape& shape, const Tensor& a, const std::vector<int32_t>& za,
                        const Tensor& b, const std::vector<int32_t>& zb, int32_t* acc);

// ---- convolution (conv_integer.cpp) -------------------------------------------------------

// The checked sizes of one integer convolution (conv_geometry.h's, shared with Conv).
using IntegerConvShape = ConvShape;

// Checks X (uint8 or int8), W (uint8 or int8) and the window attributes against each other.
// Throws octet::Error naming the node.
IntegerConvShape integer_conv_shape(const Node& node, const WindowAttrs& window, int64_t group,
                                    const Tensor& x, const Tensor& w);

// The zero points of a convolution: zx of X (a single value), zw of W (one per output channel),
// read from the optional inputs x_zero_point (one element) and w_zero_point (one element or
// [M]), whose dtypes must match X and W. Throws octet::Error naming the node.
struct ConvZeroPoints {
  int32_t x = 0;
  std::vector<int32_t> w;  // [M]
};
ConvZeroPoints read_conv_zero_points(const Node& node, const IntegerConvShape& shape,
                                     const Tensor& x, const Tensor* x_zero_point, const Tensor& w,
                                     const Tensor* w_zero_point);

// acc[n, m, o] = sum_{c < C/group, k} (X[n, g * C/group + c, o * stride - pad + k * dilation]
//                                      - zx) * (W[m, c, k] - zw[m]),   g = m / (M/group)
// where a padded position contributes 0 (it holds the real value 0, i.e. zx). Wrapping, see the
// top. acc: [N, M, out spatial...], written.
void conv_integer_acc(const IntegerConvShape& shape, const Tensor& x, const Tensor& w,
                      const ConvZeroPoints& zero_points, int32_t* acc);

// ---- scalar parameters and requantization (integer_op_params.cpp) -------------------------

// The real multiplier s_a * s_b / s_y of a QLinear op, in float32 and in this order, as ONNX
// Runtime forms it.
inline float qlinear_multiplier(float scale_a, float scale_b, float scale_y) {
  return scale_a * scale_b / scale_y;
}

// y = clamp(round_half_even(float(acc) * multiplier) + zero_point, qmin, qmax), in float32 as
// ONNX Runtime's MlasRequantizeOutput (float(acc) is inexact beyond 2^24, as there).
// Preconditions: multiplier finite and >= 0 (it underflows to 0 for tiny scales), qmin <=
// zero_point <= qmax.
inline int32_t requantize_f32(int32_t acc, float multiplier, int32_t zero_point, int32_t qmin,
                              int32_t qmax) noexcept {
  const double q = static_cast<double>(std::nearbyint(static_cast<float>(acc) * multiplier)) +
                   zero_point;  // exact: |q| < 2^129 fits a double, an infinity saturates
  if (q <= qmin) return qmin;
  if (q >= qmax) return qmax;
  return static_cast<int32_t>(q);
}

// Element i of a scale: float32, finite and > 0. Throws octet::Error naming the node and
// `role` otherwise.
float scale_value(const Node& node, const Tensor& scale, int64_t i, const char* role);
// Element i of a zero point of dtype `want` (uint8 or int8, the dtype of its tensor). Throws
// octet::Error naming the node and `role` otherwise.
int32_t zero_point_value(const Node& node, const Tensor& zero_point, int64_t i, DType want,
                         const char* role);
// A per-tensor scale or zero point: one element (of any rank: [], [1], [1, 1]), read as above.
float scalar_scale(const Node& node, const Tensor& scale, const char* role);
int32_t scalar_zero_point(const Node& node, const Tensor& zero_point, DType want, const char* role);
// Throws octet::Error naming the node unless `t` is uint8 or int8.
void expect_8bit(const Node& node, const Tensor& t, const char* role);

}  // namespace octet::runtime
