// AVX2+FMA dense-layer kernels: register-blocked tiles over the padded layout of
// dense_kernels.h. Compiled with the baseline flags; only these functions target AVX2+FMA, and
// dense_kernels_avx2() hands them out only on a CPU that has both.
//
// Tile shapes (16 ymm registers; Zen 3 / Haswell retire 2 FMAs and 2-3 loads per cycle, so a
// tile wants more FMAs than loads per step and at least 8 independent accumulators to cover
// the 4-cycle FMA latency):
//   forward      5x2 for K >= 256 (layer 1): 5 rows of x against 2 rows of w, 10
//                     accumulators, 7 loads / 10 FMAs per 8 floats of K; batch 10 is two tiles
//                     high; each dot product ends in a horizontal sum. Runs at the FMA peak.
//                2x4 for short K (hidden layers), where those sums would dominate: the 8 dot
//                     products are reduced together into one vector.
//   grad_weight  4x3: 4 rows of dw by 3 vectors (24 floats) of K, 12 accumulators, 7 loads /
//                     12 FMAs per batch row.
//   grad_input   2x4: 2 rows of dx by 4 vectors of K, 8 accumulators; these layers are small.
#include <immintrin.h>

#include <algorithm>

#include "runtime/cpu_features.h"
#include "train/dense_kernels.h"

#define OCTET_TARGET_AVX2 __attribute__((target("avx2,fma")))

