// Fixed-point requantization (docs/quantization.md eq. 11-13): the (m0, shift) conversion and
// the integer rounding against an exact long double reference, ties included.
#include "octet/requant.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "octet/error.h"
#include "octet/random.h"

namespace octet {
namespace {

// round_half_even(acc * m0 / 2^shift), exactly: |acc * m0| < 2^62 fits the 64-bit mantissa of
// x87 long double, the power-of-two scaling is exact, and nearbyintl rounds ties to even.
int64_t exact_reference(int32_t acc, const Requant& r) {
  static_assert(std::numeric_limits<long double>::digits >= 64);
  const long double product = static_cast<long double>(acc) * r.multiplier;
  return static_cast<int64_t>(std::nearbyintl(std::ldexp(product, -r.shift)));
}

// A second, independent formulation in __int128 with truncating division and a remainder test.
int64_t int128_reference(int32_t acc, const Requant& r) {
  const __int128 p = static_cast<__int128>(acc) * r.multiplier;
  const __int128 d = static_cast<__int128>(1) << r.shift;
  __int128 q = p / d, rem = p % d;  // truncates toward zero; rem has p's sign
  const __int128 twice = 2 * (rem < 0 ? -rem : rem);
  if (twice > d || (twice == d && (q & 1) != 0)) q += p < 0 ? -1 : 1;
  return static_cast<int64_t>(q);
}

int32_t random_acc(Rng& rng) {
  // Magnitudes spread over every bit length below 2^31.
  const int bits = static_cast<int>(rng.below(32));
  const int64_t mag = bits == 0 ? 0 : static_cast<int64_t>(rng.next_u64() >> (64 - bits));
  const int64_t v = (rng.next_u64() & 1) ? -mag : mag;
  return static_cast<int32_t>(
      std::clamp<int64_t>(v, -(int64_t{1} << 31) + 1, (int64_t{1} << 31) - 1));
}

TEST(Requant, FromMultiplierNormalisesM0) {
  EXPECT_EQ(requant_from_multiplier(0.5, "t"), (Requant{1 << 30, 31}));
  EXPECT_EQ(requant_from_multiplier(0.75, "t"), (Requant{3 << 29, 31}));
  EXPECT_EQ(requant_from_multiplier(1.0, "t"), (Requant{1 << 30, 30}));
  EXPECT_EQ(requant_from_multiplier(0x1p-32, "t"), (Requant{1 << 30, 62}));
  EXPECT_EQ(requant_from_multiplier(std::ldexp(1.0, 30) * (1 - 0x1p-30), "t"),
            (Requant{0x7ffffffe, 1}));
  // m0 rounds up to 2^31: renormalised to 2^30 with one shift less.
  EXPECT_EQ(requant_from_multiplier(0.5 * (1 - 0x1p-40), "t"), (Requant{1 << 30, 31}));
  // Below 2^-32 every |acc| < 2^31 rounds to 0: the multiplier is 0.
  EXPECT_EQ(requant_from_multiplier(0x1p-33, "t"), (Requant{0, 62}));
  EXPECT_EQ(requant_from_multiplier(1e-30, "t"), (Requant{0, 62}));
  EXPECT_EQ(requant_from_multiplier(0x1p-32 * (1 - 0x1p-40), "t"), (Requant{1 << 30, 62}));
}

TEST(Requant, FromMultiplierRejectsOutOfRange) {
  EXPECT_THROW(requant_from_multiplier(0x1p30, "t"), Error);
  EXPECT_THROW(requant_from_multiplier(std::ldexp(1.0, 30) * (1 - 0x1p-40), "t"), Error);
  EXPECT_THROW(requant_from_multiplier(0.0, "t"), Error);
  EXPECT_THROW(requant_from_multiplier(-0.5, "t"), Error);
  EXPECT_THROW(requant_from_multiplier(std::nan(""), "t"), Error);
  EXPECT_THROW(requant_from_multiplier(INFINITY, "t"), Error);
  EXPECT_THROW(requant_from_scales(0.1f, 0.0f, 0.2f, "t"), Error);
  try {
    requant_from_multiplier(1e10, "node 'fc1' (Gemm)");
    FAIL() << "expected octet::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fc1"), std::string::npos) << e.what();
  }
}

TEST(Requant, RelativeErrorBelow2ToMinus31) {
  Rng rng(7);
  for (int i = 0; i < 100000; ++i) {
    const double m = std::ldexp(0.5 + 0.5 * rng.uniform(), static_cast<int>(rng.below(60)) - 30);
    const Requant r = requant_from_multiplier(m, "t");
    ASSERT_GE(r.multiplier, 1 << 30);
    ASSERT_GE(r.shift, 1);
    ASSERT_LE(r.shift, 62);
    ASSERT_LE(std::abs(requant_real_multiplier(r) - m), m * 0x1p-31) << m;
  }
}

