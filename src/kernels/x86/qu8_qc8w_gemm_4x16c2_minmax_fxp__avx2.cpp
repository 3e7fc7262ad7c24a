// qu8 x qc8w GEMM with the fixed-point epilogue, AVX2: C uint8 = clamp(round_half_even(acc * m0
// / 2^shift) + zp_out) per column (eq. 9-14) over 8c2 packed weights (kernels/qgemm_kernels.h).
// Preconditions: those of qu8_qc8w_gemm_prepare; n_begin a multiple of 8.
#include "kernels/x86/qgemm_4x16c2_avx2_tile.h"
#include "kernels/x86/qgemm_avx2_epilogue.h"
#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

void qu8_qc8w_gemm_4x16c2_minmax_fxp__avx2(size_t m, size_t n_begin, size_t n_end,
                                           const uint8_t* a, size_t a_stride,
                                           const QGemmWeights& w, uint8_t* c, size_t c_stride,
                                           const QGemmOutput& out, uint16_t* scratch) noexcept {
  gemm_driver(m, n_begin, n_end, a, a_stride, w, scratch, StoreU8{w, out, c, c_stride});
}

}  // namespace octet::kernels
