// The bad-input catalogue: one table of broken inputs across every command (models, IDX data,
// NPY calibration inputs, flags, output paths). Each must make `octet` exit 2 with one line on
// stderr that names the file (or flag) and the problem, print nothing on stdout, and leave no
// output file, temporary or not. The broken files are made here from the committed MLP fixture
// and a tiny IDX set, so each case states exactly what is wrong with its input.
// tensor_proto.h comes first: it sets up ONNX_ML / ONNX_NAMESPACE for the libonnx headers.
#include "onnx/tensor_proto.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace octet {
namespace {

using test::read_bytes;
using test::write_bytes;

namespace fs = std::filesystem;

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

// ---------------------------------------------------------------------------------------------
// Inputs: IDX files, NPY files and ONNX models, good ones and the means to break them.

std::string be32(uint32_t v) {
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
  return s;
}

std::string idx_images(uint32_t n, uint32_t side = 28, uint32_t magic = 0x803) {
  std::string s = be32(magic) + be32(n) + be32(side) + be32(side);
  for (uint32_t i = 0; i < n * side * side; ++i) s.push_back(static_cast<char>((i * 131) % 251));
  return s;
}

std::string idx_labels(uint32_t n, uint8_t max_label = 9) {
  std::string s = be32(0x801) + be32(n);
  for (uint32_t i = 0; i < n; ++i) s.push_back(static_cast<char>(i % (max_label + 1u)));
  return s;
}

constexpr uint32_t kTrain = 24, kTest = 12;

// A valid data directory; `edit` may then replace one of its files.
fs::path make_data(const fs::path& dir) {
  fs::create_directories(dir);
  write_bytes(dir / "train-images-idx3-ubyte", idx_images(kTrain));
  write_bytes(dir / "train-labels-idx1-ubyte", idx_labels(kTrain));
  write_bytes(dir / "t10k-images-idx3-ubyte", idx_images(kTest));
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_labels(kTest));
  return dir;
}

// A .npy file with a hand-written header (so that it can lie) and float32 data.
std::string npy(const std::string& descr, const std::string& shape, const std::vector<float>& v,
                int major = 1) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  const size_t pre = major == 1 ? 10 : 12;
  while ((pre + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string s = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  s.push_back(static_cast<char>(header.size() & 0xff));
  s.push_back(static_cast<char>(header.size() >> 8));
  if (major == 2) s += std::string(2, '\0');
  s += header;
  s.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  return s;
}

std::vector<float> pixels(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i % 17) / 17.0f;
  return v;
}

// The committed Flatten + Gemm MLP (input [N,1,28,28], logits [N,10]) as a protobuf to edit.
onnx::ModelProto mlp() {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(read_bytes(test::fixture("mlp_torch_flatten_gemm.onnx"))));
  return m;
}

void write_model(const fs::path& p, const onnx::ModelProto& m) {
  std::string bytes;
  ASSERT_TRUE(m.SerializeToString(&bytes));
  write_bytes(p, bytes);
}

onnx::NodeProto* first_node(onnx::ModelProto& m, const std::string& op_type) {
  for (auto& n : *m.mutable_graph()->mutable_node())
    if (n.op_type() == op_type) return &n;
  ADD_FAILURE() << "no " << op_type << " node";
  return m.mutable_graph()->mutable_node(0);
}

onnx::TensorProto* initializer(onnx::ModelProto& m, const std::string& name) {
  for (auto& t : *m.mutable_graph()->mutable_initializer())
    if (t.name() == name) return &t;
  ADD_FAILURE() << "no initializer " << name;
  return m.mutable_graph()->mutable_initializer(0);
}

// ---------------------------------------------------------------------------------------------
// The table.

struct Case {
  std::string name;
  // Writes the inputs into `dir` and returns the command line; `out` is the output path the
  // command must not create (its directory exists and is empty unless the case says otherwise).
  std::function<std::string(const fs::path& dir, const fs::path& out)> make;
  // What stderr must contain: the file (or flag) and the problem.
  std::vector<std::string> needles;
};

