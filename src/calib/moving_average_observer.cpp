// MovingAverageObserver: PyTorch's MovingAverageMinMaxObserver, an exponential moving average
// of per-batch extremes (docs/quantization.md eq. 40).
#include <limits>

#include "octet/error.h"
#include "octet/observer.h"

namespace octet {

MovingAverageObserver::MovingAverageObserver(std::string tensor_name, int channel_axis)
    : RangeObserver(std::move(tensor_name), channel_axis) {}

std::unique_ptr<Observer> MovingAverageObserver::clone() const {
  return std::make_unique<MovingAverageObserver>(*this);
}

void MovingAverageObserver::observe_batch(const Batch& batch) {
  const size_t n_ch = static_cast<size_t>(batch.channels);
  std::vector<float> lo(n_ch, std::numeric_limits<float>::infinity());
  std::vector<float> hi(n_ch, -std::numeric_limits<float>::infinity());
  fold_extremes(batch, lo, hi);
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

}  // namespace octet
