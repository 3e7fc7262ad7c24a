// The quantized pools against direct computations: qu8_maxpool__ref (eq. 21),
// qu8_avgpool_minmax_fxp__ref and qu8_gavgpool_minmax_fxp__ref (eq. 25-26), exactly against the
// fixed-point formula and within one step of the real-valued average.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "octet/qparams.h"
#include "octet/random.h"
#include "octet/requant.h"

namespace octet::kernels {
namespace {

// round_half_even(acc * m0 / 2^shift): |acc * m0| < 2^62 is exact in long double (64-bit
// mantissa), so the rounding decides ties exactly.
int64_t fixed_point_reference(int64_t acc, const Requant& r) {
  return static_cast<int64_t>(std::nearbyintl(std::ldexp(static_cast<long double>(acc) * r.multiplier, -r.shift)));
}

std::vector<uint8_t> random_u8(size_t n, Rng& rng) {
  std::vector<uint8_t> v(n);
  for (uint8_t& x : v) x = static_cast<uint8_t>(rng.below(256));
  return v;
}

TEST(QuantizedMaxPool, HandComputed3x3Stride2Pad1) {
  // 1 plane [4, 4]; 3x3 windows, stride 2, pad 1 -> [2, 2].
  const std::vector<uint8_t> x = {1, 9, 3, 4,  //
                                  5, 6, 7, 200,  //
                                  0, 2, 8, 1,  //
                                  3, 3, 3, 250};
  Window2d win;
  win.in_h = win.in_w = 4;
  win.out_h = win.out_w = 2;
  win.kernel_h = win.kernel_w = 3;
  win.stride_h = win.stride_w = 2;
  win.pad_top = win.pad_left = 1;
  std::vector<uint8_t> y(4, 0xEE);
  qu8_maxpool__ref(1, win, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<uint8_t>{9, 200, 6, 250}));
}

TEST(QuantizedMaxPool, EqualsMaxOfDequantizedValues) {
  // Same (s, z) on both sides: Q(max(DQ(q))) == max(q) for every window (eq. 21).
  Rng rng(7);
  Window2d win;
  win.in_h = 7, win.in_w = 5, win.kernel_h = 2, win.kernel_w = 3, win.stride_h = 2,
  win.stride_w = 1, win.dilation_h = 2, win.pad_top = 1, win.pad_left = 1;
  win.out_h = (7 + 1 + 0 - (2 - 1) * 2 - 1) / 2 + 1, win.out_w = (5 + 1 + 1 - 3) / 1 + 1;
  win.pad_right = 1;
  const float scale = 0.037f;
  const int32_t zp = 131;
  const auto x = random_u8(3 * 35, rng);
  std::vector<uint8_t> y(3 * static_cast<size_t>(win.out_h * win.out_w));
  qu8_maxpool__ref(3, win, x.data(), y.data());
  size_t i = 0;
  for (int64_t p = 0; p < 3; ++p)
    for (int64_t oh = 0; oh < win.out_h; ++oh)
      for (int64_t ow = 0; ow < win.out_w; ++ow, ++i) {
        float best = -INFINITY;
        for (int64_t kh = 0; kh < win.kernel_h; ++kh)
          for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
            const int64_t ih = oh * win.stride_h - win.pad_top + kh * win.dilation_h;
            const int64_t iw = ow * win.stride_w - win.pad_left + kw * win.dilation_w;
            if (ih >= 0 && ih < win.in_h && iw >= 0 && iw < win.in_w)
              best = std::max(best, scale * (x[p * 35 + ih * 5 + iw] - zp));
          }
        EXPECT_EQ(y[i], quantize_value(best, scale, zp, 0, 255)) << "output " << i;
      }
}

// Runs the average pool over random planes and checks each output against (22)-(23) with the
// kernel's multipliers (exact) and against the real average quantized by (2) (within one step).
void check_avgpool(const Window2d& win, bool include_pad, int32_t zp_in, int32_t zp_out) {
  Rng rng(11);
  const float s_in = 0.05f, s_out = 0.031f;
  const size_t planes = 2;
  const auto x = random_u8(planes * static_cast<size_t>(win.in_h * win.in_w), rng);
  std::vector<Requant> requant;
  for (int64_t c = 1; c <= win.kernel_h * win.kernel_w; ++c)
    requant.push_back(requant_from_multiplier(double(s_in) / (double(s_out) * double(c)), "test"));
  QAvgPoolParams params;
  params.zero_point_in = zp_in;
  params.zero_point_out = zp_out;
  params.requant = requant.data();
  params.count_include_pad = include_pad;
  std::vector<uint8_t> y(planes * static_cast<size_t>(win.out_h * win.out_w), 0xEE);
  qu8_avgpool_minmax_fxp__ref(planes, win, x.data(), y.data(), params);
  size_t i = 0, off_by_one = 0;
  for (size_t p = 0; p < planes; ++p)
    for (int64_t oh = 0; oh < win.out_h; ++oh)
      for (int64_t ow = 0; ow < win.out_w; ++ow, ++i) {
        int64_t sum = 0, inside = 0, padded = 0;
        for (int64_t kh = 0; kh < win.kernel_h; ++kh)
          for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
            const int64_t ih = oh * win.stride_h - win.pad_top + kh * win.dilation_h;
            const int64_t iw = ow * win.stride_w - win.pad_left + kw * win.dilation_w;
            if (ih >= -win.pad_top && ih < win.in_h + win.pad_bottom && iw >= -win.pad_left &&
                iw < win.in_w + win.pad_right)
              ++padded;
            if (ih < 0 || ih >= win.in_h || iw < 0 || iw >= win.in_w) continue;
            sum += x[p * win.in_h * win.in_w + ih * win.in_w + iw] - zp_in;
            ++inside;
          }
        const int64_t count = include_pad ? padded : inside;
        ASSERT_GT(count, 0);
        const int64_t expected =
            std::clamp<int64_t>(fixed_point_reference(sum, requant[count - 1]) + zp_out, 0, 255);
        ASSERT_EQ(y[i], expected) << "output " << i << " sum " << sum << " count " << count;
        const double real = double(s_in) * double(sum) / double(count);
        const int32_t q_real = quantize_value(static_cast<float>(real), s_out, zp_out, 0, 255);
        ASSERT_LE(std::abs(q_real - y[i]), 1) << "output " << i;
        off_by_one += q_real != y[i];
      }
  // The fixed-point multiplier differs from the real one by < 2^-31 relative: only an exact
  // tie of the real average can round the other way, which random data almost never hits.
  EXPECT_LE(off_by_one, 1u);
}

