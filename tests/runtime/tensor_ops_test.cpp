// The shape, element-wise and tensor ops, each run through the op registry on small
// hand-checked cases, and the Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain torch
// exports for x.reshape(x.shape[0], -1), run by a Session with a symbolic batch.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "octet/error.h"
#include "octet/runtime.h"
#include "runtime/op.h"
#include "test_util.h"

namespace octet {
namespace {

using test::expect_error;
using test::run_node;

Tensor f32(Shape shape, std::vector<float> values) {
  return Tensor::from<float>(std::move(shape), values);
}
Tensor i64(Shape shape, std::vector<int64_t> values) {
  return Tensor::from<int64_t>(std::move(shape), values);
}

// A node reading in0, in1, ... and writing out0, out1, ...
Node make_node(const std::string& op_type, size_t n_inputs,
               std::map<std::string, Attribute> attrs = {}) {
  Node node;
  node.name = "n";
  node.op_type = op_type;
  for (size_t i = 0; i < n_inputs; ++i) node.inputs.push_back("in" + std::to_string(i));
  node.outputs = {"out0"};
  node.attrs = std::move(attrs);
  return node;
}

void expect_f32(const Tensor& t, const Shape& shape, const std::vector<float>& want,
                float tol = 1e-6f) {
  ASSERT_EQ(t.dtype(), DType::kF32);
  ASSERT_EQ(t.shape(), shape) << shape_str(t.shape());
  const auto got = t.values<float>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "index " << i;
}

void expect_i64(const Tensor& t, const Shape& shape, const std::vector<int64_t>& want) {
  ASSERT_EQ(t.dtype(), DType::kI64);
  ASSERT_EQ(t.shape(), shape) << shape_str(t.shape());
  const auto got = t.values<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(got.begin(), got.end()), want);
}

// ---------------------------------------------------------------------------------------------
// Binary element-wise ops

TEST(BinaryOps, SameShapes) {
  const Tensor a = f32({2, 2}, {1, 2, 3, 4});
  const Tensor b = f32({2, 2}, {4, 3, 2, 1});
  expect_f32(run_node(make_node("Add", 2), {a, b}), {2, 2}, {5, 5, 5, 5});
  expect_f32(run_node(make_node("Sub", 2), {a, b}), {2, 2}, {-3, -1, 1, 3});
  expect_f32(run_node(make_node("Mul", 2), {a, b}), {2, 2}, {4, 6, 6, 4});
  expect_f32(run_node(make_node("Div", 2), {a, b}), {2, 2}, {0.25f, 2.0f / 3, 1.5f, 4});
}

TEST(BinaryOps, BroadcastsRowColumnAndScalar) {
  // [2,3] - [3]: the row vector repeats down the rows.
  expect_f32(run_node(make_node("Sub", 2), {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3}, {1, 1, 2})}),
             {2, 3}, {0, 1, 1, 3, 4, 4});
  // [2,1] * [1,3] -> [2,3]: an outer product.
  expect_f32(run_node(make_node("Mul", 2), {f32({2, 1}, {1, 2}), f32({1, 3}, {1, 10, 100})}),
             {2, 3}, {1, 10, 100, 2, 20, 200});
  // scalar / [2,2]: the scalar is the dividend, order matters.
  expect_f32(run_node(make_node("Div", 2), {f32({}, {1}), f32({2, 2}, {1, 2, 4, 8})}), {2, 2},
             {1, 0.5f, 0.25f, 0.125f});
  // [3,1,2] + [2,1]: both sides broadcast, ranks differ.
  expect_f32(run_node(make_node("Add", 2),
                      {f32({3, 1, 2}, {0, 1, 10, 11, 20, 21}), f32({2, 1}, {100, 200})}),
             {3, 2, 2}, {100, 101, 200, 201, 110, 111, 210, 211, 120, 121, 220, 221});
  // An empty axis broadcasts to an empty output.
  EXPECT_EQ(run_node(make_node("Add", 2), {f32({0, 3}, {}), f32({3}, {1, 2, 3})}).shape(),
            (Shape{0, 3}));
}

