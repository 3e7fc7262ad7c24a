// MinMaxObserver: the running minimum and maximum, per tensor or per channel, as PyTorch's
// MinMaxObserver / PerChannelMinMaxObserver keep them (docs/quantization.md eq. 16).
#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "octet/error.h"
#include "octet/observer.h"

namespace octet {

MinMaxObserver::MinMaxObserver(std::string tensor_name, int channel_axis)
    : Observer(std::move(tensor_name), channel_axis) {}

std::unique_ptr<Observer> MinMaxObserver::clone() const {
  return std::make_unique<MinMaxObserver>(*this);
}

void MinMaxObserver::observe_batch(const Batch& batch) {
  const size_t n_ch = static_cast<size_t>(batch.channels);
  if (min_.empty()) {
    // PyTorch starts from +inf / -inf; every value is finite here.
    min_.assign(n_ch, std::numeric_limits<float>::infinity());
    max_.assign(n_ch, -std::numeric_limits<float>::infinity());
  }
  const float* x = batch.data;  // [outer, channels, inner]
  for (int64_t o = 0; o < batch.outer; ++o) {
    for (size_t c = 0; c < n_ch; ++c) {
      float lo = min_[c], hi = max_[c];
      for (int64_t i = 0; i < batch.inner; ++i, ++x) {
        // -0.0 is recorded as +0.0: min/max then give the same bits in any order (they would
        // otherwise keep whichever zero came first). The sign of a zero bound never changes
        // the qparams (eq. 4 widens to 0 anyway).
        const float v = *x == 0.0f ? 0.0f : *x;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      min_[c] = lo;
      max_[c] = hi;
    }
  }
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

ObservedRange MinMaxObserver::range() const {
  require_samples();
  return ObservedRange{min_, max_};
}

void MinMaxObserver::write_json(nlohmann::json& j) const {
  // Each float widens to double exactly; nlohmann::json prints doubles with enough digits to
  // read back the same double, hence the same float.
  j["min"] = std::vector<double>(min_.begin(), min_.end());
  j["max"] = std::vector<double>(max_.begin(), max_.end());
}

void MinMaxObserver::read_json(const nlohmann::json& j, const std::string& where) {
  const size_t n_ch = static_cast<size_t>(n_channels());
  min_ = read_floats(j, "min", n_ch, where);
  max_ = read_floats(j, "max", n_ch, where);
  for (size_t c = 0; c < n_ch; ++c)
    if (!std::isfinite(min_[c]) || !std::isfinite(max_[c]) || min_[c] > max_[c])
      fail("{}: channel {} range [{}, {}] is not a finite min <= max", where, c, min_[c], max_[c]);
}

}  // namespace octet
