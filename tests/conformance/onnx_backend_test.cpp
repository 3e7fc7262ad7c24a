// The ONNX backend conformance suite: ONNX 1.12's node tests and PyTorch-converted models
// (Debian's libonnx-testdata, /usr/share/libonnx-testdata/data/{node,pytorch-converted}) run
// through load_onnx and Session, each output compared with the expected one.
//
// Every case ends in exactly one of three outcomes:
//   passed  every output of every test_data_set_* matches (float: |got - want| <= 1e-5 +
//           1e-4 * |want|, NaN only where NaN is expected; integers exactly; shapes and dtypes
//           equal).
//   skipped octet refuses the model or its data with an octet::Error that says so: its message
//           contains "unsupported", "not supported" or "does not support" (see is_refusal()).
//           The refusal is filed by what it names: an op (or an op of another domain), an
//           opset, a type (element type or non-tensor), an attribute, or another feature.
//   failed  anything else: a wrong value, shape or dtype, or any other error or exception.
// The rule: an op octet claims to run either runs every case of it correctly or refuses the
// part it lacks, by name. A failing case is a bug, unless kKnownFailures lists it with a reason.
// An OCTET_CHECK abort or a crash ends the binary; a signal handler then names the case.
//
// The data set's location can be overridden with OCTET_ONNX_TESTDATA (the directory holding
// node/ and pytorch-converted/); without the package, the tests are skipped. Set
// OCTET_CONFORMANCE_VERBOSE=1 to print every skip with its message.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "octet/error.h"
#include "octet/onnx_io.h"
#include "octet/runtime.h"
#include "onnx/tensor_proto.h"

