// MseObserver: per channel, the range whose grid has the lowest quantization MSE on the
// histogram, searched over every pair of bin edges (docs/quantization.md eq. 38-39).
#include "octet/observer.h"

namespace octet {

MseObserver::MseObserver(std::string tensor_name, int channel_axis, ObserverOptions options)
    : HistogramObserver(std::move(tensor_name), channel_axis, std::move(options)) {}

std::unique_ptr<Observer> MseObserver::clone() const { return std::make_unique<MseObserver>(*this); }

ClipRange MseObserver::choose(const Pow2Histogram& h, const QuantSpec& spec,
                              std::string* why) const {
  *why = method();
  return mse_range(h, spec);
}

}  // namespace octet
