// The calibration-size diagnostic: how far each tensor's chosen range moved over the samples
// after the drift mark (usually the last 10%), relative to the final range. A range still
// moving at the end of calibration means more samples would have chosen another one.
//
//   range(obs) = [s * (qmin - z), s * (qmax - z)]    with (s, z) = obs.qparams(activation spec)
//   moved = max(|lo - lo_head|, |hi - hi_head|) / (hi - lo)                          (eq. 29)
//
// It is measured on the chosen (representable) range, not the raw min/max, so it means the
// same for every method (a percentile or entropy range moves too).
#include <algorithm>
#include <cmath>
#include <tuple>

#include "octet/error.h"
#include "octet/quantize.h"

namespace octet {

namespace {

std::pair<float, float> chosen_range(const Observer& obs, const QuantSpec& spec) {
  const QParams qp = obs.qparams(spec);
  const float s = qp.scale.at(0);
  const auto z = static_cast<float>(qp.zero_point.at(0));
  return {s * (static_cast<float>(spec.qmin) - z), s * (static_cast<float>(spec.qmax) - z)};
}

}  // namespace

void Calibrator::set_drift_mark(int64_t samples) {
  if (samples < 0) fail("drift mark: {} samples must be >= 0", samples);
  if (n_samples_ > 0)
    fail("drift mark: must be set before calibration ({} samples already observed)", n_samples_);
  drift_mark_ = samples;
  head_lost_ = false;
  head_.reset();
  if (samples == 0) head_ = clone_observers(observers_);
}

std::vector<Calibrator::RangeDrift> Calibrator::range_drift() const {
  if (head_lost_ || (!drift_mark_ && !head_)) return {};
  // A mark never reached: every sample came before it and nothing moved after it.
  const ObserverMap& head = head_ ? *head_ : observers_;
  std::vector<RangeDrift> out;
  for (const auto& [name, obs] : observers_) {
    if (obs->n_samples() == 0) continue;
    RangeDrift d;
    d.tensor = name;
    d.samples = obs->n_samples();
    const Observer& h = *head.at(name);
    d.head_samples = h.n_samples();
    std::tie(d.lo, d.hi) = chosen_range(*obs, cfg_.activation);
    if (h.n_samples() == 0) {
      d.moved = 1.0f;
    } else {
      const auto [lo_head, hi_head] = chosen_range(h, cfg_.activation);
      const float width = d.hi - d.lo;  // > 0: the scale is at least float32 epsilon
      d.moved = std::max(std::fabs(d.lo - lo_head), std::fabs(d.hi - hi_head)) / width;
    }
    out.push_back(d);
  }
  return out;
}

}  // namespace octet
