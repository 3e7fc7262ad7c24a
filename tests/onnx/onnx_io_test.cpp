// load_onnx / save_onnx: round trips, deterministic bytes, and the errors a bad file must give.
#include "onnx/tensor_proto.h"
#include "octet/onnx_io.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "octet/error.h"
#include "octet/random.h"
#include "onnx/checker.h"
#include "test_util.h"

namespace octet {
namespace {

using test::expect_error;
using test::random_uniform;
using test::read_bytes;
using test::write_bytes;

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Helpers

void write_model(const onnx::ModelProto& model, const fs::path& p) {
  std::string bytes;
  ASSERT_TRUE(model.SerializeToString(&bytes));
  write_bytes(p, bytes);
}

onnx::ModelProto read_model(const fs::path& p) {
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(read_bytes(p))) << p;
  return model;
}

void expect_load_error(const fs::path& file, std::initializer_list<std::string> needles) {
  expect_error([&] { load_onnx(file); }, needles);
}

template <typename T>
Tensor filled(Shape shape, std::initializer_list<T> values) {
  return Tensor::from<T>(std::move(shape), std::span<const T>(values.begin(), values.size()));
}

using test::make_node;

// The MNIST MLP shape: Flatten -> Gemm -> Relu -> Gemm, symbolic batch, preprocessing metadata.
Graph make_mlp() {
  Rng rng(433);
  Graph g;
  g.name = "mlp";
  g.opset = 13;
  g.inputs.push_back({"input", DType::kF32, {-1, 1, 28, 28}, {"batch", "", "", ""}});
  g.outputs.push_back({"logits", DType::kF32, {-1, 10}, {"batch", ""}});
  g.nodes.push_back(make_node("flatten", "Flatten", {"input"}, {"flat"}, {{"axis", int64_t{1}}}));
  g.nodes.push_back(make_node("fc1", "Gemm", {"flat", "fc1.weight", "fc1.bias"}, {"h1"},
                              {{"alpha", 1.0f}, {"beta", 1.0f}, {"transB", int64_t{1}}}));
  g.nodes.push_back(make_node("relu1", "Relu", {"h1"}, {"a1"}));
  g.nodes.push_back(make_node("fc2", "Gemm", {"a1", "fc2.weight", "fc2.bias"}, {"logits"},
                              {{"transB", int64_t{1}}}));
  g.initializers["fc1.weight"] = random_uniform({16, 784}, rng);
  g.initializers["fc1.bias"] = random_uniform({16}, rng);
  g.initializers["fc2.weight"] = random_uniform({10, 16}, rng);
  g.initializers["fc2.bias"] = random_uniform({10}, rng);
  g.metadata[kNormalizeKey] = "0.1307,0.3081";
  g.metadata["octet.source"] = "onnx_io_test";
  return g;
}

// A QDQ model as octet's convert pass writes it: uint8 activations, per-channel int8 weights
// (DequantizeLinear with axis 0 and a 1-D scale), an int32 bias with scale s_in * s_w.
Graph make_qdq() {
  Graph g;
  g.name = "qdq";
  g.opset = 13;
  g.inputs.push_back({"x", DType::kF32, {-1, 4}, {"batch", ""}});
  g.outputs.push_back({"y", DType::kF32, {-1, 3}, {"batch", ""}});
  g.initializers["x_scale"] = filled<float>({}, {0.02f});
  g.initializers["x_zero_point"] = filled<uint8_t>({}, {128});
  g.initializers["w_q"] = filled<int8_t>({3, 4}, {-128, -1, 0, 1, 127, 5, -5, 64, 3, 2, 1, 0});
  g.initializers["w_scale"] = filled<float>({3}, {0.01f, 0.02f, 0.03f});
  g.initializers["w_zero_point"] = filled<int8_t>({3}, {0, 0, 0});
  g.initializers["b_q"] = filled<int32_t>({3}, {-2147483647 - 1, 0, 2147483647});
  g.initializers["b_scale"] = filled<float>({3}, {0.0002f, 0.0004f, 0.0006f});
  g.initializers["y_scale"] = filled<float>({}, {0.05f});
  g.initializers["y_zero_point"] = filled<uint8_t>({}, {0});
  g.nodes.push_back(
      make_node("x_q", "QuantizeLinear", {"x", "x_scale", "x_zero_point"}, {"x_quantized"}));
  g.nodes.push_back(make_node("x_dq", "DequantizeLinear",
                              {"x_quantized", "x_scale", "x_zero_point"}, {"x_dequantized"}));
  g.nodes.push_back(make_node("w_dq", "DequantizeLinear", {"w_q", "w_scale", "w_zero_point"}, {"w"},
                              {{"axis", int64_t{0}}}));
  g.nodes.push_back(
      make_node("b_dq", "DequantizeLinear", {"b_q", "b_scale"}, {"b"}, {{"axis", int64_t{0}}}));
  g.nodes.push_back(
      make_node("fc", "Gemm", {"x_dequantized", "w", "b"}, {"fc_out"}, {{"transB", int64_t{1}}}));
  g.nodes.push_back(make_node("relu", "Relu", {"fc_out"}, {"relu_out"}));
  g.nodes.push_back(
      make_node("y_q", "QuantizeLinear", {"relu_out", "y_scale", "y_zero_point"}, {"y_quantized"}));
  g.nodes.push_back(
      make_node("y_dq", "DequantizeLinear", {"y_quantized", "y_scale", "y_zero_point"}, {"y"}));
  return g;
}

void expect_same_value_infos(const std::vector<ValueInfo>& a, const std::vector<ValueInfo>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].dtype, b[i].dtype) << a[i].name;
    EXPECT_EQ(a[i].shape, b[i].shape) << a[i].name;
    EXPECT_EQ(a[i].dim_names, b[i].dim_names) << a[i].name;
  }
}

