// Every quantized MaxPool level the CPU runs against qu8_maxpool__ref, bit for bit, over
// windows with padding on every side, strides, dilations, windows that cover no input tap, and
// widths around the 32-byte step.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/pool_kernels.h"
#include "octet/random.h"
#include "runtime/cpu_features.h"

namespace octet::kernels {
namespace {

TEST(MaxPoolKernels, EveryLevelMatchesReference) {
  Rng rng(8);
  struct Shape {
    int64_t in_h, in_w, k_h, k_w, s_h, s_w, d_h, d_w, p_t, p_l, p_b, p_r;
  };
  const Shape shapes[] = {
      {112, 112, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},  // resnet18's pool
      {7, 31, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0},
      {5, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
      {9, 65, 3, 2, 2, 3, 2, 2, 2, 1, 2, 2},
      {3, 5, 2, 2, 1, 1, 1, 1, 3, 3, 3, 3},    // windows entirely in the padding
      {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
      {16, 40, 5, 5, 3, 3, 1, 1, 2, 2, 2, 2},
  };
  size_t checked = 0;
  for (runtime::Isa isa : runtime::supported_isas()) {
    const MaxPoolFn kernel = select_maxpool(isa);
    for (const Shape& s : shapes) {
      Window2d w;
      w.in_h = s.in_h, w.in_w = s.in_w, w.kernel_h = s.k_h, w.kernel_w = s.k_w;
      w.stride_h = s.s_h, w.stride_w = s.s_w, w.dilation_h = s.d_h, w.dilation_w = s.d_w;
      w.pad_top = s.p_t, w.pad_left = s.p_l, w.pad_bottom = s.p_b, w.pad_right = s.p_r;
      w.out_h = (s.in_h + s.p_t + s.p_b - (s.d_h * (s.k_h - 1) + 1)) / s.s_h + 1;
      w.out_w = (s.in_w + s.p_l + s.p_r - (s.d_w * (s.k_w - 1) + 1)) / s.s_w + 1;
      const size_t planes = 3;
      std::vector<uint8_t> x(planes * static_cast<size_t>(s.in_h * s.in_w));
      for (uint8_t& v : x) v = static_cast<uint8_t>(rng.below(256));
      const size_t out = planes * static_cast<size_t>(w.out_h * w.out_w);
      std::vector<uint8_t> want(out), got(out + 1, 0xA5);
      qu8_maxpool__ref(planes, w, x.data(), want.data());
      kernel(planes, w, x.data(), got.data());
      EXPECT_EQ(got.back(), 0xA5) << "wrote past the output";
      got.pop_back();
      ASSERT_EQ(got, want) << "level " << runtime::isa_name(isa) << ", input " << s.in_h << "x"
                           << s.in_w << ", kernel " << s.k_h << "x" << s.k_w;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
}

}  // namespace
}  // namespace octet::kernels
