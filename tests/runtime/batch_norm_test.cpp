// BatchNormalization (FP32, inference) through the op registry against the formula in double,
// and the training-mode forms it refuses.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "octet/error.h"
#include "octet/random.h"
#include "runtime/op.h"
#include "test_util.h"

namespace octet {
namespace {

using test::expect_error;
using test::random_uniform;
using test::run_node;

Node bn_node(std::map<std::string, Attribute> attrs = {}) {
  Node node;
  node.name = "bn1";
  node.op_type = "BatchNormalization";
  node.inputs = {"x", "scale", "b", "mean", "var"};
  node.outputs = {"y"};
  node.attrs = std::move(attrs);
  return node;
}

TEST(BatchNormalization, MatchesTheFormulaPerChannel) {
  Rng rng(11);
  for (const Shape& shape :
       {Shape{2, 3, 4, 5}, Shape{4, 6}, Shape{2, 2, 7}, Shape{1, 2, 2, 3, 2}}) {
    const int64_t c = shape[1];
    const Tensor x = random_uniform(shape, rng, -2, 2);
    const Tensor scale = random_uniform({c}, rng, 0.5f, 1.5f);
    const Tensor b = random_uniform({c}, rng, -0.5f, 0.5f);
    const Tensor mean = random_uniform({c}, rng, -0.5f, 0.5f);
    const Tensor var = random_uniform({c}, rng, 0.01f, 2.0f);
    const float eps = 1e-3f;
    const Tensor y = run_node(bn_node({{"epsilon", eps}}), {x, scale, b, mean, var});
    ASSERT_EQ(y.shape(), shape);
    const int64_t plane = x.numel() / (shape[0] * c);
    for (int64_t i = 0; i < x.numel(); ++i) {
      const int64_t ch = (i / plane) % c;
      const double want = (x.data<float>()[i] - static_cast<double>(mean.data<float>()[ch])) /
                              std::sqrt(static_cast<double>(var.data<float>()[ch]) + eps) *
                              scale.data<float>()[ch] +
                          b.data<float>()[ch];
      ASSERT_NEAR(y.data<float>()[i], want, 1e-5 * std::fabs(want) + 1e-6) << "index " << i;
    }
  }
}

TEST(BatchNormalization, RefusesTrainingModeAndBadShapes) {
  Rng rng(12);
  const Tensor x = random_uniform({2, 3, 2, 2}, rng, -1, 1);
  const Tensor p3 = random_uniform({3}, rng, 0.5f, 1), p2 = random_uniform({2}, rng, 0.5f, 1);
  expect_error(
      [&] {
        run_node(bn_node({{"training_mode", int64_t{1}}}), {x, p3, p3, p3, p3});
      },
      "node 'bn1' (BatchNormalization): training_mode = 1 is not supported");
  Node with_stats = bn_node();
  with_stats.outputs = {"y", "running_mean", "running_var"};
  expect_error(
      [&] {
        run_node(with_stats, {x, p3, p3, p3, p3});
      },
      "output 1 ('running_mean') is requested; only Y is supported");
  with_stats.outputs = {"y", "", ""};  // omitted optional outputs are fine
  EXPECT_EQ(run_node(with_stats, {x, p3, p3, p3, p3}).shape(), x.shape());
  expect_error(
      [&] {
        run_node(bn_node(), {x, p3, p3, p2, p3});
      },
      "input 3 (mean) has shape [2], expected [3]");
  expect_error(
      [&] {
        run_node(bn_node(), {x.reshaped({24}), p3, p3, p3, p3});
      },
      "expected [N, C, ...] of rank >= 2");
}

}  // namespace
}  // namespace octet
