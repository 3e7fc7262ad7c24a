// The quantized GEMM whose output leaves the integer domain: uint8 activations x int8 weights,
// int32 accumulation, dequantized to float32 by the accumulator's own scale.
#pragma once

#include <cstddef>
#include <cstdint>

namespace octet::kernels {

struct QGemmF32Params {
  const int32_t* bias = nullptr;   // [N] bias_adjusted from qu8_qc8w_gemm_prepare
  const float* scale = nullptr;    // [N] s_in * s_w[n], the accumulator's scale (eq. 15)
};

// C[m][n] = float(bias[n] + sum_k A[m][k] * W[n][k]) * scale[n]                   (eq. 17)
//   A: uint8 [M, K], row stride a_stride; W: int8 [N, K] row-major; C: float32 [M, N], row
//   stride c_stride. Same accumulation preconditions as qu8_qc8w_gemm_minmax_fxp__ref.
void qu8_f32_qc8w_gemm__ref(size_t m, size_t n, size_t k, const uint8_t* a, size_t a_stride,
                            const int8_t* w, float* c, size_t c_stride,
                            const QGemmF32Params& params) noexcept;

}  // namespace octet::kernels
