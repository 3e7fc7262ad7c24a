// The fused integer Conv (QDQ pattern -> channels-last im2row + packed qu8 x qc8w GEMM) against
// ONNX's ConvInteger op, an independent im2col-and-loops implementation: with a float exit
// (eq. 17) the fused output must be exactly float(ConvInteger(q_x, q_w, z_x)) * (s_x * s_w), over
// strides, asymmetric pads, dilations, groups, pointwise and 1-D kernels, and the same for any
// thread count.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "octet/random.h"
#include "octet/runtime.h"
#include "runtime/op.h"

namespace octet {
namespace {

struct FusedConvCase {
  const char* label;
  Shape x, w;  // [N, C, spatial...], [O, C/group, kernel...]
  int64_t group = 1;
  std::vector<int64_t> strides, pads, dilations;
};

void set_window_attrs(Node& node, const FusedConvCase& c) {
  if (c.group != 1) node.attrs["group"] = c.group;
  if (!c.strides.empty()) node.attrs["strides"] = c.strides;
  if (!c.pads.empty()) node.attrs["pads"] = c.pads;
  if (!c.dilations.empty()) node.attrs["dilations"] = c.dilations;
}

Node node(const std::string& op, std::vector<std::string> in, std::string out) {
  Node n;
  n.name = op + "_" + out;
  n.op_type = op;
  n.inputs = std::move(in);
  n.outputs = {std::move(out)};
  return n;
}

void check_case(const FusedConvCase& c, uint64_t seed) {
  SCOPED_TRACE(c.label);
  Rng rng(seed);
  const float scale_x = 0.05f, scale_w = 0.01f;
  const int32_t zero_point_x = 37;
  Tensor x(DType::kF32, c.x), w(DType::kI8, c.w);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = rng.uniform(-3.0f, 9.0f);
  for (int64_t i = 0; i < w.numel(); ++i)
    w.data<int8_t>()[i] = static_cast<int8_t>(static_cast<int>(rng.below(256)) - 128);

  Graph g;
  g.inputs.push_back({"x", DType::kF32, c.x, std::vector<std::string>(c.x.size())});
  g.initializers["sx"] = Tensor::from<float>({}, std::vector<float>{scale_x});
  g.initializers["zx"] = Tensor::from<uint8_t>({}, std::vector<uint8_t>{zero_point_x});
  g.initializers["sw"] = Tensor::from<float>({}, std::vector<float>{scale_w});
  g.initializers["wq"] = w;
  g.nodes.push_back(node("QuantizeLinear", {"x", "sx", "zx"}, "xq"));
  g.nodes.push_back(node("DequantizeLinear", {"xq", "sx", "zx"}, "xd"));
  g.nodes.push_back(node("DequantizeLinear", {"wq", "sw"}, "wd"));
  Node conv = node("Conv", {"xd", "wd"}, "y");
  set_window_attrs(conv, c);
  g.nodes.push_back(conv);
  g.outputs.push_back({"y", DType::kF32, {}, {}});
  const Session session(g);
  ASSERT_EQ(session.node_precision().at(conv.name), "int8") << "the pattern was not fused";

  // The expectation: quantize x with the reference kernel, ConvInteger, then eq. (17).
  Tensor xq(DType::kU8, c.x);
  kernels::f32_qu8_vcvt__ref(static_cast<size_t>(x.numel()), x.data<float>(), xq.data<uint8_t>(),
                             {scale_x, zero_point_x});
  Node ci = node("ConvInteger", {"a", "b", "za"}, "acc");
  set_window_attrs(ci, c);
  Graph empty;
  const auto op = runtime::op_registry().at("ConvInteger")(ci, empty);
  const Tensor za = Tensor::from<uint8_t>({}, std::vector<uint8_t>{zero_point_x});
  const Tensor* in[] = {&xq, &w, &za};
  std::vector<Tensor> acc(1);
  op->run(in, acc);
  const float acc_scale = scale_x * scale_w;

  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    const Tensor y = session.run(x);
    ASSERT_EQ(y.shape(), acc[0].shape()) << shape_str(y.shape());
    for (int64_t i = 0; i < y.numel(); ++i) {
      const float want = static_cast<float>(acc[0].data<int32_t>()[i]) * acc_scale;
      ASSERT_EQ(y.data<float>()[i], want) << "index " << i << " of " << shape_str(y.shape())
                                          << ", threads " << threads;
    }
  }
  set_num_threads(default_num_threads());
}

TEST(QLinearConvFused, MatchesConvIntegerExactly) {
  const std::vector<FusedConvCase> cases = {
      {"3x3 pad 1", {2, 5, 9, 8}, {7, 5, 3, 3}, 1, {}, {1, 1, 1, 1}, {}},
      {"strides 2x3, asymmetric pads", {1, 3, 11, 10}, {6, 3, 3, 2}, 1, {2, 3}, {0, 1, 2, 0}, {}},
      {"dilations 2, pads", {1, 4, 9, 8}, {3, 4, 3, 3}, 1, {}, {1, 2, 0, 1}, {2, 2}},
      {"groups 2", {2, 4, 6, 7}, {6, 2, 3, 3}, 2, {}, {1, 1, 1, 1}, {}},
      {"pointwise", {1, 19, 5, 6}, {33, 19, 1, 1}, 1, {}, {}, {}},
      {"pointwise stride 2", {1, 8, 7, 7}, {16, 8, 1, 1}, 1, {2, 2}, {}, {}},
      {"1-D kernel 5", {2, 3, 17}, {4, 3, 5}, 1, {}, {2, 1}, {}},
      {"7x7 stride 2 over 3 channels (resnet stem)", {1, 3, 32, 32}, {16, 3, 7, 7}, 1, {2, 2},
       {3, 3, 3, 3}, {}},
  };
  uint64_t seed = 1;
  for (const auto& c : cases) {
    check_case(c, seed++);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace octet
