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
  // Whether a layer whose output is a graph output (the logits) requantizes it to uint8, as
  // PyTorch's QuantStub/DeQuantStub models do. When false (recommended), that layer leaves the
  // integer domain at its int32 accumulator, dequantized to float (eq. 17): the logits keep
  // their resolution and the arg-max is not decided by 8-bit ties.
  bool quantize_graph_outputs = false;

  // "recommended": int8 symmetric per-channel weights, uint8 [0,255] affine activations.
  // "pytorch-default": torch.ao.quantization.default_qconfig (uint8 [0,127] affine
  // activations, int8 symmetric per-tensor weights). Throws octet::Error for other names.
  static QuantizeConfig preset_named(const std::string& name);
  // reduce_range = 7-bit activations (uint8 [0, 127]), for CPUs without VNNI: the AVX2 kernel
  // then takes its vpmaddubsw path (docs/quantization.md section 12). symmetric = the int8
  // symmetric grid stored as uint8 around zero point 128. Throws octet::Error for both at once.
  void set_activation_grid(bool symmetric, bool reduce_range);
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

// One layer's quantization, for reports: observed ranges and the chosen parameters.
struct LayerQuantInfo {
  QuantLayer layer;
  ObservedRange input_range, output_range;  // what the observers saw (empty when unknown)
  QParams input, output, weight;            // activations per tensor; weight per channel or not
  std::string weight_q;                     // the int8 weight initializer in the QDQ graph
  std::vector<float> bias_scale;
  std::vector<int64_t> eps_channels;        // weight channels whose scale fell back to eps
};

struct QuantizedModel {
  Graph graph;                        // QDQ form, ready for Session and save_onnx
  std::vector<LayerQuantInfo> layers;
  std::vector<std::string> warnings;  // e.g. a constant tensor whose scale fell back to eps
};

// prepare + calibrate + convert. Not thread-safe (observe() updates observers).
class Calibrator {
 public:
  // Prepare: finds the layers and attaches an observer (cfg.method) to the input and output of
  // each, and a MinMax observer (per channel or not, as cfg.weight says) to each weight.
  // Throws octet::Error when the graph has no quantizable layer or the config is invalid.
  Calibrator(Graph fp32, QuantizeConfig cfg);
  ~Calibrator();

  const std::vector<QuantLayer>& layers() const { return layers_; }
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

  // Convert: qparams from the observers, int8 weights, int32 biases, the QDQ graph.
  // Throws octet::Error when no sample was observed.
  QuantizedModel convert() const;

 private:
  Graph fp32_;
  QuantizeConfig cfg_;
  std::vector<QuantLayer> layers_;
  std::unique_ptr<Session> session_;
  std::map<std::string, std::unique_ptr<Observer>> observers_;
  int64_t n_samples_ = 0;
};

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

}  // namespace octet
