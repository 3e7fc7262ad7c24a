// Every quantized Add level the CPU runs against qu8_vadd_minmax_fxp__ref, bit for bit: lengths
// around the 8-element step, all zero points and clamps at their limits, scale ratios that make
// a multiplier of 2^31 (one past int32) or tiny, and exact rounding ties.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/vadd_kernels.h"
#include "octet/random.h"
#include "runtime/cpu_features.h"

namespace octet::kernels {
namespace {

struct Case {
  float s_a, s_b, s_y;
  int32_t z_a, z_b, z_y, out_min, out_max;
};

TEST(VaddKernels, EveryLevelMatchesReference) {
  const Case cases[] = {
      {1.0f, 1.0f, 2.0f, 0, 0, 0, 0, 255},          // halves: ties everywhere
      {1.0f, 1.0f, 1.0f, 128, 128, 128, 0, 255},    // ratio 1: multiplier 2^30
      {0.5f, 0.25f, 0.25f, 255, 0, 1, 0, 255},      // ratio 2 (multiplier 2^30, shift 29)
      {0.99999994f, 0.5f, 0.5f, 3, 250, 77, 0, 255},  // multiplier 2^31 - 128, the largest
      {0.013f, 0.0021f, 0.017f, 17, 201, 0, 0, 255},  // ReLU-like output zero point
      {0.05f, 0.07f, 0.011f, 200, 3, 128, 128, 200},  // saturating sums, narrow clamp
      {1e-4f, 3.0f, 0.7f, 90, 180, 255, 0, 255},      // one multiplier tiny
  };
  std::vector<QAddParams> params;
  for (const Case& c : cases)
    params.push_back(qu8_vadd_prepare(c.s_a, c.z_a, c.s_b, c.z_b, c.s_y, c.z_y, c.out_min,
                                      c.out_max, "test"));
  // Float32 scales cannot make a multiplier above 2^31 - 128, but the kernels' contract (eq. 24)
  // allows 2^31 (one past int32): set it directly.
  QAddParams edge = params[1];
  edge.multiplier_a = int64_t{1} << 31;
  edge.multiplier_b = (int64_t{1} << 31) - 1;
  edge.shift = 32;
  params.push_back(edge);
  Rng rng(21);
  size_t checked = 0;
  for (runtime::Isa isa : runtime::supported_isas()) {
    const QAddFn kernel = select_vadd(isa);
    for (const QAddParams& p : params) {
      for (size_t n : {1, 7, 8, 9, 15, 16, 17, 64, 333}) {
        std::vector<uint8_t> a(n), b(n), want(n), got(n, 0xA5);
        for (size_t i = 0; i < n; ++i) {
          // Every fourth element at the extremes, where the products are largest.
          a[i] = static_cast<uint8_t>(i % 4 == 0 ? (i % 8 == 0 ? 255 : 0) : rng.below(256));
          b[i] = static_cast<uint8_t>(i % 4 == 1 ? (i % 8 == 1 ? 0 : 255) : rng.below(256));
        }
        qu8_vadd_minmax_fxp__ref(n, a.data(), b.data(), want.data(), p);
        kernel(n, a.data(), b.data(), got.data(), p);
        ASSERT_EQ(got, want) << "level " << runtime::isa_name(isa) << ", n " << n
                             << ", multipliers " << p.multiplier_a << " / " << p.multiplier_b
                             << ", shift " << p.shift;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 0u);
}

}  // namespace
}  // namespace octet::kernels