void expect_same_graph(const Graph& a, const Graph& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.opset, b.opset);
  expect_same_value_infos(a.inputs, b.inputs);
  expect_same_value_infos(a.outputs, b.outputs);
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const Node& x = a.nodes[i];
    const Node& y = b.nodes[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.op_type, y.op_type) << x.name;
    EXPECT_EQ(x.inputs, y.inputs) << x.name;
    EXPECT_EQ(x.outputs, y.outputs) << x.name;
    EXPECT_TRUE(x.attrs == y.attrs) << x.name;
  }
  ASSERT_EQ(a.initializers.size(), b.initializers.size());
  for (const auto& [name, t] : a.initializers) {
    const Tensor* u = b.initializer(name);
    ASSERT_NE(u, nullptr) << name;
    EXPECT_EQ(t.dtype(), u->dtype()) << name;
    EXPECT_EQ(t.shape(), u->shape()) << name;
    ASSERT_EQ(t.nbytes(), u->nbytes()) << name;
    EXPECT_EQ(std::memcmp(t.raw(), u->raw(), t.nbytes()), 0) << name;
  }
  EXPECT_EQ(a.metadata, b.metadata);
}

// A tiny valid model built directly as a ModelProto: x [1,4] -> Relu -> y. Tests add to it
// the defect they are about.
onnx::ModelProto minimal_model() {
  onnx::ModelProto model;
  model.set_ir_version(8);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  auto* graph = model.mutable_graph();
  graph->set_name("minimal");
  for (auto* info : {graph->add_input(), graph->add_output()}) {
    auto* type = info->mutable_type()->mutable_tensor_type();
    type->set_elem_type(onnx::TensorProto::FLOAT);
    type->mutable_shape()->add_dim()->set_dim_value(1);
    type->mutable_shape()->add_dim()->set_dim_value(4);
  }
  graph->mutable_input(0)->set_name("x");
  graph->mutable_output(0)->set_name("y");
  auto* node = graph->add_node();
  node->set_name("relu");
  node->set_op_type("Relu");
  node->add_input("x");
  node->add_output("y");
  return model;
}

