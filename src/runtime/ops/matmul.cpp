// MatMul (FP32) with numpy semantics: [..., M, K] x [..., K, N] -> [..., M, N], batch dimensions
// broadcast; a rank-1 operand is promoted (prepended / appended 1) and the dimension removed.
#include <cblas.h>

#include <algorithm>

#include "octet/error.h"
#include "runtime/ops/ops.h"

namespace octet::runtime {

namespace {
// Offset of batch element `index` (over the broadcast batch shape) in an operand whose own
// batch shape is `own`, right-aligned against `full`.
int64_t batch_offset(int64_t index, const Shape& full, const Shape& own, int64_t matrix_size) {
  int64_t offset = 0, stride = matrix_size;
  for (size_t i = 0; i < full.size(); ++i) {
    const size_t axis = full.size() - 1 - i;
    const int64_t coord = index % full[axis];
    index /= full[axis];
    if (i < own.size()) {
      const int64_t d = own[own.size() - 1 - i];
      if (d != 1) offset += coord * stride;
      stride *= d;
    }
  }
  return offset;
}
}  // namespace

std::unique_ptr<Op> make_matmul(const Node& node, const Graph&) {
  return make_op([node](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& a = required_input(node, in, 0);
    const Tensor& b = required_input(node, in, 1);
    expect_dtype(node, a, DType::kF32, "input A");
    expect_dtype(node, b, DType::kF32, "input B");
    if (a.rank() == 0 || b.rank() == 0) fail("{}: MatMul operands must have rank >= 1", node.describe());
    Shape sa = a.shape(), sb = b.shape();
    const bool a_vec = sa.size() == 1, b_vec = sb.size() == 1;
    if (a_vec) sa.insert(sa.begin(), 1);
    if (b_vec) sb.push_back(1);
    const int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
    if (sb[sb.size() - 2] != k)
      fail("{}: inner dimensions differ: {} x {}", node.describe(), shape_str(a.shape()),
           shape_str(b.shape()));
    const Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
    Shape batch(std::max(batch_a.size(), batch_b.size()), 1);
    for (size_t i = 0; i < batch.size(); ++i) {
      const int64_t da = i < batch_a.size() ? batch_a[batch_a.size() - 1 - i] : 1;
      const int64_t db = i < batch_b.size() ? batch_b[batch_b.size() - 1 - i] : 1;
      if (da != db && da != 1 && db != 1)
        fail("{}: batch dimensions of {} and {} do not broadcast", node.describe(),
             shape_str(a.shape()), shape_str(b.shape()));
      batch[batch.size() - 1 - i] = std::max(da, db);
    }
    Shape out_shape = batch;
    if (!a_vec) out_shape.push_back(m);
    if (!b_vec) out_shape.push_back(n);
    Tensor y(DType::kF32, out_shape);
    const int64_t n_batch = shape_numel(batch);
    for (int64_t i = 0; i < n_batch && m > 0 && n > 0; ++i) {
      const float* pa = a.data<float>() + batch_offset(i, batch, batch_a, m * k);
      const float* pb = b.data<float>() + batch_offset(i, batch, batch_b, k * n);
      float* py = y.data<float>() + i * m * n;
      if (k == 0) continue;  // y stays zero
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m),
                  static_cast<int>(n), static_cast<int>(k), 1.0f, pa, static_cast<int>(k), pb,
                  static_cast<int>(n), 0.0f, py, static_cast<int>(n));
    }
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
