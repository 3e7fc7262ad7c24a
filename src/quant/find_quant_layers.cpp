// Finding the layers to quantize in an FP32 graph.
#include <algorithm>
#include <iterator>

#include "octet/quantize.h"

namespace octet {

namespace {

bool is_graph_output(const Graph& graph, const std::string& value) {
  for (const auto& out : graph.outputs)
    if (out.name == value) return true;
  return false;
}

bool is_graph_input(const Graph& graph, const std::string& value) {
  for (const auto& in : graph.inputs)
    if (in.name == value) return true;
  return false;
}

// A Relu, or a Clip with constant bounds (ReLU6): either folds into the requantization clamp.
bool is_foldable_activation(const Graph& graph, const Node& n) {
  if (n.op_type == "Relu") return true;
  if (n.op_type != "Clip") return false;
  for (size_t i = 1; i < n.inputs.size(); ++i)
    if (!n.inputs[i].empty() && !graph.initializer(n.inputs[i])) return false;
  return true;
}

// The layer of a Gemm (plain: no transA, alpha = beta = 1) or a Conv with constant float weights
// and a per-output-channel bias; nullopt otherwise.
std::optional<QuantLayer> layer_of(const Graph& graph, const Node& node) {
  if ((node.op_type != "Gemm" && node.op_type != "Conv") || node.inputs.size() < 2)
    return std::nullopt;
  const Tensor* w = graph.initializer(node.inputs[1]);
  if (!w || w->dtype() != DType::kF32) return std::nullopt;
  QuantLayer layer;
  if (node.op_type == "Gemm") {
    if (w->rank() != 2 || node.attr_int("transA", 0) != 0 ||
        node.attr_float("alpha", 1.0f) != 1.0f || node.attr_float("beta", 1.0f) != 1.0f)
      return std::nullopt;
    layer.weight_channel_axis = node.attr_int("transB", 0) != 0 ? 0 : 1;
  } else if (w->rank() < 3) {
    return std::nullopt;
  }
  layer.node = node.name;
  layer.input = node.inputs[0];
  layer.weight = node.inputs[1];
  if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
    const Tensor* b = graph.initializer(node.inputs[2]);
    const int64_t n = w->dim(static_cast<size_t>(layer.weight_channel_axis));
    if (!b || b->dtype() != DType::kF32 || b->numel() != n) return std::nullopt;
    layer.bias = node.inputs[2];
  }
  layer.output = node.outputs.at(0);
  const auto consumers = graph.consumers(layer.output);
  if (consumers.size() == 1 && is_foldable_activation(graph, *consumers[0]) &&
      !is_graph_output(graph, layer.output)) {
    layer.activation_node = consumers[0]->name;
    layer.output = consumers[0]->outputs.at(0);
  }
  return layer;
}

// The data inputs of a weightless op that can run on uint8 tensors, or an empty list.
std::vector<std::string> quant_op_inputs(const Graph& graph, const Node& node) {
  static const char* const kUnary[] = {"MaxPool", "AveragePool", "GlobalAveragePool", "Flatten",
                                       "Reshape"};
  std::vector<std::string> inputs;
  if (node.op_type == "Add" || node.op_type == "Concat") {
    if (node.op_type == "Add" && node.inputs.size() != 2) return {};
    inputs = node.inputs;
  } else if (std::find(std::begin(kUnary), std::end(kUnary), node.op_type) != std::end(kUnary)) {
    if (node.op_type == "MaxPool" && node.outputs.size() > 1 && !node.outputs[1].empty())
      return {};  // the Indices output is not an activation
    if (!node.inputs.empty()) inputs = {node.inputs[0]};
  }
  for (const auto& in : inputs)
    if (in.empty() || graph.initializer(in)) return {};  // a constant operand: stays float
  // A view of a float graph input (the MLP's Flatten of the image) stays float: quantizing
  // after it gives the same uint8 values as before it, with one Q/DQ pair instead of two.
  const bool view = node.op_type == "Flatten" || node.op_type == "Reshape";
  if (view && is_graph_input(graph, inputs[0])) return {};
  return inputs;
}

}  // namespace

std::vector<QuantOp> find_quant_ops(const Graph& graph) {
  std::vector<QuantOp> ops;
  for (const Node& node : graph.nodes) {
    std::vector<std::string> inputs = quant_op_inputs(graph, node);
    if (inputs.empty() || node.outputs.empty()) continue;
    QuantOp op;
    op.node = node.name;
    op.op_type = node.op_type;
    op.inputs = std::move(inputs);
    op.output = node.outputs[0];
    op.shares_input_qparams =
        node.op_type == "MaxPool" || node.op_type == "Flatten" || node.op_type == "Reshape";
    if (node.op_type == "Add") {  // a residual Add's ReLU folds into the clamp (eq. 14)
      const auto consumers = graph.consumers(op.output);
      if (consumers.size() == 1 && is_foldable_activation(graph, *consumers[0]) &&
          !is_graph_output(graph, op.output)) {
        op.activation_node = consumers[0]->name;
        op.output = consumers[0]->outputs.at(0);
      }
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

std::vector<QuantLayer> find_quant_layers(const Graph& graph) {
  std::vector<QuantLayer> layers;
  for (const Node& node : graph.nodes)
    if (auto layer = layer_of(graph, node)) layers.push_back(std::move(*layer));
  return layers;
}

}  // namespace octet