// ---------------------------------------------------------------------------------------------
// Round trips and the exported form

TEST(OnnxIo, MlpRoundTripEqualsOriginal) {
  test::TempDir dir;
  const Graph original = make_mlp();
  save_onnx(original, dir / "mlp.onnx");
  expect_same_graph(original, load_onnx(dir / "mlp.onnx"));
}

TEST(OnnxIo, SavingTwiceGivesIdenticalBytes) {
  test::TempDir dir;
  const Graph original = make_mlp();
  save_onnx(original, dir / "a.onnx");
  save_onnx(original, dir / "b.onnx");
  // Export after import is a fixed point too: nothing in the bytes depends on history.
  save_onnx(load_onnx(dir / "a.onnx"), dir / "c.onnx");
  const std::string a = read_bytes(dir / "a.onnx");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, read_bytes(dir / "b.onnx"));
  EXPECT_EQ(a, read_bytes(dir / "c.onnx"));
}

TEST(OnnxIo, ExportedModelHasTheDocumentedHeaderAndOrder) {
  test::TempDir dir;
  Graph g = make_mlp();
  g.outputs[0].dim_names = {"", ""};  // an unnamed symbolic dimension is written as "N"
  save_onnx(g, dir / "mlp.onnx");
  const onnx::ModelProto model = read_model(dir / "mlp.onnx");
  EXPECT_EQ(model.ir_version(), 8);
  ASSERT_EQ(model.opset_import_size(), 1);
  EXPECT_EQ(model.opset_import(0).domain(), "");
  EXPECT_EQ(model.opset_import(0).version(), 13);
  EXPECT_EQ(model.producer_name(), "octet");
  EXPECT_EQ(model.producer_version(), "0.1.0");
  EXPECT_EQ(model.graph().name(), "mlp");
  EXPECT_EQ(model.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "batch");
  EXPECT_EQ(model.graph().input(0).type().tensor_type().shape().dim(2).dim_value(), 28);
  EXPECT_EQ(model.graph().output(0).type().tensor_type().shape().dim(0).dim_param(), "N");
  // Weights are initializers only, not graph inputs, sorted by name, stored as raw_data.
  EXPECT_EQ(model.graph().input_size(), 1);
  ASSERT_EQ(model.graph().initializer_size(), 4);
  const char* sorted[] = {"fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(model.graph().initializer(i).name(), sorted[i]);
    EXPECT_TRUE(model.graph().initializer(i).has_raw_data());
  }
  ASSERT_EQ(model.metadata_props_size(), 2);
  EXPECT_EQ(model.metadata_props(0).key(), "octet.normalize");
  EXPECT_EQ(model.metadata_props(0).value(), "0.1307,0.3081");
  EXPECT_EQ(model.metadata_props(1).key(), "octet.source");
}

TEST(OnnxIo, QdqGraphRoundTripsAndPassesTheChecker) {
  test::TempDir dir;
  const Graph original = make_qdq();
  save_onnx(original, dir / "qdq.onnx");
  const onnx::ModelProto model = read_model(dir / "qdq.onnx");
  EXPECT_NO_THROW(onnx::checker::check_model(model));
  const Graph loaded = load_onnx(dir / "qdq.onnx");
  expect_same_graph(original, loaded);
  EXPECT_EQ(loaded.initializer("w_q")->dtype(), DType::kI8);
  EXPECT_EQ(loaded.initializer("x_zero_point")->dtype(), DType::kU8);
  EXPECT_EQ(loaded.initializer("b_q")->values<int32_t>()[0], -2147483647 - 1);
  EXPECT_EQ(loaded.initializer("w_scale")->shape(), Shape{3});
  EXPECT_EQ(loaded.nodes[2].attr_int("axis", -1), 0);
}

