// MatMulInteger (ONNX opset 10): Y = (A - a_zero_point) x (B - b_zero_point) in int32, numpy
// matmul semantics ([..., M, K] x [..., K, N], batch dimensions broadcast); A and B uint8 or
// int8, zero points optional (default 0), per tensor, per row of A or per column of B.
// Also the integer matmul core QLinearMatMul builds on (integer_ops.h).
#include <algorithm>

#include "octet/error.h"
#include "runtime/ops/integer_ops.h"

namespace octet::runtime {

namespace {
// Row-major strides of `shape`, right-aligned to `rank` axes, 0 on the axes where the shape has
// size 1 or none (a broadcast read).
std::vector<int64_t> broadcast_read_strides(const Shape& shape, size_t rank) {
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    const size_t own = shape.size() - 1 - i, axis = rank - 1 - i;
    if (shape[own] != 1) strides[axis] = stride;
    stride *= shape[own];
  }
  return strides;
}

// For each element of `target` (row-major), the index of the element of `source` it reads
// when `source` is broadcast (numpy) to `target`; `source` must broadcast to it.
std::vector<int64_t> broadcast_indices(const Shape& source, const Shape& target) {
  const std::vector<int64_t> strides = broadcast_read_strides(source, target.size());
  std::vector<int64_t> indices(static_cast<size_t>(shape_numel(target)));
  std::vector<int64_t> coord(target.size(), 0);
  int64_t offset = 0;
  for (int64_t& index : indices) {
    index = offset;
    for (size_t axis = target.size(); axis-- > 0;) {  // odometer, last axis fastest
      offset += strides[axis];
      if (++coord[axis] < target[axis]) break;
      offset -= strides[axis] * target[axis];
      coord[axis] = 0;
    }
  }
  return indices;
}

bool broadcasts_to(const Shape& source, const Shape& target) {
  if (source.size() > target.size()) return false;
  for (size_t i = 0; i < source.size(); ++i) {
    const int64_t s = source[source.size() - 1 - i], t = target[target.size() - 1 - i];
    if (s != t && s != 1) return false;
  }
  return true;
}

// The element of `param` each row of A (per_row) or column of B reads (see integer_ops.h).
std::vector<int64_t> param_indices(const Node& node, const Tensor& param, const MatMulShape& s,
                                   bool per_row, const char* role) {
  const Shape& target = per_row ? s.a_rows : s.b_cols;
  const auto count = static_cast<size_t>(shape_numel(target));
  if (param.numel() == 1) return std::vector<int64_t>(count, 0);
  if (per_row && param.rank() == 1 && param.dim(0) == s.m) {
    std::vector<int64_t> indices(count);
    for (size_t i = 0; i < count; ++i) indices[i] = static_cast<int64_t>(i) % s.m;
    return indices;
  }
  if (!broadcasts_to(param.shape(), target))
    fail("{}: {} has shape {}, expected one value, {} or a shape that broadcasts to {}",
         node.describe(), role, shape_str(param.shape()),
         per_row ? fmt::format("[{}] (per row)", s.m) : fmt::format("[{}] (per column)", s.n),
         shape_str(target));
  return broadcast_indices(param.shape(), target);
}

// The 8-bit tensor t minus its zero point, as int16 (exact: in [-255, 255]); element e reads
// zero point zp[zp_index(e)].
template <typename T, typename Index>
void center(const T* t, int64_t count, const std::vector<int32_t>& zp, Index zp_index,
            int16_t* out) {
  for (int64_t e = 0; e < count; ++e)
    out[e] = static_cast<int16_t>(t[e] - zp[static_cast<size_t>(zp_index(e))]);
}

template <typename Index>
std::vector<int16_t> centered(const Tensor& t, const std::vector<int32_t>& zp, Index zp_index) {
  std::vector<int16_t> out(static_cast<size_t>(t.numel()));
  if (t.dtype() == DType::kU8)
    center(t.data<uint8_t>(), t.numel(), zp, zp_index, out.data());
  else
    center(t.data<int8_t>(), t.numel(), zp, zp_index, out.data());
  return out;
}
}  // namespace

