// ONNX's integer ops (MatMulInteger, QLinearMatMul, ConvInteger, QLinearConv) against naive
// loops written here from the ONNX definitions, over the cases ONNX's own test data leaves out:
// int8 operands, per-row / per-column / per-channel parameters, batch broadcasting, groups,
// strides, dilations, padding, bias, int32 wrap-around; and the errors on bad parameters.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
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

template <typename T>
Tensor make(Shape shape, const std::vector<T>& values) {
  return Tensor::from<T>(std::move(shape), values);
}

// `n` values uniform in [lo, hi] (deterministic).
template <typename T>
std::vector<T> random_values(size_t n, int lo, int hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

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

template <typename T>
void expect_values(const Tensor& got, const Shape& shape, const std::vector<T>& want) {
  ASSERT_EQ(got.dtype(), dtype_of<T>());
  ASSERT_EQ(got.shape(), shape) << shape_str(got.shape());
  const auto values = got.values<T>();
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_EQ(static_cast<int64_t>(values[i]), static_cast<int64_t>(want[i])) << "index " << i;
}

// ONNX Runtime's requantization, written out: float32 multiplier and product, ties to even.
int32_t requant_ref(int64_t acc, float sa, float sb, float sy, int32_t zy, int32_t lo, int32_t hi) {
  const float m = sa * sb / sy;
  const double q = std::nearbyint(static_cast<float>(static_cast<int32_t>(acc)) * m) + zy;
  return static_cast<int32_t>(std::min<double>(std::max<double>(q, lo), hi));
}

// A [2, 1, 3, 5] int8 x B [4, 5, 2] uint8 -> [2, 4, 3, 2]: batch broadcast, A's zero points per
// row of each matrix ([2, 1, 3, 1]) and B's per column ([2]).
struct BatchedCase {
  std::vector<int8_t> a = random_values<int8_t>(2 * 3 * 5, -128, 127, 1);
  std::vector<uint8_t> b = random_values<uint8_t>(4 * 5 * 2, 0, 255, 2);
  std::vector<int8_t> za = random_values<int8_t>(2 * 3, -128, 127, 3);
  std::vector<uint8_t> zb = {7, 250};

  // acc[i, j, r, c] of the broadcast product.
  int64_t acc(int i, int j, int r, int c) const {
    int64_t sum = 0;
    for (int k = 0; k < 5; ++k)
      sum += (a[(i * 3 + r) * 5 + k] - za[i * 3 + r]) * (b[(j * 5 + k) * 2 + c] - zb[c]);
    return sum;
  }
};

TEST(MatMulInteger, BroadcastsBatchesWithPerRowAndPerColumnZeroPoints) {
  const BatchedCase t;
  const Tensor y = run_node(make_node("MatMulInteger", 4),
                            {make<int8_t>({2, 1, 3, 5}, t.a), make<uint8_t>({4, 5, 2}, t.b),
                             make<int8_t>({2, 1, 3, 1}, t.za), make<uint8_t>({2}, t.zb)});
  std::vector<int32_t> want;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 2; ++c) want.push_back(static_cast<int32_t>(t.acc(i, j, r, c)));
  expect_values<int32_t>(y, {2, 4, 3, 2}, want);
}

TEST(MatMulInteger, PromotesVectorsAndDefaultsZeroPointsToZero) {
  // [3] x [3, 2] -> [2]
  const Tensor y =
      run_node(make_node("MatMulInteger", 2),
               {make<uint8_t>({3}, {1, 2, 3}), make<int8_t>({3, 2}, {1, -1, 2, -2, 3, -128})});
  expect_values<int32_t>(y, {2}, {14, -1 - 4 - 384});
}

TEST(MatMulInteger, AccumulationWrapsModulo2To32) {
  // 40000 * 255 * 255 = 2601000000 > 2^31 - 1: ONNX lets the int32 accumulator wrap.
  const int64_t k = 40000;
  const Tensor y = run_node(make_node("MatMulInteger", 2),
                            {make<uint8_t>({1, k}, std::vector<uint8_t>(k, 255)),
                             make<uint8_t>({k, 1}, std::vector<uint8_t>(k, 255))});
  expect_values<int32_t>(y, {1, 1}, {static_cast<int32_t>(2601000000LL - 4294967296LL)});
}

TEST(MatMulInteger, RejectsAZeroPointOfAnotherTypeOrShape) {
  const Tensor a = make<uint8_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor b = make<uint8_t>({3, 1}, {1, 2, 3});
  expect_error(
      [&] {
        run_node(make_node("MatMulInteger", 3), {a, b, make<int8_t>({}, {1})});
      },
      "expected uint8");
  expect_error(
      [&] {
        run_node(make_node("MatMulInteger", 3), {a, b, make<uint8_t>({3}, {1, 2, 3})});
      },
      "a_zero_point");
  expect_error(
      [&] {
        run_node(make_node("MatMulInteger", 2), {a, make<float>({3, 1}, {1, 2, 3})});
      },
      "expected uint8 or int8");
}

