// The octet command line end to end on a tiny IDX data set written by the test: train, eval,
// quantize and inspect with --json, deterministic training, and bad input: exit code 2, one line
// on stderr naming the file or flag at fault, and no output file left behind.
// tensor_proto.h comes first: it sets up ONNX_ML / ONNX_NAMESPACE for the libonnx headers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "octet/onnx_io.h"
#include "octet/random.h"
#include "octet/runtime.h"
#include "onnx/tensor_proto.h"
#include "test_util.h"

namespace octet {
namespace {

using test::put_u32_be;
using test::read_bytes;
using test::write_bytes;

namespace fs = std::filesystem;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Writing IDX files (big-endian header: magic, then one uint32 per dimension, then the bytes).

std::string idx_images(const std::vector<uint8_t>& pixels, uint32_t n, uint32_t magic = 0x803) {
  std::string out;
  put_u32_be(out, magic);
  put_u32_be(out, n);
  put_u32_be(out, 28);
  put_u32_be(out, 28);
  out.append(pixels.begin(), pixels.end());
  return out;
}

std::string idx_labels(const std::vector<uint8_t>& labels, uint32_t magic = 0x801) {
  std::string out;
  put_u32_be(out, magic);
  put_u32_be(out, static_cast<uint32_t>(labels.size()));
  out.append(labels.begin(), labels.end());
  return out;
}

// A data set of `n` images per split: class c is a bright band in rows 2c..2c+7 over seeded
// noise, so the tiny MLP has something to learn. Raw (not gzip) torchvision file names.
struct TinySet {
  std::vector<uint8_t> train_pixels, test_pixels, train_labels, test_labels;
};

TinySet make_tiny_set(uint32_t n_train, uint32_t n_test) {
  Rng rng(2024);
  TinySet s;
  auto fill = [&](std::vector<uint8_t>& pixels, std::vector<uint8_t>& labels, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) {
      const auto label = static_cast<uint8_t>(rng.below(10));
      labels.push_back(label);
      for (int r = 0; r < 28; ++r)
        for (int c = 0; c < 28; ++c) {
          const bool band = r >= 2 * label && r < 2 * label + 8;
          pixels.push_back(static_cast<uint8_t>(rng.below(64) + (band ? 160 : 0)));
        }
    }
  };
  fill(s.train_pixels, s.train_labels, n_train);
  fill(s.test_pixels, s.test_labels, n_test);
  return s;
}

void write_tiny_set(const fs::path& dir, const TinySet& s) {
  fs::create_directories(dir);
  write_bytes(dir / "train-images-idx3-ubyte",
              idx_images(s.train_pixels, static_cast<uint32_t>(s.train_labels.size())));
  write_bytes(dir / "train-labels-idx1-ubyte", idx_labels(s.train_labels));
  write_bytes(dir / "t10k-images-idx3-ubyte",
              idx_images(s.test_pixels, static_cast<uint32_t>(s.test_labels.size())));
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_labels(s.test_labels));
}

// A model whose only node is op "FooBar" (default domain): valid protobuf, unsupported op.
void write_foobar_model(const fs::path& p) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("cli_test");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  onnx::GraphProto* g = model.mutable_graph();
  g->set_name("foobar");
  auto add_value = [](onnx::ValueInfoProto* v, const std::string& name,
                      std::initializer_list<int64_t> dims) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
  };
  add_value(g->add_input(), "input", {1, 1, 28, 28});
  add_value(g->add_output(), "logits", {1, 10});
  onnx::NodeProto* node = g->add_node();
  node->set_name("foo");
  node->set_op_type("FooBar");
  node->add_input("input");
  node->add_output("logits");
  std::string bytes;
  ASSERT_TRUE(model.SerializeToString(&bytes));
  write_bytes(p, bytes);
}

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

// ---------------------------------------------------------------------------------------------
// Shared state: the tiny data set and one trained model, made once for the suite.

