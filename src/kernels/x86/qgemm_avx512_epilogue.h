// The AVX-512 requantization of 16 int32 lanes (also used by the depthwise conv), and the
// epilogues of the qu8 x qc8w GEMM built on it: 16 int32 accumulators (columns col..col+15 of
// one row) stored as uint8 through the fixed-point requantization (StoreU8x16, eq. 9-14) or as
// float32 (StoreF32x16, eq. 17), bit-exact with the reference. Each has a per-column part
// (Columns, built once per 16 columns of a tile) and a per-row part, so the constants of a
// column block are loaded once for all the tile's rows. Included only by the avx512vnni files;
// internal linkage.
//
// Why a separate epilogue: the AVX2 one spends ~35 instructions on 8 outputs (no 64-bit
// arithmetic shift, no 64-bit min/max), which at K = 1024 cost a quarter of the 8x32 tile's
// time. Here 16 outputs take about 20.
#pragma once

#include <immintrin.h>

#include "kernels/qgemm_kernels.h"

namespace octet::kernels {
namespace {

// round_half_even(p / 2^s) for int64 lanes, |p| < 2^62, s in [1, 62] (eq. 12):
//   floor((p + 2^(s-1) - 1 + bit_s(p)) / 2^s)
// (a remainder below one half rounds down, above it up, exactly one half up only when the
// floor is odd), the floor being the arithmetic shift AVX-512 has for 64-bit lanes.
inline __m512i round_shift_half_even_epi64x8(__m512i p, __m512i s, __m512i half_minus_one) {
  const __m512i odd = _mm512_and_si512(_mm512_srav_epi64(p, s), _mm512_set1_epi64(1));
  return _mm512_srav_epi64(_mm512_add_epi64(p, _mm512_add_epi64(half_minus_one, odd)), s);
}

// The fixed-point constants (eq. 11-12) of 16 output channels: channels 0-7 in the *_lo
// int64 lanes, 8-15 in *_hi.
struct Requant16 {
  __m512i m_lo, m_hi, s_lo, s_hi, half_lo, half_hi;
};

// From the multipliers m0 (in [0, 2^31)) and shifts as int64 lanes.
inline Requant16 make_requant16(__m512i m_lo, __m512i m_hi, __m512i s_lo, __m512i s_hi) {
  const __m512i one = _mm512_set1_epi64(1);
  return {m_lo,
          m_hi,
          s_lo,
          s_hi,
          _mm512_sub_epi64(_mm512_sllv_epi64(one, _mm512_sub_epi64(s_lo, one)), one),
          _mm512_sub_epi64(_mm512_sllv_epi64(one, _mm512_sub_epi64(s_hi, one)), one)};
}

// The output zero point and clamp, broadcast once: [min - zp, max - zp] and zp.
struct OutputClamp16 {
  __m512i lo, hi, zero_point;
};
inline OutputClamp16 make_output_clamp16(int32_t zero_point, int32_t min, int32_t max) {
  return {_mm512_set1_epi32(min - zero_point), _mm512_set1_epi32(max - zero_point),
          _mm512_set1_epi32(zero_point)};
}

// clamp(round_half_even(acc * m0 / 2^shift) + zero_point, min, max) for 16 int32 lanes, as the
// reference's requantize(), narrowed to 16 bytes.
inline __m128i requantize_u8x16(__m512i acc, const Requant16& k, const OutputClamp16& out) {
  // vpmuldq multiplies the low signed 32 bits of each lane: the sign-extended accumulator by
  // m0, exact in int64 (|acc * m0| < 2^62).
  const __m512i p_lo = _mm512_mul_epi32(_mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc)), k.m_lo);
  const __m512i p_hi =
      _mm512_mul_epi32(_mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc, 1)), k.m_hi);
  // Saturating to int32 before clamping to [min - zp, max - zp] (both within int32) then
  // adding zp is the reference's clamp(q + zp, min, max): saturation keeps the order and is
  // the identity on int32.
  const __m256i q_lo =
      _mm512_cvtsepi64_epi32(round_shift_half_even_epi64x8(p_lo, k.s_lo, k.half_lo));
  const __m256i q_hi =
      _mm512_cvtsepi64_epi32(round_shift_half_even_epi64x8(p_hi, k.s_hi, k.half_hi));
  __m512i q = _mm512_inserti64x4(_mm512_castsi256_si512(q_lo), q_hi, 1);
  q = _mm512_min_epi32(_mm512_max_epi32(q, out.lo), out.hi);
  return _mm512_cvtepi32_epi8(_mm512_add_epi32(q, out.zero_point));  // in [0, 255]
}

// The mask of the first `count` of 16 lanes.
inline __mmask16 first_lanes16(size_t count) {
  return count >= 16 ? __mmask16{0xFFFF} : static_cast<__mmask16>((1u << count) - 1);
}

struct StoreU8x16 {
  const QGemmWeights& w;
  const QGemmOutput& out;
  uint8_t* c;
  size_t c_stride;

  using Columns = Requant16;
  Columns columns(size_t col) const {
    const auto load8 = [](const int32_t* p) {
      return _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    };
    // m0 in [0, 2^31): zero-extended is its value.
    return make_requant16(load8(w.multiplier + col), load8(w.multiplier + col + 8),
                          load8(w.shift + col), load8(w.shift + col + 8));
  }

  void operator()(size_t row, size_t col, __m512i acc, size_t count, const Columns& k) const {
    _mm_mask_storeu_epi8(
        c + row * c_stride + col, first_lanes16(count),
        requantize_u8x16(acc, k, make_output_clamp16(out.zero_point, out.min, out.max)));
  }
};

// vcvtdq2ps rounds to nearest like the reference's static_cast and the product is one IEEE
// multiply, so the float exit is bit-exact.
struct StoreF32x16 {
  const QGemmWeights& w;
  float* c;
  size_t c_stride;

  struct Columns {
    __m512 scale;
  };
  Columns columns(size_t col) const { return {_mm512_loadu_ps(w.scale + col)}; }

  void operator()(size_t row, size_t col, __m512i acc, size_t count, const Columns& k) const {
    _mm512_mask_storeu_ps(c + row * c_stride + col, first_lanes16(count),
                          _mm512_mul_ps(_mm512_cvtepi32_ps(acc), k.scale));
  }
};

}  // namespace
}  // namespace octet::kernels
