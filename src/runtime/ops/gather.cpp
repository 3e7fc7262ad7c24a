// Gather: picks slices of `data` along `axis` at the given indices (int64 or int32, negative
// counts from the end). data [a0..a(k-1), n, b...] and indices [i...] give
// y [a0..a(k-1), i..., b...]: for each outer index and each index, one contiguous block of
// prod(b) elements is copied. Any data dtype (float32 tensors and int64 shapes alike).
#include <cstring>

#include "octet/error.h"
#include "runtime/ops/tensor_ops.h"

namespace octet::runtime {

namespace {

// The indices as int64 in [0, n): negative ones wrapped, out-of-range ones rejected.
template <typename Index>
std::vector<int64_t> checked_indices(const Node& node, const Tensor& indices, int64_t n) {
  std::vector<int64_t> result;
  result.reserve(static_cast<size_t>(indices.numel()));
  for (Index raw : indices.values<Index>()) {
    const auto i = static_cast<int64_t>(raw);
    if (i < -n || i >= n)
      fail("{}: index {} is out of range for an axis of size {} (valid: [{}, {}])", node.describe(),
           i, n, -n, n - 1);
    result.push_back(i < 0 ? i + n : i);
  }
  return result;
}

}  // namespace

std::unique_ptr<Op> make_gather(const Node& node, const Graph&) {
  const int64_t axis_attr = node.attr_int("axis", 0);
  return make_op([node, axis_attr](std::span<const Tensor* const> in, std::span<Tensor> out) {
    const Tensor& data = required_input(node, in, 0);
    const Tensor& indices = required_input(node, in, 1);
    const auto rank = static_cast<int64_t>(data.rank());
    if (rank == 0) fail("{}: data is a scalar; Gather needs rank >= 1", node.describe());
    const int64_t axis = normalize_axis(node, axis_attr, rank, "axis");
    const int64_t n = data.dim(axis);
    std::vector<int64_t> picks;
    if (indices.dtype() == DType::kI64)
      picks = checked_indices<int64_t>(node, indices, n);
    else if (indices.dtype() == DType::kI32)
      picks = checked_indices<int32_t>(node, indices, n);
    else
      fail("{}: indices are {}, expected int64 or int32", node.describe(),
           dtype_name(indices.dtype()));

    Shape shape(data.shape().begin(), data.shape().begin() + axis);
    shape.insert(shape.end(), indices.shape().begin(), indices.shape().end());
    shape.insert(shape.end(), data.shape().begin() + axis + 1, data.shape().end());
    Tensor y(data.dtype(), shape);
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d) {
      if (d < axis) outer *= data.dim(d);
      if (d > axis) inner *= data.dim(d);
    }
    const size_t block = static_cast<size_t>(inner) * dtype_size(data.dtype());
    const std::byte* src = data.raw();
    std::byte* dst = y.raw();
    if (block > 0) {
      for (int64_t o = 0; o < outer; ++o) {
        const std::byte* slab = src + static_cast<size_t>(o * n) * block;
        for (int64_t i : picks) {
          std::memcpy(dst, slab + static_cast<size_t>(i) * block, block);
          dst += block;
        }
      }
    }
    out[0] = std::move(y);
  });
}

}  // namespace octet::runtime
