// The runtime side of the qu8 x qc8w GEMM: weights packed once when an operator is built, and
// the run that splits the output over threads and calls the selected kernel level.
#pragma once

#include <string>
#include <vector>

#include "kernels/qgemm_kernels.h"

namespace octet::runtime {

// Owns the packed weights and epilogue constants of one layer (see kernels::QGemmWeights).
class PackedQGemm {
 public:
  PackedQGemm() = default;
  // w: int8 [N, K] row-major; bias_q: int32 [N] at scale s_in * s_w[n] or null;
  // zero_point_a: the activations' zero point; requant: [N] for a uint8 output, or null;
  // acc_scale: [N] s_in * s_w[n] for a float output, or null. Throws octet::Error naming `what`
  // when the int32 accumulation could overflow (qu8_qc8w_gemm_prepare).
  PackedQGemm(size_t n, size_t k, const int8_t* w, const int32_t* bias_q, int32_t zero_point_a,
              const Requant* requant, const float* acc_scale, const std::string& what);

  // view_ points into the vectors, whose buffers survive a move but not a copy.
  PackedQGemm(PackedQGemm&&) noexcept = default;
  PackedQGemm& operator=(PackedQGemm&&) noexcept = default;
  PackedQGemm(const PackedQGemm&) = delete;
  PackedQGemm& operator=(const PackedQGemm&) = delete;

  const kernels::QGemmWeights& weights() const { return view_; }

 private:
  kernels::QGemmWeights view_;
  std::vector<int8_t> w_rows_;
  std::vector<int16_t> w_8c2_;
  std::vector<int8_t> w_8c4_;
  std::vector<int32_t> bias_, multiplier_, shift_;
  std::vector<Requant> requant_;
  std::vector<float> scale_;
};

// C uint8 [m, N] (row stride c_stride) = the fixed-point GEMM of A uint8 [m, K] (row stride
// a_stride), with the kernels of `kernels` (default: the process's level), on num_threads().
void run_qgemm(const PackedQGemm& w, size_t m, const uint8_t* a, size_t a_stride, uint8_t* c,
               size_t c_stride, const kernels::QGemmOutput& out,
               const kernels::QGemmKernels* kernels = nullptr);
// C float32 [m, N] = the float-exit GEMM (eq. 17).
void run_qgemm_f32(const PackedQGemm& w, size_t m, const uint8_t* a, size_t a_stride, float* c,
                   size_t c_stride, const kernels::QGemmKernels* kernels = nullptr);

// The process's GEMM kernels: select_qgemm(active_isa()), chosen once.
const kernels::QGemmKernels& qgemm_kernels();

}  // namespace octet::runtime