TEST(Requant, FromScalesUsesTheDoubleProduct) {
  const float s_in = 0.0237f, s_w = 0.0041f, s_out = 0.0519f;
  const double m = double{s_in} * double{s_w} / double{s_out};
  EXPECT_EQ(requant_from_scales(s_in, s_w, s_out, "t"), requant_from_multiplier(m, "t"));
}

// eq. (12): round_half_even(acc * m0 / 2^shift) exactly, over random multipliers and
// accumulators of every magnitude.
TEST(Requant, MatchesExactReferenceOnRandomValues) {
  Rng rng(2024);
  for (int i = 0; i < 1000000; ++i) {
    const Requant r{static_cast<int32_t>((1u << 30) + (rng.next_u64() >> 34)),
                    1 + static_cast<int32_t>(rng.below(62))};
    const int32_t acc = random_acc(rng);
    const int64_t want = exact_reference(acc, r);
    ASSERT_EQ(want, int128_reference(acc, r));
    ASSERT_EQ(rounding_shift_right_half_even(int64_t{acc} * r.multiplier, r.shift), want)
        << "acc " << acc << " m0 " << r.multiplier << " shift " << r.shift;
  }
}

// Exact ties: acc * m0 has exactly shift - 1 trailing zero bits, so acc * m0 / 2^shift is k + 1/2.
TEST(Requant, RoundsExactTiesToEven) {
  Rng rng(99);
  int n_up = 0, n_down = 0;
  for (int i = 0; i < 200000; ++i) {
    const int32_t m0 = static_cast<int32_t>((1u << 30) + (rng.next_u64() >> 34));
    const int tz = std::countr_zero(static_cast<uint32_t>(m0));
    const int shift =
        tz + 1 + static_cast<int>(rng.below(static_cast<uint64_t>(std::min(62 - tz, 31))));
    const int acc_tz = shift - 1 - tz;  // in [0, 30]
    const int odd_bits = 30 - acc_tz;
    const int64_t odd =
        odd_bits == 0 ? 1 : static_cast<int64_t>(rng.next_u64() >> (64 - odd_bits)) | 1;
    const int32_t acc = static_cast<int32_t>(((rng.next_u64() & 1) ? -odd : odd) << acc_tz);
    const Requant r{m0, shift};
    const int64_t product = int64_t{acc} * m0;
    ASSERT_EQ(std::countr_zero(static_cast<uint64_t>(product)), shift - 1);  // a tie
    const int64_t got = rounding_shift_right_half_even(product, shift);
    ASSERT_EQ(got, exact_reference(acc, r)) << "acc " << acc << " m0 " << m0 << " shift " << shift;
    ASSERT_EQ(got % 2, 0);
    (got > (product >> shift) ? n_up : n_down)++;
  }
  EXPECT_GT(n_up, 1000);  // both directions were exercised
  EXPECT_GT(n_down, 1000);
}

TEST(Requant, SmallTiesByHand) {
  const Requant half{1 << 30, 31};  // M = 0.5
  const int32_t acc[] = {1, 3, 5, -1, -3, -5, 7, -7};
  const int32_t want[] = {0, 2, 2, 0, -2, -2, 4, -4};  // 0.5->0, 1.5->2, 2.5->2, 3.5->4
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(requantize(acc[i], half, 0, -1000, 1000), want[i]) << acc[i];
}

// eq. (13): the zero point is added after rounding, then the clamp applies.
TEST(Requant, AddsZeroPointAndClamps) {
  const Requant r = requant_from_multiplier(0.01, "t");
  EXPECT_EQ(requantize(1000, r, 128, 0, 255), 138);
  EXPECT_EQ(requantize(-1000, r, 128, 0, 255), 118);
  EXPECT_EQ(requantize(2000000000, r, 128, 0, 255), 255);
  EXPECT_EQ(requantize(-2000000000, r, 128, 0, 255), 0);
  EXPECT_EQ(requantize(-1000, r, 128, 128, 255), 128);  // fused ReLU: out_min = zero point
  EXPECT_EQ(requantize(INT32_MAX, Requant{0, 62}, 5, 0, 255), 5);
  EXPECT_EQ(requantize(INT32_MIN + 1, Requant{0x7fffffff, 1}, 0, INT32_MIN, INT32_MAX), INT32_MIN);
}

}  // namespace
}  // namespace octet