namespace octet::train {

namespace {

OCTET_TARGET_AVX2 inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// sums[r * NR + c] = dot(x row r, w row c) over kp floats.
template <int MR, int NR>
OCTET_TARGET_AVX2 void forward_tile(int64_t kp, const float* x, int64_t ldx, const float* w,
                                    float* sums) {
  __m256 acc[MR][NR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int c = 0; c < NR; ++c) acc[r][c] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kp; k += kLanes) {
    __m256 wv[NR];
#pragma GCC unroll 8
    for (int c = 0; c < NR; ++c) wv[c] = _mm256_loadu_ps(w + c * kp + k);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      __m256 xv = _mm256_loadu_ps(x + r * ldx + k);
      // Left alone, GCC folds this load into each FMA that uses it (NR loads instead of one),
      // and the tile becomes load-bound; the empty asm pins xv in a register.
      asm("" : "+x"(xv));
#pragma GCC unroll 8
      for (int c = 0; c < NR; ++c) acc[r][c] = _mm256_fmadd_ps(xv, wv[c], acc[r][c]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int c = 0; c < NR; ++c) sums[r * NR + c] = hsum(acc[r][c]);
}

// The 2x4 tile for short K: y rows {0, 1} x columns [0, 4) of x rows {x0, x1} against w rows
// {w0..w3}; the eight dot products are reduced together by a tree of horizontal adds into
// one vector [y(0, 0..3) | y(1, 0..3)], bias added and ReLU applied, so a tile costs 9
// shuffles/adds instead of 8 separate horizontal sums. Callers pass duplicate rows for a
// partial tile and drop the extra results.
OCTET_TARGET_AVX2 __m256 forward_tile_2x4(int64_t kp, const float* x0, const float* x1,
                                          const float* const w[4], __m128 bias, bool relu) {
  __m256 acc[2][4];
#pragma GCC unroll 8
  for (int c = 0; c < 4; ++c) acc[0][c] = acc[1][c] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kp; k += kLanes) {
    __m256 xv0 = _mm256_loadu_ps(x0 + k), xv1 = _mm256_loadu_ps(x1 + k);
#pragma GCC unroll 8
    for (int c = 0; c < 4; ++c) {
      __m256 wv = _mm256_loadu_ps(w[c] + k);
      asm("" : "+x"(wv));  // one load for both rows (see forward_tile)
      acc[0][c] = _mm256_fmadd_ps(xv0, wv, acc[0][c]);
      acc[1][c] = _mm256_fmadd_ps(xv1, wv, acc[1][c]);
    }
  }
  // hadd(a, b) = [a0+a1, a2+a3, b0+b1, b2+b3 | a4+a5, a6+a7, b4+b5, b6+b7]; two rounds leave
  // each 128-bit half holding the four dot products of one row over half of the lanes.
  const __m256 row0 =
      _mm256_hadd_ps(_mm256_hadd_ps(acc[0][0], acc[0][1]), _mm256_hadd_ps(acc[0][2], acc[0][3]));
  const __m256 row1 =
      _mm256_hadd_ps(_mm256_hadd_ps(acc[1][0], acc[1][1]), _mm256_hadd_ps(acc[1][2], acc[1][3]));
  const __m256 sums = _mm256_add_ps(_mm256_permute2f128_ps(row0, row1, 0x20),
                                    _mm256_permute2f128_ps(row0, row1, 0x31));
  const __m256 out = _mm256_add_ps(sums, _mm256_set_m128(bias, bias));
  return relu ? _mm256_max_ps(out, _mm256_setzero_ps()) : out;
}

// dw rows [0, NR) x floats [0, 8 KV) = sum_i dy[i, r] * x[i, k].
template <int NR, int KV>
OCTET_TARGET_AVX2 void grad_weight_tile(int64_t m, const float* dy, int64_t lddy, const float* x,
                                        int64_t ldx, float* dw, int64_t kp) {
  __m256 acc[NR][KV];
#pragma GCC unroll 8
  for (int r = 0; r < NR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < KV; ++v) acc[r][v] = _mm256_setzero_ps();
  for (int64_t i = 0; i < m; ++i) {
    __m256 xv[KV];
#pragma GCC unroll 8
    for (int v = 0; v < KV; ++v) xv[v] = _mm256_loadu_ps(x + i * ldx + v * kLanes);
#pragma GCC unroll 8
    for (int r = 0; r < NR; ++r) {
      const __m256 d = _mm256_broadcast_ss(dy + i * lddy + r);
#pragma GCC unroll 8
      for (int v = 0; v < KV; ++v) acc[r][v] = _mm256_fmadd_ps(d, xv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < NR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < KV; ++v) _mm256_storeu_ps(dw + r * kp + v * kLanes, acc[r][v]);
}

// dx rows [0, MR) x floats [0, 8 KV) = sum_j dy[r, j] * w[j, k], zeroed where a <= 0.
template <int MR, int KV>
OCTET_TARGET_AVX2 void grad_input_tile(int64_t n, const float* dy, int64_t lddy, const float* w,
                                       int64_t kp, const float* a, int64_t lda, float* dx,
                                       int64_t lddx) {
  __m256 acc[MR][KV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < KV; ++v) acc[r][v] = _mm256_setzero_ps();
  for (int64_t j = 0; j < n; ++j) {
    __m256 wv[KV];
#pragma GCC unroll 8
    for (int v = 0; v < KV; ++v) wv[v] = _mm256_loadu_ps(w + j * kp + v * kLanes);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m256 d = _mm256_broadcast_ss(dy + r * lddy + j);
#pragma GCC unroll 8
      for (int v = 0; v < KV; ++v) acc[r][v] = _mm256_fmadd_ps(d, wv[v], acc[r][v]);
    }
  }
  const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < KV; ++v) {
      const __m256 active =
          _mm256_cmp_ps(_mm256_loadu_ps(a + r * lda + v * kLanes), zero, _CMP_GT_OQ);
      _mm256_storeu_ps(dx + r * lddx + v * kLanes, _mm256_and_ps(acc[r][v], active));
    }
}

using ForwardTileFn = void (*)(int64_t, const float*, int64_t, const float*, float*);
using GradWeightTileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*,
                                  int64_t);
using GradInputTileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t,
                                 const float*, int64_t, float*, int64_t);

