// Prepare and calibrate: observers on every quantized activation, fed by running the FP32
// model with a value hook.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "octet/error.h"
#include "octet/fold_constants.h"
#include "octet/passes.h"
#include "octet/quantize.h"

namespace octet {

Calibrator::Calibrator(Graph fp32, QuantizeConfig cfg) : fp32_(std::move(fp32)), cfg_(std::move(cfg)) {
  cfg_.activation.validate("activation spec");
  cfg_.weight.validate("weight spec");
  if (cfg_.activation.per_channel) fail("activations are quantized per tensor only");
  // Prepare the graph the way the integer model will run: constants folded (Shape/Gather
  // chains, Identity) and BatchNormalization folded into the Conv/Gemm before it, so the
  // observers see the activations of the folded layers and their weights.
  fold_constants(fp32_);
  fold_batch_norm(fp32_);
  layers_ = find_quant_layers(fp32_);
  if (layers_.empty())
    fail("graph '{}' has no quantizable layer (a Gemm or Conv with constant weights)", fp32_.name);
  std::set<std::string> graph_outputs;
  for (const ValueInfo& out : fp32_.outputs) graph_outputs.insert(out.name);
  ObserverOptions options;
  options.percentile = cfg_.percentile;
  options.target = cfg_.activation;
  std::set<std::string> weights;
  for (const QuantLayer& layer : layers_) {
    weights.insert(layer.weight);
    std::vector<std::string> values{layer.input};
    if (cfg_.quantize_graph_outputs || !graph_outputs.count(layer.output))
      values.push_back(layer.output);
    for (const std::string& value : values)
      if (!observers_.count(value))
        observers_[value] = make_observer(cfg_.method_for(value, cfg_.method), value, -1, options);
  }
  // The weightless ops between layers (Add, pools, Concat, views) keep the tensors uint8: their
  // inputs and outputs are observed too (an Add's output after its fused ReLU).
  ops_ = find_quant_ops(fp32_);
  for (const QuantOp& op : ops_) {
    std::vector<std::string> values = op.inputs;
    if (cfg_.quantize_graph_outputs || !graph_outputs.count(op.output)) values.push_back(op.output);
    for (const std::string& value : values)
      if (!observers_.count(value))
        observers_[value] = make_observer(cfg_.method_for(value, cfg_.method), value, -1, options);
  }
  // Every override must name a tensor that is quantized, and a known method (checked now, not
  // after calibration: a typo should not cost a calibration run).
  for (const auto& [name, method] : cfg_.overrides) {
    if (!observers_.count(name) && !weights.count(name)) {
      std::vector<std::string> known;
      for (const auto& kv : observers_) known.push_back(kv.first);
      known.insert(known.end(), weights.begin(), weights.end());
      fail("--override: tensor '{}' is not a quantized activation or weight of graph '{}' "
           "(known: {})", name, fp32_.name, fmt::join(known, ", "));
    }
    make_observer(method, name, -1, options);  // throws for an unknown method
  }
  make_observer(cfg_.weight_method, "weights", -1, options);
  session_ = std::make_unique<Session>(fp32_);
}

Calibrator::~Calibrator() = default;

void Calibrator::observe(const Tensor& batch) {
  if (batch.empty() || batch.rank() == 0 || batch.dim(0) == 0)
    fail("calibration batch is empty");
  // A batch that crosses the drift mark is split there, so the head is exactly the first
  // `mark` samples whatever the batch size (see range_drift.cpp).
  int64_t row = 0;
  if (drift_mark_ && !head_ && *drift_mark_ < n_samples_ + batch.dim(0)) {
    row = *drift_mark_ - n_samples_;
    if (row > 0) observe_rows(batch.slice_rows(0, row));
    head_ = clone_observers(observers_);
  }
  observe_rows(row == 0 ? batch : batch.slice_rows(row, batch.dim(0)));
}

void Calibrator::observe_rows(const Tensor& batch) {
  // Graph inputs are not produced by a node, so the hook never sees them: observe them here.
  for (const ValueInfo& in : fp32_.inputs) {
    auto it = observers_.find(in.name);
    if (it != observers_.end()) it->second->observe(batch);
  }
  const ValueHook hook = [this](const std::string& name, const Tensor& value) {
    auto it = observers_.find(name);
    if (it != observers_.end()) it->second->observe(value);
  };
  session_->run({{fp32_.inputs.at(0).name, batch}}, {}, &hook);
  n_samples_ += batch.dim(0);
}

Calibrator::ObserverMap Calibrator::clone_observers(const ObserverMap& observers) {
  ObserverMap copy;
  for (const auto& [name, obs] : observers) copy[name] = obs->clone();
  return copy;
}

}  // namespace octet
