// ConvInteger (ONNX opset 10), 1 to 3 spatial dimensions, int32 output:
//   Y[n, m, o] = sum_{c < C/group, k} (X[n, g * C/group + c, o * stride - pad_begin + k * dilation]
//                                      - x_zero_point) * (W[m, c, k] - w_zero_point[m])
// X [N, C, spatial...] uint8 or int8, W [M, C/group, kernel...] uint8 or int8, zero points
// optional (default 0): x's per tensor, w's per tensor or per output channel. Padding holds the
// real value 0 (x_zero_point) and so adds nothing. Each image and group is unrolled with im2col
// (im2col.h), centered to int16 and multiplied by the group's centered weights; the integer
// core of QLinearConv as well (integer_ops.h).
#include <algorithm>

#include "octet/error.h"
#include "runtime/ops/im2col.h"
#include "runtime/ops/integer_ops.h"

namespace octet::runtime {

namespace {
// acc[n, m, :] for one image, T the type of X (see conv_integer_acc).
template <typename T>
void conv_integer_image(const IntegerConvShape& s, const T* x, const int16_t* w_centered,
                        int32_t zero_point_x, std::vector<T>& col_scratch,
                        std::vector<int16_t>& col_centered, std::vector<uint32_t>& row,
                        int32_t* acc) {
  const ConvGeometry& g = s.geometry;
  const int64_t c_group = s.channels_in / s.group, m_group = s.channels_out / s.group;
  const int64_t k_rows = c_group * g.kernel_numel(), p = g.out_numel();
  const bool pointwise = g.is_pointwise();  // then im2col(x_g) is x_g itself
  for (int64_t gi = 0; gi < s.group; ++gi) {
    const T* x_g = x + gi * c_group * g.in_numel();
    const T* col = x_g;
    if (!pointwise) {
      im2col(x_g, c_group, g, static_cast<T>(zero_point_x), col_scratch.data());
      col = col_scratch.data();
    }
    for (int64_t e = 0; e < k_rows * p; ++e)  // in [-255, 255]: exact in int16
      col_centered[static_cast<size_t>(e)] = static_cast<int16_t>(col[e] - zero_point_x);
    for (int64_t mm = 0; mm < m_group; ++mm) {
      const int64_t m = gi * m_group + mm;
      const int16_t* w_row = w_centered + m * k_rows;
      std::fill(row.begin(), row.end(), 0u);
      for (int64_t kr = 0; kr < k_rows; ++kr) {
        const int32_t wv = w_row[kr];
        if (wv == 0) continue;
        const int16_t* c_row = col_centered.data() + kr * p;
        // |wv * c| <= 255^2: exact in int32; the uint32 sum wraps as ONNX allows.
        for (int64_t i = 0; i < p; ++i) row[i] += static_cast<uint32_t>(wv * c_row[i]);
      }
      int32_t* acc_m = acc + m * p;
      for (int64_t i = 0; i < p; ++i) acc_m[i] = static_cast<int32_t>(row[i]);
    }
  }
}

template <typename T>
void conv_integer_typed(const IntegerConvShape& s, const T* x, const int16_t* w_centered,
                        int32_t zero_point_x, int32_t* acc) {
  const ConvGeometry& g = s.geometry;
  const int64_t k_rows = s.channels_in / s.group * g.kernel_numel(), p = g.out_numel();
  std::vector<T> col_scratch(g.is_pointwise() ? 0 : static_cast<size_t>(k_rows * p));
  std::vector<int16_t> col_centered(static_cast<size_t>(k_rows * p));
  std::vector<uint32_t> row(static_cast<size_t>(p));
  for (int64_t n = 0; n < s.batch; ++n)
    conv_integer_image(s, x + n * s.channels_in * g.in_numel(), w_centered, zero_point_x,
                       col_scratch, col_centered, row, acc + n * s.channels_out * p);
}

template <typename T>
std::vector<int16_t> center_weights(const T* w, int64_t per_channel,
                                    const std::vector<int32_t>& zero_point) {
  std::vector<int16_t> out(zero_point.size() * static_cast<size_t>(per_channel));
  for (size_t m = 0; m < zero_point.size(); ++m)
    for (int64_t i = 0; i < per_channel; ++i) {
      const size_t e = m * static_cast<size_t>(per_channel) + static_cast<size_t>(i);
      out[e] = static_cast<int16_t>(w[e] - zero_point[m]);
    }
  return out;
}
}  // namespace

IntegerConvShape integer_conv_shape(const Node& node, const WindowAttrs& window, int64_t group,
                                    const Tensor& x, const Tensor& w) {
  expect_8bit(node, x, "input x");
  expect_8bit(node, w, "input w");
  return check_conv_shape(node, window, group, x, w);
}

ConvZeroPoints read_conv_zero_points(const Node& node, const IntegerConvShape& shape,
                                     const Tensor& x, const Tensor* x_zero_point, const Tensor& w,
                                     const Tensor* w_zero_point) {
  ConvZeroPoints zp;
  if (x_zero_point) zp.x = scalar_zero_point(node, *x_zero_point, x.dtype(), "x_zero_point");
  zp.w.assign(static_cast<size_t>(shape.channels_out), 0);
  if (!w_zero_point) return zp;
  if (w_zero_point->numel() == 1) {
    std::fill(zp.w.begin(), zp.w.end(),
              zero_point_value(node, *w_zero_point, 0, w.dtype(), "w_zero_point"));
  } else if (w_zero_point->rank() == 1 && w_zero_point->dim(0) == shape.channels_out) {
    for (int64_t m = 0; m < shape.channels_out; ++m)
      zp.w[static_cast<size_t>(m)] =
          zero_point_value(node, *w_zero_point, m, w.dtype(), "w_zero_point");
  } else {
    fail("{}: w_zero_point has shape {}, expected one value or [{}] (one per output channel)",
         node.describe(), shape_str(w_zero_point->shape()), shape.channels_out);
  }
  return zp;
}

void conv_integer_acc(const IntegerConvShape& shape, const Tensor& x, const Tensor& w,
                      const ConvZeroPoints& zero_points, int32_t* acc) {
  const int64_t per_channel = shape.channels_in / shape.group * shape.geometry.kernel_numel();
  const std::vector<int16_t> w_centered =
      w.dtype() == DType::kU8 ? center_weights(w.data<uint8_t>(), per_channel, zero_points.w)
                              : center_weights(w.data<int8_t>(), per_channel, zero_points.w);
  if (x.dtype() == DType::kU8)
    conv_integer_typed(shape, x.data<uint8_t>(), w_centered.data(), zero_points.x, acc);
  else
    conv_integer_typed(shape, x.data<int8_t>(), w_centered.data(), zero_points.x, acc);
}

std::unique_ptr<Op> make_conv_integer(const Node& node, const Graph&) {
  const WindowAttrs window = parse_window_attrs(node);
  const int64_t group = node.attr_int("group", 1);
  if (group < 1) fail("{}: attribute group = {}, expected >= 1", node.describe(), group);
  return make_op([node, window, group](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    const Tensor& w = required_input(node, in, 1);
    const IntegerConvShape s = integer_conv_shape(node, window, group, x, w);
    const ConvZeroPoints zp = read_conv_zero_points(node, s, x, in.size() > 2 ? in[2] : nullptr, w,
                                                    in.size() > 3 ? in[3] : nullptr);
    Tensor y(DType::kI32, windowed_output_shape(s.batch, s.channels_out, s.geometry));
    conv_integer_acc(s, x, w, zp, y.data<int32_t>());
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
