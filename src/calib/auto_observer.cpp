// AutoObserver: per channel, the method whose range quantizes the histogram with the lowest
// MSE (docs/quantization.md eq. 41), all from the one histogram pass.
#include <fmt/format.h>

#include <map>

#include "octet/observer.h"

namespace octet {

AutoObserver::AutoObserver(std::string tensor_name, int channel_axis, ObserverOptions options)
    : HistogramObserver(std::move(tensor_name), channel_axis, std::move(options)) {}

std::unique_ptr<Observer> AutoObserver::clone() const { return std::make_unique<AutoObserver>(*this); }

ClipRange AutoObserver::choose(const Pow2Histogram& h, const QuantSpec& spec,
                               std::string* why) const {
  const std::pair<const char*, ClipRange> candidates[] = {
      {"minmax", ClipRange{h.min(), h.max()}},
      {"percentile", percentile_range(h, options().percentile)},
      {"entropy", entropy_range(h, entropy_levels(h, spec))},
      {"mse", mse_range(h, spec)},
  };
  size_t best = 0;
  double best_err = histogram_quant_error(h, candidates[0].second.lo, candidates[0].second.hi, spec);
  for (size_t i = 1; i < std::size(candidates); ++i) {
    const double err =
        histogram_quant_error(h, candidates[i].second.lo, candidates[i].second.hi, spec);
    if (err < best_err) {  // strict: ties keep the earlier, simpler method
      best_err = err;
      best = i;
    }
  }
  *why = candidates[best].first;
  return candidates[best].second;
}

std::string AutoObserver::describe_choice(const QuantSpec& spec) const {
  std::vector<std::string> why;
  ranges_for(spec, &why);
  if (why.size() == 1) return "auto: " + why[0];
  std::map<std::string, int> counts;
  for (const auto& w : why) ++counts[w];
  std::vector<std::string> parts;
  for (const auto& [m, n] : counts) parts.push_back(fmt::format("{} x{}", m, n));
  return fmt::format("auto: {}", fmt::join(parts, ", "));
}

}  // namespace octet
