// Conv (FP32) through the op registry against a naive direct loop with double accumulation,
// on small random shapes: groups, depthwise (with and without multiplier), strides, dilations,
// asymmetric pads, auto_pad modes, 1-D, 2-D and 3-D; im2col's layout; and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "octet/error.h"
#include "octet/random.h"
#include "runtime/op.h"
#include "runtime/ops/im2col.h"
#include "test_util.h"

namespace octet {
namespace {

using test::expect_error;
using test::random_uniform;
using test::run_node;

struct ConvCase {
  ConvCase(std::string label_, Shape x_, Shape w_, int64_t group_ = 1,
           std::vector<int64_t> strides_ = {}, std::vector<int64_t> pads_ = {},
           std::vector<int64_t> dilations_ = {}, std::string auto_pad_ = "", bool bias_ = true)
      : label(std::move(label_)),
        x(std::move(x_)),
        w(std::move(w_)),
        group(group_),
        strides(std::move(strides_)),
        pads(std::move(pads_)),
        dilations(std::move(dilations_)),
        auto_pad(std::move(auto_pad_)),
        bias(bias_) {}
  std::string label;
  Shape x, w;  // X [N, C, spatial...], W [M, C/group, kernel...]
  int64_t group;
  std::vector<int64_t> strides, pads, dilations;  // empty: the ONNX default
  std::string auto_pad;                           // empty: attribute absent
  bool bias;
};

// The pads an auto_pad mode implies, computed here from the ONNX definition (independently of
// the runtime): SAME_* gives out = ceil(in / stride) and splits the total padding, the odd
// element at the end for SAME_UPPER and at the beginning for SAME_LOWER.
std::vector<int64_t> explicit_pads(const ConvCase& c, size_t rank) {
  std::vector<int64_t> pads(2 * rank, 0);
  if (c.auto_pad.empty() || c.auto_pad == "NOTSET") return c.pads.empty() ? pads : c.pads;
  if (c.auto_pad == "VALID") return pads;
  for (size_t i = 0; i < rank; ++i) {
    const int64_t in = c.x[2 + i], k = c.w[2 + i];
    const int64_t s = c.strides.empty() ? 1 : c.strides[i];
    const int64_t d = c.dilations.empty() ? 1 : c.dilations[i];
    const int64_t out = (in + s - 1) / s;
    const int64_t total = std::max<int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - in);
    const int64_t small = total / 2, large = total - total / 2;
    pads[i] = c.auto_pad == "SAME_UPPER" ? small : large;
    pads[rank + i] = c.auto_pad == "SAME_UPPER" ? large : small;
  }
  return pads;
}

// Direct convolution in double: every output element sums its window tap by tap. Returns the
// output and, in `magnitude`, sum |w * x| + |b| per element (the scale of its rounding error).
Tensor reference_conv(const ConvCase& c, const Tensor& x, const Tensor& w, const Tensor* b,
                      std::vector<double>* magnitude) {
  const size_t rank = c.x.size() - 2;
  const std::vector<int64_t> pads = explicit_pads(c, rank);
  // Spatial dims padded to 3 at the front (size 1, kernel 1) so one loop nest serves all.
  int64_t in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, d[3] = {1, 1, 1}, p[3] = {},
          out[3] = {1, 1, 1};
  Shape y_shape = {c.x[0], c.w[0]};
  for (size_t i = 0; i < rank; ++i) {
    const size_t j = 3 - rank + i;
    in[j] = c.x[2 + i];
    k[j] = c.w[2 + i];
    s[j] = c.strides.empty() ? 1 : c.strides[i];
    d[j] = c.dilations.empty() ? 1 : c.dilations[i];
    p[j] = pads[i];
    out[j] = (in[j] + pads[i] + pads[rank + i] - (k[j] - 1) * d[j] - 1) / s[j] + 1;
    y_shape.push_back(out[j]);
  }
  const int64_t n_batch = c.x[0], channels = c.x[1], m_out = c.w[0];
  const int64_t c_group = channels / c.group, m_group = m_out / c.group;
  Tensor y(DType::kF32, y_shape);
  magnitude->assign(static_cast<size_t>(y.numel()), 0.0);
  const float* px = x.data<float>();
  const float* pw = w.data<float>();
  int64_t index = 0;
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t m = 0; m < m_out; ++m)
      for (int64_t o0 = 0; o0 < out[0]; ++o0)
        for (int64_t o1 = 0; o1 < out[1]; ++o1)
          for (int64_t o2 = 0; o2 < out[2]; ++o2, ++index) {
            double acc = b ? b->data<float>()[m] : 0.0, mag = std::fabs(acc);
            for (int64_t cg = 0; cg < c_group; ++cg) {
              const int64_t ch = (m / m_group) * c_group + cg;
              for (int64_t k0 = 0; k0 < k[0]; ++k0)
                for (int64_t k1 = 0; k1 < k[1]; ++k1)
                  for (int64_t k2 = 0; k2 < k[2]; ++k2) {
                    const int64_t i0 = o0 * s[0] - p[0] + k0 * d[0];
                    const int64_t i1 = o1 * s[1] - p[1] + k1 * d[1];
                    const int64_t i2 = o2 * s[2] - p[2] + k2 * d[2];
                    if (i0 < 0 || i0 >= in[0] || i1 < 0 || i1 >= in[1] || i2 < 0 || i2 >= in[2])
                      continue;
                    const double xv =
                        px[(((n * channels + ch) * in[0] + i0) * in[1] + i1) * in[2] + i2];
                    const double wv =
                        pw[(((m * c_group + cg) * k[0] + k0) * k[1] + k1) * k[2] + k2];
                    acc += xv * wv;
                    mag += std::fabs(xv * wv);
                  }
            }
            y.data<float>()[index] = static_cast<float>(acc);
            (*magnitude)[index] = mag;
          }
  return y;
}

