// The fused integer AveragePool (2-D windows) and GlobalAveragePool: the integer sum of
// (x - z_in) per window, requantized by s_in / (s_out * count) (eq. 25-26). The multipliers of
// every possible count are made once (local pool) or per input size (global pool).
#include <limits>

#include "octet/error.h"
#include "runtime/fused/fused_ops.h"
#include "runtime/fused/qdq_layer.h"
#include "runtime/fused/window2d.h"

namespace octet::runtime {

namespace {

// 255 * count < 2^31 keeps the window's int32 sum exact.
constexpr int64_t kMaxPoolCount = std::numeric_limits<int32_t>::max() / 255;

std::vector<Requant> count_multipliers(float scale_in, float scale_out, int64_t first,
                                       int64_t last, const std::string& what) {
  std::vector<Requant> r;
  for (int64_t c = first; c <= last; ++c)
    r.push_back(requant_from_multiplier(
        static_cast<double>(scale_in) / (static_cast<double>(scale_out) * static_cast<double>(c)),
        what));
  return r;
}

class QLinearAveragePoolOp final : public Op {
 public:
  QLinearAveragePoolOp(const FusedPattern& pattern, const Graph& g)
      : pool_(g.nodes[pattern.op]), global_(pool_.op_type == "GlobalAveragePool") {
    const U8Params in = u8_params(g, g.nodes[pattern.dq_inputs.at(0)]);
    const U8Params out = u8_params(g, g.nodes[pattern.quantize]);
    scale_in_ = in.scale;
    scale_out_ = out.scale;
    params_.zero_point_in = in.zero_point;
    params_.zero_point_out = out.zero_point;
    if (global_) return;
    window_ = parse_window_attrs(pool_);
    params_.count_include_pad = pool_.attr_int("count_include_pad", 0) != 0;
    const int64_t taps = window_.kernel_shape.at(0) * window_.kernel_shape.at(1);
    if (taps > kMaxPoolCount)
      fail("{}: a {}-tap window could overflow the int32 sum", pool_.describe(), taps);
    requant_ = count_multipliers(scale_in_, scale_out_, 1, taps, pool_.describe());
  }

  // The global pool reads channels-last input; its [N, C, 1, ...] output is the same bytes in
  // either layout, and is given in ONNX's.
  LayoutSupport layout_support() const override { return {{global_}, false, false}; }
  void set_layout(const std::vector<bool>& inputs_channels_last, bool) override {
    channels_last_ = !inputs_channels_last.empty() && inputs_channels_last[0];
  }

  void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const override {
    const Tensor& x = *inputs[0];
    if (x.dtype() != DType::kU8 || x.rank() < 3 || (!global_ && x.rank() != 4))
      fail("{}: quantized input is {} {}, expected uint8 [N,C,{}]", pool_.describe(),
           dtype_name(x.dtype()), shape_str(x.shape()), global_ ? "spatial..." : "H,W");
    const int64_t channels = channels_last_ ? x.dim(x.rank() - 1) : x.dim(1);
    const auto planes = static_cast<size_t>(x.dim(0) * channels);
    kernels::QAvgPoolParams params = params_;
    if (global_) {
      const int64_t n = channels == 0 || x.dim(0) == 0 ? 0 : x.numel() / (x.dim(0) * channels);
      if (n < 1 || n > kMaxPoolCount)
        fail("{}: {} values per plane; expected 1 to {}", pool_.describe(), n, kMaxPoolCount);
      Shape out_shape(x.rank(), 1);
      out_shape[0] = x.dim(0), out_shape[1] = channels;
      Tensor y(DType::kU8, out_shape);
      const std::vector<Requant> r = count_multipliers(scale_in_, scale_out_, n, n, pool_.describe());
      params.requant = r.data();
      if (channels_last_) {
        std::vector<int32_t> sums(static_cast<size_t>(channels));
        kernels::qu8_gavgpool_nhwc_minmax_fxp__ref(
            static_cast<size_t>(x.dim(0)), static_cast<size_t>(n), static_cast<size_t>(channels),
            x.data<uint8_t>(), y.data<uint8_t>(), params, sums.data());
      } else {
        kernels::qu8_gavgpool_minmax_fxp__ref(planes, static_cast<size_t>(n), x.data<uint8_t>(),
                                              y.data<uint8_t>(), params);
      }
      outputs[0] = std::move(y);
      return;
    }
    const ConvGeometry geo = resolve_pool_geometry(pool_, window_, x);
    Tensor y(DType::kU8, windowed_output_shape(x.dim(0), x.dim(1), geo));
    params.requant = requant_.data();
    kernels::qu8_avgpool_minmax_fxp__ref(planes, window2d_of(geo), x.data<uint8_t>(),
                                         y.data<uint8_t>(), params);
    outputs[0] = std::move(y);
  }

 private:
  Node pool_;
  bool global_;
  WindowAttrs window_;
  float scale_in_ = 1.0f, scale_out_ = 1.0f;
  kernels::QAvgPoolParams params_;
  std::vector<Requant> requant_;  // [taps]: the multiplier of each divisor 1..taps
  bool channels_last_ = false;    // global pool over a channels-last input (set_layout)
};

}  // namespace

std::unique_ptr<Op> make_qlinear_average_pool_op(const FusedPattern& pattern, const Graph& graph) {
  return std::make_unique<QLinearAveragePoolOp>(pattern, graph);
}

}  // namespace octet::runtime
