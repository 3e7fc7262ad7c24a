// Leaving layers in FP32 (QuantizeConfig::fp32_layers), the per-layer comparison of a quantized
// model with its FP32 model, sensitivity and the greedy --max-drop choice, on the committed
// Fashion-MNIST MLP fixture with synthetic images labelled by the FP32 model itself (FP32
// accuracy is then exactly 100%, and any drop is quantization's).
#include "octet/mixed_precision.h"

#include <gtest/gtest.h>

#include <set>

#include "octet/compare.h"
#include "octet/error.h"
#include "octet/onnx_io.h"
#include "octet/quantize.h"
#include "octet/random.h"
#include "octet/runtime.h"
#include "test_util.h"

namespace octet {
namespace {

// n random images [n,1,28,28] (sparse bright strokes over dark noise, like Fashion-MNIST's
// range), labelled with `model`'s own predictions.
Dataset self_labelled(const Graph& model, int64_t n, uint64_t seed) {
  Rng rng(seed);
  Dataset d;
  d.source = "synthetic";
  d.images = Tensor(DType::kU8, {n, 1, 28, 28});
  for (uint8_t& p : d.images.values<uint8_t>())
    p = static_cast<uint8_t>(rng.below(4) == 0 ? rng.below(256) : rng.below(32));
  const Normalization norm = model_normalization(model, "model");
  const Tensor logits = Session(model).run(make_batch(d.images, 0, n, norm));
  for (int64_t i = 0; i < n; ++i) {
    const float* row = logits.data<float>() + i * 10;
    d.labels.push_back(static_cast<uint8_t>(std::max_element(row, row + 10) - row));
  }
  return d;
}

class MixedPrecision : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = load_onnx(test::fixture("mlp_torch_flatten_gemm.onnx"));
    norm_ = model_normalization(model_, "model");
    calib_set_ = self_labelled(model_, 200, 1);
    eval_set_ = self_labelled(model_, 300, 2);
    calib_ = std::make_unique<Calibrator>(model_, QuantizeConfig{});
    std::vector<int64_t> all(200);
    for (int64_t i = 0; i < 200; ++i) all[static_cast<size_t>(i)] = i;
    calibrate_on(*calib_, calib_set_, all, norm_, 100, false);
  }
  Graph model_;
  Normalization norm_;
  Dataset calib_set_, eval_set_;
  std::unique_ptr<Calibrator> calib_;
};

TEST_F(MixedPrecision, Fp32LayersKeepTheirFloatWeights) {
  const auto& layers = calib_->layers();
  ASSERT_EQ(layers.size(), 4u);
  const QuantizedModel q = calib_->convert({layers[1].node});
  EXPECT_EQ(q.layers.size(), 3u);
  for (const auto& info : q.layers) EXPECT_NE(info.layer.node, layers[1].node);
  // The float weight stays an initializer read by the Gemm; the others are int8.
  const Tensor* w = q.graph.initializer(layers[1].weight);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype(), DType::kF32);
  EXPECT_EQ(q.graph.initializer(layers[0].weight), nullptr);
  const Session s(q.graph);
  EXPECT_EQ(s.node_precision().at(layers[1].node), "fp32");
  EXPECT_EQ(s.node_precision().at(layers[2].node), "int8");
  EXPECT_THROW(calib_->convert({"no_such_layer"}), Error);
  // Everything FP32: no QuantizeLinear left, and the FP32 function.
  std::set<std::string> all;
  for (const auto& l : layers) all.insert(l.node);
  const QuantizedModel f = calib_->convert(all);
  for (const Node& n : f.graph.nodes) EXPECT_NE(n.op_type, "QuantizeLinear");
}

