// qu8 x qc8w GEMM leaving the integer domain (eq. 17), AVX-512 VNNI: the 8x32c4 vpdpbusd tile,
// then the AVX-512 float epilogue per 16 columns.
#include "kernels/x86/qgemm_8x32c4_avx512vnni_tile.h"
#include "kernels/x86/qgemm_avx512_epilogue.h"
#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

void qu8_f32_qc8w_gemm_8x32c4__avx512vnni(size_t m, size_t n_begin, size_t n_end,
                                          const uint8_t* a, size_t a_stride, const QGemmWeights& w,
                                          float* c, size_t c_stride, uint16_t* scratch) noexcept {
  gemm_driver_avx512vnni(m, n_begin, n_end, a, a_stride, w, scratch, StoreF32x16{w, c, c_stride});
}

}  // namespace octet::kernels
