// Quantized global average pool, the reference: per plane, the integer sum of (x - z_in)
// requantized by s_in / (s_out * plane_size) (docs/quantization.md eq. 25-26).
// x [planes, plane_size] -> y [planes].
#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {

void qu8_gavgpool_minmax_fxp__ref(size_t planes, size_t plane_size, const uint8_t* x,
                                  uint8_t* y, const QAvgPoolParams& params) noexcept {
  for (size_t p = 0; p < planes; ++p) {
    const uint8_t* xp = x + p * plane_size;
    int32_t sum = 0;  // |sum| <= 255 * plane_size < 2^31 (the caller's precondition)
    for (size_t i = 0; i < plane_size; ++i)
      sum += static_cast<int32_t>(xp[i]) - params.zero_point_in;
    y[p] = static_cast<uint8_t>(requantize(sum, params.requant[0], params.zero_point_out,
                                           params.out_min, params.out_max));
  }
}

}  // namespace octet::kernels
