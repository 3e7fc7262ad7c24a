// The trainable MLP: initialization, forward against a plain implementation, backward against
// finite differences, and the exported graph.
#include "train/mlp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "train/cross_entropy.h"

namespace octet::train {
namespace {

// The kernel sets to run every test with: the reference, and AVX2 when the CPU has it.
std::vector<const DenseKernels*> kernel_sets() {
  std::vector<const DenseKernels*> sets{&dense_kernels_ref()};
  if (dense_kernels_avx2() != nullptr) sets.push_back(dense_kernels_avx2());
  return sets;
}

// A plain double-precision forward of `mlp`'s current parameters on `x` ([m, n_in], unpadded),
// through the public accessors only: the ground truth for forward and for finite differences.
std::vector<double> reference_logits(Mlp& mlp, const std::vector<double>& x, int64_t m) {
  std::vector<double> act = x;
  int64_t width = mlp.n_in();
  for (size_t l = 0; l < mlp.layers().size(); ++l) {
    const DenseLayer& layer = mlp.layers()[l];
    std::vector<double> out(static_cast<size_t>(m * layer.n_out));
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < layer.n_out; ++j) {
        double sum = mlp.bias_at(l, j);
        for (int64_t k = 0; k < width; ++k) sum += act[i * width + k] * mlp.weight_at(l, j, k);
        out[i * layer.n_out + j] = layer.relu ? std::max(sum, 0.0) : sum;
      }
    act = out;
    width = layer.n_out;
  }
  return act;
}

// Mean softmax cross-entropy of the double forward.
double reference_loss(Mlp& mlp, const std::vector<double>& x, const std::vector<uint8_t>& labels) {
  const auto m = static_cast<int64_t>(labels.size());
  const std::vector<double> z = reference_logits(mlp, x, m);
  const int64_t c = mlp.n_out();
  double loss = 0;
  for (int64_t i = 0; i < m; ++i) {
    double z_max = z[i * c];
    for (int64_t j = 1; j < c; ++j) z_max = std::max(z_max, z[i * c + j]);
    double sum = 0;
    for (int64_t j = 0; j < c; ++j) sum += std::exp(z[i * c + j] - z_max);
    loss += std::log(sum) + z_max - z[i * c + labels[i]];
  }
  return loss / static_cast<double>(m);
}

// A small network whose widths exercise padding (5 and 7 are not multiples of 8).
struct Fixture {
  Rng rng{5};
  Mlp mlp;
  std::vector<double> x;
  std::vector<uint8_t> labels;
  Fixture(const DenseKernels& kernels, int64_t m)
      : mlp(5, {7, 9}, 4, 6, rng, kernels), labels(static_cast<size_t>(m)) {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t k = 0; k < 5; ++k) {
        const float v = rng.uniform(-2.0f, 2.0f);
        x.push_back(v);
        mlp.input()[i * mlp.input_stride() + k] = v;
      }
      labels[i] = static_cast<uint8_t>(rng.below(4));
    }
  }
};

TEST(Mlp, InitializesLikeTorchLinearInDrawOrder) {
  Rng rng(433);
  Mlp mlp(784, {50, 80, 30}, 10, 10, rng);
  ASSERT_EQ(mlp.layers().size(), 4u);
  Rng draws(433);
  const float bound1 = 1.0f / 28.0f;  // 1 / sqrt(784)
  EXPECT_EQ(mlp.weight_at(0, 0, 0), draws.uniform(-bound1, bound1));
  EXPECT_EQ(mlp.weight_at(0, 0, 1), draws.uniform(-bound1, bound1));
  const Tensor w1 = mlp.weight(0), b4 = mlp.bias(3);
  EXPECT_EQ(w1.shape(), (Shape{50, 784}));
  EXPECT_EQ(b4.shape(), (Shape{10}));
  for (float w : w1.values<float>()) ASSERT_LT(std::fabs(w), bound1);
  const float bound4 = static_cast<float>(1.0 / std::sqrt(30.0));
  for (float b : b4.values<float>()) ASSERT_LT(std::fabs(b), bound4);
  // Parameter count without padding: 784*50+50 + 50*80+80 + 80*30+30 + 30*10+10.
  int64_t real = 0;
  for (size_t l = 0; l < 4; ++l) real += mlp.weight(l).numel() + mlp.bias(l).numel();
  EXPECT_EQ(real, 46070);
  EXPECT_TRUE(mlp.layers()[0].relu && mlp.layers()[2].relu && !mlp.layers()[3].relu);
}

TEST(Mlp, ForwardMatchesPlainImplementation) {
  for (const DenseKernels* kernels : kernel_sets()) {
    Fixture f(*kernels, 6);
    f.mlp.forward(6);
    const std::vector<double> want = reference_logits(f.mlp, f.x, 6);
    for (int64_t i = 0; i < 6; ++i)
      for (int64_t j = 0; j < 4; ++j)
        EXPECT_NEAR(f.mlp.logits()[i * f.mlp.logits_stride() + j], want[i * 4 + j], 1e-5)
            << kernels->isa << " row " << i << " class " << j;
  }
}

