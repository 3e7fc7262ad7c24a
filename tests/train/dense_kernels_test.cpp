// The AVX2 dense-layer kernels against their scalar reference, over every tile remainder.
#include "train/dense_kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "octet/random.h"

namespace octet::train {
namespace {

// Random values in [-1, 1) for the first `width` floats of each of `rows` rows of length `ld`;
// the padding is 0 as the kernels' contract requires. Some entries are exactly 0 so the ReLU
// mask meets ties.
std::vector<float> padded_matrix(int64_t rows, int64_t width, int64_t ld, Rng& rng) {
  std::vector<float> m(static_cast<size_t>(rows * ld), 0.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < width; ++c)
      m[r * ld + c] = rng.below(7) == 0 ? 0.0f : rng.uniform(-1.0f, 1.0f);
  return m;
}

// Sums of up to K products of values in [-1, 1] in another order and with FMA: the error is
// a few ulp of K, far below 1e-5 * K.
void expect_near(const std::vector<float>& want, const std::vector<float>& got, int64_t k,
                 const char* what, int64_t m, int64_t n, int64_t kp) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(want[i], got[i], 1e-5 * static_cast<double>(k))
        << what << " index " << i << " m=" << m << " n=" << n << " kp=" << kp;
  }
}

class DenseKernelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (dense_kernels_avx2() == nullptr) GTEST_SKIP() << "CPU lacks AVX2/FMA";
  }
  const DenseKernels& ref_ = dense_kernels_ref();
  const DenseKernels& avx2_ = *dense_kernels_avx2();
};

// m covers the 5-row forward tile and the 2-row input-gradient tile with remainders, n the
// 2- and 4-wide tiles, k 1 to 5 vectors (3- and 4-vector tiles with remainders) and a real
// width shorter than the padded one.
const int64_t kRows[] = {1, 2, 3, 4, 5, 6, 7, 10, 11};
const int64_t kCols[] = {1, 2, 3, 4, 5, 9};
const int64_t kDepths[] = {1, 8, 13, 24, 33, 40, 784};

TEST_F(DenseKernelsTest, ForwardMatchesReference) {
  Rng rng(1);
  for (int64_t m : kRows)
    for (int64_t n : kCols)
      for (int64_t k : kDepths) {
        const int64_t kp = padded(k), ldy = padded(n) + 8;
        const auto x = padded_matrix(m, k, kp, rng);
        const auto w = padded_matrix(n, k, kp, rng);
        const auto b = padded_matrix(1, n, n, rng);
        for (bool relu : {false, true}) {
          std::vector<float> want(static_cast<size_t>(m * ldy), 7.0f), got = want;
          ref_.forward(m, n, kp, x.data(), kp, w.data(), b.data(), relu, want.data(), ldy);
          avx2_.forward(m, n, kp, x.data(), kp, w.data(), b.data(), relu, got.data(), ldy);
          expect_near(want, got, k, "forward", m, n, kp);
        }
      }
}

TEST_F(DenseKernelsTest, GradWeightMatchesReference) {
  Rng rng(2);
  for (int64_t m : kRows)
    for (int64_t n : kCols)
      for (int64_t k : kDepths) {
        const int64_t kp = padded(k), lddy = padded(n);
        const auto dy = padded_matrix(m, n, lddy, rng);
        const auto x = padded_matrix(m, k, kp, rng);
        std::vector<float> dw_want(static_cast<size_t>(n * kp), 7.0f), dw_got = dw_want;
        std::vector<float> db_want(static_cast<size_t>(n), 7.0f), db_got = db_want;
        ref_.grad_weight(m, n, kp, dy.data(), lddy, x.data(), kp, dw_want.data(), db_want.data());
        avx2_.grad_weight(m, n, kp, dy.data(), lddy, x.data(), kp, dw_got.data(), db_got.data());
        expect_near(dw_want, dw_got, m, "dw", m, n, kp);
        EXPECT_EQ(db_want, db_got) << "the bias gradient sums in the reference's order";
      }
}

TEST_F(DenseKernelsTest, GradInputMatchesReference) {
  Rng rng(3);
  for (int64_t m : kRows)
    for (int64_t n : kCols)
      for (int64_t k : kDepths) {
        const int64_t kp = padded(k), lddy = padded(n);
        const auto dy = padded_matrix(m, n, lddy, rng);
        const auto w = padded_matrix(n, k, kp, rng);
        const auto a = padded_matrix(m, k, kp, rng);
        std::vector<float> want(static_cast<size_t>(m * kp), 7.0f), got = want;
        ref_.grad_input(m, n, kp, dy.data(), lddy, w.data(), a.data(), kp, want.data(), kp);
        avx2_.grad_input(m, n, kp, dy.data(), lddy, w.data(), a.data(), kp, got.data(), kp);
        expect_near(want, got, n, "dx", m, n, kp);
        for (size_t i = 0; i < got.size(); ++i) {
          if (!(a[i] > 0.0f)) {
            ASSERT_EQ(got[i], 0.0f) << "ReLU mask at " << i;
          }
        }
      }
}

TEST(DenseKernels, ReferenceForwardIsTheFormula) {
  // 2 x 3 inputs (padded to 8), 2 outputs: hand-checkable numbers.
  std::vector<float> x(16, 0.0f), w(16, 0.0f), y(16, 7.0f);
  const float xs[2][3] = {{1, 2, 3}, {-1, 0.5f, 2}};
  const float ws[2][3] = {{0.5f, -1, 2}, {1, 1, -1}};
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 3; ++k) {
      x[i * 8 + k] = xs[i][k];
      w[i * 8 + k] = ws[i][k];
    }
  const float b[2] = {0.25f, -10.0f};
  dense_kernels_ref().forward(2, 2, 8, x.data(), 8, w.data(), b, true, y.data(), 8);
  EXPECT_EQ(y[0], 0.5f - 2 + 6 + 0.25f);      // 4.75
  EXPECT_EQ(y[1], 0.0f);                      // 1 + 2 - 3 - 10 < 0: ReLU
  EXPECT_EQ(y[8], -0.5f - 0.5f + 4 + 0.25f);  // 3.25
  EXPECT_EQ(y[9], 0.0f);
  EXPECT_EQ(y[2], 7.0f) << "columns past n are not written";
}

}  // namespace
}  // namespace octet::train
