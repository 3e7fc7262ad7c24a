// EntropyObserver: TensorRT's KL-divergence threshold per channel (docs/quantization.md
// eq. 36-37).
#include "octet/observer.h"

namespace octet {

EntropyObserver::EntropyObserver(std::string tensor_name, int channel_axis,
                                 ObserverOptions options)
    : HistogramObserver(std::move(tensor_name), channel_axis, std::move(options)) {}

std::unique_ptr<Observer> EntropyObserver::clone() const {
  return std::make_unique<EntropyObserver>(*this);
}

ClipRange EntropyObserver::choose(const Pow2Histogram& h, const QuantSpec& spec,
                                  std::string* why) const {
  *why = method();
  return entropy_range(h, entropy_levels(h, spec));
}

}  // namespace octet
