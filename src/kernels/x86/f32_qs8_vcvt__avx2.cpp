// f32 -> int8 quantization, AVX2, 32 values per step: y = clamp(round_half_even(x / scale) + zp,
// -128, 127) (eq. 2). Bit-exact with f32_qs8_vcvt__ref for the reasons given in
// f32_qu8_vcvt__avx2.cpp. Any n; the tail runs the reference.
#include <immintrin.h>

#include "kernels/x86/vcvt_avx2_common.h"
#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

void f32_qs8_vcvt__avx2(size_t n, const float* x, int8_t* y, const CvtParams& params) noexcept {
  const QuantizeConsts consts(params, -128, 127);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i q0 = consts.quantize8(x + i), q1 = consts.quantize8(x + i + 8);
    const __m256i q2 = consts.quantize8(x + i + 16), q3 = consts.quantize8(x + i + 24);
    const __m256i p01 = _mm256_packs_epi32(q0, q1), p23 = _mm256_packs_epi32(q2, q3);
    const __m256i bytes = _mm256_packs_epi16(p01, p23);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i),
                        _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
  }
  f32_qs8_vcvt__ref(n - i, x + i, y + i, params);
}

}  // namespace octet::kernels
