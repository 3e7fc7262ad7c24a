// Finding the layer that hurts: per-layer error of a quantized model against its FP32 model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "octet/data.h"
#include "octet/evaluate.h"
#include "octet/graph.h"

namespace octet {

// Streaming error statistics of an approximation y of a reference x, over any number of
// batches (sums in double; nothing is kept per element):
//   SQNR = 10 log10(sum x^2 / sum (x - y)^2) dB                                  (eq. 30)
//   cosine = sum x y / sqrt(sum x^2 * sum y^2)                                   (eq. 31)
struct ErrorStats {
  int64_t elements = 0;
  double sum_xx = 0, sum_yy = 0, sum_xy = 0, sum_ee = 0;
  void add(const float* x, const float* y, int64_t n);
  // +infinity when y equals x exactly; -infinity when x is all zero but y is not.
  double sqnr_db() const;
  // 1 when both are all zero, 0 when only one is.
  double cosine() const;
};

struct LayerComparison {
  std::string layer;      // the Gemm/Conv node
  std::string value;      // the activation compared: the layer's output (after a fused Relu)
  std::string precision;  // "int8" when the quantized model quantizes the layer, else "fp32"
  ErrorStats error;
};

struct ModelComparison {
  std::vector<LayerComparison> layers;  // lowest SQNR (worst) first
  std::vector<std::string> unmatched;   // FP32 layers whose output the quantized model lacks
  EvalResult fp32, quant;               // accuracy on the data set
  double top1_agreement = 0;
  ErrorStats output;  // the logits
};

struct CompareOptions {
  int64_t limit = -1;   // the first `limit` samples only (< 0: all)
  int64_t batch = 100;  // activations of one batch are held at a time
  bool show_progress = true;
};

// Runs `fp32` (prepared as the Calibrator prepares it: constants and BatchNorms folded, so its
// layers are the quantized model's) and `quant` (a QDQ model) over `data`, and compares each
// quantizable layer's output: the FP32 value against the quantized model's value of the same
// name, dequantized from its QuantizeLinear output (v_q, see convert.cpp) when it has one, or
// the float value itself (a float exit, a layer left in FP32). Throws octet::Error on a model
// that does not run on the data or whose outputs differ in shape.
ModelComparison compare_models(const Graph& fp32, const Graph& quant, const Dataset& data,
                               const Normalization& norm, const CompareOptions& options = {});

}  // namespace octet
