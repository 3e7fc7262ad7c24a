// Quantized addition of two uint8 tensors (eq. 22-24), AVX2, bit-exact with
// qu8_vadd_minmax_fxp__ref: 8 elements per step in int64 lanes (even and odd int32 lanes apart,
// as in the GEMM epilogue). The multipliers lie in [0, 2^31], one more than int32 holds, so the
// products are formed unsigned: |q - z| (<= 255) times m by vpmuludq, exact below 2^39, then
// negated where q - z < 0. The sum, the rounding shift (eq. 20) and the clamp are the
// reference's, in int64.
#include "kernels/x86/qgemm_avx2_epilogue.h"
#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

namespace {

// (d * m) for the even (low) and the odd (high) int32 lanes of d, as int64 lanes.
inline void mul_signed_by_unsigned(__m256i d, __m256i m, __m256i& even, __m256i& odd) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i mag = _mm256_abs_epi32(d);
  even = _mm256_mul_epu32(mag, m);
  odd = _mm256_mul_epu32(_mm256_srli_epi64(mag, 32), m);
  // All-ones 64-bit lanes where the even / odd int32 lane of d is negative.
  const __m256i neg_even = _mm256_cmpgt_epi64(zero, _mm256_slli_epi64(d, 32));
  const __m256i neg_odd = _mm256_cmpgt_epi64(zero, d);
  even = _mm256_sub_epi64(_mm256_xor_si256(even, neg_even), neg_even);
  odd = _mm256_sub_epi64(_mm256_xor_si256(odd, neg_odd), neg_odd);
}

}  // namespace

void qu8_vadd_minmax_fxp__avx2(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y,
                               const QAddParams& params) noexcept {
  const __m256i za = _mm256_set1_epi32(params.zero_point_a);
  const __m256i zb = _mm256_set1_epi32(params.zero_point_b);
  const __m256i ma = _mm256_set1_epi64x(params.multiplier_a);
  const __m256i mb = _mm256_set1_epi64x(params.multiplier_b);
  const __m256i shift = _mm256_set1_epi64x(params.shift);
  const __m256i zp = _mm256_set1_epi64x(params.zero_point_out);
  const __m256i lo = _mm256_set1_epi64x(params.out_min), hi = _mm256_set1_epi64x(params.out_max);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i da = _mm256_sub_epi32(
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(a + i))), za);
    const __m256i db = _mm256_sub_epi32(
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + i))), zb);
    __m256i pa_even, pa_odd, pb_even, pb_odd;
    mul_signed_by_unsigned(da, ma, pa_even, pa_odd);
    mul_signed_by_unsigned(db, mb, pb_even, pb_odd);
    const __m256i q_even = add_clamp_epi64(
        round_shift_half_even_epi64(_mm256_add_epi64(pa_even, pb_even), shift), zp, lo, hi);
    const __m256i q_odd = add_clamp_epi64(
        round_shift_half_even_epi64(_mm256_add_epi64(pa_odd, pb_odd), shift), zp, lo, hi);
    // Both in [0, 255]: back to 8 int32 lanes in order, then narrowed.
    const __m256i q = _mm256_or_si256(q_even, _mm256_slli_epi64(q_odd, 32));
    __m128i v = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    v = _mm_packus_epi16(v, v);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y + i), v);
  }
  if (i < n) qu8_vadd_minmax_fxp__ref(n - i, a + i, b + i, y + i, params);
}

}  // namespace octet::kernels
