// bench_session: warm-up, then the median of timed groups of runs, per batch and thread count.
// A group repeats the run enough times to last about a millisecond, so batch-1 latencies of a
// few microseconds are not lost in the clock's resolution.
#include "octet/benchmark.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "octet/error.h"
#include "octet/evaluate.h"
#include "octet/random.h"

namespace octet {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The model input for `batch` samples: real images when the model's sample is one image of the
// data set, else random normal values (Box-Muller over a fixed seed).
Tensor make_input(const ValueInfo& info, int64_t batch, const BenchOptions& options,
                  const Normalization& norm, std::string* source) {
  Shape shape = info.shape;
  int64_t per_sample = 1;
  for (size_t i = 1; i < shape.size(); ++i) per_sample *= shape[i];
  shape[0] = batch;
  const Dataset* data = options.data;
  if (data != nullptr && data->size() > 0) {
    const Tensor& images = data->images;
    const int64_t image_numel = images.numel() / images.dim(0);
    if (image_numel == per_sample) {
      std::vector<int64_t> rows(static_cast<size_t>(batch));
      for (int64_t i = 0; i < batch; ++i) rows[static_cast<size_t>(i)] = i % data->size();
      Tensor x = make_batch(images, rows, norm);
      *source = options.data_name;
      return x.reshaped(shape);
    }
  }
  Tensor x(DType::kF32, shape);
  Rng rng(1234);
  float* p = x.data<float>();
  for (int64_t i = 0; i < x.numel(); i += 2) {
    const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
    const double r = std::sqrt(-2.0 * std::log(u1)), t = 2.0 * 3.14159265358979323846 * u2;
    p[i] = static_cast<float>(r * std::cos(t));
    if (i + 1 < x.numel()) p[i + 1] = static_cast<float>(r * std::sin(t));
  }
  *source = "random-normal";
  return x;
}

}  // namespace

std::vector<BenchCase> bench_session(const Session& session, const std::string& model,
                                     const BenchOptions& options) {
  const Graph& g = session.graph();
  if (g.inputs.size() != 1)
    fail("bench {}: the model has {} inputs; bench times single-input models", model,
         g.inputs.size());
  const ValueInfo& info = g.inputs[0];
  if (info.shape.empty()) fail("bench {}: input '{}' has no batch dimension", model, info.name);
  for (size_t i = 1; i < info.shape.size(); ++i)
    if (info.shape[i] < 1)
      fail("bench {}: input '{}' has shape {}; only the batch dimension may be unknown", model,
           info.name, shape_str(info.shape));
  const Normalization norm =
      options.model_norm && g.metadata.count("octet.normalize")
          ? model_normalization(g, model)
          : options.norm;
  std::string precision = "fp32";
  for (const auto& [node, p] : session.node_precision())
    if (p == "int8") precision = "int8";

  std::vector<BenchCase> cases;
  for (int64_t batch : options.batches) {
    if (info.shape[0] > 0 && info.shape[0] != batch)
      fail("bench {}: input '{}' has a fixed batch of {}, cannot run batch {}", model, info.name,
           info.shape[0], batch);
    std::string source;
    const Tensor x = make_input(info, batch, options, norm, &source);
    for (int threads : options.threads) {
      set_num_threads(threads);
      // Warm-up: first-touch of buffers, thread start, caches; also sizes the groups.
      auto start = Clock::now();
      session.run(x);
      const double first = std::max(seconds_since(start), 1e-7);
      const int reps = static_cast<int>(std::clamp(1e-3 / first, 1.0, 10000.0));
      for (int r = 0; r < reps; ++r) session.run(x);
      std::vector<double> per_run;
      const auto budget_start = Clock::now();
      while (per_run.size() < 5 || (seconds_since(budget_start) < options.seconds_per_case &&
                                    per_run.size() < 1000)) {
        start = Clock::now();
        for (int r = 0; r < reps; ++r) session.run(x);
        per_run.push_back(seconds_since(start) / reps);
      }
      std::nth_element(per_run.begin(), per_run.begin() + per_run.size() / 2, per_run.end());
      const double median = per_run[per_run.size() / 2];
      BenchCase c;
      c.model = model;
      c.precision = precision;
      c.batch = batch;
      c.threads = threads;
      c.us_per_sample = median * 1e6 / static_cast<double>(batch);
      c.samples_per_s = static_cast<double>(batch) / median;
      c.input = source;
      c.runs = static_cast<int>(per_run.size()) * reps;
      cases.push_back(c);
    }
  }
  return cases;
}

}  // namespace octet
