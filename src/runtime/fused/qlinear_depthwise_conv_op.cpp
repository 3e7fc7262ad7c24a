// The fused integer depthwise Conv (group == input channels == output channels, 2-D windows):
// each channel's int8 filter slides directly over its uint8 plane (eq. 28) instead of an
// im2col and a one-row GEMM per group. The float exit (no Q) dequantizes the accumulator
// (eq. 17) and stays with the generic Conv op.
#include "kernels/ref/ref_kernels.h"
#include "octet/error.h"
#include "runtime/fused/fused_ops.h"
#include "runtime/fused/qdq_layer.h"
#include "runtime/fused/window2d.h"

namespace octet::runtime {

bool is_depthwise_conv(const FusedPattern& pattern, const Graph& g) {
  const Node& conv = g.nodes[pattern.op];
  const Tensor& w = *g.initializer(g.nodes[pattern.dq_w].inputs[0]);
  const int64_t group = conv.attr_int("group", 1);
  return w.rank() == 4 && w.dim(1) == 1 && group > 1 && w.dim(0) == group &&
         pattern.quantize != kNoNode;
}

namespace {

class QLinearDepthwiseConvOp final : public Op {
 public:
  QLinearDepthwiseConvOp(const FusedPattern& pattern, const Graph& g)
      : conv_(g.nodes[pattern.op]), window_(parse_window_attrs(conv_)) {
    const Tensor& w = *g.initializer(g.nodes[pattern.dq_w].inputs[0]);
    channels_ = w.dim(0);
    kernel_ = {w.dim(2), w.dim(3)};
    p_ = read_qdq_layer(pattern, g, channels_, 0);
    weights_ = w;  // [C, 1, kh, kw] = [C, kh * kw] row-major
    // The accumulation bound |bias| + 255 * sum |w| < 2^31 is the GEMM's: check it the same
    // way (zero point 0: this kernel subtracts z_in from each tap, the bias stays as it is).
    std::vector<int32_t> bias_checked(static_cast<size_t>(channels_));
    kernels::qu8_qc8w_gemm_prepare(static_cast<size_t>(channels_),
                                   static_cast<size_t>(kernel_[0] * kernel_[1]),
                                   weights_.data<int8_t>(), p_.bias_q.data(), 0,
                                   bias_checked.data(), p_.name);
  }

  void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const override {
    const Tensor& x = *inputs[0];
    if (x.dtype() != DType::kU8 || x.rank() != 4 || x.dim(1) != channels_)
      fail("{}: quantized input is {} {}, expected uint8 [N,{},H,W]", p_.name,
           dtype_name(x.dtype()), shape_str(x.shape()), channels_);
    const Shape spatial(x.shape().begin() + 2, x.shape().end());
    const ConvGeometry geo = resolve_geometry(conv_, window_, spatial, kernel_);
    Tensor y(DType::kU8, windowed_output_shape(x.dim(0), channels_, geo));
    const kernels::QDwConvParams params{p_.bias_q.data(), p_.requant.data(), p_.zero_point_x,
                                        p_.zero_point_y, p_.out_min, p_.out_max};
    const kernels::Window2d win = window2d_of(geo);
    for (int64_t b = 0; b < x.dim(0); ++b)
      kernels::qu8_qc8w_dwconv_minmax_fxp__ref(
          static_cast<size_t>(channels_), win,
          x.data<uint8_t>() + b * channels_ * geo.in_numel(), weights_.data<int8_t>(),
          y.data<uint8_t>() + b * channels_ * geo.out_numel(), params);
    outputs[0] = std::move(y);
  }

 private:
  Node conv_;
  WindowAttrs window_;
  int64_t channels_ = 0;
  Shape kernel_;
  QdqLayerParams p_;
  Tensor weights_;  // int8 [C, 1, kh, kw]
};

}  // namespace

std::unique_ptr<Op> make_qlinear_depthwise_conv_op(const FusedPattern& pattern,
                                                   const Graph& graph) {
  return std::make_unique<QLinearDepthwiseConvOp>(pattern, graph);
}

}  // namespace octet::runtime