TEST(BinaryOps, Int64ShapeArithmetic) {
  expect_i64(run_node(make_node("Mul", 2), {i64({2}, {3, 4}), i64({}, {2})}), {2}, {6, 8});
  expect_i64(run_node(make_node("Add", 2), {i64({2}, {3, 4}), i64({1}, {-1})}), {2}, {2, 3});
  expect_i64(run_node(make_node("Sub", 2), {i64({2}, {3, 4}), i64({2}, {5, 1})}), {2}, {-2, 3});
  // Div truncates toward zero, as C++ and ONNX Runtime do.
  expect_i64(run_node(make_node("Div", 2), {i64({3}, {7, -7, 6}), i64({}, {2})}), {3}, {3, -3, 3});
}

TEST(BinaryOps, Uint8WrapsAround) {
  const Tensor a = Tensor::from<uint8_t>({2}, std::vector<uint8_t>{250, 3});
  const Tensor b = Tensor::from<uint8_t>({2}, std::vector<uint8_t>{10, 5});
  const Tensor sum = run_node(make_node("Add", 2), {a, b});
  EXPECT_EQ(sum.data<uint8_t>()[0], 4);  // 260 mod 256
  const Tensor diff = run_node(make_node("Sub", 2), {a, b});
  EXPECT_EQ(diff.data<uint8_t>()[1], 254);  // -2 mod 256
}

TEST(BinaryOps, RejectsBadOperands) {
  expect_error(
      [] {
        run_node(make_node("Add", 2), {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({2}, {1, 2})});
      },
      "do not broadcast");
  expect_error(
      [] {
        run_node(make_node("Mul", 2), {f32({1}, {1}), i64({1}, {1})});
      },
      "input A is float32 but input B is int64");
  expect_error(
      [] {
        run_node(make_node("Div", 2), {i64({2}, {1, 2}), i64({2}, {1, 0})});
      },
      "integer division by zero");
}

// ---------------------------------------------------------------------------------------------
// Unary element-wise ops

TEST(UnaryOps, ClipOpset11InputsWithOmittedBound) {
  const Tensor x = f32({4}, {-2, -0.5f, 0.5f, 2});
  expect_f32(run_node(make_node("Clip", 3), {x, f32({}, {-1}), f32({}, {1})}), {4},
             {-1, -0.5f, 0.5f, 1});
  // max omitted (""): only the lower bound applies.
  expect_f32(run_node(make_node("Clip", 3), {x, f32({}, {0}), Tensor()}), {4}, {0, 0, 0.5f, 2});
  // min omitted: the input list is {x, "", max}.
  expect_f32(run_node(make_node("Clip", 3), {x, Tensor(), f32({}, {0})}), {4}, {-2, -0.5f, 0, 0});
  // lo > hi: every output is hi (ONNX spec).
  expect_f32(run_node(make_node("Clip", 3), {x, f32({}, {1}), f32({}, {0})}), {4}, {0, 0, 0, 0});
  // int8 with default bounds is the identity.
  const Tensor q = Tensor::from<int8_t>({2}, std::vector<int8_t>{-128, 127});
  const Tensor y = run_node(make_node("Clip", 1), {q});
  EXPECT_EQ(y.data<int8_t>()[0], -128);
  EXPECT_EQ(y.data<int8_t>()[1], 127);
}

TEST(UnaryOps, ClipOpset6Attributes) {
  const Node node = make_node("Clip", 1, {{"min", 0.0f}, {"max", 6.0f}});  // ReLU6
  expect_f32(run_node(node, {f32({3}, {-1, 3, 7})}, /*opset=*/6), {3}, {0, 3, 6});
  expect_error(
      [&] {
        run_node(node, {f32({3}, {-1, 3, 7})}, /*opset=*/13);
      },
      "replaced by inputs in opset 11");
}

