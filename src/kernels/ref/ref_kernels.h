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

}  // namespace octet::kernels
