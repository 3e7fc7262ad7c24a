// The calibration tools end to end through the CLI, on a tiny IDX data set written by the test:
// sharded calibration (octet calibrate --shard, quantize --stats) equal to one pass byte for
// byte, octet compare, quantize --sensitivity / --max-drop, the range-drift diagnostic, and bad
// input: exit 2, one line naming the file or flag, no output written.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "octet/random.h"
#include "test_util.h"

namespace octet {
namespace {

using test::put_u32_be;
using test::read_bytes;
using test::write_bytes;

namespace fs = std::filesystem;
using nlohmann::json;

// One split of `n` 28x28 images: class c is a bright band in rows 2c..2c+7 over seeded noise.
void write_split(const fs::path& dir, const std::string& prefix, uint32_t n, Rng& rng) {
  std::string images, labels;
  put_u32_be(images, 0x803);
  put_u32_be(images, n);
  put_u32_be(images, 28);
  put_u32_be(images, 28);
  put_u32_be(labels, 0x801);
  put_u32_be(labels, n);
  for (uint32_t i = 0; i < n; ++i) {
    const auto label = static_cast<uint8_t>(rng.below(10));
    labels.push_back(static_cast<char>(label));
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c)
        images.push_back(
            static_cast<char>(rng.below(64) + (r >= 2 * label && r < 2 * label + 8 ? 160 : 0)));
  }
  write_bytes(dir / (prefix + "-images-idx3-ubyte"), images);
  write_bytes(dir / (prefix + "-labels-idx1-ubyte"), labels);
}

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

class CalibTools : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    fs::create_directories(data());
    Rng rng(99);
    write_split(data(), "train", 500, rng);
    write_split(data(), "t10k", 100, rng);
    for (const auto& [path, seed] : {std::pair{model(), 7}, std::pair{other_model(), 8}}) {
      const auto r = test::run_octet("train --data " + q(data()) + " --hidden 16,8 --seed " +
                                     std::to_string(seed) + " -o " + q(path));
      if (r.exit_code != 0)
        setup_error_ = "octet train exited " + std::to_string(r.exit_code) + ": " + r.err;
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static fs::path data() { return dir_->path() / "data"; }
  static fs::path model() { return dir_->path() / "model.onnx"; }
  static fs::path other_model() { return dir_->path() / "other.onnx"; }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    fresh_out();
  }
  // A new empty directory for the outputs of the next commands.
  void fresh_out() {
    out_ = dir_->path() / ("out_" + std::to_string(counter_++));
    fs::create_directories(out_);
  }
  // Shard i/n statistics of `m` in dir (not out_): --calib-count 400 (4 batches of 100), seed 3.
  // `config` are quantization flags, given to calibrate as they would be to quantize.
  fs::path shard(const fs::path& dir, int i, int n, const fs::path& m = model(),
                 const std::string& config = "") {
    const fs::path f = dir / ("stats_" + std::to_string(i) + ".json");
    const auto r = test::run_octet("calibrate " + q(m) + " --calib " + q(data()) +
                                   " --calib-count 400 --seed 3 --shard " + std::to_string(i) +
                                   "/" + std::to_string(n) + config + " -o " + q(f));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return f;
  }
  void expect_usage_error(const std::string& args, std::initializer_list<std::string> needles) {
    SCOPED_TRACE("octet " + args);
    const auto r = test::run_octet(args);
    std::printf("[ cli ] exit %d: %s", r.exit_code, r.err.c_str());
    EXPECT_EQ(r.exit_code, 2) << "stderr: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr: " << r.err;
    for (const auto& needle : needles)
      EXPECT_NE(r.err.find(needle), std::string::npos)
          << "stderr: " << r.err << "\nexpected: " << needle;
    EXPECT_TRUE(r.out.empty()) << "stdout: " << r.out;
    EXPECT_TRUE(fs::is_empty(out_)) << "output written in " << out_;
  }

  fs::path out_;
  static inline test::TempDir* dir_ = nullptr;
  static inline int counter_ = 0;
  static inline std::string setup_error_;
};