TEST(UnaryOps, LeakyReluSigmoidExpTanh) {
  const Tensor x = f32({3}, {-2, 0, 3});
  expect_f32(run_node(make_node("LeakyRelu", 1), {x}), {3}, {-0.02f, 0, 3});  // alpha 0.01
  expect_f32(run_node(make_node("LeakyRelu", 1, {{"alpha", 0.5f}}), {x}), {3}, {-1, 0, 3});
  expect_f32(run_node(make_node("Sigmoid", 1), {f32({3}, {0, 2, -100})}), {3},
             {0.5f, 0.880797f, 0.0f});
  expect_f32(run_node(make_node("Exp", 1), {f32({2}, {0, 1})}), {2}, {1, 2.718282f});
  expect_f32(run_node(make_node("Tanh", 1), {f32({2}, {0, 1})}), {2}, {0, 0.761594f});
  // A dtype ONNX allows but octet lacks is refused by name.
  expect_error([] { run_node(make_node("Sigmoid", 1), {i64({1}, {1})}); },
               "input is int64; octet does not support Sigmoid on it (float32 only)");
}

// ---------------------------------------------------------------------------------------------
// Softmax

TEST(Softmax, ValuesAlongLastAxis) {
  // softmax([1,2,3]) = e^i / (e + e^2 + e^3).
  const Tensor x = f32({2, 3}, {1, 2, 3, 1001, 1002, 1003});  // large logits do not overflow
  const std::vector<float> p = {0.0900306f, 0.2447285f, 0.6652410f};
  expect_f32(run_node(make_node("Softmax", 1), {x}), {2, 3}, {p[0], p[1], p[2], p[0], p[1], p[2]});
  expect_f32(run_node(make_node("LogSoftmax", 1), {x}), {2, 3},
             {std::log(p[0]), std::log(p[1]), std::log(p[2]), std::log(p[0]), std::log(p[1]),
              std::log(p[2])},
             1e-5f);
}

TEST(Softmax, Opset13NormalizesOneAxisOpset11CoercesTo2D) {
  // x of shape [1,2,2], all zeros: along axis 1 alone each value is 1/2; opset 11 flattens
  // axes 1 and 2 into one row of 4 values, each 1/4.
  const Tensor x = f32({1, 2, 2}, {0, 0, 0, 0});
  const Node axis1 = make_node("Softmax", 1, {{"axis", int64_t{1}}});
  expect_f32(run_node(axis1, {x}, 13), {1, 2, 2}, {0.5f, 0.5f, 0.5f, 0.5f});
  expect_f32(run_node(axis1, {x}, 11), {1, 2, 2}, {0.25f, 0.25f, 0.25f, 0.25f});
  // Defaults differ too: -1 in opset 13, 1 in opset 11.
  expect_f32(run_node(make_node("Softmax", 1), {x}, 13), {1, 2, 2}, {0.5f, 0.5f, 0.5f, 0.5f});
  expect_f32(run_node(make_node("Softmax", 1), {x}, 11), {1, 2, 2}, {0.25f, 0.25f, 0.25f, 0.25f});
  // A middle axis in opset 13: [2,2,1] along axis 1 pairs x[i,0,0] with x[i,1,0].
  expect_f32(run_node(axis1, {f32({2, 2, 1}, {0, std::log(3.0f), 5, 5})}, 13), {2, 2, 1},
             {0.25f, 0.75f, 0.5f, 0.5f});
}

TEST(Softmax, NegativeAxisAndBadAxis) {
  const Tensor x = f32({2, 2}, {0, std::log(3.0f), 0, 0});
  expect_f32(run_node(make_node("Softmax", 1, {{"axis", int64_t{-2}}}), {x}), {2, 2},
             {0.5f, 0.75f, 0.5f, 0.25f});
  expect_error(
      [&] {
        run_node(make_node("Softmax", 1, {{"axis", int64_t{2}}}), {x});
      },
      "axis 2 is out of range for an input of rank 2");
}

// ---------------------------------------------------------------------------------------------
// Concat, Transpose, Squeeze, Unsqueeze, Shape, Gather, Cast

