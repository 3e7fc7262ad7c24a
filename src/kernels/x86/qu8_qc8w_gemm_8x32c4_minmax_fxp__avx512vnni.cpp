// qu8 x qc8w GEMM with the fixed-point epilogue, AVX-512 VNNI: the 8x32c4 vpdpbusd tile, then
// the AVX-512 epilogue per 16 columns (eq. 9-14).
#include "kernels/x86/qgemm_8x32c4_avx512vnni_tile.h"
#include "kernels/x86/qgemm_avx512_epilogue.h"
#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

void qu8_qc8w_gemm_8x32c4_minmax_fxp__avx512vnni(size_t m, size_t n_begin, size_t n_end,
                                                 const uint8_t* a, size_t a_stride,
                                                 const QGemmWeights& w, uint8_t* c,
                                                 size_t c_stride, const QGemmOutput& out,
                                                 uint16_t* scratch) noexcept {
  gemm_driver_avx512vnni(m, n_begin, n_end, a, a_stride, w, scratch,
                         StoreU8x16{w, out, c, c_stride});
}

}  // namespace octet::kernels
