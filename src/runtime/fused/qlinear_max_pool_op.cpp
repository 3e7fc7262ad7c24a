// The fused integer MaxPool: DQ -> MaxPool -> Q with the same (s, z) on both sides is the max
// of the uint8 taps (eq. 21): no arithmetic on the values at all. Channels-last tensors take
// the max of all of a pixel's channels at once (kernels/pool_kernels.h).
#include "kernels/pool_kernels.h"
#include "octet/error.h"
#include "runtime/channels_last.h"
#include "runtime/fused/fused_ops.h"
#include "runtime/fused/window2d.h"

namespace octet::runtime {

namespace {

class QLinearMaxPoolOp final : public Op {
 public:
  QLinearMaxPoolOp(const FusedPattern& pattern, const Graph& g)
      : pool_(g.nodes[pattern.op]), window_(parse_window_attrs(pool_)) {}

  LayoutSupport layout_support() const override { return {{true}, true, true}; }
  void set_layout(const std::vector<bool>& inputs_channels_last, bool) override {
    channels_last_ = !inputs_channels_last.empty() && inputs_channels_last[0];
  }

  void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const override {
    const Tensor& x = *inputs[0];
    if (x.dtype() != DType::kU8 || x.rank() != 4)
      fail("{}: quantized input is {} {}, expected uint8 [N,C,H,W]", pool_.describe(),
           dtype_name(x.dtype()), shape_str(x.shape()));
    const Shape shape = channels_last_ ? channels_first_shape(x.shape()) : x.shape();
    const ConvGeometry geo = resolve_geometry(pool_, window_, Shape(shape.begin() + 2, shape.end()),
                                              window_.kernel_shape);
    const Shape out_shape = windowed_output_shape(shape[0], shape[1], geo);
    // The kernels write every element.
    Tensor y = Tensor::uninitialized(DType::kU8,
                                     channels_last_ ? channels_last_shape(out_shape) : out_shape);
    if (channels_last_)
      kernels::maxpool_nhwc_kernel()(static_cast<size_t>(shape[0]), static_cast<size_t>(shape[1]),
                                     window2d_of(geo), x.data<uint8_t>(), y.data<uint8_t>());
    else
      kernels::maxpool_kernel()(static_cast<size_t>(shape[0] * shape[1]), window2d_of(geo),
                                x.data<uint8_t>(), y.data<uint8_t>());
    outputs[0] = std::move(y);
  }

 private:
  Node pool_;
  WindowAttrs window_;
  bool channels_last_ = false;  // input and output [N, H, W, C] (set_layout)
};

}  // namespace

std::unique_ptr<Op> make_qlinear_max_pool_op(const FusedPattern& pattern, const Graph& graph) {
  return std::make_unique<QLinearMaxPoolOp>(pattern, graph);
}

}  // namespace octet::runtime
