// Quantized GEMM with a float32 output, the reference: C = float(acc) * s_in * s_w[n], the
// exit from the integer domain (docs/quantization.md eq. 17). W unpacked row-major [N, K].
#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {

void qu8_f32_qc8w_gemm__ref(size_t m, size_t n, size_t k, const uint8_t* a, size_t a_stride,
                            const int8_t* w, float* c, size_t c_stride,
                            const QGemmF32Params& params) noexcept {
  for (size_t i = 0; i < m; ++i) {
    const uint8_t* a_row = a + i * a_stride;  // [K]
    float* c_row = c + i * c_stride;          // [N]
    for (size_t j = 0; j < n; ++j) {
      const int8_t* w_row = w + j * k;  // [K]
      int32_t acc = params.bias[j];     // no overflow: see qu8_qc8w_gemm_prepare
      for (size_t p = 0; p < k; ++p)
        acc += static_cast<int32_t>(a_row[p]) * static_cast<int32_t>(w_row[p]);
      // The one rounding of the layer: int32 -> float (exact below 2^24) and the product.
      c_row[j] = static_cast<float>(acc) * params.scale[j];
    }
  }
}

}  // namespace octet::kernels
