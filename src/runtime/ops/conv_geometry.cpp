// Window attributes and output geometry of Conv and the pools (see conv_geometry.h).
#include "runtime/ops/conv_geometry.h"

#include <string>
#include <variant>

#include "octet/error.h"

namespace octet::runtime {

namespace {
AutoPad parse_auto_pad(const Node& node) {
  auto it = node.attrs.find("auto_pad");
  if (it == node.attrs.end()) return AutoPad::kNotSet;
  const auto* text = std::get_if<std::string>(&it->second);
  if (!text) fail("{}: attribute 'auto_pad' must be a string", node.describe());
  if (*text == "NOTSET" || text->empty()) return AutoPad::kNotSet;
  if (*text == "SAME_UPPER") return AutoPad::kSameUpper;
  if (*text == "SAME_LOWER") return AutoPad::kSameLower;
  if (*text == "VALID") return AutoPad::kValid;
  fail("{}: auto_pad '{}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", node.describe(),
       *text);
}

void expect_at_least(const Node& node, const char* key, const std::vector<int64_t>& values,
                     int64_t minimum) {
  for (int64_t v : values)
    if (v < minimum)
      fail("{}: attribute '{}' = {} has a value {}, expected >= {}", node.describe(), key,
           shape_str(values), v, minimum);
}

void expect_length(const Node& node, const char* key, const std::vector<int64_t>& values,
                   size_t want, size_t rank) {
  if (!values.empty() && values.size() != want)
    fail("{}: attribute '{}' = {} has {} values, expected {} for {} spatial dimensions",
         node.describe(), key, shape_str(values), values.size(), want, rank);
}

int64_t ceil_div(int64_t a, int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}
}  // namespace

WindowAttrs parse_window_attrs(const Node& node) {
  WindowAttrs attrs;
  attrs.kernel_shape = node.attr_ints("kernel_shape");
  attrs.strides = node.attr_ints("strides");
  attrs.pads = node.attr_ints("pads");
  attrs.dilations = node.attr_ints("dilations");
  attrs.auto_pad = parse_auto_pad(node);
  attrs.ceil_mode = node.attr_int("ceil_mode", 0) != 0;
  expect_at_least(node, "kernel_shape", attrs.kernel_shape, 1);
  expect_at_least(node, "strides", attrs.strides, 1);
  expect_at_least(node, "pads", attrs.pads, 0);
  expect_at_least(node, "dilations", attrs.dilations, 1);
  return attrs;
}

bool ConvGeometry::is_pointwise() const {
  for (int i = 0; i < kMaxSpatialRank; ++i)
    if (kernel[i] != 1 || stride[i] != 1 || pad_begin[i] != 0 || pad_end[i] != 0) return false;
  return true;
}

ConvGeometry resolve_geometry(const Node& node, const WindowAttrs& attrs,
                              std::span<const int64_t> in_spatial,
                              std::span<const int64_t> kernel) {
  const size_t rank = in_spatial.size();
  if (rank < 1 || rank > static_cast<size_t>(kMaxSpatialRank))
    fail("{}: the input has {} spatial dimensions; not supported, octet runs 1 to {}",
         node.describe(), rank, kMaxSpatialRank);
  OCTET_CHECK(kernel.size() == rank, "kernel rank {} vs input rank {}", kernel.size(), rank);
  expect_length(node, "strides", attrs.strides, rank, rank);
  expect_length(node, "dilations", attrs.dilations, rank, rank);
  if (attrs.auto_pad == AutoPad::kNotSet) expect_length(node, "pads", attrs.pads, 2 * rank, rank);

  ConvGeometry g;
  g.spatial_rank = static_cast<int>(rank);
  const size_t first = kMaxSpatialRank - rank;  // slot of spatial dimension 0
  for (size_t i = 0; i < rank; ++i) {
    const size_t s = first + i;
    const int64_t in = in_spatial[i];
    const int64_t stride = attrs.strides.empty() ? 1 : attrs.strides[i];
    const int64_t dilation = attrs.dilations.empty() ? 1 : attrs.dilations[i];
    const int64_t extent = (kernel[i] - 1) * dilation + 1;  // input span of one window
    int64_t pad_begin = 0, pad_end = 0, out = 0;
    switch (attrs.auto_pad) {
      case AutoPad::kNotSet: {
        pad_begin = attrs.pads.empty() ? 0 : attrs.pads[i];
        pad_end = attrs.pads.empty() ? 0 : attrs.pads[rank + i];
        const int64_t span = in + pad_begin + pad_end - extent;
        if (span < 0) break;  // out stays 0: reported below
        out = (attrs.ceil_mode ? ceil_div(span, stride) : span / stride) + 1;
        // PyTorch (and ONNX since opset 19): a window may not start in the end padding.
        if (attrs.ceil_mode && (out - 1) * stride >= in + pad_begin) --out;
        break;
      }
      case AutoPad::kSameUpper:
      case AutoPad::kSameLower: {
        out = ceil_div(in, stride);
        const int64_t total = std::max<int64_t>(0, (out - 1) * stride + extent - in);
        pad_begin = attrs.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
        pad_end = total - pad_begin;
        break;
      }
      case AutoPad::kValid:
        out = in < extent ? 0 : (in - extent) / stride + 1;
        break;
    }
    if (out < 1)
      fail(
          "{}: spatial dimension {} of size {} (pads {}, {}) is smaller than the window of "
          "{} (kernel {}, dilation {}): the output would be empty",
          node.describe(), i, in, pad_begin, pad_end, extent, kernel[i], dilation);
    g.in_size[s] = in;
    g.out_size[s] = out;
    g.kernel[s] = kernel[i];
    g.stride[s] = stride;
    g.dilation[s] = dilation;
    g.pad_begin[s] = pad_begin;
    g.pad_end[s] = pad_end;
  }
  return g;
}

ConvGeometry resolve_pool_geometry(const Node& node, const WindowAttrs& attrs, const Tensor& x) {
  if (x.rank() < 3)
    fail("{}: input 0 has shape {}, expected [N, C, spatial...] of rank 3 to 5", node.describe(),
         shape_str(x.shape()));
  const std::vector<int64_t> in_spatial(x.shape().begin() + 2, x.shape().end());
  if (attrs.kernel_shape.size() != in_spatial.size())
    fail("{}: attribute kernel_shape = {} needs one size per spatial dimension of input 0 {}",
         node.describe(), shape_str(attrs.kernel_shape), shape_str(x.shape()));
  return resolve_geometry(node, attrs, in_spatial, attrs.kernel_shape);
}

Shape windowed_output_shape(int64_t batch, int64_t channels, const ConvGeometry& geometry) {
  Shape shape = {batch, channels};
  for (int i = kMaxSpatialRank - geometry.spatial_rank; i < kMaxSpatialRank; ++i)
    shape.push_back(geometry.out_size[i]);
  return shape;
}

ConvShape check_conv_shape(const Node& node, const WindowAttrs& window, int64_t group,
                           const Tensor& x, const Tensor& w) {
  if (x.rank() < 3)
    fail("{}: input 0 has shape {}, expected [N, C, spatial...] of rank 3 to 5", node.describe(),
         shape_str(x.shape()));
  if (w.rank() != x.rank())
    fail("{}: input 1 has shape {} of rank {}, input 0 {} of rank {}", node.describe(),
         shape_str(w.shape()), w.rank(), shape_str(x.shape()), x.rank());
  ConvShape s;
  s.batch = x.dim(0);
  s.channels_in = x.dim(1);
  s.channels_out = w.dim(0);
  s.group = group;
  if (s.channels_in % group != 0)
    fail("{}: input 0 has {} channels, not a multiple of group {}", node.describe(), s.channels_in,
         group);
  if (w.dim(1) != s.channels_in / group)
    fail("{}: input 1 has {} channels per group, input 0 has {}", node.describe(), w.dim(1),
         s.channels_in / group);
  if (s.channels_out % group != 0)
    fail("{}: input 1 has {} output channels, not a multiple of group {}", node.describe(),
         s.channels_out, group);
  const std::vector<int64_t> kernel(w.shape().begin() + 2, w.shape().end());
  if (!window.kernel_shape.empty() && window.kernel_shape != kernel)
    fail("{}: attribute kernel_shape {} differs from the kernel {} of input 1 {}", node.describe(),
         shape_str(window.kernel_shape), shape_str(kernel), shape_str(w.shape()));
  const std::vector<int64_t> in_spatial(x.shape().begin() + 2, x.shape().end());
  s.geometry = resolve_geometry(node, window, in_spatial, kernel);
  return s;
}

}  // namespace octet::runtime
