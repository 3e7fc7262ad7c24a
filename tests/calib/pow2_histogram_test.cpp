// Pow2Histogram: exact bins, exact coarsening when the range grows, order and batch-size
// invariance, exact merging (docs/quantization.md eq. 33-34).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "octet/histogram.h"
#include "octet/random.h"

namespace octet {
namespace {

// The expected histogram, computed independently: the final exponent from the largest
// magnitude, then each value's bin by long double division (no incremental coarsening).
struct Expected {
  int e = 0;
  uint64_t zeros = 0;
  std::vector<uint64_t> neg = std::vector<uint64_t>(Pow2Histogram::kBins, 0);
  std::vector<uint64_t> pos = neg;
};
Expected expected_of(const std::vector<float>& x) {
  Expected ex;
  long double amax = 0;
  for (float v : x) amax = std::max(amax, std::fabs(static_cast<long double>(v)));
  while (std::ldexp(1.0L, ex.e) < amax) ++ex.e;
  while (ex.e > -140 && std::ldexp(1.0L, ex.e - 1) >= amax) --ex.e;
  const long double w = std::ldexp(1.0L, ex.e) / Pow2Histogram::kBins;
  for (float v : x) {
    if (v == 0.0f) {
      ++ex.zeros;
      continue;
    }
    const auto bin = static_cast<size_t>(std::ceil(std::fabs(static_cast<long double>(v)) / w) - 1);
    ++(v > 0 ? ex.pos : ex.neg)[bin];
  }
  return ex;
}

TEST(Pow2Histogram, ExponentIsTheSmallestPowerOfTwoAtLeastTheValue) {
  EXPECT_EQ(pow2_exponent_at_least(1.0), 0);
  EXPECT_EQ(pow2_exponent_at_least(1.5), 1);
  EXPECT_EQ(pow2_exponent_at_least(2.0), 1);
  EXPECT_EQ(pow2_exponent_at_least(0.75), 0);
  EXPECT_EQ(pow2_exponent_at_least(0.5), -1);
  EXPECT_EQ(pow2_exponent_at_least(3e38), 128);
  EXPECT_EQ(pow2_exponent_at_least(1e-45), -149);
}

TEST(Pow2Histogram, BinsAreExactAtTheEdges) {
  Pow2Histogram h;
  const std::vector<float> x = {0.5f, 1.0f, -0.25f, 0.0f, -0.0f, 0x1p-11f, 0x1.000002p-11f};
  h.add(x.data(), static_cast<int64_t>(x.size()));
  EXPECT_EQ(h.exponent(), 0);
  EXPECT_EQ(h.zeros(), 2u);
  EXPECT_EQ(h.pos()[1023], 1u);  // 0.5 = 1024 w: the upper edge of bin 1023
  EXPECT_EQ(h.pos()[2047], 1u);  // 1.0
  EXPECT_EQ(h.neg()[511], 1u);   // -0.25
  EXPECT_EQ(h.pos()[0], 1u);     // w itself
  EXPECT_EQ(h.pos()[1], 1u);     // just above w
  EXPECT_EQ(h.count(), x.size());
  EXPECT_EQ(h.min(), -0.25f);
  EXPECT_EQ(h.max(), 1.0f);
}

TEST(Pow2Histogram, GrowingRangeCoarsensExactly) {
  // Small values first, then ever larger ones: every coarsening step must land each value in
  // the bin the final exponent gives it directly.
  Rng rng(5);
  std::vector<float> all;
  Pow2Histogram h;
  for (int b = 0; b < 12; ++b) {
    std::vector<float> batch(300);
    const float scale = std::ldexp(1.0f, 2 * b - 10);
    for (float& v : batch) v = rng.uniform(-scale, scale);
    batch[7] = 0.0f;
    h.add(batch.data(), static_cast<int64_t>(batch.size()));
    all.insert(all.end(), batch.begin(), batch.end());
  }
  const Expected ex = expected_of(all);
  EXPECT_EQ(h.exponent(), ex.e);
  EXPECT_EQ(h.zeros(), ex.zeros);
  EXPECT_EQ(h.pos(), ex.pos);
  EXPECT_EQ(h.neg(), ex.neg);
}

TEST(Pow2Histogram, IndependentOfOrderBatchSizeAndSharding) {
  Rng rng(9);
  std::vector<float> x(5000);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = rng.uniform(-1.0f, 1.0f) * std::ldexp(1.0f, static_cast<int>(i % 17) - 8);
  Pow2Histogram one;
  one.add(x.data(), static_cast<int64_t>(x.size()));
  for (size_t batch : {1u, 7u, 100u, 4999u}) {
    std::vector<float> shuffled = x;
    for (size_t i = shuffled.size() - 1; i > 0; --i)
      std::swap(shuffled[i], shuffled[rng.below(i + 1)]);
    Pow2Histogram h;
    for (size_t b = 0; b < shuffled.size(); b += batch)
      h.add(shuffled.data() + b, static_cast<int64_t>(std::min(batch, shuffled.size() - b)));
    EXPECT_EQ(h, one) << "batch " << batch;
    // Four shards, merged in two different orders.
    Pow2Histogram shards[4];
    for (size_t i = 0; i < shuffled.size(); ++i) shards[i % 4].add(&shuffled[i], 1);
    Pow2Histogram m1 = shards[0], m2 = shards[3];
    for (int s = 1; s < 4; ++s) m1.merge(shards[s]);
    for (int s = 2; s >= 0; --s) m2.merge(shards[s]);
    EXPECT_EQ(m1, one);
    EXPECT_EQ(m2, one);
  }
}

TEST(Pow2Histogram, AllZerosHaveNoRange) {
  Pow2Histogram h;
  const std::vector<float> z(10, 0.0f);
  h.add(z.data(), 10);
  EXPECT_FALSE(h.has_range());
  EXPECT_EQ(h.zeros(), 10u);
  Pow2Histogram g;
  const float one = 1.0f;
  g.add(&one, 1);
  h.merge(g);  // zeros-only merged with a ranged histogram
  EXPECT_TRUE(h.has_range());
  EXPECT_EQ(h.exponent(), 0);
  EXPECT_EQ(h.count(), 11u);
}

}  // namespace
}  // namespace octet
