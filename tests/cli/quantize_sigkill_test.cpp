// Crash safety of outputs: `octet quantize` is killed with SIGKILL while it writes a large model
// over an existing output. The previous output must be intact, and the only trace of the killed
// write a hidden temporary named after the output, which the next successful write removes.
//
// No test hook: the test watches the output directory for the writer's temporary file
// (`.<name>.tmp-<pid>`, see atomic_file.h) and kills the process the moment the temporary holds
// data, i.e. between its creation and the rename, which is the window a crash must not harm.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "octet/onnx_io.h"
#include "test_util.h"

namespace octet {
namespace {

using test::read_bytes;

namespace fs = std::filesystem;

// A 784-1024-1024-10 ReLU MLP (1.9 M weights: 7.5 MB in FP32, 1.9 MB quantized), big enough that
// writing and syncing the output takes a while.
Graph wide_mlp() {
  Graph g;
  g.opset = 13;
  g.inputs.push_back({"x", DType::kF32, {-1, 784}, {"N", ""}});
  g.outputs.push_back({"logits", DType::kF32, {-1, 10}, {"N", ""}});
  const std::vector<int64_t> widths = {784, 1024, 1024, 10};
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 0.03f);
  std::string value = "x";
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    const std::string fc = "fc" + std::to_string(l + 1);
    Tensor w(DType::kF32, {widths[l + 1], widths[l]});
    for (float& v : w.values<float>()) v = dist(rng);
    Tensor b(DType::kF32, {widths[l + 1]});
    g.initializers.emplace(fc + ".weight", w);
    g.initializers.emplace(fc + ".bias", b);
    const bool last = l + 2 == widths.size();
    const std::string out = last ? "logits" : fc + ".out";
    g.nodes.push_back({fc, "Gemm", {value, fc + ".weight", fc + ".bias"}, {out}, {{"transB", int64_t{1}}}});
    value = out;
    if (!last) {
      g.nodes.push_back({fc + ".relu", "Relu", {value}, {fc + ".act"}, {}});
      value = fc + ".act";
    }
  }
  return g;
}

// Float32 [n, 784] calibration inputs as a .npy file.
void write_calib_npy(const fs::path& p, int n) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(n) +
                       ", 784), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes.push_back(static_cast<char>(header.size() & 0xff));
  bytes.push_back(static_cast<char>(header.size() >> 8));
  bytes += header;
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> dist(0.0f, 1.0f);
  for (int i = 0; i < n * 784; ++i) {
    const float v = dist(rng);
    bytes.append(reinterpret_cast<const char*>(&v), 4);
  }
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Starts `octet quantize`, waits for its temporary output to hold data and SIGKILLs it then.
// Returns the temporary's size when killed, or -1 when the process finished first.
int64_t run_and_kill_mid_write(const std::vector<std::string>& args, const fs::path& out) {
  const char* binary = std::getenv("OCTET_BINARY");
  std::vector<char*> argv;
  std::string bin = binary ? binary : "octet";
  argv.push_back(bin.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const fs::path temp = out.parent_path() / ("." + out.filename().string() + ".tmp-" + std::to_string(pid));
  int64_t killed_at = -1;
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    const auto size = fs::file_size(temp, ec);
    if (!ec && size > 0) {
      ::kill(pid, SIGKILL);
      killed_at = static_cast<int64_t>(size);
      break;
    }
    if (::waitpid(pid, &status, WNOHANG) == pid) return -1;  // finished before we saw the write
  }
  if (killed_at < 0) ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  return killed_at;
}

std::vector<std::string> hidden_leftovers(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n != "model.onnx" && n != "calib.npy" && n != "q.onnx") names.push_back(n);
  }
  return names;
}

TEST(QuantizeSigkill, KilledWriteKeepsThePreviousOutputAndLeavesOnlyAHiddenTemporary) {
  test::TempDir dir;
  save_onnx(wide_mlp(), dir / "model.onnx");
  write_calib_npy(dir / "calib.npy", 16);
  const fs::path out = dir / "q.onnx";
  const std::string base = "quantize '" + (dir / "model.onnx").string() + "' --calib '" +
                           (dir / "calib.npy").string() + "' --no-eval -o '" + out.string() + "'";
  // The previous output: 8 calibration samples. The killed runs would write 16 (other bytes).
  const auto first = test::run_octet(base + " --calib-count 8");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string previous = read_bytes(out);
  ASSERT_GT(previous.size(), size_t{1} << 20);

  const std::vector<std::string> args = {"quantize", (dir / "model.onnx").string(), "--calib",
                                         (dir / "calib.npy").string(), "--no-eval",
                                         "--calib-count", "16", "-o", out.string()};
  // What an uninterrupted run writes (the bytes are deterministic).
  const fs::path complete_path = dir / "complete" / "q.onnx";
  fs::create_directories(complete_path.parent_path());
  const auto reference = test::run_octet(base.substr(0, base.find(" -o ")) + " --calib-count 16 -o '" +
                                         complete_path.string() + "'");
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const std::string complete = read_bytes(complete_path);
  fs::remove_all(complete_path.parent_path());
  ASSERT_NE(complete, previous);

  int kills = 0;
  for (int attempt = 0; attempt < 10 && kills < 2; ++attempt) {
    const int64_t at = run_and_kill_mid_write(args, out);
    const auto left = hidden_leftovers(dir.path());
    for (const auto& n : left)
      EXPECT_EQ(n.rfind(".q.onnx.tmp-", 0), 0u) << "unexpected file " << n;
    ASSERT_LE(left.size(), 1u) << "the previous leftover was not cleaned: "
                               << ::testing::PrintToString(left);
    if (at < 0 || left.empty()) {
      // Under load the writer may finish its rename before the test saw the temporary, or
      // between the look and the kill: then the output is the complete new model, never a
      // mix. Put the old one back for the next attempt.
      ASSERT_EQ(read_bytes(out), complete) << "the output is neither the old nor the new model";
      std::ofstream(out, std::ios::binary | std::ios::trunc)
          .write(previous.data(), static_cast<std::streamsize>(previous.size()));
      continue;
    }
    ++kills;
    std::printf("[ sigkill ] killed with %lld bytes in the temporary\n", static_cast<long long>(at));
    ASSERT_EQ(read_bytes(out), previous) << "the previous output changed";
  }
  ASSERT_EQ(kills, 2) << "the write window was never hit";
  // The killed writers' temporaries are hidden, named after q.onnx, and gone after the next
  // successful write; that write replaces the output completely.
  const auto again = test::run_octet(base + " --calib-count 16");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(hidden_leftovers(dir.path()).empty())
      << ::testing::PrintToString(hidden_leftovers(dir.path()));
  EXPECT_EQ(read_bytes(out), complete);
  EXPECT_NO_THROW(load_onnx(out));
}

}  // namespace
}  // namespace octet
