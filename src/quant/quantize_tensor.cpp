// Tensor-level quantization: validates once, then runs the reference conversion kernels over
// each contiguous run of one channel (docs/quantization.md eq. 1, 2, 8, 15).
#include "octet/quantize_tensor.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/ref/ref_kernels.h"
#include "octet/error.h"

namespace octet {

namespace {

// A tensor seen as [outer, channels, inner] around the quantization axis: the elements of one
// channel come in `outer` contiguous runs of `inner` values.
struct ChannelLayout {
  int64_t outer = 1;
  int64_t channels = 1;
  int64_t inner = 1;
};

ChannelLayout channel_layout(const Shape& shape, int axis, int64_t numel) {
  ChannelLayout l;
  if (axis < 0) {
    l.inner = numel;
    return l;
  }
  for (int d = 0; d < axis; ++d) l.outer *= shape[static_cast<size_t>(d)];
  l.channels = shape[static_cast<size_t>(axis)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) l.inner *= shape[d];
  return l;
}

// Calls fn(offset, channel) for every contiguous run of `inner` elements.
template <typename Fn>
void for_each_run(const ChannelLayout& l, Fn&& fn) {
  int64_t offset = 0;
  for (int64_t o = 0; o < l.outer; ++o)
    for (int64_t c = 0; c < l.channels; ++c, offset += l.inner) fn(offset, c);
}

}  // namespace

Tensor quantize_tensor(const Tensor& x, const QParams& qp, const std::string& what) {
  if (x.dtype() != DType::kF32)
    fail("{}: cannot quantize a {} tensor, expected float32", what, dtype_name(x.dtype()));
  qp.validate(x.shape(), what);
  const float* px = x.data<float>();
  for (int64_t i = 0; i < x.numel(); ++i)
    if (!std::isfinite(px[i]))
      fail("{}: element {} is {}, expected a finite value", what, i, px[i]);
  Tensor q(qp.dtype, x.shape());
  const ChannelLayout l = channel_layout(x.shape(), qp.axis, x.numel());
  for_each_run(l, [&](int64_t offset, int64_t c) {
    const kernels::CvtParams p{qp.scale[static_cast<size_t>(c)],
                               qp.zero_point[static_cast<size_t>(c)]};
    const size_t n = static_cast<size_t>(l.inner);
    if (qp.dtype == DType::kU8)
      kernels::f32_qu8_vcvt__ref(n, px + offset, q.data<uint8_t>() + offset, p);
    else
      kernels::f32_qs8_vcvt__ref(n, px + offset, q.data<int8_t>() + offset, p);
  });
  return q;
}

Tensor dequantize_tensor(const Tensor& q, const QParams& qp, const std::string& what) {
  if (q.dtype() != qp.dtype)
    fail("{}: cannot dequantize a {} tensor with {} qparams", what, dtype_name(q.dtype()),
         dtype_name(qp.dtype));
  qp.validate(q.shape(), what);
  Tensor x(DType::kF32, q.shape());
  const ChannelLayout l = channel_layout(q.shape(), qp.axis, q.numel());
  for_each_run(l, [&](int64_t offset, int64_t c) {
    const kernels::CvtParams p{qp.scale[static_cast<size_t>(c)],
                               qp.zero_point[static_cast<size_t>(c)]};
    const size_t n = static_cast<size_t>(l.inner);
    if (qp.dtype == DType::kU8)
      kernels::qu8_f32_vcvt__ref(n, q.data<uint8_t>() + offset, x.data<float>() + offset, p);
    else
      kernels::qs8_f32_vcvt__ref(n, q.data<int8_t>() + offset, x.data<float>() + offset, p);
  });
  return x;
}

Tensor quantize_weights(const Tensor& w, const QParams& qp, const std::string& what) {
  if (qp.dtype != DType::kI8)
    fail("{}: weights quantize to int8, got {} qparams", what, dtype_name(qp.dtype));
  if (w.dtype() != DType::kF32)
    fail("{}: cannot quantize a {} tensor, expected float32", what, dtype_name(w.dtype()));
  qp.validate(w.shape(), what);
  // eq. (8): weights are stored as integers, so no runtime QuantizeLinear has to agree with
  // them; octet rounds them as PyTorch does, x * float32(1 / s), which makes its int8 weights
  // identical to PyTorch's. It matters most for symmetric grids: the largest |w| lands on
  // max|w| / s = 127.5 exactly, a tie that a division may round either way.
  const ChannelLayout l = channel_layout(w.shape(), qp.axis, w.numel());
  const float* pw = w.data<float>();
  for (int64_t i = 0; i < w.numel(); ++i)
    if (!std::isfinite(pw[i])) fail("{}: element {} is {}, not finite", what, i, pw[i]);
  Tensor q(DType::kI8, w.shape());
  for_each_run(l, [&](int64_t offset, int64_t c) {
    const float inv_scale = 1.0f / qp.scale[static_cast<size_t>(c)];
    const int32_t zp = qp.zero_point[static_cast<size_t>(c)];
    for (int64_t i = offset; i < offset + l.inner; ++i)
      q.data<int8_t>()[i] = static_cast<int8_t>(
          std::clamp(static_cast<int32_t>(std::nearbyint(pw[i] * inv_scale)) + zp, -128, 127));
  });
  return q;
}

std::vector<float> bias_scales(float scale_in, const std::vector<float>& scales_w) {
  std::vector<float> s(scales_w.size());
  for (size_t n = 0; n < s.size(); ++n) s[n] = scale_in * scales_w[n];  // float32 product
  return s;
}

Tensor quantize_bias(const Tensor& b, float scale_in, const std::vector<float>& scales_w,
                     const std::string& what) {
  if (b.dtype() != DType::kF32 || b.rank() != 1)
    fail("{}: bias must be a float32 vector, got {} {}", what, dtype_name(b.dtype()),
         shape_str(b.shape()));
  const int64_t n_out = b.dim(0);
  if (scales_w.size() != 1 && static_cast<int64_t>(scales_w.size()) != n_out)
    fail("{}: {} weight scales for a bias of {} channels, expected 1 or {}", what, scales_w.size(),
         n_out, n_out);
  const std::vector<float> scales = bias_scales(scale_in, scales_w);
  for (size_t c = 0; c < scales.size(); ++c)
    if (!std::isfinite(scales[c]) || !(scales[c] > 0))
      fail("{}: bias scale[{}] = scale_in {} * scale_w {} = {} must be finite and positive", what,
           c, scale_in, scales_w[c], scales[c]);
  Tensor q(DType::kI32, b.shape());
  const float* pb = b.data<float>();
  int32_t* pq = q.data<int32_t>();
  constexpr double kLo = std::numeric_limits<int32_t>::min();
  constexpr double kHi = std::numeric_limits<int32_t>::max();
  for (int64_t n = 0; n < n_out; ++n) {
    if (!std::isfinite(pb[n]))
      fail("{}: element {} is {}, expected a finite value", what, n, pb[n]);
    const double s = scales[scales.size() == 1 ? 0 : static_cast<size_t>(n)];
    const double r = std::nearbyint(static_cast<double>(pb[n]) / s);  // eq. (15)
    pq[n] = static_cast<int32_t>(r < kLo ? kLo : (r > kHi ? kHi : r));
  }
  return q;
}

}  // namespace octet
