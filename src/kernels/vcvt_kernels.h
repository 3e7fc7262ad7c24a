// The quantize / dequantize vector kernel family (eq. 1-2) and select_vcvt(), which hands out one
// level's functions. Operators call vcvt_kernels(), never a level directly.
#pragma once

#include "kernels/ref/ref_kernels.h"
#include "runtime/cpu_features.h"

namespace octet::kernels {

struct VcvtKernels {
  void (*f32_qu8)(size_t n, const float* x, uint8_t* y, const CvtParams& params) noexcept;
  void (*f32_qs8)(size_t n, const float* x, int8_t* y, const CvtParams& params) noexcept;
  void (*qu8_f32)(size_t n, const uint8_t* x, float* y, const CvtParams& params) noexcept;
  void (*qs8_f32)(size_t n, const int8_t* x, float* y, const CvtParams& params) noexcept;
};

// The kernels of one (supported) level; levels without their own get the best lower one.
const VcvtKernels& select_vcvt(runtime::Isa isa);
// select_vcvt(runtime::active_isa()), chosen once.
const VcvtKernels& vcvt_kernels();

}  // namespace octet::kernels