// Analytic gradients of the mean cross-entropy against central differences of the double
// forward. h = 1e-4 in double leaves a truncation error ~h^2 and no visible rounding, so the
// gap is the float rounding of the backward pass: 1e-4 absolute on gradients of size ~0.1.
// (A ReLU input within h of 0 would break this; seed 5 has none.)
TEST(Mlp, BackwardMatchesFiniteDifferences) {
  for (const DenseKernels* kernels : kernel_sets()) {
    for (int64_t m : {1, 3, 6}) {
      Fixture f(*kernels, m);
      f.mlp.forward(m);
      softmax_cross_entropy(m, 4, f.mlp.logits(), f.mlp.logits_stride(), f.labels.data(),
                            f.mlp.logits_grad(), f.mlp.logits_stride());
      f.mlp.backward();
      const std::vector<float> grads(f.mlp.grads().begin(), f.mlp.grads().end());
      int checked = 0;
      for (size_t l = 0; l < f.mlp.layers().size(); ++l) {
        const DenseLayer& layer = f.mlp.layers()[l];
        auto check = [&](float& param, int64_t offset, const char* what, int64_t j, int64_t k) {
          const float saved = param;
          constexpr double kH = 1e-4;
          // The parameter is a float: divide by the steps actually taken.
          param = static_cast<float>(saved + kH);
          const double h_up = static_cast<double>(param) - saved;
          const double up = reference_loss(f.mlp, f.x, f.labels);
          param = static_cast<float>(saved - kH);
          const double h_down = saved - static_cast<double>(param);
          const double down = reference_loss(f.mlp, f.x, f.labels);
          param = saved;
          const double numeric = (up - down) / (h_up + h_down);
          EXPECT_NEAR(grads[offset], numeric, 1e-4 + 1e-3 * std::fabs(numeric))
              << kernels->isa << " m=" << m << " layer " << l << " " << what << "[" << j << "," << k
              << "]";
          ++checked;
        };
        for (int64_t j = 0; j < layer.n_out; ++j) {
          for (int64_t k = 0; k < layer.n_in; ++k)
            check(f.mlp.weight_at(l, j, k), layer.weight_offset + j * layer.ld_in + k, "W", j, k);
          check(f.mlp.bias_at(l, j), layer.bias_offset + j, "b", j, 0);
        }
        // Padding has no effect on the loss, so its gradient is exactly 0.
        for (int64_t j = 0; j < layer.n_out; ++j)
          for (int64_t k = layer.n_in; k < layer.ld_in; ++k)
            EXPECT_EQ(grads[layer.weight_offset + j * layer.ld_in + k], 0.0f);
      }
      EXPECT_EQ(checked, 5 * 7 + 7 + 7 * 9 + 9 + 9 * 4 + 4);
    }
  }
}

TEST(Mlp, ExportsTheOnnxShapedGraph) {
  Rng rng(1);
  Mlp mlp(12, {6, 5}, 10, 4, rng);
  Normalization norm;
  norm.mean = {0.5f};
  norm.std = {0.25f};
  const Graph g = export_mlp_graph(mlp, {3, 2, 2}, norm);
  EXPECT_EQ(g.opset, 13);
  EXPECT_EQ(g.metadata.at(kNormalizeKey), norm.to_string());
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0].name, "input");
  EXPECT_EQ(g.inputs[0].shape, (Shape{-1, 3, 2, 2}));
  EXPECT_EQ(g.inputs[0].dim_names[0], "N");
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.outputs[0].name, "logits");
  EXPECT_EQ(g.outputs[0].shape, (Shape{-1, 10}));
  std::vector<std::string> ops, names;
  for (const Node& n : g.nodes) {
    ops.push_back(n.op_type);
    names.push_back(n.name);
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm"}));
  EXPECT_EQ(names, (std::vector<std::string>{"flatten", "fc1", "relu1", "fc2", "relu2", "fc3"}));
  EXPECT_EQ(g.nodes[0].attr_int("axis", 0), 1);
  const Node& fc2 = g.nodes[3];
  EXPECT_EQ(fc2.inputs, (std::vector<std::string>{"relu1_out", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(fc2.outputs, (std::vector<std::string>{"fc2_out"}));
  EXPECT_EQ(fc2.attr_int("transB", 0), 1);
  EXPECT_EQ(g.nodes.back().outputs[0], "logits");
  EXPECT_EQ(g.initializer("fc1.weight")->shape(), (Shape{6, 12}));
  EXPECT_EQ(g.initializer("fc3.bias")->shape(), (Shape{10}));
  EXPECT_EQ(g.initializer("fc2.weight")->data<float>()[7], mlp.weight_at(1, 1, 1));
  EXPECT_EQ(g.param_bytes(), sizeof(float) * (12 * 6 + 6 + 6 * 5 + 5 + 5 * 10 + 10));
}

}  // namespace
}  // namespace octet::train