Node conv_node(const ConvCase& c) {
  Node node;
  node.name = "conv1";
  node.op_type = "Conv";
  node.inputs = {"x", "w"};
  if (c.bias) node.inputs.push_back("b");
  node.outputs = {"y"};
  if (c.group != 1) node.attrs["group"] = c.group;
  if (!c.strides.empty()) node.attrs["strides"] = c.strides;
  if (!c.pads.empty()) node.attrs["pads"] = c.pads;
  if (!c.dilations.empty()) node.attrs["dilations"] = c.dilations;
  if (!c.auto_pad.empty()) node.attrs["auto_pad"] = c.auto_pad;
  return node;
}

void check_case(const ConvCase& c, uint64_t seed) {
  SCOPED_TRACE(c.label);
  Rng rng(seed);
  const Tensor x = random_uniform(c.x, rng);
  const Tensor w = random_uniform(c.w, rng);
  const Tensor b = c.bias ? random_uniform({c.w[0]}, rng) : Tensor();
  std::vector<double> magnitude;
  const Tensor want = reference_conv(c, x, w, c.bias ? &b : nullptr, &magnitude);
  const Tensor got = run_node(conv_node(c), {x, w, b});
  ASSERT_EQ(got.shape(), want.shape())
      << shape_str(got.shape()) << " vs " << shape_str(want.shape());
  const auto g = got.values<float>();
  const auto e = want.values<float>();
  for (size_t i = 0; i < e.size(); ++i) {
    // float accumulation of at most a few hundred terms: error << 1e-5 of their magnitudes.
    const double tol = 1e-5 * magnitude[i] + 1e-6;
    ASSERT_NEAR(g[i], e[i], tol) << "index " << i << " of " << shape_str(want.shape());
  }
}

TEST(Conv, MatchesDirectLoop2d) {
  const std::vector<ConvCase> cases = {
      {"3x3 pad 1", {2, 3, 7, 6}, {4, 3, 3, 3}, 1, {}, {1, 1, 1, 1}},
      {"no padding, no bias", {1, 2, 5, 5}, {3, 2, 3, 3}, 1, {}, {}, {}, "", false},
      {"strides 2x3, asymmetric pads", {2, 3, 9, 10}, {5, 3, 3, 2}, 1, {2, 3}, {0, 1, 2, 0}},
      {"dilations 2", {1, 4, 9, 8}, {3, 4, 3, 3}, 1, {}, {1, 2, 0, 1}, {2, 2}},
      {"dilation 3x1 stride 2", {1, 2, 11, 7}, {2, 2, 2, 3}, 1, {2, 1}, {1, 0, 1, 1}, {3, 1}},
      {"groups 2, stride 2", {1, 4, 7, 7}, {6, 2, 3, 3}, 2, {2, 2}, {1, 1, 1, 1}},
      {"groups 3, 2 outputs per group", {2, 6, 5, 6}, {6, 2, 3, 2}, 3, {}, {0, 1, 1, 0}},
      {"pointwise 1x1", {2, 8, 4, 5}, {5, 8, 1, 1}, 1, {}, {}, {}, "", false},
      {"1x1 stride 2", {1, 3, 5, 5}, {4, 3, 1, 1}, 1, {2, 2}},
      {"1x1 with pads", {1, 2, 3, 3}, {2, 2, 1, 1}, 1, {}, {1, 0, 0, 1}},
      {"kernel larger than the input", {1, 2, 3, 2}, {2, 2, 4, 4}, 1, {}, {1, 1, 2, 2}},
      {"single input channel, 8 outputs", {3, 1, 6, 6}, {8, 1, 5, 5}, 1, {}, {2, 2, 2, 2}},
  };
  for (size_t i = 0; i < cases.size(); ++i) check_case(cases[i], 100 + i);
}

