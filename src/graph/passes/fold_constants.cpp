// fold_constants: evaluates constant subgraphs with the runtime's ops (see fold_constants.h).
#include "octet/fold_constants.h"

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "octet/error.h"
#include "runtime/op.h"
#include "runtime/ops/tensor_ops.h"

namespace octet {

namespace {

// Ops that stay in the graph even when their inputs are constants.
bool never_folded(const std::string& op_type) {
  return op_type == "QuantizeLinear" || op_type == "DequantizeLinear";
}

// The outputs of `node` when they can be computed now, or nullopt.
std::optional<std::vector<Tensor>> evaluate(const Node& node, const Graph& graph,
                                            const std::map<std::string, Shape>& static_shapes) {
  if (never_folded(node.op_type)) return std::nullopt;
  const auto& registry = runtime::op_registry();
  const auto factory = registry.find(node.op_type);
  if (factory == registry.end()) return std::nullopt;  // the Session reports it
  if (node.op_type == "Shape" && node.inputs.size() == 1) {
    const auto known = static_shapes.find(node.inputs[0]);
    if (known != static_shapes.end())
      return std::vector<Tensor>{runtime::shape_op_output(node, known->second)};
  }
  std::vector<const Tensor*> inputs;
  bool any_input = false;
  for (const auto& name : node.inputs) {
    if (name.empty()) {
      inputs.push_back(nullptr);
      continue;
    }
    const Tensor* t = graph.initializer(name);
    if (!t) return std::nullopt;
    inputs.push_back(t);
    any_input = true;
  }
  if (!any_input) return std::nullopt;
  std::vector<Tensor> outputs(node.outputs.size());
  try {
    factory->second(node, graph)->run(inputs, outputs);
  } catch (const Error& e) {
    fail("fold_constants: evaluating {} on its constant inputs: {}", node.describe(), e.what());
  }
  // Outputs may be views of their inputs (Reshape, Squeeze): give each its own storage, so a
  // later pass editing one initializer in place cannot change another.
  for (Tensor& t : outputs)
    if (!t.empty()) t = t.clone();
  return outputs;
}

}  // namespace

int fold_constants(Graph& graph) {
  std::set<std::string> graph_outputs;
  for (const auto& out : graph.outputs) graph_outputs.insert(out.name);
  std::map<std::string, Shape> static_shapes;  // graph inputs with every dimension fixed
  for (const auto& in : graph.inputs) {
    // An empty shape may also mean "rank unknown" (see ValueInfo), so scalars are left alone.
    bool fixed = !in.shape.empty();
    for (int64_t d : in.shape) fixed = fixed && d >= 0;
    if (fixed) static_shapes.emplace(in.name, in.shape);
  }

  std::map<std::string, std::string> renamed;  // removed Identity's output -> its input
  std::set<std::string> folded_inputs;         // initializers that folded nodes read
  std::vector<Node> kept;
  int removed = 0;
  for (Node& node : graph.nodes) {
    for (auto& in : node.inputs)
      if (auto it = renamed.find(in); it != renamed.end()) in = it->second;
    if (node.op_type == "Identity" && node.inputs.size() == 1 && !node.inputs[0].empty() &&
        node.outputs.size() == 1 && !graph_outputs.count(node.outputs[0])) {
      renamed[node.outputs[0]] = node.inputs[0];
      ++removed;
      continue;
    }
    if (auto values = evaluate(node, graph, static_shapes)) {
      for (size_t i = 0; i < node.outputs.size(); ++i)
        if (!node.outputs[i].empty()) graph.initializers[node.outputs[i]] = std::move((*values)[i]);
      for (const auto& in : node.inputs)
        if (graph.initializer(in)) folded_inputs.insert(in);
      ++removed;
      continue;
    }
    kept.push_back(std::move(node));
  }
  graph.nodes = std::move(kept);

  std::set<std::string> still_read(graph_outputs);
  for (const Node& node : graph.nodes) still_read.insert(node.inputs.begin(), node.inputs.end());
  for (const auto& name : folded_inputs)
    if (!still_read.count(name)) graph.initializers.erase(name);
  return removed;
}

}  // namespace octet
