// Session: plans a graph once (values numbered, one Op per node or per fused pattern) and runs
// the plan. Runs share nothing mutable, so one Session serves many threads.
#include <algorithm>
#include <unordered_map>

#include "octet/error.h"
#include "octet/runtime.h"
#include "runtime/channels_last.h"
#include "runtime/fusion.h"
#include "runtime/op.h"

namespace octet {

struct Session::Impl {
  struct Step {
    std::string name;  // node name, for messages
    std::unique_ptr<runtime::Op> op;
    std::vector<int> inputs;   // value slots; -1 for an omitted optional input
    std::vector<int> outputs;  // value slots
  };

  Graph graph;
  std::unordered_map<std::string, int> slot_of;
  std::vector<std::string> slot_names;
  std::vector<Step> steps;
  std::map<std::string, std::string> node_precision;
  // The initializer held by each slot (null for computed values), resolved once: a run reads
  // constants in place, so a batch-1 run of a small model neither hashes strings nor copies
  // a tensor handle (and its shape) per initializer.
  std::vector<const Tensor*> constant_of;

  const Tensor* value(const std::vector<Tensor>& values, int slot) const {
    const Tensor* c = constant_of[static_cast<size_t>(slot)];
    return c != nullptr ? c : &values[static_cast<size_t>(slot)];
  }

  int slot(const std::string& name) {
    auto [it, added] = slot_of.emplace(name, static_cast<int>(slot_names.size()));
    if (added) slot_names.push_back(name);
    return it->second;
  }

  void add_step(std::string name, std::unique_ptr<runtime::Op> op,
                const std::vector<std::string>& inputs, const std::vector<std::string>& outputs) {
    Step step{std::move(name), std::move(op), {}, {}};
    for (const auto& in : inputs) step.inputs.push_back(in.empty() ? -1 : slot(in));
    for (const auto& out : outputs) step.outputs.push_back(out.empty() ? -1 : slot(out));
    steps.push_back(std::move(step));
  }

  // channels_last[slot]: the value is stored [N, spatial..., C] (runtime/channels_last.h).
  // A value is, when its producer can write it so and every reader can read it so, and it is
  // not a graph output; ops that need one layout for all their tensors (LayoutSupport::same)
  // drop the whole group back to ONNX's layout when any member cannot be channels-last. Only
  // true -> false changes happen, so the loop ends.
  std::vector<bool> channels_last;

  void plan_channels_last() {
    std::vector<runtime::LayoutSupport> support;
    for (const auto& step : steps) support.push_back(step.op->layout_support());
    const auto input_ok = [&](size_t step, size_t i) {
      return i < support[step].inputs.size() && support[step].inputs[i];
    };
    std::vector<bool>& cl = channels_last;
    for (size_t i = 0; i < steps.size(); ++i)
      if (support[i].output && !steps[i].outputs.empty() && steps[i].outputs[0] >= 0)
        cl[static_cast<size_t>(steps[i].outputs[0])] = true;
    for (const auto& out : graph.outputs) cl[static_cast<size_t>(slot_of.at(out.name))] = false;
    for (bool changed = true; changed;) {
      changed = false;
      const auto drop = [&](int slot) {
        if (slot >= 0 && cl[static_cast<size_t>(slot)])
          cl[static_cast<size_t>(slot)] = false, changed = true;
      };
      for (size_t j = 0; j < steps.size(); ++j) {
        const Step& step = steps[j];
        for (size_t i = 0; i < step.inputs.size(); ++i)
          if (!input_ok(j, i)) drop(step.inputs[i]);
        if (!support[j].same) continue;
        bool all = !step.outputs.empty() && step.outputs[0] >= 0 &&
                   cl[static_cast<size_t>(step.outputs[0])];
        for (size_t i = 0; i < step.inputs.size(); ++i)
          if (input_ok(j, i))
            all = all && step.inputs[i] >= 0 && cl[static_cast<size_t>(step.inputs[i])];
        if (all) continue;
        for (size_t i = 0; i < step.inputs.size(); ++i)
          if (input_ok(j, i)) drop(step.inputs[i]);
        drop(step.outputs.empty() ? -1 : step.outputs[0]);
      }
    }
    for (auto& step : steps) {
      std::vector<bool> inputs;
      for (int slot : step.inputs) inputs.push_back(slot >= 0 && cl[static_cast<size_t>(slot)]);
      const bool output =
          !step.outputs.empty() && step.outputs[0] >= 0 && cl[static_cast<size_t>(step.outputs[0])];
      step.op->set_layout(inputs, output);
    }
  }

  // A value as callers see it: in ONNX's layout.
  Tensor visible(int slot, const Tensor& t) const {
    return channels_last[static_cast<size_t>(slot)] ? runtime::to_channels_first(t) : t;
  }

