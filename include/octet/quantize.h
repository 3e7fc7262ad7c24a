// The PTQ workflow as a library: prepare (find the layers, attach observers), calibrate (run
// unlabeled data, observers record), convert (qparams, int8 weights, int32 biases, a QDQ graph).
//
//   Calibrator calib(fp32_graph, QuantizeConfig::preset("recommended"));   // prepare
//   for (batch : calibration batches) calib.observe(batch);                // calibrate
//   QuantizedModel q = calib.convert();                                    // convert
//   Session int8(q.graph);  save_onnx(q.graph, "model.int8.onnx");         // run, save
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "octet/data.h"
#include "octet/graph.h"
#include "octet/observer.h"
#include "octet/qparams.h"
#include "octet/runtime.h"

namespace octet {

struct QuantizeConfig {
  std::string preset = "recommended";
  QuantSpec activation = QuantSpec::recommended_activation();
  QuantSpec weight = QuantSpec::per_channel_weight(0);
  std::string method = "minmax";  // the activation observer (observer_methods())
  std::string weight_method = "minmax";  // the weight observer, per channel when weight is
  double percentile = 99.99;             // P of the percentile method (and auto's candidate)
  // Per-tensor method overrides: an activation or weight name -> a method. Every name must be
  // a tensor the Calibrator observes (an activation it quantizes, or a layer's weight).
  std::map<std::string, std::string> overrides;
  // Whether a layer whose output is a graph output (the logits) requantizes it to uint8, as
  // PyTorch's QuantStub/DeQuantStub models do. When false (recommended), that layer leaves the
  // integer domain at its int32 accumulator, dequantized to float (eq. 17): the logits keep
  // their resolution and the arg-max is not decided by 8-bit ties.
  bool quantize_graph_outputs = false;
  // Layers (QuantLayer::node names) left in FP32: no weight quantization and no Q/DQ around them
  // unless a quantized neighbour needs its activation quantized (mixed precision, --max-drop).
  std::set<std::string> fp32_layers;
  // Empirical bias correction after convert (correct_biases, docs/quantization.md §22): on in
  // "recommended", off in "pytorch-default" (PyTorch's eager PTQ does not do it). It needs the
  // calibration inputs a second time, so it is applied by whoever holds them (run_quantize);
  // it is not part of the statistics' identity (describe()), since shards never apply it.
  bool bias_correction = true;

