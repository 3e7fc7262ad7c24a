// MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool through the op registry against
// a naive direct loop (double sums), on small random shapes: strides, dilations, asymmetric
// pads, ceil_mode, count_include_pad, auto_pad, 1-D to 3-D; hand-checked values; the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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

struct PoolCase {
  PoolCase(std::string label_, Shape x_, std::vector<int64_t> kernel_,
           std::vector<int64_t> strides_ = {}, std::vector<int64_t> pads_ = {},
           std::vector<int64_t> dilations_ = {}, std::string auto_pad_ = "",
           bool ceil_mode_ = false)
      : label(std::move(label_)),
        x(std::move(x_)),
        kernel(std::move(kernel_)),
        strides(std::move(strides_)),
        pads(std::move(pads_)),
        dilations(std::move(dilations_)),
        auto_pad(std::move(auto_pad_)),
        ceil_mode(ceil_mode_) {}
  std::string label;
  Shape x;
  std::vector<int64_t> kernel, strides, pads, dilations;  // empty: the ONNX default
  std::string auto_pad;                                   // empty: attribute absent
  bool ceil_mode;
  bool count_include_pad = false;
};

Node pool_node(const std::string& op_type, const PoolCase& c) {
  Node node;
  node.name = "pool1";
  node.op_type = op_type;
  node.inputs = {"x"};
  node.outputs = {"y"};
  node.attrs["kernel_shape"] = c.kernel;
  if (!c.strides.empty()) node.attrs["strides"] = c.strides;
  if (!c.pads.empty()) node.attrs["pads"] = c.pads;
  if (!c.dilations.empty()) node.attrs["dilations"] = c.dilations;
  if (!c.auto_pad.empty()) node.attrs["auto_pad"] = c.auto_pad;
  if (c.ceil_mode) node.attrs["ceil_mode"] = int64_t{1};
  if (c.count_include_pad) node.attrs["count_include_pad"] = int64_t{1};
  return node;
}

// One spatial dimension of the window, as ONNX and PyTorch define it.
struct Dim {
  int64_t in, k, s, d, pad_begin, pad_end, out;
};

std::vector<Dim> reference_dims(const PoolCase& c) {
  const size_t rank = c.x.size() - 2;
  std::vector<Dim> dims;
  for (size_t i = 0; i < rank; ++i) {
    Dim dim{c.x[2 + i],
            c.kernel[i],
            c.strides.empty() ? 1 : c.strides[i],
            c.dilations.empty() ? 1 : c.dilations[i],
            0,
            0,
            0};
    const int64_t extent = (dim.k - 1) * dim.d + 1;
    if (c.auto_pad == "SAME_UPPER" || c.auto_pad == "SAME_LOWER") {
      dim.out = (dim.in + dim.s - 1) / dim.s;
      const int64_t total = std::max<int64_t>(0, (dim.out - 1) * dim.s + extent - dim.in);
      dim.pad_begin = c.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      dim.pad_end = total - dim.pad_begin;
    } else if (c.auto_pad == "VALID") {
      dim.out = (dim.in - extent) / dim.s + 1;
    } else {
      if (!c.pads.empty()) {
        dim.pad_begin = c.pads[i];
        dim.pad_end = c.pads[rank + i];
      }
      const int64_t span = dim.in + dim.pad_begin + dim.pad_end - extent;
      dim.out = (c.ceil_mode ? (span + dim.s - 1) / dim.s : span / dim.s) + 1;
      // PyTorch's rule: the last window must start inside the input or its begin padding.
      if (c.ceil_mode && (dim.out - 1) * dim.s >= dim.in + dim.pad_begin) --dim.out;
    }
    dims.push_back(dim);
  }
  while (dims.size() < 3) dims.insert(dims.begin(), Dim{1, 1, 1, 1, 0, 0, 1});
  return dims;
}

// Max or average by visiting every tap of every window.
Tensor reference_pool(const PoolCase& c, const Tensor& x, bool is_max) {
  const std::vector<Dim> d = reference_dims(c);
  Shape y_shape = {c.x[0], c.x[1]};
  for (size_t i = 3 - (c.x.size() - 2); i < 3; ++i) y_shape.push_back(d[i].out);
  Tensor y(DType::kF32, y_shape);
  float* py = y.data<float>();
  const float* px = x.data<float>();
  const int64_t plane_in = d[0].in * d[1].in * d[2].in;
  for (int64_t plane = 0; plane < c.x[0] * c.x[1]; ++plane)
    for (int64_t o0 = 0; o0 < d[0].out; ++o0)
      for (int64_t o1 = 0; o1 < d[1].out; ++o1)
        for (int64_t o2 = 0; o2 < d[2].out; ++o2) {
          double best = -std::numeric_limits<double>::infinity(), sum = 0.0;
          int64_t inside = 0, padded = 0;
          for (int64_t k0 = 0; k0 < d[0].k; ++k0)
            for (int64_t k1 = 0; k1 < d[1].k; ++k1)
              for (int64_t k2 = 0; k2 < d[2].k; ++k2) {
                const int64_t o[3] = {o0, o1, o2}, k[3] = {k0, k1, k2};
                int64_t i[3];
                bool in_x = true, in_pads = true;
                for (int j = 0; j < 3; ++j) {
                  i[j] = o[j] * d[j].s - d[j].pad_begin + k[j] * d[j].d;
                  in_x = in_x && i[j] >= 0 && i[j] < d[j].in;
                  in_pads = in_pads && i[j] < d[j].in + d[j].pad_end;
                }
                padded += in_pads ? 1 : 0;
                if (!in_x) continue;
                const double v = px[plane * plane_in + (i[0] * d[1].in + i[1]) * d[2].in + i[2]];
                best = std::max(best, v);
                sum += v;
                ++inside;
              }
          const int64_t count = c.count_include_pad ? padded : inside;
          *py++ = static_cast<float>(is_max ? best : sum / static_cast<double>(count));
        }
  return y;
}