TEST(OnnxIo, SaveRejectedByTheCheckerNamesFileAndWritesNothing) {
  test::TempDir dir;
  Graph g = make_mlp();
  g.nodes[1].attrs["no_such_attribute"] = int64_t{3};
  expect_error([&] { save_onnx(g, dir / "bad.onnx"); }, {(dir / "bad.onnx").string(), "checker"});
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(OnnxIo, SaveIntoMissingDirectoryFailsAndCreatesNothing) {
  test::TempDir dir;
  const fs::path target = dir / "missing" / "model.onnx";
  expect_error([&] { save_onnx(make_mlp(), target); }, {(dir / "missing").string()});
  EXPECT_FALSE(fs::exists(dir / "missing"));
}

TEST(OnnxIo, SaveReplacesAnExistingFile) {
  test::TempDir dir;
  write_bytes(dir / "m.onnx", "old");
  save_onnx(make_mlp(), dir / "m.onnx");
  EXPECT_EQ(load_onnx(dir / "m.onnx").nodes.size(), 4u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

// ---------------------------------------------------------------------------------------------
// Import details

TEST(OnnxIo, ConstantNodesBecomeInitializers) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  auto* graph = model.mutable_graph();
  auto add_constant = [&](const std::string& out) {
    auto* node = graph->add_node();
    node->set_op_type("Constant");
    node->add_output(out);
    return node->add_attribute();
  };
  auto* a = add_constant("c_tensor");
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  onnx_io::tensor_to_proto(filled<int64_t>({2}, {-1, 784}), "", a->mutable_t());
  a = add_constant("c_float");
  a->set_name("value_float");
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(2.5f);
  a = add_constant("c_floats");
  a->set_name("value_floats");
  a->set_type(onnx::AttributeProto::FLOATS);
  a->add_floats(1.0f);
  a->add_floats(-2.0f);
  a = add_constant("c_int");
  a->set_name("value_int");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(7);
  a = add_constant("c_ints");
  a->set_name("value_ints");
  a->set_type(onnx::AttributeProto::INTS);
  a->add_ints(3);
  write_model(model, dir / "const.onnx");

  const Graph g = load_onnx(dir / "const.onnx");
  ASSERT_EQ(g.nodes.size(), 1u);  // only the Relu is left
  ASSERT_EQ(g.initializers.size(), 5u);
  EXPECT_EQ(g.initializer("c_tensor")->shape(), Shape{2});
  EXPECT_EQ(g.initializer("c_tensor")->values<int64_t>()[1], 784);
  EXPECT_EQ(g.initializer("c_float")->shape(), Shape{});
  EXPECT_EQ(g.initializer("c_float")->values<float>()[0], 2.5f);
  EXPECT_EQ(g.initializer("c_floats")->values<float>()[1], -2.0f);
  EXPECT_EQ(g.initializer("c_int")->values<int64_t>()[0], 7);
  EXPECT_EQ(g.initializer("c_ints")->shape(), Shape{1});
}

TEST(OnnxIo, AttributesOfEveryTypeAreCopied) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  auto* node = model.mutable_graph()->mutable_node(0);
  using A = onnx::AttributeProto;
  auto add = [&](const std::string& name, A::AttributeType type) {
    auto* a = node->add_attribute();
    a->set_name(name);
    a->set_type(type);
    return a;
  };
  add("i", A::INT)->set_i(-3);
  add("f", A::FLOAT)->set_f(0.25f);
  add("s", A::STRING)->set_s("constant");
  auto* ints = add("ints", A::INTS);
  ints->add_ints(1);
  ints->add_ints(-1);
  auto* floats = add("floats", A::FLOATS);
  floats->add_floats(0.5f);
  write_model(model, dir / "attrs.onnx");

  const Graph g = load_onnx(dir / "attrs.onnx");
  const Node& n = g.nodes.at(0);
  EXPECT_EQ(std::get<int64_t>(n.attrs.at("i")), -3);
  EXPECT_EQ(std::get<float>(n.attrs.at("f")), 0.25f);
  EXPECT_EQ(std::get<std::string>(n.attrs.at("s")), "constant");
  EXPECT_EQ(std::get<std::vector<int64_t>>(n.attrs.at("ints")), (std::vector<int64_t>{1, -1}));
  EXPECT_EQ(std::get<std::vector<float>>(n.attrs.at("floats")), std::vector<float>{0.5f});
}

TEST(OnnxIo, UnsupportedAttributeTypeNamesNodeAndAttribute) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  auto* a = model.mutable_graph()->mutable_node(0)->add_attribute();
  a->set_name("body");
  a->set_type(onnx::AttributeProto::GRAPH);
  a->mutable_g()->set_name("sub");
  write_model(model, dir / "graph_attr.onnx");
  expect_load_error(dir / "graph_attr.onnx",
                    {(dir / "graph_attr.onnx").string(), "node 'relu' (Relu)", "'body'", "GRAPH"});
}