Window2d pool_window(int64_t in_h, int64_t in_w, int64_t k, int64_t stride, int64_t pad) {
  Window2d w;
  w.in_h = in_h, w.in_w = in_w, w.kernel_h = w.kernel_w = k, w.stride_h = w.stride_w = stride;
  w.pad_top = w.pad_left = w.pad_bottom = w.pad_right = pad;
  w.out_h = (in_h + 2 * pad - k) / stride + 1;
  w.out_w = (in_w + 2 * pad - k) / stride + 1;
  return w;
}

TEST(QuantizedAveragePool, MatchesFixedPointFormulaWithoutPadding) {
  check_avgpool(pool_window(6, 9, 2, 2, 0), false, 0, 0);
  check_avgpool(pool_window(7, 5, 3, 1, 0), false, 128, 3);
}

TEST(QuantizedAveragePool, BorderWindowsDivideByTheTapsInside) {
  check_avgpool(pool_window(7, 8, 3, 2, 1), false, 17, 255);
}

TEST(QuantizedAveragePool, CountIncludePadDividesByTheWholeWindow) {
  check_avgpool(pool_window(7, 8, 3, 2, 1), true, 200, 40);
}

TEST(QuantizedAveragePool, HandComputedRoundsHalfToEven) {
  // s_in = s_out, z = 0: y = round_half_even(mean). Windows of 2: 1+2 -> 1.5 -> 2, 3+4 -> 3.5
  // -> 4, 2+3 -> 2.5 -> 2, 0+1 -> 0.5 -> 0.
  const std::vector<uint8_t> x = {1, 2, 3, 4, 2, 3, 0, 1};
  Window2d win = pool_window(1, 8, 1, 1, 0);
  win.kernel_w = 2, win.stride_w = 2, win.out_w = 4;
  const std::vector<Requant> requant = {requant_from_multiplier(1.0, "t"),
                                        requant_from_multiplier(0.5, "t")};
  QAvgPoolParams params;
  params.requant = requant.data();
  std::vector<uint8_t> y(4);
  qu8_avgpool_minmax_fxp__ref(1, win, x.data(), y.data(), params);
  EXPECT_EQ(y, (std::vector<uint8_t>{2, 4, 2, 0}));
}

TEST(QuantizedGlobalAveragePool, MatchesFixedPointFormulaAndRealMean) {
  Rng rng(5);
  const float s_in = 0.02f, s_out = 0.011f;
  const int32_t zp_in = 77, zp_out = 100;
  for (size_t n : {1u, 7u, 49u, 1000u}) {
    const size_t planes = 5;
    const auto x = random_u8(planes * n, rng);
    const Requant r = requant_from_multiplier(double(s_in) / (double(s_out) * double(n)), "test");
    QAvgPoolParams params;
    params.zero_point_in = zp_in, params.zero_point_out = zp_out, params.requant = &r;
    params.out_min = 90;  // a fused ReLU-like clamp is honoured
    std::vector<uint8_t> y(planes);
    qu8_gavgpool_minmax_fxp__ref(planes, n, x.data(), y.data(), params);
    for (size_t p = 0; p < planes; ++p) {
      int64_t sum = 0;
      for (size_t i = 0; i < n; ++i) sum += x[p * n + i] - zp_in;
      EXPECT_EQ(y[p], std::clamp<int64_t>(fixed_point_reference(sum, r) + zp_out, 90, 255))
          << "n " << n << " plane " << p;
      const float real = static_cast<float>(double(s_in) * double(sum) / double(n));
      EXPECT_LE(std::abs(quantize_value(real, s_out, zp_out, 90, 255) - y[p]), 1);
    }
  }
}

}  // namespace
}  // namespace octet::kernels
