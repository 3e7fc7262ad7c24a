// Quantized average pool, the reference: per 2-D window, the integer sum of (x - z_in) over the
// taps inside the plane, requantized by s_in / (s_out * count) with round half to even
// (docs/quantization.md eq. 25-26). x [planes, in_h, in_w] -> y [planes, out_h, out_w].
#include <algorithm>

#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {

namespace {
// Taps of one dimension inside [lo, hi) for a window starting at `start`.
int64_t taps_inside(int64_t start, int64_t kernel, int64_t dilation, int64_t lo,
                    int64_t hi) noexcept {
  int64_t n = 0;
  for (int64_t k = 0; k < kernel; ++k) {
    const int64_t i = start + k * dilation;
    n += (i >= lo && i < hi) ? 1 : 0;
  }
  return n;
}
}  // namespace

void qu8_avgpool_minmax_fxp__ref(size_t planes, const Window2d& win, const uint8_t* x,
                                 uint8_t* y, const QAvgPoolParams& params) noexcept {
  const int64_t in_plane = win.in_h * win.in_w;
  for (size_t p = 0; p < planes; ++p) {
    const uint8_t* xp = x + static_cast<int64_t>(p) * in_plane;
    for (int64_t oh = 0; oh < win.out_h; ++oh) {
      const int64_t h0 = oh * win.stride_h - win.pad_top;
      for (int64_t ow = 0; ow < win.out_w; ++ow) {
        const int64_t w0 = ow * win.stride_w - win.pad_left;
        // |sum| <= 255 * kernel_h * kernel_w < 2^31 (the caller's precondition).
        int32_t sum = 0;
        for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
          const int64_t ih = h0 + kh * win.dilation_h;
          if (ih < 0 || ih >= win.in_h) continue;
          for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
            const int64_t iw = w0 + kw * win.dilation_w;
            if (iw >= 0 && iw < win.in_w)
              sum += static_cast<int32_t>(xp[ih * win.in_w + iw]) - params.zero_point_in;
          }
        }
        // The divisor: taps inside the plane, or inside the plane and its pads (which hold real
        // 0, so they add nothing to the sum but count).
        const int64_t count =
            params.count_include_pad
                ? taps_inside(h0, win.kernel_h, win.dilation_h, -win.pad_top,
                              win.in_h + win.pad_bottom) *
                      taps_inside(w0, win.kernel_w, win.dilation_w, -win.pad_left,
                                  win.in_w + win.pad_right)
                : taps_inside(h0, win.kernel_h, win.dilation_h, 0, win.in_h) *
                      taps_inside(w0, win.kernel_w, win.dilation_w, 0, win.in_w);
        const int32_t q =
            count == 0 ? std::min(std::max(params.zero_point_out, params.out_min), params.out_max)
                       : requantize(sum, params.requant[count - 1], params.zero_point_out,
                                    params.out_min, params.out_max);
        *y++ = static_cast<uint8_t>(q);
      }
    }
  }
}

}  // namespace octet::kernels
