// Adam (Kingma & Ba 2015) with the exact update rule of torch.optim.Adam (PyTorch 1.13, no
// weight decay, no amsgrad), over one flat buffer of parameters.
#pragma once

#include <cstdint>
#include <span>

#include "octet/tensor.h"

namespace octet::train {

// Hyper-parameters as torch.optim.Adam takes them: Python floats, so doubles here.
struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

// The per-step constants of the update, rounded to float as PyTorch's kernels receive them.
struct AdamScalars {
  float beta1;
  float one_minus_beta1;
  float beta2;
  float one_minus_beta2;
  float bias_correction2_sqrt;  // sqrt(1 - beta2^t)
  float eps;
  float neg_step_size;  // -lr / (1 - beta1^t)
};

// The constants of step t (1-based), computed in double like torch.optim.Adam does in Python.
AdamScalars adam_scalars(const AdamOptions& options, int64_t t);

// The elementwise update, in PyTorch's order of operations for each element:
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + ((1 - beta2) * g) * g
//   p = p + neg_step_size * (m / (sqrt(v) / bias_correction2_sqrt + eps))
// Every operation is one IEEE float add, multiply, divide or square root (no FMA), so the SSE
// and AVX2 versions are bit-identical to this scalar one.
void f32_adam_update__ref(int64_t n, float* p, const float* g, float* m, float* v,
                          const AdamScalars& s);
void f32_adam_update__sse(int64_t n, float* p, const float* g, float* m, float* v,
                          const AdamScalars& s);
// Requires AVX (see adam_update_avx2_supported()).
void f32_adam_update__avx2(int64_t n, float* p, const float* g, float* m, float* v,
                           const AdamScalars& s);
bool adam_update_avx2_supported();

// The optimizer state for `n_params` parameters: the moments m and v (zero at the start) and
// the step count.
class Adam {
 public:
  Adam(int64_t n_params, const AdamOptions& options);

  // One step: t += 1, then the update above over every parameter. params and grads hold
  // n_params floats.
  void step(std::span<float> params, std::span<const float> grads);
  int64_t steps() const { return t_; }
  const Tensor& first_moment() const { return m_; }
  const Tensor& second_moment() const { return v_; }

 private:
  AdamOptions options_;
  int64_t t_ = 0;
  Tensor m_;  // f32 [n_params]
  Tensor v_;  // f32 [n_params]
  void (*update_)(int64_t, float*, const float*, float*, float*, const AdamScalars&);
};

}  // namespace octet::train
