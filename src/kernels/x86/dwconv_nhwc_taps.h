// The valid taps of one output pixel of a channels-last depthwise conv, listed once per pixel by
// the SIMD kernels so their channel loops run without bounds checks. Included only by ISA files;
// internal linkage.
#pragma once

#include <cstdint>

#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {
namespace {

// Windows of more taps than this (beyond 8x8) go to the reference.
constexpr int64_t kDwConvMaxListedTaps = 64;

// offset[i] (elements from the image's first pixel) and row[i] (elements from the weights'
// start, tap-major) of the valid taps of output pixel (oh, ow); returns their count. Taps in the
// padding are left out: they hold real 0 and add nothing (eq. 28).
inline int64_t list_valid_taps(const Window2d& win, int64_t channels, int64_t oh, int64_t ow,
                               int64_t* offset, int64_t* row) {
  const int64_t h0 = oh * win.stride_h - win.pad_top, w0 = ow * win.stride_w - win.pad_left;
  int64_t valid = 0;
  for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
    const int64_t ih = h0 + kh * win.dilation_h;
    if (ih < 0 || ih >= win.in_h) continue;
    for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
      const int64_t iw = w0 + kw * win.dilation_w;
      if (iw < 0 || iw >= win.in_w) continue;
      offset[valid] = (ih * win.in_w + iw) * channels;
      row[valid++] = (kh * win.kernel_w + kw) * channels;
    }
  }
  return valid;
}

}  // namespace
}  // namespace octet::kernels
