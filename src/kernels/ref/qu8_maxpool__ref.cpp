// Quantized max pool, the reference: per plane, the largest uint8 tap of each 2-D window
// (docs/quantization.md eq. 21). x [planes, in_h, in_w] -> y [planes, out_h, out_w]; input and
// output share their qparams, so no requantization.
#include <algorithm>

#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {

void qu8_maxpool__ref(size_t planes, const Window2d& win, const uint8_t* x, uint8_t* y) noexcept {
  const int64_t in_plane = win.in_h * win.in_w;
  for (size_t p = 0; p < planes; ++p) {
    const uint8_t* xp = x + static_cast<int64_t>(p) * in_plane;
    for (int64_t oh = 0; oh < win.out_h; ++oh) {
      const int64_t h0 = oh * win.stride_h - win.pad_top;
      for (int64_t ow = 0; ow < win.out_w; ++ow) {
        const int64_t w0 = ow * win.stride_w - win.pad_left;
        uint8_t best = 0;  // below every tap: padding (-inf in ONNX) never wins
        for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
          const int64_t ih = h0 + kh * win.dilation_h;
          if (ih < 0 || ih >= win.in_h) continue;
          for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
            const int64_t iw = w0 + kw * win.dilation_w;
            if (iw >= 0 && iw < win.in_w) best = std::max(best, xp[ih * win.in_w + iw]);
          }
        }
        *y++ = best;
      }
    }
  }
}

}  // namespace octet::kernels