class Cli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    set_ = new TinySet(make_tiny_set(200, 100));
    write_tiny_set(data(), *set_);
    const auto r =
        test::run_octet("train --data " + q(data()) + " --hidden 16,8 --seed 7 -o " + q(model()));
    // Reported by each test's SetUp(): a fatal failure here would make gtest mark the tests
    // SKIPPED, which ctest counts as skipped rather than failed.
    if (r.exit_code != 0)
      setup_error_ = "octet train exited " + std::to_string(r.exit_code) + ": " + r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete set_;
    dir_ = nullptr;
    set_ = nullptr;
  }
  static fs::path root() { return dir_->path(); }
  static fs::path data() { return root() / "data"; }
  static fs::path model() { return root() / "model.onnx"; }

  // A fresh directory for the outputs of one command, and a copy of the data set to corrupt.
  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    out_ = root() / ("out_" + std::to_string(counter_++));
    fs::create_directories(out_);
  }
  fs::path bad_data(const std::string& name) {
    const fs::path d = root() / ("bad_" + name);
    write_tiny_set(d, *set_);
    return d;
  }

  // Runs a command that must fail on bad input: exit 2, one line on stderr containing every
  // needle, nothing on stdout, and the output directory still empty.
  void expect_usage_error(const std::string& args, std::initializer_list<std::string> needles) {
    SCOPED_TRACE("octet " + args);
    const auto r = test::run_octet(args);
    std::printf("[ cli ] exit %d: %s", r.exit_code, r.err.c_str());
    EXPECT_EQ(r.exit_code, 2) << "stderr: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr: " << r.err;
    EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << "stderr: " << r.err;
    for (const auto& needle : needles)
      EXPECT_NE(r.err.find(needle), std::string::npos)
          << "stderr: " << r.err << "\nexpected to name: " << needle;
    EXPECT_TRUE(r.out.empty()) << "stdout: " << r.out;
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(out_)) left.push_back(e.path().filename());
    EXPECT_TRUE(left.empty()) << "left behind: " << ::testing::PrintToString(left);
  }

  fs::path out_;
  static inline test::TempDir* dir_ = nullptr;
  static inline TinySet* set_ = nullptr;
  static inline int counter_ = 0;
  static inline std::string setup_error_;
};

// ---------------------------------------------------------------------------------------------
// The happy path

TEST_F(Cli, TrainThenEvalJson) {
  ASSERT_TRUE(fs::exists(model()));
  const auto r = test::run_octet("eval " + q(model()) + " --data " + q(data()) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);  // stdout is exactly one JSON object
  ASSERT_TRUE(j.is_object());
  for (const char* key : {"accuracy", "samples", "correct", "file_bytes", "param_bytes"})
    EXPECT_TRUE(j.contains(key)) << key << " missing in " << r.out;
  EXPECT_EQ(j["samples"].get<int64_t>(), 100);
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), j["correct"].get<double>() / 100.0);
  EXPECT_EQ(j["file_bytes"].get<uint64_t>(), fs::file_size(model()));
  // 784*16 + 16 + 16*8 + 8 + 8*10 + 10 float32 parameters.
  EXPECT_EQ(j["param_bytes"].get<int64_t>(), (784 * 16 + 16 + 16 * 8 + 8 + 8 * 10 + 10) * 4);
  std::printf("[ cli ] tiny model: accuracy %.2f on %lld images\n", j["accuracy"].get<double>(),
              static_cast<long long>(j["samples"].get<int64_t>()));
  // The classes are bands of bright rows: even a tiny model trained on 200 images finds them.
  EXPECT_GT(j["accuracy"].get<double>(), 0.3) << r.out;
}

TEST_F(Cli, QuantizeJsonThenInspectJson) {
  const fs::path qmodel = out_ / "q.onnx";
  const auto r = test::run_octet("quantize " + q(model()) + " --calib " + q(data()) +
                                 " --calib-count 100 -o " + q(qmodel) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["preset"], "recommended");
  EXPECT_EQ(j["layers"].size(), 3u) << r.out;
  ASSERT_TRUE(fs::exists(qmodel));
  const Graph g = load_onnx(qmodel);
  const Session session(g);
  int int8 = 0;
  for (const auto& [name, precision] : session.node_precision()) int8 += precision == "int8";
  EXPECT_GT(int8, 0);

  const auto ins = test::run_octet("inspect " + q(qmodel) + " --json");
  ASSERT_EQ(ins.exit_code, 0) << ins.err;
  const json k = json::parse(ins.out);
  EXPECT_EQ(k["layers"].size(), 3u) << ins.out;
  EXPECT_EQ(k["int8_nodes"].get<int>(), int8);
  EXPECT_EQ(k["file_bytes"].get<uint64_t>(), fs::file_size(qmodel));

  // The int8 model evaluates too.
  const auto ev = test::run_octet("eval " + q(qmodel) + " --data " + q(data()) + " --json");
  ASSERT_EQ(ev.exit_code, 0) << ev.err;
  EXPECT_EQ(json::parse(ev.out)["samples"].get<int64_t>(), 100);
}

