// The QDQ model convert() writes: save -> load gives the same bits out, the file is
// deterministic, the Gemms run as fused integer kernels, and on real data the recommended preset
// keeps the FP32 accuracy.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "octet/data.h"
#include "octet/evaluate.h"
#include "octet/onnx_io.h"
#include "octet/quantize.h"
#include "octet/random.h"
#include "test_util.h"

namespace octet {
namespace {

using test::random_uniform;
using test::read_bytes;

namespace fs = std::filesystem;

using test::make_node;

// A small MLP unlike the fixtures: input [N, 20], a Gemm with transB = 0 (weights [K, N], so the
// per-channel axis is 1) and a bias, a Relu, then a Gemm with transB = 1 and no bias.
Graph make_small_mlp() {
  Rng rng(7);
  Graph g;
  g.name = "small_mlp";
  g.inputs.push_back({"x", DType::kF32, {-1, 20}, {"N", ""}});
  g.outputs.push_back({"y", DType::kF32, {-1, 8}, {"N", ""}});
  g.nodes.push_back(make_node("fc1", "Gemm", {"x", "w1", "b1"}, {"h"}));
  g.nodes.push_back(make_node("relu1", "Relu", {"h"}, {"a"}));
  g.nodes.push_back(make_node("fc2", "Gemm", {"a", "w2"}, {"y"}, {{"transB", int64_t{1}}}));
  g.initializers["w1"] = random_uniform({20, 12}, rng, -0.5f, 0.5f);
  g.initializers["b1"] = random_uniform({12}, rng, -0.2f, 0.2f);
  g.initializers["w2"] = random_uniform({8, 12}, rng, -0.5f, 0.5f);
  return g;
}

struct Model {
  std::string name;
  Graph fp32;
  std::vector<Tensor> calib_batches;  // seeded random calibration data
  Tensor eval_batch;                  // also calibrated on: no value falls outside the ranges
};

// Random images through the model's own normalization, for an image model; uniform values for
// the small MLP.
Model make_model(const std::string& name) {
  Model m;
  m.name = name;
  Rng rng(433);
  if (name == "small_mlp") {
    m.fp32 = make_small_mlp();
    for (int b = 0; b < 3; ++b) m.calib_batches.push_back(random_uniform({32, 20}, rng, -2.0f, 2.0f));
    m.eval_batch = random_uniform({50, 20}, rng, -2.0f, 2.0f);
    m.calib_batches.push_back(m.eval_batch);
    return m;
  }
  m.fp32 = load_onnx(test::fixture(name));
  const Normalization norm = model_normalization(m.fp32, name);
  Tensor images(DType::kU8, {228, 1, 28, 28});
  for (uint8_t& p : images.values<uint8_t>()) p = static_cast<uint8_t>(rng.below(256));
  for (int64_t b = 0; b < 3; ++b)
    m.calib_batches.push_back(make_batch(images, b * 64, b * 64 + 64, norm));
  m.eval_batch = make_batch(images, 192, 228, norm);
  m.calib_batches.push_back(m.eval_batch);
  return m;
}

QuantizedModel quantize(const Model& m, const std::string& preset) {
  Calibrator calib(m.fp32, QuantizeConfig::preset_named(preset));
  for (const Tensor& b : m.calib_batches) calib.observe(b);
  return calib.convert();
}

void expect_gemms_int8(const Session& session, const std::string& what) {
  int gemms = 0;
  for (const Node& n : session.graph().nodes) {
    if (n.op_type != "Gemm") continue;
    ++gemms;
    EXPECT_EQ(session.node_precision().at(n.name), "int8") << what << ": " << n.describe();
  }
  EXPECT_GT(gemms, 0) << what;
}

using Param = std::tuple<const char*, const char*>;  // model, preset

class QuantizeRoundTrip : public ::testing::TestWithParam<Param> {};

TEST_P(QuantizeRoundTrip, SavedModelGivesBitIdenticalOutputs) {
  const auto [model_name, preset] = GetParam();
  const Model m = make_model(model_name);
  const QuantizedModel q = quantize(m, preset);
  test::TempDir dir;
  save_onnx(q.graph, dir / "q.onnx");  // runs onnx::checker::check_model, throws if it rejects

  const Session in_memory(q.graph);
  const Session loaded(load_onnx(dir / "q.onnx"));
  expect_gemms_int8(in_memory, "in-memory QDQ graph");
  expect_gemms_int8(loaded, "loaded QDQ graph");
  EXPECT_EQ(in_memory.node_precision(), loaded.node_precision());

  const Tensor a = in_memory.run(m.eval_batch);
  const Tensor b = loaded.run(m.eval_batch);
  ASSERT_EQ(a.dtype(), DType::kF32);
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.nbytes()), 0);

