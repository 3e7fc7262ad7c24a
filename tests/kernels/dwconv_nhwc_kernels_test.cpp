// The channels-last depthwise conv kernels against the planar reference
// qu8_qc8w_dwconv_minmax_fxp__ref: the same images and filters, stored [H, W, C] and [taps, C],
// must give the same bytes (transposed) at every level the CPU runs, over channel counts around
// the 16-lane step, 3x3 and 5x5 windows with padding, strides and dilations, a window larger
// than the SIMD kernels' 64-tap list, input zero points 0, 128 and 255, weights of -128, biases
// up to 1e5, per-channel multipliers from below 2^-32 to above 1, and both full and narrowed
// clamps.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/dwconv_kernels.h"
#include "kernels/ref/ref_kernels.h"
#include "octet/random.h"
#include "runtime/cpu_features.h"

namespace octet::kernels {
namespace {

struct Case {
  int64_t in_h, in_w, k_h, k_w, s_h, s_w, d_h, d_w, p_t, p_l, p_b, p_r;
};

Window2d window_of(const Case& s) {
  Window2d w;
  w.in_h = s.in_h, w.in_w = s.in_w, w.kernel_h = s.k_h, w.kernel_w = s.k_w;
  w.stride_h = s.s_h, w.stride_w = s.s_w, w.dilation_h = s.d_h, w.dilation_w = s.d_w;
  w.pad_top = s.p_t, w.pad_left = s.p_l, w.pad_bottom = s.p_b, w.pad_right = s.p_r;
  w.out_h = (s.in_h + s.p_t + s.p_b - (s.d_h * (s.k_h - 1) + 1)) / s.s_h + 1;
  w.out_w = (s.in_w + s.p_l + s.p_r - (s.d_w * (s.k_w - 1) + 1)) / s.s_w + 1;
  return w;
}

// [outer, a, b] -> [outer, b, a] for byte arrays.
template <class T>
std::vector<T> swap_inner(const std::vector<T>& v, size_t outer, size_t a, size_t b) {
  std::vector<T> out(v.size());
  for (size_t o = 0; o < outer; ++o)
    for (size_t i = 0; i < a; ++i)
      for (size_t j = 0; j < b; ++j) out[(o * b + j) * a + i] = v[(o * a + i) * b + j];
  return out;
}

TEST(DwConvNhwcKernels, EveryLevelMatchesThePlanarReference) {
  Rng rng(28);
  const Case cases[] = {
      {9, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},    // mobilenet's stride-1 3x3
      {10, 11, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1},  // mobilenet's stride-2 3x3 (pads at the end)
      {7, 8, 5, 5, 1, 2, 2, 1, 3, 2, 3, 2},
      {3, 4, 3, 3, 1, 1, 1, 1, 3, 3, 3, 3},    // windows with no input tap
      {12, 12, 9, 9, 1, 1, 1, 1, 4, 4, 4, 4},  // 81 taps: past the SIMD kernel's tap list
  };
  size_t checked = 0;
  for (runtime::Isa isa : runtime::supported_isas()) {
    const DwConvNhwcFn kernel = select_dwconv_nhwc(isa);
    for (const Case& s : cases) {
      for (size_t channels : {1, 15, 16, 17, 40}) {
        for (int32_t zero_point_in : {0, 128, 255}) {
          const Window2d win = window_of(s);
          const size_t images = 2, taps = static_cast<size_t>(s.k_h * s.k_w);
          const size_t in_pixels = static_cast<size_t>(s.in_h * s.in_w);
          const size_t out_pixels = static_cast<size_t>(win.out_h * win.out_w);
          std::vector<uint8_t> x(images * channels * in_pixels);
          for (uint8_t& v : x) v = static_cast<uint8_t>(rng.below(256));
          // Channel c % 4 == 3 has the extreme weights -128 everywhere; the multipliers run
          // from {0, 62} (below 2^-32) through typical ones to shifts of 1-2.
          std::vector<int8_t> w(channels * taps);
          for (size_t i = 0; i < w.size(); ++i)
            w[i] = i / taps % 4 == 3 ? int8_t{-128}
                                     : static_cast<int8_t>(static_cast<int>(rng.below(256)) - 128);
          std::vector<int32_t> bias(channels);
          std::vector<Requant> requant(channels);
          const double multipliers[] = {1e-12, 3e-4, 2e-3, 0.6, 1.7};
          for (size_t c = 0; c < channels; ++c) {
            bias[c] = static_cast<int32_t>(rng.below(200001)) - 100000;
            requant[c] = requant_from_multiplier(
                multipliers[(c + zero_point_in) % 5] * (1.0 + rng.uniform(0.0f, 0.1f)), "test");
          }
          const bool full_range = zero_point_in != 128;
          const QDwConvParams params{bias.data(), requant.data(),     zero_point_in,
                                     120,         full_range ? 0 : 5, full_range ? 255 : 250};

          std::vector<uint8_t> planar(images * channels * out_pixels);
          for (size_t n = 0; n < images; ++n)
            qu8_qc8w_dwconv_minmax_fxp__ref(channels, win, x.data() + n * channels * in_pixels,
                                            w.data(), planar.data() + n * channels * out_pixels,
                                            params);
          const std::vector<uint8_t> want = swap_inner(planar, images, channels, out_pixels);
          std::vector<uint8_t> got(want.size() + 1, 0xA5);
          const std::vector<int8_t> w_tap_major = swap_inner(w, 1, channels, taps);
          std::vector<int32_t> w_wide(w.size()), scratch(channels);
          widen_dwconv_weights(w.size(), w_tap_major.data(), w_wide.data());
          kernel(images, channels, win, swap_inner(x, images, channels, in_pixels).data(),
                 {w_tap_major.data(), w_wide.data()}, got.data(), params, scratch.data());
          EXPECT_EQ(got.back(), 0xA5) << "wrote past the output";
          got.pop_back();
          ASSERT_EQ(got, want) << "level " << runtime::isa_name(isa) << ", input " << s.in_h << "x"
                               << s.in_w << ", kernel " << s.k_h << "x" << s.k_w << ", " << channels
                               << " channels, z_in " << zero_point_in;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 0u);
}

}  // namespace
}  // namespace octet::kernels
