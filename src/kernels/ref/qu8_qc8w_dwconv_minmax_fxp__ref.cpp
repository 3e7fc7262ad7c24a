// Quantized depthwise convolution, the reference: one int8 filter per channel slid directly
// over that channel's uint8 plane (no im2col), int32 accumulation of (x - z_in) * w over the
// taps inside the plane, per-channel fixed-point requantization (docs/quantization.md eq. 28).
// x [C, in_h, in_w], w [C, kernel_h * kernel_w] -> y [C, out_h, out_w].
#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {

void qu8_qc8w_dwconv_minmax_fxp__ref(size_t channels, const Window2d& win, const uint8_t* x,
                                     const int8_t* w, uint8_t* y,
                                     const QDwConvParams& params) noexcept {
  const int64_t in_plane = win.in_h * win.in_w, taps = win.kernel_h * win.kernel_w;
  for (size_t c = 0; c < channels; ++c) {
    const uint8_t* xc = x + static_cast<int64_t>(c) * in_plane;
    const int8_t* wc = w + static_cast<int64_t>(c) * taps;
    for (int64_t oh = 0; oh < win.out_h; ++oh) {
      const int64_t h0 = oh * win.stride_h - win.pad_top;
      for (int64_t ow = 0; ow < win.out_w; ++ow) {
        const int64_t w0 = ow * win.stride_w - win.pad_left;
        // |bias| + 255 * sum |w| < 2^31 (checked at create time): no partial sum overflows.
        int32_t acc = params.bias[c];
        for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
          const int64_t ih = h0 + kh * win.dilation_h;
          if (ih < 0 || ih >= win.in_h) continue;  // padding is real 0: it adds nothing
          for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
            const int64_t iw = w0 + kw * win.dilation_w;
            if (iw < 0 || iw >= win.in_w) continue;
            acc += (static_cast<int32_t>(xc[ih * win.in_w + iw]) - params.zero_point_in) *
                   static_cast<int32_t>(wc[kh * win.kernel_w + kw]);
          }
        }
        *y++ = static_cast<uint8_t>(requantize(acc, params.requant[c], params.zero_point_out,
                                               params.out_min, params.out_max));
      }
    }
  }
}

}  // namespace octet::kernels
