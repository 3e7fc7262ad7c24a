// The create-time half of the quantized addition: the two multipliers s_a / s_out and
// s_b / s_out over a common power of two (docs/quantization.md eq. 23).
#include <algorithm>
#include <cmath>

#include "kernels/ref/ref_kernels.h"
#include "octet/error.h"

namespace octet::kernels {

QAddParams qu8_vadd_prepare(float scale_a, int32_t zero_point_a, float scale_b,
                            int32_t zero_point_b, float scale_out, int32_t zero_point_out,
                            int32_t out_min, int32_t out_max, const std::string& what) {
  for (float s : {scale_a, scale_b, scale_out})
    if (!std::isfinite(s) || !(s > 0))
      fail("{}: scales must be finite and positive, got s_a {} s_b {} s_out {}", what, scale_a,
           scale_b, scale_out);
  for (int32_t z : {zero_point_a, zero_point_b, zero_point_out})
    if (z < 0 || z > 255) fail("{}: uint8 zero point {} is out of [0, 255]", what, z);
  if (out_min < 0 || out_min > out_max || out_max > 255)
    fail("{}: clamp [{}, {}] is not within [0, 255]", what, out_min, out_max);
  // The ratios are formed in double (one rounding each); the larger one sets the shift so that
  // its multiplier lies in [2^30, 2^31): M_max = f * 2^e, f in [0.5, 1), shift = 31 - e.
  const double ratio_a = static_cast<double>(scale_a) / scale_out;
  const double ratio_b = static_cast<double>(scale_b) / scale_out;
  int exponent = 0;
  std::frexp(std::max(ratio_a, ratio_b), &exponent);
  if (31 - exponent < 1)
    fail("{}: input / output scale ratio {} is too large (must be below 2^30)", what,
         std::max(ratio_a, ratio_b));
  QAddParams p;
  p.shift = std::min(31 - exponent, kRequantMaxShift);
  // round_half_even(ratio * 2^shift) < 2^31; it can round up to 2^31 exactly, which the int64
  // arithmetic of eq. (24) still holds (255 * 2^31 * 2 < 2^40).
  p.multiplier_a = static_cast<int64_t>(std::nearbyint(std::ldexp(ratio_a, p.shift)));
  p.multiplier_b = static_cast<int64_t>(std::nearbyint(std::ldexp(ratio_b, p.shift)));
  p.zero_point_a = zero_point_a;
  p.zero_point_b = zero_point_b;
  p.zero_point_out = zero_point_out;
  p.out_min = out_min;
  p.out_max = out_max;
  return p;
}

}  // namespace octet::kernels
