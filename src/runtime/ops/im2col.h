// im2col: unrolls the receptive fields of a convolution into the columns of a matrix, so that
// the convolution of one image and one group becomes a single GEMM
//
//   Y_g[M/group, P] = W_g[M/group, C/group * K] x col[C/group * K, P]
//
// with K = kd * kh * kw the kernel size and P = od * oh * ow the output positions (3 slots
// as in conv_geometry.h: a 2-D convolution has kd = od = 1).
//
// Layout of `out`, row-major [C/group * K, P], for one image and one group:
//
//   out[((c * kd + z) * kh + y) * kw + x][(pd * oh + ph) * ow + pw] =
//       x[c][pd * sd - pad_d + z * dd][ph * sh - pad_h + y * dh][pw * sw - pad_w + x * dw]
//
// or `pad_value` where that index falls outside the input. The row order is the layout of an
// ONNX weight W[M, C/group, kd, kh, kw], so the group's weights W_g are used as they are.
// Integer convolutions pass their input zero point as pad_value: padding then means real 0.
#pragma once

#include <cstdint>

#include "runtime/ops/conv_geometry.h"

namespace octet::runtime {

// x: the group's `channels` input channels of one image, [channels, id, ih, iw] contiguous.
// out: [channels * geometry.kernel_numel(), geometry.out_numel()], fully written.
// Instantiated for float, uint8_t and int8_t. Never allocates or throws.
template <typename T>
void im2col(const T* x, int64_t channels, const ConvGeometry& geometry, T pad_value,
            T* out) noexcept;

}  // namespace octet::runtime