TEST(OnnxIo, UnnamedNodesGetDeterministicUniqueNames) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  auto* graph = model.mutable_graph();
  graph->mutable_node(0)->set_name("");
  graph->mutable_node(0)->set_output(0, "r0");
  auto* second = graph->add_node();
  second->set_name("Relu_0");  // collides with the generated name of the first node
  second->set_op_type("Relu");
  second->add_input("r0");
  second->add_output("r1");
  auto* third = graph->add_node();
  third->set_op_type("Relu");
  third->add_input("r1");
  third->add_output("y");
  write_model(model, dir / "unnamed.onnx");
  const Graph g = load_onnx(dir / "unnamed.onnx");
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[0].name, "Relu_0_");
  EXPECT_EQ(g.nodes[1].name, "Relu_0");
  EXPECT_EQ(g.nodes[2].name, "Relu_2");
}

// Exporters before IR 4 list every initializer as a graph input as well.
TEST(OnnxIo, InitializersListedAsInputsAreNotGraphInputs) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  auto* graph = model.mutable_graph();
  auto* node = graph->mutable_node(0);
  node->set_op_type("Add");
  node->add_input("bias");
  onnx_io::tensor_to_proto(filled<float>({4}, {1, 2, 3, 4}), "bias", graph->add_initializer());
  *graph->add_input() = graph->input(0);
  graph->mutable_input(1)->set_name("bias");
  write_model(model, dir / "old.onnx");
  const Graph g = load_onnx(dir / "old.onnx");
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0].name, "x");
  EXPECT_NE(g.initializer("bias"), nullptr);
}

TEST(OnnxIo, TypedDataFieldsAreRead) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  auto* graph = model.mutable_graph();
  auto add = [&](const std::string& name, int32_t type, std::initializer_list<int64_t> dims) {
    auto* t = graph->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : dims) t->add_dims(d);
    return t;
  };
  auto* f = add("f", onnx::TensorProto::FLOAT, {2});
  f->add_float_data(1.5f);
  f->add_float_data(-0.5f);
  auto* i8 = add("i8", onnx::TensorProto::INT8, {2});
  i8->add_int32_data(-128);
  i8->add_int32_data(127);
  auto* u8 = add("u8", onnx::TensorProto::UINT8, {1});
  u8->add_int32_data(255);
  auto* i32 = add("i32", onnx::TensorProto::INT32, {});
  i32->add_int32_data(-7);
  auto* i64 = add("i64", onnx::TensorProto::INT64, {1, 1});
  i64->add_int64_data(int64_t{1} << 40);
  write_model(model, dir / "typed.onnx");

  const Graph g = load_onnx(dir / "typed.onnx");
  EXPECT_EQ(g.initializer("f")->values<float>()[1], -0.5f);
  EXPECT_EQ(g.initializer("i8")->values<int8_t>()[0], -128);
  EXPECT_EQ(g.initializer("i8")->values<int8_t>()[1], 127);
  EXPECT_EQ(g.initializer("u8")->values<uint8_t>()[0], 255);
  EXPECT_EQ(g.initializer("i32")->shape(), Shape{});
  EXPECT_EQ(g.initializer("i32")->values<int32_t>()[0], -7);
  EXPECT_EQ(g.initializer("i64")->values<int64_t>()[0], int64_t{1} << 40);
}

