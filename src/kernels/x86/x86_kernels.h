// The x86 SIMD kernels, one per file named like the function (STYLE.md). Each ISA's files build
// with that ISA's flags only (CMake object library), so this header must stay free of inline
// code: an inline function compiled with -mavx2 could be picked by the linker for baseline code.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/qgemm_kernels.h"
#include "kernels/ref/ref_kernels.h"

namespace octet::kernels {

// qu8 x qc8w GEMM, 4x16 tiles over the 8c2 packed weights, int16 products summed in int32 by
// vpmaddwd (exact, see the file). Signatures: QGemmU8Fn / QGemmF32Fn.
void qu8_qc8w_gemm_4x16c2_minmax_fxp__avx2(size_t m, size_t n_begin, size_t n_end,
                                           const uint8_t* a, size_t a_stride,
                                           const QGemmWeights& w, uint8_t* c, size_t c_stride,
                                           const QGemmOutput& out, uint16_t* scratch) noexcept;
void qu8_f32_qc8w_gemm_4x16c2__avx2(size_t m, size_t n_begin, size_t n_end, const uint8_t* a,
                                    size_t a_stride, const QGemmWeights& w, float* c,
                                    size_t c_stride, uint16_t* scratch) noexcept;
// The same over the 8c4 packed weights with vpdpbusd: AVX-VNNI (4x16 ymm tiles) and AVX-512
// VNNI (8x32 zmm tiles). Exact for any uint8 activations.
void qu8_qc8w_gemm_4x16c4_minmax_fxp__avxvnni(size_t m, size_t n_begin, size_t n_end,
                                              const uint8_t* a, size_t a_stride,
                                              const QGemmWeights& w, uint8_t* c, size_t c_stride,
                                              const QGemmOutput& out, uint16_t* scratch) noexcept;
void qu8_f32_qc8w_gemm_4x16c4__avxvnni(size_t m, size_t n_begin, size_t n_end, const uint8_t* a,
                                       size_t a_stride, const QGemmWeights& w, float* c,
                                       size_t c_stride, uint16_t* scratch) noexcept;
void qu8_qc8w_gemm_8x32c4_minmax_fxp__avx512vnni(size_t m, size_t n_begin, size_t n_end,
                                                 const uint8_t* a, size_t a_stride,
                                                 const QGemmWeights& w, uint8_t* c,
                                                 size_t c_stride, const QGemmOutput& out,
                                                 uint16_t* scratch) noexcept;
void qu8_f32_qc8w_gemm_8x32c4__avx512vnni(size_t m, size_t n_begin, size_t n_end,
                                          const uint8_t* a, size_t a_stride, const QGemmWeights& w,
                                          float* c, size_t c_stride, uint16_t* scratch) noexcept;

// Quantized addition (eq. 22-24), bit-exact with qu8_vadd_minmax_fxp__ref.
void qu8_vadd_minmax_fxp__avx2(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y,
                               const QAddParams& params) noexcept;
void qu8_vadd_minmax_fxp__avx512vnni(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y,
                                     const QAddParams& params) noexcept;

// Quantized max pool (eq. 21), bit-exact with qu8_maxpool__ref.
void qu8_maxpool__avx2(size_t planes, const Window2d& window, const uint8_t* x,
                       uint8_t* y) noexcept;
// Quantized depthwise conv over channels-last images (eq. 28), bit-exact with
// qu8_qc8w_dwconv_nhwc_minmax_fxp__ref.
void qu8_qc8w_dwconv_nhwc_minmax_fxp__avx2(size_t images, size_t channels, const Window2d& window,
                                           const uint8_t* x, const DwConvWeights& w, uint8_t* y,
                                           const QDwConvParams& params, int32_t* scratch) noexcept;
void qu8_qc8w_dwconv_nhwc_minmax_fxp__avx512vnni(size_t images, size_t channels,
                                                 const Window2d& window, const uint8_t* x,
                                                 const DwConvWeights& w, uint8_t* y,
                                                 const QDwConvParams& params,
                                                 int32_t* scratch) noexcept;
// Quantized max pool over channels-last images, bit-exact with qu8_maxpool_nhwc__ref.
void qu8_maxpool_nhwc__avx2(size_t images, size_t channels, const Window2d& window,
                            const uint8_t* x, uint8_t* y) noexcept;

// Quantize / dequantize vectors, bit-exact with the __ref twins (same signatures).
void f32_qu8_vcvt__avx2(size_t n, const float* x, uint8_t* y, const CvtParams& params) noexcept;
void f32_qs8_vcvt__avx2(size_t n, const float* x, int8_t* y, const CvtParams& params) noexcept;
void qu8_f32_vcvt__avx2(size_t n, const uint8_t* x, float* y, const CvtParams& params) noexcept;
void qs8_f32_vcvt__avx2(size_t n, const int8_t* x, float* y, const CvtParams& params) noexcept;

}  // namespace octet::kernels
