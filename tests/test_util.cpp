// Implementation of the shared test helpers.
#include "test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "runtime/op.h"

namespace octet::test {

namespace fs = std::filesystem;

fs::path source_dir() {
  const char* dir = std::getenv("OCTET_SOURCE_DIR");
  return dir ? fs::path(dir) : fs::current_path();
}

fs::path fixture(const std::string& name) { return source_dir() / "tests" / "fixtures" / name; }

fs::path dataset_dir(const std::string& name) {
  fs::path p = source_dir() / "data" / name;
  return fs::exists(p) ? p : fs::path();
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() /
          ("octet_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

CommandResult run_octet(const std::string& args) {
  const char* binary = std::getenv("OCTET_BINARY");
  TempDir tmp;
  const std::string cmd = std::string(binary ? binary : "octet") + " " + args + " >" +
                          (tmp / "out").string() + " 2>" + (tmp / "err").string() + " </dev/null";
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(tmp / "out");
  r.err = slurp(tmp / "err");
  return r;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_TRUE(out.good()) << "cannot write " << p;
}

Tensor random_uniform(Shape shape, Rng& rng, float lo, float hi) {
  Tensor t(DType::kF32, std::move(shape));
  for (float& v : t.values<float>()) v = rng.uniform(lo, hi);
  return t;
}

Tensor random_normal(Shape shape, Rng& rng, float stddev) {
  Tensor t(DType::kF32, std::move(shape));
  for (float& v : t.values<float>()) {
    // Box-Muller from two uniforms in (0, 1].
    const float u1 = 1.0f - rng.uniform(), u2 = rng.uniform();
    v = stddev * std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853f * u2);
  }
  return t;
}

Node make_node(std::string name, std::string op, std::vector<std::string> inputs,
               std::vector<std::string> outputs, std::map<std::string, Attribute> attrs) {
  Node n;
  n.name = std::move(name);
  n.op_type = std::move(op);
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attrs = std::move(attrs);
  return n;
}

Tensor run_node(const Node& node, const std::vector<Tensor>& inputs, int64_t opset) {
  Graph graph;
  graph.opset = opset;
  const auto op = runtime::op_registry().at(node.op_type)(node, graph);
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : inputs) ptrs.push_back(t.empty() ? nullptr : &t);
  std::vector<Tensor> outputs(node.outputs.size());
  op->run(ptrs, outputs);
  return outputs.at(0);
}

void put_u32_be(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

}  // namespace octet::test
