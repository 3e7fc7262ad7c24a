// Reading a QDQ graph's quantization parameters back, for `octet inspect` and the reports.
#include "octet/error.h"
#include "octet/quantize.h"

namespace octet {

namespace {

// The qparams of a QuantizeLinear / DequantizeLinear node, from its initializers.
QParams node_qparams(const Graph& g, const Node& n) {
  if (n.inputs.size() < 2 || !g.initializer(n.inputs[1]))
    fail("{}: scale '{}' is not an initializer", n.describe(), n.inputs.size() > 1 ? n.inputs[1] : "");
  const Tensor& s = *g.initializer(n.inputs[1]);
  if (s.dtype() != DType::kF32) fail("{}: scale is {}, expected float32", n.describe(), dtype_name(s.dtype()));
  const Tensor* x = g.initializer(n.inputs[0]);
  QParams qp;
  qp.scale.assign(s.values<float>().begin(), s.values<float>().end());
  qp.axis = s.rank() == 1 ? static_cast<int>(n.attr_int("axis", 1)) : -1;
  qp.zero_point.assign(qp.scale.size(), 0);
  // An omitted zero point is 0 of the quantized type: uint8 for activations (ONNX's default).
  qp.dtype = x && n.op_type == "DequantizeLinear" ? x->dtype() : DType::kU8;
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    const Tensor* z = g.initializer(n.inputs[2]);
    if (!z) fail("{}: zero point '{}' is not an initializer", n.describe(), n.inputs[2]);
    if (z->numel() != s.numel())
      fail("{}: zero point has {} entries, scale {}", n.describe(), z->numel(), s.numel());
    qp.dtype = z->dtype();
    // int32 zero points belong to int32 biases only; activations and weights are 8-bit.
    const bool int32_ok = x && x->dtype() == DType::kI32 && n.op_type == "DequantizeLinear";
    if (qp.dtype == DType::kI32 && !int32_ok)
      fail("{}: zero point '{}' is int32, expected uint8 or int8", n.describe(), n.inputs[2]);
    if (x && x->dtype() != qp.dtype && n.op_type == "DequantizeLinear")
      fail("{}: zero point '{}' is {} but '{}' is {}", n.describe(), n.inputs[2],
           dtype_name(qp.dtype), n.inputs[0], dtype_name(x->dtype()));
    for (int64_t i = 0; i < z->numel(); ++i) {
      switch (z->dtype()) {
        case DType::kU8: qp.zero_point[i] = z->data<uint8_t>()[i]; break;
        case DType::kI8: qp.zero_point[i] = z->data<int8_t>()[i]; break;
        case DType::kI32: qp.zero_point[i] = z->data<int32_t>()[i]; break;
        default: fail("{}: zero point is {}, expected uint8, int8 or int32", n.describe(), dtype_name(z->dtype()));
      }
    }
  }
  return qp;
}

}  // namespace

std::vector<LayerQuantInfo> describe_qdq_layers(const Graph& g) {
  std::vector<LayerQuantInfo> layers;
  for (const Node& gemm : g.nodes) {
    if ((gemm.op_type != "Gemm" && gemm.op_type != "Conv") || gemm.inputs.size() < 2) continue;
    const Node* dq_x = g.producer(gemm.inputs[0]);
    const Node* dq_w = g.producer(gemm.inputs[1]);
    if (!dq_x || !dq_w || dq_x->op_type != "DequantizeLinear" || dq_w->op_type != "DequantizeLinear")
      continue;
    LayerQuantInfo info;
    info.layer.node = gemm.name;
    info.layer.input = dq_x->inputs.at(0);
    info.layer.weight = dq_w->inputs.at(0);
    info.weight_q = dq_w->inputs.at(0);
    info.input = node_qparams(g, *dq_x);
    info.weight = node_qparams(g, *dq_w);
    info.layer.weight_channel_axis =
        gemm.op_type == "Conv" || gemm.attr_int("transB", 0) != 0 ? 0 : 1;
    if (gemm.inputs.size() > 2 && !gemm.inputs[2].empty()) {
      const Node* dq_b = g.producer(gemm.inputs[2]);
      if (dq_b && dq_b->op_type == "DequantizeLinear") {
        info.layer.bias = dq_b->inputs.at(0);
        info.bias_scale = node_qparams(g, *dq_b).scale;
      }
    }
    // Follow Gemm [-> Relu] -> QuantizeLinear for the output qparams.
    std::string v = gemm.outputs.at(0);
    auto readers = g.consumers(v);
    if (readers.size() == 1 && (readers[0]->op_type == "Relu" || readers[0]->op_type == "Clip")) {
      info.layer.activation_node = readers[0]->name;
      v = readers[0]->outputs.at(0);
      readers = g.consumers(v);
    }
    info.layer.output = v;
    if (readers.size() == 1 && readers[0]->op_type == "QuantizeLinear")
      info.output = node_qparams(g, *readers[0]);
    layers.push_back(std::move(info));
  }
  return layers;
}

}  // namespace octet
