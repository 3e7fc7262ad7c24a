// Calibrate / convert on bad input (no samples, NaN, constant tensors) and QDQ graphs with broken
// quantization parameters: each is an octet::Error naming the tensor or node, or, for a constant
// tensor, PyTorch's epsilon scale and a warning.
// tensor_proto.h comes first: it sets up ONNX_ML / ONNX_NAMESPACE for the libonnx headers.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "octet/error.h"
#include "octet/onnx_io.h"
#include "octet/quantize.h"
#include "octet/random.h"
#include "onnx/tensor_proto.h"
#include "test_util.h"

namespace octet {
namespace {

using test::expect_error;
using test::random_uniform;

namespace fs = std::filesystem;

using test::make_node;

// x [N, 6] -> fc1 (Gemm, transB) -> relu1 -> fc2 (Gemm, transB) -> y [N, 3].
Graph make_mlp() {
  Rng rng(11);
  Graph g;
  g.name = "bad_input_mlp";
  g.inputs.push_back({"x", DType::kF32, {-1, 6}, {"N", ""}});
  g.outputs.push_back({"y", DType::kF32, {-1, 3}, {"N", ""}});
  g.nodes.push_back(make_node("fc1", "Gemm", {"x", "w1", "b1"}, {"h"}, {{"transB", int64_t{1}}}));
  g.nodes.push_back(make_node("relu1", "Relu", {"h"}, {"a"}));
  g.nodes.push_back(make_node("fc2", "Gemm", {"a", "w2", "b2"}, {"y"}, {{"transB", int64_t{1}}}));
  g.initializers["w1"] = random_uniform({4, 6}, rng);
  g.initializers["b1"] = random_uniform({4}, rng, 0.1f, 0.5f);
  g.initializers["w2"] = random_uniform({3, 4}, rng);
  g.initializers["b2"] = random_uniform({3}, rng);
  return g;
}

QuantizedModel quantize_mlp(const std::string& preset = "recommended") {
  Calibrator calib(make_mlp(), QuantizeConfig::preset_named(preset));
  Rng rng(5);
  calib.observe(random_uniform({16, 6}, rng, -2.0f, 2.0f));
  return calib.convert();
}

bool contains(const std::vector<std::string>& texts, const std::string& needle) {
  for (const auto& t : texts)
    if (t.find(needle) != std::string::npos) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Calibration data

TEST(ConvertBadInput, ZeroCalibrationSamplesIsAnError) {
  Calibrator calib(make_mlp(), QuantizeConfig::preset_named("recommended"));
  EXPECT_EQ(calib.n_samples(), 0);
  EXPECT_THROW(calib.convert(), Error);
  // An empty batch is refused and still counts no sample.
  EXPECT_THROW(calib.observe(Tensor(DType::kF32, {0, 6})), Error);
  EXPECT_THROW(calib.convert(), Error);
}

TEST(ConvertBadInput, CalibrateOnNoIndicesIsAnError) {
  Calibrator calib(make_mlp(), QuantizeConfig::preset_named("recommended"));
  Dataset data;
  data.images = Tensor(DType::kU8, {4, 1, 2, 3});
  data.labels = {0, 1, 2, 3};
  data.source = "tiny-set";
  expect_error([&] { calibrate_on(calib, data, {}, Normalization{}, 10, false); }, {"tiny-set"});
}

// NaN in the second batch, at its row 5: sample 4 + 5 = 9 of the calibration set.
TEST(ConvertBadInput, NanNamesTheTensorAndTheSample) {
  Calibrator calib(make_mlp(), QuantizeConfig::preset_named("recommended"));
  Rng rng(3);
  calib.observe(random_uniform({4, 6}, rng));
  Tensor bad = random_uniform({8, 6}, rng);
  bad.data<float>()[5 * 6 + 2] = std::numeric_limits<float>::quiet_NaN();
  expect_error([&] { calib.observe(bad); }, {"'x'", "sample 9"});
}

TEST(ConvertBadInput, InfinityNamesTheTensorAndTheSample) {
  Calibrator calib(make_mlp(), QuantizeConfig::preset_named("pytorch-default"));
  Rng rng(4);
  Tensor bad = random_uniform({3, 6}, rng);
  bad.data<float>()[2 * 6] = -std::numeric_limits<float>::infinity();
  expect_error([&] { calib.observe(bad); }, {"'x'", "sample 2"});
}

// An all-zero input: min = max = 0, so (max - min) / (qmax - qmin) = 0 and PyTorch's
// _calculate_qparams raises the scale to eps = FLT_EPSILON, zero point qmin - round(0) = 0.
TEST(ConvertBadInput, ConstantInputGetsEpsilonScaleAndAWarning) {
  for (const char* preset : {"recommended", "pytorch-default"}) {
    SCOPED_TRACE(preset);
    Calibrator calib(make_mlp(), QuantizeConfig::preset_named(preset));
    calib.observe(Tensor(DType::kF32, {8, 6}));
    QuantizedModel q;
    ASSERT_NO_THROW(q = calib.convert());
    ASSERT_EQ(q.layers.size(), 2u);
    EXPECT_EQ(q.layers[0].input.scale.at(0), FLT_EPSILON);
    EXPECT_EQ(q.layers[0].input.zero_point.at(0), 0);
    EXPECT_TRUE(contains(q.warnings, "'x'"))
        << "warnings: " << ::testing::PrintToString(q.warnings);
    // The model still runs, and a zero input still gives the FP32 model's output (the bias path).
    const Tensor zero(DType::kF32, {2, 6});
    const Tensor got = Session(q.graph).run(zero);
    const Tensor want = Session(make_mlp()).run(zero);
    for (int64_t i = 0; i < got.numel(); ++i)
      EXPECT_NEAR(got.data<float>()[i], want.data<float>()[i], 0.05) << i;
  }
}

// An all-zero weight row: per-channel symmetric gives that channel scale eps (PyTorch:
// max(0 / 127.5, eps)); the layer reports the channel and convert() warns.
TEST(ConvertBadInput, ZeroWeightChannelGetsEpsilonScaleAndAWarning) {
  Graph g = make_mlp();
  float* w1 = g.initializers.at("w1").data<float>();
  for (int k = 0; k < 6; ++k) w1[2 * 6 + k] = 0.0f;  // output channel 2 of fc1
  Calibrator calib(g, QuantizeConfig::preset_named("recommended"));
  Rng rng(5);
  calib.observe(random_uniform({16, 6}, rng));
  const QuantizedModel q = calib.convert();
  const LayerQuantInfo& fc1 = q.layers.at(0);
  ASSERT_EQ(fc1.weight.scale.size(), 4u);
  EXPECT_EQ(fc1.weight.scale[2], FLT_EPSILON);
  EXPECT_GT(fc1.weight.scale[0], FLT_EPSILON);
  EXPECT_EQ(fc1.eps_channels, std::vector<int64_t>{2});
  EXPECT_TRUE(contains(q.warnings, "w1")) << ::testing::PrintToString(q.warnings);
  EXPECT_NO_THROW(Session(q.graph).run(random_uniform({2, 6}, rng)));
}

// ---------------------------------------------------------------------------------------------
// QDQ graphs with broken parameters. convert() quantizes the input x with a QuantizeLinear
// x -> x_q and a DequantizeLinear x_q -> x_dq reading the initializers x_s (scale) and x_z (zero
// point). These nodes are unnamed; the importer and Session::node_precision() call node i
// "<op>_<i>". An error about such a node must identify it: by that name, or by its output.

// Where node `i` of `g` is and how a message may name it.
struct NodeRef {
  size_t index = 0;
  std::string key;     // its name, or "<op>_<index>" when unnamed
  std::string output;  // its first output, quoted: "'x_q'"
};

NodeRef node_producing(const Graph& g, const std::string& value) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (!n.outputs.empty() && n.outputs[0] == value)
      return {i, n.name.empty() ? n.op_type + "_" + std::to_string(i) : n.name, "'" + value + "'"};
  }
  ADD_FAILURE() << "no node produces " << value;
  return {};
}

// Expects `body` to throw octet::Error that names `node` and contains every one of `needles`.
template <typename F>
void expect_node_error(F body, const NodeRef& node, std::initializer_list<std::string> needles) {
  try {
    body();
    ADD_FAILURE() << "no octet::Error thrown";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_TRUE(message.find(node.key) != std::string::npos ||
                message.find(node.output) != std::string::npos)
        << "message: " << message << "\nexpected to name the node " << node.key
        << " (or its output " << node.output << ")";
    for (const auto& needle : needles)
      EXPECT_NE(message.find(needle), std::string::npos)
          << "message: " << message << "\nexpected to contain: " << needle;
  }
}

TEST(ConvertBadInput, ConvertWritesTheInputQdqAsExpected) {
  const QuantizedModel q = quantize_mlp();
  ASSERT_NE(q.graph.initializer("x_s"), nullptr);
  ASSERT_NE(q.graph.initializer("x_z"), nullptr);
  const NodeRef quant = node_producing(q.graph, "x_q");
  const NodeRef dequant = node_producing(q.graph, "x_dq");
  EXPECT_EQ(q.graph.nodes[quant.index].op_type, "QuantizeLinear");
  EXPECT_EQ(q.graph.nodes[quant.index].inputs, (std::vector<std::string>{"x", "x_s", "x_z"}));
  EXPECT_EQ(q.graph.nodes[dequant.index].op_type, "DequantizeLinear");
  // Session::node_precision() knows both by these keys.
  const Session session(q.graph);
  EXPECT_EQ(session.node_precision().count(quant.key), 1u) << quant.key;
  EXPECT_EQ(session.node_precision().count(dequant.key), 1u) << dequant.key;
}

TEST(ConvertBadInput, MissingScaleIsAnErrorNamingTheNode) {
  Graph g = quantize_mlp().graph;
  const NodeRef quant = node_producing(g, "x_q");
  const NodeRef dequant = node_producing(g, "x_dq");
  g.initializers.erase("x_s");
  test::TempDir dir;
  expect_node_error([&] { save_onnx(g, dir / "q.onnx"); }, quant, {"x_s"});
  EXPECT_FALSE(fs::exists(dir / "q.onnx"));
  EXPECT_TRUE(fs::is_empty(dir.path())) << "a temporary file was left behind";
  expect_node_error([&] { Session s(g); }, quant, {"x_s"});
  expect_node_error([&] { describe_qdq_layers(g); }, dequant, {"x_s"});
}

// The same, read from a file whose initializer was removed after writing (another tool's file).
TEST(ConvertBadInput, MissingScaleInAFileIsAnErrorNamingTheNode) {
  test::TempDir dir;
  const Graph good = quantize_mlp().graph;
  const NodeRef quant = node_producing(good, "x_q");
  save_onnx(good, dir / "q.onnx");
  onnx::ModelProto model;
  {
    std::ifstream in(dir / "q.onnx", std::ios::binary);
    ASSERT_TRUE(model.ParseFromIstream(&in));
  }
  auto* inits = model.mutable_graph()->mutable_initializer();
  const auto before = inits->size();
  for (int i = 0; i < inits->size(); ++i)
    if (inits->Get(i).name() == "x_s") {
      inits->DeleteSubrange(i, 1);
      break;
    }
  ASSERT_EQ(inits->size(), before - 1);
  {
    std::ofstream out(dir / "broken.onnx", std::ios::binary);
    ASSERT_TRUE(model.SerializeToOstream(&out));
  }
  expect_node_error([&] { Session s(load_onnx(dir / "broken.onnx")); }, quant,
                    {"broken.onnx", "x_s"});
}

// A QDQ graph whose input zero point has the wrong type: it must fail when the graph is planned
// or run, never compute with a misread zero point.
void expect_bad_zero_point(const Tensor& zero_point, const std::string& type_name) {
  SCOPED_TRACE(type_name);
  Graph g = quantize_mlp().graph;
  const NodeRef quant = node_producing(g, "x_q");
  const NodeRef dequant = node_producing(g, "x_dq");
  g.initializers["x_z"] = zero_point;
  Rng rng(9);
  const Tensor x = random_uniform({2, 6}, rng);
  expect_node_error([&] { Session(g).run(x); }, quant, {type_name});
  // describe_qdq_layers (octet inspect) reads the same parameters.
  expect_node_error([&] { describe_qdq_layers(g); }, dequant, {type_name});
  // Through a file: save_onnx's checker may reject it; if not, loading and running must.
  test::TempDir dir;
  try {
    save_onnx(g, dir / "q.onnx");
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_TRUE(message.find(quant.key) != std::string::npos ||
                message.find(quant.output) != std::string::npos)
        << message;
    return;
  }
  expect_node_error([&] { Session(load_onnx(dir / "q.onnx")).run(x); }, quant, {type_name});
}

TEST(ConvertBadInput, Int32ZeroPointIsAnErrorNamingTheNode) {
  expect_bad_zero_point(Tensor(DType::kI32, {}), "int32");
}

TEST(ConvertBadInput, FloatZeroPointIsAnErrorNamingTheNode) {
  expect_bad_zero_point(Tensor(DType::kF32, {}), "float32");
}

}  // namespace
}  // namespace octet