namespace octet {
namespace {

namespace fs = std::filesystem;

// Cases of supported ops that fail, each with the reason; keep it empty.
const std::map<std::string, std::string> kKnownFailures = {};

// Cases that must pass: a skip of one of these fails the test as a failure would. They cover
// the quantization ops octet is built around.
const std::set<std::string> kMustPass = {
    "test_quantizelinear",
    "test_quantizelinear_axis",
    "test_dequantizelinear",
    "test_dequantizelinear_axis",
    "test_qlinearmatmul_2D",
    "test_qlinearmatmul_3D",
    "test_qlinearconv",
    "test_matmulinteger",
    "test_convinteger_with_padding",
    "test_convinteger_without_padding",
    "test_basic_convinteger",
};

// Relative and absolute tolerance of float outputs: |got - want| <= kAbsTol + kRelTol * |want|.
constexpr double kRelTol = 1e-4;
constexpr double kAbsTol = 1e-5;

fs::path testdata_root() {
  const char* dir = std::getenv("OCTET_ONNX_TESTDATA");
  return dir ? fs::path(dir) : fs::path("/usr/share/libonnx-testdata/data");
}

// The case being run, named by the crash handler (a fixed buffer: the handler may only write).
char g_current_case[512] = "";

void crash_handler(int sig) {
  const char prefix[] = "\nonnx backend conformance: crashed in case ";
  ssize_t ignored = write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
  ignored = write(STDERR_FILENO, g_current_case, std::strlen(g_current_case));
  ignored = write(STDERR_FILENO, "\n", 1);
  (void)ignored;
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// True when `message` is octet refusing something it does not implement (a skip), rather than
// a malformed input or a bug (a failure).
bool is_refusal(const std::string& message) {
  return message.find("unsupported") != std::string::npos ||
         message.find("not supported") != std::string::npos ||
         message.find("does not support") != std::string::npos;
}

// The kind of thing a refusal names, for the summary.
std::string refusal_category(const std::string& message) {
  if (message.find("unsupported op") != std::string::npos) return "op";
  if (message.find("opset") != std::string::npos) return "opset";
  if (message.find("domain '") != std::string::npos) return "op";  // an op of another domain
  // An element type (float16, bool, string, ...) or a non-tensor (sequence, map, optional).
  if (message.find("type") != std::string::npos ||
      message.find("not a tensor") != std::string::npos)
    return "type";
  if (message.find("attribute") != std::string::npos) return "attribute";
  return "feature";
}

// The ops of `model` that octet lacks: default-domain op types the runtime does not run and
// every op of another domain (as "domain:Op").
std::set<std::string> missing_ops(const fs::path& model) {
  onnx::ModelProto proto;
  std::ifstream in(model, std::ios::binary);
  std::set<std::string> ops;
  if (!proto.ParseFromIstream(&in)) return ops;
  for (const auto& node : proto.graph().node()) {
    const bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
    if (!default_domain)
      ops.insert(node.domain() + ":" + node.op_type());
    else if (node.op_type() != "Constant" && !runtime_supports(node.op_type()))
      ops.insert(node.op_type());
  }
  return ops;
}

Tensor read_tensor(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  onnx::TensorProto proto;
  if (!in || !proto.ParseFromIstream(&in)) fail("{}: not a TensorProto", file.string());
  return onnx_io::tensor_from_proto(proto, file.string());
}

// Files named <prefix><i>.pb in `dir`, in index order.
std::vector<fs::path> numbered_files(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (size_t i = 0;; ++i) {
    fs::path p = dir / (prefix + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    files.push_back(std::move(p));
  }
  return files;
}

template <typename T>
std::string value_str(T v) {
  if constexpr (std::is_floating_point_v<T>)
    return fmt::format("{:.9g}", v);
  else
    return fmt::format("{}", static_cast<int64_t>(v));
}

// Empty when `got` matches `want`, else the first mismatch.
template <typename T>
std::string first_mismatch(const Tensor& want, const Tensor& got) {
  const T* w = want.data<T>();
  const T* g = got.data<T>();
  for (int64_t i = 0; i < want.numel(); ++i) {
    bool ok;
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(w[i]))
        ok = std::isnan(g[i]);
      else if (std::isinf(w[i]))
        ok = g[i] == w[i];
      else
        ok = std::fabs(static_cast<double>(g[i]) - w[i]) <= kAbsTol + kRelTol * std::fabs(w[i]);
    } else {
      ok = g[i] == w[i];
    }
    if (!ok)
      return fmt::format("first mismatch at index {}: expected {}, got {}", i, value_str(w[i]),
                         value_str(g[i]));
  }
  return "";
}

std::string compare(const Tensor& want, const Tensor& got) {
  if (got.dtype() != want.dtype())
    return fmt::format("dtype: expected {}, got {}", dtype_name(want.dtype()),
                       dtype_name(got.dtype()));
  if (got.shape() != want.shape())
    return fmt::format("shape: expected {}, got {}", shape_str(want.shape()),
                       shape_str(got.shape()));
  switch (want.dtype()) {
    case DType::kF32:
      return first_mismatch<float>(want, got);
    case DType::kI8:
      return first_mismatch<int8_t>(want, got);
    case DType::kU8:
      return first_mismatch<uint8_t>(want, got);
    case DType::kI32:
      return first_mismatch<int32_t>(want, got);
    case DType::kI64:
      return first_mismatch<int64_t>(want, got);
  }
  return "unknown dtype";
}

enum class Outcome { kPassed, kFailed, kSkipped };

struct CaseResult {
  Outcome outcome = Outcome::kPassed;
  std::string detail;    // failure or refusal message
  std::string category;  // of a skip
};

// Runs every test_data_set_* of the case in `dir` against its model.onnx.
CaseResult run_case(const fs::path& dir) {
  CaseResult result;
  try {
    const Session session(load_onnx(dir / "model.onnx"));
    const Graph& graph = session.graph();
    std::vector<fs::path> sets;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_directory() && entry.path().filename().string().starts_with("test_data_set_"))
        sets.push_back(entry.path());
    std::sort(sets.begin(), sets.end());
    if (sets.empty()) fail("{}: no test_data_set_* directory", dir.string());
    for (const fs::path& set : sets) {
      const std::vector<fs::path> in_files = numbered_files(set, "input_");
      const std::vector<fs::path> out_files = numbered_files(set, "output_");
      if (in_files.size() != graph.inputs.size())
        fail("{}: {} input files for {} graph inputs", set.filename().string(), in_files.size(),
             graph.inputs.size());
      if (out_files.size() != graph.outputs.size())
        fail("{}: {} output files for {} graph outputs", set.filename().string(), out_files.size(),
             graph.outputs.size());
      std::map<std::string, Tensor> feeds;
      for (size_t i = 0; i < in_files.size(); ++i)
        feeds.emplace(graph.inputs[i].name, read_tensor(in_files[i]));
      std::vector<Tensor> want;
      for (const auto& f : out_files) want.push_back(read_tensor(f));
      const std::vector<Tensor> got = session.run(feeds);
      for (size_t i = 0; i < want.size(); ++i) {
        const std::string mismatch = compare(want[i], got.at(i));
        if (mismatch.empty()) continue;
        result.outcome = Outcome::kFailed;
        result.detail = fmt::format("{}: output {} '{}' {}: {}", set.filename().string(), i,
                                    graph.outputs[i].name, shape_str(want[i].shape()), mismatch);
        return result;
      }
    }
  } catch (const Error& e) {
    const std::string message = e.what();
    result.outcome = is_refusal(message) ? Outcome::kSkipped : Outcome::kFailed;
    result.detail = message;
    if (result.outcome == Outcome::kSkipped) result.category = refusal_category(message);
  } catch (const std::exception& e) {
    result.outcome = Outcome::kFailed;
    result.detail = fmt::format("{} (not an octet::Error)", e.what());
  }
  return result;
}

// Runs every case under `group` (a directory of case directories), prints failures and a
// summary, and fails the test on a failure not in kKnownFailures or a skip in kMustPass.
void run_group(const std::string& group) {
  const fs::path root = testdata_root() / group;
  if (!fs::is_directory(root))
    GTEST_SKIP() << root.string() << " is missing: install Debian's libonnx-testdata";
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(root))
    if (fs::exists(entry.path() / "model.onnx")) cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end());
  ASSERT_FALSE(cases.empty()) << "no cases under " << root.string();

  const bool verbose = std::getenv("OCTET_CONFORMANCE_VERBOSE") != nullptr;
  int passed = 0, failed = 0, known = 0;
  std::map<std::string, int> skipped_by_category, skipped_by_op;
  int skipped = 0;
  std::vector<std::string> unexpected;
  for (const fs::path& dir : cases) {
    const std::string name = dir.filename().string();
    fmt::format_to_n(g_current_case, sizeof(g_current_case) - 1, "{}/{}{}", group, name, '\0');
    const CaseResult r = run_case(dir);
    const bool must_pass = kMustPass.count(name) != 0;
    if (r.outcome == Outcome::kPassed) {
      ++passed;
    } else if (r.outcome == Outcome::kSkipped && !must_pass) {
      ++skipped;
      ++skipped_by_category[r.category];
      if (r.category == "op")
        for (const std::string& op : missing_ops(dir / "model.onnx")) ++skipped_by_op[op];
      // Refusals of part of a supported op are listed; OCTET_CONFORMANCE_VERBOSE lists all.
      if (r.category == "attribute" || r.category == "feature" || verbose)
        fmt::print("SKIP {}/{}: {}\n", group, name, r.detail);
    } else {
      ++failed;
      const auto it = kKnownFailures.find(name);
      const bool is_known = it != kKnownFailures.end();
      known += is_known ? 1 : 0;
      if (!is_known) unexpected.push_back(name);
      fmt::print("FAIL {}/{}{}: {}{}\n", group, name, is_known ? " (known)" : "",
                 r.outcome == Outcome::kSkipped ? "must pass, skipped: " : "", r.detail);
    }
  }
  g_current_case[0] = '\0';

  std::string categories;
  for (const auto& [category, count] : skipped_by_category)
    categories += fmt::format("{}{} {}", categories.empty() ? "" : ", ", category, count);
  fmt::print(
      "onnx backend conformance ({}): {} passed, {} failed ({} known), {} skipped "
      "(unsupported {})\n",
      group, passed, failed, known, skipped, categories.empty() ? "-" : categories);
  std::vector<std::pair<std::string, int>> ops(skipped_by_op.begin(), skipped_by_op.end());
  std::stable_sort(ops.begin(), ops.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string op_list;
  for (const auto& [op, count] : ops)
    op_list += fmt::format("{}{} {}", op_list.empty() ? "" : ", ", op, count);
  if (!op_list.empty()) fmt::print("skipped ops (cases): {}\n", op_list);
  std::fflush(stdout);
  EXPECT_TRUE(unexpected.empty()) << unexpected.size() << " case(s) failed in " << group
                                  << ", first: " << unexpected.front();
}

class OnnxBackend : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::signal(SIGABRT, crash_handler);
    std::signal(SIGSEGV, crash_handler);
    std::signal(SIGFPE, crash_handler);
  }
};

TEST_F(OnnxBackend, NodeTestsPassOrAreRefused) {
  run_group("node");
}
TEST_F(OnnxBackend, PytorchConvertedModelsPassOrAreRefused) {
  run_group("pytorch-converted");
}

}  // namespace
}  // namespace octet
