// Quantized addition of two uint8 tensors (eq. 22-24), AVX-512, bit-exact with
// qu8_vadd_minmax_fxp__ref: 16 elements per step, each half of them in 8 int64 lanes. As in
// the AVX2 kernel the multipliers (up to 2^31, one more than int32 holds) multiply |q - z|
// unsigned (vpmuludq, exact below 2^39) and the sign is put back under a mask; the rounding
// shift is the GEMM epilogue's (qgemm_avx512_epilogue.h), and the clamp is done after a
// saturating narrowing to int32, which keeps the reference's result (the bounds are within
// int32). Built with the avx512vnni level's flags; it uses only AVX-512 F/BW.
#include "kernels/x86/qgemm_avx512_epilogue.h"
#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

namespace {

// d * m for the 16 int32 lanes of d, |d| <= 255, m in [0, 2^31]: the low 8 lanes' products in
// lo, the high 8 lanes' in hi, as int64.
inline void mul_by_multiplier(__m512i d, __m512i m, __m512i& lo, __m512i& hi) {
  const __mmask16 negative = _mm512_cmplt_epi32_mask(d, _mm512_setzero_si512());
  const __m512i mag = _mm512_abs_epi32(d);
  lo = _mm512_mul_epu32(_mm512_cvtepu32_epi64(_mm512_castsi512_si256(mag)), m);
  hi = _mm512_mul_epu32(_mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(mag, 1)), m);
  lo = _mm512_mask_sub_epi64(lo, static_cast<__mmask8>(negative), _mm512_setzero_si512(), lo);
  hi = _mm512_mask_sub_epi64(hi, static_cast<__mmask8>(negative >> 8), _mm512_setzero_si512(), hi);
}

}  // namespace

void qu8_vadd_minmax_fxp__avx512vnni(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y,
                                     const QAddParams& params) noexcept {
  const __m512i za = _mm512_set1_epi32(params.zero_point_a);
  const __m512i zb = _mm512_set1_epi32(params.zero_point_b);
  const __m512i ma = _mm512_set1_epi64(params.multiplier_a);
  const __m512i mb = _mm512_set1_epi64(params.multiplier_b);
  const __m512i shift = _mm512_set1_epi64(params.shift);
  const __m512i half_minus_one = _mm512_set1_epi64((int64_t{1} << (params.shift - 1)) - 1);
  const OutputClamp16 clamp =
      make_output_clamp16(params.zero_point_out, params.out_min, params.out_max);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i da = _mm512_sub_epi32(
        _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i))), za);
    const __m512i db = _mm512_sub_epi32(
        _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i))), zb);
    __m512i pa_lo, pa_hi, pb_lo, pb_hi;
    mul_by_multiplier(da, ma, pa_lo, pa_hi);
    mul_by_multiplier(db, mb, pb_lo, pb_hi);
    // |sum| < 2^40, so the rounded quotient fits the saturating narrowing's int32 exactly or
    // saturates past both clamp bounds.
    const __m256i q_lo = _mm512_cvtsepi64_epi32(
        round_shift_half_even_epi64x8(_mm512_add_epi64(pa_lo, pb_lo), shift, half_minus_one));
    const __m256i q_hi = _mm512_cvtsepi64_epi32(
        round_shift_half_even_epi64x8(_mm512_add_epi64(pa_hi, pb_hi), shift, half_minus_one));
    __m512i q = _mm512_inserti64x4(_mm512_castsi256_si512(q_lo), q_hi, 1);
    q = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(q, clamp.lo), clamp.hi),
                         clamp.zero_point);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm512_cvtepi32_epi8(q));
  }
  if (i < n) qu8_vadd_minmax_fxp__ref(n - i, a + i, b + i, y + i, params);
}

}  // namespace octet::kernels
