// The scalar reference kernels: the ground truth every optimized kernel is tested against
// bit-exactly. One kernel per file, the function named like the file (STYLE.md). Kernels are
// noexcept, never allocate, never throw; their callers validate inputs once, beforehand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "octet/requant.h"

namespace octet::kernels {

// Parameters of the quantize / dequantize conversions (eq. 1-2): one scale and zero point.
struct CvtParams {
  float scale = 1.0f;      // > 0, finite
  int32_t zero_point = 0;  // within the integer type's range
};

// y[i] = clamp(round_half_even(x[i] / scale) + zero_point, 0, 255)          (eq. 2)
void f32_qu8_vcvt__ref(size_t n, const float* x, uint8_t* y, const CvtParams& params) noexcept;
// y[i] = clamp(round_half_even(x[i] / scale) + zero_point, -128, 127)       (eq. 2)
void f32_qs8_vcvt__ref(size_t n, const float* x, int8_t* y, const CvtParams& params) noexcept;
// y[i] = scale * (x[i] - zero_point)                                         (eq. 1)
void qu8_f32_vcvt__ref(size_t n, const uint8_t* x, float* y, const CvtParams& params) noexcept;
void qs8_f32_vcvt__ref(size_t n, const int8_t* x, float* y, const CvtParams& params) noexcept;

// Epilogue of the quantized GEMM: per-output-channel bias and requantization, output zero
// point and clamp (eq. 9-14).
struct QGemmParams {
  const int32_t* bias = nullptr;     // [N] bias_adjusted from qu8_qc8w_gemm_prepare
  const Requant* requant = nullptr;  // [N] s_in * s_w[n] / s_out as fixed point
  int32_t zero_point_out = 0;        // in [out_min, out_max]
  int32_t out_min = 0;               // clamp in the quantized domain, 0 <= out_min
  int32_t out_max = 255;             // out_min <= out_max <= 255; ReLU: out_min = zp_out
};

// C[m][n] = clamp(requantize(bias[n] + sum_k A[m][k] * W[n][k]) + zero_point_out)   (eq. 9-14)
//   A: uint8 activations [M, K], row stride a_stride elements; their zero point is folded into
//      bias (eq. 10).
//   W: int8 weights [N, K] row-major (ONNX Gemm transB=1, PyTorch Linear), zero point 0.
//   C: uint8 output [M, N], row stride c_stride elements.
// Preconditions (checked by qu8_qc8w_gemm_prepare): K < 2^16 and, for every n,
// |bias[n]| + 255 * sum_k |W[n][k]| < 2^31, so no partial sum in any order overflows int32.
void qu8_qc8w_gemm_minmax_fxp__ref(size_t m, size_t n, size_t k, const uint8_t* a, size_t a_stride,
                                   const int8_t* w, uint8_t* c, size_t c_stride,
                                   const QGemmParams& params) noexcept;

// Epilogue of the quantized GEMM whose output leaves the integer domain (eq. 17).
struct QGemmF32Params {
  const int32_t* bias = nullptr;  // [N] bias_adjusted from qu8_qc8w_gemm_prepare
  const float* scale = nullptr;   // [N] s_in * s_w[n], the accumulator's scale (eq. 15)
};

// C[m][n] = float(bias[n] + sum_k A[m][k] * W[n][k]) * scale[n]                   (eq. 17)
//   A: uint8 [M, K], row stride a_stride; W: int8 [N, K] row-major; C: float32 [M, N], row
//   stride c_stride. Same accumulation preconditions as qu8_qc8w_gemm_minmax_fxp__ref.
void qu8_f32_qc8w_gemm__ref(size_t m, size_t n, size_t k, const uint8_t* a, size_t a_stride,
                            const int8_t* w, float* c, size_t c_stride,
                            const QGemmF32Params& params) noexcept;

// The create-time half of the GEMM: bias_adjusted[n] = bias_q[n] - zero_point_a * sum_k W[n][k]
// (eq. 10), and the checks that make the kernel's int32 accumulation exact.
//   w: int8 [N, K] row-major; bias_q: int32 [N] at scale s_in * s_w[n], or null for no bias;
//   zero_point_a: the activations' zero point in [0, 255]; bias_adjusted: [N] output.
// Throws octet::Error naming `what` when K >= 2^16, zero_point_a is out of range, or a row
// breaks |bias_adjusted[n]| + 255 * sum_k |W[n][k]| < 2^31.
void qu8_qc8w_gemm_prepare(size_t n, size_t k, const int8_t* w, const int32_t* bias_q,
                           int32_t zero_point_a, int32_t* bias_adjusted, const std::string& what);

// Largest K the qu8 x qc8w GEMM accepts: |a * w| <= 255 * 128 < 2^15, so K < 2^16 keeps the
// dot product below 2^31 in magnitude.
inline constexpr size_t kQGemmMaxK = (size_t{1} << 16) - 1;


// A 2-D sliding window over one plane [in_h, in_w] -> [out_h, out_w] (pools, depthwise conv).
// Output pixel (oh, ow) reads the taps (oh * stride_h - pad_top + kh * dilation_h,
// ow * stride_w - pad_left + kw * dilation_w); taps outside the plane are padding.
struct Window2d {
  int64_t in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;
  int64_t pad_bottom = 0, pad_right = 0;  // only AveragePool's count_include_pad reads these
};

// y[c][o] = max of the taps of window o inside plane c of x (padding never wins; a window with
// no tap inside gives 0). Exact in the quantized domain when x and y share (s, z): (2) is
// monotone, so max commutes with it (eq. 21).
//   x: uint8 [planes, in_h, in_w]; y: uint8 [planes, out_h, out_w].
void qu8_maxpool__ref(size_t planes, const Window2d& window, const uint8_t* x,
                      uint8_t* y) noexcept;

// qu8_maxpool__ref over channels-last images: x uint8 [images, in_h, in_w, channels] ->
// y uint8 [images, out_h, out_w, channels], the same windows per channel.
void qu8_maxpool_nhwc__ref(size_t images, size_t channels, const Window2d& window, const uint8_t* x,
                           uint8_t* y) noexcept;

// Parameters of the quantized average pools (eq. 25-26).
struct QAvgPoolParams {
  int32_t zero_point_in = 0;
  // requant[c - 1] = s_in / (s_out * c) as fixed point, for every divisor c in
  // [1, kernel_h * kernel_w] (the local pool) or c = in_h * in_w (global pool: one entry).
  const Requant* requant = nullptr;
  bool count_include_pad = false;
  int32_t zero_point_out = 0, out_min = 0, out_max = 255;
};

// y[c][o] = clamp(requantize(sum over the taps t of window o inside x of (x[c][t] - z_in),
// s_in / (s_out * count)) + z_out), count = the taps inside x (count_include_pad: inside x and
// its pads, which hold real 0); a window with count 0 gives z_out (eq. 25-26).
//   x: uint8 [planes, in_h, in_w]; y: uint8 [planes, out_h, out_w]. Precondition:
//   255 * kernel_h * kernel_w < 2^31 (checked by the caller).
void qu8_avgpool_minmax_fxp__ref(size_t planes, const Window2d& window, const uint8_t* x,
                                 uint8_t* y, const QAvgPoolParams& params) noexcept;

// Global average pool: y[c] = clamp(requantize(sum_t (x[c][t] - z_in), s_in / (s_out * n))
// + z_out) over the n = plane_size elements of plane c (eq. 25-26, params.requant[0]).
//   x: uint8 [planes, plane_size]; y: uint8 [planes]. Precondition: 255 * n < 2^31.
void qu8_gavgpool_minmax_fxp__ref(size_t planes, size_t plane_size, const uint8_t* x,
                                  uint8_t* y, const QAvgPoolParams& params) noexcept;

// qu8_gavgpool_minmax_fxp__ref over channels-last images: x uint8 [images, pixels, channels]
// -> y uint8 [images, channels]. sums: scratch for `channels` int32 values.
void qu8_gavgpool_nhwc_minmax_fxp__ref(size_t images, size_t pixels, size_t channels,
                                       const uint8_t* x, uint8_t* y, const QAvgPoolParams& params,
                                       int32_t* sums) noexcept;

// Parameters of the quantized addition of two tensors with their own scales (eq. 22-24): the
// two real multipliers s_a / s_out and s_b / s_out as integers over one power of two 2^shift.
struct QAddParams {
  int32_t zero_point_a = 0, zero_point_b = 0;
  int64_t multiplier_a = 0, multiplier_b = 0;  // in [0, 2^31]
  int shift = 62;                              // in [1, 62]
  int32_t zero_point_out = 0, out_min = 0, out_max = 255;
};

// Fixed-point multipliers of the addition out = a + b (eq. 23): the larger of s_a / s_out and
// s_b / s_out gets a multiplier in [2^30, 2^31]. Throws octet::Error naming `what` when a scale
// is not finite and positive, a zero point is outside [0, 255] or the clamp is not within it,
// or a ratio is 2^30 or more. out_min/out_max fold a ReLU (eq. 14).
QAddParams qu8_vadd_prepare(float scale_a, int32_t zero_point_a, float scale_b,
                            int32_t zero_point_b, float scale_out, int32_t zero_point_out,
                            int32_t out_min, int32_t out_max, const std::string& what);

// y[i] = clamp(round_half_even(((a[i] - z_a) * m_a + (b[i] - z_b) * m_b) / 2^shift) + z_out,
// out_min, out_max)                                                           (eq. 24)
//   a, b, y: uint8 [n]. |q - z| <= 255 and m < 2^31 keep every term below 2^39: exact in int64.
void qu8_vadd_minmax_fxp__ref(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y,
                              const QAddParams& params) noexcept;

// Requantization of a uint8 tensor to other qparams (Concat's inputs to the output's, eq. 27).
struct QCvtParams {
  int32_t zero_point_in = 0;
  Requant requant;  // s_in / s_out
  int32_t zero_point_out = 0;
};

// y[i] = clamp(requantize(x[i] - z_in, s_in / s_out) + z_out, 0, 255)              (eq. 27)
void qu8_vcvt_fxp__ref(size_t n, const uint8_t* x, uint8_t* y, const QCvtParams& params) noexcept;

// Epilogue of the depthwise convolution: the GEMM's, per channel, with the bias not adjusted
// (the kernel subtracts the input zero point from each tap, so padding is skipped, eq. 28).
struct QDwConvParams {
  const int32_t* bias = nullptr;     // [C] q_b at scale s_in * s_w[c] (eq. 15)
  const Requant* requant = nullptr;  // [C] s_in * s_w[c] / s_out
  int32_t zero_point_in = 0;
  int32_t zero_point_out = 0, out_min = 0, out_max = 255;
};

// Depthwise convolution (group == channels, one filter per channel):
// y[c][o] = clamp(requantize(bias[c] + sum over the taps t of window o inside x of
// (x[c][t] - z_in) * w[c][t]) + z_out)                                         (eq. 28)
//   x: uint8 [channels, in_h, in_w]; w: int8 [channels, kernel_h * kernel_w], zero point 0;
//   y: uint8 [channels, out_h, out_w]. Precondition (checked by the caller with
//   qu8_qc8w_gemm_prepare): |bias[c]| + 255 * sum_t |w[c][t]| < 2^31.
void qu8_qc8w_dwconv_minmax_fxp__ref(size_t channels, const Window2d& window, const uint8_t* x,
                                     const int8_t* w, uint8_t* y,
                                     const QDwConvParams& params) noexcept;

// The depthwise weights for channels-last images, tap-major: w[t * C + c], and the same widened
// once for the SIMD kernels (eq. 28a): w_wide[t * C + c] is an int32 lane whose low int16 half
// is the weight and whose high half is 0 (widen_dwconv_weights).
struct DwConvWeights {
  const int8_t* w = nullptr;
  const int32_t* w_wide = nullptr;
};
void widen_dwconv_weights(size_t n, const int8_t* w, int32_t* w_wide) noexcept;

// The same over channels-last images: x uint8 [images, in_h, in_w, channels]; weights
// [kernel_h * kernel_w, channels]; y uint8 [images, out_h, out_w, channels]. scratch: `channels`
// int32 values the kernel may overwrite.
void qu8_qc8w_dwconv_nhwc_minmax_fxp__ref(size_t images, size_t channels, const Window2d& window,
                                          const uint8_t* x, const DwConvWeights& w, uint8_t* y,
                                          const QDwConvParams& params, int32_t* scratch) noexcept;

}  // namespace octet::kernels
