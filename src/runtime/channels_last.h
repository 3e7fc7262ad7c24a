// Channels-last uint8 activations: how the integer CNN ops keep [N, spatial..., C] tensors
// between them (runtime/op.h, LayoutSupport), and the transposes to and from ONNX's
// [N, C, spatial...]. A channels-last tensor's Tensor shape is its storage order,
// [N, spatial..., C]; only the Session's plan knows which values are stored so, and it hands
// every value a caller can see (hooks, fetches, graph outputs) back in ONNX's layout.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "octet/tensor.h"

namespace octet::runtime {

// The 8x8 byte block at src (rows src_stride apart) transposed into dst (rows dst_stride apart).
void transpose_8x8_u8(const uint8_t* src, size_t src_stride, uint8_t* dst, size_t dst_stride);

// dst[c][r] = src[r][c] for src [rows, cols], in 32x32 blocks so both sides stay in cache
// (a plain loop strides through one of them a whole row per element); uint8 blocks go through
// transpose_8x8_u8 where whole 8x8 tiles fit.
template <class T>
void transpose_blocked(const T* src, int64_t rows, int64_t cols, T* dst) {
  constexpr int64_t kBlock = 32;
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    const int64_t r1 = std::min(rows, r0 + kBlock);
    for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
      const int64_t c1 = std::min(cols, c0 + kBlock);
      int64_t r8 = r0, c8 = c0;  // the part done in 8x8 tiles: [r0, r8) x [c0, c8)
      if constexpr (sizeof(T) == 1) {
        r8 = r0 + (r1 - r0) / 8 * 8;
        c8 = c0 + (c1 - c0) / 8 * 8;
        for (int64_t r = r0; r < r8; r += 8)
          for (int64_t c = c0; c < c8; c += 8)
            transpose_8x8_u8(
                reinterpret_cast<const uint8_t*>(src + r * cols + c), static_cast<size_t>(cols),
                reinterpret_cast<uint8_t*>(dst + c * rows + r), static_cast<size_t>(rows));
      }
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = (r < r8 ? c8 : c0); c < c1; ++c) dst[c * rows + r] = src[r * cols + c];
    }
  }
}

// [N, C, spatial...] -> [N, spatial..., C] (storage and shape), and back. Rank >= 3.
Tensor to_channels_last(const Tensor& x);
Tensor to_channels_first(const Tensor& x);

// The shape [N, spatial..., C] of an ONNX-layout shape [N, C, spatial...], and back.
Shape channels_last_shape(const Shape& channels_first);
Shape channels_first_shape(const Shape& channels_last);

}  // namespace octet::runtime
