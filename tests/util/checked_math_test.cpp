// checked_mul / checked_add / checked_product: the overflow checks every file-derived size uses.
#include "octet/checked_math.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "octet/tensor.h"

namespace octet {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(CheckedMath, MulDetectsOverflowOfEitherSign) {
  EXPECT_EQ(checked_mul(3, 4), 12);
  EXPECT_EQ(checked_mul(-3, 4), -12);
  EXPECT_EQ(checked_mul(int64_t{1} << 31, int64_t{1} << 31), int64_t{1} << 62);
  EXPECT_EQ(checked_mul(int64_t{1} << 32, int64_t{1} << 31), std::nullopt);
  EXPECT_EQ(checked_mul(kMax, 2), std::nullopt);
  EXPECT_EQ(checked_mul(kMin, -1), std::nullopt);
  EXPECT_EQ(checked_mul(kMin, 1), kMin);
  EXPECT_EQ(checked_mul(kMax, 0), 0);
}

TEST(CheckedMath, AddDetectsOverflow) {
  EXPECT_EQ(checked_add(kMax - 1, 1), kMax);
  EXPECT_EQ(checked_add(kMax, 1), std::nullopt);
  EXPECT_EQ(checked_add(kMin, -1), std::nullopt);
}

TEST(CheckedMath, ProductHonoursTheLimitAtEveryStep) {
  const std::vector<int64_t> mnist = {60000, 28, 28};
  EXPECT_EQ(checked_product(mnist, kMax), 47040000);
  EXPECT_EQ(checked_product(mnist, 47040000), 47040000);
  EXPECT_EQ(checked_product(mnist, 47039999), std::nullopt);
  EXPECT_EQ(checked_product({}, 0), 1) << "a scalar has one element";
  // 2^32 * 2^32 wraps to 0 in uint64 arithmetic: the unchecked product would be "empty".
  const std::vector<int64_t> wraps = {int64_t{1} << 32, int64_t{1} << 32};
  EXPECT_EQ(checked_product(wraps, kMax), std::nullopt);
  // 10^6 x 10^6 float32 initializer: 10^12 elements, over a 2^31 cap but not int64.
  const std::vector<int64_t> tera = {1000000, 1000000};
  EXPECT_EQ(checked_product(tera, kMax), int64_t{1000000000000});
  EXPECT_EQ(checked_product(tera, int64_t{1} << 31), std::nullopt);
}

TEST(CheckedMath, ProductRejectsNegativeAndAcceptsZeroDims) {
  const std::vector<int64_t> negative = {4, -1, 0};
  EXPECT_EQ(checked_product(negative, kMax), std::nullopt);
  const std::vector<int64_t> zero_after_huge = {kMax, kMax, 0};
  EXPECT_EQ(checked_product(zero_after_huge, 10), 0);
}

TEST(CheckedMath, ShapeNumelNamesTheTensor) {
  try {
    shape_numel({int64_t{1} << 40, int64_t{1} << 40}, "initializer 'w'");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "initializer 'w': shape [1099511627776,1099511627776] has more than "
                           "2^62 elements");
  }
  EXPECT_THROW(shape_numel({2, -3}, "x"), Error);
  EXPECT_EQ(shape_numel({2, 0, 5}, "x"), 0);
}

}  // namespace
}  // namespace octet
