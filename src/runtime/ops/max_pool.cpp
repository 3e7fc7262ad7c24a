// MaxPool, 1 to 3 spatial dimensions: Y[n, c, o] = max over the window's taps inside X (padding
// never wins). float, uint8 and int8; the optional Indices output is not supported.
#include <cmath>
#include <limits>

#include "octet/error.h"
#include "runtime/ops/conv_geometry.h"
#include "runtime/ops/conv_ops.h"

namespace octet::runtime {

namespace {
// x: `planes` planes [id, ih, iw]; y: `planes` planes [od, oh, ow].
template <typename T>
void max_pool_planes(const T* x, int64_t planes, const ConvGeometry& g, T* y) noexcept {
  const int64_t ih = g.in_size[1], iw = g.in_size[2];
  const T lowest = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                        : std::numeric_limits<T>::lowest();
  for (int64_t plane = 0; plane < planes; ++plane) {
    const T* xp = x + plane * g.in_numel();
    for (int64_t pd = 0; pd < g.out_size[0]; ++pd) {
      const int64_t z0 = pd * g.stride[0] - g.pad_begin[0];
      int64_t kz_begin, kz_end;
      valid_kernel_range(z0, g.dilation[0], g.kernel[0], g.in_size[0], &kz_begin, &kz_end);
      for (int64_t ph = 0; ph < g.out_size[1]; ++ph) {
        const int64_t y0 = ph * g.stride[1] - g.pad_begin[1];
        int64_t ky_begin, ky_end;
        valid_kernel_range(y0, g.dilation[1], g.kernel[1], ih, &ky_begin, &ky_end);
        for (int64_t pw = 0; pw < g.out_size[2]; ++pw) {
          const int64_t x0 = pw * g.stride[2] - g.pad_begin[2];
          int64_t kx_begin, kx_end;
          valid_kernel_range(x0, g.dilation[2], g.kernel[2], iw, &kx_begin, &kx_end);
          T best = lowest;
          for (int64_t kz = kz_begin; kz < kz_end; ++kz)
            for (int64_t ky = ky_begin; ky < ky_end; ++ky) {
              const T* row = xp + ((z0 + kz * g.dilation[0]) * ih + y0 + ky * g.dilation[1]) * iw;
              for (int64_t kx = kx_begin; kx < kx_end; ++kx) {
                const T v = row[x0 + kx * g.dilation[2]];
                if constexpr (std::numeric_limits<T>::has_quiet_NaN) {
                  if (v > best || std::isnan(v)) best = v;  // NaN wins, as in PyTorch
                } else if (v > best) {
                  best = v;
                }
              }
            }
          *y++ = best;
        }
      }
    }
  }
}

template <typename T>
void run_max_pool(const Tensor& x, const ConvGeometry& g, Tensor& y) {
  max_pool_planes(x.data<T>(), x.dim(0) * x.dim(1), g, y.data<T>());
}
}  // namespace

std::unique_ptr<Op> make_max_pool(const Node& node, const Graph&) {
  const WindowAttrs window = parse_window_attrs(node);
  if (node.outputs.size() > 1 && !node.outputs[1].empty())
    fail("{}: output 1 (Indices, '{}') is requested; it is not supported (octet computes Y only)",
         node.describe(), node.outputs[1]);
  return make_op([node, window](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& x = required_input(node, in, 0);
    const ConvGeometry g = resolve_pool_geometry(node, window, x);
    Tensor y(x.dtype(), windowed_output_shape(x.dim(0), x.dim(1), g));
    switch (x.dtype()) {
      case DType::kF32:
        run_max_pool<float>(x, g, y);
        break;
      case DType::kU8:
        run_max_pool<uint8_t>(x, g, y);
        break;
      case DType::kI8:
        run_max_pool<int8_t>(x, g, y);
        break;
      default:
        fail("{}: input 0 is {}, expected float32, uint8 or int8", node.describe(),
             dtype_name(x.dtype()));
    }
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
