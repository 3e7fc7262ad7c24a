// Conv (FP32), 1 to 3 spatial dimensions:
//   Y[n, m, o] = B[m] + sum_{c < C/group, k} W[m, c, k] * X[n, (m / (M/group)) * C/group + c,
//                                                         o * stride - pad_begin + k * dilation]
// X [N, C, spatial...], W [M, C/group, kernel...], B [M] (optional). Depthwise convolutions
// (one input and one output channel per group) run a direct loop; the others unroll each
// image and group with im2col (im2col.h) into a scratch buffer and multiply it by the group's
// weights with one OpenBLAS sgemm.
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "octet/error.h"
#include "runtime/ops/conv_geometry.h"
#include "runtime/ops/conv_ops.h"
#include "runtime/ops/im2col.h"

namespace octet::runtime {

namespace {
// y[i] += w * x[i * stride] for i in [0, n). The unit-stride case runs in blocks of 8 with a
// fixed trip count, which GCC vectorizes even at -O2 (its "very cheap" cost model does not
// vectorize loops that need a scalar epilogue).
void f32_axpy_row(float* __restrict y, const float* __restrict x, float w, int64_t n,
                  int64_t stride) noexcept {
  int64_t i = 0;
  if (stride == 1)
    for (; i + 8 <= n; i += 8)
      for (int64_t j = 0; j < 8; ++j) y[i + j] += w * x[i + j];
  for (; i < n; ++i) y[i] += w * x[i * stride];
}

// Depthwise: y[ch] = b[ch] + w[ch] (*) x[ch] for each of the `channels` planes of one image.
// Accumulates one output row at a time so the innermost loop runs along contiguous memory.
void f32_dwconv(const float* x, const float* w, const float* bias, int64_t channels,
                const ConvGeometry& g, float* y) noexcept {
  const int64_t ih = g.in_size[1], iw = g.in_size[2];
  const int64_t oh = g.out_size[1], ow = g.out_size[2];
  const int64_t sw = g.stride[2];
  for (int64_t ch = 0; ch < channels; ++ch) {
    const float* xc = x + ch * g.in_numel();
    const float* wc = w + ch * g.kernel_numel();
    float* yc = y + ch * g.out_numel();
    std::fill(yc, yc + g.out_numel(), bias ? bias[ch] : 0.0f);
    for (int64_t pd = 0; pd < g.out_size[0]; ++pd) {
      for (int64_t ph = 0; ph < oh; ++ph) {
        float* y_row = yc + (pd * oh + ph) * ow;
        for (int64_t kz = 0; kz < g.kernel[0]; ++kz) {
          const int64_t z = pd * g.stride[0] - g.pad_begin[0] + kz * g.dilation[0];
          if (z < 0 || z >= g.in_size[0]) continue;
          for (int64_t ky = 0; ky < g.kernel[1]; ++ky) {
            const int64_t iy = ph * g.stride[1] - g.pad_begin[1] + ky * g.dilation[1];
            if (iy < 0 || iy >= ih) continue;
            const float* x_row = xc + (z * ih + iy) * iw;
            const float* w_row = wc + (kz * g.kernel[1] + ky) * g.kernel[2];
            for (int64_t kx = 0; kx < g.kernel[2]; ++kx) {
              const int64_t offset = kx * g.dilation[2] - g.pad_begin[2];
              int64_t begin, end;
              valid_output_range(iw, sw, offset, ow, &begin, &end);
              if (begin < end)
                f32_axpy_row(y_row + begin, x_row + begin * sw + offset, w_row[kx], end - begin,
                             sw);
            }
          }
        }
      }
    }
  }
}

// One image: for each group, col = im2col(x_g) (or x_g itself for a pointwise window), then
// y_g[M/group, P] = w_g[M/group, C/group * K] x col[C/group * K, P] + b_g.
// scratch: [C/group * K, P] floats unless the window is pointwise.
void f32_conv_gemm(const float* x, const float* w, const float* bias, const ConvShape& s,
                   float* scratch, float* y) noexcept {
  const ConvGeometry& g = s.geometry;
  const int64_t c_group = s.channels_in / s.group, m_group = s.channels_out / s.group;
  const int64_t k_rows = c_group * g.kernel_numel(), p = g.out_numel();
  const bool pointwise = g.is_pointwise();
  for (int64_t gi = 0; gi < s.group; ++gi) {
    const float* x_g = x + gi * c_group * g.in_numel();
    const float* col = x_g;
    if (!pointwise) {
      im2col(x_g, c_group, g, 0.0f, scratch);
      col = scratch;
    }
    float* y_g = y + gi * m_group * p;
    float beta = 0.0f;
    if (bias) {
      for (int64_t m = 0; m < m_group; ++m)
        std::fill(y_g + m * p, y_g + (m + 1) * p, bias[gi * m_group + m]);
      beta = 1.0f;
    }
    if (m_group == 0 || p == 0 || k_rows == 0) continue;  // y_g stays the bias (or 0)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m_group),
                static_cast<int>(p), static_cast<int>(k_rows), 1.0f, w + gi * m_group * k_rows,
                static_cast<int>(k_rows), col, static_cast<int>(p), beta, y_g, static_cast<int>(p));
  }
}

// Checks X, W and B against each other and the attributes (front-end: everything the kernels
// assume is established here).
ConvShape check_conv(const Node& node, const WindowAttrs& window, int64_t group, const Tensor& x,
                     const Tensor& w, const Tensor* b) {
  expect_dtype(node, x, DType::kF32, "input 0 (X)");
  expect_dtype(node, w, DType::kF32, "input 1 (W)");
  ConvShape s = check_conv_shape(node, window, group, x, w);
  if (b) {
    expect_dtype(node, *b, DType::kF32, "input 2 (B)");
    if (b->rank() != 1 || b->dim(0) != s.channels_out)
      fail("{}: input 2 has shape {}, expected [{}] (one bias per output channel)", node.describe(),
           shape_str(b->shape()), s.channels_out);
  }
  const int64_t k_rows = s.channels_in / group * s.geometry.kernel_numel();
  if (k_rows > INT32_MAX || s.geometry.out_numel() > INT32_MAX)
    fail("{}: the im2col matrix [{}, {}] exceeds the 2^31 rows or columns sgemm accepts",
         node.describe(), k_rows, s.geometry.out_numel());
  return s;
}
}  // namespace

