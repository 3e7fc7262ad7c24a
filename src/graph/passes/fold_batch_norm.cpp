// FoldBatchNormPass: merges an inference BatchNormalization into the Conv or Gemm before it.
//
// For output channel m, BN(y)[m] = (y[m] - mean[m]) * f[m] + beta[m] with f[m] = gamma[m] /
// sqrt(var[m] + eps); and y[m] = W[m] . x + b[m] is linear in the row W[m], so
//   BN(y)[m] = (W[m] * f[m]) . x + (b[m] - mean[m]) * f[m] + beta[m].
// A Gemm with transB = 1 holds W[m] as row m of B [N, K]; with transB = 0 as column m of B
// [K, N]; either way, the channel of the BN (axis 1 of [batch, N]) is the column of Y.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "octet/passes.h"

namespace octet {

namespace {
struct BnParams {
  std::vector<double> factor;  // gamma / sqrt(var + eps)
  std::vector<double> mean, beta;
};

bool is_graph_input(const Graph& graph, const std::string& name) {
  for (const auto& in : graph.inputs)
    if (in.name == name) return true;
  return false;
}

bool is_graph_output(const Graph& graph, const std::string& name) {
  for (const auto& out : graph.outputs)
    if (out.name == name) return true;
  return false;
}

// A float initializer of shape [channels] that the caller may read as a constant.
const Tensor* channel_vector(const Graph& graph, const std::string& name, int64_t channels) {
  const Tensor* t = graph.initializer(name);
  if (!t || is_graph_input(graph, name) || t->dtype() != DType::kF32) return nullptr;
  if (t->numel() != channels || t->rank() != 1) return nullptr;
  return t;
}

// The folded factor and shift of an inference BN over `channels` channels, or nullopt.
std::optional<BnParams> read_bn(const Graph& graph, const Node& bn, int64_t channels) {
  if (bn.inputs.size() != 5 || bn.attr_int("training_mode", 0) != 0 ||
      bn.attr_int("spatial", 1) != 1)
    return std::nullopt;
  for (size_t i = 1; i < bn.outputs.size(); ++i)
    if (!bn.outputs[i].empty()) return std::nullopt;
  const Tensor* params[4];
  for (size_t i = 0; i < 4; ++i)
    if (!(params[i] = channel_vector(graph, bn.inputs[i + 1], channels))) return std::nullopt;
  const float* gamma = params[0]->data<float>();
  const float* beta = params[1]->data<float>();
  const float* mean = params[2]->data<float>();
  const float* var = params[3]->data<float>();
  const double eps = bn.attr_float("epsilon", 1e-5f);
  BnParams p;
  for (int64_t c = 0; c < channels; ++c) {
    p.factor.push_back(gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps));
    p.mean.push_back(mean[c]);
    p.beta.push_back(beta[c]);
  }
  return p;
}

// `base`, or base_1, base_2, ... if the graph already has a value of that name.
std::string fresh_name(const Graph& graph, const std::string& base) {
  auto taken = [&](const std::string& name) {
    return graph.initializer(name) || graph.producer(name) || is_graph_input(graph, name) ||
           is_graph_output(graph, name);
  };
  std::string name = base;
  for (int i = 1; taken(name); ++i) name = base + "_" + std::to_string(i);
  return name;
}

// Stores `value` as the initializer input `slot` of graph.nodes[index]: under the old name
// when that node was its only reader, else under a fresh name derived from `base`.
void set_param(Graph& graph, size_t index, size_t slot, Tensor value, const std::string& base) {
  Node& node = graph.nodes[index];
  if (node.inputs.size() <= slot) node.inputs.resize(slot + 1);
  std::string name = node.inputs[slot];
  if (name.empty() || graph.consumers(name).size() != 1) name = fresh_name(graph, base);
  graph.initializers[name] = std::move(value);
  graph.nodes[index].inputs[slot] = name;
}

// The base name of a new bias for weights named `weight` ("conv1.weight" -> "conv1.bias").
std::string bias_name(const std::string& weight) {
  const std::string suffix = ".weight";
  if (weight.size() > suffix.size() &&
      weight.compare(weight.size() - suffix.size(), suffix.size(), suffix) == 0)
    return weight.substr(0, weight.size() - suffix.size()) + ".bias";
  return weight + "_bias";
}

// The existing bias of node `index` (input 2) as doubles, zeros when absent, or nullopt when
// it is not a foldable float initializer of `channels` values ([channels], or [1, channels]
// for a Gemm).
std::optional<std::vector<double>> read_bias(const Graph& graph, const Node& node,
                                             int64_t channels) {
  if (node.inputs.size() < 3 || node.inputs[2].empty())
    return std::vector<double>(static_cast<size_t>(channels), 0.0);
  const Tensor* b = graph.initializer(node.inputs[2]);
  if (!b || is_graph_input(graph, node.inputs[2]) || b->dtype() != DType::kF32 ||
      b->numel() != channels || b->rank() < 1 || b->rank() > 2 || b->dim(b->rank() - 1) != channels)
    return std::nullopt;
  return std::vector<double>(b->data<float>(), b->data<float>() + channels);
}

// Folds graph.nodes[bn_index] into its producer if the pattern matches; true if it did.
bool try_fold(Graph& graph, size_t bn_index) {
  const Node& bn = graph.nodes[bn_index];
  if (bn.op_type != "BatchNormalization" || bn.inputs.empty() || bn.outputs.empty()) return false;
  const std::string& y = bn.inputs[0];
  if (is_graph_output(graph, y) || graph.consumers(y).size() != 1) return false;
  size_t index = 0;
  while (index < bn_index &&
         (graph.nodes[index].outputs.empty() || graph.nodes[index].outputs[0] != y))
    ++index;
  if (index == bn_index) return false;
  const Node& op = graph.nodes[index];
  const bool is_conv = op.op_type == "Conv";
  const bool is_gemm = op.op_type == "Gemm";
  if ((!is_conv && !is_gemm) || op.inputs.size() < 2 || op.outputs.size() != 1) return false;
  const Tensor* w = graph.initializer(op.inputs[1]);
  if (!w || is_graph_input(graph, op.inputs[1]) || w->dtype() != DType::kF32) return false;
  if (is_conv && w->rank() < 3) return false;
  const bool trans_b = is_gemm && op.attr_int("transB", 0) != 0;
  if (is_gemm && (w->rank() != 2 || op.attr_float("beta", 1.0f) != 1.0f)) return false;
  const int64_t channels = is_gemm && !trans_b ? w->dim(1) : w->dim(0);
  const auto bn_params = read_bn(graph, bn, channels);
  const auto bias = read_bias(graph, op, channels);
  if (!bn_params || !bias) return false;

  // W' = W * f per output channel: a new tensor (others may share the old one's storage).
  Tensor w_folded(DType::kF32, w->shape());
  const float* pw = w->data<float>();
  float* pf = w_folded.data<float>();
  const int64_t per_channel = w->numel() / std::max<int64_t>(channels, 1);
  for (int64_t i = 0; i < w->numel(); ++i) {
    const int64_t c = is_gemm && !trans_b ? i % channels : i / per_channel;
    pf[i] = static_cast<float>(pw[i] * bn_params->factor[c]);
  }
  Tensor b_folded(DType::kF32, {channels});
  for (int64_t c = 0; c < channels; ++c)
    b_folded.data<float>()[c] = static_cast<float>(
        ((*bias)[c] - bn_params->mean[c]) * bn_params->factor[c] + bn_params->beta[c]);

  const std::string weight_name = op.inputs[1];
  set_param(graph, index, 1, std::move(w_folded), weight_name + "_bnfolded");
  set_param(graph, index, 2, std::move(b_folded), bias_name(weight_name));
  graph.nodes[index].outputs[0] = graph.nodes[bn_index].outputs[0];
  return true;
}
}  // namespace

int fold_batch_norm(Graph& graph) {
  int folded = 0;
  for (size_t i = 0; i < graph.nodes.size();) {
    const std::vector<std::string> bn_inputs = graph.nodes[i].inputs;
    if (!try_fold(graph, i)) {
      ++i;
      continue;
    }
    graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(i));
    ++folded;
    // The BN's parameters that nothing reads any more.
    for (size_t k = 1; k < bn_inputs.size(); ++k)
      if (graph.consumers(bn_inputs[k]).empty() && !is_graph_output(graph, bn_inputs[k]))
        graph.initializers.erase(bn_inputs[k]);
  }
  return folded;
}

}  // namespace octet
