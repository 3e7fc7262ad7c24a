// Executes a Graph: FP32 ops, QuantizeLinear / DequantizeLinear, and QDQ patterns fused into
// integer kernels.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

// Threads the runtime's kernels (integer GEMM/Conv, quantization, OpenBLAS for FP32) use. The
// default is every core; results are bit-identical for any count. Throws octet::Error when n is
// outside [1, 1024].
void set_num_threads(int n);
int num_threads();
int default_num_threads();

// True if the runtime can execute nodes of this op type (default ONNX domain).
bool runtime_supports(const std::string& op_type);

// Called with every value a run computes (name and tensor), in execution order; this is how
// observers watch a model during calibration and how `compare` reads activations.
using ValueHook = std::function<void(const std::string& name, const Tensor& value)>;

// How a Session plans a graph.
struct SessionOptions {
  // Keep uint8 activations channels-last ([N, H, W, C]) between the integer CNN ops that can
  // read and write them, instead of transposing around every Conv. Results are identical
  // either way; false is for checking that.
  bool channels_last = true;
};

// A graph compiled for execution: the plan is fixed at construction (ops checked, QDQ
// patterns fused, weights packed), runs are const and may be called from several threads.
class Session {
 public:
  // Throws octet::Error naming the node on an unsupported op or malformed QDQ pattern.
  explicit Session(Graph graph, const SessionOptions& options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  const Graph& graph() const;

  // Runs a single-input graph; returns its first output.
  Tensor run(const Tensor& input) const;
  // Runs with named inputs; returns the named values in `fetch` (graph outputs when empty).
  // `hook`, when given, sees every computed value.
  std::vector<Tensor> run(const std::map<std::string, Tensor>& feeds,
                          const std::vector<std::string>& fetch = {},
                          const ValueHook* hook = nullptr) const;
  // How the plan runs each node: "fp32", or "int8" for nodes inside a fused integer kernel.
  // One entry per graph node name.
  const std::map<std::string, std::string>& node_precision() const;
  // The values the plan keeps channels-last between integer ops (SessionOptions), sorted.
  // Hooks and fetches still see them in ONNX's layout.
  std::vector<std::string> channels_last_values() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace octet
