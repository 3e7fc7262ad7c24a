// Gemm (FP32): Y[M,N] = alpha * A'[M,K] * B'[K,N] + beta * C, A' = transA ? A^T : A, same for B;
// C broadcasts to [M,N]. The product runs on OpenBLAS sgemm.
#include <cblas.h>

#include "octet/error.h"
#include "runtime/ops/ops.h"

namespace octet::runtime {

namespace {
// Adds beta * C, broadcast unidirectionally to [m, n], into y.
void add_bias(const Node& node, const Tensor& c, float beta, int64_t m, int64_t n, float* y) {
  const float* cv = c.data<float>();
  int64_t rows = 1, cols = 1;
  if (c.rank() == 1) {
    cols = c.dim(0);
  } else if (c.rank() == 2) {
    rows = c.dim(0);
    cols = c.dim(1);
  } else if (c.rank() != 0) {
    fail("{}: C has rank {}, expected 0, 1 or 2", node.describe(), c.rank());
  }
  if ((rows != 1 && rows != m) || (cols != 1 && cols != n))
    fail("{}: C of shape {} does not broadcast to [{},{}]", node.describe(), shape_str(c.shape()),
         m, n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      y[i * n + j] += beta * cv[(rows == 1 ? 0 : i) * cols + (cols == 1 ? 0 : j)];
}
}  // namespace

std::unique_ptr<Op> make_gemm(const Node& node, const Graph&) {
  const bool trans_a = node.attr_int("transA", 0) != 0;
  const bool trans_b = node.attr_int("transB", 0) != 0;
  const float alpha = node.attr_float("alpha", 1.0f);
  const float beta = node.attr_float("beta", 1.0f);
  return make_op([=](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& a = required_input(node, in, 0);
    const Tensor& b = required_input(node, in, 1);
    expect_dtype(node, a, DType::kF32, "input A");
    expect_dtype(node, b, DType::kF32, "input B");
    if (a.rank() != 2 || b.rank() != 2)
      fail("{}: A {} and B {} must both have rank 2", node.describe(), shape_str(a.shape()),
           shape_str(b.shape()));
    const int64_t m = trans_a ? a.dim(1) : a.dim(0);
    const int64_t k = trans_a ? a.dim(0) : a.dim(1);
    const int64_t kb = trans_b ? b.dim(1) : b.dim(0);
    const int64_t n = trans_b ? b.dim(0) : b.dim(1);
    if (k != kb)
      fail("{}: inner dimensions differ: A {} (transA={}) and B {} (transB={})", node.describe(),
           shape_str(a.shape()), trans_a, shape_str(b.shape()), trans_b);
    Tensor y(DType::kF32, {m, n});
    if (m > 0 && n > 0 && k > 0)
      cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                  trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
                  static_cast<int>(k), alpha, a.data<float>(), static_cast<int>(a.dim(1)),
                  b.data<float>(), static_cast<int>(b.dim(1)), 0.0f, y.data<float>(),
                  static_cast<int>(n));
    if (in.size() > 2 && in[2] != nullptr) {
      expect_dtype(node, *in[2], DType::kF32, "input C");
      add_bias(node, *in[2], beta, m, n, y.data<float>());
    }
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
