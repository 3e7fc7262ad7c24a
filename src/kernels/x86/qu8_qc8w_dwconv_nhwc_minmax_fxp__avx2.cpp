// Quantized depthwise convolution over channels-last images, AVX2, bit-exact with
// qu8_qc8w_dwconv_nhwc_minmax_fxp__ref: per output pixel, 8 channels at a time, each valid tap
// adds (x - z_in) * w with one vpmaddwd: it sums the products of both int16 halves of each
// int32 lane; (x - z_in) is in [-255, 255], so its low half is the value, and the weights are
// widened once, at load, to int32 lanes whose high half is 0, so each lane gets exactly
// (x - z_in) * w. The requantization is the GEMM's AVX2 one (qgemm_avx2_epilogue.h); the last
// C mod 8 channels take the reference's scalar steps.
#include "kernels/x86/dwconv_nhwc_taps.h"
#include "kernels/x86/qgemm_avx2_epilogue.h"
#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

void qu8_qc8w_dwconv_nhwc_minmax_fxp__avx2(size_t images, size_t channels, const Window2d& win,
                                           const uint8_t* x, const DwConvWeights& weights,
                                           uint8_t* y, const QDwConvParams& params,
                                           int32_t* scratch) noexcept {
  const auto c_n = static_cast<int64_t>(channels);
  if (win.kernel_h * win.kernel_w > kDwConvMaxListedTaps) {
    qu8_qc8w_dwconv_nhwc_minmax_fxp__ref(images, channels, win, x, weights, y, params, scratch);
    return;
  }
  int64_t tap_offset[kDwConvMaxListedTaps], tap_row[kDwConvMaxListedTaps];
  const __m256i zero_point_in = _mm256_set1_epi32(params.zero_point_in);
  const __m256i zp = _mm256_set1_epi64x(params.zero_point_out);
  const __m256i lo = _mm256_set1_epi64x(params.out_min), hi = _mm256_set1_epi64x(params.out_max);
  // A Requant is {multiplier, shift}: 4 of them in a ymm, deinterleaved to 8 of each.
  static_assert(sizeof(Requant) == 8 && offsetof(Requant, shift) == 4);
  const __m256i split = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  const int64_t vector_end = c_n / 8 * 8;
  for (size_t n = 0; n < images; ++n) {
    const uint8_t* xn = x + static_cast<int64_t>(n) * win.in_h * win.in_w * c_n;
    for (int64_t oh = 0; oh < win.out_h; ++oh) {
      for (int64_t ow = 0; ow < win.out_w; ++ow, y += c_n) {
        const int64_t valid = list_valid_taps(win, c_n, oh, ow, tap_offset, tap_row);
        for (int64_t c = 0; c < vector_end; c += 8) {
          __m256i acc = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(params.bias + c));
          for (int64_t t = 0; t < valid; ++t) {
            const __m256i xv = _mm256_cvtepu8_epi32(
                _mm_loadl_epi64(reinterpret_cast<const __m128i*>(xn + tap_offset[t] + c)));
            const __m256i wv = _mm256_loadu_si256(
                reinterpret_cast<const __m256i*>(weights.w_wide + tap_row[t] + c));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_sub_epi32(xv, zero_point_in), wv));
          }
          const __m256i r0 = _mm256_permutevar8x32_epi32(
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(params.requant + c)), split);
          const __m256i r1 = _mm256_permutevar8x32_epi32(
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(params.requant + c + 4)), split);
          const __m256i m = _mm256_permute2x128_si256(r0, r1, 0x20);  // multipliers c..c+7
          const __m256i s = _mm256_permute2x128_si256(r0, r1, 0x31);  // shifts c..c+7
          store_u8x8(y + c, requantize_u8x8(acc, m, s, zp, lo, hi), 8);
        }
        for (int64_t c = vector_end; c < c_n; ++c) {
          int32_t acc = params.bias[c];
          for (int64_t t = 0; t < valid; ++t)
            acc += (static_cast<int32_t>(xn[tap_offset[t] + c]) - params.zero_point_in) *
                   static_cast<int32_t>(weights.w[tap_row[t] + c]);
          y[c] = static_cast<uint8_t>(requantize(acc, params.requant[c], params.zero_point_out,
                                                 params.out_min, params.out_max));
        }
      }
    }
  }
}

}  // namespace octet::kernels
