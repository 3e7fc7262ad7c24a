// Conversion between onnx::TensorProto and octet::Tensor, and between ONNX element types
// and octet::DType. Internal to src/onnx (and the tests that build ONNX files by hand).
#pragma once

// ONNX_ML=1 and ONNX_NAMESPACE=onnx come from libonnx's CMake targets (onnx_proto), which every
// target including this header links.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <string>

#include "octet/tensor.h"

namespace octet::onnx_io {

// The octet DType for an ONNX TensorProto::DataType value, or nullopt if octet has none.
std::optional<DType> dtype_from_onnx(int32_t elem_type);
// The ONNX TensorProto::DataType value for an octet DType.
int32_t onnx_elem_type(DType dtype);
// "FLOAT16 (10)"-style name of an ONNX element type, for messages.
std::string onnx_elem_type_name(int32_t elem_type);

// Reads a TensorProto's data (raw_data, little-endian, or the typed float_data / int32_data /
// int64_data fields) into a new Tensor. The element count the dims declare is checked
// against the data length before anything is allocated, so a hostile file cannot make us
// reserve terabytes. `what` starts every message, e.g. "model.onnx: initializer 'fc1.weight'".
// Throws octet::Error on an unsupported data type, external or segmented data, a negative
// dimension, a count mismatch, or a typed value out of range for int8 / uint8.
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what);

// Fills `proto` with `name`, dims, data type and the data as raw_data (little-endian).
void tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto);

}  // namespace octet::onnx_io