TEST(QLinearMatMul, RequantizesPerColumnToInt8LikeOnnxRuntime) {
  const BatchedCase t;
  const std::vector<float> sa = {0.02f, 0.05f, 0.011f, 0.013f, 0.017f, 0.019f};  // [2, 1, 3, 1]
  const std::vector<float> sb = {0.003f, 0.0071f};                               // [2]
  const float sy = 0.09f;
  const int32_t zy = -3;
  const Tensor y = run_node(make_node("QLinearMatMul", 8),
                            {make<int8_t>({2, 1, 3, 5}, t.a), make<float>({2, 1, 3, 1}, sa),
                             make<int8_t>({2, 1, 3, 1}, t.za), make<uint8_t>({4, 5, 2}, t.b),
                             make<float>({2}, sb), make<uint8_t>({2}, t.zb), make<float>({}, {sy}),
                             make<int8_t>({}, {static_cast<int8_t>(zy)})});
  std::vector<int8_t> want;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 2; ++c)
          want.push_back(static_cast<int8_t>(
              requant_ref(t.acc(i, j, r, c), sa[i * 3 + r], sb[c], sy, zy, -128, 127)));
  expect_values<int8_t>(y, {2, 4, 3, 2}, want);
}

TEST(QLinearMatMul, RoundsTiesToEvenAndSaturates) {
  // acc = a, multiplier 1 * 0.5 / 1: 1 -> 0.5 -> 0, 3 -> 1.5 -> 2, 5 -> 2.5 -> 2, 255 -> 127.5
  // -> 128; plus the int8 zero point 100, the last saturates at 127.
  const Tensor y =
      run_node(make_node("QLinearMatMul", 8),
               {make<uint8_t>({4, 1}, {1, 3, 5, 255}), make<float>({}, {1.0f}),
                make<uint8_t>({}, {0}), make<uint8_t>({1, 1}, {1}), make<float>({}, {0.5f}),
                make<uint8_t>({}, {0}), make<float>({}, {1.0f}), make<int8_t>({}, {100})});
  expect_values<int8_t>(y, {4, 1}, {100, 102, 102, 127});
}

TEST(QLinearMatMul, RejectsPerRowOutputScaleAndBadScales) {
  const Tensor a = make<uint8_t>({2, 1}, {1, 2});
  const Tensor b = make<uint8_t>({1, 2}, {1, 2});
  const Tensor s = make<float>({}, {1.0f}), z = make<uint8_t>({}, {0});
  expect_error(
      [&] {
        run_node(make_node("QLinearMatMul", 8), {a, s, z, b, s, z, make<float>({2}, {1, 1}), z});
      },
      "y_scale");
  expect_error(
      [&] {
        run_node(make_node("QLinearMatMul", 8), {a, make<float>({}, {0.0f}), z, b, s, z, s, z});
      },
      "a_scale");
}

// X [N, C, H, W] int8, W [M, C/group, KH, KW] uint8 with per-channel zero points, naive direct
// convolution with strides, dilations, pads and groups; padding reads as zero_point_x.
struct ConvCase {
  int64_t n = 2, c = 4, h = 7, w = 6, m = 6, group = 2, kh = 3, kw = 2;
  int64_t sh = 2, sw = 1, dh = 1, dw = 2, pt = 1, pl = 2, pb = 0, pr = 1;
  std::vector<int8_t> x = random_values<int8_t>(n * c * h * w, -128, 127, 11);
  std::vector<uint8_t> wt = random_values<uint8_t>(m * (c / group) * kh * kw, 0, 255, 12);
  int32_t zx = -5;
  std::vector<uint8_t> zw = {0, 3, 128, 255, 17, 90};

