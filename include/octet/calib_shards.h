// Sharded calibration: shard i of n observes its part of one seeded calibration sample and
// writes its observers' statistics to a file; merging the n files gives exactly the observers
// of one pass over the whole sample (observers are mergeable statistics), so any batch engine
// can run the shards in parallel.
//
//   octet calibrate MODEL --calib DATA --shard i/n -o stats_i.json   (n jobs)
//   octet quantize MODEL --stats stats_*.json -o out.onnx           (merge + convert)
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "octet/quantize.h"

namespace octet {

struct ShardSpec {
  int64_t index = 0;  // i in [0, count)
  int64_t count = 1;  // n >= 1
  // "i/n" with 0 <= i < n. Throws octet::Error naming `what` (e.g. "--shard") otherwise.
  static ShardSpec parse(const std::string& text, const std::string& what);
};

// The rows [begin, end) of a sample of `n_samples` that shard `s` observes when calibration runs
// in batches of `batch` rows: whole batches, shard i taking batches
// [floor(i * nb / n), floor((i + 1) * nb / n)) of nb = ceil(N / batch), so that the shards in
// index order are the single pass's batches in order. Whole batches matter: a row's float
// activations may differ in the last bit with its position in a batch (GEMM tiling), and the
// merge must equal the single pass bit for bit. A shard is empty when nb < n.
std::pair<int64_t, int64_t> shard_rows(int64_t n_samples, ShardSpec s, int64_t batch);

// The batch size of calibrate_on in octet quantize and octet calibrate.
inline constexpr int64_t kCalibrationBatch = 100;

// Where the calibration-size diagnostic's "last 10%" starts in a sample of n: n - floor(n / 10).
int64_t drift_mark_for(int64_t n_samples);

// The calibration sample a shard is part of; every shard of one run must have the same.
struct CalibrationDraw {
  std::string source;    // the data directory or .npy file (informative: not compared)
  std::string split;     // "train", "test" or "npy"
  int64_t set_size = 0;  // images (rows) in the split the sample is drawn from
  int64_t count = 0;     // the sample's size (--calib-count)
  uint64_t seed = 0;
  int64_t batch = kCalibrationBatch;  // rows per calibration batch (shard_rows)
  nlohmann::json to_json() const;
  bool operator==(const CalibrationDraw&) const = default;
};

// A shard's file: {"format": "octet.calibration-shard", "version": 1, "shard": {"index",
// "count"}, "draw": {...}, "rows": {"begin", "end"}, "statistics": calib.export_statistics()}.
nlohmann::json shard_statistics_json(const Calibrator& calib, ShardSpec shard,
                                     const CalibrationDraw& draw);

// Reads the shard files, checks that they belong together (same draw and shard count, each
// shard 0..n-1 exactly once, rows and sample counts as shard_rows says) and imports them into
// `calib` in shard order. Returns the common draw. Throws octet::Error naming the file at fault
// (unreadable or malformed JSON, a missing field, another model or config, a duplicate shard)
// or the missing shard; `calib` is unusable after an error.
CalibrationDraw merge_shard_files(Calibrator& calib,
                                  const std::vector<std::filesystem::path>& files);

}  // namespace octet
