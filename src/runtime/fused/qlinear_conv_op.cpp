// The fused integer Conv: per image and group, the uint8 input is transposed to channels-last
// [pixels, C] (unless it is stored so already, runtime/channels_last.h), unrolled into one row
// per output pixel (im2row: for each kernel tap, C contiguous bytes, or the input zero point,
// i.e. real 0, for padding), then multiplied by the weights with the same packed, threaded
// qu8 x qc8w GEMM as the Linear layer (runtime/qgemm.h); the [pixels, channels] result is the
// channels-last output, or is transposed back to NCHW. The weights' K axis is reordered once,
// at build, from ONNX's (c, kernel tap) to the rows' (tap, c).
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "octet/error.h"
#include "runtime/channels_last.h"
#include "runtime/fused/fused_ops.h"
#include "runtime/fused/qdq_layer.h"
#include "runtime/ops/conv_geometry.h"
#include "runtime/qgemm.h"

namespace octet::runtime {

namespace {

// The window of output pixel (od, oh, ow) when every tap lies inside the input and a kernel
// row's taps are adjacent pixels (dilation 1 along the width): its first tap's pixel; else null.
const uint8_t* window_inside(const uint8_t* x_hwc, int64_t channels, const ConvGeometry& g,
                             int64_t od, int64_t oh, int64_t ow) {
  if (g.dilation[2] != 1) return nullptr;
  const int64_t at[3] = {od, oh, ow};
  int64_t pixel = 0;
  for (int i = 0; i < 3; ++i) {
    const int64_t first = at[i] * g.stride[i] - g.pad_begin[i];
    const int64_t last = first + (g.kernel[i] - 1) * g.dilation[i];
    if (first < 0 || last >= g.in_size[i]) return nullptr;
    pixel = pixel * g.in_size[i] + first;
  }
  return x_hwc + pixel * channels;
}

// Copies a window that window_inside() found: one run of kernel_w * C bytes per kernel row. The
// runs of a stem's small C are short (7 taps x 3 channels = 21 bytes), so up to 32 bytes they
// are two fixed-size, possibly overlapping moves instead of a library call.
void copy_window(const uint8_t* first, int64_t channels, const ConvGeometry& g, uint8_t* dst) {
  const auto run = static_cast<size_t>(g.kernel[2] * channels);
  const int64_t row_step = g.dilation[1] * g.in_size[2] * channels;
  const int64_t plane_step = g.dilation[0] * g.in_size[1] * g.in_size[2] * channels;
  for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
    const uint8_t* src = first + kd * plane_step;
    for (int64_t kh = 0; kh < g.kernel[1]; ++kh, src += row_step, dst += run) {
      if (run >= 16 && run <= 32) {
        std::memcpy(dst, src, 16);
        std::memcpy(dst + run - 16, src + run - 16, 16);
      } else {
        std::memcpy(dst, src, run);
      }
    }
  }
}

// rows[p][tap * C + c] = x_hwc[input pixel of (p, tap)][c], or pad outside the input; the
// taps run over the 3 right-aligned spatial slots of the geometry (conv_geometry.h). With
// dilation 1 along the width, the in-bounds taps of one kernel row are adjacent input pixels,
// so they are one contiguous copy of (taps * C) bytes rather than one small copy per tap. Rows
// are row_bytes >= taps * C long; the tail is filled with pad too (its weights are zero).
void im2row_channels_last(const uint8_t* x_hwc, int64_t channels, const ConvGeometry& g,
                          uint8_t pad, size_t row_bytes, uint8_t* rows) {
  const auto c = static_cast<size_t>(channels);
  const int64_t kw_n = g.kernel[2];
  const size_t tail = row_bytes - c * static_cast<size_t>(g.kernel[0] * g.kernel[1] * kw_n);
  uint8_t* dst = rows;
  for (int64_t od = 0; od < g.out_size[0]; ++od)
    for (int64_t oh = 0; oh < g.out_size[1]; ++oh)
      for (int64_t ow = 0; ow < g.out_size[2]; ++ow) {
        if (const uint8_t* first = window_inside(x_hwc, channels, g, od, oh, ow)) {
          copy_window(first, channels, g, dst);
          dst += c * static_cast<size_t>(g.kernel[0] * g.kernel[1] * kw_n);
          for (size_t i = 0; i < tail; ++i) *dst++ = pad;
          continue;
        }
        for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
          const int64_t id = od * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
          for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
            const int64_t ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
            const int64_t iw0 = ow * g.stride[2] - g.pad_begin[2];
            if (id < 0 || id >= g.in_size[0] || ih < 0 || ih >= g.in_size[1]) {
              std::memset(dst, pad, c * static_cast<size_t>(kw_n));
              dst += c * static_cast<size_t>(kw_n);
              continue;
            }
            const uint8_t* row = x_hwc + (id * g.in_size[1] + ih) * g.in_size[2] * channels;
            if (g.dilation[2] == 1) {
              // Taps [lo, hi) fall inside the input row; the rest are padding.
              const int64_t lo = std::clamp<int64_t>(-iw0, 0, kw_n);
              const int64_t hi = std::clamp<int64_t>(g.in_size[2] - iw0, lo, kw_n);
              // Most windows lie inside the row: skip the empty calls.
              if (lo > 0) std::memset(dst, pad, c * static_cast<size_t>(lo));
              std::memcpy(dst + c * static_cast<size_t>(lo), row + (iw0 + lo) * channels,
                          c * static_cast<size_t>(hi - lo));
              if (hi < kw_n)
                std::memset(dst + c * static_cast<size_t>(hi), pad,
                            c * static_cast<size_t>(kw_n - hi));
              dst += c * static_cast<size_t>(kw_n);
              continue;
            }
            for (int64_t kw = 0; kw < kw_n; ++kw, dst += c) {
              const int64_t iw = iw0 + kw * g.dilation[2];
              if (iw < 0 || iw >= g.in_size[2])
                std::memset(dst, pad, c);
              else
                std::memcpy(dst, row + iw * channels, c);
            }
          }
        }
        for (size_t i = 0; i < tail; ++i) *dst++ = pad;
      }
}

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
    // Unrolled rows are padded to whole 4-byte quads (zero weights) so the VNNI kernels read
    // them in place; a pointwise conv's rows are its input, so it keeps K.
    row_k_ = kernel_numel() > 1 ? (k_ + 3) / 4 * 4 : k_;
    p_ = read_qdq_layer(pattern, g, out_channels_, 0);
    // [O, C/group * taps] row-major, each group's rows contiguous; reordered to [O, taps * C/group].
    const int64_t og = out_channels_ / group_;
    const int64_t taps = static_cast<int64_t>(kernel_numel()), cg = k_ / taps;
    std::vector<int8_t> w_tap_major(static_cast<size_t>(out_channels_ * row_k_), 0);
    for (int64_t o = 0; o < out_channels_; ++o)
      for (int64_t c = 0; c < cg; ++c)
        for (int64_t t = 0; t < taps; ++t)
          w_tap_major[static_cast<size_t>(o * row_k_ + t * cg + c)] =
              w.data<int8_t>()[o * k_ + c * taps + t];
    for (int64_t gi = 0; gi < group_; ++gi) {
      const auto first = static_cast<size_t>(gi * og);
      packed_.emplace_back(static_cast<size_t>(og), static_cast<size_t>(row_k_),
                           w_tap_major.data() + gi * og * row_k_, p_.bias_q.data() + first,
                           p_.zero_point_x, p_.float_out ? nullptr : p_.requant.data() + first,
                           p_.float_out ? p_.acc_scale.data() + first : nullptr, p_.name);
    }
  }

  // Channels-last in and out for ungrouped convs (a group's channels would be strided); the
  // float exit feeds float ops, which read ONNX's layout.
  LayoutSupport layout_support() const override {
    const bool plain = group_ == 1;
    return {{plain}, plain && !p_.float_out, false};
  }
  void set_layout(const std::vector<bool>& inputs_channels_last,
                  bool output_channels_last) override {
    in_channels_last_ = !inputs_channels_last.empty() && inputs_channels_last[0];
    out_channels_last_ = output_channels_last;
  }

  void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const override {
    const Tensor& x = *inputs[0];
    if (x.dtype() != DType::kU8 || x.rank() != kernel_.size() + 2)
      fail("{}: quantized input is {} {}, expected uint8 of rank {}", p_.name,
           dtype_name(x.dtype()), shape_str(x.shape()), kernel_.size() + 2);
    const Shape x_shape = in_channels_last_ ? channels_first_shape(x.shape()) : x.shape();
    const int64_t batch = x_shape[0], channels = x_shape[1];
    const int64_t cg = channels / group_, og = out_channels_ / group_;
    if (channels % group_ != 0 || cg * static_cast<int64_t>(kernel_numel()) != k_)
      fail("{}: input has {} channels, the weights expect {} per group x {} groups", p_.name,
           channels, k_ / static_cast<int64_t>(kernel_numel()), group_);
    const Shape spatial(x_shape.begin() + 2, x_shape.end());
    const ConvGeometry geo = resolve_geometry(conv_, window_, spatial, kernel_);
    const int64_t pixels = geo.out_numel(), in_pixels = geo.in_numel();
    const Shape out_shape = windowed_output_shape(batch, out_channels_, geo);

    // Scratch (and y) that every element of is written before it is read: no zero-filling.
    const bool pointwise = geo.is_pointwise();  // rows are the channels-last input itself
    const auto x_hwc = std::make_unique_for_overwrite<uint8_t[]>(
        in_channels_last_ ? 0 : static_cast<size_t>(cg * in_pixels));
    const auto rows = std::make_unique_for_overwrite<uint8_t[]>(
        pointwise ? 0 : static_cast<size_t>(row_k_ * pixels));  // [P, row K]
    Tensor y =
        Tensor::uninitialized(p_.float_out ? DType::kF32 : DType::kU8,
                              out_channels_last_ ? channels_last_shape(out_shape) : out_shape);
    const auto tile_u8 = std::make_unique_for_overwrite<uint8_t[]>(
        p_.float_out || out_channels_last_ ? 0 : static_cast<size_t>(pixels * og));
    const auto tile_f32 = std::make_unique_for_overwrite<float[]>(
        p_.float_out ? static_cast<size_t>(pixels * og) : 0);
    const auto pad = static_cast<uint8_t>(p_.zero_point_x);  // real 0 (eq. 3)
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t gi = 0; gi < group_; ++gi) {
        const uint8_t* hwc = x.data<uint8_t>() + b * channels * in_pixels;  // channels-last input
        if (!in_channels_last_) {
          transpose_blocked(hwc + gi * cg * in_pixels, cg, in_pixels, x_hwc.get());
          hwc = x_hwc.get();
        }
        if (!pointwise)
          im2row_channels_last(hwc, cg, geo, pad, static_cast<size_t>(row_k_), rows.get());
        const uint8_t* a = pointwise ? hwc : rows.get();
        const PackedQGemm& wg = packed_[static_cast<size_t>(gi)];
        if (p_.float_out) {
          run_qgemm_f32(wg, pixels, a, row_k_, tile_f32.get(), og);
          float* out = y.data<float>() + (b * out_channels_ + gi * og) * pixels;
          transpose_blocked(tile_f32.get(), pixels, og, out);
        } else if (out_channels_last_) {  // the GEMM's [pixels, O] rows are the output image
          run_qgemm(wg, pixels, a, row_k_, y.data<uint8_t>() + b * out_channels_ * pixels, og,
                    {p_.zero_point_y, p_.out_min, p_.out_max});
        } else {
          run_qgemm(wg, pixels, a, row_k_, tile_u8.get(), og,
                    {p_.zero_point_y, p_.out_min, p_.out_max});
          uint8_t* out = y.data<uint8_t>() + (b * out_channels_ + gi * og) * pixels;
          transpose_blocked(tile_u8.get(), pixels, og, out);
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
  int64_t group_ = 1, out_channels_ = 0, k_ = 0, row_k_ = 0;  // row_k_: k_ padded (see above)
  Shape kernel_;
  QdqLayerParams p_;
  std::vector<PackedQGemm> packed_;  // one per group: int8 [O/group, C/group * kernel]
  bool in_channels_last_ = false, out_channels_last_ = false;  // set_layout (group 1 only)
};

}  // namespace

std::unique_ptr<Op> make_qlinear_conv_op(const FusedPattern& pattern, const Graph& graph) {
  return std::make_unique<QLinearConvOp>(pattern, graph);
}

}  // namespace octet::runtime
