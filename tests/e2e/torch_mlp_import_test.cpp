// Import of MLPs exported by torch.onnx.export in two module forms (Flatten + Gemm, Reshape +
// MatMul + Add): both load and run, and their FP32 logits match PyTorch's
// (tests/fixtures/mlp_torch_*.onnx and mlp_torch_logits.json, see the README there).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "octet/data.h"
#include "octet/evaluate.h"
#include "octet/onnx_io.h"
#include "octet/runtime.h"
#include "test_util.h"

namespace octet {
namespace {

using nlohmann::json;

const json& reference() {
  static const json j = [] {
    std::ifstream in(test::fixture("mlp_torch_logits.json"));
    EXPECT_TRUE(in.good());
    return json::parse(in);
  }();
  return j;
}

// The fixture's normalized inputs [5][784] as float32 [5, 1, 28, 28].
Tensor reference_inputs() {
  const json& rows = reference()["inputs"];
  Tensor t(DType::kF32, {static_cast<int64_t>(rows.size()), 1, 28, 28});
  float* out = t.data<float>();
  for (const auto& row : rows)
    for (const auto& v : row) *out++ = static_cast<float>(v.get<double>());
  return t;
}

// Element-wise |got - want| <= 1e-5 * max(1, |want|): PyTorch and octet sum the dot products in
// different orders (OpenBLAS vs octet's kernel), so the last bits may differ.
void expect_logits_match(const Tensor& logits, const json& want, const std::string& what) {
  ASSERT_EQ(logits.dtype(), DType::kF32);
  ASSERT_EQ(logits.rank(), 2u);
  ASSERT_EQ(logits.dim(0), static_cast<int64_t>(want.size())) << what;
  ASSERT_EQ(logits.dim(1), 10);
  double worst_ratio = 0, worst_got = 0, worst_want = 0;
  int64_t worst_index = -1;
  for (int64_t r = 0; r < logits.dim(0); ++r)
    for (int64_t c = 0; c < 10; ++c) {
      const double got = logits.data<float>()[r * 10 + c];
      const double expected = static_cast<float>(want[r][c].get<double>());
      const double ratio = std::fabs(got - expected) / std::max(1.0, std::fabs(expected));
      EXPECT_LE(ratio, 1e-5) << what << " logit [" << r << "][" << c << "]: got " << got
                             << ", PyTorch " << expected;
      if (ratio >= worst_ratio) {
        worst_ratio = ratio;
        worst_index = r * 10 + c;
        worst_got = got;
        worst_want = expected;
      }
    }
  std::printf("[ import ] %s: worst |diff| / max(1, |ref|) = %.3g at logit %lld (%.9g vs %.9g)\n",
              what.c_str(), worst_ratio, static_cast<long long>(worst_index), worst_got,
              worst_want);
}

std::vector<int32_t> argmax_rows(const Tensor& logits) {
  std::vector<int32_t> out;
  const float* p = logits.data<float>();
  for (int64_t r = 0; r < logits.dim(0); ++r, p += logits.dim(1))
    out.push_back(static_cast<int32_t>(std::max_element(p, p + logits.dim(1)) - p));
  return out;
}

class TorchMlpImport : public ::testing::TestWithParam<const char*> {};

TEST_P(TorchMlpImport, LoadsRunsAndMatchesPyTorchLogits) {
  const std::string file = GetParam();
  const Graph graph = load_onnx(test::fixture(file));
  std::vector<std::string> ops;
  for (const Node& n : graph.nodes) ops.push_back(n.op_type);
  std::vector<std::string> want_ops;
  for (const auto& op : reference()["models"][file]["ops"]) want_ops.push_back(op);
  // The Constant node of the Reshape form becomes an initializer on import.
  want_ops.erase(std::remove(want_ops.begin(), want_ops.end(), "Constant"), want_ops.end());
  EXPECT_EQ(ops, want_ops);

  const Session session(graph);
  const Tensor logits = session.run(reference_inputs());
  expect_logits_match(logits, reference()["logits"], file + " vs logits");
  if (file == "mlp_torch_reshape_matmul.onnx")
    expect_logits_match(logits, reference()["logits_reshape_matmul"],
                        file + " vs logits_reshape_matmul");
  std::vector<int32_t> want_pred;
  for (const auto& v : reference()["predictions"]) want_pred.push_back(v.get<int32_t>());
  EXPECT_EQ(argmax_rows(logits), want_pred);
}

// octet.normalize parses to the float32 mean/std PyTorch used, and octet's own preprocessing of
// the raw pixels gives PyTorch's inputs bit for bit.
TEST_P(TorchMlpImport, NormalizeMetadataParsesAndReproducesInputs) {
  const Graph graph = load_onnx(test::fixture(GetParam()));
  ASSERT_TRUE(graph.metadata.count(kNormalizeKey));
  EXPECT_EQ(graph.metadata.at(kNormalizeKey), "0.2860406,0.35302424");
  const Normalization norm = model_normalization(graph, GetParam());
  ASSERT_EQ(norm.mean.size(), 1u);
  ASSERT_EQ(norm.std.size(), 1u);
  EXPECT_EQ(norm.mean[0], static_cast<float>(reference()["normalize"]["mean"].get<double>()));
  EXPECT_EQ(norm.std[0], static_cast<float>(reference()["normalize"]["std"].get<double>()));

  const json& pixels = reference()["pixels"];
  Tensor images(DType::kU8, {static_cast<int64_t>(pixels.size()), 1, 28, 28});
  uint8_t* out = images.data<uint8_t>();
  for (const auto& row : pixels)
    for (const auto& p : row) *out++ = static_cast<uint8_t>(p.get<int>());
  const Tensor batch = make_batch(images, 0, images.dim(0), norm);
  const Tensor want = reference_inputs();
  ASSERT_EQ(batch.shape(), want.shape());
  int64_t mismatches = 0;
  for (int64_t i = 0; i < batch.numel(); ++i)
    mismatches += batch.data<float>()[i] != want.data<float>()[i];
  EXPECT_EQ(mismatches, 0);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TorchMlpImport,
                         ::testing::Values("mlp_torch_flatten_gemm.onnx",
                                           "mlp_torch_reshape_matmul.onnx"),
                         [](const auto& info) {
                           return std::string(info.param).find("gemm") != std::string::npos
                                      ? "FlattenGemm"
                                      : "ReshapeMatMul";
                         });

}  // namespace
}  // namespace octet
