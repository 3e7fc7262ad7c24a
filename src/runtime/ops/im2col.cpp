// im2col over up to 3 spatial dimensions (layout in im2col.h).
#include "runtime/ops/im2col.h"

#include <algorithm>

namespace octet::runtime {

template <typename T>
void im2col(const T* x, int64_t channels, const ConvGeometry& g, T pad_value, T* out) noexcept {
  const int64_t id = g.in_size[0], ih = g.in_size[1], iw = g.in_size[2];
  const int64_t od = g.out_size[0], oh = g.out_size[1], ow = g.out_size[2];
  const int64_t plane = oh * ow;
  for (int64_t c = 0; c < channels; ++c) {
    const T* xc = x + c * id * ih * iw;
    for (int64_t kz = 0; kz < g.kernel[0]; ++kz) {
      for (int64_t ky = 0; ky < g.kernel[1]; ++ky) {
        for (int64_t kx = 0; kx < g.kernel[2]; ++kx) {
          // Along w, input index = pw * sw + offset_w; [w_begin, w_end) of pw are inside.
          const int64_t offset_w = kx * g.dilation[2] - g.pad_begin[2];
          int64_t w_begin, w_end;
          valid_output_range(iw, g.stride[2], offset_w, ow, &w_begin, &w_end);
          for (int64_t pd = 0; pd < od; ++pd) {
            const int64_t z = pd * g.stride[0] - g.pad_begin[0] + kz * g.dilation[0];
            for (int64_t ph = 0; ph < oh; ++ph) {
              T* dst = out + pd * plane + ph * ow;
              const int64_t y = ph * g.stride[1] - g.pad_begin[1] + ky * g.dilation[1];
              if (z < 0 || z >= id || y < 0 || y >= ih) {
                std::fill(dst, dst + ow, pad_value);
                continue;
              }
              const T* row = xc + (z * ih + y) * iw;
              std::fill(dst, dst + w_begin, pad_value);
              if (w_begin < w_end && g.stride[2] == 1) {
                std::copy(row + w_begin + offset_w, row + w_end + offset_w, dst + w_begin);
              } else {
                for (int64_t pw = w_begin; pw < w_end; ++pw)
                  dst[pw] = row[pw * g.stride[2] + offset_w];
              }
              std::fill(dst + w_end, dst + ow, pad_value);
            }
          }
          out += od * plane;  // next row
        }
      }
    }
  }
}

template void im2col<float>(const float*, int64_t, const ConvGeometry&, float, float*) noexcept;
template void im2col<uint8_t>(const uint8_t*, int64_t, const ConvGeometry&, uint8_t,
                              uint8_t*) noexcept;
template void im2col<int8_t>(const int8_t*, int64_t, const ConvGeometry&, int8_t, int8_t*) noexcept;

}  // namespace octet::runtime