TEST(OnnxIo, MetadataAndOpsetAreRead) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  model.mutable_opset_import(0)->set_version(17);
  auto* entry = model.add_metadata_props();
  entry->set_key(kNormalizeKey);
  entry->set_value("0.5,0.25");
  // Another domain may be imported as long as no node uses it.
  auto* ml = model.add_opset_import();
  ml->set_domain("ai.onnx.ml");
  ml->set_version(3);
  write_model(model, dir / "meta.onnx");
  const Graph g = load_onnx(dir / "meta.onnx");
  EXPECT_EQ(g.opset, 17);
  EXPECT_EQ(g.metadata.at(kNormalizeKey), "0.5,0.25");
  EXPECT_EQ(g.name, "minimal");
}

// ---------------------------------------------------------------------------------------------
// Bad files: each error names the file and what is wrong

TEST(OnnxIo, MissingFileIsNamed) {
  test::TempDir dir;
  expect_load_error(dir / "nope.onnx", {(dir / "nope.onnx").string(), "no such file"});
}

TEST(OnnxIo, DirectoryIsNotAModel) {
  test::TempDir dir;
  expect_load_error(dir.path(), {dir.path().string(), "directory"});
}

// A sparse 3 GiB file: refused from its size alone, before anything is read or allocated.
TEST(OnnxIo, FileOverTwoGibIsRefused) {
  test::TempDir dir;
  write_bytes(dir / "big.onnx", "");
  std::error_code ec;
  fs::resize_file(dir / "big.onnx", uintmax_t{3} << 30, ec);
  if (ec) GTEST_SKIP() << "cannot make a sparse file here: " << ec.message();
  expect_load_error(dir / "big.onnx", {(dir / "big.onnx").string(), "2 GiB"});
}

TEST(OnnxIo, GarbageFileIsNotAModel) {
  test::TempDir dir;
  write_bytes(dir / "garbage.onnx", "this is plainly not a protobuf \xff\xff\xff\xff");
  expect_load_error(dir / "garbage.onnx",
                    {(dir / "garbage.onnx").string() + ": not an ONNX model"});
  write_bytes(dir / "empty.onnx", "");
  expect_load_error(dir / "empty.onnx", {(dir / "empty.onnx").string(), "not an ONNX model"});
}

TEST(OnnxIo, TruncatedModelIsRejected) {
  test::TempDir dir;
  save_onnx(make_mlp(), dir / "full.onnx");
  const std::string bytes = read_bytes(dir / "full.onnx");
  // Cut points inside the graph (the weights make up most of the file). A cut in the tail,
  // after the graph, could leave a well-formed model without metadata, which is not an error.
  for (size_t cut :
       {size_t{1}, size_t{7}, bytes.size() / 4, bytes.size() / 2, bytes.size() * 9 / 10}) {
    SCOPED_TRACE(cut);
    write_bytes(dir / "cut.onnx", bytes.substr(0, cut));
    expect_load_error(dir / "cut.onnx", {(dir / "cut.onnx").string()});
  }
}

TEST(OnnxIo, UnsupportedOpNamesNodeAndOp) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  model.mutable_graph()->mutable_node(0)->set_name("mystery");
  model.mutable_graph()->mutable_node(0)->set_op_type("FooBar");
  write_model(model, dir / "foobar.onnx");
  expect_load_error(dir / "foobar.onnx",
                    {(dir / "foobar.onnx").string() + ": node 'mystery' (FooBar): unsupported op"});
}

TEST(OnnxIo, NodeInAnotherDomainIsRejected) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  model.mutable_graph()->mutable_node(0)->set_domain("com.microsoft");
  write_model(model, dir / "ms.onnx");
  expect_load_error(dir / "ms.onnx", {(dir / "ms.onnx").string(), "node 'relu'", "com.microsoft"});
}

