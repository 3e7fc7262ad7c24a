// The sliding-window geometry shared by Conv, the pools and the integer convolutions: the
// kernel_shape / strides / pads / dilations / auto_pad / ceil_mode attributes, and the output
// size and padding they give over one input.
//
// Up to 3 spatial dimensions are supported. They are held right-aligned in 3 slots, a 1-D
// window as [1, 1, W] and a 2-D one as [1, H, W], the unused slots of size 1 with kernel 1,
// stride 1, dilation 1 and no padding, so one 3-D loop nest serves 1-D, 2-D and 3-D.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "octet/graph.h"

namespace octet::runtime {

inline constexpr int kMaxSpatialRank = 3;

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// The window attributes of a node as written; an empty list means the ONNX default.
struct WindowAttrs {
  std::vector<int64_t> kernel_shape;  // empty: taken from W (Conv only)
  std::vector<int64_t> strides;       // empty: all 1
  std::vector<int64_t> pads;          // [x1_begin, x2_begin, ..., x1_end, x2_end, ...]; empty: 0
  std::vector<int64_t> dilations;     // empty: all 1
  AutoPad auto_pad = AutoPad::kNotSet;
  bool ceil_mode = false;
};

// Reads the window attributes of `node`. Throws octet::Error naming the node on an unknown
// auto_pad value, a kernel size, stride or dilation below 1, or a negative pad.
WindowAttrs parse_window_attrs(const Node& node);

// The geometry of a window over one image (3 right-aligned slots, see the top of the file).
// Window o of dimension i covers the input indices o * stride - pad_begin + k * dilation,
// k in [0, kernel); those outside [0, in_size) are padding.
struct ConvGeometry {
  int spatial_rank = 0;
  int64_t in_size[kMaxSpatialRank] = {1, 1, 1};
  int64_t out_size[kMaxSpatialRank] = {1, 1, 1};
  int64_t kernel[kMaxSpatialRank] = {1, 1, 1};
  int64_t stride[kMaxSpatialRank] = {1, 1, 1};
  int64_t dilation[kMaxSpatialRank] = {1, 1, 1};
  int64_t pad_begin[kMaxSpatialRank] = {0, 0, 0};
  // Padding after the input; with ceil_mode the last window may reach past it.
  int64_t pad_end[kMaxSpatialRank] = {0, 0, 0};

  int64_t in_numel() const { return in_size[0] * in_size[1] * in_size[2]; }
  int64_t out_numel() const { return out_size[0] * out_size[1] * out_size[2]; }
  int64_t kernel_numel() const { return kernel[0] * kernel[1] * kernel[2]; }
  // True when the window is a 1x1 kernel with stride 1 and no padding: output == input.
  bool is_pointwise() const;
};

// The geometry of a window of spatial size `kernel` over an input whose spatial dimensions
// are `in_spatial` (rank 1 to 3). Output sizes follow ONNX (auto_pad SAME_*: ceil(in /
// stride), the extra padding at the end for SAME_UPPER, at the beginning for SAME_LOWER;
// VALID: no padding) and, with ceil_mode, PyTorch's rule that the last window must start
// inside the input or its begin padding. Throws octet::Error naming the node when the rank is
// not 1 to 3, an attribute list does not have one entry per spatial dimension (two for pads),
// or an output dimension would be empty.
ConvGeometry resolve_geometry(const Node& node, const WindowAttrs& attrs,
                              std::span<const int64_t> in_spatial, std::span<const int64_t> kernel);

// The geometry of a pooling window over X [N, C, spatial...]: kernel_shape is required and
// has one entry per spatial dimension. Throws octet::Error naming the node otherwise, or as
// resolve_geometry.
ConvGeometry resolve_pool_geometry(const Node& node, const WindowAttrs& attrs, const Tensor& x);

// The checked sizes of one convolution: X [N, C, spatial...], W [M, C/group, kernel...].
struct ConvShape {
  int64_t batch = 0, channels_in = 0, channels_out = 0, group = 1;
  ConvGeometry geometry;
};

// Checks the ranks of X (input 0) and W (input 1), the group split of their channels and the
// kernel_shape attribute against W, and resolves the geometry; element types are the caller's
// to check (float for Conv, 8-bit for the integer convolutions). Shared by Conv, ConvInteger,
// QLinearConv. Throws octet::Error naming the node.
ConvShape check_conv_shape(const Node& node, const WindowAttrs& window, int64_t group,
                           const Tensor& x, const Tensor& w);

// [batch, channels, out spatial...]: the shape of a windowed op's output.
Shape windowed_output_shape(int64_t batch, int64_t channels, const ConvGeometry& geometry);

// The output indices o in [0, out_size) whose input index o * stride + offset falls in
// [0, in_size), as the half-open range [*begin, *end) (empty when *begin == *end).
inline void valid_output_range(int64_t in_size, int64_t stride, int64_t offset, int64_t out_size,
                               int64_t* begin, int64_t* end) {
  // o * stride + offset >= 0  <=>  o >= ceil(-offset / stride)
  const int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  // o * stride + offset <= in_size - 1  <=>  o <= floor((in_size - 1 - offset) / stride)
  const int64_t hi = offset > in_size - 1 ? 0 : (in_size - 1 - offset) / stride + 1;
  *begin = std::min(lo, out_size);
  *end = std::max(*begin, std::min(hi, out_size));
}

// The kernel taps k in [0, kernel) whose input index start + k * dilation falls in
// [0, limit), as the half-open range [*begin, *end) (empty when *begin == *end).
inline void valid_kernel_range(int64_t start, int64_t dilation, int64_t kernel, int64_t limit,
                               int64_t* begin, int64_t* end) {
  const int64_t lo = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
  const int64_t hi = start >= limit ? 0 : (limit - start + dilation - 1) / dilation;
  *begin = std::min(lo, kernel);
  *end = std::max(*begin, std::min(hi, kernel));
}

}  // namespace octet::runtime
