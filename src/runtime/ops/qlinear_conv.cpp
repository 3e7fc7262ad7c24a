// QLinearConv (ONNX opset 10): y = saturate(round_half_even((acc + B[m]) * x_scale * w_scale[m]
// / y_scale) + y_zero_point), acc the ConvInteger of x and w with their zero points, B the
// optional int32 bias [M] at scale x_scale * w_scale[m]. x, w and y are uint8 or int8 (each the
// type of its zero point); x's and y's scales and zero points are per tensor, w's per tensor or
// per output channel. Requantized in float32 as ONNX Runtime does (requantize_f32 in
// integer_ops.h).
#include <cmath>

#include "octet/error.h"
#include "octet/qparams.h"
#include "runtime/ops/integer_ops.h"

namespace octet::runtime {

namespace {
// w_scale: one value or [M] (one per output channel), expanded to [M].
std::vector<float> read_weight_scales(const Node& node, const Tensor& scale, int64_t channels) {
  std::vector<float> values(static_cast<size_t>(channels));
  if (scale.numel() == 1) {
    std::fill(values.begin(), values.end(), scale_value(node, scale, 0, "w_scale"));
  } else if (scale.rank() == 1 && scale.dim(0) == channels) {
    for (int64_t m = 0; m < channels; ++m)
      values[static_cast<size_t>(m)] = scale_value(node, scale, m, "w_scale");
  } else {
    fail("{}: w_scale has shape {}, expected one value or [{}] (one per output channel)",
         node.describe(), shape_str(scale.shape()), channels);
  }
  return values;
}
}  // namespace

std::unique_ptr<Op> make_qlinear_conv(const Node& node, const Graph&) {
  const WindowAttrs window = parse_window_attrs(node);
  const int64_t group = node.attr_int("group", 1);
  if (group < 1) fail("{}: attribute group = {}, expected >= 1", node.describe(), group);
  return make_op([node, window, group](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    const Tensor& w = required_input(node, in, 3);
    const IntegerConvShape s = integer_conv_shape(node, window, group, x, w);
    const ConvZeroPoints zp = read_conv_zero_points(node, s, x, &required_input(node, in, 2), w,
                                                    &required_input(node, in, 5));
    const float scale_x = scalar_scale(node, required_input(node, in, 1), "x_scale");
    const std::vector<float> scale_w =
        read_weight_scales(node, required_input(node, in, 4), s.channels_out);
    const float scale_y = scalar_scale(node, required_input(node, in, 6), "y_scale");
    const Tensor& y_zp = required_input(node, in, 7);
    expect_8bit(node, y_zp, "y_zero_point");
    const DType dtype_y = y_zp.dtype();
    const int32_t zero_point_y = scalar_zero_point(node, y_zp, dtype_y, "y_zero_point");
    const Tensor* bias = in.size() > 8 ? in[8] : nullptr;
    if (bias) {
      expect_dtype(node, *bias, DType::kI32, "input 8 (B)");
      if (bias->rank() != 1 || bias->dim(0) != s.channels_out)
        fail("{}: B has shape {}, expected [{}] (one bias per output channel)", node.describe(),
             shape_str(bias->shape()), s.channels_out);
    }
    std::vector<float> multiplier(scale_w.size());
    for (size_t m = 0; m < multiplier.size(); ++m) {
      multiplier[m] = qlinear_multiplier(scale_x, scale_w[m], scale_y);
      if (!std::isfinite(multiplier[m]))
        fail("{}: x_scale * w_scale / y_scale = {} * {} / {} overflows float32", node.describe(),
             scale_x, scale_w[m], scale_y);
    }

    const Shape out_shape = windowed_output_shape(s.batch, s.channels_out, s.geometry);
    std::vector<int32_t> acc(static_cast<size_t>(shape_numel(out_shape)));
    conv_integer_acc(s, x, w, zp, acc.data());
    Tensor y(dtype_y, out_shape);
    const int32_t qmin = dtype_qmin(dtype_y), qmax = dtype_qmax(dtype_y);
    uint8_t* y_u8 = dtype_y == DType::kU8 ? y.data<uint8_t>() : nullptr;
    int8_t* y_s8 = dtype_y == DType::kI8 ? y.data<int8_t>() : nullptr;
    const int64_t p = s.geometry.out_numel();
    for (int64_t n = 0; n < s.batch; ++n) {
      for (int64_t m = 0; m < s.channels_out; ++m) {
        // The bias is added in int32 and wraps like the accumulation.
        const uint32_t b = bias ? static_cast<uint32_t>(bias->data<int32_t>()[m]) : 0u;
        const float mult = multiplier[static_cast<size_t>(m)];
        const int64_t base = (n * s.channels_out + m) * p;
        for (int64_t i = base; i < base + p; ++i) {
          const auto v = static_cast<int32_t>(static_cast<uint32_t>(acc[i]) + b);
          const int32_t q = requantize_f32(v, mult, zero_point_y, qmin, qmax);
          if (y_u8)
            y_u8[i] = static_cast<uint8_t>(q);
          else
            y_s8[i] = static_cast<int8_t>(q);
        }
      }
    }
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
