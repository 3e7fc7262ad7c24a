// Quantized depthwise convolution over channels-last images, AVX-512 VNNI, bit-exact with
// qu8_qc8w_dwconv_nhwc_minmax_fxp__ref: per output pixel, 16 channels at a time, each valid
// tap adds (x - z_in) * w with one vpdpwssd. vpdpwssd sums the products of both int16 halves of
// each int32 lane; (x - z_in) is in [-255, 255], so its low half is the value, and the weights
// are widened once, at load, to int32 lanes whose high half is 0, so each lane adds exactly
// (x - z_in) * w: the reference's integer sums. The requantization is the GEMM's
// (qgemm_avx512_epilogue.h).
#include "kernels/x86/dwconv_nhwc_taps.h"
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
                                                 const DwConvWeights& weights, uint8_t* y,
                                                 const QDwConvParams& params,
                                                 int32_t* scratch) noexcept {
  const auto c_n = static_cast<int64_t>(channels);
  const int64_t taps = win.kernel_h * win.kernel_w;
  if (taps > kDwConvMaxListedTaps) {
    qu8_qc8w_dwconv_nhwc_minmax_fxp__ref(images, channels, win, x, weights, y, params, scratch);
    return;
  }
  // A window wholly inside the image reads its taps at fixed offsets from its first pixel, with
  // the weight rows in order; other windows list their valid taps.
  int64_t inner_offset[kDwConvMaxListedTaps], inner_row[kDwConvMaxListedTaps];
  for (int64_t kh = 0; kh < win.kernel_h; ++kh)
    for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
      const int64_t t = kh * win.kernel_w + kw;
      inner_offset[t] = (kh * win.dilation_h * win.in_w + kw * win.dilation_w) * c_n;
      inner_row[t] = t * c_n;
    }
  int64_t edge_offset[kDwConvMaxListedTaps], edge_row[kDwConvMaxListedTaps];
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
        const bool inside =
            rows_inside && w0 >= 0 && w0 + (win.kernel_w - 1) * win.dilation_w < win.in_w;
        const uint8_t* base = inside ? xn + (h0 * win.in_w + w0) * c_n : xn;
        const int64_t* offsets = inside ? inner_offset : edge_offset;
        const int64_t* rows = inside ? inner_row : edge_row;
        const int64_t valid =
            inside ? taps : list_valid_taps(win, c_n, oh, ow, edge_offset, edge_row);
        for (int64_t c = 0; c < c_n; c += 16) {
          const size_t count = static_cast<size_t>(c_n - c);
          const __mmask16 lanes = first_lanes16(count);
          __m512i acc = _mm512_maskz_loadu_epi32(lanes, params.bias + c);
          for (int64_t t = 0; t < valid; ++t) {
            const __m512i xv =
                _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(lanes, base + offsets[t] + c));
            const __m512i wv = _mm512_maskz_loadu_epi32(lanes, weights.w_wide + rows[t] + c);
            acc = _mm512_dpwssd_epi32(acc, _mm512_sub_epi32(xv, zero_point_in), wv);
          }
          _mm_mask_storeu_epi8(
              y + c, lanes,
              requantize_u8x16(acc, load_requant16(params.requant + c, count), clamp));
        }
      }
    }
  }
}

}  // namespace octet::kernels
