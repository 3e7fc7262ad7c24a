// The AVX2 4x16c2 tile shared by qu8_qc8w_gemm_4x16c2_minmax_fxp__avx2 and
// qu8_f32_qc8w_gemm_4x16c2__avx2: widening of A, the int32 accumulation, and the driver loop
// over row tiles and column blocks. Included only by -mavx2 files; everything here has internal
// linkage.
//
// Why int16 and vpmaddwd, not vpmaddubsw. vpmaddubsw multiplies u8 x s8 and adds adjacent pairs
// into int16 with saturation: 255 * -128 + 255 * -128 = -65280 does not fit, so with octet's
// full-range int8 weights and uint8 activations its result is wrong for some inputs (255, 255) x
// (-128, -128) is one. Instead A is zero-extended to int16 (once per row tile, reused by every
// column block) and W is stored sign-extended to int16 at pack time; vpmaddwd forms
// a0 * w0 + a1 * w1 in int32, |.| <= 2 * 255 * 128 = 65280, exactly, and vpaddd accumulates.
// The int32 sum is exact because qu8_qc8w_gemm_prepare checked |bias| + 255 * sum |w| < 2^31
// per column, so no partial sum in any order overflows. The cost is nothing at the multiplier
// ports: vpmaddubsw needs a second vpmaddwd (by ones) to reach int32 anyway, so both ways issue
// two multiply uops per 32 MACs (Zen 3 / Haswell: 2 per cycle -> 32 MACs per cycle).
//
// Tile: 4 rows x 16 columns = 8 ymm accumulators; per K pair 2 weight loads, 4 broadcasts
// (vpbroadcastd of an (a[2p], a[2p+1]) uint16 pair), 8 vpmaddwd, 8 vpaddd.
//
// The 7-bit fast path. When every activation of a row tile is <= 127 (checked here, per row
// tile, while the rows are copied to scratch: one vpor per 32 bytes), a pair of products
// a0 * w0 + a1 * w1 lies in [2 * 127 * -128, 2 * 127 * 127] = [-32512, 32258] and vpmaddubsw
// cannot saturate. Then per K quad: vpmaddubsw (u8 x s8, pairs to int16, exact), vpmaddwd by
// ones (pairs of those to int32, exact) and vpaddd, over the "8c4" int8 weights (half the bytes
// of 8c2): 3 uops per 32 multiply-adds instead of 4, no widening. The int32 sums are the same
// integers as the exact path's, so the output is bit-identical; a tile holding any value > 127
// (a QDQ graph's uint8 tensor can, even when calibrated to [0, 127]) takes the int16 path.
#pragma once

#include <immintrin.h>

#include <cstring>

#include "kernels/qgemm_kernels.h"

namespace octet::kernels {
namespace {

constexpr size_t kTileRows = 4;
// Column blocks per cache chunk: the weight panel one row tile streams should stay in L2.
constexpr size_t kChunkBytes = 192 * 1024;

// a16[r][0, 2 * k_pairs) = zero-extended a[r][0, k) then a 0 when K is odd.
inline void widen_rows(size_t rows, size_t k, size_t k_pairs, const uint8_t* a, size_t a_stride,
                       uint16_t* a16) {
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* src = a + r * a_stride;
    uint16_t* dst = a16 + r * 2 * k_pairs;
    size_t p = 0;
    for (; p + 16 <= k; p += 16)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + p),
                          _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + p))));
    for (; p < k; ++p) dst[p] = src[p];
    if (k & 1) dst[k] = 0;
  }
}

// a8[r][0, 4 * k_quads) = a[r][0, k) then zeros; returns whether every a[r][p] <= 127.
inline bool copy_rows_if_7bit(size_t rows, size_t k, size_t k_quads, const uint8_t* a,
                              size_t a_stride, uint8_t* a8) {
  __m256i any = _mm256_setzero_si256();
  uint8_t any_tail = 0;
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* src = a + r * a_stride;
    uint8_t* dst = a8 + r * 4 * k_quads;
    size_t p = 0;
    for (; p + 32 <= k; p += 32) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + p));
      any = _mm256_or_si256(any, v);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + p), v);
    }
    for (; p < k; ++p) {
      any_tail |= src[p];
      dst[p] = src[p];
    }
    for (; p < 4 * k_quads; ++p) dst[p] = 0;
  }
  return _mm256_movemask_epi8(any) == 0 && (any_tail & 0x80) == 0;
}

// acc[r][b] as tile_accumulate, over bytes a8 (copy_rows_if_7bit) and 8c4 weights. kVnni:
// AVX-VNNI's vpdpbusd, where each int32 lane adds its four u8 x s8 products exactly (no int16
// step, no saturation: any uint8 activations), one uop per 32 multiply-adds; instantiated only
// by -mavxvnni files. Else the 7-bit path: vpmaddubsw (exact for activations <= 127, eq. 20a)
// then vpmaddwd by ones.
template <int MR, int NB, bool kVnni>
inline void tile_accumulate_c4(size_t k_quads, const uint8_t* a8, const int8_t* w_block,
                               size_t block_stride, const int32_t* bias,
                               __m256i (&acc)[MR][NB]) {
  const __m256i ones = _mm256_set1_epi16(1);
#pragma GCC unroll 2
  for (int b = 0; b < NB; ++b) {
    const __m256i bias_v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8 * b));
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) acc[r][b] = bias_v;
  }
  const uint8_t* a_rows[MR];
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r) a_rows[r] = a8 + static_cast<size_t>(r) * 4 * k_quads;
  for (size_t q = 0; q < k_quads; ++q) {
    __m256i wv[NB];
#pragma GCC unroll 2
    for (int b = 0; b < NB; ++b)
      wv[b] = _mm256_loadu_si256(
          reinterpret_cast<const __m256i*>(w_block + b * block_stride + 32 * q));
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) {
      int32_t quad;
      std::memcpy(&quad, a_rows[r] + 4 * q, sizeof quad);
      const __m256i av = _mm256_set1_epi32(quad);
#pragma GCC unroll 2
      for (int b = 0; b < NB; ++b) {
        if constexpr (kVnni)
          acc[r][b] = _mm256_dpbusd_avx_epi32(acc[r][b], av, wv[b]);
        else
          acc[r][b] = _mm256_add_epi32(
              acc[r][b], _mm256_madd_epi16(_mm256_maddubs_epi16(av, wv[b]), ones));
      }
    }
  }
}

