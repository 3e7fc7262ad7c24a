// One quantized Session shared by 8 threads gives exactly the single-threaded results: runs are
// const and share nothing mutable (session.cpp). scripts/sanitize also runs this under TSan.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "octet/onnx_io.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "test_util.h"

namespace octet {
namespace {

constexpr int kThreads = 8;
constexpr int kRunsPerThread = 3;

Tensor random_images(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-0.5f, 2.5f);
  Tensor t(DType::kF32, {n, 1, 28, 28});
  for (float& v : t.values<float>()) v = dist(rng);
  return t;
}

// The fixture calibrated on random inputs, converted to QDQ, saved and loaded back: the model a
// deployment would load from disk.
Session quantized_session(const std::string& fixture) {
  Calibrator calib(load_onnx(test::fixture(fixture)), QuantizeConfig::preset_named("recommended"));
  const Tensor calib_inputs = random_images(16, 7);
  std::vector<int64_t> indices(16);
  for (int64_t i = 0; i < 16; ++i) indices[static_cast<size_t>(i)] = i;
  calibrate_on_tensor(calib, calib_inputs, indices, 8, false);
  test::TempDir tmp;
  save_onnx(calib.convert().graph, tmp / "int8.onnx");
  return Session(load_onnx(tmp / "int8.onnx"));
}

void expect_threads_match_single_thread(const Session& session) {
  // A different input per thread, so a run that read another run's buffers would show.
  std::vector<Tensor> inputs, expected;
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(random_images(1 + t % 3, 100 + static_cast<uint32_t>(t)));
    expected.push_back(session.run(inputs.back()));
  }
  std::atomic<int> mismatches{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Start together, so the runs really overlap.
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      for (int r = 0; r < kRunsPerThread; ++r) {
        const Tensor got = session.run(inputs[static_cast<size_t>(t)]);
        const Tensor& want = expected[static_cast<size_t>(t)];
        if (got.shape() != want.shape() || std::memcmp(got.raw(), want.raw(), want.nbytes()) != 0)
          mismatches.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0) << "runs on " << kThreads << " threads differed from one";
}

TEST(SessionThreads, QuantizedMlpGivesIdenticalResultsOnEightThreads) {
  const Session session = quantized_session("mlp_torch_flatten_gemm.onnx");
  int int8_nodes = 0;
  for (const auto& [name, precision] : session.node_precision()) int8_nodes += precision == "int8";
  ASSERT_GT(int8_nodes, 0) << "the model should run integer kernels";
  expect_threads_match_single_thread(session);
}

TEST(SessionThreads, QuantizedCnnGivesIdenticalResultsOnEightThreads) {
  expect_threads_match_single_thread(quantized_session("fashion_cnn.onnx"));
}

}  // namespace
}  // namespace octet
