// ONNX import and export of octet graphs (FP32 models and QDQ quantized models).
#pragma once

#include <filesystem>

#include "octet/graph.h"

namespace octet {

// Reads an ONNX model file into a Graph. Initializers become Tensors (raw_data or typed
// fields), attributes are copied, Constant nodes become initializers. Throws octet::Error
// naming the file (and the node, tensor or field) when the file is not an ONNX protobuf,
// the graph is malformed, or a node uses an op the runtime does not support.
Graph load_onnx(const std::filesystem::path& file);

// Writes `graph` as an ONNX model (ir_version 8, default-domain opset graph.opset), checks it
// with onnx::checker::check_model, and writes it to a temporary file in the same directory
// that is renamed into place, so a failure never leaves a half-written model.
// The bytes depend only on the graph (deterministic: no timestamps, sorted initializers).
void save_onnx(const Graph& graph, const std::filesystem::path& file);

}  // namespace octet
