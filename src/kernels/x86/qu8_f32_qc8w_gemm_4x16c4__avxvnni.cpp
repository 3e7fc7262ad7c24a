// qu8 x qc8w GEMM leaving the integer domain (eq. 17), AVX-VNNI: the AVX2 4x16 tile over the
// 8c4 packed weights with vpdpbusd, then the AVX2 float epilogue.
#include "kernels/x86/qgemm_4x16c2_avx2_tile.h"
#include "kernels/x86/qgemm_avx2_epilogue.h"
#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

void qu8_f32_qc8w_gemm_4x16c4__avxvnni(size_t m, size_t n_begin, size_t n_end, const uint8_t* a,
                                       size_t a_stride, const QGemmWeights& w, float* c,
                                       size_t c_stride, uint16_t* scratch) noexcept {
  gemm_driver<true>(m, n_begin, n_end, a, a_stride, w, scratch, StoreF32{w, c, c_stride});
}

}  // namespace octet::kernels
