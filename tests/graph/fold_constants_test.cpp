// fold_constants: constant subgraphs become initializers, Shape of a static input folds, a
// symbolic batch keeps its shape arithmetic, Identity nodes go, QDQ weights stay.
#include "octet/fold_constants.h"

#include <gtest/gtest.h>

#include <vector>

#include "octet/error.h"
#include "octet/runtime.h"

namespace octet {
namespace {

Tensor f32(Shape shape, std::vector<float> values) {
  return Tensor::from<float>(std::move(shape), values);
}
Tensor i64(Shape shape, std::vector<int64_t> values) {
  return Tensor::from<int64_t>(std::move(shape), values);
}

std::vector<int64_t> i64_values(const Tensor& t) {
  const auto v = t.values<int64_t>();
  return {v.begin(), v.end()};
}

// What torch exports for x.reshape(x.shape[0], -1) at opset 13, then a Relu:
// x [batch,2,3] -> Shape -> Gather(0) -> Unsqueeze([0]) -> Concat(with [-1]) -> Reshape -> Relu.
Graph reshape_by_batch_graph(int64_t batch) {
  Graph g;
  g.inputs = {{"x", DType::kF32, {batch, 2, 3}, {batch < 0 ? "N" : "", "", ""}}};
  g.outputs = {{"y", DType::kF32, {batch, 6}, {batch < 0 ? "N" : "", ""}}};
  g.initializers["zero"] = i64({}, {0});
  g.initializers["axes"] = i64({1}, {0});
  g.initializers["minus_one"] = i64({1}, {-1});
  g.nodes = {
      {"shape", "Shape", {"x"}, {"x_shape"}, {}},
      {"gather", "Gather", {"x_shape", "zero"}, {"batch"}, {{"axis", int64_t{0}}}},
      {"unsqueeze", "Unsqueeze", {"batch", "axes"}, {"batch_1d"}, {}},
      {"concat", "Concat", {"batch_1d", "minus_one"}, {"target"}, {{"axis", int64_t{0}}}},
      {"reshape", "Reshape", {"x", "target"}, {"flat"}, {}},
      {"relu", "Relu", {"flat"}, {"y"}, {}},
  };
  return g;
}

TEST(FoldConstants, StaticBatchFoldsTheShapeChainIntoTheReshape) {
  Graph g = reshape_by_batch_graph(4);
  EXPECT_EQ(fold_constants(g), 4);  // Shape, Gather, Unsqueeze, Concat
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op_type, "Reshape");
  const Tensor* target = g.initializer("target");
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->shape(), (Shape{2}));
  EXPECT_EQ(i64_values(*target), (std::vector<int64_t>{4, -1}));
  // The folded chain's constants are gone; only the Reshape's target is left.
  EXPECT_EQ(g.initializers.size(), 1u);
  g.validate("folded");

  std::vector<float> values(24);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) - 12;
  const Tensor y = Session(std::move(g)).run(f32({4, 2, 3}, values));
  EXPECT_EQ(y.shape(), (Shape{4, 6}));
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(y.values<float>()[i], std::max(values[i], 0.0f));
}

TEST(FoldConstants, SymbolicBatchLeavesTheChainToRunTime) {
  Graph g = reshape_by_batch_graph(-1);
  EXPECT_EQ(fold_constants(g), 0);
  EXPECT_EQ(g.nodes.size(), 6u);
  EXPECT_EQ(g.initializers.size(), 3u);
  const Tensor y = Session(std::move(g)).run(f32({1, 2, 3}, {1, -2, 3, -4, 5, -6}));
  EXPECT_EQ(y.shape(), (Shape{1, 6}));
}

TEST(FoldConstants, EvaluatesArithmeticOnInitializersAndKeepsSharedOnes) {
  // w2 = w * 2 is constant; w is also read by the Add on x, so it stays.
  Graph g;
  g.inputs = {{"x", DType::kF32, {-1, 2}, {"N", ""}}};
  g.outputs = {{"y", DType::kF32, {-1, 2}, {"N", ""}}};
  g.initializers["w"] = f32({2}, {1, 2});
  g.initializers["two"] = f32({}, {2});
  g.nodes = {
      {"double", "Mul", {"w", "two"}, {"w2"}, {}},
      {"add", "Add", {"x", "w"}, {"xw"}, {}},
      {"add2", "Add", {"xw", "w2"}, {"y"}, {}},
  };
  EXPECT_EQ(fold_constants(g), 1);
  ASSERT_EQ(g.nodes.size(), 2u);
  ASSERT_NE(g.initializer("w2"), nullptr);
  EXPECT_EQ(g.initializer("w2")->values<float>()[1], 4.0f);
  EXPECT_NE(g.initializer("w"), nullptr);
  EXPECT_EQ(g.initializer("two"), nullptr);
  const Tensor y = Session(std::move(g)).run(f32({1, 2}, {10, 20}));
  EXPECT_EQ(y.values<float>()[0], 13.0f);  // 10 + 1 + 2
  EXPECT_EQ(y.values<float>()[1], 26.0f);  // 20 + 2 + 4
}

TEST(FoldConstants, RemovesIdentityButNotOneProducingAGraphOutput) {
  Graph g;
  g.inputs = {{"x", DType::kF32, {-1, 2}, {"N", ""}}};
  g.outputs = {{"y", DType::kF32, {-1, 2}, {"N", ""}}};
  g.nodes = {
      {"id1", "Identity", {"x"}, {"x1"}, {}},
      {"id2", "Identity", {"x1"}, {"x2"}, {}},
      {"relu", "Relu", {"x2"}, {"r"}, {}},
      {"id_out", "Identity", {"r"}, {"y"}, {}},
  };
  EXPECT_EQ(fold_constants(g), 2);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<std::string>{"x"}));
  EXPECT_EQ(g.nodes[1].op_type, "Identity");
  g.validate("folded");
}

TEST(FoldConstants, NeverFoldsDequantizeLinear) {
  Graph g;
  g.inputs = {{"x", DType::kF32, {1, 2}, {"", ""}}};
  g.outputs = {{"y", DType::kF32, {1, 2}, {"", ""}}};
  g.initializers["w_q"] = Tensor::from<int8_t>({2}, std::vector<int8_t>{1, 2});
  g.initializers["w_scale"] = f32({}, {0.5f});
  g.nodes = {
      {"dq", "DequantizeLinear", {"w_q", "w_scale"}, {"w"}, {}},
      {"add", "Add", {"x", "w"}, {"y"}, {}},
  };
  EXPECT_EQ(fold_constants(g), 0);
  EXPECT_EQ(g.nodes.size(), 2u);
}

TEST(FoldConstants, ErrorNamesTheNode) {
  Graph g;
  g.outputs = {{"y", DType::kF32, {2}, {""}}};
  g.initializers["a"] = f32({2}, {1, 2});
  g.initializers["b"] = f32({3}, {1, 2, 3});
  g.nodes = {{"bad_add", "Add", {"a", "b"}, {"y"}, {}}};
  try {
    fold_constants(g);
    ADD_FAILURE() << "no octet::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'bad_add' (Add)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("do not broadcast"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace octet
