// Softmax cross-entropy: the loss against hand-computed values, the gradient's definition.
#include "train/cross_entropy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace octet::train {
namespace {

TEST(CrossEntropy, UniformLogitsGiveLogOfClassCount) {
  const std::vector<float> logits(2 * 10, 3.0f);
  const uint8_t labels[2] = {0, 9};
  std::vector<float> grad(2 * 10);
  EXPECT_NEAR(softmax_cross_entropy(2, 10, logits.data(), 10, labels, grad.data(), 10),
              std::log(10.0), 1e-6);
  // (1/10 - onehot) / 2.
  EXPECT_NEAR(grad[0], (0.1 - 1.0) / 2, 1e-7);
  EXPECT_NEAR(grad[1], 0.1 / 2, 1e-7);
  EXPECT_NEAR(grad[19], (0.1 - 1.0) / 2, 1e-7);
}

TEST(CrossEntropy, MatchesTheFormulaAndStaysFiniteForLargeLogits) {
  // Row 0 by hand: log(e^1 + e^2 + e^3) - 2 = 1.40760596. Row 1 would overflow exp() without
  // the max subtraction; its label's logit is 1000 below the max, so its loss is 1000.
  const float logits[2 * 4] = {1, 2, 3, 0, 1000, 0, -1000, 0};
  const uint8_t labels[2] = {1, 1};
  float grad[2 * 4] = {};
  // Row 0 uses 3 classes of its 4 columns (ld 4): pass n_classes 3 for both rows.
  const double loss = softmax_cross_entropy(2, 3, logits, 4, labels, grad, 4);
  EXPECT_NEAR(loss, (1.40760596 + 1000.0) / 2, 1e-4);
  for (float g : grad) EXPECT_TRUE(std::isfinite(g));
  EXPECT_EQ(grad[3], 0.0f) << "columns past n_classes are not written";
  // Each row of the gradient sums to 0 (softmax sums to 1, minus the one-hot).
  EXPECT_NEAR(grad[0] + grad[1] + grad[2], 0.0, 1e-7);
  EXPECT_NEAR(grad[4] + grad[5] + grad[6], 0.0, 1e-7);
  EXPECT_NEAR(grad[5], -0.5, 1e-7);  // softmax ~0 at the label, / m = 2
}

TEST(CrossEntropy, GradientMatchesFiniteDifferences) {
  std::vector<float> logits = {0.3f, -1.2f, 2.0f, 0.7f, 0.0f, 1.1f, -0.4f, 0.9f};
  const uint8_t labels[2] = {2, 0};
  std::vector<float> grad(8);
  softmax_cross_entropy(2, 4, logits.data(), 4, labels, grad.data(), 4);
  std::vector<float> scratch(8);
  for (size_t i = 0; i < logits.size(); ++i) {
    const float saved = logits[i];
    logits[i] = saved + 1e-2f;
    const double up = softmax_cross_entropy(2, 4, logits.data(), 4, labels, scratch.data(), 4);
    logits[i] = saved - 1e-2f;
    const double down = softmax_cross_entropy(2, 4, logits.data(), 4, labels, scratch.data(), 4);
    logits[i] = saved;
    // Float loss, step 1e-2: rounding ~1e-7 / 1e-2 and truncation ~1e-4 / 6.
    EXPECT_NEAR(grad[i], (up - down) / 2e-2, 1e-4) << "logit " << i;
  }
}

}  // namespace
}  // namespace octet::train
