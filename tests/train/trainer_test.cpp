// train_mlp(): determinism, the seed, config and data validation, batching, the returned graph
// and that it learns, on tiny synthetic data sets.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "octet/random.h"
#include "octet/train.h"

namespace octet {
namespace {

// n images 1x4x4: the pixel at the label's position is bright, the others dim noise, so a
// small MLP separates the 10 classes easily.
Dataset synthetic_set(int64_t n, uint64_t seed) {
  Dataset d;
  d.source = "synthetic";
  d.images = Tensor(DType::kU8, {n, 1, 4, 4});
  Rng rng(seed);
  uint8_t* px = d.images.data<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    const auto label = static_cast<uint8_t>(rng.below(10));
    for (int q = 0; q < 16; ++q) px[i * 16 + q] = static_cast<uint8_t>(rng.below(60));
    px[i * 16 + label] = 255;
    d.labels.push_back(label);
  }
  return d;
}

Normalization test_norm() {
  Normalization norm;
  norm.mean = {0.2f};
  norm.std = {0.3f};
  return norm;
}

TrainConfig small_config() {
  TrainConfig cfg;
  cfg.hidden = {16, 12};
  return cfg;
}

// Accuracy of the graph's weights with a plain float forward (x normalized by the formula of
// data.h; Gemm with transB = 1; ReLU between layers).
double accuracy(const Graph& g, const Dataset& d, const Normalization& norm) {
  int64_t correct = 0;
  const int64_t layers = (static_cast<int64_t>(g.nodes.size()) - 1 + 1) / 2;
  for (int64_t i = 0; i < d.size(); ++i) {
    std::vector<float> x(16);
    for (int q = 0; q < 16; ++q)
      x[q] = (static_cast<float>(d.images.data<uint8_t>()[i * 16 + q]) / 255.0f - norm.mean[0]) /
             norm.std[0];
    for (int64_t l = 1; l <= layers; ++l) {
      const Tensor& w = *g.initializer("fc" + std::to_string(l) + ".weight");
      const Tensor& b = *g.initializer("fc" + std::to_string(l) + ".bias");
      std::vector<float> y(static_cast<size_t>(w.dim(0)));
      for (int64_t j = 0; j < w.dim(0); ++j) {
        float sum = b.data<float>()[j];
        for (int64_t k = 0; k < w.dim(1); ++k) sum += x[k] * w.data<float>()[j * w.dim(1) + k];
        y[j] = l < layers ? std::max(sum, 0.0f) : sum;
      }
      x = y;
    }
    const auto best = std::max_element(x.begin(), x.end()) - x.begin();
    correct += best == d.labels[i];
  }
  return static_cast<double>(correct) / static_cast<double>(d.size());
}

bool same_weights(const Graph& a, const Graph& b) {
  if (a.initializers.size() != b.initializers.size()) return false;
  for (const auto& [name, t] : a.initializers) {
    const Tensor* u = b.initializer(name);
    if (!u || u->shape() != t.shape() || std::memcmp(u->raw(), t.raw(), t.nbytes()) != 0)
      return false;
  }
  return true;
}

TEST(TrainMlp, SameSeedGivesBitIdenticalWeights) {
  const Dataset d = synthetic_set(97, 1);
  const TrainResult a = train_mlp(d, test_norm(), small_config(), false);
  const TrainResult b = train_mlp(d, test_norm(), small_config(), false);
  EXPECT_TRUE(same_weights(a.graph, b.graph));
  EXPECT_EQ(a.final_avg_loss, b.final_avg_loss);
}

TEST(TrainMlp, DifferentSeedGivesDifferentWeights) {
  const Dataset d = synthetic_set(97, 1);
  TrainConfig other = small_config();
  other.seed = 434;
  const TrainResult a = train_mlp(d, test_norm(), small_config(), false);
  const TrainResult b = train_mlp(d, test_norm(), other, false);
  EXPECT_FALSE(same_weights(a.graph, b.graph));
}

TEST(TrainMlp, LearnsASeparableTask) {
  const Dataset train = synthetic_set(600, 2), test = synthetic_set(300, 3);
  TrainConfig cfg = small_config();
  cfg.epochs = 5;
  cfg.lr = 1e-2f;
  const TrainResult r = train_mlp(train, test_norm(), cfg, false);
  // ln(10) = 2.30 at chance; the classes are separable by one pixel, so after 300 steps the
  // loss is far lower and held-out accuracy near perfect.
  EXPECT_LT(r.final_avg_loss, 0.5);
  EXPECT_GE(accuracy(r.graph, test, test_norm()), 0.95);
  EXPECT_GT(r.seconds, 0.0);
}

TEST(TrainMlp, CountsStepsWithAPartialLastBatch) {
  const Dataset d = synthetic_set(57, 4);
  TrainConfig cfg = small_config();
  cfg.epochs = 2;
  EXPECT_EQ(train_mlp(d, test_norm(), cfg, false).steps, 2 * 6);  // 5 batches of 10, one of 7
  cfg.batch = 1000;                                               // larger than the data set
  EXPECT_EQ(train_mlp(d, test_norm(), cfg, false).steps, 2);
  cfg.batch = 1;
  cfg.epochs = 1;
  EXPECT_EQ(train_mlp(d, test_norm(), cfg, false).steps, 57);
}

TEST(TrainMlp, ReturnsTheOnnxShapedGraph) {
  const Dataset d = synthetic_set(30, 5);
  const TrainResult r = train_mlp(d, test_norm(), small_config(), false);
  const Graph& g = r.graph;
  EXPECT_EQ(g.inputs.at(0).name, "input");
  EXPECT_EQ(g.inputs.at(0).shape, (Shape{-1, 1, 4, 4}));
  EXPECT_EQ(g.outputs.at(0).name, "logits");
  EXPECT_EQ(g.outputs.at(0).shape, (Shape{-1, 10}));
  EXPECT_EQ(g.metadata.at(kNormalizeKey), test_norm().to_string());
  EXPECT_EQ(g.opset, 13);
  ASSERT_EQ(g.nodes.size(), 6u);  // Flatten, (Gemm, Relu) x 2, Gemm
  EXPECT_EQ(g.initializer("fc1.weight")->shape(), (Shape{16, 16}));
  EXPECT_EQ(g.initializer("fc2.weight")->shape(), (Shape{12, 16}));
  EXPECT_EQ(g.initializer("fc3.weight")->shape(), (Shape{10, 12}));
  EXPECT_NO_THROW(g.validate("test"));
}

TEST(TrainMlp, NoHiddenLayerIsALinearModel) {
  TrainConfig cfg;
  cfg.hidden = {};
  const TrainResult r = train_mlp(synthetic_set(40, 6), test_norm(), cfg, false);
  ASSERT_EQ(r.graph.nodes.size(), 2u);
  EXPECT_EQ(r.graph.nodes[1].op_type, "Gemm");
  EXPECT_EQ(r.graph.nodes[1].outputs[0], "logits");
}

// The message of the octet::Error that `fn` throws, or "" if none.
template <typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TrainMlp, RejectsABadConfigNamingTheFlag) {
  const Dataset d = synthetic_set(20, 7);
  auto message = [&](auto edit) {
    TrainConfig cfg;
    edit(cfg);
    return error_of([&] { train_mlp(d, test_norm(), cfg, false); });
  };
  EXPECT_EQ(message([](TrainConfig& c) {
              c.hidden = {50, 0, 30};
            }),
            "--hidden: size 0 at position 2 must be > 0");
  EXPECT_NE(message([](TrainConfig& c) { c.hidden = {-3}; }).find("--hidden: size -3"),
            std::string::npos);
  EXPECT_NE(message([](TrainConfig& c) { c.hidden = {int64_t{1} << 40}; }).find("--hidden"),
            std::string::npos);
  EXPECT_EQ(message([](TrainConfig& c) { c.epochs = 0; }), "--epochs: 0 must be > 0");
  EXPECT_EQ(message([](TrainConfig& c) { c.batch = -1; }), "--batch: -1 must be > 0");
  for (float lr : {0.0f, -1e-3f, std::numeric_limits<float>::quiet_NaN(),
                   std::numeric_limits<float>::infinity()}) {
    EXPECT_EQ(message([&](TrainConfig& c) { c.lr = lr; }).rfind("--lr: ", 0), 0u) << lr;
  }
}