  // Sanity: the quantized model is close to FP32. Every value lies inside its calibrated range,
  // so the error is rounding only: measured at most 1.8% of max |fp32| (pytorch-default, 7-bit
  // activations) and 1% (recommended); 10% leaves room for other seeds, not for a wrong scale.
  const Tensor ref = Session(m.fp32).run(m.eval_batch);
  double max_abs_ref = 0, max_err = 0;
  for (int64_t i = 0; i < ref.numel(); ++i) {
    max_abs_ref = std::max(max_abs_ref, std::fabs(double{ref.data<float>()[i]}));
    max_err = std::max(max_err, std::fabs(double{ref.data<float>()[i]} - a.data<float>()[i]));
  }
  std::printf("[ roundtrip ] %s %s: max |int8 - fp32| = %.4g (max |fp32| %.4g)\n", model_name,
              preset, max_err, max_abs_ref);
  EXPECT_LT(max_err, 0.1 * max_abs_ref);
}

TEST_P(QuantizeRoundTrip, SavedFileIsDeterministic) {
  const auto [model_name, preset] = GetParam();
  const Model m = make_model(model_name);
  test::TempDir dir;
  save_onnx(quantize(m, preset).graph, dir / "a.onnx");
  save_onnx(quantize(m, preset).graph, dir / "b.onnx");
  const std::string a = read_bytes(dir / "a.onnx");
  const std::string b = read_bytes(dir / "b.onnx");
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "two runs wrote " << a.size() << " and " << b.size()
                      << " bytes that differ";
}

INSTANTIATE_TEST_SUITE_P(Models, QuantizeRoundTrip,
                         ::testing::Combine(::testing::Values("ptq_default_qconfig.onnx",
                                                              "small_mlp"),
                                            ::testing::Values("recommended", "pytorch-default")),
                         [](const auto& info) {
                           std::string name =
                               std::string(std::get<0>(info.param)) + "_" + std::get<1>(info.param);
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// Real data: the PyTorch-trained Fashion-MNIST MLP (784-50-80-30-10), calibrated with the
// recommended preset on 1000 seeded train images, evaluated on the 10000 test images.
TEST(QuantizeAccuracy, RecommendedPresetKeepsFashionMnistAccuracy) {
  const fs::path data = test::dataset_dir("fashion-mnist");
  if (data.empty()) GTEST_SKIP() << "data/fashion-mnist is absent (run scripts/setup)";
  const Graph fp32 = load_onnx(test::fixture("mlp_torch_flatten_gemm.onnx"));
  const Normalization norm = model_normalization(fp32, "mlp_torch_flatten_gemm.onnx");
  const Dataset train = load_idx_dataset(data, Split::kTrain);
  const Dataset test_set = load_idx_dataset(data, Split::kTest);
  ASSERT_EQ(train.size(), 60000);
  ASSERT_EQ(test_set.size(), 10000);

  Calibrator calib(fp32, QuantizeConfig::preset_named("recommended"));
  calibrate_on(calib, train, sample_indices(60000, 1000, 433), norm, 100, false);
  const QuantizedModel q = calib.convert();
  EXPECT_TRUE(q.warnings.empty());

  EvalOptions options;
  options.show_progress = false;
  const EvalResult fp32_eval = evaluate(Session(fp32), test_set, norm, options);
  const Session int8_session(q.graph);
  expect_gemms_int8(int8_session, "fashion-mnist int8");
  const EvalResult int8_eval = evaluate(int8_session, test_set, norm, options);
  const double agreement = top1_agreement(fp32_eval.predictions, int8_eval.predictions);
  std::printf(
      "[ accuracy ] fashion-mnist: fp32 %.4f, int8 (recommended) %.4f, top-1 agreement "
      "%.4f\n",
      fp32_eval.accuracy, int8_eval.accuracy, agreement);
  // Measured: fp32 0.8161, int8 0.8151 (-0.10 points), top-1 agreement 0.9960. The margins
  // (0.5 points, 0.98) are several times what was measured, yet tight enough to catch a real
  // defect: a wrong scale or zero point on one layer costs whole points and several percent of
  // agreement. PyTorch's own default_qconfig PTQ of a similar MLP (fixtures README) loses 0.2
  // points with agreement 0.987, so a preset that is meant to be better must stay within them.
  EXPECT_LE(std::fabs(int8_eval.accuracy - fp32_eval.accuracy), 0.005);
  EXPECT_GE(agreement, 0.98);
}

}  // namespace
}  // namespace octet
