// f32 -> uint8 quantization, one element at a time: y = clamp(round_half_even(x / scale) + zp,
// 0, 255) (docs/quantization.md eq. 2). Any n, no alignment; NaN maps to the zero point.
#include "kernels/ref/ref_kernels.h"
#include "octet/qparams.h"

namespace octet::kernels {

void f32_qu8_vcvt__ref(size_t n, const float* x, uint8_t* y, const CvtParams& params) noexcept {
  for (size_t i = 0; i < n; ++i)
    y[i] = static_cast<uint8_t>(quantize_value(x[i], params.scale, params.zero_point, 0, 255));
}

}  // namespace octet::kernels
