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

struct FusedPattern {
  std::vector<size_t> nodes;         // indices into graph.nodes, ascending
  std::vector<std::string> inputs;   // values the fused op reads
  std::vector<std::string> outputs;  // values it produces (the pattern's quantized output)
  std::string kind;                  // e.g. "qlinear_gemm"
};

// Every fusable pattern in `graph`; patterns never overlap.
std::vector<FusedPattern> find_integer_patterns(const Graph& graph);

// The integer op for a pattern found above. Throws octet::Error naming the node when a
// quantization parameter is malformed.
std::unique_ptr<Op> make_fused_op(const FusedPattern& pattern, const Graph& graph);

}  // namespace octet::runtime
