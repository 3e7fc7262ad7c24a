// Short generated names for a deployed file (`octet quantize --strip-names`).
#include <set>
#include <string>

#include "octet/passes.h"

namespace octet {

namespace {

// The k-th name of the sequence a..z, A..Z, aa, ab, ...: letters only, so every name is a valid
// C identifier, as ONNX asks of names.
std::string letters_name(size_t k) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  constexpr size_t kBase = sizeof(kAlphabet) - 1;
  std::string s;
  for (size_t n = k + 1; n > 0; n = (n - 1) / kBase) s.insert(s.begin(), kAlphabet[(n - 1) % kBase]);
  return s;
}

}  // namespace

void strip_names(Graph& graph) {
  std::set<std::string> kept;
  for (const ValueInfo& v : graph.inputs) kept.insert(v.name);
  for (const ValueInfo& v : graph.outputs) kept.insert(v.name);
  std::map<std::string, std::string> renamed;
  size_t next = 0;
  auto rename = [&](const std::string& name) -> std::string {
    if (name.empty() || kept.count(name)) return name;  // "" is an omitted optional input
    auto it = renamed.find(name);
    if (it != renamed.end()) return it->second;
    std::string fresh;
    do fresh = letters_name(next++);
    while (kept.count(fresh));
    return renamed[name] = fresh;
  };
  // Order of first appearance (graph order), so the same graph always gets the same names.
  for (Node& node : graph.nodes) {
    node.name.clear();
    for (std::string& in : node.inputs) in = rename(in);
    for (std::string& out : node.outputs) out = rename(out);
  }
  std::map<std::string, Tensor> initializers;
  for (auto& [name, tensor] : graph.initializers) initializers[rename(name)] = std::move(tensor);
  graph.initializers = std::move(initializers);
}

}  // namespace octet
