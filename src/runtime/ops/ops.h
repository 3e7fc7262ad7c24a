// Factories of the runtime's ops, one per file in this folder (listed in op_registry.cpp).
#pragma once

#include <memory>

#include "runtime/op.h"

namespace octet::runtime {

std::unique_ptr<Op> make_gemm(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_matmul(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_add(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_relu(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_flatten(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_reshape(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_identity(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_quantize_linear(const Node& node, const Graph& graph);
std::unique_ptr<Op> make_dequantize_linear(const Node& node, const Graph& graph);

// Families of ops registered by their own files, each adding its op types to the registry:
// convolution, pooling and normalization (registry_conv_ops.cpp); shape, element-wise and
// tensor ops (registry_tensor_ops.cpp); ONNX's integer ops (registry_integer_ops.cpp).
void register_conv_ops(std::map<std::string, OpFactory>& registry);
void register_tensor_ops(std::map<std::string, OpFactory>& registry);
void register_integer_ops(std::map<std::string, OpFactory>& registry);

}  // namespace octet::runtime
