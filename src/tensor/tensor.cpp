// Tensor storage, views and shape arithmetic.
#include "octet/tensor.h"

#include <cstring>
#include <new>
#include <optional>

#include "octet/checked_math.h"

namespace octet {

namespace {
constexpr size_t kAlignment = 64;  // one cache line, and the widest SIMD register
constexpr int64_t kMaxElements = int64_t{1} << 62;

std::shared_ptr<std::byte[]> allocate(size_t n_bytes, bool zero = true) {
  const size_t rounded = (n_bytes + kAlignment - 1) / kAlignment * kAlignment;
  auto* p = static_cast<std::byte*>(::operator new[](rounded == 0 ? kAlignment : rounded,
                                                      std::align_val_t{kAlignment}));
  if (zero) std::memset(p, 0, rounded == 0 ? kAlignment : rounded);
  return std::shared_ptr<std::byte[]>(
      p, [](std::byte* q) { ::operator delete[](q, std::align_val_t{kAlignment}); });
}
}  // namespace

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kF32: return 4;
    case DType::kI8: return 1;
    case DType::kU8: return 1;
    case DType::kI32: return 4;
    case DType::kI64: return 8;
  }
  return 0;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32: return "float32";
    case DType::kI8: return "int8";
    case DType::kU8: return "uint8";
    case DType::kI32: return "int32";
    case DType::kI64: return "int64";
  }
  return "?";
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

int64_t shape_numel(const Shape& shape, const std::string& what) {
  for (int64_t d : shape)
    if (d < 0) fail("{}: dimension {} in shape {} is negative", what, d, shape_str(shape));
  const std::optional<int64_t> n = checked_product(shape, kMaxElements);
  if (!n) fail("{}: shape {} has more than 2^62 elements", what, shape_str(shape));
  return *n;
}

Tensor::Tensor(DType dtype, Shape shape)
    : dtype_(dtype), shape_(std::move(shape)), numel_(shape_numel(shape_)) {
  storage_ = allocate(nbytes());
}

Tensor Tensor::uninitialized(DType dtype, Shape shape) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = shape_numel(t.shape_);
  t.storage_ = allocate(t.nbytes(), false);
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  const int64_t n = shape_numel(shape);
  OCTET_CHECK(n == numel_, "reshape {} -> {}", shape_str(shape_), shape_str(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::slice_rows(int64_t begin, int64_t end) const {
  OCTET_CHECK(rank() >= 1 && 0 <= begin && begin <= end && end <= shape_[0], "rows [{}, {}) of {}",
              begin, end, shape_str(shape_));
  Tensor t = *this;
  const int64_t row = shape_[0] == 0 ? 0 : numel_ / shape_[0];
  t.shape_[0] = end - begin;
  t.numel_ = row * (end - begin);
  t.offset_ += static_cast<size_t>(row * begin) * dtype_size(dtype_);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (nbytes() > 0) std::memcpy(t.raw(), raw(), nbytes());
  return t;
}

void Tensor::check_type(DType want) const {
  OCTET_CHECK(storage_ != nullptr, "access to an empty tensor");
  OCTET_CHECK(want == dtype_, "tensor is {}, accessed as {}", dtype_name(dtype_), dtype_name(want));
}

}  // namespace octet
