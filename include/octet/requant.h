// Fixed-point requantization (gemmlowp / TFLite style): an int32 accumulator at scale
// s_in * s_w is brought to the output scale s_out by M = s_in * s_w / s_out, represented as an
// integer multiplier m0 and a right shift, with no float arithmetic at run time.
// docs/quantization.md §7, eq. (11)-(13).
#pragma once

#include <cstdint>
#include <string>

namespace octet {

// M_fixed = multiplier * 2^-shift approximates the real multiplier M (eq. 11):
//   multiplier = m0 in [2^30, 2^31) (a Q31 fraction in [0.5, 1)), shift in [1, 62],
//   which covers M in [2^-32, 2^30) with a relative error below 2^-31.
// A multiplier of 0 (with shift 62) stands for an M so small that every |acc| < 2^31 maps to 0.
struct Requant {
  int32_t multiplier = 0;
  int32_t shift = 62;

  friend bool operator==(const Requant&, const Requant&) = default;
};

// The largest shift: below M = 2^-32 every |acc| < 2^31 rounds to 0, and the pair is {0, 62}.
inline constexpr int kRequantMaxShift = 62;

// Converts a real multiplier M > 0 to fixed point: M = f * 2^e with f in [0.5, 1) (frexp),
// m0 = round_half_even(f * 2^31) (renormalised to 2^30, e + 1 when it rounds up to 2^31), and
// shift = 31 - e. Throws octet::Error naming `what` when M is not finite, M <= 0, or
// M >= 2^30 (after rounding m0; shift < 1). When shift would exceed 62 (M < 2^-32) returns
// {0, 62}, which is exact: |acc * M| < 1/2 for every |acc| < 2^31.
Requant requant_from_multiplier(double real_multiplier, const std::string& what);

// requant_from_multiplier(double(scale_in) * double(scale_w) / double(scale_out)); the product
// and quotient of float scales are formed in double (exact product, one rounding).
Requant requant_from_scales(float scale_in, float scale_w, float scale_out,
                            const std::string& what);

// The real multiplier the fixed-point pair stands for: multiplier * 2^-shift (exact in double).
double requant_real_multiplier(const Requant& r);

// round_half_even(value / 2^shift) for shift in [1, 62], exactly, in int64 (eq. 12).
inline int64_t rounding_shift_right_half_even(int64_t value, int shift) noexcept {
  const int64_t floor = value >> shift;           // arithmetic shift: floor division (C++20)
  const int64_t rest = value - (floor << shift);  // in [0, 2^shift)
  const int64_t half = int64_t{1} << (shift - 1);
  return floor + ((rest > half || (rest == half && (floor & 1) != 0)) ? 1 : 0);
}

// eq. (12)-(13): clamp(round_half_even(acc * m0 / 2^shift) + zero_point_out, out_min, out_max).
// |acc| < 2^31 and m0 < 2^31 make the product exact in int64 (|acc * m0| < 2^62); the rounded
// quotient is below 2^61 in magnitude, so adding the zero point cannot overflow.
inline int32_t requantize(int32_t acc, const Requant& r, int32_t zero_point_out, int32_t out_min,
                          int32_t out_max) noexcept {
  const int64_t product = static_cast<int64_t>(acc) * r.multiplier;
  const int64_t q = rounding_shift_right_half_even(product, r.shift) + zero_point_out;
  return static_cast<int32_t>(q < out_min ? out_min : (q > out_max ? out_max : q));
}

}  // namespace octet
