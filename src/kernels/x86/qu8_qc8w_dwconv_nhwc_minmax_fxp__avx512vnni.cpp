// Quantized depthwise convolution over channels-last images, AVX-512 VNNI, bit-exact with
// qu8_qc8w_dwconv_nhwc_minmax_fxp__ref: per output pixel, 16 channels at a time, each valid
// tap adds (x - z_in) * w with one vpdpwssd. vpdpwssd sums the products of both int16 halves of
// each int32 lane; (x - z_in) is in [-255, 255], so its low half is the value, and the weights
// are widened once per call to int32 lanes whose high half is 0, so each lane adds exactly
// (x - z_in) * w: the reference's integer sums. The requantization is the GEMM's
// (qgemm_avx512_epilogue.h).
#include "kernels/x86/qgemm_avx512_epilogue.h"
#include "kernels/x86/x86_kernels.h"

namespace octet::kernels {

namespace {

static_assert(sizeof(Requant) == 8 && offsetof(Requant, shift) == 4,
              "a Requant is read as one int64 lane: multiplier low, shift high");

// The constants of channels c..c+15 (the first `count`), from 16 Requant structs.
inline Requant16 load_requant16(const Requant* r, size_t count) {
  const __mmask16 lanes = first_lanes16(count);
  const __m512i lo = _mm512_maskz_loadu_epi64(static_cast<__mmask8>(lanes), r);
  const __m512i hi = _mm512_maskz_loadu_epi64(static_cast<__mmask8>(lanes >> 8), r + 8);
  const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFF);  // m0 >= 0: zero-extended is its value
  return make_requant16(_mm512_and_si512(lo, low32), _mm512_and_si512(hi, low32),
                        _mm512_srli_epi64(lo, 32), _mm512_srli_epi64(hi, 32));
}

}  // namespace

void qu8_qc8w_dwconv_nhwc_minmax_fxp__avx512vnni(size_t images, size_t channels,
                                                 const Window2d& win, const uint8_t* x,
                                                 const int8_t* w, uint8_t* y,
                                                 const QDwConvParams& params,
                                                 int32_t* scratch) noexcept {
  const auto c_n = static_cast<int64_t>(channels);
  const int64_t taps = win.kernel_h * win.kernel_w;
  // The valid taps of an output pixel, as input offsets and weight rows.
  constexpr int64_t kMaxListed = 64;
  if (taps > kMaxListed) {  // larger windows than 8x8 are rare enough for the reference
    qu8_qc8w_dwconv_nhwc_minmax_fxp__ref(images, channels, win, x, w, y, params, scratch);
    return;
  }
  int64_t tap_offset[kMaxListed], tap_row[kMaxListed], inner_offset[kMaxListed];
  int32_t* w32 = scratch;  // [taps, C]: int16 weight in the low half, 0 in the high half
  for (int64_t i = 0; i < taps * c_n; ++i) w32[i] = static_cast<uint16_t>(static_cast<int16_t>(w[i]));
  for (int64_t kh = 0; kh < win.kernel_h; ++kh)
    for (int64_t kw = 0; kw < win.kernel_w; ++kw)
      inner_offset[kh * win.kernel_w + kw] = (kh * win.dilation_h * win.in_w + kw * win.dilation_w) * c_n;
  const __m512i zero_point_in = _mm512_set1_epi32(params.zero_point_in);
  const OutputClamp16 clamp =
      make_output_clamp16(params.zero_point_out, params.out_min, params.out_max);
  for (size_t n = 0; n < images; ++n) {
    const uint8_t* xn = x + static_cast<int64_t>(n) * win.in_h * win.in_w * c_n;
    for (int64_t oh = 0; oh < win.out_h; ++oh) {
      const int64_t h0 = oh * win.stride_h - win.pad_top;
      const bool rows_inside = h0 >= 0 && h0 + (win.kernel_h - 1) * win.dilation_h < win.in_h;
      for (int64_t ow = 0; ow < win.out_w; ++ow, y += c_n) {
        const int64_t w0 = ow * win.stride_w - win.pad_left;
        int64_t valid = 0;
        const int64_t* offsets = tap_offset;
        const uint8_t* base = xn;
        if (rows_inside && w0 >= 0 && w0 + (win.kernel_w - 1) * win.dilation_w < win.in_w) {
          // Every tap inside: the fixed offsets from the window's first pixel, weights in order.
          valid = taps;
          offsets = inner_offset;
          base = xn + (h0 * win.in_w + w0) * c_n;
          for (int64_t t = 0; t < taps; ++t) tap_row[t] = t * c_n;
        } else {
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
        }
        for (int64_t c = 0; c < c_n; c += 16) {
          const size_t count = static_cast<size_t>(c_n - c);
          const __mmask16 lanes = first_lanes16(count);
          __m512i acc = _mm512_maskz_loadu_epi32(lanes, params.bias + c);
          for (int64_t t = 0; t < valid; ++t) {
            const __m512i xv =
                _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(lanes, base + offsets[t] + c));
            const __m512i wv = _mm512_maskz_loadu_epi32(lanes, w32 + tap_row[t] + c);
            acc = _mm512_dpwssd_epi32(acc, _mm512_sub_epi32(xv, zero_point_in), wv);
          }
          _mm_mask_storeu_epi8(y + c, lanes,
                               requantize_u8x16(acc, load_requant16(params.requant + c, count), clamp));
        }
      }
    }
  }
}

}  // namespace octet::kernels
