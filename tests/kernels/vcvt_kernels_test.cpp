// Every quantize / dequantize vector kernel level the CPU runs against the __ref twins, bit for
// bit: lengths around the 32- and 16-element steps, exact .5 ties (round half to even), NaN,
// +-inf, +-0, subnormals, huge values, and zero points at the limits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/vcvt_kernels.h"
#include "octet/random.h"
#include "runtime/cpu_features.h"

namespace octet::kernels {
namespace {

// Inputs that stress each step of eq. (2) for a given scale.
std::vector<float> tricky_inputs(size_t n, float scale, Rng& rng) {
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            0.0f,
                            -0.0f,
                            std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::min(),
                            std::numeric_limits<float>::max(),
                            -std::numeric_limits<float>::max(),
                            3e9f,
                            -3e9f};
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) {
    switch (i % 5) {
      case 0: x[i] = specials[rng.below(std::size(specials))]; break;
      // Exact ties: (t + 0.5) * scale rounds back to t + 0.5 for these power-of-two scales.
      case 1: x[i] = (static_cast<float>(static_cast<int>(rng.below(600)) - 300) + 0.5f) * scale; break;
      default: x[i] = rng.uniform(-300.0f, 300.0f) * scale;
    }
  }
  return x;
}

TEST(VcvtKernels, QuantizeMatchesReferenceAtEveryLevel) {
  Rng rng(11);
  const float scales[] = {0.0078125f, 0.25f, 1.0f, 0.0173f, 3.3e-5f};
  for (runtime::Isa isa : runtime::supported_isas()) {
    const VcvtKernels& k = select_vcvt(isa);
    for (float scale : scales)
      for (size_t n : {size_t{0}, size_t{1}, size_t{15}, size_t{31}, size_t{32}, size_t{33},
                       size_t{64}, size_t{100}, size_t{1027}}) {
        const std::vector<float> x = tricky_inputs(n, scale, rng);
        for (int32_t zp : {0, 1, 127, 128, 255}) {
          std::vector<uint8_t> want(n), got(n);
          f32_qu8_vcvt__ref(n, x.data(), want.data(), {scale, zp});
          k.f32_qu8(n, x.data(), got.data(), {scale, zp});
          for (size_t i = 0; i < n; ++i)
            ASSERT_EQ(got[i], want[i]) << runtime::isa_name(isa) << " f32->u8 x[" << i << "]="
                                       << x[i] << " scale=" << scale << " zp=" << zp;
        }
        for (int32_t zp : {-128, -1, 0, 1, 127}) {
          std::vector<int8_t> want(n), got(n);
          f32_qs8_vcvt__ref(n, x.data(), want.data(), {scale, zp});
          k.f32_qs8(n, x.data(), got.data(), {scale, zp});
          for (size_t i = 0; i < n; ++i)
            ASSERT_EQ(got[i], want[i]) << runtime::isa_name(isa) << " f32->s8 x[" << i << "]="
                                       << x[i] << " scale=" << scale << " zp=" << zp;
        }
      }
  }
}

TEST(VcvtKernels, DequantizeMatchesReferenceAtEveryLevel) {
  Rng rng(12);
  for (runtime::Isa isa : runtime::supported_isas()) {
    const VcvtKernels& k = select_vcvt(isa);
    for (float scale : {0.0173f, 1.0f, 3.3e-5f})
      for (size_t n : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{300}}) {
        std::vector<uint8_t> xu(n);
        std::vector<int8_t> xs(n);
        for (size_t i = 0; i < n; ++i) {
          xu[i] = static_cast<uint8_t>(i % 7 == 0 ? 255 : rng.below(256));
          xs[i] = static_cast<int8_t>(i % 7 == 0 ? -128 : static_cast<int>(rng.below(256)) - 128);
        }
        for (int32_t zp : {0, 1, 127, 128, 255}) {
          std::vector<float> want(n), got(n);
          qu8_f32_vcvt__ref(n, xu.data(), want.data(), {scale, zp});
          k.qu8_f32(n, xu.data(), got.data(), {scale, zp});
          ASSERT_EQ(0, std::memcmp(got.data(), want.data(), n * sizeof(float)))
              << runtime::isa_name(isa) << " u8->f32 n=" << n << " zp=" << zp;
        }
        for (int32_t zp : {-128, 0, 127}) {
          std::vector<float> want(n), got(n);
          qs8_f32_vcvt__ref(n, xs.data(), want.data(), {scale, zp});
          k.qs8_f32(n, xs.data(), got.data(), {scale, zp});
          ASSERT_EQ(0, std::memcmp(got.data(), want.data(), n * sizeof(float)))
              << runtime::isa_name(isa) << " s8->f32 n=" << n << " zp=" << zp;
        }
      }
  }
}

}  // namespace
}  // namespace octet::kernels
