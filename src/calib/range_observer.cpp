// RangeObserver: the per-channel [min, max] shared by the minmax and moving-average observers.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "octet/error.h"
#include "octet/observer.h"

namespace octet {

RangeObserver::RangeObserver(std::string tensor_name, int channel_axis)
    : Observer(std::move(tensor_name), channel_axis) {}

void RangeObserver::fold_extremes(const Batch& batch, std::vector<float>& lo,
                                  std::vector<float>& hi) {
  const size_t n_ch = static_cast<size_t>(batch.channels);
  const float* x = batch.data;  // [outer, channels, inner]
  for (int64_t o = 0; o < batch.outer; ++o) {
    for (size_t c = 0; c < n_ch; ++c) {
      float l = lo[c], h = hi[c];
      for (int64_t i = 0; i < batch.inner; ++i, ++x) {
        const float v = *x == 0.0f ? 0.0f : *x;
        l = std::min(l, v);
        h = std::max(h, v);
      }
      lo[c] = l;
      hi[c] = h;
    }
  }
}

ObservedRange RangeObserver::range() const {
  require_samples();
  return ObservedRange{min_, max_};
}

void RangeObserver::write_json(nlohmann::json& j) const {
  // Each float widens to double exactly; nlohmann::json prints doubles with enough digits to
  // read back the same double, hence the same float.
  j["min"] = std::vector<double>(min_.begin(), min_.end());
  j["max"] = std::vector<double>(max_.begin(), max_.end());
}

void RangeObserver::read_json(const nlohmann::json& j, const std::string& where) {
  const size_t n_ch = static_cast<size_t>(n_channels());
  min_ = read_floats(j, "min", n_ch, where);
  max_ = read_floats(j, "max", n_ch, where);
  for (size_t c = 0; c < n_ch; ++c)
    if (!std::isfinite(min_[c]) || !std::isfinite(max_[c]) || min_[c] > max_[c])
      fail("{}: channel {} range [{}, {}] is not a finite min <= max", where, c, min_[c], max_[c]);
}

}  // namespace octet
