// Observers: watch the float values of one tensor during calibration and summarise them into
// the range its qparams are computed from (docs/quantization.md §10).
//
// An observer is a mergeable statistic. Calibration over a large data set runs as shards, each
// writing its observers with to_json(); merging the shards' observers gives exactly what one
// pass over all the data would have. Every method (minmax, moving-average, percentile,
// entropy, mse, auto) implements the same interface and is built by name by make_observer().
// The histogram methods share HistogramObserver, whose Pow2Histogram is exactly mergeable and
// order-invariant (octet/histogram.h); moving-average is the one method whose statistic depends
// on the batch order, and it refuses to merge (docs/quantization.md §15).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "octet/histogram.h"
#include "octet/qparams.h"
#include "octet/tensor.h"

namespace octet {

// An observed range: one (min, max) per channel, or a single pair for a per-tensor observer.
struct ObservedRange {
  std::vector<float> min;
  std::vector<float> max;
};

class Observer {
 public:
  // tensor_name: the observed tensor, used in every message. channel_axis: -1 for one range
  // over the whole tensor, or the axis (>= 0) along which ranges are kept per channel.
  // Throws octet::Error for an axis below -1.
  Observer(std::string tensor_name, int channel_axis);
  virtual ~Observer() = default;
  Observer(const Observer&) = default;
  Observer& operator=(const Observer&) = default;

  // Records one batch of values (float32, any shape whose rank exceeds the channel axis; the
  // first dimension counts calibration samples). An empty tensor is ignored, as in PyTorch.
  // Throws octet::Error naming the tensor on a non-float tensor, a rank or channel-count
  // mismatch, or a NaN/Inf value, giving the sample's index along the first dimension counted
  // over every batch this observer has seen, and the element's index within the batch.
  void observe(const Tensor& value);
  // Folds in the statistics of `other` (same method, tensor and axis), as if this observer had
  // also seen `other`'s batches. Exact: merging shards equals one pass over all of them.
  // Throws octet::Error naming both sides on a mismatch.
  void merge(const Observer& other);
  // The range to quantize: per channel (or one) min and max.
  // Throws octet::Error "tensor 'X': no calibration samples" when nothing was observed.
  virtual ObservedRange range() const = 0;
  // qparams for `spec`: qparams_from_range(range(), spec). Methods whose choice depends on the
  // target grid (entropy, MSE) override it. Throws octet::Error naming the tensor when the
  // observer's channel axis differs from the spec's, or anything qparams_from_range throws.
  virtual QParams qparams(const QuantSpec& spec,
                          std::vector<int64_t>* eps_channels = nullptr) const;

  // The method's name as make_observer knows it: "minmax".
  virtual std::string method() const = 0;
  // What chose the range for `spec`, for reports: method() for every method but auto, which
  // names the method it picked per channel ("auto: entropy", "auto: mse x12, percentile x4").
  virtual std::string describe_choice(const QuantSpec& spec) const;
  // A deep copy, statistics included.
  virtual std::unique_ptr<Observer> clone() const = 0;
  const std::string& tensor_name() const { return tensor_name_; }
  int channel_axis() const { return channel_axis_; }
  // Calibration samples seen: the sum of the first dimensions of every observed (non-empty)
  // batch; 1 per batch for a scalar.
  int64_t n_samples() const { return n_samples_; }
  // Channels along the axis (1 for a per-tensor observer); 0 until the first batch.
  int64_t n_channels() const { return n_channels_; }

  // The statistics as JSON: {"version": 1, "method", "tensor", "axis", "samples", "channels",
  // ...method fields}; floats
  // are written so that from_json reads back the identical bits.
  nlohmann::json to_json() const;
  // Rebuilds an observer written by to_json(). `where` (e.g. the file name) prefixes messages.
  // Throws octet::Error naming `where` and the field on a missing or malformed field or an
  // unknown method.
  static std::unique_ptr<Observer> from_json(const nlohmann::json& j, const std::string& where);

