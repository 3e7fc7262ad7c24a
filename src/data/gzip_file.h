// Sequential reading of a file that is either gzip-compressed or raw, strict about its end.
//
// Why not gzopen/gzread: gzread silently ignores anything after the last gzip member, and a
// data set with trailing garbage is a corrupt download we want to report. So this reader
// drives inflate() itself: it accepts one or more concatenated gzip members (what `cat a.gz
// b.gz` and pigz produce) and nothing else after them. A file that does not start with the
// gzip magic 1f 8b is passed through unchanged.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <vector>

namespace octet::data {

class GzipFile {
 public:
  // Opens `path`. Throws octet::Error naming it if it does not exist, is a directory or
  // cannot be opened.
  explicit GzipFile(std::filesystem::path path);
  ~GzipFile();
  GzipFile(const GzipFile&) = delete;
  GzipFile& operator=(const GzipFile&) = delete;

  // Reads up to `n` bytes of content (decompressed, for a gzip file) into `out` and returns
  // how many were read: fewer than `n` only at the end of the content. Throws octet::Error
  // naming the file on a read error, corrupt or truncated gzip data, or bytes after the last
  // gzip member that do not start another member.
  size_t read(uint8_t* out, size_t n);
  // Reads the rest of the content and returns its length in bytes, so that a message about
  // trailing data can say how much there is. Same errors as read().
  int64_t skip_to_end();

  const std::filesystem::path& path() const { return path_; }
  bool gzipped() const { return gzipped_; }

 private:
  size_t read_raw(uint8_t* out, size_t n);
  size_t read_gzip(uint8_t* out, size_t n);
  // Moves unread input to the front of in_ and reads from the file until at least `k` bytes
  // are buffered or the file ends; returns the number buffered.
  size_t buffer_at_least(size_t k);
  size_t buffered() const { return in_end_ - in_begin_; }

  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  bool gzipped_ = false;
  bool inflate_ready_ = false;  // inflateInit2 succeeded, inflateEnd is owed
  bool member_ended_ = false;   // inflate() reached the end of a gzip member
  bool content_ended_ = false;  // no more content: the file ended after a whole member
  z_stream zs_{};
  std::vector<uint8_t> in_;  // compressed (or raw) input not yet consumed: [in_begin_, in_end_)
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
  int64_t file_offset_ = 0;  // bytes of the file consumed so far, for messages
};

}  // namespace octet::data
