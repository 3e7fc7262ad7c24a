// Transposes between ONNX's [N, C, spatial...] and channels-last [N, spatial..., C].
#include "runtime/channels_last.h"

#include <cstring>

#include "octet/error.h"

namespace octet::runtime {

// out[j] byte i = in[i] byte j for 8 rows of 8 bytes held as little-endian uint64: three
// rounds swap 4x4, 2x2 and 1x1 byte sub-blocks across the diagonal (a portable SWAR transpose,
// 24 shifts and masks for 64 bytes instead of 64 single-byte moves).
void transpose_8x8_u8(const uint8_t* src, size_t src_stride, uint8_t* dst, size_t dst_stride) {
  uint64_t r[8];
  for (size_t i = 0; i < 8; ++i) std::memcpy(&r[i], src + i * src_stride, 8);
  for (size_t i = 0; i < 4; ++i) {
    const uint64_t a = r[i], b = r[i + 4];
    r[i] = (a & 0x00000000FFFFFFFFull) | (b << 32);
    r[i + 4] = (a >> 32) | (b & 0xFFFFFFFF00000000ull);
  }
  for (size_t i : {0, 1, 4, 5}) {
    const uint64_t a = r[i], b = r[i + 2];
    r[i] = (a & 0x0000FFFF0000FFFFull) | ((b & 0x0000FFFF0000FFFFull) << 16);
    r[i + 2] = ((a >> 16) & 0x0000FFFF0000FFFFull) | (b & 0xFFFF0000FFFF0000ull);
  }
  for (size_t i : {0, 2, 4, 6}) {
    const uint64_t a = r[i], b = r[i + 1];
    r[i] = (a & 0x00FF00FF00FF00FFull) | ((b & 0x00FF00FF00FF00FFull) << 8);
    r[i + 1] = ((a >> 8) & 0x00FF00FF00FF00FFull) | (b & 0xFF00FF00FF00FF00ull);
  }
  for (size_t i = 0; i < 8; ++i) std::memcpy(dst + i * dst_stride, &r[i], 8);
}

Shape channels_last_shape(const Shape& s) {
  Shape out(s.begin(), s.end());
  std::rotate(out.begin() + 1, out.begin() + 2, out.end());
  return out;
}

Shape channels_first_shape(const Shape& s) {
  Shape out(s.begin(), s.end());
  std::rotate(out.begin() + 1, out.end() - 1, out.end());
  return out;
}

namespace {

// Per image, [rows, cols] -> [cols, rows] for the tensor's element type.
Tensor transpose_images(const Tensor& x, const Shape& out_shape, int64_t rows, int64_t cols) {
  Tensor y = Tensor::uninitialized(x.dtype(), out_shape);
  const int64_t image = rows * cols;
  for (int64_t n = 0; n < x.dim(0); ++n) {
    switch (x.dtype()) {
      case DType::kU8:
        transpose_blocked(x.data<uint8_t>() + n * image, rows, cols, y.data<uint8_t>() + n * image);
        break;
      case DType::kF32:
        transpose_blocked(x.data<float>() + n * image, rows, cols, y.data<float>() + n * image);
        break;
      default:
        fail("channels-last tensors are uint8 or float32, not {}", dtype_name(x.dtype()));
    }
  }
  return y;
}

}  // namespace

Tensor to_channels_last(const Tensor& x) {
  if (x.rank() < 3) fail("channels-last needs rank >= 3, got {}", shape_str(x.shape()));
  const int64_t c = x.dim(1), pixels = x.dim(0) == 0 || c == 0 ? 0 : x.numel() / (x.dim(0) * c);
  return transpose_images(x, channels_last_shape(x.shape()), c, pixels);
}

Tensor to_channels_first(const Tensor& x) {
  if (x.rank() < 3) fail("channels-last needs rank >= 3, got {}", shape_str(x.shape()));
  const int64_t c = x.dim(x.rank() - 1);
  const int64_t pixels = x.dim(0) == 0 || c == 0 ? 0 : x.numel() / (x.dim(0) * c);
  return transpose_images(x, channels_first_shape(x.shape()), pixels, c);
}

}  // namespace octet::runtime
