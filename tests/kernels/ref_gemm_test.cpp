// qu8_qc8w_gemm_minmax_fxp__ref and its prepare step against a direct computation of the same
// math (docs/quantization.md eq. 9-14), on edge and prime shapes, zero points at the limits and
// fused-ReLU clamps; plus the conversion kernels (eq. 1-2).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "octet/error.h"
#include "octet/qparams.h"
#include "octet/random.h"
#include "octet/requant.h"

namespace octet::kernels {
namespace {

struct GemmCase {
  size_t m, n, k;
  int32_t zero_point_a, zero_point_out, out_min, out_max;
};

std::string describe(const GemmCase& c) {
  return "M=" + std::to_string(c.m) + " N=" + std::to_string(c.n) + " K=" + std::to_string(c.k) +
         " za=" + std::to_string(c.zero_point_a) + " zo=" + std::to_string(c.zero_point_out) +
         " clamp=[" + std::to_string(c.out_min) + "," + std::to_string(c.out_max) + "]";
}

// Runs one case with random data and checks every output against the direct formula:
//   out = clamp(round_half_even((bias_q[n] + sum_k (a - za) * w) * m0 * 2^-shift) + zo)
// with the dot product in double (integers below 2^53: exact) and the scaling in long double
// (acc * m0 < 2^62 fits its 64-bit mantissa: exact, so ties are decided correctly). Returns the
// number of distinct output values, to show the case was not all clamped.
int run_case(const GemmCase& c, Rng& rng) {
  const size_t a_stride = c.k + rng.below(3);  // exercise row strides too
  const size_t c_stride = c.n + rng.below(3);
  std::vector<uint8_t> a(c.m * a_stride, 0xEE);
  std::vector<int8_t> w(c.n * c.k);
  std::vector<int32_t> bias_q(c.n), bias_adjusted(c.n);
  std::vector<Requant> requant(c.n);
  for (size_t i = 0; i < c.m; ++i)
    for (size_t p = 0; p < c.k; ++p) a[i * a_stride + p] = static_cast<uint8_t>(rng.below(256));
  for (int8_t& v : w) v = static_cast<int8_t>(static_cast<int>(rng.below(256)) - 128);
  for (size_t j = 0; j < c.n; ++j) {
    bias_q[j] = static_cast<int32_t>(rng.below(1 << 21)) - (1 << 20);
    // M ~ 0.01 / sqrt(K) spreads the outputs over the uint8 range (|acc| ~ 5000 sqrt(K)).
    const double m = (0.002 + 0.02 * rng.uniform()) / std::sqrt(static_cast<double>(c.k));
    requant[j] = requant_from_multiplier(m, "test");
  }
  qu8_qc8w_gemm_prepare(c.n, c.k, w.data(), bias_q.data(), c.zero_point_a, bias_adjusted.data(),
                        "test");
  std::vector<uint8_t> out(c.m * c_stride, 0xEE);
  const QGemmParams params{bias_adjusted.data(), requant.data(), c.zero_point_out, c.out_min,
                           c.out_max};
  qu8_qc8w_gemm_minmax_fxp__ref(c.m, c.n, c.k, a.data(), a_stride, w.data(), out.data(), c_stride,
                                params);

  std::vector<bool> seen(256, false);
  for (size_t i = 0; i < c.m; ++i) {
    for (size_t j = 0; j < c.n; ++j) {
      double dot = bias_q[j];
      for (size_t p = 0; p < c.k; ++p)
        dot += (static_cast<double>(a[i * a_stride + p]) - c.zero_point_a) * w[j * c.k + p];
      const long double scaled =
          std::ldexp(static_cast<long double>(dot) * requant[j].multiplier, -requant[j].shift);
      const long double q = std::nearbyintl(scaled) + c.zero_point_out;
      const int want = static_cast<int>(std::clamp<long double>(q, c.out_min, c.out_max));
      const int got = out[i * c_stride + j];
      if (got != want) {
        ADD_FAILURE() << describe(c) << ": C[" << i << "][" << j << "] = " << got << ", expected "
                      << want << " (acc " << dot << ", m0 " << requant[j].multiplier << ", shift "
                      << requant[j].shift << ")";
        return 0;
      }
      seen[static_cast<size_t>(got)] = true;
    }
    for (size_t j = c.n; j < c_stride; ++j)  // padding between rows is left alone
      EXPECT_EQ(out[i * c_stride + j], 0xEE) << describe(c);
  }
  return static_cast<int>(std::count(seen.begin(), seen.end(), true));
}

TEST(QU8QC8WGemmRef, MatchesDirectComputation) {
  Rng rng(433);
  const size_t sizes[] = {1, 2, 3, 5, 7, 13, 16, 17, 31, 64, 97};
  const int32_t zero_points[] = {0, 1, 127, 128, 255};
  int n_cases = 0;
  for (int32_t za : zero_points) {
    for (int32_t zo : zero_points) {
      for (int clamp = 0; clamp < 3; ++clamp) {
        const size_t m = sizes[rng.below(std::size(sizes))];
        const size_t n = sizes[rng.below(std::size(sizes))];
        const size_t k = sizes[rng.below(std::size(sizes))];
        GemmCase c{m, n, k, za, zo, 0, 255};
        if (clamp == 1) c.out_min = zo;  // fused ReLU: out_min = max(qmin, zero_point_out)
        if (clamp == 2) {
          c.out_min = std::min(zo, 10);
          c.out_max = std::max(zo, 200);
        }
        run_case(c, rng);
        ++n_cases;
      }
    }
  }
  EXPECT_EQ(n_cases, 75);
}

TEST(QU8QC8WGemmRef, EdgeShapes) {
  Rng rng(7);
  for (size_t m : {1, 2, 11})
    for (size_t n : {1, 3, 19})
      for (size_t k : {1, 2, 37, 257}) run_case({m, n, k, 128, 128, 0, 255}, rng);
  // A large K near the bound, and a wide one: the outputs must really vary.
  EXPECT_GT(run_case({3, 5, 4099, 255, 0, 0, 255}, rng), 5);
  EXPECT_GT(run_case({64, 97, 784, 0, 128, 0, 255}, rng), 100);
}

// M = 1/2: every odd accumulator is an exact tie, which must round to even.
TEST(QU8QC8WGemmRef, RoundsTiesToEven) {
  const uint8_t a[] = {1, 3, 5, 7, 9, 11};
  const int8_t w[] = {1};
  const int32_t bias[] = {0};
  const Requant half = requant_from_multiplier(0.5, "t");
  const QGemmParams params{bias, &half, 100, 0, 255};
  uint8_t c[6];
  qu8_qc8w_gemm_minmax_fxp__ref(6, 1, 1, a, 1, w, c, 1, params);
  const uint8_t want[] = {100, 102, 102, 104, 104, 106};  // 0.5 1.5 2.5 3.5 4.5 5.5 -> even
  for (int i = 0; i < 6; ++i) EXPECT_EQ(c[i], want[i]) << "a = " << int{a[i]};
}

TEST(QU8QC8WGemmRef, PrepareFoldsZeroPointAndChecksBounds) {
  const int8_t w[] = {1, -2, 3, 127, -128, 0};  // [2, 3]
  const int32_t bias_q[] = {10, -20};
  int32_t adjusted[2];
  qu8_qc8w_gemm_prepare(2, 3, w, bias_q, 5, adjusted, "fc1");
  EXPECT_EQ(adjusted[0], 10 - 5 * (1 - 2 + 3));
  EXPECT_EQ(adjusted[1], -20 - 5 * (127 - 128 + 0));
  qu8_qc8w_gemm_prepare(2, 3, w, nullptr, 0, adjusted, "fc1");
  EXPECT_EQ(adjusted[0], 0);

  std::vector<int8_t> long_w(kQGemmMaxK + 1, 1);
  EXPECT_THROW(qu8_qc8w_gemm_prepare(1, kQGemmMaxK + 1, long_w.data(), nullptr, 0, adjusted, "fc"),
               Error);
  std::vector<int8_t> max_w(kQGemmMaxK, -128);  // 255 * 128 * (2^16 - 1) < 2^31: accepted
  EXPECT_NO_THROW(qu8_qc8w_gemm_prepare(1, kQGemmMaxK, max_w.data(), nullptr, 0, adjusted, "fc"));
  EXPECT_THROW(qu8_qc8w_gemm_prepare(2, 3, w, bias_q, 256, adjusted, "fc1"), Error);
  const int32_t huge_bias[] = {INT32_MAX - 100, 0};
  try {
    qu8_qc8w_gemm_prepare(2, 3, w, huge_bias, 0, adjusted, "node 'fc1' (Gemm)");
    FAIL() << "expected octet::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fc1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("channel 0"), std::string::npos) << e.what();
  }
}

TEST(VcvtRef, QuantizeAndDequantize) {
  const float x[] = {-1000.0f, -1.25f, -0.375f, 0.0f, 0.125f, 0.375f, 0.625f, 1000.0f};
  uint8_t qu[8];
  int8_t qs[8];
  f32_qu8_vcvt__ref(8, x, qu, {0.25f, 3});
  f32_qs8_vcvt__ref(8, x, qs, {0.25f, -3});
  // x / 0.25 = -4000, -5, -1.5, 0, 0.5, 1.5, 2.5, 4000: ties to even, then saturation.
  const uint8_t want_u[] = {0, 0, 1, 3, 3, 5, 5, 255};
  const int8_t want_s[] = {-128, -8, -5, -3, -3, -1, -1, 127};
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(qu[i], want_u[i]) << "x = " << x[i];
    EXPECT_EQ(qs[i], want_s[i]) << "x = " << x[i];
  }
  float yu[8], ys[8];
  qu8_f32_vcvt__ref(8, qu, yu, {0.25f, 3});
  qs8_f32_vcvt__ref(8, qs, ys, {0.25f, -3});
  EXPECT_EQ(yu[0], -0.75f);
  EXPECT_EQ(yu[7], 63.0f);
  EXPECT_EQ(ys[0], -31.25f);
  EXPECT_EQ(ys[3], 0.0f);
  // Every representable value round-trips: quantize(dequantize(q)) == q.
  for (int q = 0; q < 256; ++q) {
    const uint8_t in = static_cast<uint8_t>(q);
    float y;
    uint8_t back;
    qu8_f32_vcvt__ref(1, &in, &y, {0.0173f, 77});
    f32_qu8_vcvt__ref(1, &y, &back, {0.0173f, 77});
    EXPECT_EQ(back, in);
  }
}

}  // namespace
}  // namespace octet::kernels
