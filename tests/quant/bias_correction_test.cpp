// Empirical bias correction (correct_biases) on the committed MLP fixture. The recommended
// preset's last layer leaves the integer domain at its int32 accumulator, so the quantized
// model's logits are that layer's pre-activation: after the correction their mean over the
// calibration batches must equal the FP32 logits' mean up to the int32 bias's own rounding
// (half a bias step s_in * s_w[c]). The check reads the final model's logits, not the probe the
// correction measured with, and holds for the last layer only after every earlier one was
// corrected with the inputs it really gets.
#include <gtest/gtest.h>

#include <cmath>

#include "octet/error.h"
#include "octet/evaluate.h"
#include "octet/onnx_io.h"
#include "octet/quantize.h"
#include "octet/random.h"
#include "octet/runtime.h"
#include "test_util.h"

namespace octet {
namespace {

std::vector<Tensor> random_image_batches(const Graph& model, int n_batches, uint64_t seed) {
  Rng rng(seed);
  const Normalization norm = model_normalization(model, "model");
  std::vector<Tensor> batches;
  for (int b = 0; b < n_batches; ++b) {
    Tensor images(DType::kU8, {50, 1, 28, 28});
    for (uint8_t& p : images.values<uint8_t>())
      p = static_cast<uint8_t>(rng.below(4) == 0 ? rng.below(256) : rng.below(32));
    batches.push_back(make_batch(images, 0, 50, norm));
  }
  return batches;
}

// Per logit c: mean over the batches of quantized minus FP32 logits.
std::vector<double> logit_mean_shift(const Graph& q, const Graph& fp32,
                                     const std::vector<Tensor>& batches) {
  const Session qs(q), fs(fp32);
  std::vector<double> shift;
  int64_t rows = 0;
  for (const Tensor& batch : batches) {
    const Tensor a = qs.run(batch), b = fs.run(batch);
    if (shift.empty()) shift.assign(static_cast<size_t>(a.dim(1)), 0.0);
    for (int64_t i = 0; i < a.numel(); ++i)
      shift[static_cast<size_t>(i % a.dim(1))] += a.data<float>()[i] - b.data<float>()[i];
    rows += a.dim(0);
  }
  for (double& s : shift) s /= static_cast<double>(rows);
  return shift;
}

class BiasCorrectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = load_onnx(test::fixture("mlp_torch_flatten_gemm.onnx"));
    batches_ = random_image_batches(model_, 4, 7);
    QuantizeConfig cfg = QuantizeConfig::preset_named("recommended");
    calib_ = std::make_unique<Calibrator>(model_, cfg);
    for (const Tensor& b : batches_) calib_->observe(b);
  }
  Graph model_;
  std::vector<Tensor> batches_;
  std::unique_ptr<Calibrator> calib_;
};

TEST_F(BiasCorrectionTest, LogitMeansMatchFp32UpToTheBiasRounding) {
  QuantizedModel q = calib_->convert();
  const std::vector<double> before = logit_mean_shift(q.graph, calib_->prepared_graph(), batches_);
  const std::vector<BiasCorrection> done = correct_biases(q, calib_->prepared_graph(), batches_);
  ASSERT_EQ(done.size(), q.layers.size());
  const std::vector<double> after = logit_mean_shift(q.graph, calib_->prepared_graph(), batches_);

  const LayerQuantInfo& last = q.layers.back();
  ASSERT_EQ(after.size(), last.bias_scale.size());
  double worst_before = 0, worst_after_in_steps = 0;
  for (size_t c = 0; c < after.size(); ++c) {
    const double step = last.bias_scale[c];
    worst_before = std::max(worst_before, std::abs(before[c]) / step);
    worst_after_in_steps = std::max(worst_after_in_steps, std::abs(after[c]) / step);
  }
  // Without correction the logits are off by more than a bias step (else this test could not
  // fail); with it, by at most half a step (plus float summation noise).
  EXPECT_GT(worst_before, 1.0);
  EXPECT_LE(worst_after_in_steps, 0.5 + 1e-3);
}

TEST_F(BiasCorrectionTest, OnlyTheBiasesChangeAndTheResultIsDeterministic) {
  QuantizedModel a = calib_->convert(), b = calib_->convert();
  const Graph original = a.graph;
  correct_biases(a, calib_->prepared_graph(), batches_);
  correct_biases(b, calib_->prepared_graph(), batches_);
  ASSERT_EQ(a.graph.initializers.size(), original.initializers.size());
  int changed = 0;
  for (const auto& [name, t] : a.graph.initializers) {
    const Tensor& o = *original.initializer(name);
    const bool same = o.nbytes() == t.nbytes() && std::equal(o.raw(), o.raw() + o.nbytes(), t.raw());
    bool is_bias = false;
    for (const auto& info : a.layers) is_bias = is_bias || info.bias_q == name;
    if (!same) {
      EXPECT_TRUE(is_bias) << name << " changed";
      EXPECT_EQ(t.dtype(), DType::kI32) << name;
      ++changed;
    }
    const Tensor& again = *b.graph.initializer(name);
    EXPECT_TRUE(std::equal(t.raw(), t.raw() + t.nbytes(), again.raw())) << name;
  }
  EXPECT_GT(changed, 0);
  EXPECT_EQ(a.graph.nodes.size(), original.nodes.size());
}

// Per-tensor weights (one bias scale for every channel) and uint8 logits: the correction still
// applies per channel and brings the mean logit error down.
TEST_F(BiasCorrectionTest, PerTensorWeights) {
  Calibrator calib(model_, QuantizeConfig::preset_named("pytorch-default"));
  for (const Tensor& b : batches_) calib.observe(b);
  QuantizedModel q = calib.convert();
  const auto worst = [&] {
    double w = 0;
    for (double s : logit_mean_shift(q.graph, calib.prepared_graph(), batches_))
      w = std::max(w, std::abs(s));
    return w;
  };
  const double before = worst();
  EXPECT_EQ(correct_biases(q, calib.prepared_graph(), batches_).size(), q.layers.size());
  EXPECT_LT(worst(), before);
}

TEST_F(BiasCorrectionTest, NeedsBatches) {
  QuantizedModel q = calib_->convert();
  test::expect_error([&] { correct_biases(q, calib_->prepared_graph(), {}); },
                     "no calibration batches");
}

}  // namespace
}  // namespace octet
