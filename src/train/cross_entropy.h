// Softmax cross-entropy over a batch of logits, with its gradient (torch.nn.CrossEntropyLoss
// with reduction 'mean').
#pragma once

#include <cstdint>

namespace octet::train {

// For rows i < m of `logits` ([m, ld_logits], n_classes used per row) and their labels
// (each < n_classes): loss_i = log(sum_c exp(z_ic)) - z_i,label, computed with the row maximum
// subtracted first so exp never overflows. Writes dL/dz = (softmax(z_i) - onehot(label_i)) / m
// into `grad` ([m, ld_grad], only the first n_classes columns) and returns the mean loss.
double softmax_cross_entropy(int64_t m, int64_t n_classes, const float* logits, int64_t ld_logits,
                             const uint8_t* labels, float* grad, int64_t ld_grad);

}  // namespace octet::train