TEST_F(CalibTools, FourShardsGiveTheSinglePassModelByteForByte) {
  const auto single =
      test::run_octet("quantize " + q(model()) + " --calib " + q(data()) +
                      " --calib-count 400 --seed 3 --no-eval -o " + q(out_ / "single.onnx"));
  ASSERT_EQ(single.exit_code, 0) << single.err;
  const fs::path stats = dir_->path() / "stats4";
  fs::create_directories(stats);
  std::string files;
  for (int i = 3; i >= 0; --i) files += " " + q(shard(stats, i, 4));
  const auto merged = test::run_octet("quantize " + q(model()) + " --stats" + files + " --data " +
                                      q(data()) + " -o " + q(out_ / "merged.onnx") + " --json");
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  const json j = json::parse(merged.out);
  EXPECT_EQ(j["calibration"]["count"], 400);
  EXPECT_EQ(j["stats_files"].size(), 4u);
  // The diagnostic comes through the merge: one entry per activation observer (the flattened
  // input, quantized after the float Flatten of the graph input, and the two hidden outputs;
  // the logits leave in float).
  std::vector<std::string> tensors;
  for (const auto& e : j["range_drift"]) tensors.push_back(e["tensor"]);
  EXPECT_EQ(tensors, (std::vector<std::string>{"flatten_out", "relu1_out", "relu2_out"}))
      << j["range_drift"].dump();
  const std::string a = read_bytes(out_ / "single.onnx"), b = read_bytes(out_ / "merged.onnx");
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "4 merged shards differ from the single pass";
}

// calibrate takes every config flag quantize takes, so a sharded run can reproduce any single
// pass; a shard made with other flags is refused by the merge.
TEST_F(CalibTools, ShardsTakeQuantizeConfigFlags) {
  const std::string config =
      " --method percentile --percentile 99.9 --reduce-range --override relu1_out=minmax";
  const auto single = test::run_octet("quantize " + q(model()) + " --calib " + q(data()) +
                                      " --calib-count 400 --seed 3 --no-eval" + config + " -o " +
                                      q(out_ / "single.onnx"));
  ASSERT_EQ(single.exit_code, 0) << single.err;
  const fs::path stats = dir_->path() / "stats_config";
  fs::create_directories(stats);
  std::string files;
  for (int i = 0; i < 2; ++i) files += " " + q(shard(stats, i, 2, model(), config));
  const auto merged = test::run_octet("quantize " + q(model()) + " --no-eval" + config +
                                      " --stats" + files + " -o " + q(out_ / "merged.onnx"));
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_TRUE(read_bytes(out_ / "single.onnx") == read_bytes(out_ / "merged.onnx"));
  fresh_out();
  expect_usage_error("quantize " + q(model()) + " --no-eval --stats" + files + " -o " +
                         q(out_ / "m.onnx"),
                     {"made with config"});
  // The sample is the shards': flags that would draw another one are refused, not ignored.
  expect_usage_error("quantize " + q(model()) + " --no-eval" + config + " --seed 4 --stats" +
                         files + " -o " + q(out_ / "m.onnx"),
                     {"--seed"});
}

