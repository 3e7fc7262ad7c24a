// uint8 -> f32 dequantization, AVX2: y = scale * float(x - zp) (eq. 1). x - zp is exact in int32
// and in float, the product is the one rounding, as in qu8_f32_vcvt__ref. Any n.
#include <immintrin.h>

#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

void qu8_f32_vcvt__avx2(size_t n, const uint8_t* x, float* y, const CvtParams& params) noexcept {
  const __m256 scale = _mm256_set1_ps(params.scale);
  const __m256i zp = _mm256_set1_epi32(params.zero_point);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i));
    const __m256i lo = _mm256_sub_epi32(_mm256_cvtepu8_epi32(v), zp);
    const __m256i hi = _mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(v, 8)), zp);
    _mm256_storeu_ps(y + i, _mm256_mul_ps(scale, _mm256_cvtepi32_ps(lo)));
    _mm256_storeu_ps(y + i + 8, _mm256_mul_ps(scale, _mm256_cvtepi32_ps(hi)));
  }
  qu8_f32_vcvt__ref(n - i, x + i, y + i, params);
}

}  // namespace octet::kernels
