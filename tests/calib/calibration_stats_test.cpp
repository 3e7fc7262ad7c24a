// Sharded calibration through the library: shard statistics exported, written, read back and
// merged give the same quantized model, byte for byte, as one pass; the merge refuses shards of
// another model or config, missing or duplicate shards and malformed files, naming the file.
// Also the calibration-size diagnostic (range_drift) and its survival through the merge.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "octet/atomic_file.h"
#include "octet/calib_shards.h"
#include "octet/error.h"
#include "octet/onnx_io.h"
#include "octet/quantize.h"
#include "octet/random.h"
#include "test_util.h"

namespace octet {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Model inputs [n, 1, 28, 28]: uniform noise whose amplitude grows with the row index, so the
// ranges keep growing over the sample and every shard sees different extremes.
Tensor growing_inputs(int64_t n) {
  Rng rng(11);
  Tensor t(DType::kF32, {n, 1, 28, 28});
  float* p = t.data<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < 784; ++k)
      p[i * 784 + k] =
          rng.uniform(-1.0f, 1.0f) * (1.0f + static_cast<float>(i) / static_cast<float>(n));
  return t;
}

class CalibrationStats : public ::testing::Test {
 protected:
  void SetUp() override { model_ = load_onnx(test::fixture("mlp_torch_flatten_gemm.onnx")); }

  // One Calibrator over rows [begin, end) of the drawn sample, marked like `octet calibrate`.
  std::unique_ptr<Calibrator> calibrate_part(int64_t begin, int64_t end,
                                             const QuantizeConfig& cfg = {}) {
    auto calib = std::make_unique<Calibrator>(model_, cfg);
    calib->set_drift_mark(std::max<int64_t>(0, drift_mark_for(kCount) - begin));
    const std::vector<int64_t> part(sample_.begin() + begin, sample_.begin() + end);
    calibrate_on_tensor(*calib, inputs_, part, kBatch, false);
    return calib;
  }
  // Writes shard i of n to dir/shard_i.json.
  fs::path write_shard(const fs::path& dir, ShardSpec s) {
    const auto [begin, end] = shard_rows(kCount, s, kBatch);
    const auto calib = calibrate_part(begin, end);
    const fs::path file = dir / ("shard_" + std::to_string(s.index) + ".json");
    write_file_atomic(file, shard_statistics_json(*calib, s, draw_).dump(1));
    return file;
  }

  static constexpr int64_t kCount = 250;
  static constexpr int64_t kBatch = 32;  // 8 batches: 4 shards of 2 batches, the last short
  Graph model_;
  Tensor inputs_ = growing_inputs(400);
  std::vector<int64_t> sample_ = sample_indices(400, kCount, 5);
  CalibrationDraw draw_{"inputs", "npy", 400, kCount, 5, kBatch};
  test::TempDir dir_;
};

TEST_F(CalibrationStats, FourShardsMergeToTheSinglePassByteForByte) {
  const auto single = calibrate_part(0, kCount);
  save_onnx(single->convert().graph, dir_ / "single.onnx");

  std::vector<fs::path> files;
  // Given out of order: the merge sorts them by shard index.
  for (int64_t i : {2, 0, 3, 1}) files.push_back(write_shard(dir_.path(), {i, 4}));
  Calibrator merged(model_, QuantizeConfig{});
  const CalibrationDraw draw = merge_shard_files(merged, files);
  EXPECT_EQ(draw, draw_);
  EXPECT_EQ(merged.n_samples(), kCount);
  save_onnx(merged.convert().graph, dir_ / "merged.onnx");
  for (const auto& [name, obs] : single->activation_observers()) {
    const ObservedRange a = obs->range(), b = merged.activation_observers().at(name)->range();
    EXPECT_EQ(a.min, b.min) << name;
    EXPECT_EQ(a.max, b.max) << name;
  }
  const std::string a = read_bytes(dir_ / "single.onnx"), b = read_bytes(dir_ / "merged.onnx");
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "the merge of 4 shards differs from the single pass";

  // The diagnostic survives the merge: same head (the first 90%), same movement.
  const auto d1 = single->range_drift(), d2 = merged.range_drift();
  ASSERT_EQ(d1.size(), d2.size());
  ASSERT_FALSE(d1.empty());
  for (size_t i = 0; i < d1.size(); ++i) {
    EXPECT_EQ(d1[i].tensor, d2[i].tensor);
    EXPECT_EQ(d1[i].head_samples, drift_mark_for(kCount));
    EXPECT_EQ(d1[i].head_samples, d2[i].head_samples);
    EXPECT_EQ(d1[i].moved, d2[i].moved) << d1[i].tensor;
  }
}

TEST_F(CalibrationStats, ExportImportRoundTripsThroughText) {
  const auto calib = calibrate_part(0, 100);
  const nlohmann::json stats = nlohmann::json::parse(calib->export_statistics().dump());
  Calibrator again(model_, QuantizeConfig{});
  again.import_statistics(stats, "stats.json");
  EXPECT_EQ(again.n_samples(), 100);
  for (const auto& [name, obs] : calib->activation_observers()) {
    const ObservedRange a = obs->range(), b = again.activation_observers().at(name)->range();
    EXPECT_EQ(a.min, b.min) << name;
    EXPECT_EQ(a.max, b.max) << name;
  }
}

