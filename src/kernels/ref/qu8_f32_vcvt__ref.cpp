// uint8 -> f32 dequantization: y = scale * (x - zp) (docs/quantization.md eq. 1), one float32
// rounding per element. Any n, no alignment.
#include "kernels/ref/ref_kernels.h"
#include "octet/qparams.h"

namespace octet::kernels {

void qu8_f32_vcvt__ref(size_t n, const uint8_t* x, float* y, const CvtParams& params) noexcept {
  for (size_t i = 0; i < n; ++i) y[i] = dequantize_value(x[i], params.scale, params.zero_point);
}

}  // namespace octet::kernels