TEST(Concat, AnyAxisFloatAndInt64) {
  const Tensor a = f32({2, 1}, {1, 2});
  const Tensor b = f32({2, 2}, {3, 4, 5, 6});
  expect_f32(run_node(make_node("Concat", 2, {{"axis", int64_t{-1}}}), {a, b}), {2, 3},
             {1, 3, 4, 2, 5, 6});
  expect_f32(run_node(make_node("Concat", 2, {{"axis", int64_t{0}}}), {f32({1, 2}, {1, 2}), b}),
             {3, 2}, {1, 2, 3, 4, 5, 6});
  expect_i64(run_node(make_node("Concat", 3, {{"axis", int64_t{0}}}),
                      {i64({1}, {4}), i64({0}, {}), i64({1}, {-1})}),
             {2}, {4, -1});
  expect_error(
      [&] {
        run_node(make_node("Concat", 2, {{"axis", int64_t{0}}}), {a, b});
      },
      "does not match input 0's [2,1] off axis 0");
  expect_error([&] { run_node(make_node("Concat", 2), {a, b}); }, "attribute axis is required");
}

TEST(Transpose, DefaultReversesAndPermAttribute) {
  const Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  expect_f32(run_node(make_node("Transpose", 1), {x}), {3, 2}, {1, 4, 2, 5, 3, 6});
  // [1,2,3] with perm [0,2,1]: the last two axes swap.
  const Tensor y = run_node(make_node("Transpose", 1, {{"perm", std::vector<int64_t>{0, 2, 1}}}),
                            {x.reshaped({1, 2, 3})});
  expect_f32(y, {1, 3, 2}, {1, 4, 2, 5, 3, 6});
  // [2,1,3] -> perm [2,0,1] -> [3,2,1], on int64.
  const Tensor z = run_node(make_node("Transpose", 1, {{"perm", std::vector<int64_t>{2, 0, 1}}}),
                            {i64({2, 1, 3}, {1, 2, 3, 4, 5, 6})});
  expect_i64(z, {3, 2, 1}, {1, 4, 2, 5, 3, 6});
  expect_error(
      [&] {
        run_node(make_node("Transpose", 1, {{"perm", std::vector<int64_t>{0, 0}}}), {x});
      },
      "is not a permutation");
}

TEST(Squeeze, AxesInputOrAttributeByOpset) {
  const Tensor x = f32({1, 3, 1}, {1, 2, 3});
  EXPECT_EQ(run_node(make_node("Squeeze", 2), {x, i64({1}, {-1})}).shape(), (Shape{1, 3}));
  EXPECT_EQ(run_node(make_node("Squeeze", 1), {x}).shape(), (Shape{3}));  // every size-1 axis
  const Node opset11 = make_node("Squeeze", 1, {{"axes", std::vector<int64_t>{0}}});
  EXPECT_EQ(run_node(opset11, {x}, 11).shape(), (Shape{3, 1}));
  expect_error(
      [&] {
        run_node(make_node("Squeeze", 2), {x, i64({1}, {1})});
      },
      "cannot squeeze axis 1 of shape [1,3,1]");
  expect_error([&] { run_node(opset11, {x}, 13); }, "replaced by input 1 in opset 13");
}