TEST(TrainMlp, RejectsBadData) {
  Dataset empty;
  empty.source = "nothing";
  EXPECT_NE(error_of([&] { train_mlp(empty, test_norm(), TrainConfig{}, false); }).find("empty"),
            std::string::npos);

  Dataset bad_label = synthetic_set(20, 8);
  bad_label.labels[3] = 10;
  EXPECT_NE(error_of([&] { train_mlp(bad_label, test_norm(), TrainConfig{}, false); }), "");

  Dataset floats = synthetic_set(20, 9);
  floats.images = Tensor(DType::kF32, {20, 1, 4, 4});
  EXPECT_NE(error_of([&] {
              train_mlp(floats, test_norm(), TrainConfig{}, false);
            }).find("expected uint8 [N, C, H, W]"),
            std::string::npos);

  Dataset no_pixels = synthetic_set(20, 11);
  no_pixels.images = Tensor(DType::kU8, {20, 1, 0, 4});
  EXPECT_NE(
      error_of([&] { train_mlp(no_pixels, test_norm(), TrainConfig{}, false); }).find("no pixels"),
      std::string::npos);

  Normalization three_channels;
  three_channels.mean = {0.1f, 0.2f, 0.3f};
  three_channels.std = {1.0f, 1.0f, 1.0f};
  EXPECT_NE(
      error_of([&] { train_mlp(synthetic_set(20, 10), three_channels, TrainConfig{}, false); }),
      "");
}

}  // namespace
}  // namespace octet
