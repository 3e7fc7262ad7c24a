// The weightless QDQ patterns between layers (Add, MaxPool, AveragePool, GlobalAveragePool,
// Concat, Flatten, Reshape) and the depthwise Conv run as fused integer ops, and compute what the
// QDQ graph means in float: each case runs once fused and once with the op's float output
// exposed as a graph output, which keeps the pattern from fusing (the float value has a second
// reader), so the same Q then quantizes the float op's result.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "octet/random.h"
#include "octet/runtime.h"
#include "test_util.h"

namespace octet {
namespace {

using test::make_node;

// Q (or DQ) `in` -> `out` with per-tensor uint8 parameters named after `base`.
void add_qdq(Graph& g, const std::string& op, const std::string& base, const std::string& in,
             const std::string& out, float scale, int zero_point) {
  g.initializers[base + "_s"] = Tensor::from<float>({}, std::vector<float>{scale});
  g.initializers[base + "_z"] = Tensor::from<uint8_t>({}, std::vector<uint8_t>{static_cast<uint8_t>(zero_point)});
  g.nodes.push_back(make_node("", op, {in, base + "_s", base + "_z"}, {out}));
}

// Graph input `x` (float, `shape`), quantized and dequantized: the op reads `x`_dq.
void quantized_input(Graph& g, const std::string& x, Shape shape, float scale, int zero_point) {
  g.inputs.push_back({x, DType::kF32, shape, std::vector<std::string>(shape.size())});
  add_qdq(g, "QuantizeLinear", x, x, x + "_q", scale, zero_point);
  add_qdq(g, "DequantizeLinear", x, x + "_q", x + "_dq", scale, zero_point);
}

// y (float) -> Q -> y_q -> DQ -> graph output "out".
void quantized_output(Graph& g, const std::string& y, float scale, int zero_point) {
  add_qdq(g, "QuantizeLinear", "y", y, "y_q", scale, zero_point);
  add_qdq(g, "DequantizeLinear", "y", "y_q", "out", scale, zero_point);
  g.outputs.push_back({"out", DType::kF32, {}, {}});
}

Tensor random_input(const Shape& shape, Rng& rng, float lo, float hi) {
  Tensor t(DType::kF32, shape);
  for (float& v : t.values<float>()) v = rng.uniform(lo, hi);
  return t;
}

// Runs `g` fused (the node `op` must run int8) and unfused (the float value `op_output` made a
// graph output, a second reader that keeps the pattern apart: `op` runs fp32); the uint8 outputs y_q may differ by one step where the float
// result lies within rounding of a tie, in at most `max_fraction` of the elements.
void expect_fused_matches_float(const Graph& g, const std::string& op, const std::string& op_output,
                                const std::map<std::string, Tensor>& feeds,
                                double max_fraction = 0.02) {
  const Session fused(g);
  ASSERT_EQ(fused.node_precision().at(op), "int8") << op;
  Graph twin = g;
  twin.outputs.push_back({op_output, DType::kF32, {}, {}});
  const Session unfused(twin);
  ASSERT_EQ(unfused.node_precision().at(op), "fp32") << op;
  const Tensor a = fused.run(feeds, {"y_q"}).at(0), b = unfused.run(feeds, {"y_q"}).at(0);
  ASSERT_EQ(a.dtype(), DType::kU8);
  ASSERT_EQ(a.shape(), b.shape());
  int64_t differ = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const int d = std::abs(int(a.data<uint8_t>()[i]) - int(b.data<uint8_t>()[i]));
    ASSERT_LE(d, 1) << op << " element " << i;
    differ += d != 0;
  }
  EXPECT_LE(static_cast<double>(differ), max_fraction * static_cast<double>(a.numel())) << op;
}

TEST(QdqFusion, ResidualAddWithReluRequantizesBothInputs) {
  Rng rng(1);
  Graph g;
  quantized_input(g, "a", {2, 3, 4, 5}, 0.0517f, 120);
  quantized_input(g, "b", {2, 3, 4, 5}, 0.0291f, 10);
  g.nodes.push_back(make_node("add", "Add", {"a_dq", "b_dq"}, {"s"}));
  g.nodes.push_back(make_node("relu", "Relu", {"s"}, {"r"}));
  quantized_output(g, "r", 0.0433f, 30);
  expect_fused_matches_float(g, "add", "s",
                             {{"a", random_input({2, 3, 4, 5}, rng, -6, 6)},
                              {"b", random_input({2, 3, 4, 5}, rng, -0.3f, 7)}});
}

TEST(QdqFusion, BroadcastAdd) {
  Rng rng(2);
  Graph g;
  quantized_input(g, "a", {2, 3, 4, 5}, 0.0517f, 128);
  quantized_input(g, "b", {1, 3, 1, 1}, 0.0213f, 100);
  g.nodes.push_back(make_node("add", "Add", {"a_dq", "b_dq"}, {"s"}));
  quantized_output(g, "s", 0.0619f, 140);
  expect_fused_matches_float(g, "add", "s",
                             {{"a", random_input({2, 3, 4, 5}, rng, -6, 6)},
                              {"b", random_input({1, 3, 1, 1}, rng, -2, 3)}});
}

TEST(QdqFusion, MaxPoolWithSharedQParamsIsExact) {
  Rng rng(3);
  Graph g;
  quantized_input(g, "x", {1, 4, 9, 9}, 0.05f, 128);
  g.nodes.push_back(make_node("pool", "MaxPool", {"x_dq"}, {"p"},
                              {{"kernel_shape", std::vector<int64_t>{3, 3}},
                               {"strides", std::vector<int64_t>{2, 2}},
                               {"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  quantized_output(g, "p", 0.05f, 128);
  expect_fused_matches_float(g, "pool", "p", {{"x", random_input({1, 4, 9, 9}, rng, -6, 6)}},
                             0.0);
}

TEST(QdqFusion, MaxPoolWithOtherOutputQParamsStaysFloat) {
  Graph g;
  quantized_input(g, "x", {1, 2, 4, 4}, 0.05f, 128);
  g.nodes.push_back(make_node("pool", "MaxPool", {"x_dq"}, {"p"},
                              {{"kernel_shape", std::vector<int64_t>{2, 2}}}));
  quantized_output(g, "p", 0.04f, 128);
  EXPECT_EQ(Session(g).node_precision().at("pool"), "fp32");
}

TEST(QdqFusion, AveragePoolRoundsLikeTheFloatGraph) {
  for (int64_t include_pad : {0, 1}) {
    Rng rng(4);
    Graph g;
    quantized_input(g, "x", {2, 3, 7, 8}, 0.0517f, 128);
    g.nodes.push_back(make_node("pool", "AveragePool", {"x_dq"}, {"p"},
                                {{"kernel_shape", std::vector<int64_t>{3, 3}},
                                 {"strides", std::vector<int64_t>{2, 2}},
                                 {"pads", std::vector<int64_t>{1, 1, 1, 1}},
                                 {"count_include_pad", include_pad}}));
    quantized_output(g, "p", 0.0213f, 120);
    expect_fused_matches_float(g, "pool", "p", {{"x", random_input({2, 3, 7, 8}, rng, -5, 5)}});
  }
}

TEST(QdqFusion, GlobalAveragePool) {
  Rng rng(5);
  Graph g;
  quantized_input(g, "x", {2, 16, 7, 7}, 0.0517f, 0);
  g.nodes.push_back(make_node("gap", "GlobalAveragePool", {"x_dq"}, {"p"}));
  quantized_output(g, "p", 0.00413f, 0);
  expect_fused_matches_float(g, "gap", "p", {{"x", random_input({2, 16, 7, 7}, rng, 0, 12)}});
}

TEST(QdqFusion, ConcatRequantizesEachInputToTheOutputScale) {
  Rng rng(6);
  Graph g;
  quantized_input(g, "a", {2, 3, 4, 4}, 0.05f, 128);
  quantized_input(g, "b", {2, 5, 4, 4}, 0.02f, 0);
  quantized_input(g, "c", {2, 1, 4, 4}, 0.06f, 140);
  g.nodes.push_back(make_node("cat", "Concat", {"a_dq", "b_dq", "c_dq"}, {"k"},
                              {{"axis", int64_t{1}}}));
  quantized_output(g, "k", 0.06f, 140);  // c already has the output's qparams: copied
  expect_fused_matches_float(g, "cat", "k",
                             {{"a", random_input({2, 3, 4, 4}, rng, -6, 6)},
                              {"b", random_input({2, 5, 4, 4}, rng, 0, 5)},
                              {"c", random_input({2, 1, 4, 4}, rng, -8, 7)}});
}

TEST(QdqFusion, FlattenAndReshapeAreViewsOfTheUint8Tensor) {
  Rng rng(7);
  Graph g;
  quantized_input(g, "x", {2, 3, 2, 2}, 0.05f, 128);
  g.nodes.push_back(make_node("flat", "Flatten", {"x_dq"}, {"f"}));
  add_qdq(g, "QuantizeLinear", "f", "f", "f_q", 0.05f, 128);
  add_qdq(g, "DequantizeLinear", "f", "f_q", "f_dq", 0.05f, 128);
  g.initializers["shape"] = Tensor::from<int64_t>({2}, std::vector<int64_t>{4, -1});
  g.nodes.push_back(make_node("reshape", "Reshape", {"f_dq", "shape"}, {"r"}));
  quantized_output(g, "r", 0.05f, 128);
  const Session s(g);
  EXPECT_EQ(s.node_precision().at("flat"), "int8");
  EXPECT_EQ(s.node_precision().at("reshape"), "int8");
  const Tensor x = random_input({2, 3, 2, 2}, rng, -6, 6);
  const auto values = s.run({{"x", x}}, {"x_q", "y_q"});
  ASSERT_EQ(values[1].shape(), (Shape{4, 6}));
  ASSERT_EQ(values[1].dtype(), DType::kU8);
  for (int64_t i = 0; i < 24; ++i)
    EXPECT_EQ(values[1].data<uint8_t>()[i], values[0].data<uint8_t>()[i]) << i;
  expect_fused_matches_float(g, "reshape", "r", {{"x", x}}, 0.0);
}

TEST(QdqFusion, DepthwiseConvWithRelu6) {
  Rng rng(8);
  const int64_t c = 6;
  Graph g;
  quantized_input(g, "x", {2, c, 9, 8}, 0.04f, 100);
  // int8 per-channel weights [C, 1, 3, 3] and an int32 bias at s_x * s_w[c].
  Tensor w(DType::kI8, {c, 1, 3, 3});
  for (int8_t& v : w.values<int8_t>()) v = static_cast<int8_t>(int(rng.below(255)) - 127);
  std::vector<float> s_w(c), s_b(c);
  Tensor b(DType::kI32, {c});
  for (int64_t i = 0; i < c; ++i) {
    s_w[i] = 0.002f + 0.004f * rng.uniform();
    s_b[i] = 0.04f * s_w[i];
    b.data<int32_t>()[i] = static_cast<int32_t>(rng.below(2001)) - 1000;
  }
  g.initializers["w_q"] = w;
  g.initializers["w_s"] = Tensor::from<float>({c}, s_w);
  g.initializers["b_q"] = b;
  g.initializers["b_s"] = Tensor::from<float>({c}, s_b);
  g.nodes.push_back(make_node("", "DequantizeLinear", {"w_q", "w_s"}, {"w_dq"}, {{"axis", int64_t{0}}}));
  g.nodes.push_back(make_node("", "DequantizeLinear", {"b_q", "b_s"}, {"b_dq"}, {{"axis", int64_t{0}}}));
  g.nodes.push_back(make_node("dw", "Conv", {"x_dq", "w_dq", "b_dq"}, {"h"},
                              {{"group", c},
                               {"kernel_shape", std::vector<int64_t>{3, 3}},
                               {"strides", std::vector<int64_t>{2, 1}},
                               {"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  g.initializers["lo"] = Tensor::from<float>({}, std::vector<float>{0.0f});
  g.initializers["hi"] = Tensor::from<float>({}, std::vector<float>{6.0f});
  g.nodes.push_back(make_node("relu6", "Clip", {"h", "lo", "hi"}, {"r"}));
  quantized_output(g, "r", 0.02f, 10);
  expect_fused_matches_float(g, "dw", "w_dq", {{"x", random_input({2, c, 9, 8}, rng, -4, 6)}});
}

// x -> Q -> one DequantizeLinear "x_dq" read by two 1x1 Convs, each -> Q -> DQ -> outputs
// "out_a", "out_b": a residual block's branch point.
Graph two_convs_sharing_a_dequantize() {
  Rng rng(12);
  Graph g;
  quantized_input(g, "x", {1, 4, 3, 3}, 0.05f, 120);
  for (const char* branch : {"a", "b"}) {
    const std::string p = branch;
    Tensor w(DType::kI8, {2, 4, 1, 1});
    for (int8_t& v : w.values<int8_t>()) v = static_cast<int8_t>(int(rng.below(255)) - 127);
    g.initializers["w" + p] = w;
    g.initializers["sw" + p] = Tensor::from<float>({}, std::vector<float>{0.01f});
    g.nodes.push_back(make_node("", "DequantizeLinear", {"w" + p, "sw" + p}, {"wd" + p}));
    g.nodes.push_back(make_node("conv_" + p, "Conv", {"x_dq", "wd" + p}, {"c" + p},
                                {{"kernel_shape", std::vector<int64_t>{1, 1}}}));
    add_qdq(g, "QuantizeLinear", "c" + p, "c" + p, "c" + p + "_q", 0.02f, 128);
    add_qdq(g, "DequantizeLinear", "c" + p, "c" + p + "_q", "out_" + p, 0.02f, 128);
    g.outputs.push_back({"out_" + p, DType::kF32, {}, {}});
  }
  return g;
}

std::string dequantize_node_name(const Graph& g, const std::string& output) {
  for (const Node& n : g.nodes)
    if (n.outputs[0] == output) return n.name;
  return "";
}

TEST(QdqFusion, ADequantizeReadOnlyByFusedOpsDoesNotRun) {
  Graph g = two_convs_sharing_a_dequantize();
  Rng rng(13);
  const Tensor x = random_input({1, 4, 3, 3}, rng, -3, 3);
  const Session s(g);
  EXPECT_EQ(s.node_precision().at("conv_a"), "int8");
  EXPECT_EQ(s.node_precision().at("conv_b"), "int8");
  std::vector<std::string> seen;
  const ValueHook hook = [&](const std::string& name, const Tensor&) { seen.push_back(name); };
  const auto outs = s.run({{"x", x}}, {}, &hook);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "x_dq"), 0) << "the shared DQ ran";
  EXPECT_EQ(s.node_precision().at(dequantize_node_name(s.graph(), "x_dq")), "int8");
  // The same graph with the float value kept alive by a graph output: the DQ runs, and the
  // fused Convs' outputs do not change.
  Graph kept = g;
  kept.outputs.push_back({"x_dq", DType::kF32, {}, {}});
  const Session s_kept(kept);
  EXPECT_EQ(s_kept.node_precision().at("conv_a"), "int8");
  const auto outs_kept = s_kept.run({{"x", x}});
  ASSERT_EQ(outs_kept.size(), 3u);
  for (size_t i = 0; i < 2; ++i)
    EXPECT_EQ(std::memcmp(outs[i].raw(), outs_kept[i].raw(), outs[i].nbytes()), 0) << i;
  // x_dq = DQ(Q(x)): within half a step (0.05 / 2) of x, which lies inside the grid's range.
  ASSERT_EQ(outs_kept[2].dtype(), DType::kF32);
  ASSERT_EQ(outs_kept[2].numel(), x.numel()) << "x_dq was not computed";
  for (int64_t i = 0; i < x.numel(); ++i)
    EXPECT_NEAR(outs_kept[2].data<float>()[i], x.data<float>()[i], 0.0251f) << i;
}

TEST(QdqFusion, ADequantizeWithAFloatReaderStillRuns) {
  Graph g = two_convs_sharing_a_dequantize();
  g.nodes.push_back(make_node("sig", "Sigmoid", {"x_dq"}, {"sig"}));
  g.outputs.push_back({"sig", DType::kF32, {}, {}});
  const Session s(g);
  EXPECT_EQ(s.node_precision().at("conv_a"), "int8");
  EXPECT_EQ(s.node_precision().at(dequantize_node_name(s.graph(), "x_dq")), "fp32");
  Rng rng(14);
  const Tensor x = random_input({1, 4, 3, 3}, rng, -3, 3);
  const Tensor sig = s.run({{"x", x}}, {"sig"}).at(0);
  const Tensor dq = s.run({{"x", x}}, {"x_dq"}).at(0);
  for (int64_t i = 0; i < sig.numel(); ++i)
    EXPECT_FLOAT_EQ(sig.data<float>()[i], 1.0f / (1.0f + std::exp(-dq.data<float>()[i])));
}

}  // namespace
}  // namespace octet
