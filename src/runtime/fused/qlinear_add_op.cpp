// The fused integer Add: DQ(a), DQ(b) -> Add [-> Relu|Clip] -> Q, each input brought to the
// output scale by a fixed-point multiplier and summed in int64 (eq. 22-24). Broadcast operands
// are expanded first (residual Adds have equal shapes and skip that).
#include "kernels/ref/ref_kernels.h"
#include "kernels/vadd_kernels.h"
#include "octet/error.h"
#include "runtime/channels_last.h"
#include "runtime/fused/fused_ops.h"
#include "runtime/fused/qdq_layer.h"
#include "runtime/ops/broadcast.h"

namespace octet::runtime {

namespace {

class QLinearAddOp final : public Op {
 public:
  QLinearAddOp(const FusedPattern& pattern, const Graph& g) : add_(g.nodes[pattern.op]) {
    const U8Params a = u8_params(g, g.nodes[pattern.dq_inputs.at(0)]);
    const U8Params b = u8_params(g, g.nodes[pattern.dq_inputs.at(1)]);
    const U8Params y = u8_params(g, g.nodes[pattern.quantize]);
    int32_t out_min = 0, out_max = 255;
    if (pattern.activation != kNoNode)
      fold_activation_bounds(g, g.nodes[pattern.activation], y.scale, y.zero_point, &out_min,
                             &out_max);
    params_ = kernels::qu8_vadd_prepare(a.scale, a.zero_point, b.scale, b.zero_point, y.scale,
                                        y.zero_point, out_min, out_max, add_.describe());
  }

  // Elementwise: any layout, as long as both inputs and the output share it.
  LayoutSupport layout_support() const override { return {{true, true}, true, true}; }
  void set_layout(const std::vector<bool>& inputs_channels_last, bool) override {
    channels_last_ = !inputs_channels_last.empty() && inputs_channels_last[0];
  }

  void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const override {
    const Tensor& a = *inputs[0];
    const Tensor& b = *inputs[1];
    if (a.dtype() != DType::kU8 || b.dtype() != DType::kU8)
      fail("{}: quantized inputs are {} and {}, expected uint8", add_.describe(),
           dtype_name(a.dtype()), dtype_name(b.dtype()));
    // Two channels-last tensors of one rank broadcast in storage order as they would in ONNX's
    // (the same permutation of both shapes); other ranks go through ONNX's layout.
    if (channels_last_ && a.rank() != b.rank()) {
      outputs[0] = to_channels_last(add(to_channels_first(a), to_channels_first(b)));
      return;
    }
    outputs[0] = add(a, b);
  }

 private:
  Tensor add(const Tensor& a, const Tensor& b) const {
    const Shape shape = broadcast_shape(add_, a.shape(), b.shape());
    Tensor y = Tensor::uninitialized(DType::kU8, shape);  // the kernel writes every element
    if (a.shape() == shape && b.shape() == shape) {
      kernels::vadd_kernel()(static_cast<size_t>(y.numel()), a.data<uint8_t>(), b.data<uint8_t>(),
                             y.data<uint8_t>(), params_);
    } else {  // expand both operands to the output shape, then the same kernel
      Tensor a_full(DType::kU8, shape), b_full(DType::kU8, shape);
      broadcast_binary<uint8_t>(a, b, a_full, [](uint8_t u, uint8_t) { return u; });
      broadcast_binary<uint8_t>(a, b, b_full, [](uint8_t, uint8_t v) { return v; });
      kernels::vadd_kernel()(static_cast<size_t>(y.numel()), a_full.data<uint8_t>(),
                             b_full.data<uint8_t>(), y.data<uint8_t>(), params_);
    }
    return y;
  }

  Node add_;
  kernels::QAddParams params_;
  bool channels_last_ = false;  // inputs and output channels-last (set_layout)
};

}  // namespace

std::unique_ptr<Op> make_qlinear_add_op(const FusedPattern& pattern, const Graph& graph) {
  return std::make_unique<QLinearAddOp>(pattern, graph);
}

}  // namespace octet::runtime