TEST(Conv, MatchesDirectLoopDepthwise) {
  const std::vector<ConvCase> cases = {
      {"depthwise 3x3 pad 1", {2, 5, 8, 7}, {5, 1, 3, 3}, 5, {}, {1, 1, 1, 1}},
      {"depthwise stride 2 dilation 2 asymmetric",
       {1, 4, 9, 10},
       {4, 1, 3, 3},
       4,
       {2, 2},
       {2, 0, 1, 3},
       {2, 2}},
      {"depthwise stride 3x2 no bias",
       {1, 3, 10, 9},
       {3, 1, 5, 3},
       3,
       {3, 2},
       {2, 1, 2, 1},
       {},
       "",
       false},
      {"depthwise multiplier 2", {1, 3, 6, 6}, {6, 1, 3, 3}, 3, {}, {1, 1, 1, 1}},
      {"depthwise SAME_UPPER stride 2",
       {1, 4, 7, 8},
       {4, 1, 3, 3},
       4,
       {2, 2},
       {},
       {},
       "SAME_UPPER"},
      {"depthwise 1-D", {2, 3, 12}, {3, 1, 3}, 3, {2}, {1, 2}, {2}},
      {"depthwise 3-D", {1, 2, 4, 5, 6}, {2, 1, 2, 3, 3}, 2, {1, 2, 1}, {1, 1, 0, 0, 1, 1}},
  };
  for (size_t i = 0; i < cases.size(); ++i) check_case(cases[i], 200 + i);
}

TEST(Conv, MatchesDirectLoopWithAutoPad) {
  const std::vector<ConvCase> cases = {
      {"SAME_UPPER stride 1", {1, 3, 6, 7}, {2, 3, 3, 3}, 1, {}, {}, {}, "SAME_UPPER"},
      // An even kernel needs an odd total padding: the extra row goes to the end (UPPER) or
      // the beginning (LOWER), so the two give different outputs.
      {"SAME_UPPER even kernel", {1, 2, 7, 6}, {3, 2, 4, 2}, 1, {}, {}, {}, "SAME_UPPER"},
      {"SAME_LOWER even kernel", {1, 2, 7, 6}, {3, 2, 4, 2}, 1, {}, {}, {}, "SAME_LOWER"},
      {"SAME_UPPER stride 2", {2, 3, 9, 8}, {4, 3, 3, 3}, 1, {2, 2}, {}, {}, "SAME_UPPER"},
      {"SAME_LOWER stride 2 dilation 2",
       {1, 3, 9, 8},
       {4, 3, 3, 2},
       1,
       {2, 2},
       {},
       {2, 2},
       "SAME_LOWER"},
      {"VALID stride 2", {1, 3, 9, 8}, {2, 3, 3, 3}, 1, {2, 2}, {}, {}, "VALID"},
      // The pads attribute is ignored when auto_pad is set.
      {"NOTSET is explicit pads", {1, 2, 5, 5}, {2, 2, 3, 3}, 1, {}, {0, 1, 1, 0}, {}, "NOTSET"},
  };
  for (size_t i = 0; i < cases.size(); ++i) check_case(cases[i], 300 + i);
}

TEST(Conv, MatchesDirectLoop1dAnd3d) {
  const std::vector<ConvCase> cases = {
      {"1-D pad 1", {2, 3, 11}, {4, 3, 3}, 1, {}, {1, 1}},
      {"1-D stride 2 dilation 2 asymmetric pads", {2, 3, 11}, {4, 3, 3}, 1, {2}, {1, 2}, {2}},
      {"1-D groups 3", {1, 6, 9}, {3, 2, 2}, 3, {}, {0, 1}},
      {"1-D SAME_LOWER", {1, 2, 8}, {2, 2, 4}, 1, {3}, {}, {}, "SAME_LOWER"},
      {"3-D", {1, 2, 5, 6, 4}, {3, 2, 2, 3, 2}, 1, {2, 1, 1}, {1, 0, 1, 0, 1, 1}},
      {"3-D dilated groups", {2, 4, 6, 5, 5}, {4, 2, 2, 2, 2}, 2, {1, 2, 1}, {}, {2, 1, 2}},
  };
  for (size_t i = 0; i < cases.size(); ++i) check_case(cases[i], 400 + i);
}

