// Numpy-style (multidirectional) broadcasting of two operands, shared by the binary
// element-wise ops.
//
// The shapes are aligned on their last axis; along each axis the two sizes are equal or one of
// them is 1 (a missing leading axis counts as 1), and the output takes the larger. An operand
// is then read through "broadcast strides": its own element strides, with 0 on every axis it
// is broadcast along, so one offset walk serves any pair of shapes. The walk visits the output
// in order, one run of its last axis at a time, which keeps the inner loop a plain strided loop
// (step 1, or 0 for an operand broadcast along the last axis).
#pragma once

#include <cstdint>
#include <vector>

#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet::runtime {

// The broadcast shape of `a` and `b`; throws octet::Error naming `node` when they do not
// broadcast.
Shape broadcast_shape(const Node& node, const Shape& a, const Shape& b);

// Element strides of a tensor of shape `own` read as an output of rank `rank` (>= own.size()),
// right-aligned: 0 on the axes `own` lacks or has size 1 along.
std::vector<int64_t> broadcast_strides(const Shape& own, size_t rank);

// y[i] = fn(a[ia], b[ib]) for every element of y, whose shape is broadcast_shape(a, b); all
// three tensors hold T.
template <typename T, typename Fn>
void broadcast_binary(const Tensor& a, const Tensor& b, Tensor& y, Fn fn) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* py = y.data<T>();
  const Shape& shape = y.shape();
  const int64_t n = y.numel();
  if (a.shape() == shape && b.shape() == shape) {  // no broadcast: one flat loop
    for (int64_t i = 0; i < n; ++i) py[i] = fn(pa[i], pb[i]);
    return;
  }
  const size_t rank = shape.size();  // >= 1 here: two rank-0 operands have equal shapes
  const std::vector<int64_t> strides_a = broadcast_strides(a.shape(), rank);
  const std::vector<int64_t> strides_b = broadcast_strides(b.shape(), rank);
  const int64_t inner = shape[rank - 1];
  const int64_t step_a = strides_a[rank - 1];
  const int64_t step_b = strides_b[rank - 1];
  std::vector<int64_t> coord(rank, 0);
  int64_t ia = 0, ib = 0;
  for (int64_t row = 0; row < n; row += inner) {
    for (int64_t j = 0; j < inner; ++j) py[row + j] = fn(pa[ia + j * step_a], pb[ib + j * step_b]);
    for (size_t axis = rank - 1; axis-- > 0;) {  // odometer over the outer axes, last fastest
      ia += strides_a[axis];
      ib += strides_b[axis];
      if (++coord[axis] < shape[axis]) break;
      ia -= strides_a[axis] * shape[axis];
      ib -= strides_b[axis] * shape[axis];
      coord[axis] = 0;
    }
  }
}

}  // namespace octet::runtime