// The quantize command on a good MLP with `calib` as the calibration source.
std::string quantize(const fs::path& model, const fs::path& calib, const fs::path& out,
                     const std::string& extra = "") {
  return "quantize " + q(model) + " --calib " + q(calib) + " --calib-count 8 --no-eval -o " +
         q(out) + extra;
}

// Model cases: `edit` breaks the MLP; the broken file is run through `command` ("inspect",
// "eval", "compare" or "quantize").
Case model_case(std::string name, std::string command,
                std::function<void(onnx::ModelProto&)> edit, std::vector<std::string> needles) {
  auto make = [command, edit](const fs::path& dir, const fs::path& out) {
    onnx::ModelProto m = mlp();
    edit(m);
    const fs::path model = dir / "bad.onnx";
    write_model(model, m);
    const fs::path data = make_data(dir / "data");
    if (command == "inspect") return "inspect " + q(model);
    if (command == "eval") return "eval " + q(model) + " --data " + q(data);
    if (command == "compare")  // the broken file second: the message must name it, not the other
      return "compare " + q(test::fixture("mlp_torch_flatten_gemm.onnx")) + " " + q(model) +
             " --data " + q(data);
    return quantize(model, data, out);
  };
  needles.insert(needles.begin(), "bad.onnx");
  return {std::move(name), make, std::move(needles)};
}

// Model file cases: the model file holds `bytes` (relative to the MLP's own bytes).
Case model_bytes_case(std::string name, std::function<std::string(const std::string&)> bytes,
                      std::vector<std::string> needles) {
  auto make = [bytes](const fs::path& dir, const fs::path&) {
    write_bytes(dir / "bad.onnx", bytes(read_bytes(test::fixture("mlp_torch_flatten_gemm.onnx"))));
    return "inspect " + q(dir / "bad.onnx");
  };
  needles.insert(needles.begin(), "bad.onnx");
  return {std::move(name), make, std::move(needles)};
}

// Data cases: `edit` breaks a good data directory; eval (test split) or train (train split)
// reads it.
Case data_case(std::string name, std::string command, std::function<void(const fs::path&)> edit,
               std::vector<std::string> needles) {
  auto make = [command, edit](const fs::path& dir, const fs::path& out) {
    const fs::path data = make_data(dir / "data");
    edit(data);
    if (command == "train")
      return "train --data " + q(data) + " --hidden 4 --epochs 1 -o " + q(out);
    return "eval " + q(test::fixture("mlp_torch_flatten_gemm.onnx")) + " --data " + q(data);
  };
  return {std::move(name), make, std::move(needles)};
}

// NPY cases: quantize calibrates on the .npy file `bytes`.
Case npy_case(std::string name, std::string bytes, std::vector<std::string> needles) {
  auto make = [bytes](const fs::path& dir, const fs::path& out) {
    write_bytes(dir / "calib.npy", bytes);
    return quantize(test::fixture("mlp_torch_flatten_gemm.onnx"), dir / "calib.npy", out);
  };
  needles.insert(needles.begin(), "calib.npy");
  return {std::move(name), make, std::move(needles)};
}

