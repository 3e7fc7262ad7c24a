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

}  // namespace octet::runtime
