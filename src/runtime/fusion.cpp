// Pattern matching of QDQ groups that run as integer kernels (see fusion.h).
//
//   qlinear_gemm / qlinear_conv:
//     x_q --DQ--> Gemm|Conv(., DQ(W_q int8), DQ(b_q int32)) [--> Relu|Clip] --Q--> y_q
//   and the float exit (no QuantizeLinear after the op):
//     x_q --DQ--> Gemm|Conv(., DQ(W_q int8), DQ(b_q int32)) --> y (float32)
// run as one qu8 x qc8w GEMM with int32 accumulation, fixed-point requantization per output
// channel, the output zero point, and the activation folded into the clamp (docs/
// quantization.md eq. 9-14), or the accumulator dequantized (eq. 17). Conditions, each needed
// for the integer kernel to compute the QDQ graph's function: activations uint8 per tensor;
// weights int8 with zero point 0 (per tensor or per output channel); bias int32 with zero
// point 0 at scale s_x * s_w[n]; Clip bounds constant; the float values between the op and the
// Q have no other reader and are not graph outputs.
//
//   weightless ops between layers (the tensors stay uint8 from one layer to the next):
//     a_q --DQ--> Add(., DQ(b_q)) [--> Relu|Clip] --Q--> y_q          (eq. 22-24)
//     x_q --DQ--> MaxPool | Flatten | Reshape --Q--> y_q, same (s, z) on both sides (eq. 21)
//     x_q --DQ--> AveragePool | GlobalAveragePool --Q--> y_q          (eq. 25-26)
//     x0_q, x1_q, ... --DQ--> Concat --Q--> y_q                        (eq. 27)
//   These are ONNX Runtime's QDQ conventions for the same ops, so the file means the same thing
//   to both. MaxPool and the views need the Q to repeat the DQ's parameters (the values are then
//   copied, not requantized); the pools need 2-D windows. Anything else runs in float.
#include "runtime/fusion.h"

#include <algorithm>

#include "octet/error.h"
#include "runtime/fused/fused_ops.h"
#include "runtime/fused/qdq_layer.h"

namespace octet::runtime {

namespace {

struct GraphIndex {
  const Graph& g;
  std::map<std::string, size_t> producer;  // value -> node index
  std::map<std::string, std::vector<size_t>> readers;

