// The 2-D window of a resolved geometry (conv_geometry.h) in the form the pooling and
// depthwise reference kernels take.
#pragma once

#include "kernels/ref/ref_kernels.h"
#include "runtime/ops/conv_geometry.h"

namespace octet::runtime {

// A 2-D geometry sits in slots 1 and 2 of ConvGeometry's 3 right-aligned slots.
inline kernels::Window2d window2d_of(const ConvGeometry& g) {
  kernels::Window2d w;
  w.in_h = g.in_size[1], w.in_w = g.in_size[2];
  w.out_h = g.out_size[1], w.out_w = g.out_size[2];
  w.kernel_h = g.kernel[1], w.kernel_w = g.kernel[2];
  w.stride_h = g.stride[1], w.stride_w = g.stride[2];
  w.dilation_h = g.dilation[1], w.dilation_w = g.dilation[2];
  w.pad_top = g.pad_begin[1], w.pad_left = g.pad_begin[2];
  w.pad_bottom = g.pad_end[1], w.pad_right = g.pad_end[2];
  return w;
}

}  // namespace octet::runtime
