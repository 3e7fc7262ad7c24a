// Quantized GEMM, the reference: C[M,N] uint8 = requantize(bias[n] + A[M,K] uint8 . W[N,K]^T
// int8) per output channel, + zero_point_out, clamped to [out_min, out_max] (docs/quantization.md
// eq. 9-14). W unpacked row-major [N, K]; bias already holds -zero_point_a * sum_k W[n][k].
#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {

void qu8_qc8w_gemm_minmax_fxp__ref(size_t m, size_t n, size_t k, const uint8_t* a, size_t a_stride,
                                   const int8_t* w, uint8_t* c, size_t c_stride,
                                   const QGemmParams& params) noexcept {
  for (size_t i = 0; i < m; ++i) {
    const uint8_t* a_row = a + i * a_stride;  // [K]
    uint8_t* c_row = c + i * c_stride;        // [N]
    for (size_t j = 0; j < n; ++j) {
      const int8_t* w_row = w + j * k;  // [K]
      // eq. (10): |bias| + 255 * sum_k |w| < 2^31 (checked in qu8_qc8w_gemm_prepare), so no
      // partial sum overflows int32.
      int32_t acc = params.bias[j];
      for (size_t p = 0; p < k; ++p)
        acc += static_cast<int32_t>(a_row[p]) * static_cast<int32_t>(w_row[p]);
      // eq. (12)-(14): fixed-point multiply, round half to even, zero point, clamp.
      c_row[j] = static_cast<uint8_t>(requantize(acc, params.requant[j], params.zero_point_out,
                                                 params.out_min, params.out_max));
    }
  }
}

}  // namespace octet::kernels
