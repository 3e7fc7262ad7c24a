// f32 -> int8 quantization, one element at a time: y = clamp(round_half_even(x / scale) + zp,
// -128, 127) (docs/quantization.md eq. 2). Any n, no alignment; NaN maps to the zero point.
#include "kernels/ref/ref_kernels.h"
#include "octet/qparams.h"

namespace octet::kernels {

void f32_qs8_vcvt__ref(size_t n, const float* x, int8_t* y, const CvtParams& params) noexcept {
  for (size_t i = 0; i < n; ++i)
    y[i] = static_cast<int8_t>(quantize_value(x[i], params.scale, params.zero_point, -128, 127));
}

}  // namespace octet::kernels
