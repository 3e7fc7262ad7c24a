// Transpose: y.shape[i] = x.shape[perm[i]] (perm defaults to the reversed axes); any dtype.
// The output is written in order; each run along its last axis reads x with one fixed
// stride, so the inner loop is a strided copy of elements of the dtype's size.
#include <cstring>
#include <numeric>

#include "octet/error.h"
#include "runtime/ops/tensor_ops.h"

namespace octet::runtime {

namespace {

// Only the element size matters; memcpy of a constant size compiles to one move and keeps
// the copy free of type punning.
template <size_t kBytes>
void transpose_elements(const Tensor& x, const std::vector<int64_t>& perm, Tensor& y) {
  const std::byte* src = x.raw();
  std::byte* dst = y.raw();
  const size_t rank = perm.size();
  if (rank < 2) return;  // the caller handles these; said here for the compiler's range analysis
  std::vector<int64_t> x_strides(rank, 1);
  for (size_t d = rank - 1; d-- > 0;) x_strides[d] = x_strides[d + 1] * x.dim(d + 1);
  std::vector<int64_t> strides(rank);  // x's stride along each output axis
  for (size_t d = 0; d < rank; ++d) strides[d] = x_strides[static_cast<size_t>(perm[d])];
  const Shape& shape = y.shape();
  const int64_t inner = shape[rank - 1];
  const int64_t step = strides[rank - 1];
  std::vector<int64_t> coord(rank, 0);
  int64_t offset = 0;
  for (int64_t row = 0; row < y.numel(); row += inner) {
    for (int64_t j = 0; j < inner; ++j)
      std::memcpy(dst + (row + j) * kBytes, src + (offset + j * step) * kBytes, kBytes);
    for (size_t d = rank - 1; d-- > 0;) {  // odometer over the outer output axes
      offset += strides[d];
      if (++coord[d] < shape[d]) break;
      offset -= strides[d] * shape[d];
      coord[d] = 0;
    }
  }
}

}  // namespace

std::unique_ptr<Op> make_transpose(const Node& node, const Graph&) {
  const bool has_perm = node.has_attr("perm");
  const std::vector<int64_t> perm_attr = node.attr_ints("perm");
  return make_op(
      [node, has_perm, perm_attr](std::span<const Tensor* const> in, std::span<Tensor> out) {
        const Tensor& x = required_input(node, in, 0);
        const size_t rank = x.rank();
        std::vector<int64_t> perm = perm_attr;
        if (!has_perm) {
          perm.resize(rank);
          std::iota(perm.rbegin(), perm.rend(), 0);
        }
        std::vector<bool> seen(rank, false);
        bool ok = perm.size() == rank;
        for (size_t d = 0; ok && d < rank; ++d) {
          ok = perm[d] >= 0 && perm[d] < static_cast<int64_t>(rank) && !seen[perm[d]];
          if (ok) seen[perm[d]] = true;
        }
        if (!ok)
          fail("{}: perm {} is not a permutation of the {} axes of the input {}", node.describe(),
               shape_str(perm), rank, shape_str(x.shape()));
        Shape shape(rank);
        for (size_t d = 0; d < rank; ++d) shape[d] = x.dim(static_cast<size_t>(perm[d]));
        if (rank <= 1) {  // nothing moves
          out[0] = x;
          return;
        }
        Tensor y(x.dtype(), shape);
        if (y.numel() > 0) {
          switch (dtype_size(x.dtype())) {
            case 1:
              transpose_elements<1>(x, perm, y);
              break;
            case 4:
              transpose_elements<4>(x, perm, y);
              break;
            case 8:
              transpose_elements<8>(x, perm, y);
              break;
            default:
              OCTET_CHECK(false, "element size {}", dtype_size(x.dtype()));
          }
        }
        out[0] = std::move(y);
      });
}

}  // namespace octet::runtime
