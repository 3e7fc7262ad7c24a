// A stable identity of a graph, so statistics files can say which model they describe.
#include <fmt/format.h>

#include <variant>

#include "octet/quantize.h"

namespace octet {

namespace {

// FNV-1a, 64 bits: simple and fully specified (not a cryptographic hash; it guards against
// mixing up files, not against forgery).
class Fnv1a {
 public:
  void bytes(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) h_ = (h_ ^ p[i]) * 0x100000001b3ull;
  }
  void str(const std::string& s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  void u64(uint64_t v) { bytes(&v, sizeof v); }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ull;
};

void hash_values(Fnv1a& h, const std::vector<ValueInfo>& values) {
  h.u64(values.size());
  for (const ValueInfo& v : values) {
    h.str(v.name);
    h.u64(static_cast<uint64_t>(v.dtype));
    h.u64(v.shape.size());
    for (int64_t d : v.shape) h.u64(static_cast<uint64_t>(d));
  }
}

}  // namespace

std::string graph_fingerprint(const Graph& g) {
  Fnv1a h;
  hash_values(h, g.inputs);
  hash_values(h, g.outputs);
  h.u64(g.nodes.size());
  for (const Node& n : g.nodes) {
    h.str(n.name);
    h.str(n.op_type);
    h.u64(n.inputs.size());
    for (const auto& in : n.inputs) h.str(in);
    h.u64(n.outputs.size());
    for (const auto& out : n.outputs) h.str(out);
    h.u64(n.attrs.size());
    for (const auto& [key, value] : n.attrs) {
      h.str(key);
      h.u64(value.index());
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>) {
              h.str(v);
            } else if constexpr (std::is_arithmetic_v<T>) {
              h.bytes(&v, sizeof v);
            } else {
              h.u64(v.size());
              h.bytes(v.data(), v.size() * sizeof(v[0]));
            }
          },
          value);
    }
  }
  h.u64(g.initializers.size());
  for (const auto& [name, t] : g.initializers) {
    h.str(name);
    h.u64(static_cast<uint64_t>(t.dtype()));
    h.u64(t.shape().size());
    for (int64_t d : t.shape()) h.u64(static_cast<uint64_t>(d));
    h.bytes(t.raw(), t.nbytes());
  }
  return fmt::format("{:016x}", h.value());
}

}  // namespace octet
