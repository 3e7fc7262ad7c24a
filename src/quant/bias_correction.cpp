// Empirical bias correction (docs/quantization.md §22).
//
// Quantizing a layer's weights and its input shifts the mean of its pre-activation output:
// E[y_q] - E[y] = E[(W_q - W) x] + E[W_q (x_q - x)] is a per-channel constant that the int32
// bias can absorb. Layer by layer in graph order, on the calibration batches, this measures
// d_c = mean(y_q[c]) - mean(y[c]) of the quantized model (with the layers before it already
// corrected, so each correction sees the inputs the final model will give it) against the FP32
// model, and requantizes that layer's bias as q_b[c] s_b[c] - d_c at the same scale
// s_b[c] = s_in * s_w[c] (eq. 15), so that only the new rounding (|e| <= s_b[c] / 2) is left. The
// means are over every sample and, for Conv, every spatial position.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "octet/error.h"
#include "octet/quantize.h"
#include "octet/quantize_tensor.h"

namespace octet {

namespace {

const Node& node_named(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return n;
  fail("bias correction: graph '{}' has no node '{}'", g.name, name);
}

// Accumulates the per-channel sum of an [B, C, ...] tensor (channel axis 1) into `sums`.
void add_channel_sums(const Tensor& t, std::vector<double>& sums, int64_t& count) {
  if (t.rank() < 2) fail("bias correction: layer output of rank {} (want [batch, channels, ...])",
                         t.rank());
  const int64_t batch = t.dim(0), channels = t.dim(1);
  const int64_t inner = t.numel() / (batch * channels);
  if (sums.empty()) sums.assign(static_cast<size_t>(channels), 0.0);
  OCTET_CHECK(static_cast<int64_t>(sums.size()) == channels);
  const float* p = t.data<float>();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t c = 0; c < channels; ++c) {
      double s = 0;
      for (int64_t i = 0; i < inner; ++i) s += *p++;
      sums[static_cast<size_t>(c)] += s;
    }
  count += batch * inner;
}

// mean[c] over the batches of the value `name` computed by `session`.
std::vector<double> channel_means(const Session& session, const std::string& name,
                                  const std::vector<Tensor>& batches) {
  std::vector<double> sums;
  int64_t count = 0;
  const std::string& input = session.graph().inputs.at(0).name;
  for (const Tensor& batch : batches)
    add_channel_sums(session.run({{input, batch}}, {name}).at(0), sums, count);
  for (double& s : sums) s /= static_cast<double>(count);
  return sums;
}

// `g` cut down to the nodes that `value` depends on, with `value` as its only output: a layer's
// probe then runs only the layers before it.
Graph probe_for(const Graph& g, const std::string& value) {
  Graph probe = g;
  probe.outputs = {ValueInfo{value, DType::kF32, {}, {}}};
  std::set<std::string> wanted{value};
  std::vector<Node> kept;
  for (auto it = g.nodes.rbegin(); it != g.nodes.rend(); ++it) {
    bool needed = false;
    for (const auto& out : it->outputs) needed = needed || wanted.count(out) > 0;
    if (!needed) continue;
    wanted.insert(it->inputs.begin(), it->inputs.end());
    kept.push_back(*it);
  }
  probe.nodes.assign(kept.rbegin(), kept.rend());
  std::erase_if(probe.initializers, [&](const auto& kv) { return !wanted.count(kv.first); });
  return probe;
}

}  // namespace

std::vector<BiasCorrection> correct_biases(QuantizedModel& q, const Graph& fp32,
                                           const std::vector<Tensor>& batches) {
  if (batches.empty()) fail("bias correction: no calibration batches");
  if (fp32.inputs.size() != 1)
    fail("bias correction: graph '{}' has {} inputs (one is supported)", fp32.name,
         fp32.inputs.size());
  // The FP32 pre-activations of every layer, in one pass per batch.
  std::map<std::string, std::vector<double>> fp32_sums;
  std::map<std::string, int64_t> fp32_counts;
  std::map<std::string, std::string> pre_of_layer;  // layer node -> its Gemm/Conv output
  for (const LayerQuantInfo& info : q.layers)
    if (!info.bias_q.empty())
      pre_of_layer[info.layer.node] = node_named(fp32, info.layer.node).outputs.at(0);
  if (pre_of_layer.empty()) return {};
  std::map<std::string, std::string> layer_of_value;
  for (const auto& [layer, value] : pre_of_layer) layer_of_value[value] = layer;
  const Session reference(fp32);
  const ValueHook hook = [&](const std::string& name, const Tensor& value) {
    if (layer_of_value.count(name)) add_channel_sums(value, fp32_sums[name], fp32_counts[name]);
  };
  for (const Tensor& batch : batches) reference.run({{fp32.inputs[0].name, batch}}, {}, &hook);

  std::vector<BiasCorrection> result;
  for (const LayerQuantInfo& info : q.layers) {
    if (info.bias_q.empty()) continue;
    const std::string& fp32_pre = pre_of_layer.at(info.layer.node);
    std::vector<double> want = fp32_sums.at(fp32_pre);
    for (double& s : want) s /= static_cast<double>(fp32_counts.at(fp32_pre));
    // Making the layer's pre-activation a graph output keeps the runtime from fusing its
    // requantization: the layer then leaves the integer domain at its int32 accumulator times
    // s_in * s_w (eq. 17), which is exactly the value the fused kernel requantizes.
    const std::string pre = node_named(q.graph, info.layer.node).outputs.at(0);
    const std::vector<double> got = channel_means(Session(probe_for(q.graph, pre)), pre, batches);
    if (got.size() != want.size())
      fail("bias correction: layer '{}' has {} channels quantized and {} in FP32", info.layer.node,
           got.size(), want.size());

    // The correction moves the bias the layer really adds (its int32 times s_b[c]), not the
    // FP32 bias: starting from the FP32 one would add its rounding error to the new one's.
    const Tensor& bias_q = q.graph.initializers.at(info.bias_q);
    Tensor corrected(DType::kF32, bias_q.shape());
    BiasCorrection bc;
    bc.layer = info.layer.node;
    for (size_t c = 0; c < got.size(); ++c) {
      const double shift = got[c] - want[c];
      const float s_b = info.bias_scale.size() == 1 ? info.bias_scale[0] : info.bias_scale.at(c);
      const double in_use = bias_q.data<int32_t>()[c] * static_cast<double>(s_b);
      corrected.data<float>()[c] = static_cast<float>(in_use - shift);
      bc.max_abs_shift = std::max(bc.max_abs_shift, std::abs(shift));
    }
    // A layer reading the input at scale s_in quantizes its bias with that same s_in.
    q.graph.initializers[info.bias_q] =
        quantize_bias(corrected, info.input.scale.at(0), info.weight.scale, info.layer.bias);
    result.push_back(bc);
  }
  return result;
}

}  // namespace octet
