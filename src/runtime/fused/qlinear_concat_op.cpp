// The fused integer Concat: x0_q, x1_q, ... --DQ--> Concat --Q--> y_q, each input requantized
// from its own qparams to the output's (eq. 27); an input that already has them is copied.
#include <cstring>

#include "kernels/ref/ref_kernels.h"
#include "octet/error.h"
#include "runtime/fused/fused_ops.h"
#include "runtime/fused/qdq_layer.h"

namespace octet::runtime {

namespace {

class QLinearConcatOp final : public Op {
 public:
  QLinearConcatOp(const FusedPattern& pattern, const Graph& g)
      : concat_(g.nodes[pattern.op]), axis_(concat_.attr_int("axis", 0)) {
    const U8Params y = u8_params(g, g.nodes[pattern.quantize]);
    for (size_t dq : pattern.dq_inputs) {
      const U8Params x = u8_params(g, g.nodes[dq]);
      kernels::QCvtParams p;
      p.zero_point_in = x.zero_point;
      p.zero_point_out = y.zero_point;
      p.requant = requant_from_scales(x.scale, 1.0f, y.scale, concat_.describe());
      copy_.push_back(x.scale == y.scale && x.zero_point == y.zero_point);
      params_.push_back(p);
    }
  }

  void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const override {
    const Tensor& first = *inputs[0];
    const auto rank = static_cast<int64_t>(first.rank());
    const int64_t axis = axis_ < 0 ? axis_ + rank : axis_;
    if (axis < 0 || axis >= rank)
      fail("{}: axis {} is out of range for rank {}", concat_.describe(), axis_, rank);
    Shape shape = first.shape();
    shape[axis] = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& x = *inputs[i];
      bool ok = x.dtype() == DType::kU8 && x.rank() == first.rank();
      for (int64_t d = 0; ok && d < rank; ++d) ok = d == axis || x.dim(d) == first.dim(d);
      if (!ok)
        fail("{}: quantized input {} is {} {}, expected uint8 matching {} off axis {}",
             concat_.describe(), i, dtype_name(x.dtype()), shape_str(x.shape()),
             shape_str(first.shape()), axis);
      shape[axis] += x.dim(axis);
    }
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
    Tensor y(DType::kU8, shape);
    const int64_t y_row = outer == 0 ? 0 : y.numel() / outer;  // elements per outer index
    int64_t offset = 0;  // of the current input within a row of y
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& x = *inputs[i];
      const int64_t x_row = outer == 0 ? 0 : x.numel() / outer;
      for (int64_t o = 0; o < outer; ++o) {
        const uint8_t* src = x.data<uint8_t>() + o * x_row;
        uint8_t* dst = y.data<uint8_t>() + o * y_row + offset;
        if (copy_[i])
          std::memcpy(dst, src, static_cast<size_t>(x_row));
        else
          kernels::qu8_vcvt_fxp__ref(static_cast<size_t>(x_row), src, dst, params_[i]);
      }
      offset += x_row;
    }
    outputs[0] = std::move(y);
  }

 private:
  Node concat_;
  int64_t axis_;
  std::vector<kernels::QCvtParams> params_;  // per input: its qparams to the output's
  std::vector<bool> copy_;                   // per input: the qparams are equal, copy
};

}  // namespace

std::unique_ptr<Op> make_qlinear_concat_op(const FusedPattern& pattern, const Graph& graph) {
  return std::make_unique<QLinearConcatOp>(pattern, graph);
}

}  // namespace octet::runtime
