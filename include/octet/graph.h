// The graph IR: ONNX-shaped nodes over named values, with initializers held as Tensors.
//
// The IR mirrors ONNX closely on purpose: import and export are then a field-by-field copy,
// and a quantized model is an ordinary graph in QDQ form (QuantizeLinear / DequantizeLinear
// around float ops). The runtime, not the IR, decides which patterns run as integer kernels.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "octet/tensor.h"

namespace octet {

using Attribute =
    std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>>;

struct Node {
  std::string name;
  std::string op_type;
  std::vector<std::string> inputs;   // "" marks an omitted optional input
  std::vector<std::string> outputs;
  std::map<std::string, Attribute> attrs;

  bool has_attr(const std::string& key) const { return attrs.count(key) != 0; }
  // Typed attribute lookups; throw octet::Error naming the node when the type is wrong.
  int64_t attr_int(const std::string& key, int64_t fallback) const;
  float attr_float(const std::string& key, float fallback) const;
  std::vector<int64_t> attr_ints(const std::string& key) const;
  // "node 'fc1' (Gemm)" for messages.
  std::string describe() const;
};

// A graph input or output: name, element type and shape; a negative dimension is symbolic
// (its name, e.g. "N", kept in dim_names for export).
struct ValueInfo {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  std::vector<std::string> dim_names;  // same length as shape; "" for fixed dimensions
};

struct Graph {
  std::string name = "octet";
  std::vector<ValueInfo> inputs;
  std::vector<ValueInfo> outputs;
  std::vector<Node> nodes;  // in topological order
  std::map<std::string, Tensor> initializers;
  std::map<std::string, std::string> metadata;  // ONNX metadata_props
  int64_t opset = 13;

  const Tensor* initializer(const std::string& name) const;
  // The node that produces `value`, or nullptr for graph inputs and initializers.
  const Node* producer(const std::string& value) const;
  // Every node that reads `value`.
  std::vector<const Node*> consumers(const std::string& value) const;
  // Bytes of all initializer data (the raw parameter size).
  size_t param_bytes() const;
  // Throws octet::Error if a node reads a value nothing produces, a value is produced twice,
  // the nodes are not in topological order, or a graph output is not produced.
  void validate(const std::string& where) const;
};

// The metadata key that carries preprocessing with the model: "MEAN,STD" or per-channel
// "M1;M2;M3,S1;S2;S3" lists.
inline constexpr const char* kNormalizeKey = "octet.normalize";

}  // namespace octet
