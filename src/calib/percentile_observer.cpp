// PercentileObserver: each channel's P-th percentile range (docs/quantization.md eq. 35).
#include "octet/observer.h"

namespace octet {

PercentileObserver::PercentileObserver(std::string tensor_name, int channel_axis,
                                       ObserverOptions options)
    : HistogramObserver(std::move(tensor_name), channel_axis, std::move(options)) {}

std::unique_ptr<Observer> PercentileObserver::clone() const {
  return std::make_unique<PercentileObserver>(*this);
}

ClipRange PercentileObserver::choose(const Pow2Histogram& h, const QuantSpec&,
                                     std::string* why) const {
  *why = method();
  return percentile_range(h, options().percentile);
}

}  // namespace octet
