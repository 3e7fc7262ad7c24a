// Pattern matching of QDQ groups that run as integer kernels (see fusion.h).
//
// qlinear_gemm:     x_q --DQ--> Gemm(., DQ(W_q int8), DQ(b_q int32)) [--> Relu] --Q--> y_q
// qlinear_gemm_f32: x_q --DQ--> Gemm(., DQ(W_q int8), DQ(b_q int32)) --> y (float32)
// run as one qu8 x qc8w GEMM with int32 accumulation, fixed-point requantization per output
// channel, the output zero point, and the Relu folded into the clamp (docs/quantization.md
// eq. 9-14). Conditions, each needed for the integer kernel to compute the QDQ graph's function:
// activations uint8 per tensor; weights int8 with zero point 0 (per tensor or per output
// channel); bias int32 with zero point 0 at scale s_x * s_w[n]; the float values between the
// Gemm and the Q have no other reader and are not graph outputs.
#include "runtime/fusion.h"

#include <cmath>

#include "kernels/ref/qu8_f32_qc8w_gemm__ref.h"
#include "kernels/ref/ref_kernels.h"
#include "octet/error.h"
#include "octet/requant.h"
#include "runtime/ops/qdq_params.h"

namespace octet::runtime {

namespace {

struct GraphIndex {
  const Graph& g;
  std::map<std::string, size_t> producer;  // value -> node index
  std::map<std::string, int> readers;      // value -> number of reading nodes

