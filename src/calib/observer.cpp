// The Observer base: input checks shared by every method, sample counting, merging, the JSON
// statistics format and the factory that builds an observer by method name.
#include "octet/observer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "octet/error.h"

namespace octet {

namespace {

constexpr int kJsonVersion = 1;

std::string describe_axis(int axis) {
  return axis < 0 ? std::string("per-tensor") : fmt::format("per-channel along axis {}", axis);
}

}  // namespace

Observer::Observer(std::string tensor_name, int channel_axis)
    : tensor_name_(std::move(tensor_name)), channel_axis_(channel_axis) {
  if (channel_axis < -1)
    fail(
        "observer for tensor '{}': channel axis {} is invalid (-1 for per-tensor, >= 0 for "
        "per-channel)",
        tensor_name_, channel_axis);
}

void Observer::observe(const Tensor& value) {
  if (value.dtype() != DType::kF32)
    fail("observe tensor '{}': values are {}, expected float32", tensor_name_,
         dtype_name(value.dtype()));
  if (value.numel() == 0) return;  // PyTorch's observers skip empty tensors too
  const int64_t rank = static_cast<int64_t>(value.rank());
  if (channel_axis_ >= rank)
    fail("observe tensor '{}': channel axis {} is out of range for shape {}", tensor_name_,
         channel_axis_, shape_str(value.shape()));
  Batch batch{value.data<float>(), 1, 1, value.numel()};
  if (channel_axis_ >= 0) {
    batch.inner = 1;
    for (int64_t d = 0; d < rank; ++d) {
      const int64_t size = value.dim(static_cast<size_t>(d));
      if (d < channel_axis_) batch.outer *= size;
      if (d == channel_axis_) batch.channels = size;
      if (d > channel_axis_) batch.inner *= size;
    }
  }
  if (n_channels_ != 0 && batch.channels != n_channels_)
    fail("observe tensor '{}': shape {} has {} channels along axis {}, earlier batches had {}",
         tensor_name_, shape_str(value.shape()), batch.channels, channel_axis_, n_channels_);
  const int64_t rows = rank == 0 ? 1 : value.dim(0);
  for (int64_t i = 0; i < value.numel(); ++i) {
    if (!std::isfinite(batch.data[i])) {
      const int64_t row = i / (value.numel() / rows);
      fail(
          "observe tensor '{}': calibration sample {} (row {} of a batch of shape {}, flat "
          "element {}) is {}; calibration values must be finite",
          tensor_name_, n_samples_ + row, row, shape_str(value.shape()), i, batch.data[i]);
    }
  }
  observe_batch(batch);
  n_channels_ = batch.channels;
  n_samples_ += rows;
}

void Observer::merge(const Observer& other) {
  const auto who = [](const Observer& o) {
    return fmt::format("'{}' ({}, {})", o.tensor_name_, o.method(), describe_axis(o.channel_axis_));
  };
  if (other.method() != method() || other.tensor_name_ != tensor_name_ ||
      other.channel_axis_ != channel_axis_)
    fail("merge observer {} with observer {}: method, tensor and axis must match", who(*this),
         who(other));
  if (other.n_samples_ == 0) return;
  if (n_channels_ != 0 && other.n_channels_ != n_channels_)
    fail("merge observer {}: {} channels with {} channels", who(*this), n_channels_,
         other.n_channels_);
  merge_same(other);
  n_channels_ = other.n_channels_;
  n_samples_ += other.n_samples_;
}

QParams Observer::qparams(const QuantSpec& spec, std::vector<int64_t>* eps_channels) const {
  const int spec_axis = spec.per_channel ? spec.axis : -1;
  if (spec_axis != channel_axis_)
    fail("tensor '{}': observer is {} but the quantization spec {} is {}", tensor_name_,
         describe_axis(channel_axis_), spec.describe(), describe_axis(spec_axis));
  const ObservedRange r = range();
  return qparams_from_range(r.min, r.max, spec, fmt::format("tensor '{}'", tensor_name_),
                            eps_channels);
}

void Observer::require_samples() const {
  if (n_samples_ == 0) fail("tensor '{}': no calibration samples", tensor_name_);
}

nlohmann::json Observer::to_json() const {
  nlohmann::json j;
  j["version"] = kJsonVersion;
  j["method"] = method();
  j["tensor"] = tensor_name_;
  j["axis"] = channel_axis_;
  j["samples"] = n_samples_;
  j["channels"] = n_channels_;
  write_json(j);
  return j;
}

namespace {

template <typename T>
T read_field(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key))
    fail("{}: observer statistics have no field '{}'", where, key);
  const nlohmann::json& v = j.at(key);
  if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) fail("{}: field '{}' is {}, expected a string", where, key, v.dump());
  } else {
    if (!v.is_number_integer())
      fail("{}: field '{}' is {}, expected an integer", where, key, v.dump());
  }
  return v.get<T>();
}

}  // namespace

