// The fused integer Gemm: uint8 activations x int8 weights [N,K], int32 accumulation, fixed-point
// requantization per output channel with the activation folded into the clamp (eq. 9-14), or
// the float exit (eq. 17). Weights are packed once here, at build time (runtime/qgemm.h).
#include "runtime/qgemm.h"
#include "octet/error.h"
#include "runtime/fused/fused_ops.h"
#include "runtime/fused/qdq_layer.h"

namespace octet::runtime {

namespace {

class QLinearGemmOp final : public Op {
 public:
  QLinearGemmOp(const FusedPattern& pattern, const Graph& g) {
    const Node& gemm = g.nodes[pattern.op];
    const Tensor& w = *g.initializer(g.nodes[pattern.dq_w].inputs[0]);
    if (w.rank() != 2) fail("{}: quantized weight has rank {}, expected 2", gemm.describe(), w.rank());
    const bool trans_b = gemm.attr_int("transB", 0) != 0;
    n_ = trans_b ? w.dim(0) : w.dim(1);
    k_ = trans_b ? w.dim(1) : w.dim(0);
    p_ = read_qdq_layer(pattern, g, n_, trans_b ? 0 : 1);
    // Weights to [N, K] row-major (transB=1 is already that layout), then packed.
    std::vector<int8_t> rows(static_cast<size_t>(n_ * k_));
    for (int64_t r = 0; r < n_; ++r)
      for (int64_t c = 0; c < k_; ++c)
        rows[r * k_ + c] = trans_b ? w.data<int8_t>()[r * k_ + c] : w.data<int8_t>()[c * n_ + r];
    packed_ = PackedQGemm(static_cast<size_t>(n_), static_cast<size_t>(k_), rows.data(),
                          p_.bias_q.data(), p_.zero_point_x,
                          p_.float_out ? nullptr : p_.requant.data(),
                          p_.float_out ? p_.acc_scale.data() : nullptr, p_.name);
  }

  void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const override {
    const Tensor& x = *inputs[0];
    if (x.dtype() != DType::kU8 || x.rank() != 2 || x.dim(1) != k_)
      fail("{}: quantized input is {} {}, expected uint8 [M,{}]", p_.name, dtype_name(x.dtype()),
           shape_str(x.shape()), k_);
    const auto m = static_cast<size_t>(x.dim(0));
    const auto n = static_cast<size_t>(n_), k = static_cast<size_t>(k_);
    if (p_.float_out) {
      // Every element is written by the kernel: no zero fill.
      Tensor y = Tensor::uninitialized(DType::kF32, {x.dim(0), n_});
      run_qgemm_f32(packed_, m, x.data<uint8_t>(), k, y.data<float>(), n);
      outputs[0] = std::move(y);
      return;
    }
    Tensor y = Tensor::uninitialized(DType::kU8, {x.dim(0), n_});
    run_qgemm(packed_, m, x.data<uint8_t>(), k, y.data<uint8_t>(), n,
              {p_.zero_point_y, p_.out_min, p_.out_max});
    outputs[0] = std::move(y);
  }

 private:
  int64_t n_ = 0, k_ = 0;
  QdqLayerParams p_;
  PackedQGemm packed_;  // int8 [N, K] weights, packed for every kernel level
};

}  // namespace

std::unique_ptr<Op> make_qlinear_gemm_op(const FusedPattern& pattern, const Graph& graph) {
  return std::make_unique<QLinearGemmOp>(pattern, graph);
}

}  // namespace octet::runtime
