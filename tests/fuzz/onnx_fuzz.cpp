// Fuzz target: ONNX model import (src/onnx/import.cpp, tensor_proto.cpp) and the Session built
// over the imported graph (op checks, QDQ pattern fusion, weight packing).
#include "fuzz_targets.h"
#include "octet/error.h"
#include "octet/onnx_io.h"
#include "octet/runtime.h"

namespace octet::fuzz {

int onnx(const uint8_t* data, size_t size) {
  const auto file = scratch_file({reinterpret_cast<const char*>(data), size}, ".onnx");
  try {
    Graph graph = load_onnx(file);
    const Session session(std::move(graph));
    OCTET_CHECK(session.node_precision().size() <= session.graph().nodes.size());
  } catch (const Error&) {
  }
  return 0;
}

}  // namespace octet::fuzz