// --reduce-range: 7-bit activations (the AVX2 vpmaddubsw path). On the same calibration sample,
// every activation grid keeps its range with 127 steps instead of 255: each QuantizeLinear scale
// grows by 255 / 127 (up to the float rounding of the scales).
TEST_F(Cli, QuantizeReduceRangeUsesSevenBitActivations) {
  const fs::path q7 = out_ / "q7.onnx", q8 = out_ / "q8.onnx";
  const auto r = test::run_octet("quantize " + q(model()) + " --calib " + q(data()) +
                                 " --calib-count 50 --no-eval --reduce-range -o " + q(q7) +
                                 " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(json::parse(r.out)["config"].get<std::string>().find("activations uint8 [0,127]"),
            std::string::npos)
      << r.out;
  ASSERT_EQ(test::run_octet("quantize " + q(model()) + " --calib " + q(data()) +
                            " --calib-count 50 --no-eval -o " + q(q8))
                .exit_code,
            0);
  auto activation_scales = [](const Graph& g) {
    std::map<std::string, float> scales;  // QuantizeLinear input -> scale
    for (const Node& n : g.nodes)
      if (n.op_type == "QuantizeLinear" && g.initializer(n.inputs[0]) == nullptr)
        scales[n.inputs[0]] = g.initializer(n.inputs[1])->data<float>()[0];
    return scales;
  };
  const auto s7 = activation_scales(load_onnx(q7)), s8 = activation_scales(load_onnx(q8));
  ASSERT_EQ(s7.size(), s8.size());
  ASSERT_GT(s7.size(), 0u);
  for (const auto& [name, scale] : s7)
    EXPECT_NEAR(scale / s8.at(name), 255.0 / 127.0, 1e-3) << name;
}

