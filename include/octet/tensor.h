// Tensor: a shape, an element type and 64-byte aligned storage shared between views.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "octet/error.h"

namespace octet {

enum class DType : uint8_t { kF32, kI8, kU8, kI32, kI64 };

using Shape = std::vector<int64_t>;

// Size in bytes of one element.
size_t dtype_size(DType dtype);
// "float32", "int8", "uint8", "int32", "int64".
const char* dtype_name(DType dtype);
// "[N,1,28,28]"-style text for messages.
std::string shape_str(const Shape& shape);
// Product of the dimensions; throws octet::Error on a negative dimension or overflow
// past 2^62 elements (`what` names the tensor in the message).
int64_t shape_numel(const Shape& shape, const std::string& what = "tensor");

template <typename T>
constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::kF32; }
template <> constexpr DType dtype_of<int8_t>() { return DType::kI8; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::kU8; }
template <> constexpr DType dtype_of<int32_t>() { return DType::kI32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::kI64; }

class Tensor {
 public:
  Tensor() = default;
  // A zero-filled tensor that owns new storage.
  Tensor(DType dtype, Shape shape);
  // New storage left unfilled, for a kernel that writes every element before anything reads
  // it (a batch-10000 layer should not pay a memset it immediately overwrites).
  static Tensor uninitialized(DType dtype, Shape shape);

  template <typename T>
  static Tensor from(Shape shape, std::span<const T> values) {
    Tensor t(dtype_of<T>(), std::move(shape));
    OCTET_CHECK(static_cast<int64_t>(values.size()) == t.numel(), "{} values for {} elements", values.size(), t.numel());
    std::copy(values.begin(), values.end(), t.data<T>());
    return t;
  }

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t dim(size_t i) const { return shape_.at(i); }
  size_t rank() const { return shape_.size(); }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }
  bool empty() const { return storage_ == nullptr; }

  // Typed element access; aborts (a bug) when T does not match the dtype.
  template <typename T>
  T* data() {
    check_type(dtype_of<T>());
    return reinterpret_cast<T*>(storage_.get() + offset_);
  }
  template <typename T>
  const T* data() const {
    check_type(dtype_of<T>());
    return reinterpret_cast<const T*>(storage_.get() + offset_);
  }
  template <typename T>
  std::span<T> values() {
    return {data<T>(), static_cast<size_t>(numel_)};
  }
  template <typename T>
  std::span<const T> values() const {
    return {data<T>(), static_cast<size_t>(numel_)};
  }
  const std::byte* raw() const { return storage_.get() + offset_; }
  std::byte* raw() { return storage_.get() + offset_; }

  // A view with another shape of the same element count, sharing storage.
  Tensor reshaped(Shape shape) const;
  // Rows [begin, end) of the first dimension, sharing storage.
  Tensor slice_rows(int64_t begin, int64_t end) const;
  // A deep copy with its own storage.
  Tensor clone() const;

 private:
  void check_type(DType want) const;

  DType dtype_ = DType::kF32;
  Shape shape_;
  int64_t numel_ = 0;
  std::shared_ptr<std::byte[]> storage_;
  size_t offset_ = 0;
};

}  // namespace octet
