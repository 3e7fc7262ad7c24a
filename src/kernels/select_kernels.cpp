// select_qgemm / select_vcvt: the one place that maps a kernel level to functions. The VNNI
// levels have GEMMs of their own (vpdpbusd); their quantize/dequantize vectors are the AVX2
// ones, which every such CPU also runs.
#include "kernels/dwconv_kernels.h"
#include "kernels/pool_kernels.h"
#include "kernels/qgemm_kernels.h"
#include "kernels/vadd_kernels.h"
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
  static const QGemmKernels avxvnni{"qu8_qc8w_gemm_4x16c4__avxvnni",
                                    qu8_qc8w_gemm_4x16c4_minmax_fxp__avxvnni,
                                    qu8_f32_qc8w_gemm_4x16c4__avxvnni, 4};
  static const QGemmKernels avx512vnni{"qu8_qc8w_gemm_8x32c4__avx512vnni",
                                       qu8_qc8w_gemm_8x32c4_minmax_fxp__avx512vnni,
                                       qu8_f32_qc8w_gemm_8x32c4__avx512vnni, 8};
  switch (isa) {
    case runtime::Isa::kAvx512Vnni: return avx512vnni;
    case runtime::Isa::kAvxVnni: return avxvnni;
    case runtime::Isa::kAvx2: return avx2;
    default: return ref;
  }
}

const VcvtKernels& select_vcvt(runtime::Isa isa) {
  static const VcvtKernels ref{f32_qu8_vcvt__ref, f32_qs8_vcvt__ref, qu8_f32_vcvt__ref,
                               qs8_f32_vcvt__ref};
  static const VcvtKernels avx2{f32_qu8_vcvt__avx2, f32_qs8_vcvt__avx2, qu8_f32_vcvt__avx2,
                                qs8_f32_vcvt__avx2};
  return uses_avx2(isa) ? avx2 : ref;
}

QAddFn select_vadd(runtime::Isa isa) {
  if (isa == runtime::Isa::kAvx512Vnni) return qu8_vadd_minmax_fxp__avx512vnni;
  return uses_avx2(isa) ? qu8_vadd_minmax_fxp__avx2 : qu8_vadd_minmax_fxp__ref;
}

QAddFn vadd_kernel() {
  static const QAddFn chosen = select_vadd(runtime::active_isa());
  return chosen;
}

MaxPoolFn select_maxpool(runtime::Isa isa) {
  return uses_avx2(isa) ? qu8_maxpool__avx2 : qu8_maxpool__ref;
}

MaxPoolFn maxpool_kernel() {
  static const MaxPoolFn chosen = select_maxpool(runtime::active_isa());
  return chosen;
}

DwConvNhwcFn select_dwconv_nhwc(runtime::Isa isa) {
  if (isa == runtime::Isa::kAvx512Vnni) return qu8_qc8w_dwconv_nhwc_minmax_fxp__avx512vnni;
  return uses_avx2(isa) ? qu8_qc8w_dwconv_nhwc_minmax_fxp__avx2
                        : qu8_qc8w_dwconv_nhwc_minmax_fxp__ref;
}

DwConvNhwcFn dwconv_nhwc_kernel() {
  static const DwConvNhwcFn chosen = select_dwconv_nhwc(runtime::active_isa());
  return chosen;
}

MaxPoolNhwcFn select_maxpool_nhwc(runtime::Isa isa) {
  return uses_avx2(isa) ? qu8_maxpool_nhwc__avx2 : qu8_maxpool_nhwc__ref;
}

MaxPoolNhwcFn maxpool_nhwc_kernel() {
  static const MaxPoolNhwcFn chosen = select_maxpool_nhwc(runtime::active_isa());
  return chosen;
}

const VcvtKernels& vcvt_kernels() {
  static const VcvtKernels& chosen = select_vcvt(runtime::active_isa());
  return chosen;
}

}  // namespace octet::kernels
