// NumPy .npy reading: preamble and header-dict validation, then the raw little-endian data.
//
// A .npy file is the 6-byte magic "\x93NUMPY", two version bytes (major, minor), the header
// length (little-endian uint16 in version 1.0, uint32 in 2.0), then the header: the repr of a
// Python dict such as
//
//   {'descr': '<f4', 'fortran_order': False, 'shape': (4, 3, 224, 224), }
//
// padded with spaces and ending in '\n', then numel * itemsize bytes of data in C order.
//
// The header is untrusted: a corrupt or hostile file may claim 10^12 elements. So the element
// count is multiplied with overflow checks, capped, and the data length it implies must equal
// the bytes that actually follow the header in the file before the tensor is allocated.
#include "octet/npy.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "octet/checked_math.h"
#include "octet/error.h"

namespace octet {

namespace fs = std::filesystem;

namespace {

static_assert(std::endian::native == std::endian::little,
              "read_npy copies little-endian data as it is");

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr int64_t kMaxHeaderBytes = int64_t{1} << 20;  // numpy's own headers are < 100 bytes
constexpr int64_t kMaxDataBytes = int64_t{1} << 33;    // 8 GiB: any calibration set we expect

// The three fields of the header dict.
struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
};

// A recursive-descent reader of the one Python literal numpy writes: a dict of str keys to a
// str, a bool or a tuple of ints. Anything else is an error naming the file and the offset.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const fs::path& file) : text_(text), file_(file) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = parse_str("a dict key");
      expect(':');
      bool* seen = nullptr;
      if (key == "descr") {
        h.descr = parse_str("the 'descr' value");
        seen = &have_descr;
      } else if (key == "fortran_order") {
        h.fortran_order = parse_bool();
        seen = &have_order;
      } else if (key == "shape") {
        h.shape = parse_shape();
        seen = &have_shape;
      } else {
        bad(fmt::format("unexpected key '{}' (expected 'descr', 'fortran_order', 'shape')", key));
      }
      if (*seen) bad(fmt::format("key '{}' appears twice", key));
      *seen = true;
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') bad("expected ',' or '}' after a dict value");
    }
    ++pos_;  // the '}'
    skip_space();
    if (pos_ != text_.size()) bad("unexpected text after the dict");
    if (!have_descr) bad("no 'descr' key");
    if (!have_order) bad("no 'fortran_order' key");
    if (!have_shape) bad("no 'shape' key");
    return h;
  }

 private:
  [[noreturn]] void bad(const std::string& problem) const {
    fail("{}: bad .npy header at byte {} of the dict: {}; header: {}", file_.string(), pos_,
         problem, printable(text_));
  }

  // The header for messages, with control bytes escaped and at most 200 characters.
  static std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 200)) {
      const auto u = static_cast<unsigned char>(c);
      out += u >= 0x20 && u < 0x7f ? std::string(1, c) : fmt::format("\\x{:02x}", u);
    }
    return s.size() > 200 ? out + "..." : out;
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) bad(fmt::format("expected '{}'", c));
    ++pos_;
  }

  // 'text' or "text" without escapes (numpy's keys and dtype strings never need them).
  std::string parse_str(const char* what) {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') bad(fmt::format("expected a quoted string for {}", what));
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) bad(fmt::format("unterminated string for {}", what));
    std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
    if (s.find('\\') != std::string::npos) bad(fmt::format("escape sequence in {}", what));
    pos_ = end + 1;
    return s;
  }

  bool parse_bool() {
    skip_space();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      const std::string_view w(word);
      if (text_.substr(pos_, w.size()) == w) {
        pos_ += w.size();
        return value;
      }
    }
    bad("expected True or False for 'fortran_order'");
  }

  // A non-negative decimal that fits in int64.
  int64_t parse_dim() {
    skip_space();
    const size_t start = pos_;
    int64_t v = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, text_[pos_] - '0', &v))
        bad("a dimension of 'shape' does not fit in 64 bits");
      ++pos_;
    }
    if (pos_ == start) bad("expected a non-negative integer in 'shape'");
    if (peek() == 'L') ++pos_;  // Python 2 longs, as old numpy wrote them
    return v;
  }

  // (), (n,), (a, b), (a, b, ) ...
  Shape parse_shape() {
    expect('(');
    Shape shape;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      shape.push_back(parse_dim());
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ')') bad("expected ',' or ')' in 'shape'");
    }
    ++pos_;
    return shape;
  }

  std::string_view text_;
  const fs::path& file_;
  size_t pos_ = 0;
};

// Reads exactly `n` bytes at the current position or fails naming what was being read.
void read_exact(std::ifstream& in, const fs::path& file, char* out, int64_t n, int64_t offset,
                int64_t file_bytes, const char* part) {
  if (offset + n > file_bytes) {
    fail("{}: truncated: the file has {} bytes and ends inside the {} (bytes {}..{})",
         file.string(), file_bytes, part, offset, offset + n);
  }
  in.read(out, static_cast<std::streamsize>(n));
  if (in.gcount() != static_cast<std::streamsize>(n)) {
    fail("{}: read error: got {} of the {} bytes of the {} at offset {}", file.string(),
         in.gcount(), n, part, offset);
  }
}

