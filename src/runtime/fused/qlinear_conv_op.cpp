// The fused integer Conv: per image and group, the uint8 input is transposed to channels-last
// [pixels, C], unrolled into one row per output pixel (im2row: for each kernel tap, C
// contiguous bytes, or the input zero point, i.e. real 0, for padding), then multiplied by the
// weights with the same packed, threaded qu8 x qc8w GEMM as the Linear layer
// (runtime/qgemm.h), and the [pixels, channels] result transposed back to NCHW. The weights'
// K axis is reordered once, at build, from ONNX's (c, kernel tap) to the rows' (tap, c).
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "runtime/qgemm.h"
#include "octet/error.h"
#include "runtime/fused/fused_ops.h"
#include "runtime/fused/qdq_layer.h"
#include "runtime/ops/conv_geometry.h"

namespace octet::runtime {

namespace {

// out[j] byte i = in[i] byte j for 8 rows of 8 bytes held as little-endian uint64: three
// rounds swap 4x4, 2x2 and 1x1 byte sub-blocks across the diagonal (a portable SWAR transpose,
// 24 shifts and masks for 64 bytes instead of 64 single-byte moves).
void transpose_8x8_u8(const uint8_t* src, size_t src_stride, uint8_t* dst, size_t dst_stride) {
  uint64_t r[8];
  for (size_t i = 0; i < 8; ++i) std::memcpy(&r[i], src + i * src_stride, 8);
  for (size_t i = 0; i < 4; ++i) {
    const uint64_t a = r[i], b = r[i + 4];
    r[i] = (a & 0x00000000FFFFFFFFull) | (b << 32);
    r[i + 4] = (a >> 32) | (b & 0xFFFFFFFF00000000ull);
  }
  for (size_t i : {0, 1, 4, 5}) {
    const uint64_t a = r[i], b = r[i + 2];
    r[i] = (a & 0x0000FFFF0000FFFFull) | ((b & 0x0000FFFF0000FFFFull) << 16);
    r[i + 2] = ((a >> 16) & 0x0000FFFF0000FFFFull) | (b & 0xFFFF0000FFFF0000ull);
  }
  for (size_t i : {0, 2, 4, 6}) {
    const uint64_t a = r[i], b = r[i + 1];
    r[i] = (a & 0x00FF00FF00FF00FFull) | ((b & 0x00FF00FF00FF00FFull) << 8);
    r[i + 1] = ((a >> 8) & 0x00FF00FF00FF00FFull) | (b & 0xFF00FF00FF00FF00ull);
  }
  for (size_t i = 0; i < 8; ++i) std::memcpy(dst + i * dst_stride, &r[i], 8);
}

// dst[c][r] = src[r][c] for src [rows, cols], in 32x32 blocks so both sides stay in cache
// (a plain loop strides through one of them a whole row per element); uint8 blocks go through
// transpose_8x8_u8 where whole 8x8 tiles fit.
template <class T>
void transpose_blocked(const T* src, int64_t rows, int64_t cols, T* dst) {
  constexpr int64_t kBlock = 32;
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    const int64_t r1 = std::min(rows, r0 + kBlock);
    for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
      const int64_t c1 = std::min(cols, c0 + kBlock);
      int64_t r8 = r0, c8 = c0;  // the part done in 8x8 tiles: [r0, r8) x [c0, c8)
      if constexpr (sizeof(T) == 1) {
        r8 = r0 + (r1 - r0) / 8 * 8;
        c8 = c0 + (c1 - c0) / 8 * 8;
        for (int64_t r = r0; r < r8; r += 8)
          for (int64_t c = c0; c < c8; c += 8)
            transpose_8x8_u8(reinterpret_cast<const uint8_t*>(src + r * cols + c),
                             static_cast<size_t>(cols), reinterpret_cast<uint8_t*>(dst + c * rows + r),
                             static_cast<size_t>(rows));
      }
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = (r < r8 ? c8 : c0); c < c1; ++c) dst[c * rows + r] = src[r * cols + c];
    }
  }
}

