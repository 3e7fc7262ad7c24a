// The fused integer depthwise Conv (group == input channels == output channels, 2-D windows):
// each channel's int8 filter slides directly over its uint8 plane (eq. 28) instead of an
// im2col and a one-row GEMM per group; channels-last images go through the channels-last
// kernel (kernels/dwconv_kernels.h), all of a pixel's channels at once. The float exit (no Q)
// dequantizes the accumulator (eq. 17) and stays with the generic Conv op.
#include <algorithm>
#include <vector>

#include "kernels/dwconv_kernels.h"
#include "kernels/ref/ref_kernels.h"
#include "octet/error.h"
#include "octet/runtime.h"
#include "runtime/channels_last.h"
#include "runtime/fused/fused_ops.h"
#include "runtime/fused/qdq_layer.h"
#include "runtime/fused/window2d.h"
#include "runtime/thread_pool.h"

namespace octet::runtime {

bool is_depthwise_conv(const FusedPattern& pattern, const Graph& g) {
  const Node& conv = g.nodes[pattern.op];
  const Tensor& w = *g.initializer(g.nodes[pattern.dq_w].inputs[0]);
  const int64_t group = conv.attr_int("group", 1);
  return w.rank() == 4 && w.dim(1) == 1 && group > 1 && w.dim(0) == group &&
         pattern.quantize != kNoNode;
}

namespace {

// Below this many multiply-adds a depthwise conv runs on one thread.
constexpr int64_t kMinParallelMacs = int64_t{1} << 18;

// This thread's `channels` int32 of kernel scratch, grown on demand and kept, so a task does
// not allocate (a task must not throw).
int32_t* thread_sums(size_t channels) {
  thread_local std::vector<int32_t> sums;
  if (sums.size() < channels) sums.resize(channels);
  return sums.data();
}

class QLinearDepthwiseConvOp final : public Op {
 public:
  QLinearDepthwiseConvOp(const FusedPattern& pattern, const Graph& g)
      : conv_(g.nodes[pattern.op]), window_(parse_window_attrs(conv_)) {
    const Tensor& w = *g.initializer(g.nodes[pattern.dq_w].inputs[0]);
    channels_ = w.dim(0);
    kernel_ = {w.dim(2), w.dim(3)};
    p_ = read_qdq_layer(pattern, g, channels_, 0);
    weights_ = w;  // [C, 1, kh, kw] = [C, kh * kw] row-major
    const int64_t taps = kernel_[0] * kernel_[1];
    weights_tap_major_.resize(static_cast<size_t>(channels_ * taps));
    for (int64_t c = 0; c < channels_; ++c)
      for (int64_t t = 0; t < taps; ++t)
        weights_tap_major_[static_cast<size_t>(t * channels_ + c)] = w.data<int8_t>()[c * taps + t];
    weights_wide_.resize(weights_tap_major_.size());
    kernels::widen_dwconv_weights(weights_tap_major_.size(), weights_tap_major_.data(),
                                  weights_wide_.data());
    // The accumulation bound |bias| + 255 * sum |w| < 2^31 is the GEMM's: check it the same
    // way (zero point 0: this kernel subtracts z_in from each tap, the bias stays as it is).
    std::vector<int32_t> bias_checked(static_cast<size_t>(channels_));
    kernels::qu8_qc8w_gemm_prepare(static_cast<size_t>(channels_),
                                   static_cast<size_t>(kernel_[0] * kernel_[1]),
                                   weights_.data<int8_t>(), p_.bias_q.data(), 0,
                                   bias_checked.data(), p_.name);
  }

  // Channels-last in and out together (the kernel reads and writes one layout).
  LayoutSupport layout_support() const override { return {{true}, true, true}; }
  void set_layout(const std::vector<bool>& inputs_channels_last, bool) override {
    channels_last_ = !inputs_channels_last.empty() && inputs_channels_last[0];
  }

