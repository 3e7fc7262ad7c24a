// strip_names: the same computation under short generated names, deterministically.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "octet/evaluate.h"
#include "octet/onnx_io.h"
#include "octet/passes.h"
#include "octet/quantize.h"
#include "octet/random.h"
#include "octet/runtime.h"
#include "test_util.h"

namespace octet {
namespace {

class StripNames : public ::testing::Test {
 protected:
  void SetUp() override {
    const Graph fp32 = load_onnx(test::fixture("mlp_torch_flatten_gemm.onnx"));
    Rng rng(5);
    input_ = test::random_uniform({20, 1, 28, 28}, rng, -0.5f, 2.5f);
    Calibrator calib(fp32, QuantizeConfig::preset_named("pytorch-default"));
    calib.observe(input_);
    qdq_ = calib.convert().graph;
  }
  Tensor input_;
  Graph qdq_;
};

TEST_F(StripNames, SameOutputsShortNamesKeptInterface) {
  Graph g = qdq_;
  strip_names(g);
  ASSERT_EQ(g.nodes.size(), qdq_.nodes.size());
  EXPECT_EQ(g.inputs.at(0).name, qdq_.inputs.at(0).name);
  EXPECT_EQ(g.outputs.at(0).name, qdq_.outputs.at(0).name);
  std::set<std::string> interface{g.inputs[0].name, g.outputs[0].name};
  for (const Node& n : g.nodes) {
    EXPECT_TRUE(n.name.empty());
    for (const auto& v : n.outputs)
      if (!interface.count(v)) {
        EXPECT_LE(v.size(), 2u) << v;
      }
  }
  for (const auto& [name, t] : g.initializers) EXPECT_LE(name.size(), 2u) << name;
  EXPECT_EQ(g.initializers.size(), qdq_.initializers.size());
  g.validate("strip_names");

  const Tensor a = Session(qdq_).run(input_), b = Session(g).run(input_);
  ASSERT_EQ(a.nbytes(), b.nbytes());
  EXPECT_TRUE(std::equal(a.raw(), a.raw() + a.nbytes(), b.raw()));
}

TEST_F(StripNames, DeterministicAndSmallerOnDisk) {
  Graph a = qdq_, b = qdq_;
  strip_names(a);
  strip_names(b);
  const test::TempDir dir;
  save_onnx(qdq_, dir.path() / "named.onnx");
  save_onnx(a, dir.path() / "a.onnx");
  save_onnx(b, dir.path() / "b.onnx");
  const std::string sa = test::read_bytes(dir.path() / "a.onnx");
  EXPECT_EQ(sa, test::read_bytes(dir.path() / "b.onnx"));
  EXPECT_LT(sa.size(), test::read_bytes(dir.path() / "named.onnx").size());
  // The stripped file loads back and computes the same.
  const Tensor x = Session(load_onnx(dir.path() / "a.onnx")).run(input_);
  const Tensor y = Session(qdq_).run(input_);
  EXPECT_TRUE(std::equal(x.raw(), x.raw() + x.nbytes(), y.raw()));
}

// A generated name never takes the name of a graph input or output.
TEST(StripNamesClash, GeneratedNamesAvoidTheInterface) {
  Graph g;
  g.inputs = {ValueInfo{"a", DType::kF32, {1, 2}, {"", ""}}};
  g.outputs = {ValueInfo{"b", DType::kF32, {1, 2}, {"", ""}}};
  Node relu, neg;
  relu.op_type = "Relu";
  relu.name = "r";
  relu.inputs = {"a"};
  relu.outputs = {"hidden"};
  neg.op_type = "Neg";
  neg.inputs = {"hidden"};
  neg.outputs = {"b"};
  g.nodes = {relu, neg};
  strip_names(g);
  EXPECT_EQ(g.nodes[0].outputs[0], "c");
  EXPECT_EQ(g.nodes[1].inputs[0], "c");
  EXPECT_EQ(g.nodes[1].outputs[0], "b");
}

}  // namespace
}  // namespace octet
