// MinMaxObserver: the running minimum and maximum, per tensor or per channel, as PyTorch's
// MinMaxObserver / PerChannelMinMaxObserver keep them (docs/quantization.md eq. 16).
#include <algorithm>
#include <limits>

#include "octet/observer.h"

namespace octet {

MinMaxObserver::MinMaxObserver(std::string tensor_name, int channel_axis)
    : RangeObserver(std::move(tensor_name), channel_axis) {}

std::unique_ptr<Observer> MinMaxObserver::clone() const {
  return std::make_unique<MinMaxObserver>(*this);
}

void MinMaxObserver::observe_batch(const Batch& batch) {
  if (min_.empty()) {
    // PyTorch starts from +inf / -inf; every value is finite here.
    const size_t n_ch = static_cast<size_t>(batch.channels);
    min_.assign(n_ch, std::numeric_limits<float>::infinity());
    max_.assign(n_ch, -std::numeric_limits<float>::infinity());
  }
  fold_extremes(batch, min_, max_);
}

void MinMaxObserver::merge_same(const Observer& other) {
  const auto& o = static_cast<const MinMaxObserver&>(other);
  if (min_.empty()) {
    min_ = o.min_;
    max_ = o.max_;
    return;
  }
  // min and max are associative and commutative: the merged range is the one-pass range.
  for (size_t c = 0; c < min_.size(); ++c) {
    min_[c] = std::min(min_[c], o.min_[c]);
    max_[c] = std::max(max_[c], o.max_[c]);
  }
}

}  // namespace octet
