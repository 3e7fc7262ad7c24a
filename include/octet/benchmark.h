// Timing of models (FP32 or quantized) at several batch sizes and thread counts: what
// `octet bench` prints. Times come from a warm-up and the median of repeated runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "octet/data.h"
#include "octet/runtime.h"

namespace octet {

struct BenchCase {
  std::string model;      // the path or name the caller gave
  std::string precision;  // "int8" when the plan runs any fused integer kernel, else "fp32"
  int64_t batch = 1;
  int threads = 1;
  double us_per_sample = 0.0;
  double samples_per_s = 0.0;
  std::string input;  // "fashion-mnist" / "mnist" (real images) or "random-normal"
  int runs = 0;       // timed runs the median was taken over
};

struct BenchOptions {
  std::vector<int64_t> batches{1, 10, 10000};
  std::vector<int> threads{1};
  double seconds_per_case = 0.5;  // time budget of the timed runs of one case (at least 5 runs)
  // Real images for models whose input holds one image of the data set's size; the others
  // (and every model when null) get random normal inputs (seeded: the same every time).
  const Dataset* data = nullptr;
  std::string data_name;
  Normalization norm;         // for `data`, unless the model carries its own octet.normalize
  bool model_norm = true;     // prefer the model's octet.normalize metadata when present
};

// Times `session` (a single-input model, batch dimension first) for every batch x threads
// combination, in that order. Leaves the thread count set to the last entry of options.threads.
// Throws octet::Error naming `model` when the model has not exactly one input or the input's
// shape has unknown dimensions besides the batch.
std::vector<BenchCase> bench_session(const Session& session, const std::string& model,
                                     const BenchOptions& options);

}  // namespace octet
