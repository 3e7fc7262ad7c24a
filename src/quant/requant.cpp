// Conversion of a real requantization multiplier to the fixed-point pair (m0, shift) used by
// every integer kernel (docs/quantization.md §7, eq. 11).
#include "octet/requant.h"

#include <cmath>

#include "octet/error.h"

namespace octet {

Requant requant_from_multiplier(double real_multiplier, const std::string& what) {
  if (!std::isfinite(real_multiplier) || !(real_multiplier > 0))
    fail("{}: requantization multiplier {} must be finite and positive", what, real_multiplier);
  int exponent = 0;
  const double fraction = std::frexp(real_multiplier, &exponent);  // in [0.5, 1)
  // m0 = round_half_even(fraction * 2^31): the scaling is exact, nearbyint rounds once.
  int64_t m0 = static_cast<int64_t>(std::nearbyint(std::ldexp(fraction, 31)));
  if (m0 == (int64_t{1} << 31)) {  // fraction rounded up to 1.0: renormalise
    m0 = int64_t{1} << 30;
    ++exponent;
  }
  const int shift = 31 - exponent;
  if (shift < 1)
    fail("{}: requantization multiplier {} is too large (must be below 2^30)", what,
         real_multiplier);
  if (shift > kRequantMaxShift) return Requant{0, kRequantMaxShift};
  return Requant{static_cast<int32_t>(m0), shift};
}

Requant requant_from_scales(float scale_in, float scale_w, float scale_out,
                            const std::string& what) {
  if (!(scale_in > 0) || !(scale_w > 0) || !(scale_out > 0) || !std::isfinite(scale_in) ||
      !std::isfinite(scale_w) || !std::isfinite(scale_out))
    fail("{}: scales must be finite and positive, got scale_in {} scale_w {} scale_out {}", what,
         scale_in, scale_w, scale_out);
  // The float product is exact in double (24 + 24 < 53 bits); the quotient rounds once.
  const double multiplier =
      static_cast<double>(scale_in) * static_cast<double>(scale_w) / static_cast<double>(scale_out);
  return requant_from_multiplier(multiplier, what);
}

double requant_real_multiplier(const Requant& r) {
  return std::ldexp(static_cast<double>(r.multiplier), -r.shift);
}

}  // namespace octet
