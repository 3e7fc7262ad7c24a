// Quantized addition of two uint8 tensors with their own qparams, the reference: both inputs
// brought to the output scale by fixed-point multipliers over one shift, summed exactly in
// int64, rounded half to even once (docs/quantization.md eq. 22-24).
#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {

void qu8_vadd_minmax_fxp__ref(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y,
                              const QAddParams& params) noexcept {
  for (size_t i = 0; i < n; ++i) {
    // eq. (24): |q - z| <= 255 and m < 2^31, so |sum| < 2^40: exact in int64.
    const int64_t sum =
        (static_cast<int64_t>(a[i]) - params.zero_point_a) * params.multiplier_a +
        (static_cast<int64_t>(b[i]) - params.zero_point_b) * params.multiplier_b;
    const int64_t q = rounding_shift_right_half_even(sum, params.shift) + params.zero_point_out;
    y[i] = static_cast<uint8_t>(q < params.out_min ? params.out_min
                                                   : (q > params.out_max ? params.out_max : q));
  }
}

}  // namespace octet::kernels
