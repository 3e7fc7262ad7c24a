// The Fashion-MNIST CNN made by tests/fixtures/make_cnn_fixture.py (PyTorch 1.13): octet's FP32
// accuracy equals PyTorch's, and the recommended int8 preset loses at most 0.3 points.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "octet/evaluate.h"
#include "octet/onnx_io.h"
#include "octet/quantize.h"
#include "octet/random.h"
#include "test_util.h"

namespace octet {
namespace {

class FashionCnn : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto dir = test::dataset_dir("fashion-mnist");
    if (dir.empty()) return;
    std::ifstream in(test::fixture("fashion_cnn.json"));
    fixture_ = new nlohmann::json(nlohmann::json::parse(in));
    fp32_ = new Graph(load_onnx(test::fixture("fashion_cnn.onnx")));
    train_ = new Dataset(load_idx_dataset(dir, Split::kTrain));
    test_ = new Dataset(load_idx_dataset(dir, Split::kTest));
  }
  static void TearDownTestSuite() {
    delete fixture_;
    delete fp32_;
    delete train_;
    delete test_;
  }
  void SetUp() override {
    if (!train_) GTEST_SKIP() << "data/fashion-mnist is absent (run scripts/setup)";
  }

  static inline nlohmann::json* fixture_ = nullptr;
  static inline Graph* fp32_ = nullptr;
  static inline Dataset* train_ = nullptr;
  static inline Dataset* test_ = nullptr;
};

TEST_F(FashionCnn, Fp32AccuracyEqualsPyTorchAndInt8LosesAtMostPointThree) {
  const Normalization norm = model_normalization(*fp32_, "fashion_cnn.onnx");
  EvalOptions options;
  options.show_progress = false;
  const EvalResult fp32 = evaluate(Session(*fp32_), *test_, norm, options);
  const int64_t torch_correct = (*fixture_)["fp32"]["correct"].get<int64_t>();
  std::printf("[ cnn ] FP32: octet %lld correct, PyTorch %lld\n",
              static_cast<long long>(fp32.correct), static_cast<long long>(torch_correct));
  // The bar: the same correct count as PyTorch, or within 2 images (BLAS summation order).
  EXPECT_LE(std::abs(fp32.correct - torch_correct), 2);

  Calibrator calib(*fp32_, QuantizeConfig::preset_named("recommended"));
  calibrate_on(calib, *train_, sample_indices(train_->size(), 1000, 433), norm, 100, false);
  const QuantizedModel q = calib.convert();
  const Session int8(q.graph);
  for (const auto& [name, precision] : int8.node_precision()) {
    if (name.find("Conv") != std::string::npos || name.find("Gemm") != std::string::npos) {
      EXPECT_EQ(precision, "int8") << name;
    }
  }
  const EvalResult int8_eval = evaluate(int8, *test_, norm, options);
  std::printf("[ cnn ] int8 recommended: accuracy %.4f (FP32 %.4f), top-1 agreement %.4f\n",
              int8_eval.accuracy, fp32.accuracy,
              top1_agreement(int8_eval.predictions, fp32.predictions));
  EXPECT_GE(int8_eval.accuracy, fp32.accuracy - 0.003);  // the bar: <= 0.3 points

  // The saved QDQ file reloads to bit-identical logits.
  test::TempDir tmp;
  save_onnx(q.graph, tmp / "cnn_int8.onnx");
  const Session reloaded(load_onnx(tmp / "cnn_int8.onnx"));
  const Tensor batch = make_batch(test_->images, 0, 16, norm);
  const Tensor a = int8.run(batch), b = reloaded.run(batch);
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.nbytes()), 0);
}

}  // namespace
}  // namespace octet
