// fold_batch_norm: the folded graph computes what the unfolded one did (1e-5 relative), the
// folded weights are W * f rounded once from double, and the patterns it must leave alone.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "octet/passes.h"
#include "octet/random.h"
#include "octet/runtime.h"
#include "test_util.h"

namespace octet {
namespace {

using test::random_uniform;

using test::make_node;

// Adds bn `name` over `channels` channels reading `in`, writing `out`, with random statistics.
void add_bn(Graph& g, const std::string& name, const std::string& in, const std::string& out,
            int64_t channels, Rng& rng) {
  g.initializers[name + ".weight"] = random_uniform({channels}, rng, 0.5f, 1.5f);
  g.initializers[name + ".bias"] = random_uniform({channels}, rng, -0.5f, 0.5f);
  g.initializers[name + ".running_mean"] = random_uniform({channels}, rng, -0.5f, 0.5f);
  g.initializers[name + ".running_var"] = random_uniform({channels}, rng, 0.05f, 2.0f);
  g.nodes.push_back(make_node(
      name, "BatchNormalization",
      {in, name + ".weight", name + ".bias", name + ".running_mean", name + ".running_var"}, {out},
      {{"epsilon", 1e-3f}, {"momentum", 0.9f}}));
}

// x [2, 3, 7, 6] -> conv1 (3x3, pad 1, 4 outputs) -> bn1 -> relu -> y.
Graph conv_bn_graph(bool conv_bias, int64_t group = 1) {
  Rng rng(21);
  Graph g;
  const int64_t c = 4, m = 4;
  g.inputs.push_back({"x", DType::kF32, {2, c, 7, 6}, {"", "", "", ""}});
  g.outputs.push_back({"y", DType::kF32, {2, m, 7, 6}, {"", "", "", ""}});
  g.initializers["conv1.weight"] = random_uniform({m, c / group, 3, 3}, rng, -1, 1);
  std::vector<std::string> conv_inputs = {"x", "conv1.weight"};
  if (conv_bias) {
    g.initializers["conv1.bias"] = random_uniform({m}, rng, -1, 1);
    conv_inputs.push_back("conv1.bias");
  }
  g.nodes.push_back(make_node("conv1", "Conv", conv_inputs, {"conv1_out"},
                              {{"pads", std::vector<int64_t>{1, 1, 1, 1}}, {"group", group}}));
  add_bn(g, "bn1", "conv1_out", "bn1_out", m, rng);
  g.nodes.push_back(make_node("relu", "Relu", {"bn1_out"}, {"y"}));
  return g;
}

// Runs `graph` on a fixed random input named `input` of shape `shape`.
Tensor run(const Graph& graph, const Shape& shape, const std::string& input = "x") {
  Rng rng(99);
  return Session(graph).run({{input, random_uniform(shape, rng, -1, 1)}}).at(0);
}

void expect_close(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < want.numel(); ++i) {
    const float w = want.data<float>()[i];
    // Folding rounds W * f once instead of the BN rounding its output: a few ulp per term.
    ASSERT_NEAR(got.data<float>()[i], w, 1e-5 * std::fabs(w) + 1e-6) << "index " << i;
  }
}

size_t count_op(const Graph& g, const std::string& op_type) {
  size_t n = 0;
  for (const Node& node : g.nodes) n += node.op_type == op_type ? 1 : 0;
  return n;
}

TEST(FoldBatchNorm, ConvWithBiasGivesTheSameOutputs) {
  const Graph original = conv_bn_graph(true);
  const Tensor want = run(original, {2, 4, 7, 6});
  Graph folded = original;
  EXPECT_EQ(fold_batch_norm(folded), 1);
  EXPECT_EQ(count_op(folded, "BatchNormalization"), 0u);
  ASSERT_EQ(folded.nodes.size(), 2u);
  EXPECT_EQ(folded.nodes[0].outputs, (std::vector<std::string>{"bn1_out"}));
  EXPECT_EQ(folded.nodes[0].inputs, (std::vector<std::string>{"x", "conv1.weight", "conv1.bias"}));
  for (const char* gone : {"bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"})
    EXPECT_EQ(folded.initializer(gone), nullptr) << gone;
  expect_close(run(folded, {2, 4, 7, 6}), want);
  // The original graph's tensors are untouched (they share storage with the copy).
  EXPECT_EQ(original.initializer("conv1.weight")->data<float>()[0],
            conv_bn_graph(true).initializer("conv1.weight")->data<float>()[0]);
}

TEST(FoldBatchNorm, WeightsAreRoundedOnceFromDouble) {
  const Graph original = conv_bn_graph(true);
  Graph folded = original;
  ASSERT_EQ(fold_batch_norm(folded), 1);
  const Tensor& w = *original.initializer("conv1.weight");
  const Tensor& b = *original.initializer("conv1.bias");
  const float* gamma = original.initializer("bn1.weight")->data<float>();
  const float* beta = original.initializer("bn1.bias")->data<float>();
  const float* mean = original.initializer("bn1.running_mean")->data<float>();
  const float* var = original.initializer("bn1.running_var")->data<float>();
  const double eps = 1e-3f;
  const float* w_folded = folded.initializer("conv1.weight")->data<float>();
  const float* b_folded = folded.initializer("conv1.bias")->data<float>();
  const int64_t per_channel = w.numel() / w.dim(0);
  for (int64_t m = 0; m < w.dim(0); ++m) {
    const double f = gamma[m] / std::sqrt(static_cast<double>(var[m]) + eps);
    for (int64_t i = 0; i < per_channel; ++i)
      EXPECT_EQ(w_folded[m * per_channel + i],
                static_cast<float>(w.data<float>()[m * per_channel + i] * f));
    EXPECT_EQ(b_folded[m], static_cast<float>((b.data<float>()[m] - mean[m]) * f + beta[m]));
  }
}

TEST(FoldBatchNorm, ConvWithoutBiasGetsOne) {
  const Graph original = conv_bn_graph(false);
  Graph folded = original;
  EXPECT_EQ(fold_batch_norm(folded), 1);
  EXPECT_EQ(folded.nodes[0].inputs, (std::vector<std::string>{"x", "conv1.weight", "conv1.bias"}));
  ASSERT_NE(folded.initializer("conv1.bias"), nullptr);
  EXPECT_EQ(folded.initializer("conv1.bias")->shape(), (Shape{4}));
  expect_close(run(folded, {2, 4, 7, 6}), run(original, {2, 4, 7, 6}));
}

TEST(FoldBatchNorm, DepthwiseAndGroupedConv) {
  for (int64_t group : {2, 4}) {
    const Graph original = conv_bn_graph(true, group);
    Graph folded = original;
    EXPECT_EQ(fold_batch_norm(folded), 1) << "group " << group;
    expect_close(run(folded, {2, 4, 7, 6}), run(original, {2, 4, 7, 6}));
  }
}

// x [3, 5] -> Gemm (B [6, 5] with transB, or [5, 6] without) -> bn -> y [3, 6].
Graph gemm_bn_graph(bool trans_b, bool bias_2d) {
  Rng rng(31);
  Graph g;
  g.inputs.push_back({"x", DType::kF32, {3, 5}, {"", ""}});
  g.outputs.push_back({"y", DType::kF32, {3, 6}, {"", ""}});
  g.initializers["fc.weight"] = random_uniform(trans_b ? Shape{6, 5} : Shape{5, 6}, rng, -1, 1);
  g.initializers["fc.bias"] = random_uniform(bias_2d ? Shape{1, 6} : Shape{6}, rng, -1, 1);
  g.nodes.push_back(make_node("fc", "Gemm", {"x", "fc.weight", "fc.bias"}, {"fc_out"},
                              {{"transB", int64_t{trans_b ? 1 : 0}}, {"alpha", 0.5f}}));
  add_bn(g, "bn", "fc_out", "y", 6, rng);
  return g;
}

TEST(FoldBatchNorm, GemmWithAndWithoutTransB) {
  for (bool trans_b : {true, false})
    for (bool bias_2d : {false, true}) {
      SCOPED_TRACE(fmt::format("transB {} bias {}", trans_b, bias_2d ? "[1, N]" : "[N]"));
      const Graph original = gemm_bn_graph(trans_b, bias_2d);
      Graph folded = original;
      EXPECT_EQ(fold_batch_norm(folded), 1);
      ASSERT_EQ(folded.nodes.size(), 1u);
      EXPECT_EQ(folded.nodes[0].outputs[0], "y");
      expect_close(run(folded, {3, 5}), run(original, {3, 5}));
    }
}

TEST(FoldBatchNorm, SharedWeightsGetAFreshName) {
  // conv1 and conv2 share conv1.weight; only conv1 is followed by a BN.
  Graph g = conv_bn_graph(true);
  g.nodes.push_back(make_node("conv2", "Conv", {"y", "conv1.weight"}, {"y2"},
                              {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  g.outputs = {{"y2", DType::kF32, {2, 4, 7, 6}, {"", "", "", ""}}};
  const Tensor want = run(g, {2, 4, 7, 6});
  Graph folded = g;
  EXPECT_EQ(fold_batch_norm(folded), 1);
  EXPECT_EQ(folded.nodes[0].inputs[1], "conv1.weight_bnfolded");
  EXPECT_EQ(folded.nodes[2].inputs[1], "conv1.weight");
  EXPECT_EQ(folded.initializer("conv1.weight")->data<float>(),
            g.initializer("conv1.weight")->data<float>());
  expect_close(run(folded, {2, 4, 7, 6}), want);
}

TEST(FoldBatchNorm, LeavesOtherPatternsAlone) {
  Rng rng(41);
  {  // BN after a Relu: runs as the op.
    Graph g = conv_bn_graph(true);
    g.nodes[1].inputs[0] = "relu_out";
    g.nodes[2] = make_node("relu", "Relu", {"conv1_out"}, {"relu_out"});
    std::swap(g.nodes[1], g.nodes[2]);
    g.nodes.push_back(make_node("id", "Identity", {"bn1_out"}, {"y"}));
    Graph copy = g;
    EXPECT_EQ(fold_batch_norm(copy), 0);
    EXPECT_EQ(copy.nodes.size(), g.nodes.size());
    expect_close(run(copy, {2, 4, 7, 6}), run(g, {2, 4, 7, 6}));
  }
  {  // The Conv output has a second reader.
    Graph g = conv_bn_graph(true);
    g.nodes.push_back(make_node("peek", "Relu", {"conv1_out"}, {"peek_out"}));
    g.outputs.push_back({"peek_out", DType::kF32, {2, 4, 7, 6}, {"", "", "", ""}});
    EXPECT_EQ(fold_batch_norm(g), 0);
  }
  {  // The Conv output is a graph output.
    Graph g = conv_bn_graph(true);
    g.outputs.push_back({"conv1_out", DType::kF32, {2, 4, 7, 6}, {"", "", "", ""}});
    EXPECT_EQ(fold_batch_norm(g), 0);
  }
  {  // The weights are a graph input, not an initializer.
    Graph g = conv_bn_graph(true);
    g.initializers.erase("conv1.weight");
    g.inputs.push_back({"conv1.weight", DType::kF32, {4, 4, 3, 3}, {"", "", "", ""}});
    EXPECT_EQ(fold_batch_norm(g), 0);
  }
  {  // Training mode, or BN statistics that do not match the output channels.
    Graph g = conv_bn_graph(true);
    g.nodes[1].attrs["training_mode"] = int64_t{1};
    EXPECT_EQ(fold_batch_norm(g), 0);
    Graph h = conv_bn_graph(true);
    h.initializers["bn1.running_var"] = random_uniform({3}, rng, 0.5f, 1);
    EXPECT_EQ(fold_batch_norm(h), 0);
  }
  {  // Gemm with beta != 1.
    Graph g = gemm_bn_graph(true, false);
    g.nodes[0].attrs["beta"] = 2.0f;
    EXPECT_EQ(fold_batch_norm(g), 0);
  }
}

TEST(FoldBatchNorm, FoldsAChainOfConvBnPairs) {
  Graph g = conv_bn_graph(true);
  Rng rng(51);
  g.nodes.back().outputs = {"relu_out"};
  g.initializers["conv2.weight"] = random_uniform({4, 4, 1, 1}, rng, -1, 1);
  g.nodes.push_back(make_node("conv2", "Conv", {"relu_out", "conv2.weight"}, {"conv2_out"}));
  add_bn(g, "bn2", "conv2_out", "y", 4, rng);
  const Tensor want = run(g, {2, 4, 7, 6});
  EXPECT_EQ(fold_batch_norm(g), 2);
  EXPECT_EQ(count_op(g, "BatchNormalization"), 0u);
  expect_close(run(g, {2, 4, 7, 6}), want);
}

}  // namespace
}  // namespace octet
