// Quantized max pool, AVX2 (eq. 21), bit-exact with qu8_maxpool__ref: per output row, first
// the column maxima over the window's valid input rows for the whole input width (vpmaxub, 32
// bytes at a time), then per output pixel the max of its valid columns of that row. Max is
// associative and commutative and both leave out the same taps (0, the start value, is below
// every tap), so the result is the reference's. A window over kernel_h x kernel_w taps costs
// kernel_h / stride_w vector steps per output instead of kernel_h x kernel_w scalar ones.
#include <immintrin.h>

#include <cstdlib>
#include <cstring>

#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

void qu8_maxpool__avx2(size_t planes, const Window2d& win, const uint8_t* x, uint8_t* y) noexcept {
  const int64_t in_plane = win.in_h * win.in_w;
  // One row of column maxima. malloc, not std::vector: a template instantiated in this -mavx2
  // file could be picked by the linker for baseline code (x86_kernels.h); and without memory
  // the reference does the work instead.
  auto* col_max = static_cast<uint8_t*>(std::malloc(static_cast<size_t>(win.in_w)));
  if (col_max == nullptr) {
    qu8_maxpool__ref(planes, win, x, y);
    return;
  }
  for (size_t p = 0; p < planes; ++p) {
    const uint8_t* xp = x + static_cast<int64_t>(p) * in_plane;
    for (int64_t oh = 0; oh < win.out_h; ++oh) {
      const int64_t h0 = oh * win.stride_h - win.pad_top;
      std::memset(col_max, 0, static_cast<size_t>(win.in_w));
      for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
        const int64_t ih = h0 + kh * win.dilation_h;
        if (ih < 0 || ih >= win.in_h) continue;
        const uint8_t* row = xp + ih * win.in_w;
        int64_t iw = 0;
        for (; iw + 32 <= win.in_w; iw += 32) {
          auto* dst = reinterpret_cast<__m256i*>(col_max + iw);
          _mm256_storeu_si256(dst, _mm256_max_epu8(_mm256_loadu_si256(dst),
                                                   _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + iw))));
        }
        for (; iw < win.in_w; ++iw)
          if (row[iw] > col_max[iw]) col_max[iw] = row[iw];
      }
      for (int64_t ow = 0; ow < win.out_w; ++ow) {
        const int64_t w0 = ow * win.stride_w - win.pad_left;
        uint8_t best = 0;
        for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
          const int64_t iw = w0 + kw * win.dilation_w;
          if (iw >= 0 && iw < win.in_w && col_max[iw] > best) best = col_max[iw];
        }
        *y++ = best;
      }
    }
  }
  std::free(col_max);
}

}  // namespace octet::kernels