// Tiles for every remainder shape, indexed [rows - 1][columns - 1].
constexpr ForwardTileFn kForwardTiles[5][2] = {{forward_tile<1, 1>, forward_tile<1, 2>},
                                               {forward_tile<2, 1>, forward_tile<2, 2>},
                                               {forward_tile<3, 1>, forward_tile<3, 2>},
                                               {forward_tile<4, 1>, forward_tile<4, 2>},
                                               {forward_tile<5, 1>, forward_tile<5, 2>}};
constexpr GradWeightTileFn kGradWeightTiles[4][3] = {
    {grad_weight_tile<1, 1>, grad_weight_tile<1, 2>, grad_weight_tile<1, 3>},
    {grad_weight_tile<2, 1>, grad_weight_tile<2, 2>, grad_weight_tile<2, 3>},
    {grad_weight_tile<3, 1>, grad_weight_tile<3, 2>, grad_weight_tile<3, 3>},
    {grad_weight_tile<4, 1>, grad_weight_tile<4, 2>, grad_weight_tile<4, 3>}};
constexpr GradInputTileFn kGradInputTiles[2][4] = {
    {grad_input_tile<1, 1>, grad_input_tile<1, 2>, grad_input_tile<1, 3>, grad_input_tile<1, 4>},
    {grad_input_tile<2, 1>, grad_input_tile<2, 2>, grad_input_tile<2, 3>, grad_input_tile<2, 4>}};

OCTET_TARGET_AVX2 void f32_dense_forward_5x2__avx2(int64_t m, int64_t n, int64_t kp, const float* x,
                                                   int64_t ldx, const float* w, const float* b,
                                                   bool relu, float* y, int64_t ldy) {
  for (int64_t i0 = 0; i0 < m; i0 += 5) {
    const int mr = static_cast<int>(std::min<int64_t>(5, m - i0));
    for (int64_t j0 = 0; j0 < n; j0 += 2) {
      const int nr = static_cast<int>(std::min<int64_t>(2, n - j0));
      float sums[5 * 2];
      if (mr == 5 && nr == 2) {
        forward_tile<5, 2>(kp, x + i0 * ldx, ldx, w + j0 * kp, sums);
      } else {
        kForwardTiles[mr - 1][nr - 1](kp, x + i0 * ldx, ldx, w + j0 * kp, sums);
      }
      for (int r = 0; r < mr; ++r) {
        for (int c = 0; c < nr; ++c) {
          const float out = sums[r * nr + c] + b[j0 + c];
          y[(i0 + r) * ldy + j0 + c] = relu ? (out > 0.0f ? out : 0.0f) : out;
        }
      }
    }
  }
}

OCTET_TARGET_AVX2 void f32_dense_forward_2x4__avx2(int64_t m, int64_t n, int64_t kp, const float* x,
                                                   int64_t ldx, const float* w, const float* b,
                                                   bool relu, float* y, int64_t ldy) {
  for (int64_t i0 = 0; i0 < m; i0 += 2) {
    const int mr = static_cast<int>(std::min<int64_t>(2, m - i0));
    const float* x0 = x + i0 * ldx;
    const float* x1 = mr == 2 ? x0 + ldx : x0;
    for (int64_t j0 = 0; j0 < n; j0 += 4) {
      const int nr = static_cast<int>(std::min<int64_t>(4, n - j0));
      const float* rows[4];
#pragma GCC unroll 4
      for (int c = 0; c < 4; ++c) rows[c] = w + (j0 + std::min(c, nr - 1)) * kp;
      // A partial tile repeats its last column, bias included.
      const __m128 bias = nr == 4 ? _mm_loadu_ps(b + j0)
                                  : _mm_setr_ps(b[j0], b[j0 + std::min(1, nr - 1)],
                                                b[j0 + std::min(2, nr - 1)], b[j0 + nr - 1]);
      const __m256 out = forward_tile_2x4(kp, x0, x1, rows, bias, relu);
      if (nr == 4) {
        _mm_storeu_ps(y + i0 * ldy + j0, _mm256_castps256_ps128(out));
        if (mr == 2) _mm_storeu_ps(y + (i0 + 1) * ldy + j0, _mm256_extractf128_ps(out, 1));
      } else {
        alignas(32) float tmp[8];
        _mm256_store_ps(tmp, out);
        for (int r = 0; r < mr; ++r)
          for (int c = 0; c < nr; ++c) y[(i0 + r) * ldy + j0 + c] = tmp[r * 4 + c];
      }
    }
  }
}

