// qu8_vadd_minmax_fxp__ref with qu8_vadd_prepare (eq. 22-24) and qu8_vcvt_fxp__ref (eq. 27)
// against direct computations: exactly against the fixed-point formula, within one step of the
// real-valued QDQ result, and exactly on hand-computed ties.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "octet/error.h"
#include "octet/qparams.h"
#include "octet/random.h"

namespace octet::kernels {
namespace {

struct AddCase {
  float s_a, s_b, s_y;
  int32_t z_a, z_b, z_y, out_min, out_max;
};

void check_add(const AddCase& c) {
  Rng rng(3);
  const size_t n = 4096;
  std::vector<uint8_t> a(n), b(n), y(n, 0xEE);
  for (size_t i = 0; i < n; ++i) {
    a[i] = static_cast<uint8_t>(rng.below(256));
    b[i] = static_cast<uint8_t>(rng.below(256));
  }
  const QAddParams p =
      qu8_vadd_prepare(c.s_a, c.z_a, c.s_b, c.z_b, c.s_y, c.z_y, c.out_min, c.out_max, "test");
  ASSERT_GE(std::max(p.multiplier_a, p.multiplier_b), int64_t{1} << 30);
  ASSERT_LE(std::max(p.multiplier_a, p.multiplier_b), int64_t{1} << 31);
  qu8_vadd_minmax_fxp__ref(n, a.data(), b.data(), y.data(), p);
  for (size_t i = 0; i < n; ++i) {
    // eq. (24), exactly: the int64 sum is below 2^40, exact in long double.
    const long double sum = static_cast<long double>(a[i] - c.z_a) * p.multiplier_a +
                            static_cast<long double>(b[i] - c.z_b) * p.multiplier_b;
    const int64_t q = static_cast<int64_t>(std::nearbyintl(std::ldexp(sum, -p.shift))) + c.z_y;
    ASSERT_EQ(y[i], std::clamp<int64_t>(q, c.out_min, c.out_max))
        << "i " << i << " a " << int(a[i]) << " b " << int(b[i]);
    // The QDQ graph's float computation: DQ, add, Q (and the clamp of a fused ReLU).
    const float real = dequantize_value(a[i], c.s_a, c.z_a) + dequantize_value(b[i], c.s_b, c.z_b);
    const int32_t q_real = quantize_value(real, c.s_y, c.z_y, c.out_min, c.out_max);
    ASSERT_LE(std::abs(q_real - y[i]), 1) << "i " << i;
    if (q_real != y[i]) {
      // Only where the exact value lies at a tie (within float32 rounding of one), which the
      // float graph rounds after rounding the dequantized values and their sum, and (21) once.
      const double exact = (double(c.s_a) * (a[i] - c.z_a) + double(c.s_b) * (b[i] - c.z_b)) / c.s_y;
      EXPECT_NEAR(std::abs(exact - std::floor(exact)), 0.5, 1e-4) << "i " << i;
    }
  }
}

TEST(QuantizedAdd, DifferentScalesAndZeroPoints) {
  check_add({0.05f, 0.02f, 0.06f, 128, 3, 100, 0, 255});
  check_add({0.011f, 0.3f, 0.25f, 0, 255, 0, 0, 255});
}

TEST(QuantizedAdd, FusedReluClampsAtTheZeroPoint) {
  check_add({0.05f, 0.04f, 0.07f, 120, 130, 60, 60, 255});
}

TEST(QuantizedAdd, OutputScaleSmallerThanInputs) {
  check_add({0.5f, 0.25f, 0.1f, 128, 128, 128, 0, 255});
}

TEST(QuantizedAdd, HandComputedTieRoundsToEven) {
  // s_a = s_b = 1, s_y = 2: y = round_half_even((a + b) / 2): 1+2 -> 2 (1.5), 2+3 -> 2 (2.5).
  const QAddParams p = qu8_vadd_prepare(1.0f, 0, 1.0f, 0, 2.0f, 0, 0, 255, "test");
  const std::vector<uint8_t> a = {1, 2, 255, 0}, b = {2, 3, 255, 1};
  std::vector<uint8_t> y(4);
  qu8_vadd_minmax_fxp__ref(4, a.data(), b.data(), y.data(), p);
  EXPECT_EQ(y, (std::vector<uint8_t>{2, 2, 255, 0}));
}

TEST(QuantizedAdd, PrepareRejectsBadScales) {
  EXPECT_THROW(qu8_vadd_prepare(0.0f, 0, 1.0f, 0, 1.0f, 0, 0, 255, "add"), Error);
  EXPECT_THROW(qu8_vadd_prepare(1.0f, 0, NAN, 0, 1.0f, 0, 0, 255, "add"), Error);
  EXPECT_THROW(qu8_vadd_prepare(1.0f, 0, 1.0f, 0, 1e-10f, 0, 0, 255, "add"), Error);
  EXPECT_THROW(qu8_vadd_prepare(1.0f, 300, 1.0f, 0, 1.0f, 0, 0, 255, "add"), Error);
}

TEST(QuantizedRequantize, MatchesFixedPointFormulaAndRealValue) {
  for (const auto& [s_in, z_in, s_out, z_out] :
       std::vector<std::tuple<float, int32_t, float, int32_t>>{
           {0.02f, 128, 0.05f, 10}, {0.07f, 0, 0.03f, 200}, {0.01f, 255, 0.01f, 0}}) {
    QCvtParams p;
    p.zero_point_in = z_in, p.zero_point_out = z_out;
    p.requant = requant_from_scales(s_in, 1.0f, s_out, "test");
    std::vector<uint8_t> x(256), y(256);
    for (size_t i = 0; i < 256; ++i) x[i] = static_cast<uint8_t>(i);
    qu8_vcvt_fxp__ref(256, x.data(), y.data(), p);
    for (size_t i = 0; i < 256; ++i) {
      const long double prod = static_cast<long double>(x[i] - z_in) * p.requant.multiplier;
      const int64_t q = static_cast<int64_t>(std::nearbyintl(std::ldexp(prod, -p.requant.shift)));
      ASSERT_EQ(y[i], std::clamp<int64_t>(q + z_out, 0, 255)) << "x " << i;
      const float real = dequantize_value(x[i], s_in, z_in);
      ASSERT_LE(std::abs(quantize_value(real, s_out, z_out, 0, 255) - y[i]), 1) << "x " << i;
    }
  }
}

}  // namespace
}  // namespace octet::kernels