// octet bench over the FP32 and int8 models: one JSON row per model x batch x threads.
TEST_F(Cli, BenchJsonHasOneRowPerCase) {
  const fs::path qmodel = out_ / "q.onnx";
  ASSERT_EQ(test::run_octet("quantize " + q(model()) + " --calib " + q(data()) +
                            " --calib-count 50 --no-eval -o " + q(qmodel))
                .exit_code,
            0);
  const auto r = test::run_octet("bench " + q(model()) + " " + q(qmodel) + " --data " + q(data()) +
                                 " --batch 1,7 --threads 1,2 --seconds 0.02 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 8u) << r.out;
  for (const auto& row : j["results"]) {
    for (const char* key : {"model", "precision", "batch", "threads", "us_per_sample", "samples_per_s"})
      EXPECT_TRUE(row.contains(key)) << key << " missing in " << row;
    EXPECT_GT(row["us_per_sample"].get<double>(), 0.0);
    EXPECT_NEAR(row["samples_per_s"].get<double>() * row["us_per_sample"].get<double>(), 1e6, 1.0);
    EXPECT_EQ(row["input"], "data") << "the test images fit the model's 784 inputs";
  }
  EXPECT_EQ(j["results"][0]["precision"], "fp32");
  EXPECT_EQ(j["results"][4]["precision"], "int8");
  EXPECT_EQ(j["results"][3]["batch"].get<int>(), 7);
  EXPECT_EQ(j["results"][3]["threads"].get<int>(), 2);
}

// --threads changes the speed, never the predictions: eval of the int8 model with 1 and 3
// threads prints the same accuracy.
TEST_F(Cli, EvalIsIdenticalForAnyThreadCount) {
  const fs::path qmodel = out_ / "q.onnx";
  ASSERT_EQ(test::run_octet("quantize " + q(model()) + " --calib " + q(data()) +
                            " --calib-count 50 --no-eval -o " + q(qmodel))
                .exit_code,
            0);
  const auto one = test::run_octet("eval " + q(qmodel) + " --data " + q(data()) + " --threads 1 --json");
  const auto three = test::run_octet("eval " + q(qmodel) + " --data " + q(data()) + " --threads 3 --json");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(three.exit_code, 0) << three.err;
  EXPECT_EQ(json::parse(one.out)["correct"], json::parse(three.out)["correct"]);
}

TEST_F(Cli, BadThreadsAndBatchLists) {
  expect_usage_error("bench " + q(model()) + " --threads 0", {"--threads", "0"});
  expect_usage_error("bench " + q(model()) + " --batch 1,,2", {"--batch"});
  expect_usage_error("eval " + q(model()) + " --data " + q(data()) + " --threads 0",
                     {"--threads", "0"});
}

TEST_F(Cli, QuantizeMethodsOverridesAndTheReportOfAuto) {
  const auto r = test::run_octet(
      "quantize " + q(model()) + " --calib " + q(data()) + " --calib-count 100 --method auto" +
      " --override fc1.weight=mse --override relu1_out=percentile --percentile 99.9" +
      " --act-symmetric -o " + q(out_ / "q.onnx") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  const json& m = j["methods"];
  EXPECT_EQ(m["relu1_out"], "percentile") << r.out;
  EXPECT_EQ(m["fc1.weight"], "mse") << r.out;
  EXPECT_EQ(m["fc2.weight"], "minmax") << r.out;
  EXPECT_EQ(m["flatten_out"].get<std::string>().rfind("auto: ", 0), 0u) << r.out;
  EXPECT_NE(j["config"].get<std::string>().find("symmetric"), std::string::npos) << r.out;
  EXPECT_EQ(j["layers"][0]["input"]["zero_point"][0], 128) << r.out;  // int8 grid as uint8 + 128
  EXPECT_GT(j["calibration_seconds"].get<double>(), 0.0);
  EXPECT_GT(j["peak_rss_kb"].get<int64_t>(), 0);
  // --reduce-range: 7-bit activations.
  const auto rr = test::run_octet("quantize " + q(model()) + " --calib " + q(data()) +
                                  " --calib-count 100 --reduce-range -o " + q(out_ / "r.onnx") +
                                  " --json");
  ASSERT_EQ(rr.exit_code, 0) << rr.err;
  EXPECT_NE(json::parse(rr.out)["config"].get<std::string>().find("uint8 [0,127]"),
            std::string::npos) << rr.out;
}

TEST_F(Cli, QuantizeBadMethodOptions) {
  const std::string base = "quantize " + q(model()) + " --calib " + q(data()) +
                           " --calib-count 50 -o " +
                           q(out_ / "q.onnx") + " ";
  expect_usage_error(base + "--override no_such_tensor=entropy", {"no_such_tensor", "--override"});
  expect_usage_error(base + "--override relu1_out=kl", {"'kl'", "--override"});
  expect_usage_error(base + "--override relu1_out", {"NAME=METHOD"});
  expect_usage_error(base + "--method kl", {"--method"});
  expect_usage_error(base + "--percentile 0", {"--percentile"});
  expect_usage_error(base + "--act-symmetric --reduce-range", {"--act-symmetric", "--reduce-range"});
  expect_usage_error(base + "--bias-correction --no-bias-correction",
                     {"--bias-correction", "--no-bias-correction"});
}

// --strip-names: a smaller file that evaluates exactly as the named one.
TEST_F(Cli, QuantizeStripNamesKeepsTheResults) {
  const fs::path named = out_ / "named.onnx", stripped = out_ / "stripped.onnx";
  const std::string base = "quantize " + q(model()) + " --calib " + q(data()) +
                           " --calib-count 100 --no-eval -o ";
  ASSERT_EQ(test::run_octet(base + q(named)).exit_code, 0);
  ASSERT_EQ(test::run_octet(base + q(stripped) + " --strip-names").exit_code, 0);
  EXPECT_LT(fs::file_size(stripped), fs::file_size(named));
  const auto a = test::run_octet("eval " + q(named) + " --data " + q(data()) + " --json");
  const auto b = test::run_octet("eval " + q(stripped) + " --data " + q(data()) + " --json");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(json::parse(a.out)["correct"], json::parse(b.out)["correct"]);
}

// The recommended preset corrects the biases (one report entry per layer); --no-bias-correction
// gives the same graph with only the int32 bias initializers different; pytorch-default is off.
TEST_F(Cli, BiasCorrectionIsTheRecommendedDefault) {
  const fs::path on = out_ / "on.onnx", off = out_ / "off.onnx", pt = out_ / "pt.onnx";
  const std::string base = "quantize " + q(model()) + " --calib " + q(data()) +
                           " --calib-count 100 --no-eval --json ";
  const auto r_on = test::run_octet(base + "-o " + q(on));
  ASSERT_EQ(r_on.exit_code, 0) << r_on.err;
  const json j_on = json::parse(r_on.out);
  ASSERT_TRUE(j_on["bias_correction"].is_array()) << r_on.out;
  EXPECT_EQ(j_on["bias_correction"].size(), j_on["layers"].size());
  const auto r_off = test::run_octet(base + "--no-bias-correction -o " + q(off));
  ASSERT_EQ(r_off.exit_code, 0) << r_off.err;
  EXPECT_TRUE(json::parse(r_off.out)["bias_correction"].is_null());
  const auto r_pt = test::run_octet(base + "--preset pytorch-default -o " + q(pt));
  ASSERT_EQ(r_pt.exit_code, 0) << r_pt.err;
  EXPECT_TRUE(json::parse(r_pt.out)["bias_correction"].is_null());

  const Graph a = load_onnx(on), b = load_onnx(off);
  ASSERT_EQ(a.initializers.size(), b.initializers.size());
  int differ = 0;
  for (const auto& [name, t] : a.initializers) {
    const Tensor& u = *b.initializer(name);
    if (std::equal(t.raw(), t.raw() + t.nbytes(), u.raw())) continue;
    ++differ;
    EXPECT_EQ(t.dtype(), DType::kI32) << name << " differs but is not an int32 bias";
  }
  EXPECT_GT(differ, 0);
}

// demo names the data set after --data's directory (not after whether ./data/mnist exists):
// a directory it cannot name is refused before anything is trained or written.
TEST_F(Cli, DemoNamesTheDataSetAfterTheDataDirectory) {
  expect_usage_error("demo --data . --workdir " + q(out_ / "work"), {"--data .", "--dataset"});
  const fs::path digits = root() / "mnist";
  if (!fs::exists(digits)) fs::create_directory_symlink(data(), digits);
  const auto r = test::run_octet("demo --data " + q(digits) + " --workdir " + q(out_ / "work"));
  EXPECT_NE(r.out.find("Data set mnist from"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(fs::exists(out_ / "work" / "mnist_mlp_fp32.onnx")) << r.err;
}

TEST_F(Cli, TrainIsDeterministic) {
  const std::string args = "train --data " + q(data()) + " --hidden 16,8 --seed 7 -o ";
  const auto r = test::run_octet(args + q(out_ / "again.onnx"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(read_bytes(model()) == read_bytes(out_ / "again.onnx"))
      << "two runs with the same seed wrote different files";
  const auto other = test::run_octet("train --data " + q(data()) + " --hidden 16,8 --seed 8 -o " +
                                     q(out_ / "other.onnx"));
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_FALSE(read_bytes(model()) == read_bytes(out_ / "other.onnx"));
}

TEST_F(Cli, CalibratingOnTheTestSetWarnsButSucceeds) {
  const auto r =
      test::run_octet("quantize " + q(model()) + " --calib " + q(data()) +
                      " --calib-set test --calib-count 50 -o " + q(out_ / "q.onnx") + " --json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("test set"), std::string::npos) << r.err;
  EXPECT_TRUE(json::parse(r.out).is_object());
  EXPECT_TRUE(fs::exists(out_ / "q.onnx"));
}

// ---------------------------------------------------------------------------------------------
// Bad data

TEST_F(Cli, MissingDataDirectory) {
  const fs::path missing = root() / "no_such_dir";
  expect_usage_error("train --data " + q(missing) + " -o " + q(out_ / "m.onnx"), {"no_such_dir"});
  expect_usage_error("eval " + q(model()) + " --data " + q(missing), {"no_such_dir"});
  expect_usage_error(
      "quantize " + q(model()) + " --calib " + q(missing) + " -o " + q(out_ / "q.onnx"),
      {"no_such_dir"});
}

TEST_F(Cli, TruncatedIdxFile) {
  const fs::path d = bad_data("truncated");
  const std::string full = read_bytes(d / "train-images-idx3-ubyte");
  write_bytes(d / "train-images-idx3-ubyte", full.substr(0, full.size() - 1000));
  expect_usage_error("train --data " + q(d) + " -o " + q(out_ / "m.onnx"),
                     {"train-images-idx3-ubyte", "truncated"});
  // A header cut short, too.
  write_bytes(d / "t10k-labels-idx1-ubyte", read_bytes(d / "t10k-labels-idx1-ubyte").substr(0, 6));
  expect_usage_error("eval " + q(model()) + " --data " + q(d), {"t10k-labels-idx1-ubyte"});
}

TEST_F(Cli, WrongMagic) {
  const fs::path d = bad_data("magic");
  write_bytes(d / "train-labels-idx1-ubyte", idx_labels(set_->train_labels, 0x803));
  expect_usage_error("train --data " + q(d) + " -o " + q(out_ / "m.onnx"),
                     {"train-labels-idx1-ubyte", "magic"});
}

TEST_F(Cli, ImageLabelCountMismatch) {
  const fs::path d = bad_data("count");
  std::vector<uint8_t> labels = set_->train_labels;
  labels.pop_back();
  write_bytes(d / "train-labels-idx1-ubyte", idx_labels(labels));
  expect_usage_error("train --data " + q(d) + " -o " + q(out_ / "m.onnx"), {"200", "199"});
}

TEST_F(Cli, LabelOutOfRangeForTenClasses) {
  const fs::path d = bad_data("label10");
  std::vector<uint8_t> train = set_->train_labels, test = set_->test_labels;
  train[17] = 10;
  test[3] = 10;
  write_bytes(d / "train-labels-idx1-ubyte", idx_labels(train));
  write_bytes(d / "t10k-labels-idx1-ubyte", idx_labels(test));
  expect_usage_error("train --data " + q(d) + " -o " + q(out_ / "m.onnx"),
                     {"train-labels-idx1-ubyte", "10"});
  expect_usage_error("eval " + q(model()) + " --data " + q(d), {"label 10"});
}

// ---------------------------------------------------------------------------------------------
// Bad models

TEST_F(Cli, OnnxFileThatIsNotProtobuf) {
  const fs::path bad = root() / "garbage.onnx";
  write_bytes(bad, std::string("this is not a protobuf \xff\xff\xff\xff\xff", 28));
  expect_usage_error("eval " + q(bad) + " --data " + q(data()), {"garbage.onnx"});
  expect_usage_error(
      "quantize " + q(bad) + " --calib " + q(data()) + " --calib-count 10 -o " + q(out_ / "q.onnx"),
      {"garbage.onnx"});
  expect_usage_error("inspect " + q(bad), {"garbage.onnx"});
}

TEST_F(Cli, OnnxModelWithUnsupportedOp) {
  const fs::path bad = root() / "foobar.onnx";
  write_foobar_model(bad);
  expect_usage_error("eval " + q(bad) + " --data " + q(data()), {"foobar.onnx", "FooBar"});
  expect_usage_error(
      "quantize " + q(bad) + " --calib " + q(data()) + " --calib-count 10 -o " + q(out_ / "q.onnx"),
      {"foobar.onnx", "FooBar"});
  expect_usage_error("inspect " + q(bad), {"FooBar"});
}

// ---------------------------------------------------------------------------------------------
// Bad flags

TEST_F(Cli, BadHiddenSizes) {
  expect_usage_error("train --data " + q(data()) + " --hidden 50,0,30 -o " + q(out_ / "m.onnx"),
                     {"--hidden"});
  expect_usage_error("train --data " + q(data()) + " --hidden -5 -o " + q(out_ / "m.onnx"),
                     {"--hidden"});
  expect_usage_error("train --data " + q(data()) + " --hidden 50,,30 -o " + q(out_ / "m.onnx"),
                     {"--hidden"});
}

TEST_F(Cli, BatchZero) {
  expect_usage_error("train --data " + q(data()) + " --batch 0 -o " + q(out_ / "m.onnx"),
                     {"--batch"});
}

TEST_F(Cli, CalibCountZero) {
  expect_usage_error("quantize " + q(model()) + " --calib " + q(data()) + " --calib-count 0 -o " +
                         q(out_ / "q.onnx"),
                     {"--calib-count"});
}

TEST_F(Cli, UnknownFlag) {
  expect_usage_error("train --data " + q(data()) + " --bogus-flag 3 -o " + q(out_ / "m.onnx"),
                     {"--bogus-flag"});
  expect_usage_error(
      "quantize " + q(model()) + " --calib " + q(data()) + " --frobnicate -o " + q(out_ / "q.onnx"),
      {"--frobnicate"});
}

TEST_F(Cli, OutputInAMissingDirectory) {
  const fs::path target = out_ / "no_such_subdir" / "m.onnx";
  expect_usage_error("train --data " + q(data()) + " --hidden 8 -o " + q(target),
                     {"no_such_subdir"});
  expect_usage_error("quantize " + q(model()) + " --calib " + q(data()) +
                         " --calib-count 10 --no-eval -o " + q(target),
                     {"no_such_subdir"});
}

}  // namespace
}  // namespace octet