void check_case(const PoolCase& c, bool is_max, uint64_t seed) {
  SCOPED_TRACE(c.label + (is_max ? " (MaxPool)" : " (AveragePool)"));
  Rng rng(seed);
  const Tensor x = random_uniform(c.x, rng);
  const Tensor want = reference_pool(c, x, is_max);
  const Tensor got = run_node(pool_node(is_max ? "MaxPool" : "AveragePool", c), {x});
  ASSERT_EQ(got.shape(), want.shape())
      << shape_str(got.shape()) << " vs " << shape_str(want.shape());
  const auto g = got.values<float>();
  const auto e = want.values<float>();
  for (size_t i = 0; i < e.size(); ++i) {
    if (is_max)  // a maximum is one of the inputs: exact
      ASSERT_EQ(g[i], e[i]) << "index " << i;
    else  // a float sum of <= 27 values in [-1, 1]
      ASSERT_NEAR(g[i], e[i], 1e-6) << "index " << i;
  }
}

const std::vector<PoolCase>& window_cases() {
  static const std::vector<PoolCase> cases = {
      {"2x2 stride 2", {2, 3, 8, 6}, {2, 2}, {2, 2}},
      {"3x3 stride 1 pad 1", {1, 2, 5, 6}, {3, 3}, {}, {1, 1, 1, 1}},
      {"3x3 stride 2 pad 1 (resnet stem)", {1, 2, 9, 8}, {3, 3}, {2, 2}, {1, 1, 1, 1}},
      {"asymmetric pads strides 2x3", {1, 2, 9, 10}, {3, 2}, {2, 3}, {0, 1, 2, 0}},
      {"dilations 2", {1, 2, 9, 9}, {3, 2}, {1, 2}, {1, 0, 1, 1}, {2, 2}},
      {"ceil_mode", {1, 2, 8, 7}, {3, 3}, {2, 2}, {}, {}, "", true},
      {"ceil_mode with pads (last window dropped)",
       {1, 1, 5, 5},
       {2, 2},
       {2, 2},
       {1, 1, 1, 1},
       {},
       "",
       true},
      {"ceil_mode, window past the end padding",
       {1, 2, 7, 9},
       {3, 3},
       {2, 3},
       {1, 0, 1, 1},
       {},
       "",
       true},
      {"SAME_UPPER stride 2", {1, 2, 7, 8}, {3, 2}, {2, 2}, {}, {}, "SAME_UPPER"},
      {"SAME_LOWER stride 2", {1, 2, 7, 8}, {2, 3}, {2, 2}, {}, {}, "SAME_LOWER"},
      {"VALID stride 2", {1, 2, 7, 8}, {3, 3}, {2, 2}, {}, {}, "VALID"},
      {"1-D", {2, 3, 11}, {3}, {2}, {1, 1}},
      {"1-D dilation 2 ceil_mode", {2, 3, 12}, {2}, {3}, {1, 0}, {2}, "", true},
      {"3-D", {1, 2, 5, 6, 4}, {2, 3, 2}, {2, 1, 2}, {0, 1, 1, 1, 0, 0}},
  };
  return cases;
}

TEST(MaxPool, MatchesDirectLoop) {
  const auto& cases = window_cases();
  for (size_t i = 0; i < cases.size(); ++i) check_case(cases[i], true, 500 + i);
}

TEST(AveragePool, MatchesDirectLoopExcludingPads) {
  const auto& cases = window_cases();
  for (size_t i = 0; i < cases.size(); ++i) check_case(cases[i], false, 600 + i);
}

TEST(AveragePool, MatchesDirectLoopIncludingPads) {
  for (PoolCase c : window_cases()) {
    c.count_include_pad = true;
    check_case(c, false, 700);
  }
}

TEST(MaxPool, CeilModeKeepsThePartialWindow) {
  // ONNX's test_maxpool_2d_ceil: 4x4 = 1..16, kernel 3, stride 2, ceil_mode -> 2x2.
  std::vector<float> values(16);
  for (int i = 0; i < 16; ++i) values[i] = static_cast<float>(i + 1);
  const Tensor x = Tensor::from<float>({1, 1, 4, 4}, values);
  const Tensor y = run_node(pool_node("MaxPool", {"", {}, {3, 3}, {2, 2}, {}, {}, "", true}), {x});
  ASSERT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(std::vector<float>(y.values<float>().begin(), y.values<float>().end()),
            (std::vector<float>{11, 12, 15, 16}));
}

