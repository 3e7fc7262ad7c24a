// HistogramObserver: one Pow2Histogram per channel, merged exactly, written to JSON as integer
// counts; the subclasses choose each channel's range from it (docs/quantization.md §16).
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "octet/error.h"
#include "octet/observer.h"

namespace octet {

namespace {

// The per-tensor version of `spec`, applied to one channel at a time.
QuantSpec per_tensor(QuantSpec spec) {
  spec.per_channel = false;
  spec.axis = -1;
  return spec;
}

std::vector<uint64_t> read_counts(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j.at(key).is_array())
    fail("{}: histogram has no array '{}'", where, key);
  std::vector<uint64_t> out;
  out.reserve(j.at(key).size());
  for (const auto& v : j.at(key)) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
      fail("{}: histogram '{}' holds {}, expected non-negative integer counts", where, key,
           v.dump());
    out.push_back(v.get<uint64_t>());
  }
  return out;
}

}  // namespace

HistogramObserver::HistogramObserver(std::string tensor_name, int channel_axis,
                                     ObserverOptions options)
    : Observer(std::move(tensor_name), channel_axis), options_(std::move(options)) {
  if (!(options_.percentile > 0.0 && options_.percentile <= 100.0))
    fail("observer for tensor '{}': percentile {} is outside (0, 100]", Observer::tensor_name(),
         options_.percentile);
  options_.target = per_tensor(options_.target);
}

void HistogramObserver::observe_batch(const Batch& batch) {
  cache_.reset();
  if (hist_.empty()) hist_.resize(static_cast<size_t>(batch.channels));
  for (int64_t o = 0; o < batch.outer; ++o)
    for (int64_t c = 0; c < batch.channels; ++c)
      hist_[static_cast<size_t>(c)].add(batch.data + (o * batch.channels + c) * batch.inner,
                                        batch.inner);
}

void HistogramObserver::merge_same(const Observer& other) {
  const auto& o = static_cast<const HistogramObserver&>(other);
  cache_.reset();
  if (o.options_.percentile != options_.percentile)
    fail("merge observer '{}' ({}): percentile {} with percentile {}", tensor_name(), method(),
         options_.percentile, o.options_.percentile);
  if (hist_.empty()) {
    hist_ = o.hist_;
    return;
  }
  // eq. (34): each channel's histograms coarsen to the larger exponent and add.
  for (size_t c = 0; c < hist_.size(); ++c) hist_[c].merge(o.hist_[c]);
}

ObservedRange HistogramObserver::ranges_for(const QuantSpec& spec,
                                            std::vector<std::string>* why) const {
  require_samples();
  const QuantSpec grid = per_tensor(spec);
  const std::string key = grid.describe() + (grid.custom_range ? " custom" : "");
  if (!cache_ || cache_->spec != key) {
    Cached c{key, {}, {}};
    for (const Pow2Histogram& h : hist_) {
      std::string chosen;
      const ClipRange r = choose(h, grid, &chosen);
      c.ranges.min.push_back(r.lo);
      c.ranges.max.push_back(r.hi);
      c.why.push_back(chosen);
    }
    cache_ = std::move(c);
  }
  if (why) *why = cache_->why;
  return cache_->ranges;
}

ObservedRange HistogramObserver::range() const { return ranges_for(options_.target, nullptr); }

QParams HistogramObserver::qparams(const QuantSpec& spec, std::vector<int64_t>* eps_channels) const {
  const int spec_axis = spec.per_channel ? spec.axis : -1;
  if (spec_axis != channel_axis())
    fail("tensor '{}': observer axis {} differs from the quantization spec {}", tensor_name(),
         channel_axis(), spec.describe());
  const ObservedRange r = ranges_for(spec, nullptr);
  return qparams_from_range(r.min, r.max, spec, fmt::format("tensor '{}'", tensor_name()),
                            eps_channels);
}

void HistogramObserver::write_json(nlohmann::json& j) const {
  j["percentile"] = options_.percentile;
  nlohmann::json hs = nlohmann::json::array();
  for (const Pow2Histogram& h : hist_) {
    nlohmann::json hj;
    hj["exponent"] = h.has_range() ? nlohmann::json(h.exponent()) : nlohmann::json(nullptr);
    hj["zeros"] = h.zeros();
    hj["min"] = static_cast<double>(h.min());  // exact widening; read back bit for bit
    hj["max"] = static_cast<double>(h.max());
    hj["neg"] = h.neg();
    hj["pos"] = h.pos();
    hs.push_back(std::move(hj));
  }
  j["histograms"] = std::move(hs);
}

void HistogramObserver::read_json(const nlohmann::json& j, const std::string& where) {
  if (!j.contains("percentile") || !j.at("percentile").is_number())
    fail("{}: observer statistics have no number 'percentile'", where);
  options_.percentile = j.at("percentile").get<double>();
  if (!(options_.percentile > 0.0 && options_.percentile <= 100.0))
    fail("{}: percentile {} is outside (0, 100]", where, options_.percentile);
  if (!j.contains("histograms") || !j.at("histograms").is_array() ||
      j.at("histograms").size() != static_cast<size_t>(n_channels()))
    fail("{}: field 'histograms' must be an array of {} histograms", where, n_channels());
  hist_.clear();
  cache_.reset();
  for (size_t c = 0; c < j.at("histograms").size(); ++c) {
    const nlohmann::json& hj = j.at("histograms")[c];
    const std::string at = fmt::format("{} channel {}", where, c);
    if (!hj.is_object() || !hj.contains("exponent") || !hj.contains("zeros") ||
        !hj.at("zeros").is_number_unsigned())
      fail("{}: histogram needs 'exponent' and a non-negative integer 'zeros'", at);
    const bool has_range = !hj.at("exponent").is_null();
    if (has_range && !hj.at("exponent").is_number_integer())
      fail("{}: histogram 'exponent' is {}, expected an integer or null", at,
           hj.at("exponent").dump());
    for (const char* key : {"min", "max"})
      if (!hj.contains(key) || !hj.at(key).is_number())
        fail("{}: histogram needs a number '{}'", at, key);
    // Written as a float widened to double (exact) with round-trip digits: narrowing is exact.
    const auto lo = static_cast<float>(hj.at("min").get<double>());
    const auto hi = static_cast<float>(hj.at("max").get<double>());
    hist_.push_back(Pow2Histogram::from_parts(
        has_range, has_range ? hj.at("exponent").get<int>() : 0, hj.at("zeros").get<uint64_t>(),
        lo, hi, read_counts(hj, "neg", at), read_counts(hj, "pos", at), at));
    if (hist_.back().empty()) fail("{}: histogram is empty but the observer has samples", at);
  }
}

}  // namespace octet
