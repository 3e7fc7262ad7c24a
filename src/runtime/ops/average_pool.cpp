// AveragePool (FP32), 1 to 3 spatial dimensions: Y[n, c, o] = (sum of the window's taps inside
// X) / count, where count is the number of taps inside X (count_include_pad = 0) or inside X
// and its pads (count_include_pad = 1; a ceil_mode window reaching past the end padding does
// not count the part beyond it, as in PyTorch).
#include "octet/error.h"
#include "runtime/ops/conv_geometry.h"
#include "runtime/ops/conv_ops.h"

namespace octet::runtime {

namespace {
// Taps of one dimension that the divisor counts for the window starting at `start`.
int64_t counted_taps(int64_t start, int64_t dim, const ConvGeometry& g, bool include_pad) {
  int64_t begin, end;
  if (include_pad)  // start >= -pad_begin always: only the end bound can cut taps
    valid_kernel_range(start + g.pad_begin[dim], g.dilation[dim], g.kernel[dim],
                       g.in_size[dim] + g.pad_begin[dim] + g.pad_end[dim], &begin, &end);
  else
    valid_kernel_range(start, g.dilation[dim], g.kernel[dim], g.in_size[dim], &begin, &end);
  return end - begin;
}

// x: `planes` planes [id, ih, iw]; y: `planes` planes [od, oh, ow].
void f32_average_pool_planes(const float* x, int64_t planes, const ConvGeometry& g,
                             bool include_pad, float* y) noexcept {
  const int64_t ih = g.in_size[1], iw = g.in_size[2];
  for (int64_t plane = 0; plane < planes; ++plane) {
    const float* xp = x + plane * g.in_numel();
    for (int64_t pd = 0; pd < g.out_size[0]; ++pd) {
      const int64_t z0 = pd * g.stride[0] - g.pad_begin[0];
      int64_t kz_begin, kz_end;
      valid_kernel_range(z0, g.dilation[0], g.kernel[0], g.in_size[0], &kz_begin, &kz_end);
      const int64_t count_z = counted_taps(z0, 0, g, include_pad);
      for (int64_t ph = 0; ph < g.out_size[1]; ++ph) {
        const int64_t y0 = ph * g.stride[1] - g.pad_begin[1];
        int64_t ky_begin, ky_end;
        valid_kernel_range(y0, g.dilation[1], g.kernel[1], ih, &ky_begin, &ky_end);
        const int64_t count_zy = count_z * counted_taps(y0, 1, g, include_pad);
        for (int64_t pw = 0; pw < g.out_size[2]; ++pw) {
          const int64_t x0 = pw * g.stride[2] - g.pad_begin[2];
          int64_t kx_begin, kx_end;
          valid_kernel_range(x0, g.dilation[2], g.kernel[2], iw, &kx_begin, &kx_end);
          float sum = 0.0f;
          for (int64_t kz = kz_begin; kz < kz_end; ++kz)
            for (int64_t ky = ky_begin; ky < ky_end; ++ky) {
              const float* row =
                  xp + ((z0 + kz * g.dilation[0]) * ih + y0 + ky * g.dilation[1]) * iw;
              for (int64_t kx = kx_begin; kx < kx_end; ++kx) sum += row[x0 + kx * g.dilation[2]];
            }
          const int64_t count = count_zy * counted_taps(x0, 2, g, include_pad);
          // A window entirely in the padding (count 0, only possible without include_pad) is 0.
          *y++ = count > 0 ? sum / static_cast<float>(count) : 0.0f;
        }
      }
    }
  }
}
}  // namespace

std::unique_ptr<Op> make_average_pool(const Node& node, const Graph&) {
  const WindowAttrs window = parse_window_attrs(node);
  const bool include_pad = node.attr_int("count_include_pad", 0) != 0;
  return make_op([node, window, include_pad](std::span<const Tensor* const> in,
                                             std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    expect_dtype(node, x, DType::kF32, "input 0 (X)");
    const ConvGeometry g = resolve_pool_geometry(node, window, x);
    Tensor y(DType::kF32, windowed_output_shape(x.dim(0), x.dim(1), g));
    f32_average_pool_planes(x.data<float>(), x.dim(0) * x.dim(1), g, include_pad, y.data<float>());
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
