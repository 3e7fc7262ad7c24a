// The channels-last quantized depthwise conv kernel (eq. 28) of one level, and the process's
// choice. Operators call dwconv_nhwc_kernel(), never a level directly.
#pragma once

#include "kernels/ref/ref_kernels.h"
#include "runtime/cpu_features.h"

namespace octet::kernels {

using DwConvNhwcFn = void (*)(size_t images, size_t channels, const Window2d& window,
                              const uint8_t* x, const DwConvWeights& w, uint8_t* y,
                              const QDwConvParams& params, int32_t* scratch) noexcept;

// The kernel of one (supported) level; AVX-VNNI gets the AVX2 one.
DwConvNhwcFn select_dwconv_nhwc(runtime::Isa isa);
// select_dwconv_nhwc(runtime::active_isa()), chosen once.
DwConvNhwcFn dwconv_nhwc_kernel();

}  // namespace octet::kernels
