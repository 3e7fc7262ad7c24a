// The quantized MaxPool kernel (eq. 21) of one level, and the process's choice. Operators call
// maxpool_kernel(), never a level directly.
#pragma once

#include "kernels/ref/ref_kernels.h"
#include "runtime/cpu_features.h"

namespace octet::kernels {

using MaxPoolFn = void (*)(size_t planes, const Window2d& window, const uint8_t* x,
                           uint8_t* y) noexcept;

// The kernel of one (supported) level; levels without their own get the best lower one.
MaxPoolFn select_maxpool(runtime::Isa isa);
// select_maxpool(runtime::active_isa()), chosen once.
MaxPoolFn maxpool_kernel();

// The same over channels-last images (x [images, in_h, in_w, channels]).
using MaxPoolNhwcFn = void (*)(size_t images, size_t channels, const Window2d& window,
                               const uint8_t* x, uint8_t* y) noexcept;
MaxPoolNhwcFn select_maxpool_nhwc(runtime::Isa isa);
MaxPoolNhwcFn maxpool_nhwc_kernel();

}  // namespace octet::kernels