  int64_t oh() const { return (h + pt + pb - ((kh - 1) * dh + 1)) / sh + 1; }
  int64_t ow() const { return (w + pl + pr - ((kw - 1) * dw + 1)) / sw + 1; }
  std::map<std::string, Attribute> attrs() const {
    return {{"group", group},
            {"strides", std::vector<int64_t>{sh, sw}},
            {"dilations", std::vector<int64_t>{dh, dw}},
            {"pads", std::vector<int64_t>{pt, pl, pb, pr}}};
  }
  std::vector<int64_t> acc() const {
    std::vector<int64_t> out;
    const int64_t cg = c / group, mg = m / group;
    for (int64_t in = 0; in < n; ++in)
      for (int64_t om = 0; om < m; ++om)
        for (int64_t oy = 0; oy < oh(); ++oy)
          for (int64_t ox = 0; ox < ow(); ++ox) {
            int64_t sum = 0;
            for (int64_t ic = 0; ic < cg; ++ic)
              for (int64_t ky = 0; ky < kh; ++ky)
                for (int64_t kx = 0; kx < kw; ++kx) {
                  const int64_t iy = oy * sh - pt + ky * dh, ix = ox * sw - pl + kx * dw;
                  const int64_t channel = om / mg * cg + ic;
                  const int64_t xv = (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                         ? zx
                                         : x[((in * c + channel) * h + iy) * w + ix];
                  sum += (xv - zx) * (wt[((om * cg + ic) * kh + ky) * kw + kx] - zw[om]);
                }
            out.push_back(sum);
          }
    return out;
  }
};

TEST(ConvInteger, MatchesADirectLoopWithGroupsStridesDilationsAndPads) {
  const ConvCase t;
  const Tensor y =
      run_node(make_node("ConvInteger", 4, t.attrs()),
               {make<int8_t>({t.n, t.c, t.h, t.w}, t.x),
                make<uint8_t>({t.m, t.c / t.group, t.kh, t.kw}, t.wt),
                make<int8_t>({}, {static_cast<int8_t>(t.zx)}), make<uint8_t>({t.m}, t.zw)});
  const std::vector<int64_t> acc = t.acc();
  expect_values<int32_t>(y, {t.n, t.m, t.oh(), t.ow()},
                         std::vector<int32_t>(acc.begin(), acc.end()));
}

TEST(ConvInteger, RunsOneDimensionalAndPointwiseWithoutZeroPoints) {
  // 1-D: x [1, 1, 4], w [1, 1, 2] -> [1, 1, 3]; pointwise: w [2, 1, 1] -> [1, 2, 4].
  const Tensor x = make<uint8_t>({1, 1, 4}, {1, 2, 3, 250});
  expect_values<int32_t>(
      run_node(make_node("ConvInteger", 2), {x, make<int8_t>({1, 1, 2}, {2, -1})}), {1, 1, 3},
      {0, 1, -244});
  expect_values<int32_t>(
      run_node(make_node("ConvInteger", 2), {x, make<int8_t>({2, 1, 1}, {3, -128})}), {1, 2, 4},
      {3, 6, 9, 750, -128, -256, -384, -32000});
}

TEST(ConvInteger, RejectsAPerChannelInputZeroPoint) {
  const Tensor x = make<uint8_t>({1, 2, 2, 2}, std::vector<uint8_t>(8, 1));
  const Tensor w = make<uint8_t>({1, 2, 1, 1}, {1, 1});
  expect_error(
      [&] {
        run_node(make_node("ConvInteger", 3), {x, w, make<uint8_t>({2}, {1, 1})});
      },
      "x_zero_point");
}

TEST(QLinearConv, RequantizesPerChannelWithBias) {
  const ConvCase t;
  const float sx = 0.05f, sy = 0.37f;
  const std::vector<float> sw = {0.01f, 0.002f, 0.03f, 0.004f, 0.005f, 0.0061f};
  const std::vector<int32_t> bias = {100, -2000, 0, 30000, -7, 123456};
  const int32_t zy = 131;
  const Tensor y =
      run_node(make_node("QLinearConv", 9, t.attrs()),
               {make<int8_t>({t.n, t.c, t.h, t.w}, t.x), make<float>({}, {sx}),
                make<int8_t>({}, {static_cast<int8_t>(t.zx)}),
                make<uint8_t>({t.m, t.c / t.group, t.kh, t.kw}, t.wt), make<float>({t.m}, sw),
                make<uint8_t>({t.m}, t.zw), make<float>({}, {sy}),
                make<uint8_t>({}, {static_cast<uint8_t>(zy)}), make<int32_t>({t.m}, bias)});
  const std::vector<int64_t> acc = t.acc();
  const int64_t plane = t.oh() * t.ow();
  std::vector<uint8_t> want;
  for (size_t i = 0; i < acc.size(); ++i) {
    const size_t m = static_cast<size_t>(static_cast<int64_t>(i) / plane % t.m);
    want.push_back(static_cast<uint8_t>(requant_ref(acc[i] + bias[m], sx, sw[m], sy, zy, 0, 255)));
  }
  expect_values<uint8_t>(y, {t.n, t.m, t.oh(), t.ow()}, want);
}

TEST(QLinearConv, RejectsABiasOfTheWrongShapeOrType) {
  const Tensor x = make<uint8_t>({1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor w = make<uint8_t>({2, 1, 1, 1}, {1, 2});
  const Tensor s = make<float>({}, {1.0f}), z = make<uint8_t>({}, {0});
  expect_error(
      [&] {
        run_node(make_node("QLinearConv", 9), {x, s, z, w, s, z, s, z, make<int32_t>({1}, {0})});
      },
      "B has shape");
  expect_error(
      [&] {
        run_node(make_node("QLinearConv", 9), {x, s, z, w, s, z, s, z, make<float>({2}, {0, 0})});
      },
      "expected int32");
  expect_error(
      [&] {
        run_node(make_node("QLinearConv", 8), {x, s, z, w, make<float>({3}, {1, 1, 1}), z, s, z});
      },
      "w_scale");
}

}  // namespace
}  // namespace octet
