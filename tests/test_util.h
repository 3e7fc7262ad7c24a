// Helpers shared by the tests: paths to fixtures, data and the CLI, temporary directories,
// and running the octet binary.
#pragma once

#include <filesystem>
#include <string>

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

}  // namespace octet::test