  explicit GraphIndex(const Graph& graph) : g(graph) {
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      for (const auto& out : g.nodes[i].outputs) producer[out] = i;
      for (const auto& in : g.nodes[i].inputs)
        if (!in.empty()) readers[in].push_back(i);
    }
    for (const auto& out : g.outputs) readers[out.name].push_back(kNoNode);  // a graph output
  }
  size_t producing(const std::string& v, const char* op) const {
    auto it = producer.find(v);
    return it != producer.end() && g.nodes[it->second].op_type == op ? it->second : kNoNode;
  }
  size_t reader_count(const std::string& v) const {
    auto it = readers.find(v);
    return it == readers.end() ? 0 : it->second.size();
  }
  // The only node reading v, or kNoNode.
  size_t sole_reader(const std::string& v) const {
    return reader_count(v) == 1 ? readers.at(v)[0] : kNoNode;
  }
};

// A DequantizeLinear over an initializer of `dtype` whose zero point (if any) is all zero.
bool is_constant_dq(const Graph& g, const Node& dq, DType dtype) {
  const Tensor* x = g.initializer(dq.inputs.at(0));
  if (!x || x->dtype() != dtype || dq.inputs.size() < 2 || !g.initializer(dq.inputs[1])) return false;
  if (dq.inputs.size() > 2 && !dq.inputs[2].empty()) {
    const Tensor* zp = g.initializer(dq.inputs[2]);
    if (!zp || zp->dtype() != dtype) return false;
    for (int64_t i = 0; i < zp->numel(); ++i) {
      const int32_t z = dtype == DType::kI8 ? zp->data<int8_t>()[i] : zp->data<int32_t>()[i];
      if (z != 0) return false;
    }
  }
  return true;
}

// A Relu, or a Clip whose bounds are attributes or float initializers.
bool is_foldable_activation(const Graph& g, const Node& n) {
  if (n.op_type == "Relu") return true;
  if (n.op_type != "Clip") return false;
  for (size_t i = 1; i < n.inputs.size(); ++i) {
    if (n.inputs[i].empty()) continue;
    const Tensor* t = g.initializer(n.inputs[i]);
    if (!t || t->dtype() != DType::kF32 || t->numel() != 1) return false;
  }
  return true;
}

bool is_plain_op(const Node& op) {
  if (op.op_type == "Gemm")
    return op.attr_int("transA", 0) == 0 && op.attr_float("alpha", 1.0f) == 1.0f &&
           op.attr_float("beta", 1.0f) == 1.0f;
  return op.op_type == "Conv";
}

std::optional<FusedPattern> match_layer(const GraphIndex& ix, size_t op_index) {
  const Graph& g = ix.g;
  const Node& op = g.nodes[op_index];
  if (!is_plain_op(op) || op.inputs.size() < 2) return std::nullopt;
  FusedPattern p;
  p.kind = op.op_type == "Gemm" ? "qlinear_gemm" : "qlinear_conv";
  p.op = op_index;
  p.dq_x = ix.producing(op.inputs[0], "DequantizeLinear");
  p.dq_w = ix.producing(op.inputs[1], "DequantizeLinear");
  if (p.dq_x == kNoNode || p.dq_w == kNoNode) return std::nullopt;
  const Node& dq_x = g.nodes[p.dq_x];
  if (!u8_tensor_params(g, dq_x, nullptr, nullptr) || g.initializer(dq_x.inputs[0]))
    return std::nullopt;
  if (!is_constant_dq(g, g.nodes[p.dq_w], DType::kI8) || ix.reader_count(op.inputs[1]) != 1)
    return std::nullopt;
  if (op.inputs.size() > 2 && !op.inputs[2].empty()) {
    p.dq_b = ix.producing(op.inputs[2], "DequantizeLinear");
    if (p.dq_b == kNoNode || !is_constant_dq(g, g.nodes[p.dq_b], DType::kI32) ||
        ix.reader_count(op.inputs[2]) != 1)
      return std::nullopt;
  }
  // op [-> Relu|Clip] -> Q, each float value read only by the next node: a uint8 output.
  // Without the Q the layer leaves the integer domain: its accumulator is dequantized.
  size_t next = ix.sole_reader(op.outputs[0]);
  if (next != kNoNode && is_foldable_activation(g, g.nodes[next])) {
    p.activation = next;
    next = ix.sole_reader(g.nodes[next].outputs[0]);
  }
  if (next != kNoNode && g.nodes[next].op_type == "QuantizeLinear" &&
      u8_tensor_params(g, g.nodes[next], nullptr, nullptr)) {
    p.quantize = next;
  } else {
    p.activation = kNoNode;  // a float activation after a float exit runs on its own
  }
  // The x DQ joins the pattern only when the op is its sole reader; otherwise it still runs.
  for (size_t i : {ix.reader_count(op.inputs[0]) == 1 ? p.dq_x : kNoNode, p.dq_w, p.dq_b,
                   op_index, p.activation, p.quantize})
    if (i != kNoNode) p.nodes.push_back(i);
  std::sort(p.nodes.begin(), p.nodes.end());
  p.inputs = {dq_x.inputs[0]};
  p.outputs = {p.quantize != kNoNode ? g.nodes[p.quantize].outputs[0] : op.outputs[0]};
  return p;
}

// The kind of fused op for a weightless op type, or nullptr.
const char* weightless_kind(const std::string& op_type) {
  if (op_type == "Add") return "qlinear_add";
  if (op_type == "Concat") return "qlinear_concat";
  if (op_type == "MaxPool") return "qlinear_max_pool";
  if (op_type == "AveragePool") return "qlinear_average_pool";
  if (op_type == "GlobalAveragePool") return "qlinear_global_average_pool";
  if (op_type == "Flatten" || op_type == "Reshape") return "qlinear_view";
  return nullptr;
}

bool same_qparams(const Graph& g, const Node& dq, const Node& q) {
  float s_dq = 0, s_q = 0;
  int32_t z_dq = 0, z_q = 0;
  return u8_tensor_params(g, dq, &s_dq, &z_dq) && u8_tensor_params(g, q, &s_q, &z_q) &&
         s_dq == s_q && z_dq == z_q;
}

// The pools run 2-D windows (kernel_shape with two entries) and only output Y.
bool is_2d_pool(const Node& op) {
  if (!op.has_attr("kernel_shape") || op.attr_ints("kernel_shape").size() != 2) return false;
  return op.outputs.size() < 2 || op.outputs[1].empty();
}

std::optional<FusedPattern> match_weightless(const GraphIndex& ix, size_t op_index) {
  const Graph& g = ix.g;
  const Node& op = g.nodes[op_index];
  const char* kind = weightless_kind(op.op_type);
  if (!kind || op.inputs.empty() || op.outputs.empty()) return std::nullopt;
  if ((op.op_type == "MaxPool" || op.op_type == "AveragePool") && !is_2d_pool(op))
    return std::nullopt;
  FusedPattern p;
  p.kind = kind;
  p.op = op_index;
  // Data inputs: both of Add, all of Concat, the first of the others (Reshape's shape is not).
  const size_t n_data = op.op_type == "Add" || op.op_type == "Concat" ? op.inputs.size() : 1;
  if (op.op_type == "Add" && n_data != 2) return std::nullopt;
  for (size_t i = 0; i < n_data; ++i) {
    const size_t dq = ix.producing(op.inputs[i], "DequantizeLinear");
    if (dq == kNoNode || !u8_tensor_params(g, g.nodes[dq], nullptr, nullptr) ||
        g.initializer(g.nodes[dq].inputs[0]))
      return std::nullopt;
    p.dq_inputs.push_back(dq);
    p.inputs.push_back(g.nodes[dq].inputs[0]);
  }
  if (op.op_type == "Reshape") {
    if (op.inputs.size() < 2 || op.inputs[1].empty()) return std::nullopt;
    p.inputs.push_back(op.inputs[1]);
  }
  size_t next = ix.sole_reader(op.outputs[0]);
  if (op.op_type == "Add" && next != kNoNode && is_foldable_activation(g, g.nodes[next])) {
    p.activation = next;
    next = ix.sole_reader(g.nodes[next].outputs[0]);
  }
  if (next == kNoNode || g.nodes[next].op_type != "QuantizeLinear" ||
      !u8_tensor_params(g, g.nodes[next], nullptr, nullptr))
    return std::nullopt;  // no uint8 output: the op runs in float
  p.quantize = next;
  if ((op.op_type == "MaxPool" || p.kind == std::string("qlinear_view")) &&
      !same_qparams(g, g.nodes[p.dq_inputs[0]], g.nodes[next]))
    return std::nullopt;
  // A DQ joins the pattern only when this op is its only reader (and reads it once).
  for (size_t dq : p.dq_inputs)
    if (ix.reader_count(g.nodes[dq].outputs[0]) == 1) p.nodes.push_back(dq);
  for (size_t i : {op_index, p.activation, p.quantize})
    if (i != kNoNode) p.nodes.push_back(i);
  std::sort(p.nodes.begin(), p.nodes.end());
  p.nodes.erase(std::unique(p.nodes.begin(), p.nodes.end()), p.nodes.end());
  p.outputs = {g.nodes[next].outputs[0]};
  return p;
}

// A DequantizeLinear read by several fused ops (a residual branch point) joins none of their
// patterns. When every reader is a fused op that reads the DQ's uint8 input in its place, and
// the float value is no graph output, nothing needs that value: the DQ joins its first
// reader's pattern, so it never runs (and the uint8 tensor may stay channels-last).
void absorb_shared_dequantize(const GraphIndex& ix, std::vector<FusedPattern>& patterns,
                              std::vector<bool>& taken) {
  std::vector<size_t> pattern_of(ix.g.nodes.size(), kNoNode);
  for (size_t p = 0; p < patterns.size(); ++p)
    for (size_t n : patterns[p].nodes) pattern_of[n] = p;
  const auto reads_in_place = [&](size_t pattern, size_t dq) {
    const FusedPattern& p = patterns[pattern];
    return p.dq_x == dq ||
           std::find(p.dq_inputs.begin(), p.dq_inputs.end(), dq) != p.dq_inputs.end();
  };
  for (size_t p = 0; p < patterns.size(); ++p) {
    std::vector<size_t> dqs = patterns[p].dq_inputs;
    if (patterns[p].dq_x != kNoNode) dqs.push_back(patterns[p].dq_x);
    for (size_t dq : dqs) {
      if (taken[dq]) continue;
      bool unused = true;
      for (size_t reader : ix.readers.at(ix.g.nodes[dq].outputs[0]))
        unused = unused && reader != kNoNode && pattern_of[reader] != kNoNode &&
                 reads_in_place(pattern_of[reader], dq);
      if (!unused) continue;
      taken[dq] = true;
      pattern_of[dq] = p;
      patterns[p].nodes.insert(
          std::lower_bound(patterns[p].nodes.begin(), patterns[p].nodes.end(), dq), dq);
    }
  }
}

}  // namespace

