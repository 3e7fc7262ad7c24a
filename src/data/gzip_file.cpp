// GzipFile: inflate() over a FILE*, with truncation and trailing garbage reported as errors.
#include "data/gzip_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <new>

#include "octet/error.h"

namespace octet::data {

namespace fs = std::filesystem;

namespace {
constexpr size_t kInputChunk = size_t{1} << 16;
// zlib counts in uInt; keep each inflate() call's output below that.
constexpr size_t kMaxInflateOut = std::numeric_limits<uInt>::max() / 2;

bool is_gzip_magic(const uint8_t* p) {
  return p[0] == 0x1f && p[1] == 0x8b;
}
}  // namespace

GzipFile::GzipFile(fs::path path) : path_(std::move(path)), in_(kInputChunk) {
  std::error_code ec;
  const fs::file_status status = fs::status(path_, ec);
  if (!fs::exists(status)) fail("{}: no such file", path_.string());
  if (fs::is_directory(status)) fail("{}: is a directory, expected a file", path_.string());
  file_ = std::fopen(path_.c_str(), "rb");
  if (file_ == nullptr) fail("{}: cannot open: {}", path_.string(), std::strerror(errno));
  gzipped_ = buffer_at_least(2) >= 2 && is_gzip_magic(in_.data());
  if (gzipped_) {
    // 16 + MAX_WBITS: expect a gzip wrapper (header, CRC-32 and length trailer, all checked).
    const int rc = inflateInit2(&zs_, 16 + MAX_WBITS);
    if (rc == Z_MEM_ERROR) {
      std::fclose(file_);
      throw std::bad_alloc();
    }
    if (rc != Z_OK) {
      std::fclose(file_);
      fail("{}: cannot start gzip decompression (zlib error {})", path_.string(), rc);
    }
    inflate_ready_ = true;
  }
}

GzipFile::~GzipFile() {
  if (inflate_ready_) inflateEnd(&zs_);
  if (file_ != nullptr) std::fclose(file_);
}

size_t GzipFile::buffer_at_least(size_t k) {
  if (in_begin_ > 0) {
    std::memmove(in_.data(), in_.data() + in_begin_, buffered());
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  while (in_end_ < k && in_end_ < in_.size()) {
    const size_t got = std::fread(in_.data() + in_end_, 1, in_.size() - in_end_, file_);
    if (got == 0) {
      if (std::ferror(file_)) fail("{}: read error: {}", path_.string(), std::strerror(errno));
      break;
    }
    in_end_ += got;
  }
  return buffered();
}

size_t GzipFile::read(uint8_t* out, size_t n) {
  return gzipped_ ? read_gzip(out, n) : read_raw(out, n);
}

size_t GzipFile::read_raw(uint8_t* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    if (buffered() == 0 && buffer_at_least(1) == 0) break;
    const size_t take = std::min(n - done, buffered());
    std::memcpy(out + done, in_.data() + in_begin_, take);
    in_begin_ += take;
    file_offset_ += static_cast<int64_t>(take);
    done += take;
  }
  return done;
}

size_t GzipFile::read_gzip(uint8_t* out, size_t n) {
  size_t done = 0;
  while (done < n && !content_ended_) {
    if (member_ended_) {
      // Between members: the file may end here, or hold another member, and nothing else.
      const size_t available = buffer_at_least(2);
      if (available == 0) {
        content_ended_ = true;
        break;
      }
      if (available < 2 || !is_gzip_magic(in_.data() + in_begin_)) {
        std::error_code ec;
        const auto file_size = fs::file_size(path_, ec);
        fail("{}: trailing garbage: {} bytes after the gzip stream, which ends at byte {}",
             path_.string(),
             ec ? static_cast<int64_t>(available) : static_cast<int64_t>(file_size) - file_offset_,
             file_offset_);
      }
      if (inflateReset(&zs_) != Z_OK) fail("{}: cannot restart gzip decompression", path_.string());
      member_ended_ = false;
    }
    if (buffered() == 0) buffer_at_least(1);
    const size_t in_before = buffered();
    const size_t out_room = std::min(n - done, kMaxInflateOut);
    zs_.next_in = in_.data() + in_begin_;
    zs_.avail_in = static_cast<uInt>(in_before);
    zs_.next_out = out + done;
    zs_.avail_out = static_cast<uInt>(out_room);
    const int rc = inflate(&zs_, Z_NO_FLUSH);
    const size_t consumed = in_before - zs_.avail_in;
    const size_t produced = out_room - zs_.avail_out;
    in_begin_ += consumed;
    file_offset_ += static_cast<int64_t>(consumed);
    done += produced;
    switch (rc) {
      case Z_STREAM_END:
        member_ended_ = true;
        break;
      case Z_OK:
        break;
      case Z_BUF_ERROR:
        // No progress was possible: inflate wants input and the file has none left.
        if (in_before == 0) {
          fail("{}: truncated gzip data: the file ends after {} bytes, inside a compressed stream",
               path_.string(), file_offset_);
        }
        break;
      case Z_MEM_ERROR:
        throw std::bad_alloc();
      default:  // Z_DATA_ERROR (bad header, bad deflate data, CRC or length mismatch), ...
        fail("{}: corrupt gzip data near byte {}: {}", path_.string(), file_offset_,
             zs_.msg != nullptr ? zs_.msg : "zlib error " + std::to_string(rc));
    }
  }
  return done;
}

int64_t GzipFile::skip_to_end() {
  std::vector<uint8_t> sink(kInputChunk);
  int64_t total = 0;
  for (size_t got; (got = read(sink.data(), sink.size())) > 0;) total += static_cast<int64_t>(got);
  return total;
}

}  // namespace octet::data