 protected:
  // One batch as [outer, channels, inner] around the channel axis (channels = 1, inner = numel
  // for a per-tensor observer); values already checked finite.
  struct Batch {
    const float* data;
    int64_t outer, channels, inner;
  };
  virtual void observe_batch(const Batch& batch) = 0;
  // `other` has the same dynamic type, tensor, axis and channel count, and has samples.
  virtual void merge_same(const Observer& other) = 0;
  virtual void write_json(nlohmann::json& j) const = 0;
  // Reads the method's fields; the common ones (samples, channels) are already set.
  virtual void read_json(const nlohmann::json& j, const std::string& where) = 0;
  // Throws the "no calibration samples" error when n_samples() == 0.
  void require_samples() const;
  // JSON helpers for read_json: the float array j[key], which must hold `count` numbers
  // (exactly as written by to_json); throws octet::Error naming `where` and the key.
  static std::vector<float> read_floats(const nlohmann::json& j, const char* key, size_t count,
                                        const std::string& where);

 private:
  std::string tensor_name_;
  int channel_axis_ = -1;
  int64_t n_samples_ = 0;
  int64_t n_channels_ = 0;
};

// The observers whose statistic is one [min, max] per channel: range() is that statistic,
// and the JSON form is the two float arrays. Subclasses say how a batch moves it.
class RangeObserver : public Observer {
 public:
  ObservedRange range() const override;

 protected:
  RangeObserver(std::string tensor_name, int channel_axis);
  // Folds the batch's values into lo/hi ([channels] each, already sized). -0.0 is taken as
  // +0.0, so that the result does not depend on the order values or shards arrive in (min and
  // max would otherwise keep whichever zero came first); the sign of a zero bound never changes
  // the qparams (eq. 4 widens to 0 anyway).
  static void fold_extremes(const Batch& batch, std::vector<float>& lo, std::vector<float>& hi);

  std::vector<float> min_;  // [channels], empty until the first batch
  std::vector<float> max_;

 private:
  void write_json(nlohmann::json& j) const override;
  void read_json(const nlohmann::json& j, const std::string& where) override;
};

// PyTorch's MinMaxObserver (channel_axis -1) and PerChannelMinMaxObserver: the running minimum
// and maximum of every value seen (eq. 16).
class MinMaxObserver final : public RangeObserver {
 public:
  explicit MinMaxObserver(std::string tensor_name, int channel_axis = -1);
  std::string method() const override { return "minmax"; }
  std::unique_ptr<Observer> clone() const override;

 private:
  void observe_batch(const Batch& batch) override;
  void merge_same(const Observer& other) override;
};

// PyTorch's MovingAverageMinMaxObserver / MovingAveragePerChannelMinMaxObserver (eq. 40): the
// first batch sets (min, max); each later batch b moves them by c = 0.01 towards its own
// extremes, min += c (min_b - min). The statistic depends on the batch order and size by design,
// so it has no exact merge: merge() throws unless one side is empty.
class MovingAverageObserver final : public RangeObserver {
 public:
  static constexpr float kAveragingConstant = 0.01f;
  explicit MovingAverageObserver(std::string tensor_name, int channel_axis = -1);
  std::string method() const override { return "moving-average"; }
  std::unique_ptr<Observer> clone() const override;

 private:
  void observe_batch(const Batch& batch) override;
  void merge_same(const Observer& other) override;
};

// Options of the histogram methods.
struct ObserverOptions {
  double percentile = 99.99;  // percentile (and auto's percentile candidate), in (0, 100]
  // The grid range() reports for (entropy, mse and auto depend on it); qparams(spec) uses its
  // own spec. Per-tensor; applied to each channel.
  QuantSpec target = QuantSpec::recommended_activation();
};

// The observers that keep one Pow2Histogram per channel (eq. 33-34) and choose each channel's
// range from it: percentile, entropy, mse and auto. Memory: channels x 2 x 2048 counters.
class HistogramObserver : public Observer {
 public:
  HistogramObserver(std::string tensor_name, int channel_axis, ObserverOptions options);
  ObservedRange range() const override;
  QParams qparams(const QuantSpec& spec,
                  std::vector<int64_t>* eps_channels = nullptr) const override;
  const std::vector<Pow2Histogram>& histograms() const { return hist_; }
  const ObserverOptions& options() const { return options_; }

