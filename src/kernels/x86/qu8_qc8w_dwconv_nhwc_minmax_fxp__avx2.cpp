// Quantized depthwise convolution over channels-last images, AVX2, bit-exact with
// qu8_qc8w_dwconv_nhwc_minmax_fxp__ref: per output pixel, 8 channels at a time, each valid tap
// adds (x - z_in) * w with one vpmaddwd: it sums the products of both int16 halves of each
// int32 lane; (x - z_in) is in [-255, 255], so its low half is the value, and the weights are
// widened once per call to int32 lanes whose high half is 0, so each lane gets exactly
// (x - z_in) * w. The requantization is the GEMM's AVX2 one (qgemm_avx2_epilogue.h); the last
// C mod 8 channels take the reference's scalar steps.
#include "kernels/x86/qgemm_avx2_epilogue.h"
#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

void qu8_qc8w_dwconv_nhwc_minmax_fxp__avx2(size_t images, size_t channels, const Window2d& win,
                                           const uint8_t* x, const int8_t* w, uint8_t* y,
                                           const QDwConvParams& params, int32_t* scratch) noexcept {
  const auto c_n = static_cast<int64_t>(channels);
  const int64_t taps = win.kernel_h * win.kernel_w;
  constexpr int64_t kMaxListed = 64;  // the valid taps of an output pixel are listed
  if (taps > kMaxListed) {            // larger windows than 8x8 are rare enough for the reference
    qu8_qc8w_dwconv_nhwc_minmax_fxp__ref(images, channels, win, x, w, y, params, scratch);
    return;
  }
  int64_t tap_offset[kMaxListed], tap_row[kMaxListed];
  int32_t* w32 = scratch;  // [taps, C]: int16 weight in the low half, 0 in the high half
  for (int64_t i = 0; i < taps * c_n; ++i) w32[i] = static_cast<uint16_t>(static_cast<int16_t>(w[i]));
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
      const int64_t h0 = oh * win.stride_h - win.pad_top;
      for (int64_t ow = 0; ow < win.out_w; ++ow, y += c_n) {
        const int64_t w0 = ow * win.stride_w - win.pad_left;
        int64_t valid = 0;
        for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
          const int64_t ih = h0 + kh * win.dilation_h;
          if (ih < 0 || ih >= win.in_h) continue;  // padding is real 0: it adds nothing
          for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
            const int64_t iw = w0 + kw * win.dilation_w;
            if (iw < 0 || iw >= win.in_w) continue;
            tap_offset[valid] = (ih * win.in_w + iw) * c_n;
            tap_row[valid++] = (kh * win.kernel_w + kw) * c_n;
          }
        }
        for (int64_t c = 0; c < vector_end; c += 8) {
          __m256i acc = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(params.bias + c));
          for (int64_t t = 0; t < valid; ++t) {
            const __m256i xv = _mm256_cvtepu8_epi32(
                _mm_loadl_epi64(reinterpret_cast<const __m128i*>(xn + tap_offset[t] + c)));
            const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w32 + tap_row[t] + c));
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
                   static_cast<int32_t>(w[tap_row[t] + c]);
          y[c] = static_cast<uint8_t>(requantize(acc, params.requant[c], params.zero_point_out,
                                                 params.out_min, params.out_max));
        }
      }
    }
  }
}

}  // namespace octet::kernels