TEST_F(CalibrationStats, RangeDriftFlagsARangeStillGrowing) {
  // The inputs' amplitude grows with the row: the last 10% widen the input range by ~4-10%.
  const auto calib = calibrate_part(0, kCount);
  const auto drift = calib->range_drift();
  ASSERT_FALSE(drift.empty());
  const std::string first_input = calib->layers().at(0).input;
  float input_moved = -1;
  for (const auto& d : drift)
    if (d.tensor == first_input) input_moved = d.moved;
  EXPECT_GT(input_moved, 0.01f) << first_input;
  // Shuffled so the extremes come early: the range barely moves at the end.
  std::vector<int64_t> order(sample_.rbegin(), sample_.rend());
  Calibrator rev(model_, QuantizeConfig{});
  rev.set_drift_mark(drift_mark_for(kCount));
  calibrate_on_tensor(rev, inputs_, order, 64, false);
  for (const auto& d : rev.range_drift()) {
    if (d.tensor == first_input) {
      EXPECT_LT(d.moved, 0.01f);
    }
  }
  // No mark, no diagnostic.
  Calibrator none(model_, QuantizeConfig{});
  calibrate_on_tensor(none, inputs_, sample_, 64, false);
  EXPECT_TRUE(none.range_drift().empty());
  EXPECT_THROW(none.set_drift_mark(10), Error);
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_F(CalibrationStats, MergeRefusesBadShards) {
  std::vector<fs::path> files;
  for (int64_t i = 0; i < 3; ++i) files.push_back(write_shard(dir_.path(), {i, 3}));
  auto merge = [&](const std::vector<fs::path>& f) {
    Calibrator c(model_, QuantizeConfig{});
    merge_shard_files(c, f);
  };
  // Missing shard.
  EXPECT_NE(error_of([&] {
              merge({files[0], files[2]});
            }).find("shard 1/3 is missing"),
            std::string::npos);
  // Duplicate.
  const std::string dup = error_of([&] { merge({files[0], files[1], files[1], files[2]}); });
  EXPECT_NE(dup.find("given twice"), std::string::npos) << dup;
  EXPECT_NE(dup.find(files[1].string()), std::string::npos) << dup;
  // Malformed JSON.
  const fs::path bad = dir_ / "bad.json";
  write_file_atomic(bad, "{\"format\": ");
  const std::string malformed = error_of([&] { merge({files[0], bad, files[2]}); });
  EXPECT_NE(malformed.find(bad.string()), std::string::npos) << malformed;
  // A field removed.
  nlohmann::json j = nlohmann::json::parse(read_bytes(files[1]));
  j["statistics"]["observers"][0].erase("max");
  const fs::path no_max = dir_ / "no_max.json";
  write_file_atomic(no_max, j.dump());
  const std::string missing = error_of([&] { merge({files[0], no_max, files[2]}); });
  EXPECT_NE(missing.find(no_max.string()), std::string::npos) << missing;
  EXPECT_NE(missing.find("'max'"), std::string::npos) << missing;
  // Another model: the statistics name a model the merging Calibrator is not.
  Calibrator other(load_onnx(test::fixture("ptq_default_qconfig.onnx")), QuantizeConfig{});
  const std::string model = error_of([&] { merge_shard_files(other, files); });
  EXPECT_NE(model.find("not of this model"), std::string::npos) << model;
  EXPECT_NE(model.find(files[0].string()), std::string::npos) << model;
  // Another config.
  Calibrator torch(model_, QuantizeConfig::preset_named("pytorch-default"));
  const std::string config = error_of([&] { merge_shard_files(torch, files); });
  EXPECT_NE(config.find("config"), std::string::npos) << config;
  // Shards of another split of the sample (n differs).
  const fs::path four = write_shard(dir_.path(), {3, 4});
  const std::string mixed = error_of([&] { merge({files[0], files[1], files[2], four}); });
  EXPECT_NE(mixed.find(four.string()), std::string::npos) << mixed;
}

TEST(ShardSpec, ParsesAndRejects) {
  const ShardSpec s = ShardSpec::parse("2/4", "--shard");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 4);
  for (const char* bad : {"4/4", "-1/4", "1", "a/b", "1/0", "1/2/3", ""})
    EXPECT_THROW(ShardSpec::parse(bad, "--shard"), Error) << bad;
  // Contiguous parts of whole batches that tile the sample.
  int64_t next = 0;
  for (int64_t i = 0; i < 7; ++i) {
    const auto [b, e] = shard_rows(1000, {i, 7}, 64);
    EXPECT_EQ(b, next);
    EXPECT_GT(e, b);
    EXPECT_TRUE(e == 1000 || e % 64 == 0) << e;
    next = e;
  }
  EXPECT_EQ(next, 1000);
  const auto [b, e] = shard_rows(100, {0, 4}, 50);  // 2 batches, 4 shards: some are empty
  EXPECT_EQ(b, e);
}

}  // namespace
}  // namespace octet