 protected:
  // One channel's range for per-tensor grid `spec`; `why` receives the method that chose it.
  virtual ClipRange choose(const Pow2Histogram& h, const QuantSpec& spec,
                           std::string* why) const = 0;
  // Per-channel ranges for `spec` (its per-tensor version applied to every channel).
  ObservedRange ranges_for(const QuantSpec& spec, std::vector<std::string>* why) const;

 private:
  void observe_batch(const Batch& batch) override;
  void merge_same(const Observer& other) override;
  void write_json(nlohmann::json& j) const override;
  void read_json(const nlohmann::json& j, const std::string& where) override;

  ObserverOptions options_;
  std::vector<Pow2Histogram> hist_;  // [channels]
  // The last ranges_for() result: convert() asks for the same spec's ranges several times
  // (qparams, the report's range, auto's choice), and a search is not free. Cleared by every
  // change of the histograms.
  struct Cached {
    std::string spec;  // QuantSpec::describe() plus the custom-range flag
    ObservedRange ranges;
    std::vector<std::string> why;
  };
  mutable std::optional<Cached> cache_;
};

// The P-th percentile range of each channel (eq. 35); P = options.percentile (default 99.99).
class PercentileObserver final : public HistogramObserver {
 public:
  // Throws octet::Error naming the tensor unless 0 < percentile <= 100.
  PercentileObserver(std::string tensor_name, int channel_axis, ObserverOptions options = {});
  std::string method() const override { return "percentile"; }
  std::unique_ptr<Observer> clone() const override;

 private:
  ClipRange choose(const Pow2Histogram& h, const QuantSpec& spec, std::string* why) const override;
};

// TensorRT's entropy calibration: the |x| threshold minimizing KL divergence (eq. 36-37).
class EntropyObserver final : public HistogramObserver {
 public:
  EntropyObserver(std::string tensor_name, int channel_axis, ObserverOptions options = {});
  std::string method() const override { return "entropy"; }
  std::unique_ptr<Observer> clone() const override;

 private:
  ClipRange choose(const Pow2Histogram& h, const QuantSpec& spec, std::string* why) const override;
};

// The range minimizing the histogram's quantization MSE, searched exhaustively (eq. 38-39).
class MseObserver final : public HistogramObserver {
 public:
  MseObserver(std::string tensor_name, int channel_axis, ObserverOptions options = {});
  std::string method() const override { return "mse"; }
  std::unique_ptr<Observer> clone() const override;

 private:
  ClipRange choose(const Pow2Histogram& h, const QuantSpec& spec, std::string* why) const override;
};

// Per channel, the range of minmax, percentile, entropy or mse whose quantization error on the
// histogram (eq. 38) is lowest (eq. 41); ties go to the earlier method in that list.
class AutoObserver final : public HistogramObserver {
 public:
  AutoObserver(std::string tensor_name, int channel_axis, ObserverOptions options = {});
  std::string method() const override { return "auto"; }
  std::string describe_choice(const QuantSpec& spec) const override;
  std::unique_ptr<Observer> clone() const override;

 private:
  ClipRange choose(const Pow2Histogram& h, const QuantSpec& spec, std::string* why) const override;
};

// The observer methods make_observer knows, in the order the CLI lists them.
std::vector<std::string> observer_methods();

// Builds an observer by method name (observer_methods()) for tensor `tensor_name`, per-tensor
// when channel_axis is -1, per channel along channel_axis otherwise; `options` configure the
// histogram methods. Throws octet::Error naming the method (and the known ones) for an unknown
// method, or naming the tensor for a percentile outside (0, 100].
std::unique_ptr<Observer> make_observer(const std::string& method, std::string tensor_name,
                                        int channel_axis = -1,
                                        const ObserverOptions& options = {});

}  // namespace octet
