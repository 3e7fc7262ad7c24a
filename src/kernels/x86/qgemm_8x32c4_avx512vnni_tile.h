// The AVX-512 VNNI 8x32c4 tile shared by qu8_qc8w_gemm_8x32c4_minmax_fxp__avx512vnni and
// qu8_f32_qc8w_gemm_8x32c4__avx512vnni. Included only by the avx512vnni files; internal linkage.
//
// vpdpbusd adds, in each int32 lane, the four products of 4 uint8 activations and 4 int8
// weights, exactly: there is no int16 intermediate to saturate (the AVX2 kernel's problem), and
// the int32 sum cannot overflow in any order (qu8_qc8w_gemm_prepare bounds |bias| + 255 sum |w|
// below 2^31). So the sums are the reference's integers, and the epilogue (the AVX2 one, per
// 8-column half) makes the output bit-exact.
//
// Tile: up to 8 rows x 32 columns = 16 zmm accumulators. A zmm of weights is 16 columns x 4 K
// values; the packed 8c4 layout holds 8 columns per block, so one zmm is two blocks' 32-byte
// quads joined (vinserti64x4, shared by all rows of the tile). Per K quad: 4 weight loads, 2
// inserts, up to 8 broadcasts of an activation quad and 16 vpdpbusd. When K is a multiple of 4
// the quads are read from A in place; otherwise the rows are copied to a zero-padded scratch
// once per row tile and column chunk, so the K tail needs no special case (zero weights and
// zero activations add nothing). The epilogue (qgemm_avx512_epilogue.h) runs per 16 columns.
#pragma once

#include <immintrin.h>

#include <cstring>

#include "kernels/qgemm_kernels.h"

namespace octet::kernels {
namespace {

constexpr size_t kVnniTileRows = 8;
// The weight panel a row tile streams should stay in L2 (bytes of 8c4 weights per chunk).
constexpr size_t kVnniChunkBytes = 256 * 1024;

// a8[r][0, 4 * k_quads) = a[r][0, k) then zeros.
inline void copy_rows_padded(size_t rows, size_t k, size_t k_quads, const uint8_t* a,
                             size_t a_stride, uint8_t* a8) {
  for (size_t r = 0; r < rows; ++r) {
    uint8_t* dst = a8 + r * 4 * k_quads;
    std::memcpy(dst, a + r * a_stride, k);
    std::memset(dst + k, 0, 4 * k_quads - k);
  }
}

// acc[r][v] (16 int32 lanes: columns 16v..16v+15 of the tile) = bias + sum_q a8[r] . w (row r
// at a8 + r * a8_stride, 4 * k_quads bytes readable), over
// the 8c4 blocks w_block, w_block + block_stride, ... (2 * NV of them, all packed: the packing
// pads the block count to even).
template <int MR, int NV>
inline void tile_accumulate_avx512vnni(size_t k_quads, const uint8_t* a8, size_t a8_stride,
                                       const int8_t* w_block, size_t block_stride,
                                       const int32_t* bias, __m512i (&acc)[MR][NV]) {
#pragma GCC unroll 2
  for (int v = 0; v < NV; ++v) {
    const __m512i bias_v = _mm512_loadu_si512(bias + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) acc[r][v] = bias_v;
  }
  const uint8_t* a_rows[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) a_rows[r] = a8 + static_cast<size_t>(r) * a8_stride;
  for (size_t q = 0; q < k_quads; ++q) {
    __m512i wv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      const int8_t* lo = w_block + static_cast<size_t>(2 * v) * block_stride + 32 * q;
      const __m256i lo_v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lo));
      const __m256i hi_v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lo + block_stride));
      wv[v] = _mm512_inserti64x4(_mm512_castsi256_si512(lo_v), hi_v, 1);
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      int32_t quad;
      std::memcpy(&quad, a_rows[r] + 4 * q, sizeof quad);
      const __m512i av = _mm512_set1_epi32(quad);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], av, wv[v]);
    }
  }
}

// Runs store(row, col, acc16, count, store.columns(col)) (a 16-column epilogue, count <= 16
// columns kept) over rows [0, m) and columns [n_begin, n_end); n_begin is a multiple of 8.
template <class Store>
inline void gemm_driver_avx512vnni(size_t m, size_t n_begin, size_t n_end, const uint8_t* a,
                                   size_t a_stride, const QGemmWeights& w, uint16_t* scratch,
                                   const Store& store) {
  const size_t block_stride = w.k_quads * 32;  // int8 values per 8c4 block
  uint8_t* a8 = reinterpret_cast<uint8_t*>(scratch);
  const size_t b_begin = n_begin / 8, b_end = (n_end + 7) / 8;
  size_t chunk = kVnniChunkBytes / block_stride;
  chunk = chunk < 4 ? 4 : chunk & ~size_t{3};
  for (size_t cb = b_begin; cb < b_end; cb += chunk) {
    const size_t cb_end = cb + chunk < b_end ? cb + chunk : b_end;
    for (size_t i = 0; i < m; i += kVnniTileRows) {
      const size_t rows = m - i < kVnniTileRows ? m - i : kVnniTileRows;
      const bool in_place = w.k % 4 == 0;
      if (!in_place) copy_rows_padded(rows, w.k, w.k_quads, a + i * a_stride, a_stride, a8);
      const uint8_t* at = in_place ? a + i * a_stride : a8;
      const size_t at_stride = in_place ? a_stride : 4 * w.k_quads;
      for (size_t b = cb; b < cb_end; b += 4) {
        const size_t col = 8 * b;
        const size_t cols = (n_end - col) < 32 ? n_end - col : 32;
        auto run = [&]<int MR, int NV>() {
          __m512i acc[MR][NV];
          tile_accumulate_avx512vnni<MR, NV>(w.k_quads, at, at_stride, w.w_8c4 + b * block_stride,
                                             block_stride, w.bias + col, acc);
#pragma GCC unroll 2
          for (int v = 0; v < NV; ++v) {
            const size_t c0 = 16 * static_cast<size_t>(v);
            if (c0 >= cols) break;
            const auto columns = store.columns(col + c0);
#pragma GCC unroll 8
            for (int r = 0; r < MR; ++r) store(i + r, col + c0, acc[r][v], cols - c0, columns);
          }
        };
        const bool two = cols > 16;
        switch (rows) {
          case 1: two ? run.template operator()<1, 2>() : run.template operator()<1, 1>(); break;
          case 2: two ? run.template operator()<2, 2>() : run.template operator()<2, 1>(); break;
          case 3: two ? run.template operator()<3, 2>() : run.template operator()<3, 1>(); break;
          case 4: two ? run.template operator()<4, 2>() : run.template operator()<4, 1>(); break;
          case 5: two ? run.template operator()<5, 2>() : run.template operator()<5, 1>(); break;
          case 6: two ? run.template operator()<6, 2>() : run.template operator()<6, 1>(); break;
          case 7: two ? run.template operator()<7, 2>() : run.template operator()<7, 1>(); break;
          default: two ? run.template operator()<8, 2>() : run.template operator()<8, 1>(); break;
        }
      }
    }
  }
}

}  // namespace
}  // namespace octet::kernels