// Bias correction (the recommended preset's) needs the calibration images again: the merge
// re-reads them from the source the shards recorded. When that is gone, it says so (naming
// the way out), and --no-bias-correction merges without them.
TEST_F(CalibTools, StatsMergeNeedsTheShardsImagesForBiasCorrection) {
  const fs::path stats = dir_->path() / "stats_moved";
  fs::create_directories(stats);
  const fs::path gone = dir_->path() / "moved_away";
  std::string files;
  for (int i = 0; i < 2; ++i) {
    const fs::path f = shard(stats, i, 2);
    json j = json::parse(read_bytes(f));
    j["draw"]["source"] = gone.string();
    write_bytes(f, j.dump());
    files += " " + q(f);
  }
  expect_usage_error("quantize " + q(model()) + " --no-eval --stats" + files + " -o " +
                         q(out_ / "m.onnx"),
                     {"bias correction", gone.string(), "--no-bias-correction"});
  const auto r = test::run_octet("quantize " + q(model()) + " --no-eval --no-bias-correction --stats" +
                                 files + " -o " + q(out_ / "m.onnx"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CalibTools, StatsMergeRejectsBadShards) {
  const fs::path stats = dir_->path() / "stats3";
  fs::create_directories(stats);
  const fs::path s0 = shard(stats, 0, 3), s1 = shard(stats, 1, 3), s2 = shard(stats, 2, 3);
  const std::string head =
      "quantize " + q(model()) + " --no-eval -o " + q(out_ / "m.onnx") + " --stats ";
  expect_usage_error(head + q(s0) + " " + q(s2), {"shard 1/3 is missing"});
  expect_usage_error(head + q(s0) + " " + q(s1) + " " + q(s1) + " " + q(s2),
                     {"given twice", s1.string()});
  const fs::path foreign_dir = dir_->path() / "foreign";
  fs::create_directories(foreign_dir);
  const fs::path foreign = shard(foreign_dir, 1, 3, other_model());
  expect_usage_error(head + q(s0) + " " + q(foreign) + " " + q(s2),
                     {foreign.string(), "not of this model"});
  const fs::path broken = stats / "broken.json";
  write_bytes(broken, read_bytes(s1).substr(0, 100));
  expect_usage_error(head + q(s0) + " " + q(broken) + " " + q(s2),
                     {broken.string(), "not valid JSON"});
  expect_usage_error(head + q(stats / "absent.json"), {"absent.json"});
  expect_usage_error("calibrate " + q(model()) + " --calib " + q(data()) +
                         " --calib-count 400 --shard 3/3 -o " + q(out_ / "s.json"),
                     {"--shard"});
  expect_usage_error("calibrate " + q(model()) + " --calib " + q(data()) +
                         " --calib-count 400 --shard 0/5 -o " + q(out_ / "s.json"),
                     {"--shard", "at most 4"});
  expect_usage_error("quantize " + q(model()) + " -o " + q(out_ / "m.onnx"),
                     {"--calib", "--stats"});
}

TEST_F(CalibTools, CompareSortsLayersWorstFirst) {
  const auto r = test::run_octet("quantize " + q(model()) + " --calib " + q(data()) +
                                 " --calib-count 100 --no-eval -o " + q(out_ / "q.onnx"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto c = test::run_octet("compare " + q(model()) + " " + q(out_ / "q.onnx") + " --data " +
                                 q(data()) + " --json");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const json j = json::parse(c.out);
  ASSERT_EQ(j["layers"].size(), 3u) << c.out;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(j["layers"][i]["precision"], "int8");
    EXPECT_GT(j["layers"][i]["cosine"].get<double>(), 0.9);
    if (i > 0) {
      EXPECT_LE(j["layers"][i - 1]["sqnr_db"].get<double>(),
                j["layers"][i]["sqnr_db"].get<double>());
    }
  }
  EXPECT_EQ(j["samples"], 100);
  EXPECT_GT(j["top1_agreement"].get<double>(), 0.8);
  const auto text = test::run_octet("compare " + q(model()) + " " + q(out_ / "q.onnx") +
                                    " --data " + q(data()) + " --limit 20");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("top-1 agreement"), std::string::npos) << text.out;
  fresh_out();
  expect_usage_error(
      "compare " + q(model()) + " " + q(out_ / "missing.onnx") + " --data " + q(data()),
      {"missing.onnx"});
}

TEST_F(CalibTools, MaxDropKeepsSensitiveLayersInFp32) {
  const auto r =
      test::run_octet("quantize " + q(model()) + " --calib " + q(data()) +
                      " --calib-count 100 --max-drop 0 --sensitivity --holdout-count 80 -o " +
                      q(out_ / "q.onnx") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_TRUE(j["mixed_precision"].is_object()) << r.out;
  EXPECT_TRUE(j["mixed_precision"]["met"].get<bool>());
  EXPECT_LE(j["mixed_precision"]["final"]["drop_points"].get<double>(), 0.0);
  EXPECT_EQ(j["sensitivity"].size(), 3u);
  EXPECT_NE(j["mixed_precision"]["holdout"].get<std::string>().find("80 of 500"),
            std::string::npos);
  // 450 calibration + 80 held-out images do not fit in 500 disjoint ones.
  fresh_out();
  expect_usage_error("quantize " + q(model()) + " --calib " + q(data()) +
                         " --calib-count 450 --max-drop 0 --holdout-count 80 -o " +
                         q(out_ / "x.onnx"),
                     {"held-out", "80"});
  expect_usage_error("quantize " + q(model()) + " --calib " + q(data()) +
                         " --calib-count 100 --max-drop -1 -o " + q(out_ / "x.onnx"),
                     {"--max-drop"});
}

}  // namespace
}  // namespace octet
