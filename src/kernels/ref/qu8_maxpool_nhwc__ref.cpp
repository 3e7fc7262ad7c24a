// Quantized max pool over channels-last images, the reference (docs/quantization.md eq. 21):
// the same windows and result as qu8_maxpool__ref, the max taken for all channels of a pixel at
// once. x [images, in_h, in_w, C] -> y [images, out_h, out_w, C].
#include <algorithm>
#include <cstring>

#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {

void qu8_maxpool_nhwc__ref(size_t images, size_t channels, const Window2d& win, const uint8_t* x,
                           uint8_t* y) noexcept {
  const auto c = static_cast<int64_t>(channels);
  for (size_t n = 0; n < images; ++n) {
    const uint8_t* xn = x + static_cast<int64_t>(n) * win.in_h * win.in_w * c;
    for (int64_t oh = 0; oh < win.out_h; ++oh) {
      const int64_t h0 = oh * win.stride_h - win.pad_top;
      for (int64_t ow = 0; ow < win.out_w; ++ow, y += c) {
        const int64_t w0 = ow * win.stride_w - win.pad_left;
        std::memset(y, 0, channels);  // below every tap: padding (-inf in ONNX) never wins
        for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
          const int64_t ih = h0 + kh * win.dilation_h;
          if (ih < 0 || ih >= win.in_h) continue;
          for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
            const int64_t iw = w0 + kw * win.dilation_w;
            if (iw < 0 || iw >= win.in_w) continue;
            const uint8_t* tap = xn + (ih * win.in_w + iw) * c;
            for (int64_t i = 0; i < c; ++i) y[i] = std::max(y[i], tap[i]);
          }
        }
      }
    }
  }
}

}  // namespace octet::kernels