DType parse_descr(const std::string& descr, const fs::path& file) {
  if (descr == "<f4") return DType::kF32;
  if (descr == "|u1" || descr == "<u1" || descr == ">u1") return DType::kU8;
  const char* why = "";
  if (descr == ">f4") why = " (big-endian float32)";
  if (descr == "<f8") why = " (float64: save with .astype('float32'))";
  fail("{}: unsupported dtype '{}'{}, expected '<f4' (float32) or '|u1' (uint8)", file.string(),
       descr, why);
}

// numel of `shape` with every multiplication checked, within kMaxDataBytes of `item` bytes.
int64_t checked_numel(const Shape& shape, int64_t item, const fs::path& file) {
  if (shape.empty()) fail("{}: shape () is a scalar, expected rank >= 1", file.string());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 1) {
      fail("{}: shape {} has dimension {} = {}, expected every dimension >= 1", file.string(),
           shape_str(shape), i, shape[i]);
    }
  }
  const std::optional<int64_t> numel = checked_product(shape, kMaxDataBytes / item);
  if (!numel) {
    fail(
        "{}: shape {} holds more than {} elements of {} bytes, over the 2^33-byte limit of "
        "this reader",
        file.string(), shape_str(shape), kMaxDataBytes / item, item);
  }
  return *numel;
}

}  // namespace

Tensor read_npy(const fs::path& file) {
  std::error_code ec;
  const fs::file_status status = fs::status(file, ec);
  if (!fs::exists(status)) fail("{}: .npy file does not exist", file.string());
  if (fs::is_directory(status)) fail("{}: is a directory, expected a .npy file", file.string());
  const auto size = fs::file_size(file, ec);
  if (ec) fail("{}: cannot read the file size: {}", file.string(), ec.message());
  const auto file_bytes = static_cast<int64_t>(size);
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("{}: cannot open for reading", file.string());

  // Preamble: magic, version, header length.
  char preamble[8];
  read_exact(in, file, preamble, 8, 0, file_bytes, "8-byte .npy magic and version");
  if (std::string_view(preamble, 6) != kMagic) {
    fail("{}: not a .npy file: it does not start with the magic \\x93NUMPY", file.string());
  }
  const auto major = static_cast<uint8_t>(preamble[6]), minor = static_cast<uint8_t>(preamble[7]);
  if ((major != 1 && major != 2) || minor != 0) {
    fail("{}: .npy format version {}.{}, expected 1.0 or 2.0", file.string(), major, minor);
  }
  const int len_bytes = major == 1 ? 2 : 4;
  uint8_t len_le[4] = {0, 0, 0, 0};
  read_exact(in, file, reinterpret_cast<char*>(len_le), len_bytes, 8, file_bytes, "header length");
  const int64_t header_bytes = int64_t{len_le[0]} | int64_t{len_le[1]} << 8 |
                               int64_t{len_le[2]} << 16 | int64_t{len_le[3]} << 24;
  if (header_bytes > kMaxHeaderBytes) {
    fail("{}: .npy header length {} is over the {}-byte limit", file.string(), header_bytes,
         kMaxHeaderBytes);
  }
  const int64_t data_offset = 8 + len_bytes + header_bytes;

  // Header dict, ending in '\n'.
  std::string header(static_cast<size_t>(header_bytes), '\0');
  read_exact(in, file, header.data(), header_bytes, 8 + len_bytes, file_bytes,
             fmt::format("{}-byte .npy header", header_bytes).c_str());
  if (header.empty() || header.back() != '\n') {
    fail("{}: bad .npy header: it does not end with a newline", file.string());
  }
  header.pop_back();
  const NpyHeader h = HeaderParser(header, file).parse();
  const DType dtype = parse_descr(h.descr, file);
  if (h.fortran_order) {
    fail("{}: fortran_order is True, expected C order (save with numpy.ascontiguousarray)",
         file.string());
  }
  const auto item = static_cast<int64_t>(dtype_size(dtype));
  const int64_t numel = checked_numel(h.shape, item, file);

  // The data length, against the real file size, before allocating.
  const int64_t data_bytes = numel * item;
  const int64_t have = file_bytes - data_offset;
  if (have != data_bytes) {
    fail(
        "{}: {}: the header declares {} {} = {} bytes after the {}-byte header, but {} bytes "
        "follow",
        file.string(), have < data_bytes ? "truncated" : "trailing data", shape_str(h.shape),
        dtype_name(dtype), data_bytes, data_offset, have);
  }
  Tensor t(dtype, h.shape);
  read_exact(in, file, reinterpret_cast<char*>(t.raw()), data_bytes, data_offset, file_bytes,
             "array data");

  if (dtype == DType::kF32) {
    const std::span<const float> v = t.values<float>();
    for (size_t i = 0; i < v.size(); ++i) {
      if (!std::isfinite(v[i])) {
        fail("{}: element {} (flat index, C order) of {} is {}, expected finite float32 values",
             file.string(), i, shape_str(h.shape), v[i]);
      }
    }
  }
  return t;
}

}  // namespace octet
