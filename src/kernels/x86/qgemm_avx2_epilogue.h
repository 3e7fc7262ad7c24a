// The AVX2 epilogues of the qu8 x qc8w GEMM, shared by every x86 level: they take 8 int32
// accumulators (columns col..col+7 of one row) and store them as uint8 through the fixed-point
// requantization (StoreU8, eq. 9-14) or as float32 (StoreF32, eq. 17), bit-exact with the
// reference. Included only by files built with -mavx2 (or a superset); internal linkage.
#pragma once

#include <immintrin.h>

#include <cstring>

#include "kernels/qgemm_kernels.h"

namespace octet::kernels {
namespace {

// round_half_even(v / 2^s) for int64 lanes v, |v| < 2^62, shifts s in [1, 62] (eq. 12), with
// only logical shifts (AVX2 has no 64-bit arithmetic shift): u = v + 2^63 is v's bit pattern
// with bit 63 flipped, in [0, 2^64) unsigned, and has v's bits 0..62, so
//   floor((u + 2^(s-1) - 1 + bit_s(v)) / 2^s) - 2^(63-s) = round_half_even(v / 2^s),
// the same "add half minus one plus the parity" rule as rounding_shift_right_half_even.
inline __m256i round_shift_half_even_epi64(__m256i v, __m256i s) {
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256i bias = _mm256_set1_epi64x(static_cast<int64_t>(uint64_t{1} << 63));
  const __m256i u = _mm256_add_epi64(v, bias);
  const __m256i odd = _mm256_and_si256(_mm256_srlv_epi64(u, s), one);
  const __m256i half_minus_one =
      _mm256_sub_epi64(_mm256_sllv_epi64(one, _mm256_sub_epi64(s, one)), one);
  const __m256i q = _mm256_srlv_epi64(_mm256_add_epi64(u, _mm256_add_epi64(half_minus_one, odd)), s);
  return _mm256_sub_epi64(q, _mm256_srlv_epi64(bias, s));
}

// clamp(v + zp, lo, hi) on int64 lanes with |v| < 2^61.
inline __m256i add_clamp_epi64(__m256i v, __m256i zp, __m256i lo, __m256i hi) {
  v = _mm256_add_epi64(v, zp);
  v = _mm256_blendv_epi8(v, lo, _mm256_cmpgt_epi64(lo, v));
  return _mm256_blendv_epi8(v, hi, _mm256_cmpgt_epi64(v, hi));
}

// clamp(round_half_even(acc * m0 / 2^shift) + zp, lo, hi) for 8 int32 lanes (8 channels
// with their own m0 and shift, as int32 lanes), as the reference's requantize(); the 8
// results are the low 8 bytes.
inline __m128i requantize_u8x8(__m256i acc, __m256i m, __m256i s, __m256i zp, __m256i lo,
                               __m256i hi) {
  const __m256i mask32 = _mm256_set1_epi64x(0xFFFFFFFF);
  // Even columns sit in the low halves of the 64-bit lanes, odd ones in the high halves.
  // |acc * m0| < 2^31 * 2^31 = 2^62: exact in int64 (eq. 12).
  const __m256i prod_even = _mm256_mul_epi32(acc, m);
  const __m256i prod_odd = _mm256_mul_epi32(_mm256_srli_epi64(acc, 32), _mm256_srli_epi64(m, 32));
  const __m256i q_even = add_clamp_epi64(
      round_shift_half_even_epi64(prod_even, _mm256_and_si256(s, mask32)), zp, lo, hi);
  const __m256i q_odd =
      add_clamp_epi64(round_shift_half_even_epi64(prod_odd, _mm256_srli_epi64(s, 32)), zp, lo, hi);
  // Both in [0, 255]: interleave back to 8 int32 columns, then narrow.
  const __m256i q = _mm256_or_si256(q_even, _mm256_slli_epi64(q_odd, 32));
  const __m128i v = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  return _mm_packus_epi16(v, v);
}

// Stores the first `count` of 8 bytes.
inline void store_u8x8(uint8_t* dst, __m128i v, size_t count) {
  if (count == 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), v);
  } else {
    alignas(16) uint8_t tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), v);
    std::memcpy(dst, tmp, count);
  }
}

struct StoreU8 {
  const QGemmWeights& w;
  const QGemmOutput& out;
  uint8_t* c;
  size_t c_stride;

  void operator()(size_t row, size_t col, __m256i acc, size_t count) const {
    const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.multiplier + col));
    const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.shift + col));
    const __m256i zp = _mm256_set1_epi64x(out.zero_point);
    const __m256i lo = _mm256_set1_epi64x(out.min), hi = _mm256_set1_epi64x(out.max);
    store_u8x8(c + row * c_stride + col, requantize_u8x8(acc, m, s, zp, lo, hi), count);
  }
};

// vcvtdq2ps rounds to nearest like the reference's static_cast and the product is one IEEE
// multiply, so the float exit is bit-exact.
struct StoreF32 {
  const QGemmWeights& w;
  float* c;
  size_t c_stride;

  void operator()(size_t row, size_t col, __m256i acc, size_t count) const {
    const __m256 y = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(w.scale + col));
    float* dst = c + row * c_stride + col;
    if (count == 8) {
      _mm256_storeu_ps(dst, y);
    } else {
      alignas(32) float tmp[8];
      _mm256_store_ps(tmp, y);
      std::memcpy(dst, tmp, count * sizeof(float));
    }
  }
};

}  // namespace
}  // namespace octet::kernels
