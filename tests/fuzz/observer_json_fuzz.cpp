// Fuzz target: observer statistics JSON (Observer::from_json, src/calib/observer.cpp and each
// method's read_json), the content of the calibration statistics files shards exchange.
#include <nlohmann/json.hpp>

#include "fuzz_targets.h"
#include "octet/error.h"
#include "octet/observer.h"

namespace octet::fuzz {

int observer_json(const uint8_t* data, size_t size) {
  const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr,
                                                 /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;  // not JSON: the statistics reader reports the parse error
  try {
    const std::unique_ptr<Observer> obs = Observer::from_json(j, "stats.json");
    // A loaded observer must round-trip and merge with itself like one built by calibration.
    const nlohmann::json again = obs->to_json();
    const std::unique_ptr<Observer> back = Observer::from_json(again, "round trip");
    OCTET_CHECK(back->to_json() == again, "to_json -> from_json -> to_json changed the JSON");
    std::unique_ptr<Observer> merged = obs->clone();
    merged->merge(*back);
    const ObservedRange range = merged->range();
    OCTET_CHECK(range.min.size() == range.max.size());
    const QuantSpec spec = obs->channel_axis() < 0
                               ? QuantSpec::recommended_activation()
                               : QuantSpec::per_channel_weight(obs->channel_axis());
    merged->qparams(spec);
  } catch (const Error&) {
  }
  return 0;
}

}  // namespace octet::fuzz
