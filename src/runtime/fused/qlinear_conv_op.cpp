// The fused integer Conv: per image and group, im2col of the uint8 input (padding with the
// input zero point, i.e. real 0), transposed to pixel rows, then the same qu8 x qc8w GEMM as
// the Linear layer, and the [pixels, channels] result scattered back to NCHW. Reference speed;
// the GEMM is the packed, threaded one of runtime/qgemm.h (one packing per group, at build).
#include <algorithm>

#include "runtime/qgemm.h"
#include "octet/error.h"
#include "runtime/fused/fused_ops.h"
#include "runtime/fused/qdq_layer.h"
#include "runtime/ops/conv_geometry.h"
#include "runtime/ops/im2col.h"

namespace octet::runtime {

namespace {

class QLinearConvOp final : public Op {
 public:
  QLinearConvOp(const FusedPattern& pattern, const Graph& g) : conv_(g.nodes[pattern.op]) {
    window_ = parse_window_attrs(conv_);
    group_ = conv_.attr_int("group", 1);
    const Tensor& w = *g.initializer(g.nodes[pattern.dq_w].inputs[0]);
    if (w.rank() < 3 || w.rank() > 5)
      fail("{}: quantized weight has rank {}, expected 3 to 5", conv_.describe(), w.rank());
    out_channels_ = w.dim(0);
    if (group_ < 1 || out_channels_ % group_ != 0)
      fail("{}: {} output channels do not split into {} groups", conv_.describe(), out_channels_, group_);
    kernel_.assign(w.shape().begin() + 2, w.shape().end());
    k_ = w.numel() / out_channels_;  // C/group * kernel size
    p_ = read_qdq_layer(pattern, g, out_channels_, 0);
    // [O, C/group * kernel] row-major: each group's rows are contiguous.
    const int64_t og = out_channels_ / group_;
    for (int64_t gi = 0; gi < group_; ++gi) {
      const auto first = static_cast<size_t>(gi * og);
      packed_.emplace_back(static_cast<size_t>(og), static_cast<size_t>(k_),
                           w.data<int8_t>() + gi * og * k_, p_.bias_q.data() + first,
                           p_.zero_point_x, p_.float_out ? nullptr : p_.requant.data() + first,
                           p_.float_out ? p_.acc_scale.data() + first : nullptr, p_.name);
    }
  }

  void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const override {
    const Tensor& x = *inputs[0];
    if (x.dtype() != DType::kU8 || x.rank() != kernel_.size() + 2)
      fail("{}: quantized input is {} {}, expected uint8 of rank {}", p_.name,
           dtype_name(x.dtype()), shape_str(x.shape()), kernel_.size() + 2);
    const int64_t batch = x.dim(0), channels = x.dim(1);
    const int64_t cg = channels / group_, og = out_channels_ / group_;
    if (channels % group_ != 0 || cg * static_cast<int64_t>(kernel_numel()) != k_)
      fail("{}: input has {} channels, the weights expect {} per group x {} groups", p_.name,
           channels, k_ / static_cast<int64_t>(kernel_numel()), group_);
    const Shape spatial(x.shape().begin() + 2, x.shape().end());
    const ConvGeometry geo = resolve_geometry(conv_, window_, spatial, kernel_);
    const int64_t pixels = geo.out_numel(), in_pixels = geo.in_numel();
    const Shape out_shape = windowed_output_shape(batch, out_channels_, geo);

    std::vector<uint8_t> col(static_cast<size_t>(k_ * pixels));   // [K, P]
    std::vector<uint8_t> rows(static_cast<size_t>(k_ * pixels));  // [P, K]
    Tensor y(p_.float_out ? DType::kF32 : DType::kU8, out_shape);
    std::vector<uint8_t> tile_u8(p_.float_out ? 0 : static_cast<size_t>(pixels * og));
    std::vector<float> tile_f32(p_.float_out ? static_cast<size_t>(pixels * og) : 0);
    const auto pad = static_cast<uint8_t>(p_.zero_point_x);  // real 0 (eq. 3)
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t gi = 0; gi < group_; ++gi) {
        const uint8_t* xg = x.data<uint8_t>() + (b * channels + gi * cg) * in_pixels;
        im2col(xg, cg, geo, pad, col.data());
        for (int64_t r = 0; r < k_; ++r)
          for (int64_t c = 0; c < pixels; ++c) rows[c * k_ + r] = col[r * pixels + c];
        const PackedQGemm& wg = packed_[static_cast<size_t>(gi)];
        if (p_.float_out) {
          run_qgemm_f32(wg, pixels, rows.data(), k_, tile_f32.data(), og);
          float* out = y.data<float>() + (b * out_channels_ + gi * og) * pixels;
          for (int64_t c = 0; c < og; ++c)
            for (int64_t px = 0; px < pixels; ++px) out[c * pixels + px] = tile_f32[px * og + c];
        } else {
          run_qgemm(wg, pixels, rows.data(), k_, tile_u8.data(), og,
                    {p_.zero_point_y, p_.out_min, p_.out_max});
          uint8_t* out = y.data<uint8_t>() + (b * out_channels_ + gi * og) * pixels;
          for (int64_t c = 0; c < og; ++c)
            for (int64_t px = 0; px < pixels; ++px) out[c * pixels + px] = tile_u8[px * og + c];
        }
      }
    }
    outputs[0] = std::move(y);
  }

 private:
  size_t kernel_numel() const {
    size_t n = 1;
    for (int64_t d : kernel_) n *= static_cast<size_t>(d);
    return n;
  }

  Node conv_;
  WindowAttrs window_;
  int64_t group_ = 1, out_channels_ = 0, k_ = 0;
  Shape kernel_;
  QdqLayerParams p_;
  std::vector<PackedQGemm> packed_;  // one per group: int8 [O/group, C/group * kernel]
};

}  // namespace

std::unique_ptr<Op> make_qlinear_conv_op(const FusedPattern& pattern, const Graph& graph) {
  return std::make_unique<QLinearConvOp>(pattern, graph);
}

}  // namespace octet::runtime
