// Convert: from observed ranges to a QDQ graph.
//
// Every quantized activation v (a layer's input or output) gets QuantizeLinear -> v_q (uint8)
// -> DequantizeLinear -> v_dq right after its producer, and the float consumers of v read v_dq
// instead: the graph then computes exactly what the integer model computes, in the form ONNX
// Runtime and TensorRT consume. A graph output keeps its name on the DequantizeLinear (the
// producer's value is renamed v_f). Weights become int8 initializers and biases int32
// initializers at scale s_in * s_w (eq. 15), each behind a DequantizeLinear.
#include <fmt/ranges.h>

#include <set>

#include "octet/error.h"
#include "octet/quantize.h"
#include "octet/quantize_tensor.h"

namespace octet {

namespace {

// The scale (and zero point, unless it is 0 for an int8 tensor, ONNX's default) initializers.
void add_qparams(Graph& g, const std::string& base, const QParams& qp, bool keep_zero_point) {
  const Shape shape = qp.per_channel() ? Shape{static_cast<int64_t>(qp.n_channels())} : Shape{};
  g.initializers[base + "_s"] = Tensor::from<float>(shape, qp.scale);
  if (!keep_zero_point) return;
  Tensor zp(qp.dtype, shape);
  for (size_t c = 0; c < qp.n_channels(); ++c) {
    if (qp.dtype == DType::kU8)
      zp.data<uint8_t>()[c] = static_cast<uint8_t>(qp.zero_point[c]);
    else
      zp.data<int8_t>()[c] = static_cast<int8_t>(qp.zero_point[c]);
  }
  g.initializers[base + "_z"] = std::move(zp);
}

Node qdq_node(const std::string& op, const std::string& base, const std::string& in,
              const std::string& out, bool with_zero_point, int axis) {
  Node n;
  n.op_type = op;
  // Q/DQ nodes stay unnamed (ONNX allows it; the importer and the Session call them
  // "<op>_<index>"): the names would cost more bytes than a small model's biases.
  n.inputs = {in, base + "_s"};
  if (with_zero_point) n.inputs.push_back(base + "_z");
  n.outputs = {out};
  if (axis >= 0) n.attrs["axis"] = int64_t{axis};
  return n;
}

bool is_graph_output(const Graph& g, const std::string& v) {
  for (const auto& out : g.outputs)
    if (out.name == v) return true;
  return false;
}

}  // namespace

QuantizedModel Calibrator::convert() const {
  return convert(cfg_.fp32_layers);
}

QuantizedModel Calibrator::convert(const std::set<std::string>& fp32_layers) const {
  if (n_samples_ == 0) fail("convert: no calibration samples were observed");
  // Mixed precision: only the layers not kept in FP32 are quantized, and only their inputs and
  // outputs get a Q/DQ pair (a FP32 layer next to a quantized one reads or feeds that pair).
  std::set<std::string> known, needed;
  for (const QuantLayer& layer : layers_) known.insert(layer.node);
  for (const std::string& name : fp32_layers)
    if (!known.count(name))
      fail("convert: layer '{}' (to keep in FP32) is not a quantizable layer of graph '{}'", name,
           fp32_.name);
  for (const QuantLayer& layer : layers_)
    if (!fp32_layers.count(layer.node)) needed.insert({layer.input, layer.output});
  // A weightless op between layers (Add, pool, Concat, view) runs int8 when it touches a
  // quantized tensor, so that the uint8 stays uint8 through it; spreading to a fixed point makes
  // chains (MaxPool -> Flatten -> Gemm) work. With every layer in FP32 nothing is quantized.
  for (bool grew = true; grew;) {
    grew = false;
    for (const QuantOp& op : ops_) {
      bool touches = needed.count(op.output) > 0;
      for (const std::string& v : op.inputs) touches = touches || needed.count(v) > 0;
      if (!touches) continue;
      for (const std::string& v : op.inputs) grew = needed.insert(v).second || grew;
      grew = needed.insert(op.output).second || grew;
    }
  }
  QuantizedModel result;
  std::map<std::string, QParams> act_qparams;
  for (const auto& [name, obs] : observers_) {
    if (!needed.count(name)) continue;
    std::vector<int64_t> eps;
    act_qparams[name] = obs->qparams(cfg_.activation, &eps);
    result.methods[name] = obs->describe_choice(cfg_.activation);
    if (!eps.empty())
      result.warnings.push_back("tensor '" + name +
                                "' is constant over the calibration set: its scale fell back to "
                                "float32 epsilon");
  }

  // MaxPool, Flatten and Reshape only move values: their output reuses the input's qparams, so
  // the integer op copies uint8 values exactly (eq. 21) and ONNX Runtime sees the same scale on
  // both sides, as its QDQ MaxPool expects. Graph order makes chains (MaxPool -> Flatten) work.
  for (const QuantOp& op : ops_)
    if (op.shares_input_qparams && act_qparams.count(op.output) &&
        act_qparams.count(op.inputs.at(0)))
      act_qparams[op.output] = act_qparams.at(op.inputs.at(0));

  Graph g = fp32_;
  g.metadata["octet.quantization"] = cfg_.preset + "/" + cfg_.method;
  if (!fp32_layers.empty())
    g.metadata["octet.fp32_layers"] = fmt::format("{}", fmt::join(fp32_layers, ","));
  std::map<std::string, std::string> rename;  // float consumer input -> dequantized value
  std::map<std::string, const QuantLayer*> layer_of_node;
  for (const QuantLayer& layer : layers_)
    if (!fp32_layers.count(layer.node)) layer_of_node[layer.node] = &layer;

  // Q/DQ pair for activation v; returns the nodes and records how consumers must read it.
  auto activation_qdq = [&](const std::string& v, std::vector<Node>& out) {
    // A uint8 zero point of 0 is ONNX's default when the input is omitted (e.g. after a ReLU).
    const QParams& qp = act_qparams.at(v);
    const bool zp = !(qp.dtype == DType::kU8 && qp.zero_point.at(0) == 0);
    add_qparams(g, v, qp, zp);
    const bool output = is_graph_output(g, v);
    const std::string float_value = output ? v + "_f" : v;
    out.push_back(qdq_node("QuantizeLinear", v, float_value, v + "_q", zp, -1));
    out.push_back(qdq_node("DequantizeLinear", v, v + "_q", output ? v : v + "_dq", zp, -1));
    if (!output) rename[v] = v + "_dq";
    return float_value;
  };

  std::map<std::string, int> readers;  // how many nodes read each initializer
  for (const Node& n : fp32_.nodes)
    for (const auto& in : n.inputs)
      if (fp32_.initializer(in)) ++readers[in];
  auto shared = [&](const std::string& name) { return readers[name] > 1; };

  std::vector<Node> nodes;
  for (const ValueInfo& in : g.inputs)
    if (act_qparams.count(in.name)) activation_qdq(in.name, nodes);
  for (Node node : fp32_.nodes) {
    for (auto& in : node.inputs)
      if (rename.count(in)) in = rename.at(in);
    auto layer_it = layer_of_node.find(node.name);
    if (layer_it != layer_of_node.end()) {
      const QuantLayer& layer = *layer_it->second;
      LayerQuantInfo info;
      info.layer = layer;
      info.input = act_qparams.at(layer.input);
      info.input_range = observers_.at(layer.input)->range();
      if (act_qparams.count(layer.output)) {  // else the layer exits to float (eq. 17)
        info.output = act_qparams.at(layer.output);
        info.output_range = observers_.at(layer.output)->range();
      }
      // Weights: observed once as a constant tensor, per output channel or per tensor, by
      // the weight method (minmax unless configured or overridden).
      const Tensor& w = *fp32_.initializer(layer.weight);
      QuantSpec wspec = cfg_.weight;
      if (wspec.per_channel) wspec.axis = layer.weight_channel_axis;
      ObserverOptions wopts;
      wopts.percentile = cfg_.percentile;
      wopts.target = wspec;
      const auto wobs = make_observer(cfg_.method_for(layer.weight, cfg_.weight_method),
                                      layer.weight, wspec.per_channel ? wspec.axis : -1, wopts);
      wobs->observe(w);
      info.weight = wobs->qparams(wspec, &info.eps_channels);
      result.methods[layer.weight] = wobs->describe_choice(wspec);
      if (!info.eps_channels.empty())
        result.warnings.push_back(fmt::format("weight '{}': {} channel(s) are all zero", layer.weight,
                                              info.eps_channels.size()));
      // A weight or bias read by several layers (e.g. the shared zero biases torch.onnx.export
      // emits behind Identity nodes) gets one quantized copy per layer, named after the layer:
      // each layer's int32 bias is at its own scale s_in * s_w (eq. 15).
      const std::string w_base = shared(layer.weight) ? layer.node + "." + layer.weight : layer.weight;
      info.weight_q = w_base + "_q";
      g.initializers[info.weight_q] = quantize_weights(w, info.weight, layer.weight);
      add_qparams(g, w_base, info.weight, false);
      nodes.push_back(qdq_node("DequantizeLinear", w_base, info.weight_q, w_base + "_dq", false,
                               info.weight.axis));
      node.inputs[1] = w_base + "_dq";
      if (!layer.bias.empty()) {
        const std::string b_base = shared(layer.bias) ? layer.node + "." + layer.bias : layer.bias;
        info.bias_scale = bias_scales(info.input.scale.at(0), info.weight.scale);
        g.initializers[b_base + "_q"] = quantize_bias(*fp32_.initializer(layer.bias),
                                                      info.input.scale.at(0), info.weight.scale,
                                                      layer.bias);
        QParams bias_qp;
        bias_qp.scale = info.bias_scale;
        bias_qp.zero_point.assign(info.bias_scale.size(), 0);
        bias_qp.axis = info.weight.per_channel() ? 0 : -1;
        add_qparams(g, b_base, bias_qp, false);
        nodes.push_back(qdq_node("DequantizeLinear", b_base, b_base + "_q", b_base + "_dq", false,
                                 bias_qp.axis));
        node.inputs[2] = b_base + "_dq";
        info.bias_q = b_base + "_q";
      }
      result.layers.push_back(std::move(info));
    }
    // Outputs that are quantized activations get their Q/DQ pair right after the producer.
    std::vector<Node> after;
    for (auto& out : node.outputs)
      if (act_qparams.count(out)) out = activation_qdq(out, after);
    nodes.push_back(std::move(node));
    for (Node& n : after) nodes.push_back(std::move(n));
  }
  g.nodes = std::move(nodes);
  // The float weights and biases now unread (replaced by their int8/int32 copies) go.
  std::set<std::string> read;
  for (const Node& n : g.nodes) read.insert(n.inputs.begin(), n.inputs.end());
  std::erase_if(g.initializers, [&](const auto& kv) { return !read.count(kv.first); });
  g.validate("convert");
  result.graph = std::move(g);
  return result;
}

}  // namespace octet
