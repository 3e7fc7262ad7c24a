// Softmax cross-entropy and its gradient, in float like PyTorch's log_softmax + nll_loss.
#include "train/cross_entropy.h"

#include <algorithm>
#include <cmath>

#include "octet/error.h"

namespace octet::train {

double softmax_cross_entropy(int64_t m, int64_t n_classes, const float* logits, int64_t ld_logits,
                             const uint8_t* labels, float* grad, int64_t ld_grad) {
  OCTET_CHECK(m > 0 && n_classes > 0, "cross-entropy over {} rows of {} classes", m, n_classes);
  const float inv_m = 1.0f / static_cast<float>(m);
  double loss_sum = 0.0;
  for (int64_t i = 0; i < m; ++i) {
    const float* z = logits + i * ld_logits;
    float* dz = grad + i * ld_grad;
    const int64_t label = labels[i];
    OCTET_CHECK(label < n_classes, "label {} of row {} is not below {}", label, i, n_classes);
    float z_max = z[0];
    for (int64_t c = 1; c < n_classes; ++c) z_max = std::max(z_max, z[c]);
    // exp(z - max) in dz first, then normalized in place: one exp per logit.
    float exp_sum = 0.0f;
    for (int64_t c = 0; c < n_classes; ++c) {
      dz[c] = std::exp(z[c] - z_max);
      exp_sum += dz[c];
    }
    const float log_sum = std::log(exp_sum);
    loss_sum += static_cast<double>(log_sum - (z[label] - z_max));
    const float inv_sum = 1.0f / exp_sum;
    for (int64_t c = 0; c < n_classes; ++c) dz[c] = dz[c] * inv_sum * inv_m;
    dz[label] -= inv_m;
  }
  return loss_sum / static_cast<double>(m);
}

}  // namespace octet::train
