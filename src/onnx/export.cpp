// save_onnx: octet::Graph -> an ONNX ModelProto file, checked, deterministic, written atomically.
//
// Determinism: the same graph gives the same bytes, so a model's hash identifies it and
// re-running `octet quantize` does not churn files. Nothing time- or host-dependent is written,
// attributes, initializers and metadata come out of std::map in key order, and protobuf's
// deterministic serialization fixes the byte order of anything map-like inside the message.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <climits>
#include <string>

#include "octet/atomic_file.h"
#include "octet/error.h"
#include "octet/onnx_io.h"
#include "onnx/checker.h"
#include "onnx/tensor_proto.h"

namespace octet {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kIrVersion = 8;  // ONNX 1.10+, read by every current ONNX Runtime
constexpr const char* kProducerName = "octet";
constexpr const char* kProducerVersion = OCTET_VERSION;  // project() version, from CMake

void value_info_to_proto(const ValueInfo& info, onnx::ValueInfoProto* proto) {
  proto->set_name(info.name);
  onnx::TypeProto::Tensor* type = proto->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx_io::onnx_elem_type(info.dtype));
  onnx::TensorShapeProto* shape = type->mutable_shape();
  for (size_t i = 0; i < info.shape.size(); ++i) {
    onnx::TensorShapeProto::Dimension* dim = shape->add_dim();
    if (info.shape[i] >= 0) {
      dim->set_dim_value(info.shape[i]);
    } else {
      const bool named = i < info.dim_names.size() && !info.dim_names[i].empty();
      dim->set_dim_param(named ? info.dim_names[i] : "N");
    }
  }
}

void attribute_to_proto(const std::string& key, const Attribute& value,
                        onnx::AttributeProto* proto) {
  using A = onnx::AttributeProto;
  proto->set_name(key);
  if (const auto* i = std::get_if<int64_t>(&value)) {
    proto->set_type(A::INT);
    proto->set_i(*i);
  } else if (const auto* f = std::get_if<float>(&value)) {
    proto->set_type(A::FLOAT);
    proto->set_f(*f);
  } else if (const auto* s = std::get_if<std::string>(&value)) {
    proto->set_type(A::STRING);
    proto->set_s(*s);
  } else if (const auto* ints = std::get_if<std::vector<int64_t>>(&value)) {
    proto->set_type(A::INTS);
    for (int64_t v : *ints) proto->add_ints(v);
  } else if (const auto* floats = std::get_if<std::vector<float>>(&value)) {
    proto->set_type(A::FLOATS);
    for (float v : *floats) proto->add_floats(v);
  }
}

void node_to_proto(const Node& node, onnx::NodeProto* proto) {
  proto->set_name(node.name);
  proto->set_op_type(node.op_type);
  for (const auto& in : node.inputs) proto->add_input(in);
  for (const auto& out : node.outputs) proto->add_output(out);
  for (const auto& [key, value] : node.attrs)
    attribute_to_proto(key, value, proto->add_attribute());
}

onnx::ModelProto model_to_proto(const Graph& graph, const std::string& where) {
  onnx::ModelProto model;
  model.set_ir_version(kIrVersion);
  model.set_producer_name(kProducerName);
  model.set_producer_version(kProducerVersion);
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(graph.opset);

  onnx::GraphProto* proto = model.mutable_graph();
  proto->set_name(graph.name);
  for (const auto& in : graph.inputs) value_info_to_proto(in, proto->add_input());
  for (const auto& out : graph.outputs) value_info_to_proto(out, proto->add_output());
  for (const auto& node : graph.nodes) node_to_proto(node, proto->add_node());
  for (const auto& [name, tensor] : graph.initializers) {  // std::map: sorted by name
    if (tensor.empty()) fail("{}: initializer '{}' has no data", where, name);
    onnx_io::tensor_to_proto(tensor, name, proto->add_initializer());
  }
  for (const auto& [key, value] : graph.metadata) {  // std::map: sorted by key
    onnx::StringStringEntryProto* entry = model.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }
  return model;
}

std::string serialize_deterministic(const onnx::ModelProto& model, const std::string& where) {
  const size_t n_bytes = model.ByteSizeLong();
  if (n_bytes > static_cast<size_t>(INT_MAX))
    fail("{}: the model would be {} bytes, over the 2 GiB limit of a single-file ONNX model", where,
         n_bytes);
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream string_stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&string_stream);
    coded.SetSerializationDeterministic(true);
    model.SerializeWithCachedSizes(&coded);
    if (coded.HadError()) fail("{}: protobuf serialization failed", where);
  }  // the CodedOutputStream flushes into `bytes` when it goes out of scope
  return bytes;
}

}  // namespace

void save_onnx(const Graph& graph, const fs::path& file) {
  const std::string where = file.string();
  graph.validate(where);
  const onnx::ModelProto model = model_to_proto(graph, where);
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {  // onnx::checker::ValidationError and friends
    fail("{}: the ONNX checker rejects the model: {}", where, e.what());
  }
  write_file_atomic(file, serialize_deterministic(model, where));
}

}  // namespace octet
