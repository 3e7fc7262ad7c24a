// Quantized global average pool over channels-last images, the reference: per image and
// channel, the integer sum of (x - z_in) requantized by s_in / (s_out * pixels)
// (docs/quantization.md eq. 25-26), as qu8_gavgpool_minmax_fxp__ref does per plane.
// x [images, pixels, C] -> y [images, C].
#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {

void qu8_gavgpool_nhwc_minmax_fxp__ref(size_t images, size_t pixels, size_t channels,
                                       const uint8_t* x, uint8_t* y, const QAvgPoolParams& params,
                                       int32_t* sums) noexcept {
  for (size_t n = 0; n < images; ++n) {
    const uint8_t* xn = x + n * pixels * channels;
    // |sum| <= 255 * pixels < 2^31 (the caller's precondition).
    for (size_t c = 0; c < channels; ++c) sums[c] = 0;
    for (size_t p = 0; p < pixels; ++p)
      for (size_t c = 0; c < channels; ++c)
        sums[c] += static_cast<int32_t>(xn[p * channels + c]) - params.zero_point_in;
    for (size_t c = 0; c < channels; ++c)
      y[n * channels + c] = static_cast<uint8_t>(requantize(
          sums[c], params.requant[0], params.zero_point_out, params.out_min, params.out_max));
  }
}

}  // namespace octet::kernels
