// The three f32 kernels of a dense (Linear) layer in training: forward, weight gradient and
// input gradient, as a scalar reference and an AVX2+FMA version chosen at run time.
//
// Layout: row-major, and every row of a weight matrix or an activation holds `kp` floats, the
// layer's input width rounded up to a multiple of kLanes and zero past the real width. The
// kernels then run whole 8-float vectors along K with no tails, and the zero padding is inert:
// it adds 0 to every dot product, its weight gradient is exactly 0 and Adam leaves it at 0.
//
// The AVX2 kernels use FMA and sum in another order than the reference, so they agree with it
// to rounding, not bit for bit; each is deterministic (no threads, a fixed order of operations).
#pragma once

#include <cstdint>

namespace octet::train {

inline constexpr int64_t kLanes = 8;  // floats in an AVX2 vector
inline constexpr int64_t padded(int64_t n) {
  return (n + kLanes - 1) / kLanes * kLanes;
}

// y[i, j] = b[j] + sum_k x[i, k] * w[j, k] for i < m, j < n; then max(y, 0) if `relu`.
// x: [m, ldx], w: [n, kp], b: [n], y: [m, ldy]. Columns of y at or past n are not written.
using DenseForwardFn = void (*)(int64_t m, int64_t n, int64_t kp, const float* x, int64_t ldx,
                                const float* w, const float* b, bool relu, float* y, int64_t ldy);
// dw[j, k] = sum_i dy[i, j] * x[i, k] for j < n, k < kp; db[j] = sum_i dy[i, j].
// dy: [m, lddy], x: [m, ldx], dw: [n, kp], db: [n]; both are overwritten (no accumulation).
using DenseGradWeightFn = void (*)(int64_t m, int64_t n, int64_t kp, const float* dy, int64_t lddy,
                                   const float* x, int64_t ldx, float* dw, float* db);
// dx[i, k] = a[i, k] > 0 ? sum_j dy[i, j] * w[j, k] : 0 for i < m, k < kp: the gradient at the
// input of the layer, through the ReLU whose output `a` ([m, lda]) the layer read.
// dy: [m, lddy], w: [n, kp], dx: [m, lddx].
using DenseGradInputFn = void (*)(int64_t m, int64_t n, int64_t kp, const float* dy, int64_t lddy,
                                  const float* w, const float* a, int64_t lda, float* dx,
                                  int64_t lddx);

struct DenseKernels {
  const char* isa;  // "ref" or "avx2"
  DenseForwardFn forward;
  DenseGradWeightFn grad_weight;
  DenseGradInputFn grad_input;
};

// The scalar reference: plain loops in the order of the formulas above.
const DenseKernels& dense_kernels_ref();
// The AVX2+FMA kernels, or nullptr when the CPU lacks AVX2 or FMA.
const DenseKernels* dense_kernels_avx2();
// The fastest set this CPU runs, chosen once; OCTET_ISA=ref in the environment forces the
// reference (for debugging and for comparing the two).
const DenseKernels& dense_kernels();

}  // namespace octet::train
