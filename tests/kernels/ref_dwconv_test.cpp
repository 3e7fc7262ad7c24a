// qu8_qc8w_dwconv_minmax_fxp__ref (eq. 28) against a direct convolution of the zero-point
// padded input (padding with z_in is real 0, eq. 3) with per-channel requantization.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "octet/random.h"
#include "octet/requant.h"

namespace octet::kernels {
namespace {

struct DwCase {
  int64_t channels, in_h, in_w, kernel, stride, pad, dilation;
  int32_t z_in, z_out, out_min, out_max;
};

// Returns the number of distinct outputs, to show a case was not all clamped.
long check_dwconv(const DwCase& c) {
  Rng rng(21);
  Window2d win;
  win.in_h = c.in_h, win.in_w = c.in_w, win.kernel_h = win.kernel_w = c.kernel;
  win.stride_h = win.stride_w = c.stride, win.dilation_h = win.dilation_w = c.dilation;
  win.pad_top = win.pad_left = win.pad_bottom = win.pad_right = c.pad;
  const int64_t span = (c.kernel - 1) * c.dilation + 1;
  win.out_h = (c.in_h + 2 * c.pad - span) / c.stride + 1;
  win.out_w = (c.in_w + 2 * c.pad - span) / c.stride + 1;
  const int64_t taps = c.kernel * c.kernel, in_plane = c.in_h * c.in_w;
  std::vector<uint8_t> x(static_cast<size_t>(c.channels * in_plane));
  std::vector<int8_t> w(static_cast<size_t>(c.channels * taps));
  std::vector<int32_t> bias(static_cast<size_t>(c.channels));
  std::vector<Requant> requant(static_cast<size_t>(c.channels));
  for (auto& v : x) v = static_cast<uint8_t>(rng.below(256));
  for (auto& v : w) v = static_cast<int8_t>(static_cast<int>(rng.below(256)) - 128);
  for (int64_t ch = 0; ch < c.channels; ++ch) {
    bias[ch] = static_cast<int32_t>(rng.below(20001)) - 10000;
    requant[ch] = requant_from_multiplier((0.002 + 0.01 * rng.uniform()) / c.kernel, "test");
  }
  std::vector<uint8_t> y(static_cast<size_t>(c.channels * win.out_h * win.out_w), 0xEE);
  const QDwConvParams params{bias.data(), requant.data(), c.z_in, c.z_out, c.out_min, c.out_max};
  qu8_qc8w_dwconv_minmax_fxp__ref(static_cast<size_t>(c.channels), win, x.data(), w.data(),
                                  y.data(), params);
  std::vector<bool> seen(256, false);
  size_t i = 0;
  for (int64_t ch = 0; ch < c.channels; ++ch)
    for (int64_t oh = 0; oh < win.out_h; ++oh)
      for (int64_t ow = 0; ow < win.out_w; ++ow, ++i) {
        // The input padded with z_in, then an unconditional sum over every tap.
        int64_t acc = bias[ch];
        for (int64_t kh = 0; kh < c.kernel; ++kh)
          for (int64_t kw = 0; kw < c.kernel; ++kw) {
            const int64_t ih = oh * c.stride - c.pad + kh * c.dilation;
            const int64_t iw = ow * c.stride - c.pad + kw * c.dilation;
            const bool inside = ih >= 0 && ih < c.in_h && iw >= 0 && iw < c.in_w;
            const int64_t q = inside ? x[ch * in_plane + ih * c.in_w + iw] : c.z_in;
            acc += (q - c.z_in) * w[ch * taps + kh * c.kernel + kw];
          }
        const long double scaled =
            std::ldexp(static_cast<long double>(acc) * requant[ch].multiplier, -requant[ch].shift);
        const int64_t expected = std::clamp<int64_t>(
            static_cast<int64_t>(std::nearbyintl(scaled)) + c.z_out, c.out_min, c.out_max);
        EXPECT_EQ(y[i], expected) << "channel " << ch << " (" << oh << "," << ow << ")";
        seen[y[i]] = true;
      }
  return std::count(seen.begin(), seen.end(), true);
}

TEST(QuantizedDepthwiseConv, MatchesDirectConvolution3x3Pad1) {
  EXPECT_GT(check_dwconv({8, 9, 7, 3, 1, 1, 1, 128, 100, 0, 255}), 20);
}

TEST(QuantizedDepthwiseConv, Stride2AndReluClamp) {
  EXPECT_GT(check_dwconv({5, 10, 11, 3, 2, 1, 1, 3, 40, 40, 255}), 20);
}

TEST(QuantizedDepthwiseConv, DilatedAnd5x5) {
  EXPECT_GT(check_dwconv({3, 12, 12, 5, 1, 4, 2, 255, 0, 0, 255}), 20);
  check_dwconv({1, 1, 1, 3, 1, 1, 1, 0, 128, 0, 255});  // a single pixel: all but one tap pads
}

}  // namespace
}  // namespace octet::kernels
