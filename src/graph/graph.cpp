// Graph and Node helpers: lookups, parameter size and structural validation.
#include "octet/graph.h"

#include <set>

#include "octet/error.h"

namespace octet {

namespace {
template <typename T>
const T* typed_attr(const Node& node, const std::string& key, const char* type_name) {
  auto it = node.attrs.find(key);
  if (it == node.attrs.end()) return nullptr;
  const T* value = std::get_if<T>(&it->second);
  if (!value) fail("{}: attribute '{}' must be {}", node.describe(), key, type_name);
  return value;
}
}  // namespace

int64_t Node::attr_int(const std::string& key, int64_t fallback) const {
  const auto* v = typed_attr<int64_t>(*this, key, "an int");
  return v ? *v : fallback;
}

float Node::attr_float(const std::string& key, float fallback) const {
  const auto* v = typed_attr<float>(*this, key, "a float");
  return v ? *v : fallback;
}

std::vector<int64_t> Node::attr_ints(const std::string& key) const {
  const auto* v = typed_attr<std::vector<int64_t>>(*this, key, "a list of ints");
  return v ? *v : std::vector<int64_t>{};
}

std::string Node::describe() const {
  if (name.empty())
    return fmt::format("unnamed {} node producing '{}'", op_type, outputs.empty() ? "" : outputs[0]);
  return fmt::format("node '{}' ({})", name, op_type);
}

const Tensor* Graph::initializer(const std::string& value) const {
  auto it = initializers.find(value);
  return it == initializers.end() ? nullptr : &it->second;
}

const Node* Graph::producer(const std::string& value) const {
  for (const Node& n : nodes)
    for (const auto& out : n.outputs)
      if (out == value) return &n;
  return nullptr;
}

std::vector<const Node*> Graph::consumers(const std::string& value) const {
  std::vector<const Node*> result;
  for (const Node& n : nodes)
    for (const auto& in : n.inputs)
      if (in == value) {
        result.push_back(&n);
        break;
      }
  return result;
}

size_t Graph::param_bytes() const {
  size_t total = 0;
  for (const auto& [name, t] : initializers) total += t.nbytes();
  return total;
}

void Graph::validate(const std::string& where) const {
  std::set<std::string> available;
  for (const auto& in : inputs) available.insert(in.name);
  for (const auto& [name, t] : initializers) available.insert(name);
  for (const Node& n : nodes) {
    for (const auto& in : n.inputs)
      if (!in.empty() && !available.count(in))
        fail("{}: {} reads '{}', which no earlier node, input or initializer provides", where,
             n.describe(), in);
    for (const auto& out : n.outputs) {
      if (out.empty()) continue;
      if (available.count(out))
        fail("{}: value '{}' is produced more than once ({})", where, out, n.describe());
      available.insert(out);
    }
  }
  for (const auto& out : outputs)
    if (!available.count(out.name))
      fail("{}: graph output '{}' is not produced by any node", where, out.name);
}

}  // namespace octet
