// Finding the layers to quantize in an FP32 graph.
#include "octet/quantize.h"

namespace octet {

std::vector<QuantLayer> find_quant_layers(const Graph& graph) {
  std::vector<QuantLayer> layers;
  for (const Node& node : graph.nodes) {
    if (node.op_type != "Gemm" || node.inputs.size() < 2) continue;
    const Tensor* w = graph.initializer(node.inputs[1]);
    if (!w || w->dtype() != DType::kF32 || w->rank() != 2) continue;
    if (node.attr_int("transA", 0) != 0 || node.attr_float("alpha", 1.0f) != 1.0f ||
        node.attr_float("beta", 1.0f) != 1.0f)
      continue;
    QuantLayer layer;
    layer.node = node.name;
    layer.input = node.inputs[0];
    layer.weight = node.inputs[1];
    layer.weight_channel_axis = node.attr_int("transB", 0) != 0 ? 0 : 1;
    if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
      const Tensor* b = graph.initializer(node.inputs[2]);
      const int64_t n = w->dim(static_cast<size_t>(layer.weight_channel_axis));
      if (!b || b->dtype() != DType::kF32 || b->numel() != n) continue;  // not a per-channel bias
      layer.bias = node.inputs[2];
    }
    layer.output = node.outputs.at(0);
    const auto consumers = graph.consumers(layer.output);
    const bool is_graph_output = [&] {
      for (const auto& out : graph.outputs)
        if (out.name == layer.output) return true;
      return false;
    }();
    if (consumers.size() == 1 && consumers[0]->op_type == "Relu" && !is_graph_output) {
      layer.relu_node = consumers[0]->name;
      layer.output = consumers[0]->outputs.at(0);
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}

}  // namespace octet
