// load_onnx: an ONNX ModelProto file -> octet::Graph.
//
// The file is untrusted input. Everything is checked before it is used: the file size before
// reading, the protobuf parse, the opset, each element type, each initializer's declared
// element count against the bytes really present (before allocating), attribute types, and
// finally the graph structure. Every message starts with the file path.
#include <fstream>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "octet/error.h"
#include "octet/onnx_io.h"
#include "octet/runtime.h"
#include "octet/text.h"
#include "onnx/tensor_proto.h"

namespace octet {

namespace fs = std::filesystem;
using onnx_io::dtype_from_onnx;
using onnx_io::onnx_elem_type_name;
using onnx_io::tensor_from_proto;

namespace {

// Opsets whose semantics the runtime implements for every op it supports. Each op checks
// graph.opset where its semantics changed inside this range (Clip, Softmax, Squeeze, ...)
// and refuses the legacy forms it lacks.
constexpr int64_t kMinOpset = 6;
constexpr int64_t kMaxOpset = 19;
// protobuf parses at most INT_MAX bytes; larger models need external data, not supported.
constexpr uintmax_t kMaxFileBytes = (uintmax_t{1} << 31) - 1;

bool is_default_domain(const std::string& domain) {
  return domain.empty() || domain == "ai.onnx";
}

std::string read_model_bytes(const fs::path& file) {
  std::error_code ec;
  const fs::file_status status = fs::status(file, ec);
  if (!fs::exists(status)) fail("{}: no such file", file.string());
  if (fs::is_directory(status))
    fail("{}: is a directory, expected an ONNX model file", file.string());
  if (!fs::is_regular_file(status)) fail("{}: not a regular file", file.string());
  const uintmax_t size = fs::file_size(file, ec);
  if (ec) fail("{}: cannot read the file size: {}", file.string(), ec.message());
  if (size > kMaxFileBytes)
    fail("{}: {} bytes is over the 2 GiB limit of a single-file ONNX model", file.string(), size);

  std::ifstream in(file, std::ios::binary);
  if (!in) fail("{}: cannot open for reading", file.string());
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<uintmax_t>(in.gcount()) != size)
    fail("{}: read {} of {} bytes", file.string(), in.gcount(), size);
  return bytes;
}

// Every name in the model must be UTF-8 (ONNX strings are; JSON output and other tools need
// it). `what` says which name, for the message.
void check_utf8(const std::string& name, const std::string& where, const char* what) {
  if (!is_valid_utf8(name)) fail("{}: {} '{}' is not valid UTF-8", where, what, printable(name));
}

void check_names_utf8(const onnx::ModelProto& model, const std::string& where) {
  const onnx::GraphProto& g = model.graph();
  check_utf8(g.name(), where, "graph name");
  for (const auto& v : g.input()) check_utf8(v.name(), where, "graph input name");
  for (const auto& v : g.output()) check_utf8(v.name(), where, "graph output name");
  for (const auto& t : g.initializer()) check_utf8(t.name(), where, "initializer name");
  for (const auto& n : g.node()) {
    check_utf8(n.name(), where, "node name");
    check_utf8(n.op_type(), where, "op type");
    check_utf8(n.domain(), where, "node domain");
    for (const auto& v : n.input()) check_utf8(v, where, "node input name");
    for (const auto& v : n.output()) check_utf8(v, where, "node output name");
    for (const auto& a : n.attribute()) check_utf8(a.name(), where, "attribute name");
  }
  for (const auto& e : model.metadata_props()) {
    check_utf8(e.key(), where, "metadata key");
    check_utf8(e.value(), where, "metadata value");
  }
}

// The default-domain opset version; other domains may be imported but no node may use them
// (checked per node).
int64_t default_opset(const onnx::ModelProto& model, const std::string& where) {
  std::optional<int64_t> opset;
  for (const auto& entry : model.opset_import()) {
    if (!is_default_domain(entry.domain())) continue;
    if (opset && *opset != entry.version())
      fail("{}: the default domain is imported twice, as opset {} and {}", where, *opset,
           entry.version());
    opset = entry.version();
  }
  if (!opset) {
    // A model of another domain only (e.g. ai.onnx.preview.training): name its first op.
    for (const auto& node : model.graph().node())
      if (!is_default_domain(node.domain()))
        fail("{}: node '{}' ({}): domain '{}' is not supported (octet runs default-domain ops "
             "only)",
             where, node.name(), node.op_type(), node.domain());
    fail("{}: the model imports no default-domain (ai.onnx) opset", where);
  }
  if (*opset < kMinOpset || *opset > kMaxOpset)
    fail("{}: default-domain opset {} is not supported (octet reads opsets {} to {})", where,
         *opset, kMinOpset, kMaxOpset);
  return *opset;
}

// A graph input or output; `kind` is "input" or "output" for messages.
ValueInfo value_info_from_proto(const onnx::ValueInfoProto& proto, const char* kind,
                                const std::string& where) {
  ValueInfo info;
  info.name = proto.name();
  if (!proto.type().has_tensor_type())
    fail("{}: graph {} '{}' is not a tensor (a sequence, map or optional), which octet does not "
         "support",
         where, kind, info.name);
  const onnx::TypeProto::Tensor& type = proto.type().tensor_type();
  const std::optional<DType> dtype = dtype_from_onnx(type.elem_type());
  if (!dtype)
    fail("{}: graph {} '{}' has element type {}, which octet does not support", where, kind,
         info.name, onnx_elem_type_name(type.elem_type()));
  info.dtype = *dtype;
  // A missing shape leaves the rank unknown; the IR has no way to say so, so it stays empty.
  for (const auto& dim : type.shape().dim()) {
    if (dim.has_dim_value()) {
      if (dim.dim_value() < 0)
        fail("{}: graph {} '{}' has negative dimension {}", where, kind, info.name,
             dim.dim_value());
      info.shape.push_back(dim.dim_value());
      info.dim_names.emplace_back();
    } else {
      info.shape.push_back(-1);
      info.dim_names.push_back(dim.has_dim_param() ? dim.dim_param() : "");
    }
  }
  return info;
}

// Legacy (IR < 3) files may leave AttributeProto.type unset; the populated field says it.
onnx::AttributeProto::AttributeType attribute_type(const onnx::AttributeProto& attr) {
  using A = onnx::AttributeProto;
  if (attr.type() != A::UNDEFINED) return attr.type();
  if (attr.has_i()) return A::INT;
  if (attr.has_f()) return A::FLOAT;
  if (attr.has_s()) return A::STRING;
  if (attr.has_t()) return A::TENSOR;
  if (attr.ints_size() > 0) return A::INTS;
  if (attr.floats_size() > 0) return A::FLOATS;
  return A::UNDEFINED;
}

Attribute attribute_from_proto(const onnx::AttributeProto& attr, const std::string& where) {
  using A = onnx::AttributeProto;
  switch (attribute_type(attr)) {
    case A::INT:
      return attr.i();
    case A::FLOAT:
      return attr.f();
    case A::STRING:
      return attr.s();
    case A::INTS:
      return std::vector<int64_t>(attr.ints().begin(), attr.ints().end());
    case A::FLOATS:
      return std::vector<float>(attr.floats().begin(), attr.floats().end());
    default:
      fail("{}: attribute '{}' has type {}, which octet does not support", where, attr.name(),
           A::AttributeType_Name(attribute_type(attr)));
  }
}

// The value of a Constant node: a tensor, or one of the scalar / list shorthands.
Tensor constant_value(const onnx::NodeProto& node, const std::string& where) {
  if (node.attribute_size() != 1)
    fail("{}: a Constant needs exactly one value attribute, found {}", where,
         node.attribute_size());
  const onnx::AttributeProto& attr = node.attribute(0);
  const std::string& key = attr.name();
  if (key == "value") return tensor_from_proto(attr.t(), where + " attribute 'value'");
  if (key == "value_float") {
    const float v = attr.f();
    return Tensor::from<float>({}, std::span<const float>(&v, 1));
  }
  if (key == "value_int") {
    const int64_t v = attr.i();
    return Tensor::from<int64_t>({}, std::span<const int64_t>(&v, 1));
  }
  if (key == "value_floats") {
    const std::vector<float> v(attr.floats().begin(), attr.floats().end());
    return Tensor::from<float>({static_cast<int64_t>(v.size())}, v);
  }
  if (key == "value_ints") {
    const std::vector<int64_t> v(attr.ints().begin(), attr.ints().end());
    return Tensor::from<int64_t>({static_cast<int64_t>(v.size())}, v);
  }
  fail(
      "{}: Constant attribute '{}' is not supported (octet reads value, value_float, "
      "value_floats, value_int, value_ints)",
      where, key);
}

// Node names as given, and "<op_type>_<index>" for unnamed nodes, made unique against every
// given name, so that messages and Session::node_precision() can refer to each node.
std::vector<std::string> node_names(const onnx::GraphProto& graph) {
  std::set<std::string> taken;
  for (const auto& node : graph.node())
    if (!node.name().empty()) taken.insert(node.name());
  std::vector<std::string> names;
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& node = graph.node(i);
    if (!node.name().empty()) {
      names.push_back(node.name());
      continue;
    }
    std::string name = fmt::format("{}_{}", node.op_type(), i);
    while (taken.count(name)) name += "_";
    taken.insert(name);
    names.push_back(name);
  }
  return names;
}