  explicit GraphIndex(const Graph& graph) : g(graph) {
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      for (const auto& out : g.nodes[i].outputs) producer[out] = i;
      for (const auto& in : g.nodes[i].inputs) ++readers[in];
    }
    for (const auto& out : g.outputs) ++readers[out.name];  // a graph output counts as a reader
  }
  const Node* node_producing(const std::string& v, const char* op, size_t* index = nullptr) const {
    auto it = producer.find(v);
    if (it == producer.end() || g.nodes[it->second].op_type != op) return nullptr;
    if (index) *index = it->second;
    return &g.nodes[it->second];
  }
  int reader_count(const std::string& v) const {
    auto it = readers.find(v);
    return it == readers.end() ? 0 : it->second;
  }
  // The only node reading v, or nullptr.
  const Node* sole_reader(const std::string& v, size_t* index) const {
    if (reader_count(v) != 1) return nullptr;
    for (size_t i = 0; i < g.nodes.size(); ++i)
      for (const auto& in : g.nodes[i].inputs)
        if (in == v) {
          *index = i;
          return &g.nodes[i];
        }
    return nullptr;
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

// Scalar float scale and uint8 zero point initializers of a per-tensor Q/DQ node (an omitted
// zero point is a uint8 0).
bool has_u8_tensor_params(const Graph& g, const Node& n) {
  if (n.inputs.size() < 2) return false;
  const Tensor* s = g.initializer(n.inputs[1]);
  if (!s || s->dtype() != DType::kF32 || s->numel() != 1) return false;
  if (n.inputs.size() < 3 || n.inputs[2].empty()) return true;
  const Tensor* z = g.initializer(n.inputs[2]);
  return z && z->dtype() == DType::kU8 && z->numel() == 1;
}

// The uint8 zero point of a node accepted by has_u8_tensor_params.
int32_t u8_zero_point(const Graph& g, const Node& n) {
  if (n.inputs.size() < 3 || n.inputs[2].empty()) return 0;
  return g.initializer(n.inputs[2])->data<uint8_t>()[0];
}

std::optional<FusedPattern> match_qlinear_gemm(const GraphIndex& ix, size_t gemm_index) {
  const Graph& g = ix.g;
  const Node& gemm = g.nodes[gemm_index];
  if (gemm.op_type != "Gemm" || gemm.inputs.size() < 2) return std::nullopt;
  if (gemm.attr_int("transA", 0) != 0 || gemm.attr_float("alpha", 1.0f) != 1.0f ||
      gemm.attr_float("beta", 1.0f) != 1.0f)
    return std::nullopt;
  FusedPattern p;
  p.kind = "qlinear_gemm";
  size_t i_x = 0, i_w = 0, i_b = 0;
  const Node* dq_x = ix.node_producing(gemm.inputs[0], "DequantizeLinear", &i_x);
  const Node* dq_w = ix.node_producing(gemm.inputs[1], "DequantizeLinear", &i_w);
  if (!dq_x || !dq_w || !has_u8_tensor_params(g, *dq_x) || g.initializer(dq_x->inputs[0]))
    return std::nullopt;
  if (!is_constant_dq(g, *dq_w, DType::kI8) || ix.reader_count(gemm.inputs[1]) != 1)
    return std::nullopt;
  const Node* dq_b = nullptr;
  if (gemm.inputs.size() > 2 && !gemm.inputs[2].empty()) {
    dq_b = ix.node_producing(gemm.inputs[2], "DequantizeLinear", &i_b);
    if (!dq_b || !is_constant_dq(g, *dq_b, DType::kI32) || ix.reader_count(gemm.inputs[2]) != 1)
      return std::nullopt;
  }
  // Gemm [-> Relu] -> Q, each float value read only by the next node: a uint8 output. Without
  // the Q the layer leaves the integer domain: its accumulator is dequantized to float.
  size_t i_next = 0, i_relu = 0;
  const Node* next = ix.sole_reader(gemm.outputs[0], &i_next);
  const Node* relu = nullptr;
  if (next && next->op_type == "Relu") {
    relu = next;
    i_relu = i_next;
    next = ix.sole_reader(relu->outputs[0], &i_next);
  }
  const bool quantized_out =
      next && next->op_type == "QuantizeLinear" && has_u8_tensor_params(g, *next);
  if (!quantized_out) relu = nullptr;  // a float Relu after a float exit runs on its own
  p.kind = quantized_out ? "qlinear_gemm" : "qlinear_gemm_f32";
  // The x DQ joins the pattern only when the Gemm is its sole reader; otherwise it still runs.
  if (ix.reader_count(gemm.inputs[0]) == 1) p.nodes.push_back(i_x);
  p.nodes.push_back(i_w);
  if (dq_b) p.nodes.push_back(i_b);
  p.nodes.push_back(gemm_index);
  if (relu) p.nodes.push_back(i_relu);
  if (quantized_out) p.nodes.push_back(i_next);
  std::sort(p.nodes.begin(), p.nodes.end());
  p.inputs = {dq_x->inputs[0]};
  p.outputs = {quantized_out ? next->outputs[0] : gemm.outputs[0]};
  return p;
}

// The prepared integer Gemm: packed weights, adjusted bias, per-channel requantization.
class QLinearGemmOp final : public Op {
 public:
  QLinearGemmOp(const FusedPattern& pattern, const Graph& g) {
    GraphIndex ix(g);
    const Node* gemm = nullptr;
    const Node* quant = nullptr;
    bool relu = false;
    for (size_t i : pattern.nodes) {
      const Node& n = g.nodes[i];
      if (n.op_type == "Gemm") gemm = &n;
      if (n.op_type == "QuantizeLinear") quant = &n;
      if (n.op_type == "Relu") relu = true;
    }
    OCTET_CHECK(gemm != nullptr);
    name_ = gemm->describe();
    float_out_ = quant == nullptr;
    const Node& dq_x = *ix.node_producing(gemm->inputs[0], "DequantizeLinear");
    const Node& dq_w = *ix.node_producing(gemm->inputs[1], "DequantizeLinear");
    const float scale_x = g.initializer(dq_x.inputs[1])->data<float>()[0];
    zero_point_x_ = u8_zero_point(g, dq_x);

    // Weights to [N, K] row-major (transB=1 is already that layout).
    const Tensor& w = *g.initializer(dq_w.inputs[0]);
    if (w.rank() != 2) fail("{}: quantized weight has rank {}, expected 2", name_, w.rank());
    const bool trans_b = gemm->attr_int("transB", 0) != 0;
    n_ = trans_b ? w.dim(0) : w.dim(1);
    k_ = trans_b ? w.dim(1) : w.dim(0);
    weights_ = Tensor(DType::kI8, {n_, k_});
    for (int64_t r = 0; r < n_; ++r)
      for (int64_t c = 0; c < k_; ++c)
        weights_.data<int8_t>()[r * k_ + c] =
            trans_b ? w.data<int8_t>()[r * k_ + c] : w.data<int8_t>()[c * n_ + r];

    const Tensor& scale_w_t = *g.initializer(dq_w.inputs[1]);
    const int64_t w_axis = dq_w.attr_int("axis", 1);
    const bool per_channel = scale_w_t.numel() != 1 || scale_w_t.rank() == 1;
    if (per_channel && (scale_w_t.numel() != n_ || w_axis != (trans_b ? 0 : 1)))
      fail("{}: weight scale has {} entries along axis {}; expected {} along the output axis",
           name_, scale_w_t.numel(), w_axis, n_);
    std::vector<float> scale_w(static_cast<size_t>(n_));
    for (int64_t c = 0; c < n_; ++c) scale_w[c] = scale_w_t.data<float>()[per_channel ? c : 0];

    std::vector<int32_t> bias_q(static_cast<size_t>(n_), 0);
    if (gemm->inputs.size() > 2 && !gemm->inputs[2].empty()) {
      const Node& dq_b = *ix.node_producing(gemm->inputs[2], "DequantizeLinear");
      const Tensor& b = *g.initializer(dq_b.inputs[0]);
      const Tensor& scale_b = *g.initializer(dq_b.inputs[1]);
      if (b.numel() != n_ || (scale_b.numel() != 1 && scale_b.numel() != n_))
        fail("{}: bias has {} entries and {} scales for {} outputs", name_, b.numel(),
             scale_b.numel(), n_);
      for (int64_t c = 0; c < n_; ++c) {
        // The integer bias is added to the accumulator, which is at scale s_x * s_w[c].
        const float expected = scale_x * scale_w[c];
        const float got = scale_b.data<float>()[scale_b.numel() == 1 ? 0 : c];
        if (std::fabs(got - expected) > 1e-5f * expected)
          fail("{}: bias scale {} of channel {} is not input scale x weight scale = {}", name_,
               got, c, expected);
        bias_q[c] = b.data<int32_t>()[c];
      }
    }
    bias_adjusted_.resize(static_cast<size_t>(n_));
    kernels::qu8_qc8w_gemm_prepare(static_cast<size_t>(n_), static_cast<size_t>(k_),
                                   weights_.data<int8_t>(), bias_q.data(), zero_point_x_,
                                   bias_adjusted_.data(), name_);
    if (float_out_) {
      // eq. (17): the accumulator's scale, the same float32 product as the bias scale.
      acc_scale_.resize(static_cast<size_t>(n_));
      for (int64_t c = 0; c < n_; ++c) acc_scale_[c] = scale_x * scale_w[c];
      return;
    }
    const float scale_y = g.initializer(quant->inputs[1])->data<float>()[0];
    const int32_t zero_point_y = u8_zero_point(g, *quant);
    requant_.resize(static_cast<size_t>(n_));
    for (int64_t c = 0; c < n_; ++c)
      requant_[c] = requant_from_scales(scale_x, scale_w[c], scale_y, name_);
    params_.zero_point_out = zero_point_y;
    params_.out_min = relu ? zero_point_y : 0;  // real 0 is q = zero point (eq. 14)
    params_.out_max = 255;
  }

  void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const override {
    const Tensor& x = *inputs[0];
    if (x.dtype() != DType::kU8 || x.rank() != 2 || x.dim(1) != k_)
      fail("{}: quantized input is {} {}, expected uint8 [M,{}]", name_, dtype_name(x.dtype()),
           shape_str(x.shape()), k_);
    const int64_t m = x.dim(0);
    if (float_out_) {
      Tensor y(DType::kF32, {m, n_});
      kernels::qu8_f32_qc8w_gemm__ref(static_cast<size_t>(m), static_cast<size_t>(n_),
                                      static_cast<size_t>(k_), x.data<uint8_t>(),
                                      static_cast<size_t>(k_), weights_.data<int8_t>(),
                                      y.data<float>(), static_cast<size_t>(n_),
                                      {bias_adjusted_.data(), acc_scale_.data()});
      outputs[0] = std::move(y);
      return;
    }
    Tensor y(DType::kU8, {m, n_});
    kernels::QGemmParams params = params_;
    params.bias = bias_adjusted_.data();
    params.requant = requant_.data();
    kernels::qu8_qc8w_gemm_minmax_fxp__ref(static_cast<size_t>(m), static_cast<size_t>(n_),
                                           static_cast<size_t>(k_), x.data<uint8_t>(),
                                           static_cast<size_t>(k_), weights_.data<int8_t>(),
                                           y.data<uint8_t>(), static_cast<size_t>(n_), params);
    outputs[0] = std::move(y);
  }

 private:
  std::string name_;
  bool float_out_ = false;  // the layer leaves the integer domain (no QuantizeLinear after it)
  int64_t n_ = 0, k_ = 0;
  int32_t zero_point_x_ = 0;
  Tensor weights_;  // int8 [N, K]
  std::vector<int32_t> bias_adjusted_;
  std::vector<Requant> requant_;
  std::vector<float> acc_scale_;  // float exit: s_x * s_w[n]
  kernels::QGemmParams params_;
};

}  // namespace

std::vector<FusedPattern> find_integer_patterns(const Graph& graph) {
  const GraphIndex ix(graph);
  std::vector<FusedPattern> patterns;
  std::vector<bool> taken(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    auto p = match_qlinear_gemm(ix, i);
    if (!p) continue;
    bool overlaps = false;
    for (size_t n : p->nodes) overlaps |= taken[n];
    if (overlaps) continue;
    for (size_t n : p->nodes) taken[n] = true;
    patterns.push_back(std::move(*p));
  }
  return patterns;
}

std::unique_ptr<Op> make_fused_op(const FusedPattern& pattern, const Graph& graph) {
  OCTET_CHECK(pattern.kind == "qlinear_gemm" || pattern.kind == "qlinear_gemm_f32",
              "unknown pattern {}", pattern.kind);
  return std::make_unique<QLinearGemmOp>(pattern, graph);
}

}  // namespace octet::runtime
