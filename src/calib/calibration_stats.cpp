// Calibration statistics as JSON, for sharded calibration: each shard exports its observers,
// a merge step imports them into a fresh Calibrator. Observers are mergeable statistics
// (observer.h), so importing every shard equals observing every shard's samples in one pass.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include "octet/error.h"
#include "octet/quantize.h"

namespace octet {

namespace {

constexpr int kStatsVersion = 1;

nlohmann::json observers_to_json(const std::map<std::string, std::unique_ptr<Observer>>& obs) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [name, o] : obs) list.push_back(o->to_json());
  return list;
}

const nlohmann::json& field(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key))
    fail("{}: calibration statistics have no field '{}'", where, key);
  return j.at(key);
}

std::string string_field(const nlohmann::json& j, const char* key, const std::string& where) {
  const nlohmann::json& v = field(j, key, where);
  if (!v.is_string()) fail("{}: field '{}' is {}, expected a string", where, key, v.dump());
  return v.get<std::string>();
}

}  // namespace

nlohmann::json Calibrator::export_statistics() const {
  nlohmann::json j;
  j["version"] = kStatsVersion;
  j["model"] = graph_fingerprint(fp32_);
  j["config"] = cfg_.describe();
  j["samples"] = n_samples_;
  j["observers"] = observers_to_json(observers_);
  // The head: what the observers had seen at the drift mark. A mark not reached means every
  // sample came before it.
  if (head_)
    j["head"] = observers_to_json(*head_);
  else if (drift_mark_ && !head_lost_)
    j["head"] = observers_to_json(observers_);
  return j;
}

void Calibrator::import_statistics(const nlohmann::json& stats, const std::string& where) {
  if (!stats.is_object()) fail("{}: calibration statistics must be a JSON object", where);
  const nlohmann::json& version = field(stats, "version", where);
  if (!version.is_number_integer() || version.get<int64_t>() != kStatsVersion)
    fail("{}: calibration statistics version {} is not supported (expected {})", where,
         version.dump(), kStatsVersion);
  const std::string model = string_field(stats, "model", where);
  if (model != graph_fingerprint(fp32_))
    fail("{}: statistics are of model {}, not of this model ({})", where, model,
         graph_fingerprint(fp32_));
  const std::string config = string_field(stats, "config", where);
  if (config != cfg_.describe())
    fail("{}: statistics were made with config '{}', not '{}'", where, config, cfg_.describe());
  const nlohmann::json& samples = field(stats, "samples", where);
  if (!samples.is_number_integer() || samples.get<int64_t>() < 0)
    fail("{}: field 'samples' is {}, expected a count >= 0", where, samples.dump());

  // Merges a list of observers into copies of `into`, so that a bad file changes nothing.
  auto merged = [&](const ObserverMap& into, const char* key) {
    const nlohmann::json& list = field(stats, key, where);
    if (!list.is_array()) fail("{}: field '{}' must be an array of observers", where, key);
    ObserverMap out = clone_observers(into);
    std::set<std::string> seen;
    for (size_t i = 0; i < list.size(); ++i) {
      std::unique_ptr<Observer> obs =
          Observer::from_json(list[i], fmt::format("{}: {}[{}]", where, key, i));
      auto it = out.find(obs->tensor_name());
      if (it == out.end())
        fail("{}: {}[{}] observes tensor '{}', which this model does not quantize", where, key, i,
             obs->tensor_name());
      if (!seen.insert(obs->tensor_name()).second)
        fail("{}: {}[{}] observes tensor '{}' a second time", where, key, i, obs->tensor_name());
      try {
        it->second->merge(*obs);
      } catch (const Error& e) {
        fail("{}: {}", where, e.what());
      }
    }
    for (const auto& [name, o] : out)
      if (!seen.count(name))
        fail("{}: field '{}' has no observer for tensor '{}'", where, key, name);
    return out;
  };
  ObserverMap observers = merged(observers_, "observers");
  // Every observer sees every sample (an input observer counts rows of the input itself).
  for (const auto& [name, o] : observers)
    if (o->n_samples() - observers_.at(name)->n_samples() != samples.get<int64_t>())
      fail("{}: observer for tensor '{}' has {} samples, the file says {}", where, name,
           o->n_samples() - observers_.at(name)->n_samples(), samples.get<int64_t>());
  // The head merges like the observers when both sides have one; otherwise the diagnostic is
  // unavailable for the merged statistics.
  std::optional<ObserverMap> head;
  const bool fresh = n_samples_ == 0 && !drift_mark_ && !head_lost_;
  if (stats.contains("head") && (head_ || fresh))
    head = merged(head_ ? *head_ : observers_, "head");
  observers_ = std::move(observers);
  n_samples_ += samples.get<int64_t>();
  drift_mark_.reset();
  head_lost_ = !head;
  head_ = std::move(head);
}

}  // namespace octet
