// The quantized Add kernel (eq. 22-24) of one level, and the process's choice. Operators call
// vadd_kernel(), never a level directly.
#pragma once

#include "kernels/ref/ref_kernels.h"
#include "runtime/cpu_features.h"

namespace octet::kernels {

using QAddFn = void (*)(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y,
                        const QAddParams& params) noexcept;

// The kernel of one (supported) level; levels without their own get the best lower one.
QAddFn select_vadd(runtime::Isa isa);
// select_vadd(runtime::active_isa()), chosen once.
QAddFn vadd_kernel();

}  // namespace octet::kernels
