// write_file_atomic: temp file in the destination's directory, fsync, rename.
//
// Why each step: the temporary lives in the same directory so that rename(2) is an atomic
// replace on one file system; fsync before the rename makes sure the new name never points
// at data still in the page cache (a crash would otherwise leave an empty model); the
// directory fsync afterwards makes the rename itself durable (best effort: some file systems
// refuse to fsync a directory, and the data is already safe by then).
#include "octet/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

#include "octet/error.h"

namespace octet {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

// Removes the temporary file unless the rename has consumed it.
class TempFileGuard {
 public:
  explicit TempFileGuard(fs::path path) : path_(std::move(path)) {}
  ~TempFileGuard() {
    if (fd_ >= 0) ::close(fd_);
    if (armed_) ::unlink(path_.c_str());
  }
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;

  void set_fd(int fd) { fd_ = fd; }
  int fd() const { return fd_; }
  // Closes the descriptor now so that a close error (delayed write errors on NFS) is seen.
  int close_fd() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }
  void release() { armed_ = false; }

 private:
  fs::path path_;
  int fd_ = -1;
  bool armed_ = true;
};

// Checks the destination's directory up front, so the message names the real problem
// ("directory does not exist") rather than the temporary file nobody asked about.
fs::path checked_directory(const fs::path& file) {
  fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (!fs::exists(status))
    fail("{}: cannot write: directory '{}' does not exist", file.string(), dir.string());
  if (!fs::is_directory(status))
    fail("{}: cannot write: '{}' is not a directory", file.string(), dir.string());
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    fail("{}: cannot write: directory '{}' is not writable ({})", file.string(), dir.string(),
         errno_text(errno));
  return dir;
}

void write_all(int fd, std::string_view bytes, const fs::path& file) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("{}: write failed after {} of {} bytes: {}", file.string(), bytes.size() - left,
           bytes.size(), errno_text(errno));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// A process killed between creating its temporary and the rename (SIGKILL, power loss) leaves
// `.<name>.tmp-<pid>` behind: hidden, and named after the file it was meant to become. Remove
// those of processes that no longer exist, so leftovers live only until the next write of the
// same file. A live pid (a concurrent writer, or an unrelated process that reused the pid) keeps
// its file: removing a temp another writer is still filling would break that writer.
void remove_stale_temporaries(const fs::path& dir, const std::string& prefix) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    int pid = 0;
    const char* first = name.data() + prefix.size();
    const char* last = name.data() + name.size();
    const auto [ptr, err] = std::from_chars(first, last, pid);
    if (err != std::errc() || ptr != last || pid <= 0 || pid == ::getpid()) continue;
    if (::kill(pid, 0) != 0 && errno == ESRCH) ::unlink(it->path().c_str());
  }
}

}  // namespace

void write_file_atomic(const fs::path& file, std::string_view bytes) {
  if (file.empty() || !file.has_filename())
    fail("'{}': cannot write: not a file name", file.string());
  const fs::path dir = checked_directory(file);
  const std::string temp_prefix = "." + file.filename().string() + ".tmp-";
  const fs::path temp = dir / (temp_prefix + std::to_string(::getpid()));
  remove_stale_temporaries(dir, temp_prefix);

  TempFileGuard guard(temp);
  // O_TRUNC, not O_EXCL: a temp left by a crashed process that had our pid is garbage.
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0)
    fail("{}: cannot create temporary file '{}': {}", file.string(), temp.string(),
         errno_text(errno));
  guard.set_fd(fd);

  write_all(fd, bytes, file);
  if (::fsync(fd) != 0) fail("{}: fsync failed: {}", file.string(), errno_text(errno));
  if (guard.close_fd() != 0) fail("{}: close failed: {}", file.string(), errno_text(errno));
  if (::rename(temp.c_str(), file.c_str()) != 0)
    fail("{}: cannot rename '{}' into place: {}", file.string(), temp.string(), errno_text(errno));
  guard.release();

  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace octet