  // "recommended": int8 symmetric per-channel weights, uint8 [0,255] affine activations.
  // "pytorch-default": torch.ao.quantization.default_qconfig (uint8 [0,127] affine
  // activations, int8 symmetric per-tensor weights). Throws octet::Error for other names.
  static QuantizeConfig preset_named(const std::string& name);
  // Reshapes the activation grid: symmetric = the int8 symmetric grid s * k, k in [-128, 127],
  // stored as uint8 with zero point 128 (the same 256 levels, so the uint8 x int8 integer
  // kernels run it); reduce_range = 7 bits (uint8 [0, 127], eq. 42), for CPUs without VNNI,
  // whose 16-bit pair sums (vpmaddubsw) overflow with 8-bit activations: the AVX2 kernel then
  // takes its vpmaddubsw path (docs/quantization.md §12). Throws octet::Error
  // for both at once (the symmetric uint8 grid cannot be halved around 128 and stay below 128).
  void set_activation_grid(bool symmetric, bool reduce_range);
  // The method observing tensor `name`: its override, else `fallback` (method or
  // weight_method).
  const std::string& method_for(const std::string& name, const std::string& fallback) const;
  // "recommended, minmax: weights int8 [-128,127] symmetric per-channel, ..." for reports.
  std::string describe() const;
};

// A layer octet quantizes: a Gemm or Conv with constant weights (and bias), with a following
// Relu or Clip (ReLU6) fused into it when that is the op's only consumer.
struct QuantLayer {
  std::string node;       // the Gemm or Conv node's name
  std::string input;      // the float value entering the layer
  std::string output;     // the value leaving it: the Relu's output when fused, else the Gemm's
  std::string weight;     // initializer: Gemm [N,K] (transB=1) or [K,N]; Conv [O,C/g,k...]
  std::string bias;       // initializer [N], or "" when the Gemm has none
  std::string activation_node;  // the fused Relu or Clip; "" when none
  int weight_channel_axis = 0;  // the output-channel axis of the weight (0 when transB=1)
};

// Every quantizable layer of an FP32 graph, in graph order. A Gemm that cannot be quantized
// (non-constant weights, alpha/beta != 1, transA) is left in FP32 and not listed.
std::vector<QuantLayer> find_quant_layers(const Graph& graph);

// A weightless op that runs on uint8 tensors between the layers: Add of two activations (with
// a following Relu or Clip fused when that is its only consumer), MaxPool, AveragePool,
// GlobalAveragePool, Concat of activations, Flatten, Reshape. Its data inputs and its output
// get observers, so convert() puts Q/DQ pairs around it (ONNX Runtime's QDQ form) and the
// runtime runs it as an integer kernel.
struct QuantOp {
  std::string node;                 // the op's node name
  std::string op_type;
  std::vector<std::string> inputs;  // the float activations it reads (not Reshape's shape)
  std::string output;               // the fused activation's output when there is one
  std::string activation_node;      // the fused Relu or Clip; "" when none
  // MaxPool, Flatten and Reshape only move values: their output takes the input's qparams
  // (eq. 21), which makes them exact on uint8 tensors.
  bool shares_input_qparams = false;
};

// Every such op of an FP32 graph, in graph order. An Add or Concat with a constant operand
// (e.g. a bias broadcast) is not listed: it stays in float.
std::vector<QuantOp> find_quant_ops(const Graph& graph);

// One layer's quantization, for reports: observed ranges and the chosen parameters.
struct LayerQuantInfo {
  QuantLayer layer;
  ObservedRange input_range, output_range;  // what the observers saw (empty when unknown)
  QParams input, output, weight;            // activations per tensor; weight per channel or not
  std::string weight_q;                     // the int8 weight initializer in the QDQ graph
  std::string bias_q;                       // the int32 bias initializer; "" when no bias
  std::vector<float> bias_scale;
  std::vector<int64_t> eps_channels;        // weight channels whose scale fell back to eps
};

struct QuantizedModel {
  Graph graph;                        // QDQ form, ready for Session and save_onnx
  std::vector<LayerQuantInfo> layers;
  // What chose each quantized tensor's range (activations and weights): the method, or for
  // auto the method it picked ("auto: entropy"); see Observer::describe_choice.
  std::map<std::string, std::string> methods;
  std::vector<std::string> warnings;  // e.g. a constant tensor whose scale fell back to eps
};

// What empirical bias correction did to one layer.
struct BiasCorrection {
  std::string layer;           // QuantLayer::node
  double max_abs_shift = 0.0;  // the largest |mean(y_q[c]) - mean(y[c])| it removed
};

// Empirical bias correction (docs/quantization.md §22): layer by layer in graph order, moves
// each quantized layer's int32 bias by the mean difference between the quantized model's
// pre-activation output and the FP32 model's `fp32` (the Calibrator's prepared_graph()) over
// `batches` (float inputs [B, ...] of the single graph input). Layers without a bias are left
// alone. Throws octet::Error when `batches` is empty or the graph has several inputs.
std::vector<BiasCorrection> correct_biases(QuantizedModel& q, const Graph& fp32,
                                           const std::vector<Tensor>& batches);

// prepare + calibrate + convert. Not thread-safe (observe() updates observers).
class Calibrator {
 public:
  // Prepare: finds the layers and attaches an observer (cfg.method, or its override) to the
  // input and output of each; convert() observes each weight with cfg.weight_method (or its
  // override), per channel or not as cfg.weight says. Throws octet::Error when the graph has no
  // quantizable layer, the config is invalid, or an override names an unknown method or a
  // tensor that is neither a quantized activation nor a layer's weight.
  Calibrator(Graph fp32, QuantizeConfig cfg);
  ~Calibrator();

  const std::vector<QuantLayer>& layers() const { return layers_; }
  const std::vector<QuantOp>& quant_ops() const { return ops_; }
  // The FP32 graph as prepared for quantization (constants and BatchNorms folded): the float
  // model the quantized one approximates, layer for layer.
  const Graph& prepared_graph() const { return fp32_; }
  const QuantizeConfig& config() const { return cfg_; }
  int64_t n_samples() const { return n_samples_; }

  // Calibrate: runs one batch (float input [B,...]) through the FP32 model; every observer sees
  // its tensor. Throws octet::Error naming the tensor and the sample index on NaN/Inf.
  void observe(const Tensor& batch);
  // The activation observers by value name (for printing their statistics, or sharding).
  const std::map<std::string, std::unique_ptr<Observer>>& activation_observers() const {
    return observers_;
  }

  // Convert: qparams from the observers, int8 weights, int32 biases, the QDQ graph. The
  // layers in config().fp32_layers stay FP32. Throws octet::Error when no sample was observed.
  QuantizedModel convert() const;
  // Same, leaving the layers `fp32_layers` (QuantLayer::node names) in FP32 instead of the
  // config's. Throws octet::Error naming an unknown layer.
  QuantizedModel convert(const std::set<std::string>& fp32_layers) const;