TEST(OnnxIo, OpsetOutsideTheSupportedRangeIsRejected) {
  test::TempDir dir;
  for (int64_t version : {5, 20}) {
    onnx::ModelProto model = minimal_model();
    model.mutable_opset_import(0)->set_version(version);
    write_model(model, dir / "opset.onnx");
    expect_load_error(dir / "opset.onnx",
                      {(dir / "opset.onnx").string(), "opset " + std::to_string(version)});
  }
  onnx::ModelProto model = minimal_model();
  model.clear_opset_import();
  write_model(model, dir / "none.onnx");
  expect_load_error(dir / "none.onnx", {(dir / "none.onnx").string(), "opset"});
}

// The dims are only a claim: a 10^12-element initializer backed by 4 bytes must be refused
// before anything is allocated (an allocation that size would throw bad_alloc or be killed).
TEST(OnnxIo, InitializerWhoseDimsClaimTooManyElementsIsRejected) {
  test::TempDir dir;
  for (bool raw : {true, false}) {
    SCOPED_TRACE(raw ? "raw_data" : "float_data");
    onnx::ModelProto model = minimal_model();
    auto* t = model.mutable_graph()->add_initializer();
    t->set_name("huge.weight");
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_dims(1000000);
    t->add_dims(1000000);
    if (raw)
      t->set_raw_data(std::string(4, '\0'));
    else
      t->add_float_data(1.0f);
    write_model(model, dir / "huge.onnx");
    expect_load_error(dir / "huge.onnx",
                      {(dir / "huge.onnx").string(), "initializer 'huge.weight'", "1000000000000"});
  }
}

TEST(OnnxIo, InitializerWithNegativeDimIsRejected) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  auto* t = model.mutable_graph()->add_initializer();
  t->set_name("neg");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(-2);
  write_model(model, dir / "neg.onnx");
  expect_load_error(dir / "neg.onnx", {(dir / "neg.onnx").string(), "initializer 'neg'"});
}

TEST(OnnxIo, UnsupportedInitializerTypeNamesTensorAndType) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  auto* t = model.mutable_graph()->add_initializer();
  t->set_name("d");
  t->set_data_type(onnx::TensorProto::DOUBLE);
  t->add_dims(1);
  t->add_double_data(1.0);
  write_model(model, dir / "double.onnx");
  expect_load_error(dir / "double.onnx",
                    {(dir / "double.onnx").string(), "initializer 'd'", "DOUBLE"});
}

TEST(OnnxIo, Int8ValueOutOfRangeIsRejected) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  auto* t = model.mutable_graph()->add_initializer();
  t->set_name("q");
  t->set_data_type(onnx::TensorProto::INT8);
  t->add_dims(1);
  t->add_int32_data(300);
  write_model(model, dir / "range.onnx");
  expect_load_error(dir / "range.onnx", {(dir / "range.onnx").string(), "'q'", "300", "int8"});
}

TEST(OnnxIo, ExternalDataIsRejected) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  auto* t = model.mutable_graph()->add_initializer();
  t->set_name("ext");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(1);
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* location = t->add_external_data();
  location->set_key("location");
  location->set_value("weights.bin");
  write_model(model, dir / "ext.onnx");
  expect_load_error(dir / "ext.onnx", {(dir / "ext.onnx").string(), "'ext'", "external"});
}

TEST(OnnxIo, UnsupportedInputTypeIsRejected) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  model.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::FLOAT16);
  write_model(model, dir / "half.onnx");
  expect_load_error(dir / "half.onnx", {(dir / "half.onnx").string(), "'x'", "FLOAT16"});
}

TEST(OnnxIo, DanglingNodeInputIsRejected) {
  test::TempDir dir;
  onnx::ModelProto model = minimal_model();
  model.mutable_graph()->mutable_node(0)->set_input(0, "nowhere");
  write_model(model, dir / "dangling.onnx");
  expect_load_error(dir / "dangling.onnx", {(dir / "dangling.onnx").string(), "nowhere"});
}

}  // namespace
}  // namespace octet
