// The operator interface of the runtime: one Op object per planned node, built once from the
// node and the graph (attributes parsed and initializers prepared at plan time), then run many
// times, from any number of threads at once (run() is const and keeps no state).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet::runtime {

// Which of an op's tensors may be channels-last: uint8 activations stored [N, spatial..., C]
// instead of ONNX's [N, C, spatial...] (runtime/channels_last.h). The integer CNN ops read and
// write them so that a chain of them transposes only where it enters and leaves.
struct LayoutSupport {
  std::vector<bool> inputs;  // inputs[i]: input i may be channels-last (missing: no)
  bool output = false;       // output 0 may be channels-last
  bool same = false;         // the data inputs and the output must all share one layout
};

class Op {
 public:
  virtual ~Op() = default;
  // inputs[i] is the node's i-th input (nullptr for an omitted optional input); outputs has
  // one slot per node output, to be assigned. Throws octet::Error on bad shapes or dtypes.
  virtual void run(std::span<const Tensor* const> inputs, std::span<Tensor> outputs) const = 0;

  // What set_layout may ask for; the default is ONNX's layout only.
  virtual LayoutSupport layout_support() const { return {}; }
  // Fixes the layouts once, at plan time, before any run (within layout_support()).
  virtual void set_layout(const std::vector<bool>& /*inputs_channels_last*/,
                          bool /*output_channels_last*/) {}
};

// Builds the Op for `node`; throws octet::Error naming the node on an unsupported attribute.
using OpFactory = std::function<std::unique_ptr<Op>(const Node& node, const Graph& graph)>;

// Every op type the runtime executes (default ONNX domain), with its factory.
const std::map<std::string, OpFactory>& op_registry();

// Shorthand for an Op whose run is a plain function of the node and its inputs.
using OpFunction = std::function<void(std::span<const Tensor* const>, std::span<Tensor>)>;
std::unique_ptr<Op> make_op(OpFunction fn);

// Input `i` of `node` or an error naming the node when it is missing.
const Tensor& required_input(const Node& node, std::span<const Tensor* const> inputs, size_t i);
// Throws octet::Error naming the node when `t` is not of dtype `want`.
void expect_dtype(const Node& node, const Tensor& t, DType want, const char* role);

}  // namespace octet::runtime
