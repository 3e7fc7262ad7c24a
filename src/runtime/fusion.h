// Finding the QDQ patterns that run as one integer kernel, and building that kernel.
//
// A quantized model is stored in QDQ form: DequantizeLinear -> float op -> QuantizeLinear. The
// float form is the meaning (any consumer, ONNX Runtime or TensorRT, agrees on it); the integer
// kernel is how octet runs it. A pattern is fused only when the integer kernel computes the
// same function up to the rounding described in docs/quantization.md; anything else runs as
// written, in float.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "runtime/op.h"

namespace octet::runtime {

inline constexpr size_t kNoNode = static_cast<size_t>(-1);

struct FusedPattern {
  std::vector<size_t> nodes;         // indices into graph.nodes, ascending
  std::vector<std::string> inputs;   // values the fused op reads (the uint8 input)
  std::vector<std::string> outputs;  // values it produces
  // "qlinear_gemm", "qlinear_conv" (a layer with weights) or, for the weightless ops between
  // layers, "qlinear_add", "qlinear_concat", "qlinear_max_pool", "qlinear_average_pool",
  // "qlinear_global_average_pool", "qlinear_view" (Flatten / Reshape).
  std::string kind;
  // The roles of the nodes (indices into graph.nodes; kNoNode when absent).
  size_t dq_x = kNoNode, dq_w = kNoNode, dq_b = kNoNode;  // DequantizeLinear of x, W, bias
  std::vector<size_t> dq_inputs;  // weightless ops: the DequantizeLinear of each data input
  size_t op = kNoNode;                                     // the Gemm, Conv, Add, ...
  size_t activation = kNoNode;                             // a fused Relu or Clip
  size_t quantize = kNoNode;  // the QuantizeLinear of the output; absent: float output (eq. 17)
};

// Every fusable pattern in `graph`; patterns never overlap.
std::vector<FusedPattern> find_integer_patterns(const Graph& graph);

// The integer op for a pattern found above. Throws octet::Error naming the node when a
// quantization parameter is malformed.
std::unique_ptr<Op> make_fused_op(const FusedPattern& pattern, const Graph& graph);

}  // namespace octet::runtime
