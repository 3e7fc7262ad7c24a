// select_qgemm / select_vcvt: the one place that maps a kernel level to functions. Levels octet
// has no kernels of its own for yet (AVX-VNNI, AVX-512 VNNI: this project's CPUs cannot run
// them, so they could not be tested) use the AVX2 kernels, which every such CPU also runs.
#include "kernels/qgemm_kernels.h"
#include "kernels/vcvt_kernels.h"
#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

namespace {

// The reference GEMMs behind the packed interface: they read the unpacked [N, K] rows.
void qu8_qc8w_gemm_packed__ref(size_t m, size_t n_begin, size_t n_end, const uint8_t* a,
                               size_t a_stride, const QGemmWeights& w, uint8_t* c,
                               size_t c_stride, const QGemmOutput& out, uint16_t*) noexcept {
  const QGemmParams params{w.bias + n_begin, w.requant + n_begin, out.zero_point, out.min, out.max};
  qu8_qc8w_gemm_minmax_fxp__ref(m, n_end - n_begin, w.k, a, a_stride, w.w_rows + n_begin * w.k,
                                c + n_begin, c_stride, params);
}

void qu8_f32_qc8w_gemm_packed__ref(size_t m, size_t n_begin, size_t n_end, const uint8_t* a,
                                   size_t a_stride, const QGemmWeights& w, float* c,
                                   size_t c_stride, uint16_t*) noexcept {
  qu8_f32_qc8w_gemm__ref(m, n_end - n_begin, w.k, a, a_stride, w.w_rows + n_begin * w.k,
                         c + n_begin, c_stride, {w.bias + n_begin, w.scale + n_begin});
}

bool uses_avx2(runtime::Isa isa) {
  return isa == runtime::Isa::kAvx2 || isa == runtime::Isa::kAvxVnni ||
         isa == runtime::Isa::kAvx512Vnni;
}

}  // namespace

const QGemmKernels& select_qgemm(runtime::Isa isa) {
  static const QGemmKernels ref{"qu8_qc8w_gemm__ref", qu8_qc8w_gemm_packed__ref,
                                qu8_f32_qc8w_gemm_packed__ref, 4};
  static const QGemmKernels avx2{"qu8_qc8w_gemm_4x16c2__avx2",
                                 qu8_qc8w_gemm_4x16c2_minmax_fxp__avx2,
                                 qu8_f32_qc8w_gemm_4x16c2__avx2, 4};
  return uses_avx2(isa) ? avx2 : ref;
}

const VcvtKernels& select_vcvt(runtime::Isa isa) {
  static const VcvtKernels ref{f32_qu8_vcvt__ref, f32_qs8_vcvt__ref, qu8_f32_vcvt__ref,
                               qs8_f32_vcvt__ref};
  static const VcvtKernels avx2{f32_qu8_vcvt__avx2, f32_qs8_vcvt__avx2, qu8_f32_vcvt__avx2,
                                qs8_f32_vcvt__avx2};
  return uses_avx2(isa) ? avx2 : ref;
}

const VcvtKernels& vcvt_kernels() {
  static const VcvtKernels& chosen = select_vcvt(runtime::active_isa());
  return chosen;
}

}  // namespace octet::kernels