  void check_feed(const ValueInfo& info, const Tensor& t) const {
    if (t.dtype() != info.dtype)
      fail("input '{}': got {}, the model expects {}", info.name, dtype_name(t.dtype()),
           dtype_name(info.dtype));
    bool ok = t.rank() == info.shape.size();
    for (size_t i = 0; ok && i < info.shape.size(); ++i)
      ok = info.shape[i] < 0 || info.shape[i] == t.dim(i);
    if (!ok)
      fail("input '{}': got shape {}, the model expects {} (-1: any size)", info.name,
           shape_str(t.shape()), shape_str(info.shape));
  }
};

Session::Session(Graph graph, const SessionOptions& options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.graph = std::move(graph);
  // Unnamed nodes get the name the ONNX importer would give them, so messages and
  // node_precision() use the same keys for a model in memory and the file it was saved to.
  for (size_t i = 0; i < s.graph.nodes.size(); ++i)
    if (s.graph.nodes[i].name.empty())
      s.graph.nodes[i].name = s.graph.nodes[i].op_type + "_" + std::to_string(i);
  s.graph.validate("graph '" + s.graph.name + "'");
  for (const auto& in : s.graph.inputs) s.slot(in.name);
  for (const auto& [name, t] : s.graph.initializers) s.slot(name);

  const std::vector<runtime::FusedPattern> fused = runtime::find_integer_patterns(s.graph);
  std::vector<int> fused_at(s.graph.nodes.size(), -1);  // pattern index covering each node
  for (size_t p = 0; p < fused.size(); ++p)
    for (size_t node_index : fused[p].nodes) fused_at[node_index] = static_cast<int>(p);

  const auto& registry = runtime::op_registry();
  for (size_t i = 0; i < s.graph.nodes.size(); ++i) {
    const Node& node = s.graph.nodes[i];
    const std::string& key = node.name;
    if (fused_at[i] >= 0) {
      s.node_precision[key] = "int8";
      const runtime::FusedPattern& pattern = fused[static_cast<size_t>(fused_at[i])];
      if (pattern.nodes.back() == i)  // the pattern runs where its last node stood
        s.add_step(node.name, runtime::make_fused_op(pattern, s.graph), pattern.inputs,
                   pattern.outputs);
      continue;
    }
    auto it = registry.find(node.op_type);
    if (it == registry.end()) fail("{}: unsupported op", node.describe());
    s.node_precision[key] = "fp32";
    s.add_step(node.name, it->second(node, s.graph), node.inputs, node.outputs);
  }
  for (const auto& out : s.graph.outputs) s.slot(out.name);
  s.channels_last.assign(s.slot_names.size(), false);
  if (options.channels_last) s.plan_channels_last();
  s.constant_of.assign(s.slot_names.size(), nullptr);
  for (const auto& [name, t] : s.graph.initializers)
    s.constant_of[static_cast<size_t>(s.slot_of.at(name))] = &t;
}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

const Graph& Session::graph() const { return impl_->graph; }

const std::map<std::string, std::string>& Session::node_precision() const {
  return impl_->node_precision;
}

std::vector<std::string> Session::channels_last_values() const {
  std::vector<std::string> names;
  for (size_t slot = 0; slot < impl_->channels_last.size(); ++slot)
    if (impl_->channels_last[slot]) names.push_back(impl_->slot_names[slot]);
  std::sort(names.begin(), names.end());
  return names;
}

Tensor Session::run(const Tensor& input) const {
  const Graph& g = impl_->graph;
  if (g.inputs.size() != 1)
    fail("graph '{}' has {} inputs; name each one", g.name, g.inputs.size());
  return run({{g.inputs[0].name, input}}).at(0);
}

std::vector<Tensor> Session::run(const std::map<std::string, Tensor>& feeds,
                                 const std::vector<std::string>& fetch,
                                 const ValueHook* hook) const {
  const Impl& s = *impl_;
  std::vector<Tensor> values(s.slot_names.size());
  for (const auto& info : s.graph.inputs) {
    auto it = feeds.find(info.name);
    if (it == feeds.end()) fail("input '{}' was not given", info.name);
    s.check_feed(info, it->second);
    values[s.slot_of.at(info.name)] = it->second;
  }
  for (const auto& [name, t] : feeds)
    if (!s.slot_of.count(name) || s.graph.initializer(name))
      fail("'{}' is not an input of graph '{}'", name, s.graph.name);

  std::vector<const Tensor*> in_ptrs;
  std::vector<Tensor> outs;
  for (const auto& step : s.steps) {
    in_ptrs.clear();
    for (int slot : step.inputs) in_ptrs.push_back(slot < 0 ? nullptr : s.value(values, slot));
    outs.assign(step.outputs.size(), Tensor());
    step.op->run(in_ptrs, outs);
    for (size_t i = 0; i < step.outputs.size(); ++i) {
      if (step.outputs[i] < 0) continue;
      values[step.outputs[i]] = std::move(outs[i]);
      if (hook)
        (*hook)(s.slot_names[step.outputs[i]], s.visible(step.outputs[i], values[step.outputs[i]]));
    }
  }

  std::vector<Tensor> result;
  if (fetch.empty()) {
    for (const auto& out : s.graph.outputs) {
      const int slot = s.slot_of.at(out.name);
      if (s.value(values, slot)->empty())
        fail("graph '{}': output '{}' was not computed", s.graph.name, out.name);
      result.push_back(*s.value(values, slot));
    }
  } else {
    for (const auto& name : fetch) {
      auto it = s.slot_of.find(name);
      if (it == s.slot_of.end() || s.value(values, it->second)->empty())
        fail("value '{}' is not computed by graph '{}'", name, s.graph.name);
      result.push_back(s.visible(it->second, *s.value(values, it->second)));
    }
  }
  return result;
}

}  // namespace octet
