// TensorProto <-> Tensor: element types, raw_data (little-endian) and the typed data fields.
#include "onnx/tensor_proto.h"

#include <bit>
#include <cstring>
#include <limits>

#include "octet/error.h"

namespace octet::onnx_io {

namespace {

// ONNX stores raw_data little-endian whatever the host; on a little-endian host this is a
// plain copy, elsewhere each element's bytes are reversed.
void copy_little_endian(const void* src, void* dst, size_t n_elems, size_t elem_size) {
  if constexpr (std::endian::native == std::endian::little) {
    if (n_elems > 0) std::memcpy(dst, src, n_elems * elem_size);
  } else {
    const auto* s = static_cast<const unsigned char*>(src);
    auto* d = static_cast<unsigned char*>(dst);
    for (size_t i = 0; i < n_elems; ++i)
      for (size_t b = 0; b < elem_size; ++b)
        d[i * elem_size + b] = s[i * elem_size + elem_size - 1 - b];
  }
}

// int8 and uint8 tensors travel in int32_data, one element per int32: each must fit.
template <typename T>
void narrow_int32_data(const onnx::TensorProto& proto, T* out, const std::string& what) {
  for (int i = 0; i < proto.int32_data_size(); ++i) {
    const int32_t v = proto.int32_data(i);
    if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
      fail("{}: int32_data[{}] = {} is out of range for {}", what, i, v, dtype_name(dtype_of<T>()));
    out[i] = static_cast<T>(v);
  }
}

// Number of elements the typed field for `dtype` holds, and its name, for the count check.
std::pair<int64_t, const char*> typed_count(const onnx::TensorProto& proto, DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return {proto.float_data_size(), "float_data"};
    case DType::kI8:
    case DType::kU8:
    case DType::kI32:
      return {proto.int32_data_size(), "int32_data"};
    case DType::kI64:
      return {proto.int64_data_size(), "int64_data"};
  }
  return {0, "?"};
}

}  // namespace

std::optional<DType> dtype_from_onnx(int32_t elem_type) {
  switch (elem_type) {
    case onnx::TensorProto::FLOAT:
      return DType::kF32;
    case onnx::TensorProto::UINT8:
      return DType::kU8;
    case onnx::TensorProto::INT8:
      return DType::kI8;
    case onnx::TensorProto::INT32:
      return DType::kI32;
    case onnx::TensorProto::INT64:
      return DType::kI64;
    default:
      return std::nullopt;
  }
}

int32_t onnx_elem_type(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return onnx::TensorProto::FLOAT;
    case DType::kU8:
      return onnx::TensorProto::UINT8;
    case DType::kI8:
      return onnx::TensorProto::INT8;
    case DType::kI32:
      return onnx::TensorProto::INT32;
    case DType::kI64:
      return onnx::TensorProto::INT64;
  }
  return onnx::TensorProto::UNDEFINED;
}

std::string onnx_elem_type_name(int32_t elem_type) {
  const std::string name = onnx::TensorProto::DataType_IsValid(elem_type)
                               ? onnx::TensorProto::DataType_Name(elem_type)
                               : std::string("UNKNOWN");
  return fmt::format("{} ({})", name, elem_type);
}

Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what) {
  const std::optional<DType> dtype = dtype_from_onnx(proto.data_type());
  if (!dtype)
    fail("{}: data type {} is not supported (octet reads float, int8, uint8, int32, int64)", what,
         onnx_elem_type_name(proto.data_type()));
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    fail("{}: data is stored externally, which octet does not read", what);
  if (proto.has_segment()) fail("{}: segmented tensors are not supported", what);

  const Shape shape(proto.dims().begin(), proto.dims().end());
  const int64_t numel = shape_numel(shape, what);  // rejects negative dims and overflow
  const size_t elem_size = dtype_size(*dtype);

  // Check the claimed size against the bytes actually present before allocating: the dims
  // are only a claim, the data is what the file really holds.
  if (proto.has_raw_data()) {
    const size_t n_bytes = proto.raw_data().size();
    if (n_bytes % elem_size != 0 ||
        static_cast<uint64_t>(n_bytes / elem_size) != static_cast<uint64_t>(numel))
      fail("{}: raw_data has {} bytes, but shape {} of {} needs {} elements of {} bytes", what,
           n_bytes, shape_str(shape), dtype_name(*dtype), numel, elem_size);
    Tensor tensor(*dtype, shape);
    copy_little_endian(proto.raw_data().data(), tensor.raw(), static_cast<size_t>(numel),
                       elem_size);
    return tensor;
  }

  const auto [count, field] = typed_count(proto, *dtype);
  if (count != numel)
    fail("{}: {} has {} values, but shape {} needs {}", what, field, count, shape_str(shape),
         numel);
  Tensor tensor(*dtype, shape);
  switch (*dtype) {
    case DType::kF32:
      std::copy(proto.float_data().begin(), proto.float_data().end(), tensor.data<float>());
      break;
    case DType::kI32:
      std::copy(proto.int32_data().begin(), proto.int32_data().end(), tensor.data<int32_t>());
      break;
    case DType::kI64:
      std::copy(proto.int64_data().begin(), proto.int64_data().end(), tensor.data<int64_t>());
      break;
    case DType::kI8:
      narrow_int32_data(proto, tensor.data<int8_t>(), what);
      break;
    case DType::kU8:
      narrow_int32_data(proto, tensor.data<uint8_t>(), what);
      break;
  }
  return tensor;
}

void tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto) {
  proto->Clear();
  proto->set_name(name);
  for (int64_t d : tensor.shape()) proto->add_dims(d);
  proto->set_data_type(onnx_elem_type(tensor.dtype()));
  std::string bytes(tensor.nbytes(), '\0');
  copy_little_endian(tensor.raw(), bytes.data(), static_cast<size_t>(tensor.numel()),
                     dtype_size(tensor.dtype()));
  proto->set_raw_data(std::move(bytes));
}

}  // namespace octet::onnx_io
