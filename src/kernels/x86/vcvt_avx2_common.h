// The 8-lane quantization step shared by the AVX2 f32 -> u8/s8 kernels. Included only by -mavx2
// files; internal linkage.
//
// Speed without losing exactness. The reference rounds RN(x / scale) (one IEEE division) to the
// nearest integer, ties to even. Division is the slow part, so the kernel first forms
// y = RN(x * RN(1 / scale)). With t = |x / scale|, three roundings of relative size 2^-24 give
// |y - RN(x / scale)| <= t * (3 * 2^-24 + 2^-46) < |y| * 2^-22 + 2^-149 (1 / scale normal,
// i.e. scale in [2^-126, 2^126]; the absolute term covers subnormal quotients). A half-integer can separate the two, or
// one of them can sit exactly on a tie, only if y is within that distance of a half-integer;
// so when every lane of y is farther than |y| * 2^-20 + 2^-20 from its nearest half-integer,
// round(y) == round(RN(x / scale)) in every lane, and the vector keeps y. Otherwise (about 1
// vector in 50 on real data) the vector is recomputed with the division. |y| >= 1024 lanes clamp
// either way (|round(.)| > 255 + 255), NaN and infinities fail every comparison and go through
// the same rounding and masking as the division's result would.
#pragma once

#include <immintrin.h>

#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {
namespace {

struct QuantizeConsts {
  __m256 scale, inv_scale, zero_point, lo, hi;
  bool use_reciprocal;

  QuantizeConsts(const CvtParams& p, int lo_q, int hi_q)
      : scale(_mm256_set1_ps(p.scale)),
        inv_scale(_mm256_set1_ps(1.0f / p.scale)),
        zero_point(_mm256_set1_ps(static_cast<float>(p.zero_point))),
        lo(_mm256_set1_ps(static_cast<float>(lo_q))),
        hi(_mm256_set1_ps(static_cast<float>(hi_q))),
        use_reciprocal(p.scale >= 0x1p-126f && p.scale <= 0x1p126f) {}

  // RN(x / scale) rounded to an integer, as a float (see the top of the file).
  __m256 rounded_quotient(const float* x) const {
    const __m256 v = _mm256_loadu_ps(x);
    if (use_reciprocal) {
      const __m256 y = _mm256_mul_ps(v, inv_scale);
      const __m256 r = _mm256_round_ps(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
      const __m256 abs_y = _mm256_and_ps(y, abs_mask);
      const __m256 to_tie =
          _mm256_sub_ps(_mm256_set1_ps(0.5f), _mm256_and_ps(_mm256_sub_ps(y, r), abs_mask));
      const __m256 margin =
          _mm256_fmadd_ps(abs_y, _mm256_set1_ps(0x1p-20f), _mm256_set1_ps(0x1p-20f));
      const __m256 risky = _mm256_and_ps(_mm256_cmp_ps(to_tie, margin, _CMP_LE_OQ),
                                         _mm256_cmp_ps(abs_y, _mm256_set1_ps(1024.0f), _CMP_LT_OQ));
      if (_mm256_movemask_ps(risky) == 0) return r;
    }
    return _mm256_round_ps(_mm256_div_ps(v, scale), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }

  // 8 int32 lanes in [lo, hi]. r is an integer-valued float; r + zp is exact while
  // |r| < 2^24 - 255 and otherwise far outside [lo, hi] on the same side, so the float clamp
  // equals the reference's double clamp. NaN lanes are zeroed first (-> zp), since
  // vminps/vmaxps would pass a NaN through to the conversion.
  __m256i quantize8(const float* x) const {
    __m256 r = rounded_quotient(x);
    r = _mm256_and_ps(r, _mm256_cmp_ps(r, r, _CMP_ORD_Q));
    r = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(r, zero_point), lo), hi);
    return _mm256_cvtps_epi32(r);
  }
};

}  // namespace
}  // namespace octet::kernels
