// The channels-last pool kernels against the planar references they mirror: the images are
// made planar ([C, H, W]), pooled by qu8_maxpool__ref / qu8_gavgpool_minmax_fxp__ref, and the
// channels-last kernels (every level the CPU runs, for the max pool) must give the same bytes
// for the same images stored [H, W, C], over channel counts around the 32-byte step and windows
// with padding, strides, dilations and no input tap.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/pool_kernels.h"
#include "kernels/ref/ref_kernels.h"
#include "octet/random.h"
#include "runtime/cpu_features.h"

namespace octet::kernels {
namespace {

// [images, C, pixels] -> [images, pixels, C].
std::vector<uint8_t> to_nhwc(const std::vector<uint8_t>& planar, size_t images, size_t channels,
                             size_t pixels) {
  std::vector<uint8_t> out(planar.size());
  for (size_t n = 0; n < images; ++n)
    for (size_t c = 0; c < channels; ++c)
      for (size_t p = 0; p < pixels; ++p)
        out[(n * pixels + p) * channels + c] = planar[(n * channels + c) * pixels + p];
  return out;
}

std::vector<uint8_t> random_bytes(size_t n, Rng& rng) {
  std::vector<uint8_t> v(n);
  for (uint8_t& b : v) b = static_cast<uint8_t>(rng.below(256));
  return v;
}

TEST(ChannelsLastPoolKernels, MaxPoolEveryLevelMatchesThePlanarReference) {
  Rng rng(21);
  struct Case {
    int64_t in_h, in_w, k_h, k_w, s_h, s_w, d_h, d_w, p_t, p_l, p_b, p_r;
  };
  const Case cases[] = {
      {20, 20, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},  // resnet18's pool, smaller
      {7, 9, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0},   {9, 11, 3, 2, 2, 3, 2, 2, 2, 1, 2, 2},
      {3, 5, 2, 2, 1, 1, 1, 1, 3, 3, 3, 3},  // windows entirely in the padding
      {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
  };
  size_t checked = 0;
  for (runtime::Isa isa : runtime::supported_isas()) {
    const MaxPoolNhwcFn kernel = select_maxpool_nhwc(isa);
    for (const Case& s : cases) {
      for (size_t channels : {1, 3, 31, 32, 33, 64, 70}) {
        Window2d w;
        w.in_h = s.in_h, w.in_w = s.in_w, w.kernel_h = s.k_h, w.kernel_w = s.k_w;
        w.stride_h = s.s_h, w.stride_w = s.s_w, w.dilation_h = s.d_h, w.dilation_w = s.d_w;
        w.pad_top = s.p_t, w.pad_left = s.p_l, w.pad_bottom = s.p_b, w.pad_right = s.p_r;
        w.out_h = (s.in_h + s.p_t + s.p_b - (s.d_h * (s.k_h - 1) + 1)) / s.s_h + 1;
        w.out_w = (s.in_w + s.p_l + s.p_r - (s.d_w * (s.k_w - 1) + 1)) / s.s_w + 1;
        const size_t images = 2, in_pixels = static_cast<size_t>(s.in_h * s.in_w);
        const size_t out_pixels = static_cast<size_t>(w.out_h * w.out_w);
        const std::vector<uint8_t> x = random_bytes(images * channels * in_pixels, rng);
        std::vector<uint8_t> planar(images * channels * out_pixels);
        qu8_maxpool__ref(images * channels, w, x.data(), planar.data());
        const std::vector<uint8_t> want = to_nhwc(planar, images, channels, out_pixels);
        std::vector<uint8_t> got(want.size() + 1, 0xA5);
        kernel(images, channels, w, to_nhwc(x, images, channels, in_pixels).data(), got.data());
        EXPECT_EQ(got.back(), 0xA5) << "wrote past the output";
        got.pop_back();
        ASSERT_EQ(got, want) << "level " << runtime::isa_name(isa) << ", input " << s.in_h << "x"
                             << s.in_w << ", kernel " << s.k_h << "x" << s.k_w << ", " << channels
                             << " channels";
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 0u);
}

TEST(ChannelsLastPoolKernels, GlobalAveragePoolMatchesThePlanarReference) {
  Rng rng(22);
  for (size_t channels : {1, 5, 64}) {
    for (size_t pixels : {1, 7, 49}) {
      const size_t images = 3;
      const Requant r = requant_from_multiplier(0.8 / static_cast<double>(pixels), "test");
      QAvgPoolParams params;
      params.zero_point_in = 17, params.zero_point_out = 100, params.requant = &r;
      params.out_min = 3, params.out_max = 250;
      const std::vector<uint8_t> x = random_bytes(images * channels * pixels, rng);
      std::vector<uint8_t> want(images * channels), got(images * channels + 1, 0xA5);
      qu8_gavgpool_minmax_fxp__ref(images * channels, pixels, x.data(), want.data(), params);
      std::vector<int32_t> sums(channels);
      qu8_gavgpool_nhwc_minmax_fxp__ref(images, pixels, channels,
                                        to_nhwc(x, images, channels, pixels).data(), got.data(),
                                        params, sums.data());
      EXPECT_EQ(got.back(), 0xA5) << "wrote past the output";
      got.pop_back();
      ASSERT_EQ(got, want) << channels << " channels, " << pixels << " pixels";
    }
  }
}

}  // namespace
}  // namespace octet::kernels
