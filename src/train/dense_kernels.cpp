// Scalar reference dense-layer kernels (the ground truth for the AVX2 ones) and the run-time
// choice between them.
#include "train/dense_kernels.h"

#include "runtime/cpu_features.h"

namespace octet::train {

namespace {

void f32_dense_forward__ref(int64_t m, int64_t n, int64_t kp, const float* x, int64_t ldx,
                            const float* w, const float* b, bool relu, float* y, int64_t ldy) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float sum = 0.0f;
      for (int64_t k = 0; k < kp; ++k) sum += x[i * ldx + k] * w[j * kp + k];
      const float out = sum + b[j];
      y[i * ldy + j] = relu ? (out > 0.0f ? out : 0.0f) : out;
    }
  }
}

void f32_dense_grad_weight__ref(int64_t m, int64_t n, int64_t kp, const float* dy, int64_t lddy,
                                const float* x, int64_t ldx, float* dw, float* db) {
  for (int64_t j = 0; j < n; ++j) {
    float sum_b = 0.0f;
    for (int64_t i = 0; i < m; ++i) sum_b += dy[i * lddy + j];
    db[j] = sum_b;
    for (int64_t k = 0; k < kp; ++k) {
      float sum = 0.0f;
      for (int64_t i = 0; i < m; ++i) sum += dy[i * lddy + j] * x[i * ldx + k];
      dw[j * kp + k] = sum;
    }
  }
}

void f32_dense_grad_input__ref(int64_t m, int64_t n, int64_t kp, const float* dy, int64_t lddy,
                               const float* w, const float* a, int64_t lda, float* dx,
                               int64_t lddx) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t k = 0; k < kp; ++k) {
      float sum = 0.0f;
      for (int64_t j = 0; j < n; ++j) sum += dy[i * lddy + j] * w[j * kp + k];
      dx[i * lddx + k] = a[i * lda + k] > 0.0f ? sum : 0.0f;
    }
  }
}

}  // namespace

const DenseKernels& dense_kernels_ref() {
  static const DenseKernels kernels{"ref", f32_dense_forward__ref, f32_dense_grad_weight__ref,
                                    f32_dense_grad_input__ref};
  return kernels;
}

const DenseKernels& dense_kernels() {
  static const DenseKernels* chosen = [] {
    // The process-wide level (runtime/cpu_features): OCTET_ISA=ref forces the scalar set.
    const DenseKernels* avx2 = dense_kernels_avx2();
    return runtime::active_isa() == runtime::Isa::kRef || avx2 == nullptr ? &dense_kernels_ref()
                                                                          : avx2;
  }();
  return *chosen;
}

}  // namespace octet::train