void import_initializers(const onnx::GraphProto& proto, const std::string& where, Graph* graph) {
  if (proto.sparse_initializer_size() > 0)
    fail("{}: sparse initializer '{}' is not supported", where,
         proto.sparse_initializer(0).values().name());
  for (const auto& init : proto.initializer()) {
    if (init.name().empty()) fail("{}: an initializer has no name", where);
    if (graph->initializers.count(init.name()))
      fail("{}: initializer '{}' is defined twice", where, init.name());
    graph->initializers.emplace(
        init.name(),
        tensor_from_proto(init, fmt::format("{}: initializer '{}'", where, init.name())));
  }
}

void import_nodes(const onnx::GraphProto& proto, const std::string& where, Graph* graph) {
  const std::vector<std::string> names = node_names(proto);
  for (int i = 0; i < proto.node_size(); ++i) {
    const onnx::NodeProto& node_proto = proto.node(i);
    Node node;
    node.name = names[i];
    node.op_type = node_proto.op_type();
    const std::string node_where = fmt::format("{}: {}", where, node.describe());
    if (!is_default_domain(node_proto.domain()))
      fail("{}: domain '{}' is not supported (octet runs default-domain ops only)", node_where,
           node_proto.domain());
    node.inputs.assign(node_proto.input().begin(), node_proto.input().end());
    node.outputs.assign(node_proto.output().begin(), node_proto.output().end());

    if (node.op_type == "Constant") {
      if (node.outputs.size() != 1 || node.outputs[0].empty())
        fail("{}: a Constant needs exactly one output", node_where);
      const std::string& value = node.outputs[0];
      if (graph->initializers.count(value))
        fail("{}: output '{}' is already an initializer", node_where, value);
      for (const auto& input : graph->inputs)
        if (input.name == value) fail("{}: output '{}' is also a graph input", node_where, value);
      graph->initializers.emplace(value, constant_value(node_proto, node_where));
      continue;
    }
    if (!runtime_supports(node.op_type)) fail("{}: unsupported op", node_where);
    for (const auto& attr : node_proto.attribute()) {
      if (node.attrs.count(attr.name()))
        fail("{}: attribute '{}' appears twice", node_where, attr.name());
      node.attrs.emplace(attr.name(), attribute_from_proto(attr, node_where));
    }
    graph->nodes.push_back(std::move(node));
  }
}

}  // namespace

Graph load_onnx(const fs::path& file) {
  const std::string where = file.string();
  const std::string bytes = read_model_bytes(file);
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) fail("{}: not an ONNX model (protobuf parse failed)", where);
  if (!model.has_graph()) fail("{}: not an ONNX model (it has no graph)", where);
  const onnx::GraphProto& proto = model.graph();
  check_names_utf8(model, where);

  Graph graph;
  graph.opset = default_opset(model, where);
  if (!proto.name().empty()) graph.name = proto.name();

  import_initializers(proto, where, &graph);
  // Older exporters (IR < 4) list every initializer as a graph input too; those are weights,
  // not inputs the caller feeds. Checked before Constants add initializers of their own.
  for (const auto& input : proto.input())
    if (!graph.initializers.count(input.name()))
      graph.inputs.push_back(value_info_from_proto(input, "input", where));
  for (const auto& output : proto.output())
    graph.outputs.push_back(value_info_from_proto(output, "output", where));
  import_nodes(proto, where, &graph);

  for (const auto& entry : model.metadata_props()) {
    if (!graph.metadata.emplace(entry.key(), entry.value()).second)
      fail("{}: metadata key '{}' appears twice", where, entry.key());
  }
  graph.validate(where);
  return graph;
}

}  // namespace octet
