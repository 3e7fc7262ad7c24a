// The qu8 x qc8w GEMM kernel family behind one interface: the packed-weight view every level
// reads, the function types, and select_qgemm(), which hands out one level's functions.
// Operators call the runtime driver (runtime/qgemm.h), never a level directly.
#pragma once

#include <cstddef>
#include <cstdint>

#include "octet/requant.h"
#include "runtime/cpu_features.h"

namespace octet::kernels {

// Columns per packed weight block, and K values per 32-bit lane ("8c2": 8 columns, 2 K each).
inline constexpr size_t kQGemmBlockCols = 8;
// Zero blocks packed past the last one (a 32-column tile starting at the last block).
inline constexpr size_t kQGemmPadBlocks = 3;

// Weights and per-channel epilogue constants packed once at load (runtime::pack_qgemm). The
// arrays indexed by column are padded to (n_blocks + kQGemmPadBlocks) * 8 entries (bias 0,
// multiplier 0, shift 62, scale 0) and w_8c4 holds kQGemmPadBlocks zero blocks past the last,
// so a kernel may compute up to 32 columns from any block and simply not store those past N.
struct QGemmWeights {
  size_t n = 0;         // output channels N
  size_t k = 0;         // reduction length K < 2^16
  size_t k_pairs = 0;   // ceil(K / 2)
  size_t n_blocks = 0;  // ceil(N / 8)
  size_t k_quads = 0;   // ceil(K / 4)
  const int8_t* w_rows = nullptr;       // [N, K] row-major, as the reference kernels read it
  const int16_t* w_8c2 = nullptr;       // [n_blocks][k_pairs][8][2]: w[8b + c][2p + i], 0-padded
  const int8_t* w_8c4 = nullptr;        // [n_blocks + pad][k_quads][8][4]: w[8b + c][4q + i], 0-padded
  const int32_t* bias = nullptr;        // bias_adjusted (eq. 10), [n_blocks * 8]
  const Requant* requant = nullptr;     // [N] (eq. 11); null for a float-exit layer
  const int32_t* multiplier = nullptr;  // requant[n].multiplier, [n_blocks * 8]
  const int32_t* shift = nullptr;       // requant[n].shift, [n_blocks * 8]
  const float* scale = nullptr;         // s_in * s_w[n] (eq. 17), [n_blocks * 8]; float exit only
};

// Output zero point and clamp of the uint8 epilogue (eq. 13-14; ReLU/ReLU6 fused in the clamp).
struct QGemmOutput {
  int32_t zero_point = 0;
  int32_t min = 0;
  int32_t max = 255;
};

// C[i][j] = clamp(requantize(bias[j] + sum_p A[i][p] * W[j][p]) + zero_point)   (eq. 9-14)
// for rows i in [0, m) and columns j in [n_begin, n_end); n_begin is a multiple of 8.
//   a: uint8 [m, K], row stride a_stride; c: uint8, row stride c_stride, column 0 at c.
//   scratch: at least qgemm_scratch_elems(K) uint16 values the kernel may overwrite.
using QGemmU8Fn = void (*)(size_t m, size_t n_begin, size_t n_end, const uint8_t* a,
                           size_t a_stride, const QGemmWeights& w, uint8_t* c, size_t c_stride,
                           const QGemmOutput& out, uint16_t* scratch) noexcept;
// C[i][j] = float(bias[j] + sum_p A[i][p] * W[j][p]) * scale[j]                    (eq. 17)
using QGemmF32Fn = void (*)(size_t m, size_t n_begin, size_t n_end, const uint8_t* a,
                            size_t a_stride, const QGemmWeights& w, float* c, size_t c_stride,
                            uint16_t* scratch) noexcept;

struct QGemmKernels {
  const char* name;  // "qu8_qc8w_gemm_4x16c2__avx2", ...
  QGemmU8Fn gemm_u8;
  QGemmF32Fn gemm_f32;
  size_t tile_rows;  // rows per microkernel tile (MR): the driver splits M in multiples of it
};

// Scratch (uint16 values) any level needs for a K-long reduction: 4 widened rows of A (4 * (k +
// 1) values), or up to 8 rows of A copied as bytes and zero-padded to a multiple of 4 (8 * (k +
// 3) bytes).
inline size_t qgemm_scratch_elems(size_t k) { return 4 * (k + 3); }

// The kernels of one level (NEON levels, which octet has none of, get the reference). isa must
// be supported by the CPU (runtime::isa_supported).
const QGemmKernels& select_qgemm(runtime::Isa isa);

}  // namespace octet::kernels
