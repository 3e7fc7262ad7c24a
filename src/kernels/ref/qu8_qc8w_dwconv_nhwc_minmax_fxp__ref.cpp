// Quantized depthwise convolution over channels-last images, the reference: the sums and the
// requantization of qu8_qc8w_dwconv_minmax_fxp__ref (docs/quantization.md eq. 28), each output
// pixel computed for all its channels at once from the taps' channel vectors.
// x [images, in_h, in_w, C], w [kernel_h * kernel_w, C] -> y [images, out_h, out_w, C].
#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {

void qu8_qc8w_dwconv_nhwc_minmax_fxp__ref(size_t images, size_t channels, const Window2d& win,
                                          const uint8_t* x, const DwConvWeights& weights,
                                          uint8_t* y, const QDwConvParams& params,
                                          int32_t* scratch) noexcept {
  const int8_t* w = weights.w;
  const auto c_n = static_cast<int64_t>(channels);
  int32_t* acc = scratch;  // [C]
  for (size_t n = 0; n < images; ++n) {
    const uint8_t* xn = x + static_cast<int64_t>(n) * win.in_h * win.in_w * c_n;
    for (int64_t oh = 0; oh < win.out_h; ++oh) {
      const int64_t h0 = oh * win.stride_h - win.pad_top;
      for (int64_t ow = 0; ow < win.out_w; ++ow, y += c_n) {
        const int64_t w0 = ow * win.stride_w - win.pad_left;
        // |bias| + 255 * sum |w| < 2^31 (checked at create time): no partial sum overflows.
        for (int64_t c = 0; c < c_n; ++c) acc[c] = params.bias[c];
        for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
          const int64_t ih = h0 + kh * win.dilation_h;
          if (ih < 0 || ih >= win.in_h) continue;  // padding is real 0: it adds nothing
          for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
            const int64_t iw = w0 + kw * win.dilation_w;
            if (iw < 0 || iw >= win.in_w) continue;
            const uint8_t* tap = xn + (ih * win.in_w + iw) * c_n;
            const int8_t* wt = w + (kh * win.kernel_w + kw) * c_n;
            for (int64_t c = 0; c < c_n; ++c)
              acc[c] += (static_cast<int32_t>(tap[c]) - params.zero_point_in) *
                        static_cast<int32_t>(wt[c]);
          }
        }
        for (int64_t c = 0; c < c_n; ++c)
          y[c] = static_cast<uint8_t>(requantize(acc[c], params.requant[c], params.zero_point_out,
                                                 params.out_min, params.out_max));
      }
    }
  }
}

void widen_dwconv_weights(size_t n, const int8_t* w, int32_t* w_wide) noexcept {
  for (size_t i = 0; i < n; ++i) w_wide[i] = static_cast<uint16_t>(static_cast<int16_t>(w[i]));
}

}  // namespace octet::kernels