// rows[p][tap * C + c] = x_hwc[input pixel of (p, tap)][c], or pad outside the input; the
// taps run over the 3 right-aligned spatial slots of the geometry (conv_geometry.h). With
// dilation 1 along the width, the in-bounds taps of one kernel row are adjacent input pixels,
// so they are one contiguous copy of (taps * C) bytes rather than one small copy per tap.
void im2row_channels_last(const uint8_t* x_hwc, int64_t channels, const ConvGeometry& g,
                          uint8_t pad, uint8_t* rows) {
  const auto c = static_cast<size_t>(channels);
  const int64_t kw_n = g.kernel[2];
  uint8_t* dst = rows;
  for (int64_t od = 0; od < g.out_size[0]; ++od)
    for (int64_t oh = 0; oh < g.out_size[1]; ++oh)
      for (int64_t ow = 0; ow < g.out_size[2]; ++ow)
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
              std::memset(dst, pad, c * static_cast<size_t>(lo));
              std::memcpy(dst + c * static_cast<size_t>(lo), row + (iw0 + lo) * channels,
                          c * static_cast<size_t>(hi - lo));
              std::memset(dst + c * static_cast<size_t>(hi), pad, c * static_cast<size_t>(kw_n - hi));
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
    p_ = read_qdq_layer(pattern, g, out_channels_, 0);
    // [O, C/group * taps] row-major, each group's rows contiguous; reordered to [O, taps * C/group].
    const int64_t og = out_channels_ / group_;
    const int64_t taps = static_cast<int64_t>(kernel_numel()), cg = k_ / taps;
    std::vector<int8_t> w_tap_major(static_cast<size_t>(w.numel()));
    for (int64_t o = 0; o < out_channels_; ++o)
      for (int64_t c = 0; c < cg; ++c)
        for (int64_t t = 0; t < taps; ++t)
          w_tap_major[static_cast<size_t>(o * k_ + t * cg + c)] = w.data<int8_t>()[o * k_ + c * taps + t];
    for (int64_t gi = 0; gi < group_; ++gi) {
      const auto first = static_cast<size_t>(gi * og);
      packed_.emplace_back(static_cast<size_t>(og), static_cast<size_t>(k_),
                           w_tap_major.data() + gi * og * k_, p_.bias_q.data() + first,
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

    // Scratch (and y) that every element of is written before it is read: no zero-filling.
    const bool pointwise = geo.is_pointwise();  // rows are the channels-last input itself
    const auto x_hwc = std::make_unique_for_overwrite<uint8_t[]>(static_cast<size_t>(cg * in_pixels));
    const auto rows = std::make_unique_for_overwrite<uint8_t[]>(
        pointwise ? 0 : static_cast<size_t>(k_ * pixels));  // [P, K]
    Tensor y = Tensor::uninitialized(p_.float_out ? DType::kF32 : DType::kU8, out_shape);
    const auto tile_u8 = std::make_unique_for_overwrite<uint8_t[]>(
        p_.float_out ? 0 : static_cast<size_t>(pixels * og));
    const auto tile_f32 = std::make_unique_for_overwrite<float[]>(
        p_.float_out ? static_cast<size_t>(pixels * og) : 0);
    const auto pad = static_cast<uint8_t>(p_.zero_point_x);  // real 0 (eq. 3)
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t gi = 0; gi < group_; ++gi) {
        const uint8_t* xg = x.data<uint8_t>() + (b * channels + gi * cg) * in_pixels;
        transpose_blocked(xg, cg, in_pixels, x_hwc.get());
        if (!pointwise) im2row_channels_last(x_hwc.get(), cg, geo, pad, rows.get());
        const uint8_t* a = pointwise ? x_hwc.get() : rows.get();
        const PackedQGemm& wg = packed_[static_cast<size_t>(gi)];
        if (p_.float_out) {
          run_qgemm_f32(wg, pixels, a, k_, tile_f32.get(), og);
          float* out = y.data<float>() + (b * out_channels_ + gi * og) * pixels;
          transpose_blocked(tile_f32.get(), pixels, og, out);
        } else {
          run_qgemm(wg, pixels, a, k_, tile_u8.get(), og,
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