std::unique_ptr<Op> make_conv(const Node& node, const Graph&) {
  const WindowAttrs window = parse_window_attrs(node);
  const int64_t group = node.attr_int("group", 1);
  if (group < 1) fail("{}: attribute group = {}, expected >= 1", node.describe(), group);
  return make_op([node, window, group](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    const Tensor& w = required_input(node, in, 1);
    const Tensor* b = in.size() > 2 ? in[2] : nullptr;
    const ConvShape s = check_conv(node, window, group, x, w, b);
    const ConvGeometry& g = s.geometry;

    Tensor y(DType::kF32, windowed_output_shape(s.batch, s.channels_out, g));
    const float* bias = b ? b->data<float>() : nullptr;
    const int64_t x_image = s.channels_in * g.in_numel();
    const int64_t y_image = s.channels_out * g.out_numel();
    const bool depthwise = s.channels_in == group && s.channels_out == group;
    std::vector<float> scratch;
    if (!depthwise && !g.is_pointwise())
      scratch.resize(static_cast<size_t>(s.channels_in / group * g.kernel_numel() * g.out_numel()));
    for (int64_t n = 0; n < s.batch; ++n) {
      const float* x_n = x.data<float>() + n * x_image;
      float* y_n = y.data<float>() + n * y_image;
      if (depthwise)
        f32_dwconv(x_n, w.data<float>(), bias, s.channels_out, g, y_n);
      else
        f32_conv_gemm(x_n, w.data<float>(), bias, s, scratch.data(), y_n);
    }
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