TEST_F(MixedPrecision, CompareRanksLayersAndAgreesWithItself) {
  const QuantizedModel q = calib_->convert();
  const ModelComparison c = compare_models(model_, q.graph, eval_set_, norm_, {-1, 64, false});
  ASSERT_EQ(c.layers.size(), 4u);
  EXPECT_TRUE(c.unmatched.empty());
  for (size_t i = 0; i < c.layers.size(); ++i) {
    const auto& l = c.layers[i];
    EXPECT_EQ(l.precision, "int8");
    EXPECT_EQ(l.error.elements % 300, 0) << l.layer;
    // 8-bit activations of a trained MLP: SQNR well above 15 dB, cosine near 1; worst first.
    EXPECT_GT(l.error.sqnr_db(), 15.0) << l.layer;
    EXPECT_GT(l.error.cosine(), 0.98) << l.layer;
    if (i > 0) {
      EXPECT_LE(c.layers[i - 1].error.sqnr_db(), l.error.sqnr_db());
    }
  }
  EXPECT_DOUBLE_EQ(c.fp32.accuracy, 1.0);  // labelled by the FP32 model
  EXPECT_GT(c.top1_agreement, 0.9);
  EXPECT_DOUBLE_EQ(c.top1_agreement, c.quant.accuracy);
  // A model compared with itself: no error anywhere.
  const ModelComparison self = compare_models(model_, model_, eval_set_, norm_, {100, 64, false});
  for (const auto& l : self.layers) {
    EXPECT_EQ(l.error.sum_ee, 0.0) << l.layer;
    EXPECT_EQ(l.precision, "fp32");
  }
  EXPECT_EQ(self.top1_agreement, 1.0);
}

TEST_F(MixedPrecision, SensitivityAndGreedyChoiceMeetTheBudget) {
  const SensitivityEvaluator eval(*calib_, eval_set_, norm_);
  EXPECT_DOUBLE_EQ(eval.fp32_accuracy(), 1.0);
  const auto sens = eval.per_layer();
  ASSERT_EQ(sens.size(), 4u);
  for (size_t i = 1; i < sens.size(); ++i)
    EXPECT_LE(sens[i - 1].score.accuracy, sens[i].score.accuracy);
  // A generous budget: nothing stays FP32, and no sensitivity pass is spent.
  const MixedPrecisionResult loose = choose_fp32_layers(eval, 100.0);
  EXPECT_TRUE(loose.met);
  EXPECT_TRUE(loose.fp32_layers.empty());
  EXPECT_EQ(loose.steps.size(), 1u);
  // A zero budget: layers go to FP32 in sensitivity order until the drop is 0.
  const MixedPrecisionResult strict = choose_fp32_layers(eval, 0.0);
  EXPECT_TRUE(strict.met);
  EXPECT_LE(strict.score.drop, 0.0);
  ASSERT_EQ(strict.steps.size(), strict.fp32_layers.size() + 1);
  size_t k = 0;
  for (const auto& s : strict.sensitivity) {
    if (k == strict.fp32_layers.size()) break;
    EXPECT_TRUE(strict.fp32_layers.count(s.layer)) << s.layer;
    ++k;
  }
  for (size_t i = 0; i + 1 < strict.steps.size(); ++i) EXPECT_GT(strict.steps[i].score.drop, 0.0);
  EXPECT_THROW(choose_fp32_layers(eval, -1.0), Error);
}

TEST(Holdout, DisjointFromCalibrationAndSeeded) {
  const std::vector<int64_t> calib = sample_indices(1000, 600, 433);
  const auto h = holdout_indices(1000, 300, 1, calib);
  EXPECT_EQ(h.size(), 300u);
  const std::set<int64_t> c(calib.begin(), calib.end());
  for (int64_t i : h) EXPECT_FALSE(c.count(i)) << i;
  EXPECT_EQ(h, holdout_indices(1000, 300, 1, calib));
  EXPECT_NE(h, holdout_indices(1000, 300, 2, calib));
  EXPECT_THROW(holdout_indices(1000, 401, 1, calib), Error);
}

}  // namespace
}  // namespace octet
