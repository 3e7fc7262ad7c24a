// MovingAverageObserver: PyTorch's MovingAverageMinMaxObserver, an exponential moving average
// of per-batch extremes (docs/quantization.md eq. 40).
#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "octet/error.h"
#include "octet/observer.h"

namespace octet {

MovingAverageObserver::MovingAverageObserver(std::string tensor_name, int channel_axis)
    : Observer(std::move(tensor_name), channel_axis) {}

std::unique_ptr<Observer> MovingAverageObserver::clone() const {
  return std::make_unique<MovingAverageObserver>(*this);
}

void MovingAverageObserver::observe_batch(const Batch& batch) {
  const size_t n_ch = static_cast<size_t>(batch.channels);
  std::vector<float> lo(n_ch, std::numeric_limits<float>::infinity());
  std::vector<float> hi(n_ch, -std::numeric_limits<float>::infinity());
  const float* x = batch.data;  // [outer, channels, inner]
  for (int64_t o = 0; o < batch.outer; ++o) {
    for (size_t c = 0; c < n_ch; ++c) {
      for (int64_t i = 0; i < batch.inner; ++i, ++x) {
        const float v = *x == 0.0f ? 0.0f : *x;  // -0.0 -> +0.0, as MinMaxObserver
        lo[c] = std::min(lo[c], v);
        hi[c] = std::max(hi[c], v);
      }
    }
  }
  if (min_.empty()) {  // the first batch is taken as it is
    min_ = std::move(lo);
    max_ = std::move(hi);
    return;
  }
  // eq. (40), in float32 as torch computes min_val + c * (min_now - min_val).
  for (size_t c = 0; c < n_ch; ++c) {
    min_[c] = min_[c] + kAveragingConstant * (lo[c] - min_[c]);
    max_[c] = max_[c] + kAveragingConstant * (hi[c] - max_[c]);
  }
}

void MovingAverageObserver::merge_same(const Observer& other) {
  const auto& o = static_cast<const MovingAverageObserver&>(other);
  if (n_samples() == 0) {  // one side empty: the other's average is the answer
    min_ = o.min_;
    max_ = o.max_;
    return;
  }
  fail(
      "merge observer '{}' (moving-average): a moving average depends on the order of the "
      "batches, so shards cannot be merged into what one pass would give; calibrate in one "
      "shard, or use minmax, percentile, entropy or mse, which merge exactly",
      tensor_name());
}

ObservedRange MovingAverageObserver::range() const {
  require_samples();
  return ObservedRange{min_, max_};
}

void MovingAverageObserver::write_json(nlohmann::json& j) const {
  j["min"] = std::vector<double>(min_.begin(), min_.end());
  j["max"] = std::vector<double>(max_.begin(), max_.end());
}

void MovingAverageObserver::read_json(const nlohmann::json& j, const std::string& where) {
  const size_t n_ch = static_cast<size_t>(n_channels());
  min_ = read_floats(j, "min", n_ch, where);
  max_ = read_floats(j, "max", n_ch, where);
  for (size_t c = 0; c < n_ch; ++c)
    if (!std::isfinite(min_[c]) || !std::isfinite(max_[c]) || min_[c] > max_[c])
      fail("{}: channel {} range [{}, {}] is not a finite min <= max", where, c, min_[c], max_[c]);
}

}  // namespace octet
