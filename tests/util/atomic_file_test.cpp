// write_file_atomic: replaces the file whole, or leaves the old one and no temporary behind.
#include "octet/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "octet/error.h"
#include "test_util.h"

namespace octet {
namespace {

using test::expect_error;
using test::read_bytes;

namespace fs = std::filesystem;

// Names of the entries of `dir`, to prove no temporary file was left behind.
std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AtomicFile, WritesNewFile) {
  test::TempDir dir;
  write_file_atomic(dir / "a.bin", std::string("hello\0world", 11));
  EXPECT_EQ(read_bytes(dir / "a.bin"), std::string("hello\0world", 11));
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"a.bin"});
}

TEST(AtomicFile, ReplacesExistingFile) {
  test::TempDir dir;
  write_file_atomic(dir / "a.bin", "old contents, longer than the new");
  write_file_atomic(dir / "a.bin", "new");
  EXPECT_EQ(read_bytes(dir / "a.bin"), "new");
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"a.bin"});
}

TEST(AtomicFile, WritesEmptyFile) {
  test::TempDir dir;
  write_file_atomic(dir / "empty", "");
  EXPECT_TRUE(fs::exists(dir / "empty"));
  EXPECT_EQ(fs::file_size(dir / "empty"), 0u);
}

TEST(AtomicFile, MissingDirectoryIsNamedAndNothingIsCreated) {
  test::TempDir dir;
  const fs::path target = dir / "no_such_dir" / "a.bin";
  expect_error([&] { write_file_atomic(target, "x"); }, (dir / "no_such_dir").string());
  EXPECT_FALSE(fs::exists(dir / "no_such_dir"));
  EXPECT_TRUE(entries(dir.path()).empty());
}

TEST(AtomicFile, ParentThatIsAFileIsAnError) {
  test::TempDir dir;
  write_file_atomic(dir / "plain", "x");
  expect_error([&] { write_file_atomic(dir / "plain" / "a.bin", "y"); },
                          "not a directory");
}

TEST(AtomicFile, ReadOnlyDirectoryIsNamed) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  test::TempDir dir;
  fs::create_directory(dir / "ro");
  fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  expect_error([&] { write_file_atomic(dir / "ro" / "a.bin", "x"); }, "not writable");
  fs::permissions(dir / "ro", fs::perms::owner_all);
  EXPECT_TRUE(entries(dir / "ro").empty());
}

// The rename step fails (the destination is a non-empty directory): the temporary file that
// was already written must be removed, and the error names the destination.
TEST(AtomicFile, FailedRenameRemovesTemporary) {
  test::TempDir dir;
  fs::create_directories(dir / "model.onnx" / "inside");
  expect_error([&] { write_file_atomic(dir / "model.onnx", "data"); },
                          (dir / "model.onnx").string());
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"model.onnx"});
  EXPECT_TRUE(fs::is_directory(dir / "model.onnx" / "inside"));
}

// A write that fails half-way (the file-size limit is hit, as on a full disk) must leave the
// previous file byte-for-byte intact and no temporary file.
TEST(AtomicFile, FailedWriteKeepsPreviousFileAndNoTemporary) {
  test::TempDir dir;
  const fs::path target = dir / "model.onnx";
  const std::string previous = "previous model bytes";
  write_file_atomic(target, previous);

  // With SIGXFSZ ignored, a write past RLIMIT_FSIZE fails with EFBIG instead of killing us.
  struct sigaction ignore {
  }, old_action{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGXFSZ, &ignore, &old_action), 0);
  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  rlimit small = old_limit;
  small.rlim_cur = 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);

  bool threw = false;
  std::string message;
  try {
    write_file_atomic(target, std::string(64 * 1024, 'x'));
  } catch (const Error& e) {
    threw = true;
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::sigaction(SIGXFSZ, &old_action, nullptr);

  EXPECT_TRUE(threw);
  EXPECT_NE(message.find(target.string()), std::string::npos) << message;
  EXPECT_EQ(read_bytes(target), previous);
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"model.onnx"});
}

TEST(AtomicFile, RelativePathUsesCurrentDirectory) {
  test::TempDir dir;
  const fs::path old_cwd = fs::current_path();
  fs::current_path(dir.path());
  write_file_atomic("rel.bin", "abc");
  fs::current_path(old_cwd);
  EXPECT_EQ(read_bytes(dir / "rel.bin"), "abc");
}

}  // namespace
}  // namespace octet