  void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const override {
    const Tensor& x = *inputs[0];
    const Shape shape =
        channels_last_ && x.rank() == 4 ? channels_first_shape(x.shape()) : x.shape();
    if (x.dtype() != DType::kU8 || x.rank() != 4 || shape[1] != channels_)
      fail("{}: quantized input is {} {}, expected uint8 [N,{},H,W]", p_.name,
           dtype_name(x.dtype()), shape_str(shape), channels_);
    const Shape spatial(shape.begin() + 2, shape.end());
    const ConvGeometry geo = resolve_geometry(conv_, window_, spatial, kernel_);
    const Shape out_shape = windowed_output_shape(shape[0], channels_, geo);
    // The kernels write every element.
    Tensor y = Tensor::uninitialized(DType::kU8,
                                     channels_last_ ? channels_last_shape(out_shape) : out_shape);
    const kernels::QDwConvParams params{p_.bias_q.data(), p_.requant.data(), p_.zero_point_x,
                                        p_.zero_point_y, p_.out_min, p_.out_max};
    const kernels::Window2d win = window2d_of(geo);
    if (channels_last_) {
      run_channels_last(shape[0], win, x.data<uint8_t>(), y.data<uint8_t>(), params);
    } else {
      for (int64_t b = 0; b < shape[0]; ++b)
        kernels::qu8_qc8w_dwconv_minmax_fxp__ref(
            static_cast<size_t>(channels_), win, x.data<uint8_t>() + b * channels_ * geo.in_numel(),
            weights_.data<int8_t>(), y.data<uint8_t>() + b * channels_ * geo.out_numel(), params);
    }
    outputs[0] = std::move(y);
  }

 private:
  // Each image's output rows split into tasks over the thread pool: a task is the kernel on a
  // window of fewer output rows (its first row's pad_top shifted), so every output byte is
  // computed as it would be in one call, on any thread count.
  void run_channels_last(int64_t images, const kernels::Window2d& win, const uint8_t* x, uint8_t* y,
                         const kernels::QDwConvParams& params) const {
    const auto channels = static_cast<size_t>(channels_);
    const kernels::DwConvWeights weights{weights_tap_major_.data(), weights_wide_.data()};
    const auto threads = static_cast<int64_t>(num_threads());
    const int64_t macs = images * win.out_h * win.out_w * channels_ * kernel_[0] * kernel_[1];
    const int64_t tasks_per_image =
        threads <= 1 || macs < kMinParallelMacs ? 1 : std::min(win.out_h, 4 * threads);
    const int64_t rows_per_task = (win.out_h + tasks_per_image - 1) / tasks_per_image;
    const int64_t in_image = win.in_h * win.in_w * channels_, out_row = win.out_w * channels_;
    parallel_for(static_cast<size_t>(images * tasks_per_image), [&](size_t task) {
      const int64_t n = static_cast<int64_t>(task) / tasks_per_image;
      const int64_t row0 = static_cast<int64_t>(task) % tasks_per_image * rows_per_task;
      if (row0 >= win.out_h) return;
      kernels::Window2d part = win;
      part.out_h = std::min(rows_per_task, win.out_h - row0);
      part.pad_top = win.pad_top - row0 * win.stride_h;
      kernels::dwconv_nhwc_kernel()(1, channels, part, x + n * in_image, weights,
                                    y + (n * win.out_h + row0) * out_row, params,
                                    thread_sums(channels));
    });
  }

  Node conv_;
  WindowAttrs window_;
  int64_t channels_ = 0;
  Shape kernel_;
  QdqLayerParams p_;
  Tensor weights_;  // int8 [C, 1, kh, kw]
  std::vector<int8_t> weights_tap_major_;  // [kh * kw, C], for channels-last images
  std::vector<int32_t> weights_wide_;      // the same widened (widen_dwconv_weights)
  bool channels_last_ = false;             // input and output [N, H, W, C] (set_layout)
};

}  // namespace

std::unique_ptr<Op> make_qlinear_depthwise_conv_op(const FusedPattern& pattern,
                                                   const Graph& graph) {
  return std::make_unique<QLinearDepthwiseConvOp>(pattern, graph);
}

}  // namespace octet::runtime