std::vector<Case> catalogue() {
  using M = onnx::ModelProto;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<Case> c;

  // --- ONNX model files ---
  for (double frac : {0.001, 0.37, 0.999})
    c.push_back(model_bytes_case(
        "model truncated at " + std::to_string(frac),
        [frac](const std::string& b) { return b.substr(0, static_cast<size_t>(b.size() * frac)); },
        {"bad.onnx: "}));
  c.push_back(model_bytes_case("model is empty", [](const std::string&) { return std::string(); },
                               {"no graph"}));
  c.push_back(model_bytes_case(
      "model is text", [](const std::string&) { return std::string("ir_version: 8\ngraph {}\n"); },
      {"not an ONNX model"}));
  c.push_back(model_case("unknown op", "inspect",
                         [](M& m) { first_node(m, "Gemm")->set_op_type("Frobnicate"); },
                         {"Frobnicate", "unsupported op"}));
  c.push_back(model_case("unknown op, compare", "compare",
                         [](M& m) { first_node(m, "Gemm")->set_op_type("Frobnicate"); },
                         {"Frobnicate", "unsupported op"}));
  c.push_back(model_case("missing initializer", "eval",
                         [](M& m) {
                           auto* inits = m.mutable_graph()->mutable_initializer();
                           const std::string w = first_node(m, "Gemm")->input(1);
                           inits->erase(std::remove_if(inits->begin(), inits->end(),
                                                       [&](const auto& t) { return t.name() == w; }),
                                        inits->end());
                         },
                         {"fc1.weight", "which no earlier node, input or initializer provides"}));
  c.push_back(model_case("cyclic graph", "inspect",
                         [](M& m) {
                           // The Flatten now reads the last node's output: a cycle.
                           auto* g = m.mutable_graph();
                           g->mutable_node(0)->set_input(0, g->node(g->node_size() - 1).output(0));
                         },
                         {"reads 'logits', which no earlier node"}));
  c.push_back(model_case("graph output not produced", "inspect",
                         [](M& m) { m.mutable_graph()->mutable_output(0)->set_name("nowhere"); },
                         {"graph output 'nowhere' is not produced"}));
  c.push_back(model_case("10^12-element initializer", "quantize",
                         [](M& m) {
                           auto* w = initializer(m, "fc1.weight");
                           w->set_dims(0, 1000000);
                           w->set_dims(1, 1000000);
                         },
                         {"initializer 'fc1.weight'", "[1000000,1000000]"}));
  c.push_back(model_case("negative initializer dim", "inspect",
                         [](M& m) { initializer(m, "fc1.bias")->set_dims(0, -50); },
                         {"initializer 'fc1.bias'", "negative"}));
  c.push_back(model_case("zero-sized initializer", "eval",
                         [](M& m) {
                           auto* b = initializer(m, "fc1.bias");
                           b->set_dims(0, 0);
                           b->clear_raw_data();
                         },
                         {"bad.onnx: node '/fc1/Gemm' (Gemm)", "[0]"}));
  c.push_back(model_case("raw_data shorter than dims", "inspect",
                         [](M& m) {
                           auto* w = initializer(m, "fc2.weight");
                           w->set_raw_data(w->raw_data().substr(0, 100));
                         },
                         {"initializer 'fc2.weight'", "raw_data has 100 bytes"}));
  c.push_back(model_case("float64 initializer", "inspect",
                         [](M& m) { initializer(m, "fc3.bias")->set_data_type(onnx::TensorProto::DOUBLE); },
                         {"initializer 'fc3.bias'", "DOUBLE"}));
  c.push_back(model_case("duplicate initializer", "inspect",
                         [](M& m) { *m.mutable_graph()->add_initializer() = *initializer(m, "fc1.bias"); },
                         {"'fc1.bias' is defined twice"}));
  c.push_back(model_case("opset 99", "inspect",
                         [](M& m) { m.mutable_opset_import(0)->set_version(99); },
                         {"opset 99 is not supported"}));
  c.push_back(model_case("non-UTF-8 node name with a newline", "inspect",
                         [](M& m) {
                           auto* n = first_node(m, "Gemm");
                           n->set_name(std::string("fc\xff\xfe\n1"));
                           n->set_op_type("Frobnicate");
                         },
                         {"node name 'fc\\xff\\xfe\\x0a1' is not valid UTF-8"}));
  c.push_back({"non-UTF-8 initializer name, --json", [](const fs::path& dir, const fs::path&) {
                 // A runnable model whose weight name is not UTF-8: JSON cannot hold the name.
                 onnx::ModelProto m = mlp();
                 const std::string bad = std::string("fc1.w\xc3\x28");
                 initializer(m, "fc1.weight")->set_name(bad);
                 first_node(m, "Gemm")->set_input(1, bad);
                 write_model(dir / "bad.onnx", m);
                 return "inspect " + q(dir / "bad.onnx") + " --json";
               },
               {"bad.onnx", "fc1.w\\xc3(", "not valid UTF-8"}});

  // --- QDQ model: a zero point of the wrong type (made by quantizing the MLP first) ---
  c.push_back({"zero point of type int32", [](const fs::path& dir, const fs::path&) {
                 const fs::path data = make_data(dir / "data");
                 const auto r = test::run_octet(quantize(test::fixture("mlp_torch_flatten_gemm.onnx"),
                                                         data, dir / "q.onnx"));
                 EXPECT_EQ(r.exit_code, 0) << r.err;
                 onnx::ModelProto m;
                 EXPECT_TRUE(m.ParseFromString(read_bytes(dir / "q.onnx")));
                 fs::remove(dir / "q.onnx");
                 // The first DequantizeLinear's zero point becomes int32 (the same value).
                 const std::string zp = first_node(m, "DequantizeLinear")->input(2);
                 auto* t = initializer(m, zp);
                 const int32_t v = static_cast<uint8_t>(t->raw_data()[0]);
                 t->set_data_type(onnx::TensorProto::INT32);
                 t->set_raw_data(std::string(reinterpret_cast<const char*>(&v), 4));
                 write_model(dir / "bad.onnx", m);
                 return "eval " + q(dir / "bad.onnx") + " --data " + q(data);
               },
               {"bad.onnx: node", "zero point", "is int32"}});

  // --- model path problems ---
  c.push_back({"model is a directory", [](const fs::path& dir, const fs::path& out) {
                 fs::create_directories(dir / "model.onnx");
                 return quantize(dir / "model.onnx", make_data(dir / "data"), out);
               },
               {"model.onnx", "is a directory"}});
  c.push_back({"model does not exist", [](const fs::path& dir, const fs::path&) {
                 return "inspect " + q(dir / "absent.onnx");
               },
               {"absent.onnx", "no such file"}});

  // --- IDX data ---
  for (size_t cut : {size_t{2}, size_t{11}, size_t{16 + 28 * 28 * 3 + 5}})
    c.push_back(data_case("test images truncated at byte " + std::to_string(cut), "eval",
                          [cut](const fs::path& d) {
                            const fs::path f = d / "t10k-images-idx3-ubyte";
                            write_bytes(f, read_bytes(f).substr(0, cut));
                          },
                          {"t10k-images-idx3-ubyte", "truncated"}));
  c.push_back(data_case("labels where images belong (wrong magic)", "train",
                        [](const fs::path& d) {
                          write_bytes(d / "train-images-idx3-ubyte", idx_labels(kTrain));
                        },
                        {"train-images-idx3-ubyte", "magic 0x00000801",
                         "looks like an IDX label file"}));
  c.push_back(data_case("image and label counts differ", "eval",
                        [](const fs::path& d) {
                          write_bytes(d / "t10k-labels-idx1-ubyte", idx_labels(kTest - 1));
                        },
                        {"12 images in t10k-images-idx3-ubyte but 11 labels"}));
  c.push_back(data_case("zero images", "train",
                        [](const fs::path& d) { write_bytes(d / "train-images-idx3-ubyte", idx_images(0)); },
                        {"train-images-idx3-ubyte", "declares 0 images"}));
  c.push_back(data_case("trailing bytes after the labels", "eval",
                        [](const fs::path& d) {
                          write_bytes(d / "t10k-labels-idx1-ubyte", idx_labels(kTest) + "xyz");
                        },
                        {"t10k-labels-idx1-ubyte", "trailing data: 3 bytes"}));
  c.push_back(data_case("corrupt gzip", "eval",
                        [](const fs::path& d) {
                          fs::remove(d / "t10k-labels-idx1-ubyte");
                          write_bytes(d / "t10k-labels-idx1-ubyte.gz",
                                      std::string("\x1f\x8b\x08\x00garbage-garbage-garbage", 27));
                        },
                        {"t10k-labels-idx1-ubyte.gz", "gzip"}));
  c.push_back(data_case("label 12 for 10 classes", "eval",
                        [](const fs::path& d) {
                          write_bytes(d / "t10k-labels-idx1-ubyte", idx_labels(kTest, 12));
                        },
                        {"data: label 10 of sample 10 is out of range"}));
  c.push_back(data_case("images file is a directory", "train",
                        [](const fs::path& d) {
                          fs::remove(d / "train-images-idx3-ubyte");
                          fs::create_directories(d / "train-images-idx3-ubyte");
                        },
                        {"train-images-idx3-ubyte", "is a directory"}));
  // Calibration succeeds, the evaluation fails: the model must not be written either.
  c.push_back({"evaluation images of another size", [](const fs::path& dir, const fs::path& out) {
                 const fs::path calib = make_data(dir / "calib");
                 const fs::path eval = make_data(dir / "eval");
                 write_bytes(eval / "t10k-images-idx3-ubyte", idx_images(kTest, 20));
                 return "quantize " + q(test::fixture("mlp_torch_flatten_gemm.onnx")) +
                        " --calib " + q(calib) + " --calib-count 8 --data " + q(eval) + " -o " +
                        q(out);
               },
               {"eval", "got shape [12,1,20,20]", "expects [-1,1,28,28]"}});
  c.push_back({"data directory is a file", [](const fs::path& dir, const fs::path& out) {
                 write_bytes(dir / "data", "not a directory");
                 return "train --data " + q(dir / "data") + " -o " + q(out);
               },
               {"data", "is not a directory"}});

  // --- NPY calibration inputs ---
  c.push_back(npy_case("NaN pixel", npy("<f4", "(8, 1, 28, 28)", [&] {
                         auto v = pixels(8 * 784);
                         v[3 * 784 + 5] = nan;
                         return v;
                       }()),
                       {"element 2357", "nan"}));
  c.push_back(npy_case("Inf pixel", npy("<f4", "(8, 1, 28, 28)", [&] {
                         auto v = pixels(8 * 784);
                         v[0] = -inf;
                         return v;
                       }()),
                       {"element 0", "-inf"}));
  c.push_back(npy_case("NPY data truncated", npy("<f4", "(8, 1, 28, 28)", pixels(8 * 784 - 3)),
                       {"truncated"}));
  c.push_back(npy_case("NPY header truncated", npy("<f4", "(8, 1, 28, 28)", {}).substr(0, 40),
                       {"truncated"}));
  c.push_back(npy_case("NPY wrong magic", "\x93NUMPZ" + npy("<f4", "(8, 784)", pixels(8 * 784)).substr(6),
                       {"not a .npy file"}));
  c.push_back(npy_case("NPY negative dim", npy("<f4", "(-8, 1, 28, 28)", pixels(8 * 784)),
                       {"expected a non-negative integer in 'shape'"}));
  c.push_back(npy_case("NPY zero-sized", npy("<f4", "(0, 1, 28, 28)", {}),
                       {"dimension 0 = 0"}));
  c.push_back(npy_case("NPY 2^80 elements", npy("<f4", "(1099511627776, 1099511627776)", {}),
                       {"over the 2^33-byte limit"}));
  c.push_back(npy_case("NPY float64", npy("<f8", "(1,)", {0, 0}), {"'<f8'", "float64"}));

  // --- flags ---
  c.push_back({"--hidden with an empty item", [](const fs::path& dir, const fs::path& out) {
                 return "train --data " + q(make_data(dir / "data")) + " --hidden 50,,30 -o " + q(out);
               },
               {"--hidden", "empty item"}});
  c.push_back({"--hidden past int64", [](const fs::path& dir, const fs::path& out) {
                 return "train --data " + q(make_data(dir / "data")) +
                        " --hidden 99999999999999999999 -o " + q(out);
               },
               {"--hidden", "does not fit in a 64-bit integer"}});
  c.push_back({"--mean nan", [](const fs::path& dir, const fs::path&) {
                 return "eval " + q(test::fixture("mlp_torch_flatten_gemm.onnx")) + " --data " +
                        q(make_data(dir / "data")) + " --mean nan --std 1";
               },
               {"--mean", "'nan' is not a finite number"}});

  // --- output paths ---
  c.push_back({"output directory does not exist", [](const fs::path& dir, const fs::path& out) {
                 return quantize(test::fixture("mlp_torch_flatten_gemm.onnx"),
                                 make_data(dir / "data"), out.parent_path() / "missing" / "q.onnx");
               },
               {"missing", "does not exist"}});
  c.push_back({"output path is a directory", [](const fs::path& dir, const fs::path&) {
                 fs::create_directories(dir / "q.onnx");
                 return quantize(test::fixture("mlp_torch_flatten_gemm.onnx"),
                                 make_data(dir / "data"), dir / "q.onnx");
               },
               {"q.onnx", "rename"}});
  c.push_back({"output directory is read-only", [](const fs::path& dir, const fs::path& out) {
                 // As root, permission bits do not stop a write, so a read-only directory cannot
                 // be made with chmod; /proc refuses new files even to root and stands in for it.
                 fs::path target = out.parent_path() / "q.onnx";
                 if (::geteuid() == 0) {
                   target = "/proc/octet-catalogue-q.onnx";
                 } else {
                   fs::permissions(out.parent_path(), fs::perms::owner_read | fs::perms::owner_exec);
                 }
                 return quantize(test::fixture("mlp_torch_flatten_gemm.onnx"),
                                 make_data(dir / "data"), target);
               },
               {"q.onnx", "cannot"}});
  return c;
}

