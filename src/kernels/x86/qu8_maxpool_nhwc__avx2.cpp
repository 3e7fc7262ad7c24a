// Quantized max pool over channels-last images, AVX2 (eq. 21), bit-exact with
// qu8_maxpool_nhwc__ref: an output pixel is the running vpmaxub of its valid taps' channel
// vectors, 32 channels at a time, started from the first valid tap (0, the reference's start,
// is below every tap, so it changes nothing unless no tap is valid; then the output is 0).
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

void qu8_maxpool_nhwc__avx2(size_t images, size_t channels, const Window2d& win, const uint8_t* x,
                            uint8_t* y) noexcept {
  const auto c = static_cast<int64_t>(channels);
  for (size_t n = 0; n < images; ++n) {
    const uint8_t* xn = x + static_cast<int64_t>(n) * win.in_h * win.in_w * c;
    for (int64_t oh = 0; oh < win.out_h; ++oh) {
      const int64_t h0 = oh * win.stride_h - win.pad_top;
      for (int64_t ow = 0; ow < win.out_w; ++ow, y += c) {
        const int64_t w0 = ow * win.stride_w - win.pad_left;
        bool first = true;
        for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
          const int64_t ih = h0 + kh * win.dilation_h;
          if (ih < 0 || ih >= win.in_h) continue;
          for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
            const int64_t iw = w0 + kw * win.dilation_w;
            if (iw < 0 || iw >= win.in_w) continue;
            const uint8_t* tap = xn + (ih * win.in_w + iw) * c;
            if (first) {
              std::memcpy(y, tap, channels);
              first = false;
              continue;
            }
            int64_t i = 0;
            for (; i + 32 <= c; i += 32) {
              auto* dst = reinterpret_cast<__m256i*>(y + i);
              _mm256_storeu_si256(
                  dst,
                  _mm256_max_epu8(_mm256_loadu_si256(dst),
                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tap + i))));
            }
            for (; i < c; ++i)
              if (tap[i] > y[i]) y[i] = tap[i];
          }
        }
        if (first) std::memset(y, 0, channels);  // no tap inside the input
      }
    }
  }
}

}  // namespace octet::kernels