MatMulShape matmul_shape(const Node& node, const Shape& a, const Shape& b) {
  if (a.empty() || b.empty())
    fail("{}: operands {} and {} must both have rank >= 1", node.describe(), shape_str(a),
         shape_str(b));
  Shape sa = a, sb = b;
  const bool a_vec = sa.size() == 1, b_vec = sb.size() == 1;
  if (a_vec) sa.insert(sa.begin(), 1);
  if (b_vec) sb.push_back(1);
  MatMulShape s;
  s.m = sa[sa.size() - 2];
  s.k = sa.back();
  s.n = sb.back();
  if (sb[sb.size() - 2] != s.k)
    fail("{}: inner dimensions differ: A {} x B {}", node.describe(), shape_str(a), shape_str(b));
  const Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
  Shape batch(std::max(batch_a.size(), batch_b.size()), 1);
  for (size_t i = 0; i < batch.size(); ++i) {
    const int64_t da = i < batch_a.size() ? batch_a[batch_a.size() - 1 - i] : 1;
    const int64_t db = i < batch_b.size() ? batch_b[batch_b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      fail("{}: batch dimensions of A {} and B {} do not broadcast", node.describe(), shape_str(a),
           shape_str(b));
    batch[batch.size() - 1 - i] = std::max(da, db);
  }
  s.out_shape = batch;
  if (!a_vec) s.out_shape.push_back(s.m);
  if (!b_vec) s.out_shape.push_back(s.n);
  s.a_rows = sa;
  s.a_rows.back() = 1;
  s.b_cols = sb;
  s.b_cols[s.b_cols.size() - 2] = 1;
  s.batch_a = broadcast_indices(batch_a, batch);
  s.batch_b = broadcast_indices(batch_b, batch);
  return s;
}

std::vector<float> expand_matmul_scale(const Node& node, const Tensor& scale,
                                       const MatMulShape& shape, bool per_row, const char* role) {
  const std::vector<int64_t> indices = param_indices(node, scale, shape, per_row, role);
  std::vector<float> values(indices.size());
  for (size_t i = 0; i < indices.size(); ++i)
    values[i] = scale_value(node, scale, indices[i], role);
  return values;
}

std::vector<int32_t> expand_matmul_zero_point(const Node& node, const Tensor& zero_point,
                                              const MatMulShape& shape, bool per_row,
                                              const char* role, DType zero_point_dtype) {
  const std::vector<int64_t> indices = param_indices(node, zero_point, shape, per_row, role);
  std::vector<int32_t> values(indices.size());
  for (size_t i = 0; i < indices.size(); ++i)
    values[i] = zero_point_value(node, zero_point, indices[i], zero_point_dtype, role);
  return values;
}

void matmul_integer_acc(const MatMulShape& s, const Tensor& a, const std::vector<int32_t>& za,
                        const Tensor& b, const std::vector<int32_t>& zb, int32_t* acc) {
  const int64_t m = s.m, k = s.k, n = s.n;
  // A element e lies in row e / K of [batch_a..., M]; B element e in column
  // (e / (K * N)) * N + e % N of [batch_b..., N].
  const std::vector<int16_t> ac = centered(a, za, [k](int64_t e) { return e / k; });
  const std::vector<int16_t> bc =
      centered(b, zb, [k, n](int64_t e) { return e / (k * n) * n + e % n; });
  std::vector<uint32_t> row(static_cast<size_t>(n));
  for (size_t i = 0; i < s.batch_a.size(); ++i) {
    const int16_t* pa = ac.data() + s.batch_a[i] * m * k;
    const int16_t* pb = bc.data() + s.batch_b[i] * k * n;
    for (int64_t r = 0; r < m; ++r) {
      std::fill(row.begin(), row.end(), 0u);
      for (int64_t kk = 0; kk < k; ++kk) {
        const int32_t av = pa[r * k + kk];
        if (av == 0) continue;
        const int16_t* pb_row = pb + kk * n;
        // |av * bv| <= 255^2: exact in int32; the uint32 sum wraps as ONNX allows.
        for (int64_t c = 0; c < n; ++c) row[c] += static_cast<uint32_t>(av * pb_row[c]);
      }
      int32_t* out = acc + (static_cast<int64_t>(i) * m + r) * n;
      for (int64_t c = 0; c < n; ++c) out[c] = static_cast<int32_t>(row[c]);
    }
  }
}

std::unique_ptr<Op> make_matmul_integer(const Node& node, const Graph&) {
  return make_op([node](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& a = required_input(node, in, 0);
    const Tensor& b = required_input(node, in, 1);
    expect_8bit(node, a, "input 0 (A)");
    expect_8bit(node, b, "input 1 (B)");
    const MatMulShape s = matmul_shape(node, a.shape(), b.shape());
    const Tensor* a_zp = in.size() > 2 ? in[2] : nullptr;
    const Tensor* b_zp = in.size() > 3 ? in[3] : nullptr;
    const std::vector<int32_t> za =
        a_zp ? expand_matmul_zero_point(node, *a_zp, s, true, "input 2 (a_zero_point)", a.dtype())
             : std::vector<int32_t>(static_cast<size_t>(shape_numel(s.a_rows)), 0);
    const std::vector<int32_t> zb =
        b_zp ? expand_matmul_zero_point(node, *b_zp, s, false, "input 3 (b_zero_point)", b.dtype())
             : std::vector<int32_t>(static_cast<size_t>(shape_numel(s.b_cols)), 0);
    Tensor y(DType::kI32, s.out_shape);
    matmul_integer_acc(s, a, za, b, zb, y.data<int32_t>());
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
