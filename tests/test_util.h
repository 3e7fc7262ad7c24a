// Helpers shared by the tests: paths to fixtures, data and the CLI, temporary directories,
// and running the octet binary.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "octet/error.h"
#include "octet/graph.h"
#include "octet/random.h"
#include "octet/tensor.h"

namespace octet::test {

// The repository root (OCTET_SOURCE_DIR, set by ctest).
std::filesystem::path source_dir();
// tests/fixtures/<name>.
std::filesystem::path fixture(const std::string& name);
// data/<name> under the repository (prepared by scripts/setup); empty path when absent.
std::filesystem::path dataset_dir(const std::string& name);
// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs the octet CLI (OCTET_BINARY) with `args` (a shell-quoted argument string).
CommandResult run_octet(const std::string& args);

// The whole file (empty when it cannot be read).
std::string read_bytes(const std::filesystem::path& p);
// Writes `bytes` to `p`, replacing it; a failed write fails the calling test.
void write_bytes(const std::filesystem::path& p, const std::string& bytes);
// Appends `v` big-endian (IDX headers).
void put_u32_be(std::string& out, uint32_t v);

// A float32 tensor of `shape`, values uniform in [lo, hi) from `rng`.
Tensor random_uniform(Shape shape, Rng& rng, float lo = -1.0f, float hi = 1.0f);
// A float32 tensor of `shape`, values normal with mean 0 and `stddev` (Box-Muller) from `rng`.
Tensor random_normal(Shape shape, Rng& rng, float stddev);
// A node of type `op` named `name`.
Node make_node(std::string name, std::string op, std::vector<std::string> inputs,
               std::vector<std::string> outputs, std::map<std::string, Attribute> attrs = {});
// Runs `node` alone through the op registry (in a graph of opset `opset`) and returns its first
// output; an empty (default-constructed) Tensor stands for an omitted optional input.
Tensor run_node(const Node& node, const std::vector<Tensor>& inputs, int64_t opset = 13);

// Expects `body` to throw octet::Error whose message contains every one of `needles`.
template <typename F>
void expect_error(F&& body, std::initializer_list<std::string> needles) {
  try {
    body();
    ADD_FAILURE() << "no octet::Error thrown";
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const auto& needle : needles)
      EXPECT_NE(message.find(needle), std::string::npos)
          << "message: " << message << "\nexpected to contain: " << needle;
  }
}
template <typename F>
void expect_error(F&& body, const std::string& needle) {
  expect_error(std::forward<F>(body), {needle});
}

}  // namespace octet::test