TEST(Unsqueeze, AxesCountInTheOutputRank) {
  const Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  // Output rank 4; axes 0 and -1 are its first and last.
  expect_f32(run_node(make_node("Unsqueeze", 2), {x, i64({2}, {-1, 0})}), {1, 2, 3, 1},
             {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(run_node(make_node("Unsqueeze", 2), {i64({}, {7}), i64({1}, {0})}).shape(), (Shape{1}));
  const Node opset11 = make_node("Unsqueeze", 1, {{"axes", std::vector<int64_t>{1}}});
  EXPECT_EQ(run_node(opset11, {x}, 11).shape(), (Shape{2, 1, 3}));
  expect_error(
      [&] {
        run_node(make_node("Unsqueeze", 2), {x, i64({2}, {0, -4})});
      },
      "appears twice");
}

TEST(Shape, FullAndSliced) {
  const Tensor x(DType::kF32, {2, 3, 4});
  expect_i64(run_node(make_node("Shape", 1), {x}), {3}, {2, 3, 4});
  expect_i64(run_node(make_node("Shape", 1, {{"start", int64_t{1}}}), {x}), {2}, {3, 4});
  expect_i64(run_node(make_node("Shape", 1, {{"start", int64_t{-2}}, {"end", int64_t{-1}}}), {x}),
             {1}, {3});
  expect_i64(run_node(make_node("Shape", 1, {{"start", int64_t{5}}}), {x}), {0}, {});  // clamped
}

TEST(Gather, AxesIndexDtypesAndNegativeIndices) {
  const Tensor data = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  // axis 0, indices [[0,2]] (int64): [1,2] rows -> [1,2,2].
  expect_f32(run_node(make_node("Gather", 2), {data, i64({1, 2}, {0, 2})}), {1, 2, 2},
             {1, 2, 5, 6});
  // axis 1, int32 indices with a negative one.
  const Tensor idx32 = Tensor::from<int32_t>({2}, std::vector<int32_t>{-1, 0});
  expect_f32(run_node(make_node("Gather", 2, {{"axis", int64_t{1}}}), {data, idx32}), {3, 2},
             {2, 1, 4, 3, 6, 5});
  // A scalar index drops the axis: shape[0] of a shape tensor.
  expect_i64(run_node(make_node("Gather", 2), {i64({3}, {8, 3, 224}), i64({}, {0})}), {}, {8});
  expect_error(
      [&] {
        run_node(make_node("Gather", 2), {data, i64({1}, {3})});
      },
      "index 3 is out of range for an axis of size 3");
}

TEST(Cast, FloatInt64BothWays) {
  expect_i64(run_node(make_node("Cast", 1, {{"to", int64_t{7}}}), {f32({3}, {1.7f, -1.7f, 1e30f})}),
             {3}, {1, -1, std::numeric_limits<int64_t>::max()});
  expect_f32(run_node(make_node("Cast", 1, {{"to", int64_t{1}}}), {i64({2}, {-3, 5})}), {2},
             {-3, 5});
  expect_error(
      [] {
        run_node(make_node("Cast", 1, {{"to", int64_t{11}}}), {f32({1}, {1})});
      },
      "cast to ONNX type DOUBLE (11) is not supported");
}

// ---------------------------------------------------------------------------------------------
// The reshape chain torch exports for x.reshape(x.shape[0], -1)

// x [N,2,3] -> Shape -> Gather(0) -> Unsqueeze([0]) -> Concat(with [-1]) -> Reshape: [N,6].
// `batch` is the input's first dimension (-1: symbolic).
Graph reshape_by_batch_graph(int64_t batch, int64_t opset) {
  Graph g;
  g.opset = opset;
  g.inputs = {{"x", DType::kF32, {batch, 2, 3}, {batch < 0 ? "N" : "", "", ""}}};
  g.outputs = {{"y", DType::kF32, {batch, 6}, {batch < 0 ? "N" : "", ""}}};
  g.initializers["zero"] = i64({}, {0});
  g.initializers["minus_one"] = i64({1}, {-1});
  Node unsqueeze{"unsqueeze", "Unsqueeze", {"batch"}, {"batch_1d"}, {}};
  if (opset >= 13) {
    g.initializers["axes"] = i64({1}, {0});
    unsqueeze.inputs.push_back("axes");
  } else {
    unsqueeze.attrs["axes"] = std::vector<int64_t>{0};
  }
  g.nodes = {
      {"shape", "Shape", {"x"}, {"x_shape"}, {}},
      {"gather", "Gather", {"x_shape", "zero"}, {"batch"}, {{"axis", int64_t{0}}}},
      unsqueeze,
      {"concat", "Concat", {"batch_1d", "minus_one"}, {"target"}, {{"axis", int64_t{0}}}},
      {"reshape", "Reshape", {"x", "target"}, {"y"}, {}},
  };
  return g;
}

TEST(ReshapeChain, RunsWithASymbolicBatch) {
  for (int64_t opset : {11, 13}) {
    const Session session(reshape_by_batch_graph(-1, opset));
    for (int64_t batch : {1, 4}) {
      std::vector<float> values(static_cast<size_t>(batch * 6));
      for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
      const Tensor y = session.run(f32({batch, 2, 3}, values));
      expect_f32(y, {batch, 6}, values);
    }
  }
}

}  // namespace
}  // namespace octet