  // Sharding (calibration_stats.cpp). The statistics of every activation observer, with the
  // identity of what they were observed for: {"model": graph_fingerprint(prepared graph),
  // "config": describe(), "samples", "observers": [Observer::to_json()...], and "head": the
  // observers as they stood at the drift mark (see set_drift_mark) when one was set}.
  nlohmann::json export_statistics() const;
  // Merges statistics written by export_statistics() (of another Calibrator over the same
  // model and config) as if this one had observed those samples too. `where` (the file) starts
  // every message. Throws octet::Error naming `where` when the model or config differ, an
  // observer is missing, unknown or malformed; nothing is merged then.
  void import_statistics(const nlohmann::json& stats, const std::string& where);

  // Calibration-size diagnostic (range_drift.cpp): remembers the observers as they stand after
  // `samples` samples (a batch that crosses the mark is split there), so range_drift() can say
  // how far each chosen range moved over the samples after it. Call before observing.
  // Throws octet::Error when samples were already observed or `samples` < 0.
  void set_drift_mark(int64_t samples);
  struct RangeDrift {
    std::string tensor;
    int64_t head_samples = 0, samples = 0;  // before the mark, in all
    float lo = 0, hi = 0;  // the final chosen range: s * (qmin - z), s * (qmax - z)
    float moved = 0;  // max(|lo - lo_head|, |hi - hi_head|) / (hi - lo); 1 when the head is empty
  };
  // One entry per activation observer, in name order; empty when no mark was set (or merged
  // statistics had none).
  std::vector<RangeDrift> range_drift() const;

 private:
  using ObserverMap = std::map<std::string, std::unique_ptr<Observer>>;
  static ObserverMap clone_observers(const ObserverMap& observers);
  void observe_rows(const Tensor& batch);

  Graph fp32_;
  QuantizeConfig cfg_;
  std::vector<QuantLayer> layers_;
  std::vector<QuantOp> ops_;
  std::unique_ptr<Session> session_;
  ObserverMap observers_;
  int64_t n_samples_ = 0;
  std::optional<int64_t> drift_mark_;
  std::optional<ObserverMap> head_;  // the observers at the drift mark, once it is reached
  bool head_lost_ = false;           // merged statistics without a head: no diagnostic
};

// A short stable identity of a graph: FNV-1a 64 over its nodes (names, ops, inputs, outputs,
// attributes), inputs, outputs and initializers (names, types, shapes, bytes), as 16 hex digits.
std::string graph_fingerprint(const Graph& graph);

}  // namespace octet

namespace octet {

// Calibrate over a data set: runs the images `indices` of `data` (normalized with `norm`)
// through the calibrator in batches of `batch`, with a progress bar on stderr when it is a
// terminal. Throws octet::Error when `indices` is empty.
void calibrate_on(Calibrator& calib, const Dataset& data, const std::vector<int64_t>& indices,
                  const Normalization& norm, int64_t batch = 100, bool show_progress = true);

// Reads the quantized layers back from a QDQ graph (a file octet or another tool wrote): each
// Gemm whose input and weight come from DequantizeLinear nodes, with the qparams of its input,
// weight, bias and output (input_range / output_range stay empty: a file keeps no observer
// statistics). Throws octet::Error naming the node when a scale or zero point is missing or
// has the wrong type.
std::vector<LayerQuantInfo> describe_qdq_layers(const Graph& qdq);

}  // namespace octet

namespace octet {

// Calibrate over model inputs that are already a tensor (e.g. a float32 NCHW .npy file, used as
// it is: no normalization): runs the rows `indices` of `inputs` (float32 [N, ...]) through the
// calibrator in batches of `batch` (each [b, ...], rows in the order of `indices`), with a
// progress bar on stderr when it is a terminal. `source` names the inputs in messages. Throws
// octet::Error when `indices` is empty or has an index outside [0, N), when `inputs` is not
// float32 of rank >= 2, and whatever Calibrator::observe throws.
void calibrate_on_tensor(Calibrator& calib, const Tensor& inputs,
                         const std::vector<int64_t>& indices, int64_t batch = 100,
                         bool show_progress = true,
                         const std::string& source = "calibration inputs");

// The same samples as calibrate_on / calibrate_on_tensor observe, as the list of batches they
// run (for correct_biases, which needs the calibration inputs a second time).
std::vector<Tensor> calibration_batches(const Dataset& data, const std::vector<int64_t>& indices,
                                        const Normalization& norm, int64_t batch = 100);
std::vector<Tensor> calibration_batches(const Tensor& inputs, const std::vector<int64_t>& indices,
                                        int64_t batch = 100);

}  // namespace octet
