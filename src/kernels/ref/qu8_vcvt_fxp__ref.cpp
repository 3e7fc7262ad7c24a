// Requantization of uint8 values to other qparams, the reference (Concat's inputs to the
// output's scale and zero point, docs/quantization.md eq. 27).
#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {

void qu8_vcvt_fxp__ref(size_t n, const uint8_t* x, uint8_t* y, const QCvtParams& params) noexcept {
  for (size_t i = 0; i < n; ++i)
    y[i] = static_cast<uint8_t>(requantize(static_cast<int32_t>(x[i]) - params.zero_point_in,
                                           params.requant, params.zero_point_out, 0, 255));
}

}  // namespace octet::kernels