std::vector<FusedPattern> find_integer_patterns(const Graph& graph) {
  const GraphIndex ix(graph);
  std::vector<FusedPattern> patterns;
  std::vector<bool> taken(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    auto p = match_layer(ix, i);
    if (!p) p = match_weightless(ix, i);
    if (!p) continue;
    bool overlaps = false;
    for (size_t n : p->nodes) overlaps = overlaps || taken[n];
    if (overlaps) continue;
    for (size_t n : p->nodes) taken[n] = true;
    patterns.push_back(std::move(*p));
  }
  absorb_shared_dequantize(ix, patterns, taken);
  return patterns;
}

std::unique_ptr<Op> make_fused_op(const FusedPattern& pattern, const Graph& graph) {
  if (pattern.kind == "qlinear_gemm") return make_qlinear_gemm_op(pattern, graph);
  if (pattern.kind == "qlinear_conv") {
    if (is_depthwise_conv(pattern, graph)) return make_qlinear_depthwise_conv_op(pattern, graph);
    return make_qlinear_conv_op(pattern, graph);
  }
  if (pattern.kind == "qlinear_add") return make_qlinear_add_op(pattern, graph);
  if (pattern.kind == "qlinear_concat") return make_qlinear_concat_op(pattern, graph);
  if (pattern.kind == "qlinear_max_pool") return make_qlinear_max_pool_op(pattern, graph);
  if (pattern.kind == "qlinear_average_pool" || pattern.kind == "qlinear_global_average_pool")
    return make_qlinear_average_pool_op(pattern, graph);
  if (pattern.kind == "qlinear_view") return make_qlinear_view_op(pattern, graph);
  fail("no integer kernel for pattern '{}'", pattern.kind);
}

}  // namespace octet::runtime
