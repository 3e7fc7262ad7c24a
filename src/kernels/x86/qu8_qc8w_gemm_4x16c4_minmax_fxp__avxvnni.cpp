// qu8 x qc8w GEMM with the fixed-point epilogue, AVX-VNNI: the AVX2 4x16 tile over the 8c4
// packed weights with vpdpbusd (exact for any uint8 activations), then the AVX2 epilogue.
#include "kernels/x86/qgemm_4x16c2_avx2_tile.h"
#include "kernels/x86/qgemm_avx2_epilogue.h"
#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

void qu8_qc8w_gemm_4x16c4_minmax_fxp__avxvnni(size_t m, size_t n_begin, size_t n_end,
                                              const uint8_t* a, size_t a_stride,
                                              const QGemmWeights& w, uint8_t* c, size_t c_stride,
                                              const QGemmOutput& out, uint16_t* scratch) noexcept {
  gemm_driver<true>(m, n_begin, n_end, a, a_stride, w, scratch, StoreU8{w, out, c, c_stride});
}

}  // namespace octet::kernels