std::vector<float> Observer::read_floats(const nlohmann::json& j, const char* key, size_t count,
                                         const std::string& where) {
  if (!j.contains(key)) fail("{}: observer statistics have no field '{}'", where, key);
  const nlohmann::json& v = j.at(key);
  if (!v.is_array() || v.size() != count)
    fail("{}: field '{}' must be an array of {} numbers", where, key, count);
  std::vector<float> out(count);
  for (size_t i = 0; i < count; ++i) {
    if (!v[i].is_number())
      fail("{}: field '{}'[{}] is {}, expected a number", where, key, i, v[i].dump());
    // to_json wrote a float widened to double (exact) with enough digits to round-trip the
    // double; narrowing back is exact. A double outside the float range is not something
    // to_json writes, and narrowing it would be undefined behaviour: refuse it.
    const double d = v[i].get<double>();
    if (!(std::fabs(d) <= std::numeric_limits<float>::max()))
      fail("{}: field '{}'[{}] = {} is outside the float32 range", where, key, i, v[i].dump());
    out[i] = static_cast<float>(d);
  }
  return out;
}

std::unique_ptr<Observer> Observer::from_json(const nlohmann::json& j, const std::string& where) {
  const int64_t version = read_field<int64_t>(j, "version", where);
  if (version != kJsonVersion)
    fail("{}: observer statistics version {} is not supported (expected {})", where, version,
         kJsonVersion);
  const auto method = read_field<std::string>(j, "method", where);
  const auto tensor = read_field<std::string>(j, "tensor", where);
  const int64_t axis = read_field<int64_t>(j, "axis", where);
  const int64_t samples = read_field<int64_t>(j, "samples", where);
  const int64_t channels = read_field<int64_t>(j, "channels", where);
  const std::string at = fmt::format("{}: observer for tensor '{}'", where, tensor);
  if (axis < -1 || axis > 1024) fail("{}: field 'axis' = {} is invalid", at, axis);
  if (samples < 0 || channels < 0 || (samples == 0) != (channels == 0) ||
      (axis < 0 && channels > 1))
    fail("{}: fields 'samples' = {} and 'channels' = {} are inconsistent", at, samples, channels);
  std::unique_ptr<Observer> obs = make_observer(method, tensor, static_cast<int>(axis));
  obs->n_samples_ = samples;
  obs->n_channels_ = channels;
  obs->read_json(j, at);
  return obs;
}

std::string Observer::describe_choice(const QuantSpec&) const { return method(); }

std::vector<std::string> observer_methods() {
  return {"minmax", "moving-average", "percentile", "entropy", "mse", "auto"};
}

std::unique_ptr<Observer> make_observer(const std::string& method, std::string tensor_name,
                                        int channel_axis, const ObserverOptions& options) {
  if (method == "minmax")
    return std::make_unique<MinMaxObserver>(std::move(tensor_name), channel_axis);
  if (method == "moving-average")
    return std::make_unique<MovingAverageObserver>(std::move(tensor_name), channel_axis);
  if (method == "percentile")
    return std::make_unique<PercentileObserver>(std::move(tensor_name), channel_axis, options);
  if (method == "entropy")
    return std::make_unique<EntropyObserver>(std::move(tensor_name), channel_axis, options);
  if (method == "mse")
    return std::make_unique<MseObserver>(std::move(tensor_name), channel_axis, options);
  if (method == "auto")
    return std::make_unique<AutoObserver>(std::move(tensor_name), channel_axis, options);
  fail("observer method '{}' is not supported (known: {})", method,
       fmt::join(observer_methods(), ", "));
}

}  // namespace octet