TEST(Conv, KernelShapeAttributeMustMatchTheWeights) {
  ConvCase c{"kernel_shape", {1, 2, 5, 5}, {3, 2, 3, 3}, 1, {}, {1, 1, 1, 1}};
  Node node = conv_node(c);
  node.attrs["kernel_shape"] = std::vector<int64_t>{3, 3};
  Rng rng(1);
  const Tensor x = random_uniform(c.x, rng), w = random_uniform(c.w, rng),
               b = random_uniform({3}, rng);
  EXPECT_EQ(run_node(node, {x, w, b}).shape(), (Shape{1, 3, 5, 5}));
  node.attrs["kernel_shape"] = std::vector<int64_t>{3, 2};
  EXPECT_THROW(run_node(node, {x, w, b}), Error);
}

TEST(Conv, ShapeErrorsNameTheNode) {
  Rng rng(2);
  ConvCase c{"errors", {1, 4, 5, 5}, {2, 3, 3, 3}};
  const Tensor x = random_uniform({1, 4, 5, 5}, rng);
  expect_error(
      [&] {
        run_node(conv_node(c), {x, random_uniform({2, 3, 3, 3}, rng), random_uniform({2}, rng)});
      },
      "node 'conv1' (Conv): input 1 has 3 channels per group, input 0 has 4");
  c.group = 3;
  expect_error(
      [&] {
        run_node(conv_node(c), {x, random_uniform({3, 1, 3, 3}, rng), Tensor()});
      },
      "not a multiple of group 3");
  c.group = 2;
  expect_error(
      [&] {
        run_node(conv_node(c), {x, random_uniform({3, 2, 3, 3}, rng), Tensor()});
      },
      "input 1 has 3 output channels, not a multiple of group 2");
  c.group = 1;
  expect_error(
      [&] {
        run_node(conv_node(c), {x, random_uniform({2, 4, 3, 3}, rng), random_uniform({3}, rng)});
      },
      "input 2 has shape [3], expected [2]");
  expect_error(
      [&] {
        run_node(conv_node(c), {x, random_uniform({2, 4, 3}, rng), Tensor()});
      },
      "rank 3");
  expect_error(
      [&] {
        run_node(conv_node(c), {x, random_uniform({2, 4, 7, 3}, rng), Tensor()});
      },
      "the output would be empty");
  c.pads = {1, 1};
  expect_error(
      [&] {
        run_node(conv_node(c), {x, random_uniform({2, 4, 3, 3}, rng), Tensor()});
      },
      "attribute 'pads' = [1,1] has 2 values, expected 4");
  c.pads = {};
  c.auto_pad = "SAME";
  expect_error(
      [&] {
        run_node(conv_node(c), {x, random_uniform({2, 4, 3, 3}, rng), Tensor()});
      },
      "auto_pad 'SAME' is not one of");
  c.auto_pad = "";
  c.strides = {0, 1};
  expect_error(
      [&] {
        run_node(conv_node(c), {x, random_uniform({2, 4, 3, 3}, rng), Tensor()});
      },
      "attribute 'strides' = [0,1] has a value 0, expected >= 1");
}

TEST(Im2col, LayoutIsChannelKernelRowsByOutputColumns) {
  // x: 1 channel 3x3 = 1..9; kernel 2x2, stride 2, pad 1 at the top-left only: out 2x2.
  Node node;
  node.name = "im2col";
  node.op_type = "Conv";
  runtime::WindowAttrs attrs;
  attrs.strides = {2, 2};
  attrs.pads = {1, 1, 0, 0};
  const int64_t in[] = {3, 3}, kernel[] = {2, 2};
  const runtime::ConvGeometry g = runtime::resolve_geometry(node, attrs, in, kernel);
  ASSERT_EQ(g.out_numel(), 4);
  const uint8_t x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  uint8_t out[16];
  runtime::im2col<uint8_t>(x, 1, g, 200, out);
  // Row (ky, kx), column (oy, ox) holds x[2 oy - 1 + ky][2 ox - 1 + kx], 200 outside.
  const uint8_t want[16] = {200, 200, 200, 5,  //
                            200, 200, 4,   6,  //
                            200, 2,   200, 8,  //
                            1,   3,   7,   9};
  for (int i = 0; i < 16; ++i) EXPECT_EQ(out[i], want[i]) << "index " << i;
}

}  // namespace
}  // namespace octet
