// Adam: the step constants (in double, as PyTorch computes them in Python) and the elementwise
// update as scalar, SSE and AVX2 loops that give bit-identical results.
//
// The update is bound by the divide / square-root unit (two divides and one square root per
// parameter: ~9 cycles per 8 floats on Zen 3, the same in L1 as in L2), not by memory. Fusing
// it into the weight-gradient GEMM as an epilogue was measured and is slower: the divides do
// not overlap with the FMAs, and the loops lose their streaming shape. So it stays one pass.
#include "train/adam.h"

#include <immintrin.h>

#include <cmath>

#include "octet/error.h"
#include "runtime/cpu_features.h"

namespace octet::train {

AdamScalars adam_scalars(const AdamOptions& options, int64_t t) {
  const double bias_correction1 = 1.0 - std::pow(options.beta1, static_cast<double>(t));
  const double bias_correction2 = 1.0 - std::pow(options.beta2, static_cast<double>(t));
  const double step_size = options.lr / bias_correction1;
  AdamScalars s;
  s.beta1 = static_cast<float>(options.beta1);
  s.one_minus_beta1 = static_cast<float>(1.0 - options.beta1);
  s.beta2 = static_cast<float>(options.beta2);
  s.one_minus_beta2 = static_cast<float>(1.0 - options.beta2);
  s.bias_correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
  s.eps = static_cast<float>(options.eps);
  s.neg_step_size = static_cast<float>(-step_size);
  return s;
}

void f32_adam_update__ref(int64_t n, float* p, const float* g, float* m, float* v,
                          const AdamScalars& s) {
  for (int64_t i = 0; i < n; ++i) {
    m[i] = s.beta1 * m[i] + s.one_minus_beta1 * g[i];
    v[i] = s.beta2 * v[i] + (s.one_minus_beta2 * g[i]) * g[i];
    const float denom = std::sqrt(v[i]) / s.bias_correction2_sqrt + s.eps;
    p[i] = p[i] + s.neg_step_size * (m[i] / denom);
  }
}

void f32_adam_update__sse(int64_t n, float* p, const float* g, float* m, float* v,
                          const AdamScalars& s) {
  const __m128 beta1 = _mm_set1_ps(s.beta1);
  const __m128 one_minus_beta1 = _mm_set1_ps(s.one_minus_beta1);
  const __m128 beta2 = _mm_set1_ps(s.beta2);
  const __m128 one_minus_beta2 = _mm_set1_ps(s.one_minus_beta2);
  const __m128 bias_correction2_sqrt = _mm_set1_ps(s.bias_correction2_sqrt);
  const __m128 eps = _mm_set1_ps(s.eps);
  const __m128 neg_step_size = _mm_set1_ps(s.neg_step_size);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m128 gi = _mm_loadu_ps(g + i);
    const __m128 mi =
        _mm_add_ps(_mm_mul_ps(beta1, _mm_loadu_ps(m + i)), _mm_mul_ps(one_minus_beta1, gi));
    const __m128 vi = _mm_add_ps(_mm_mul_ps(beta2, _mm_loadu_ps(v + i)),
                                 _mm_mul_ps(_mm_mul_ps(one_minus_beta2, gi), gi));
    _mm_storeu_ps(m + i, mi);
    _mm_storeu_ps(v + i, vi);
    const __m128 denom = _mm_add_ps(_mm_div_ps(_mm_sqrt_ps(vi), bias_correction2_sqrt), eps);
    const __m128 pi =
        _mm_add_ps(_mm_loadu_ps(p + i), _mm_mul_ps(neg_step_size, _mm_div_ps(mi, denom)));
    _mm_storeu_ps(p + i, pi);
  }
  f32_adam_update__ref(n - i, p + i, g + i, m + i, v + i, s);
}

// target("avx2") without "fma" on purpose: the compiler must not fuse a multiply and an add,
// which would round differently from the SSE and scalar loops.
__attribute__((target("avx2"))) void f32_adam_update__avx2(int64_t n, float* p, const float* g,
                                                           float* m, float* v,
                                                           const AdamScalars& s) {
  const __m256 beta1 = _mm256_set1_ps(s.beta1);
  const __m256 one_minus_beta1 = _mm256_set1_ps(s.one_minus_beta1);
  const __m256 beta2 = _mm256_set1_ps(s.beta2);
  const __m256 one_minus_beta2 = _mm256_set1_ps(s.one_minus_beta2);
  const __m256 bias_correction2_sqrt = _mm256_set1_ps(s.bias_correction2_sqrt);
  const __m256 eps = _mm256_set1_ps(s.eps);
  const __m256 neg_step_size = _mm256_set1_ps(s.neg_step_size);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 gi = _mm256_loadu_ps(g + i);
    const __m256 mi = _mm256_add_ps(_mm256_mul_ps(beta1, _mm256_loadu_ps(m + i)),
                                    _mm256_mul_ps(one_minus_beta1, gi));
    const __m256 vi = _mm256_add_ps(_mm256_mul_ps(beta2, _mm256_loadu_ps(v + i)),
                                    _mm256_mul_ps(_mm256_mul_ps(one_minus_beta2, gi), gi));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    const __m256 denom =
        _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bias_correction2_sqrt), eps);
    const __m256 pi = _mm256_add_ps(_mm256_loadu_ps(p + i),
                                    _mm256_mul_ps(neg_step_size, _mm256_div_ps(mi, denom)));
    _mm256_storeu_ps(p + i, pi);
  }
  f32_adam_update__ref(n - i, p + i, g + i, m + i, v + i, s);
}

bool adam_update_avx2_supported() {
  return runtime::isa_supported(runtime::Isa::kAvx2);
}

Adam::Adam(int64_t n_params, const AdamOptions& options)
    : options_(options),
      m_(DType::kF32, {n_params}),
      v_(DType::kF32, {n_params}),
      update_(adam_update_avx2_supported() ? f32_adam_update__avx2 : f32_adam_update__sse) {}

void Adam::step(std::span<float> params, std::span<const float> grads) {
  const auto n = static_cast<size_t>(m_.numel());
  OCTET_CHECK(params.size() == n && grads.size() == n, "Adam over {} parameters got {} and {}", n,
              params.size(), grads.size());
  ++t_;
  update_(m_.numel(), params.data(), grads.data(), m_.data<float>(), v_.data<float>(),
          adam_scalars(options_, t_));
}

}  // namespace octet::train