// acc[r][b] (8 int32 lanes: columns 8b..8b+7 of the tile) = bias + sum_p a16[r] . w.
template <int MR, int NB>
inline void tile_accumulate(size_t k_pairs, const uint16_t* a16, const int16_t* w_block,
                            size_t block_stride, const int32_t* bias, __m256i (&acc)[MR][NB]) {
  __m256i bias_v[NB];
#pragma GCC unroll 2
  for (int b = 0; b < NB; ++b)
    bias_v[b] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8 * b));
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
    for (int b = 0; b < NB; ++b) acc[r][b] = bias_v[b];
  const uint16_t* a_rows[MR];
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r) a_rows[r] = a16 + static_cast<size_t>(r) * 2 * k_pairs;
  for (size_t p = 0; p < k_pairs; ++p) {
    __m256i wv[NB];
#pragma GCC unroll 2
    for (int b = 0; b < NB; ++b)
      wv[b] = _mm256_loadu_si256(
          reinterpret_cast<const __m256i*>(w_block + b * block_stride + 16 * p));
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) {
      int32_t pair;
      std::memcpy(&pair, a_rows[r] + 2 * p, sizeof pair);
      const __m256i av = _mm256_set1_epi32(pair);
#pragma GCC unroll 2
      for (int b = 0; b < NB; ++b)
        acc[r][b] = _mm256_add_epi32(acc[r][b], _mm256_madd_epi16(av, wv[b]));
    }
  }
}

// Runs Store::store(row, col, acc, count) over rows [0, m) and columns [n_begin, n_end). kVnni:
// every tile through tile_accumulate_c4<..., true> (the AVX-VNNI level), else the AVX2 paths.
template <bool kVnni = false, class Store>
inline void gemm_driver(size_t m, size_t n_begin, size_t n_end, const uint8_t* a,
                        size_t a_stride, const QGemmWeights& w, uint16_t* a16,
                        const Store& store) {
  const size_t block_stride = w.k_pairs * 16;  // int16 values per packed 8-column block
  const size_t block_stride8 = w.k_quads * 32;  // int8 values per 8c4 block
  uint8_t* a8 = reinterpret_cast<uint8_t*>(a16);
  const size_t b_begin = n_begin / 8, b_end = (n_end + 7) / 8;
  size_t chunk = kChunkBytes / (block_stride * sizeof(int16_t));
  chunk = chunk < 2 ? 2 : chunk & ~size_t{1};
  for (size_t cb = b_begin; cb < b_end; cb += chunk) {
    const size_t cb_end = cb + chunk < b_end ? cb + chunk : b_end;
    for (size_t i = 0; i < m; i += kTileRows) {
      const size_t rows = m - i < kTileRows ? m - i : kTileRows;
      bool fast = true;
      if constexpr (kVnni) {
        copy_rows_if_7bit(rows, w.k, w.k_quads, a + i * a_stride, a_stride, a8);
      } else {
        fast = w.w_8c4 != nullptr &&
               copy_rows_if_7bit(rows, w.k, w.k_quads, a + i * a_stride, a_stride, a8);
        if (!fast) widen_rows(rows, w.k, w.k_pairs, a + i * a_stride, a_stride, a16);
      }
      for (size_t b = cb; b < cb_end; b += 2) {
        const int32_t* bias = w.bias + 8 * b;
        const size_t col = 8 * b;
        const size_t cols = (n_end - col) < 16 ? n_end - col : 16;
        auto run = [&]<int MR, int NB>() {
          __m256i acc[MR][NB];
          if (kVnni || fast)
            tile_accumulate_c4<MR, NB, kVnni>(w.k_quads, a8, w.w_8c4 + b * block_stride8,
                                              block_stride8, bias, acc);
          else
            tile_accumulate<MR, NB>(w.k_pairs, a16, w.w_8c2 + b * block_stride, block_stride,
                                    bias, acc);
#pragma GCC unroll 4
          for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
            for (int nb = 0; nb < NB; ++nb) {
              const size_t c0 = 8 * static_cast<size_t>(nb);
              if (c0 < cols) store(i + r, col + c0, acc[r][nb], cols - c0 < 8 ? cols - c0 : 8);
            }
        };
        const bool two = cols > 8;
        switch (rows) {
          case 1: two ? run.template operator()<1, 2>() : run.template operator()<1, 1>(); break;
          case 2: two ? run.template operator()<2, 2>() : run.template operator()<2, 1>(); break;
          case 3: two ? run.template operator()<3, 2>() : run.template operator()<3, 1>(); break;
          default: two ? run.template operator()<4, 2>() : run.template operator()<4, 1>(); break;
        }
      }
    }
  }
}

}  // namespace
}  // namespace octet::kernels
