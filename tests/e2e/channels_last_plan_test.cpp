// The channels-last plan (SessionOptions::channels_last): a quantized residual CNN keeps its
// uint8 activations [N, H, W, C] from the first Conv to the global pool, and computes exactly
// what the all-NCHW plan computes: the same outputs, the same values (in ONNX's layout) seen by
// a hook and by fetch, for batch 1 and 3. Where a uint8 value has a reader that needs ONNX's
// layout (here a float op), that value stays NCHW. The same holds for a depthwise block split
// over threads and for 1-D convs ([N, L, C]).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "octet/quantize.h"
#include "octet/random.h"
#include "octet/runtime.h"
#include "test_util.h"

namespace octet {
namespace {

using test::make_node;
using test::random_normal;

std::map<std::string, Attribute> conv_attrs(int64_t k, int64_t pad, int64_t stride) {
  return {{"kernel_shape", std::vector<int64_t>{k, k}},
          {"pads", std::vector<int64_t>{pad, pad, pad, pad}},
          {"strides", std::vector<int64_t>{stride, stride}}};
}

// x [N,3,16,16] -> stem 3x3/2 + relu -> MaxPool 3x3/2 -> block (conv+relu, conv, Add + relu)
// -> downsample block (3x3/2 conv+relu, depthwise 3x3 + ReLU6, conv; 1x1/2 shortcut; Add +
// relu) -> GlobalAveragePool -> Flatten -> Gemm: resnet18's op pattern in small, with
// mobilenet's depthwise conv.
Graph make_residual_net() {
  Rng rng(5);
  Graph g;
  g.name = "residual_net";
  g.inputs.push_back({"x", DType::kF32, {-1, 3, 16, 16}, {"N", "", "", ""}});
  g.outputs.push_back({"y", DType::kF32, {-1, 4}, {"N", ""}});
  const auto weights = [&](const std::string& name, Shape shape, float stddev) {
    g.initializers[name] = random_normal(std::move(shape), rng, stddev);
  };
  weights("w0", {8, 3, 3, 3}, 0.3f), weights("b0", {8}, 0.1f);
  weights("w1", {8, 8, 3, 3}, 0.15f), weights("b1", {8}, 0.1f);
  weights("w2", {8, 8, 3, 3}, 0.15f), weights("b2", {8}, 0.1f);
  weights("w3", {16, 8, 3, 3}, 0.15f), weights("b3", {16}, 0.1f);
  weights("wd", {16, 1, 3, 3}, 0.4f), weights("bd", {16}, 0.1f);
  weights("w4", {16, 16, 3, 3}, 0.1f), weights("b4", {16}, 0.1f);
  g.initializers["lo"] = Tensor::from<float>({}, std::vector<float>{0.0f});
  g.initializers["hi"] = Tensor::from<float>({}, std::vector<float>{6.0f});
  weights("ws", {16, 8, 1, 1}, 0.3f), weights("bs", {16}, 0.1f);
  weights("wf", {4, 16}, 0.5f), weights("bf", {4}, 0.1f);
  auto dw_attrs = conv_attrs(3, 1, 1);
  dw_attrs["group"] = int64_t{16};
  g.nodes = {
      make_node("stem", "Conv", {"x", "w0", "b0"}, {"c0"}, conv_attrs(3, 1, 2)),
      make_node("stem_relu", "Relu", {"c0"}, {"r0"}),
      make_node("pool", "MaxPool", {"r0"}, {"p"},
                {{"kernel_shape", std::vector<int64_t>{3, 3}},
                 {"pads", std::vector<int64_t>{1, 1, 1, 1}},
                 {"strides", std::vector<int64_t>{2, 2}}}),
      make_node("conv1", "Conv", {"p", "w1", "b1"}, {"c1"}, conv_attrs(3, 1, 1)),
      make_node("relu1", "Relu", {"c1"}, {"r1"}),
      make_node("conv2", "Conv", {"r1", "w2", "b2"}, {"c2"}, conv_attrs(3, 1, 1)),
      make_node("add1", "Add", {"c2", "p"}, {"s1"}),
      make_node("relu2", "Relu", {"s1"}, {"r2"}),
      make_node("conv3", "Conv", {"r2", "w3", "b3"}, {"c3"}, conv_attrs(3, 1, 2)),
      make_node("relu3", "Relu", {"c3"}, {"r3"}),
      make_node("dwconv", "Conv", {"r3", "wd", "bd"}, {"cd"}, dw_attrs),
      make_node("relu6", "Clip", {"cd", "lo", "hi"}, {"rd"}),
      make_node("conv4", "Conv", {"rd", "w4", "b4"}, {"c4"}, conv_attrs(3, 1, 1)),
      make_node("shortcut", "Conv", {"r2", "ws", "bs"}, {"cs"}, conv_attrs(1, 0, 2)),
      make_node("add2", "Add", {"c4", "cs"}, {"s2"}),
      make_node("relu4", "Relu", {"s2"}, {"r4"}),
      make_node("gap", "GlobalAveragePool", {"r4"}, {"gv"}),
      make_node("flatten", "Flatten", {"gv"}, {"f"}),
      make_node("fc", "Gemm", {"f", "wf", "bf"}, {"y"}, {{"transB", int64_t{1}}}),
  };
  return g;
}

Graph quantized_residual_net() {
  const Graph fp32 = make_residual_net();
  Rng rng(433);
  Calibrator calib(fp32, QuantizeConfig::preset_named("recommended"));
  for (int i = 0; i < 2; ++i) calib.observe(random_normal({8, 3, 16, 16}, rng, 1.0f));
  return calib.convert().graph;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

// Every value a run computes, as the hook sees it.
std::map<std::string, Tensor> hooked_values(const Session& s, const Tensor& x) {
  std::map<std::string, Tensor> seen;
  const ValueHook hook = [&](const std::string& name, const Tensor& t) { seen[name] = t; };
  s.run({{s.graph().inputs[0].name, x}}, {}, &hook);
  return seen;
}

TEST(ChannelsLastPlan, ResidualNetKeepsActivationsChannelsLastAndComputesTheSame) {
  const Graph q = quantized_residual_net();
  const Session nhwc(q), nchw(q, SessionOptions{.channels_last = false});
  for (const char* node :
       {"stem", "pool", "conv1", "add1", "conv3", "dwconv", "shortcut", "add2", "gap"})
    ASSERT_EQ(nhwc.node_precision().at(node), "int8") << node;
  EXPECT_TRUE(nchw.channels_last_values().empty());
  // Every uint8 activation from the stem's output to the global pool's input: the outputs of
  // the 7 Convs with a uint8 output, the pool and the 2 Adds.
  const std::vector<std::string> cl = nhwc.channels_last_values();
  EXPECT_EQ(cl.size(), 10u) << ::testing::PrintToString(cl);

  Rng rng(9);
  for (int64_t batch : {1, 3}) {
    const Tensor x = random_normal({batch, 3, 16, 16}, rng, 1.0f);
    EXPECT_TRUE(same_bytes(nhwc.run(x), nchw.run(x))) << "batch " << batch;
    const auto a = hooked_values(nhwc, x), b = hooked_values(nchw, x);
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [name, t] : b) {
      ASSERT_TRUE(a.count(name)) << name;
      EXPECT_TRUE(same_bytes(a.at(name), t)) << name << " (batch " << batch << ")";
    }
    for (const std::string& name : cl)
      EXPECT_TRUE(
          same_bytes(nhwc.run({{"x", x}}, {name}).at(0), nchw.run({{"x", x}}, {name}).at(0)))
          << "fetched " << name;
  }
}

TEST(ChannelsLastPlan, AValueWithAFloatReaderStaysNchw) {
  Graph q = quantized_residual_net();
  // The pool's uint8 output also feeds a float op (its own DequantizeLinear, a graph output).
  const Node* pool_q = nullptr;
  for (const Node& n : q.nodes)
    if (n.op_type == "QuantizeLinear" && n.inputs[0] == "p") pool_q = &n;
  ASSERT_NE(pool_q, nullptr);
  Node dq = *pool_q;
  dq.name = "p_float";
  dq.op_type = "DequantizeLinear";
  dq.inputs[0] = pool_q->outputs[0];
  dq.outputs = {"p_float"};
  q.nodes.push_back(dq);
  q.outputs.push_back({"p_float", DType::kF32, {}, {}});
  const Session nhwc(q), nchw(q, SessionOptions{.channels_last = false});
  // The pool's output and, as MaxPool and Add keep one layout for all their tensors, the
  // pool's input and add1's inputs and output stay NCHW; the rest stays channels-last.
  EXPECT_EQ(nhwc.channels_last_values(),
            (std::vector<std::string>{"c4_q", "cs_q", "r1_q", "r3_q", "r4_q", "rd_q"}));
  Rng rng(10);
  const Tensor x = random_normal({2, 3, 16, 16}, rng, 1.0f);
  const auto a = nhwc.run({{"x", x}}), b = nchw.run({{"x", x}});
  ASSERT_EQ(a.size(), 2u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(same_bytes(a[i], b[i])) << i;
}

// x [N,32,24,24] -> 1x1 conv + relu -> depthwise 3x3 + ReLU6 -> 1x1 conv: a mobilenet block
// whose depthwise conv runs channels-last and is large enough to be split over threads.
Graph make_depthwise_block() {
  Rng rng(6);
  Graph g;
  g.name = "depthwise_block";
  g.inputs.push_back({"x", DType::kF32, {-1, 32, 24, 24}, {"N", "", "", ""}});
  g.outputs.push_back({"y", DType::kF32, {-1, 8, 24, 24}, {"N", "", "", ""}});
  g.initializers["w1"] = random_normal({32, 32, 1, 1}, rng, 0.2f);
  g.initializers["wd"] = random_normal({32, 1, 3, 3}, rng, 0.4f);
  g.initializers["bd"] = random_normal({32}, rng, 0.1f);
  g.initializers["w2"] = random_normal({8, 32, 1, 1}, rng, 0.2f);
  g.initializers["lo"] = Tensor::from<float>({}, std::vector<float>{0.0f});
  g.initializers["hi"] = Tensor::from<float>({}, std::vector<float>{6.0f});
  auto dw_attrs = conv_attrs(3, 1, 1);
  dw_attrs["group"] = int64_t{32};
  g.nodes = {
      make_node("expand", "Conv", {"x", "w1"}, {"c1"}, conv_attrs(1, 0, 1)),
      make_node("relu", "Relu", {"c1"}, {"r1"}),
      make_node("dwconv", "Conv", {"r1", "wd", "bd"}, {"cd"}, dw_attrs),
      make_node("relu6", "Clip", {"cd", "lo", "hi"}, {"rd"}),
      make_node("project", "Conv", {"rd", "w2"}, {"y"}, conv_attrs(1, 0, 1)),
  };
  return g;
}

TEST(ChannelsLastPlan, DepthwiseRowsSplitOverThreadsGiveTheSameBytes) {
  const Graph fp32 = make_depthwise_block();
  Rng rng(11);
  Calibrator calib(fp32, QuantizeConfig::preset_named("recommended"));
  calib.observe(random_normal({4, 32, 24, 24}, rng, 1.0f));
  const Graph q = calib.convert().graph;
  const Session nhwc(q), nchw(q, SessionOptions{.channels_last = false});
  ASSERT_EQ(nhwc.node_precision().at("dwconv"), "int8");
  EXPECT_EQ(nhwc.channels_last_values(), (std::vector<std::string>{"r1_q", "rd_q"}));
  const Tensor x = random_normal({2, 32, 24, 24}, rng, 1.0f);
  const int threads = num_threads();
  set_num_threads(1);
  const Tensor one = nhwc.run(x), reference = nchw.run(x);
  set_num_threads(3);  // 24 output rows in 12 tasks per image
  const Tensor three = nhwc.run(x);
  set_num_threads(threads);
  EXPECT_TRUE(same_bytes(one, reference));
  EXPECT_TRUE(same_bytes(three, reference));
}

// x [N,4,40] -> Conv1d k3 + relu -> Conv1d k5 stride 2 + relu -> Add(., Conv1d 1x1 stride 2)
// -> Conv1d 1x1: 1-D convs keep [N, L, C] channels-last too.
TEST(ChannelsLastPlan, OneDimensionalConvsComputeTheSame) {
  Rng rng(7);
  Graph g;
  g.name = "conv1d_net";
  g.inputs.push_back({"x", DType::kF32, {-1, 4, 40}, {"N", "", ""}});
  g.outputs.push_back({"y", DType::kF32, {-1, 3, 20}, {"N", "", ""}});
  g.initializers["w1"] = random_normal({8, 4, 3}, rng, 0.3f);
  g.initializers["w2"] = random_normal({8, 8, 5}, rng, 0.2f);
  g.initializers["ws"] = random_normal({8, 8, 1}, rng, 0.3f);
  g.initializers["wh"] = random_normal({3, 8, 1}, rng, 0.3f);
  const auto attrs = [](int64_t k, int64_t pad, int64_t stride) {
    return std::map<std::string, Attribute>{{"kernel_shape", std::vector<int64_t>{k}},
                                            {"pads", std::vector<int64_t>{pad, pad}},
                                            {"strides", std::vector<int64_t>{stride}}};
  };
  g.nodes = {
      make_node("conv1", "Conv", {"x", "w1"}, {"c1"}, attrs(3, 1, 1)),
      make_node("relu1", "Relu", {"c1"}, {"r1"}),
      make_node("conv2", "Conv", {"r1", "w2"}, {"c2"}, attrs(5, 2, 2)),
      make_node("relu2", "Relu", {"c2"}, {"r2"}),
      make_node("shortcut", "Conv", {"r1", "ws"}, {"cs"}, attrs(1, 0, 2)),
      make_node("add", "Add", {"r2", "cs"}, {"s"}),
      make_node("head", "Conv", {"s", "wh"}, {"y"}, attrs(1, 0, 1)),
  };
  Calibrator calib(g, QuantizeConfig::preset_named("recommended"));
  calib.observe(random_normal({6, 4, 40}, rng, 1.0f));
  const Graph q = calib.convert().graph;
  const Session nhwc(q), nchw(q, SessionOptions{.channels_last = false});
  ASSERT_EQ(nhwc.node_precision().at("conv2"), "int8");
  EXPECT_EQ(nhwc.channels_last_values().size(), 4u)
      << ::testing::PrintToString(nhwc.channels_last_values());
  const Tensor x = random_normal({3, 4, 40}, rng, 1.0f);
  EXPECT_TRUE(same_bytes(nhwc.run(x), nchw.run(x)));
  const auto a = hooked_values(nhwc, x), b = hooked_values(nchw, x);
  for (const auto& [name, t] : b) EXPECT_TRUE(same_bytes(a.at(name), t)) << name;
}

}  // namespace
}  // namespace octet