TEST(AveragePool, CountIncludePadDividesByTheWholeWindow) {
  // 2x2 of ones, kernel 3, pad 1: the corner window holds 4 ones among 9 taps.
  const Tensor x = Tensor::from<float>({1, 1, 2, 2}, std::vector<float>{1, 1, 1, 1});
  PoolCase c{"", {}, {3, 3}, {}, {1, 1, 1, 1}};
  EXPECT_FLOAT_EQ(run_node(pool_node("AveragePool", c), {x}).data<float>()[0], 1.0f);
  c.count_include_pad = true;
  EXPECT_FLOAT_EQ(run_node(pool_node("AveragePool", c), {x}).data<float>()[0], 4.0f / 9.0f);
}

TEST(MaxPool, RunsOnUint8AndInt8) {
  const Tensor xu = Tensor::from<uint8_t>({1, 1, 2, 3}, std::vector<uint8_t>{0, 7, 255, 3, 9, 1});
  const Tensor yu = run_node(pool_node("MaxPool", {"", {}, {2, 2}}), {xu});
  ASSERT_EQ(yu.dtype(), DType::kU8);
  EXPECT_EQ(yu.data<uint8_t>()[0], 9);
  EXPECT_EQ(yu.data<uint8_t>()[1], 255);
  const Tensor xs = Tensor::from<int8_t>({1, 1, 1, 3}, std::vector<int8_t>{-128, -100, -127});
  const Tensor ys = run_node(pool_node("MaxPool", {"", {}, {2}, {}, {}, {}, "", false}),
                             {xs.reshaped({1, 1, 3})});
  EXPECT_EQ(ys.data<int8_t>()[0], -100);
  EXPECT_EQ(ys.data<int8_t>()[1], -100);
}

TEST(MaxPool, PropagatesNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor x = Tensor::from<float>({1, 1, 4}, std::vector<float>{1, nan, 2, 3});
  const Tensor y = run_node(pool_node("MaxPool", {"", {}, {2}, {2}}), {x});
  EXPECT_TRUE(std::isnan(y.data<float>()[0]));
  EXPECT_EQ(y.data<float>()[1], 3.0f);
}

TEST(GlobalPool, AverageAndMaxOverEachPlane) {
  Rng rng(9);
  for (const Shape& shape : {Shape{2, 3, 5, 4}, Shape{1, 2, 7}, Shape{2, 2, 2, 3, 2}}) {
    const Tensor x = random_uniform(shape, rng);
    Node node;
    node.name = "gap";
    node.inputs = {"x"};
    node.outputs = {"y"};
    node.op_type = "GlobalAveragePool";
    const Tensor mean = run_node(node, {x});
    node.op_type = "GlobalMaxPool";
    const Tensor max = run_node(node, {x});
    Shape y_shape(shape.size(), 1);
    y_shape[0] = shape[0];
    y_shape[1] = shape[1];
    ASSERT_EQ(mean.shape(), y_shape);
    ASSERT_EQ(max.shape(), y_shape);
    const int64_t plane = x.numel() / (shape[0] * shape[1]);
    for (int64_t p = 0; p < shape[0] * shape[1]; ++p) {
      double sum = 0.0, best = -1e30;
      for (int64_t i = 0; i < plane; ++i) {
        sum += x.data<float>()[p * plane + i];
        best = std::max<double>(best, x.data<float>()[p * plane + i]);
      }
      EXPECT_NEAR(mean.data<float>()[p], sum / static_cast<double>(plane), 1e-7);
      EXPECT_EQ(max.data<float>()[p], static_cast<float>(best));
    }
  }
}

TEST(Pool, ErrorsNameTheNode) {
  Rng rng(3);
  const Tensor x = random_uniform({1, 2, 4, 4}, rng);
  Node node = pool_node("MaxPool", {"", {}, {2, 2}});
  node.outputs = {"y", "indices"};
  expect_error([&] { run_node(node, {x}); },
               "node 'pool1' (MaxPool): output 1 (Indices, 'indices') is requested; it is not "
               "supported");
  expect_error(
      [&] {
        run_node(pool_node("AveragePool", {"", {}, {2}}), {x});
      },
      "node 'pool1' (AveragePool): attribute kernel_shape = [2] needs one size per "
      "spatial dimension of input 0 [1,2,4,4]");
  expect_error(
      [&] {
        run_node(pool_node("MaxPool", {"", {}, {5, 2}}), {x});
      },
      "the output would be empty");
  expect_error(
      [&] {
        run_node(pool_node("AveragePool", {"", {}, {2, 2}}), {x.reshaped({2, 16})});
      },
      "expected [N, C, spatial...]");
  expect_error(
      [&] {
        run_node(pool_node("MaxPool", {"", {}, {1, 1, 1, 1}}), {x.reshaped({1, 2, 2, 2, 2, 2})});
      },
      "4 spatial dimensions; not supported");
}

}  // namespace
}  // namespace octet