// Long rows amortize the 5x2 tile's horizontal sums and it has the better load-to-FMA ratio;
// short ones (the hidden layers) are dominated by the reduction, where the 2x4 tile wins.
constexpr int64_t kForward5x2MinK = 256;

void f32_dense_forward__avx2(int64_t m, int64_t n, int64_t kp, const float* x, int64_t ldx,
                             const float* w, const float* b, bool relu, float* y, int64_t ldy) {
  if (kp >= kForward5x2MinK) {
    f32_dense_forward_5x2__avx2(m, n, kp, x, ldx, w, b, relu, y, ldy);
  } else {
    f32_dense_forward_2x4__avx2(m, n, kp, x, ldx, w, b, relu, y, ldy);
  }
}

OCTET_TARGET_AVX2 void f32_dense_grad_weight_4x3__avx2(int64_t m, int64_t n, int64_t kp,
                                                       const float* dy, int64_t lddy,
                                                       const float* x, int64_t ldx, float* dw,
                                                       float* db) {
  const int64_t k_vectors = kp / kLanes;
  for (int64_t j0 = 0; j0 < n; j0 += 4) {
    const int nr = static_cast<int>(std::min<int64_t>(4, n - j0));
    for (int64_t v0 = 0; v0 < k_vectors; v0 += 3) {
      const int kv = static_cast<int>(std::min<int64_t>(3, k_vectors - v0));
      if (nr == 4 && kv == 3) {
        grad_weight_tile<4, 3>(m, dy + j0, lddy, x + v0 * kLanes, ldx, dw + j0 * kp + v0 * kLanes,
                               kp);
      } else {
        kGradWeightTiles[nr - 1][kv - 1](m, dy + j0, lddy, x + v0 * kLanes, ldx,
                                         dw + j0 * kp + v0 * kLanes, kp);
      }
    }
  }
  // The bias gradient in the reference's order, so it is bit-identical to it.
  for (int64_t j = 0; j < n; ++j) {
    float sum = 0.0f;
    for (int64_t i = 0; i < m; ++i) sum += dy[i * lddy + j];
    db[j] = sum;
  }
}

OCTET_TARGET_AVX2 void f32_dense_grad_input_2x4__avx2(int64_t m, int64_t n, int64_t kp,
                                                      const float* dy, int64_t lddy, const float* w,
                                                      const float* a, int64_t lda, float* dx,
                                                      int64_t lddx) {
  const int64_t k_vectors = kp / kLanes;
  for (int64_t i0 = 0; i0 < m; i0 += 2) {
    const int mr = static_cast<int>(std::min<int64_t>(2, m - i0));
    for (int64_t v0 = 0; v0 < k_vectors; v0 += 4) {
      const int kv = static_cast<int>(std::min<int64_t>(4, k_vectors - v0));
      (mr == 2 && kv == 4 ? grad_input_tile<2, 4> : kGradInputTiles[mr - 1][kv - 1])(
          n, dy + i0 * lddy, lddy, w + v0 * kLanes, kp, a + i0 * lda + v0 * kLanes, lda,
          dx + i0 * lddx + v0 * kLanes, lddx);
    }
  }
}

}  // namespace

const DenseKernels* dense_kernels_avx2() {
  static const DenseKernels kernels{"avx2", f32_dense_forward__avx2,
                                    f32_dense_grad_weight_4x3__avx2,
                                    f32_dense_grad_input_2x4__avx2};
  return runtime::isa_supported(runtime::Isa::kAvx2) ? &kernels : nullptr;
}

}  // namespace octet::train
