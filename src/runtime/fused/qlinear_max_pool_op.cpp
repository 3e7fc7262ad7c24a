// The fused integer MaxPool: DQ -> MaxPool -> Q with the same (s, z) on both sides is the max
// of the uint8 taps (eq. 21): no arithmetic on the values at all.
#include "kernels/pool_kernels.h"
#include "octet/error.h"
#include "runtime/fused/fused_ops.h"
#include "runtime/fused/window2d.h"

namespace octet::runtime {

namespace {

class QLinearMaxPoolOp final : public Op {
 public:
  QLinearMaxPoolOp(const FusedPattern& pattern, const Graph& g)
      : pool_(g.nodes[pattern.op]), window_(parse_window_attrs(pool_)) {}

  void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const override {
    const Tensor& x = *inputs[0];
    if (x.dtype() != DType::kU8 || x.rank() != 4)
      fail("{}: quantized input is {} {}, expected uint8 [N,C,H,W]", pool_.describe(),
           dtype_name(x.dtype()), shape_str(x.shape()));
    const ConvGeometry geo = resolve_pool_geometry(pool_, window_, x);
    // The kernel writes every element.
    Tensor y = Tensor::uninitialized(DType::kU8, windowed_output_shape(x.dim(0), x.dim(1), geo));
    kernels::maxpool_kernel()(static_cast<size_t>(x.dim(0) * x.dim(1)), window2d_of(geo),
                              x.data<uint8_t>(), y.data<uint8_t>());
    outputs[0] = std::move(y);
  }

 private:
  Node pool_;
  WindowAttrs window_;
};

}  // namespace

std::unique_ptr<Op> make_qlinear_max_pool_op(const FusedPattern& pattern, const Graph& graph) {
  return std::make_unique<QLinearMaxPoolOp>(pattern, graph);
}

}  // namespace octet::runtime
