// qu8 x qc8w GEMM leaving the integer domain, AVX2: C float32 = float(acc) * scale[n] (eq. 17)
// over 8c2 packed weights (kernels/qgemm_kernels.h). vcvtdq2ps rounds to nearest like the
// reference's static_cast and the product is one IEEE multiply, so the result is bit-exact.
#include "kernels/x86/qgemm_4x16c2_avx2_tile.h"
#include "kernels/x86/qgemm_avx2_epilogue.h"
#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

void qu8_f32_qc8w_gemm_4x16c2__avx2(size_t m, size_t n_begin, size_t n_end, const uint8_t* a,
                                    size_t a_stride, const QGemmWeights& w, float* c,
                                    size_t c_stride, uint16_t* scratch) noexcept {
  gemm_driver(m, n_begin, n_end, a, a_stride, w, scratch, StoreF32{w, c, c_stride});
}

}  // namespace octet::kernels