// Everything under `dir`, for the "nothing left behind" check.
std::set<std::string> listing(const fs::path& dir) {
  std::set<std::string> s;
  for (const auto& e : fs::recursive_directory_iterator(dir)) s.insert(e.path().string());
  return s;
}

// Runs one case; true when every expectation held.
bool check_case(const Case& k) {
  SCOPED_TRACE(k.name);
  test::TempDir dir;
  const fs::path out_dir = dir / "out";
  fs::create_directories(out_dir);
  const std::string args = k.make(dir.path(), out_dir / "out.onnx");
  const std::set<std::string> before = listing(dir.path());
  const test::CommandResult r = test::run_octet(args);
  fs::permissions(out_dir, fs::perms::owner_all);  // undo the read-only case
  std::printf("[ catalogue ] %-42s exit %d: %s", k.name.c_str(), r.exit_code, r.err.c_str());
  bool ok = true;
  auto expect = [&ok](bool cond) {
    ok = ok && cond;
    return cond;
  };
  EXPECT_TRUE(expect(r.exit_code == 2)) << "exit " << r.exit_code << ": octet " << args;
  EXPECT_TRUE(expect(std::count(r.err.begin(), r.err.end(), '\n') == 1 && r.err.back() == '\n'))
      << "not one line: " << r.err;
  EXPECT_TRUE(expect(r.err.rfind("octet: ", 0) == 0)) << r.err;
  for (const auto& needle : k.needles)
    EXPECT_TRUE(expect(r.err.find(needle) != std::string::npos))
        << "stderr: " << r.err << "expected to contain: " << needle;
  EXPECT_TRUE(expect(r.out.empty())) << "stdout: " << r.out;
  EXPECT_TRUE(expect(listing(dir.path()) == before)) << "the command created or removed files";
  EXPECT_TRUE(expect(!fs::exists("/proc/octet-catalogue-q.onnx")));
  return ok;
}

const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = catalogue();
  return cases;
}

// One ctest entry per case (BadInputCatalogue/Case.Fails/<name>), so each stays short and a
// failure names its case.
class Case_ : public ::testing::TestWithParam<size_t> {};

TEST_P(Case_, ExitsTwoWithOneLineNamingFileAndProblemAndWritesNothing) {
  EXPECT_TRUE(check_case(all_cases()[GetParam()]));
}

std::string case_name(const ::testing::TestParamInfo<size_t>& info) {
  std::string name;
  for (char ch : all_cases()[info.param].name)
    name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(BadInputCatalogue, Case_, ::testing::Range<size_t>(0, all_cases().size()),
                         case_name);

TEST(BadInputCatalogue, HasAtLeastThirtyCases) {
  EXPECT_GE(all_cases().size(), 30u);
}

}  // namespace
}  // namespace octet
