// Numpy-style broadcasting: the output shape and the broadcast strides (see broadcast.h).
#include "runtime/ops/broadcast.h"

#include <algorithm>

#include "octet/error.h"

namespace octet::runtime {

Shape broadcast_shape(const Node& node, const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape shape(rank);
  for (size_t i = 0; i < rank; ++i) {  // i counts axes from the last one
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      fail("{}: shapes {} and {} do not broadcast (axis {} from the end has sizes {} and {})",
           node.describe(), shape_str(a), shape_str(b), i + 1, da, db);
    shape[rank - 1 - i] = da == 1 ? db : da;
  }
  return shape;
}

std::vector<int64_t> broadcast_strides(const Shape& own, size_t rank) {
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t i = 0; i < own.size(); ++i) {
    const size_t axis = own.size() - 1 - i;
    strides[rank - 1 - i] = own[axis] == 1 ? 0 : stride;
    stride *= own[axis];
  }
  return strides;
}

}  // namespace octet::runtime
