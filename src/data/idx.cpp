// IDX files (the MNIST family): header validation, incremental reading, data set loading.
//
// An IDX file is a big-endian magic 0x0000TTDD (TT the element type, 0x08 for unsigned
// bytes; DD the number of dimensions), DD big-endian uint32 dimensions, then the elements
// in row-major order. Nothing else follows the elements.
//
// The header is untrusted: a corrupt or hostile file may claim 10^9 images. So the payload is
// read in chunks into a buffer that grows only as data actually arrives, and the length
// implied by the header is compared with the real (decompressed) length before anything of
// that size is allocated.
#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "data/gzip_file.h"
#include "octet/checked_math.h"
#include "octet/data.h"
#include "octet/error.h"

namespace octet {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kImagesMagic = 0x00000803;  // unsigned bytes, 3 dims: N, H, W
constexpr uint32_t kLabelsMagic = 0x00000801;  // unsigned bytes, 1 dim: N
constexpr int64_t kMaxSide = 4096;             // rows and cols; MNIST is 28, ImageNet-size fits
constexpr int64_t kMaxPayload = int64_t{1} << 31;
constexpr size_t kReadChunk = size_t{1} << 20;

uint32_t load_be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

std::string type_name(uint8_t type) {
  switch (type) {
    case 0x08:
      return "unsigned bytes";
    case 0x09:
      return "signed bytes";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
  }
  return fmt::format("type 0x{:02x}", type);
}

// What a wrong magic number is, so that the message tells a swapped images/labels file or a
// non-IDX file apart from an IDX file of another element type.
std::string describe_magic(uint32_t magic) {
  if (magic == kImagesMagic) return "it looks like an IDX image file";
  if (magic == kLabelsMagic) return "it looks like an IDX label file";
  if ((magic >> 16) != 0) return "this is not an IDX file";
  return fmt::format("it looks like an IDX file of {} in {} dimensions",
                     type_name(static_cast<uint8_t>(magic >> 8)), magic & 0xff);
}

// Reads exactly `n` bytes of header or fails naming the part being read.
void read_header_bytes(data::GzipFile& in, uint8_t* out, size_t n, int64_t offset,
                       const char* part) {
  const size_t got = in.read(out, n);
  if (got < n) {
    fail("{}: truncated: content ends after {} bytes, inside the {}", in.path().string(),
         offset + static_cast<int64_t>(got), part);
  }
}

// Reads the magic and the dimensions of an IDX file whose magic must be `magic`.
std::vector<int64_t> read_header(data::GzipFile& in, uint32_t magic, const char* kind) {
  std::array<uint8_t, 4> word{};
  read_header_bytes(in, word.data(), 4, 0, "4-byte IDX magic number");
  const uint32_t got_magic = load_be32(word.data());
  if (got_magic != magic) {
    fail("{}: magic 0x{:08x}, expected 0x{:08x} ({}); {}", in.path().string(), got_magic, magic,
         kind, describe_magic(got_magic));
  }
  const int n_dims = static_cast<int>(magic & 0xff);
  const std::string part = fmt::format("{}-byte IDX header", 4 + 4 * n_dims);
  std::vector<int64_t> dims;
  for (int i = 0; i < n_dims; ++i) {
    read_header_bytes(in, word.data(), 4, 4 + 4 * i, part.c_str());
    dims.push_back(load_be32(word.data()));
  }
  return dims;
}

// Reads the `n_bytes` the header promised, then checks that nothing follows them. `what`
// describes the payload for messages ("60000 images of 28x28").
std::vector<uint8_t> read_payload(data::GzipFile& in, int64_t n_bytes, int64_t header_bytes,
                                  const std::string& what) {
  std::vector<uint8_t> bytes;
  int64_t got = 0;
  while (got < n_bytes) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(n_bytes - got, kReadChunk));
    bytes.resize(static_cast<size_t>(got) + want);  // grows geometrically, only as data arrives
    const size_t n = in.read(bytes.data() + got, want);
    got += static_cast<int64_t>(n);
    if (n < want) {
      fail(
          "{}: truncated: the header declares {} ({} bytes after the {}-byte header), but only "
          "{} bytes follow",
          in.path().string(), what, n_bytes, header_bytes, got);
    }
  }
  const int64_t extra = in.skip_to_end();
  if (extra > 0) {
    fail("{}: trailing data: {} bytes after the {} the header declares", in.path().string(), extra,
         what);
  }
  return bytes;
}

void check_count(const data::GzipFile& in, int64_t n, const char* noun) {
  if (n < 1 || n > kMaxPayload) {
    fail("{}: header declares {} {}, expected 1..2^31", in.path().string(), n, noun);
  }
}

// <dir>/<stem> or <dir>/<stem>.gz; the uncompressed file wins when both exist (faster to read).
fs::path find_idx_file(const fs::path& dir, const std::string& stem, const char* what) {
  fs::path raw = dir / stem;
  fs::path gz = dir / (stem + ".gz");
  if (fs::exists(raw)) return raw;
  if (fs::exists(gz)) return gz;
  fail("{}: no {} file in this data directory: looked for {} and {}", dir.string(), what,
       raw.string(), gz.string());
}

}  // namespace

Tensor read_idx_images(const fs::path& file) {
  data::GzipFile in(file);
  const std::vector<int64_t> dims = read_header(in, kImagesMagic, "IDX images");
  const int64_t n = dims[0], rows = dims[1], cols = dims[2];
  check_count(in, n, "images");
  if (rows < 1 || rows > kMaxSide || cols < 1 || cols > kMaxSide) {
    fail("{}: header declares images of {}x{}, expected rows and cols in 1..{}", file.string(),
         rows, cols, kMaxSide);
  }
  const std::string what = fmt::format("{} images of {}x{}", n, rows, cols);
  const std::optional<int64_t> n_bytes = checked_product(dims, kMaxPayload);
  if (!n_bytes) {
    fail("{}: header declares {} = {} bytes, more than the 2^31 this reader accepts",
         file.string(), what, n * rows * cols);  // fits: n <= 2^31, rows, cols <= 2^12
  }
  const std::vector<uint8_t> pixels = read_payload(in, *n_bytes, 16, what);
  return Tensor::from<uint8_t>({n, 1, rows, cols}, pixels);
}

std::vector<uint8_t> read_idx_labels(const fs::path& file) {
  data::GzipFile in(file);
  const int64_t n = read_header(in, kLabelsMagic, "IDX labels")[0];
  check_count(in, n, "labels");
  return read_payload(in, n, 8, fmt::format("{} labels", n));
}

Dataset load_idx_dataset(const fs::path& dir, Split split) {
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (!fs::exists(status)) fail("{}: data directory does not exist", dir.string());
  if (!fs::is_directory(status)) {
    fail("{}: is not a directory (expected a data directory)", dir.string());
  }
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const fs::path images_file = find_idx_file(
      dir, prefix + "-images-idx3-ubyte", split == Split::kTrain ? "train images" : "test images");
  const fs::path labels_file = find_idx_file(
      dir, prefix + "-labels-idx1-ubyte", split == Split::kTrain ? "train labels" : "test labels");
  Dataset data;
  data.images = read_idx_images(images_file);
  data.labels = read_idx_labels(labels_file);
  data.source = dir.string();
  data.labels_source = labels_file.string();
  if (static_cast<int64_t>(data.labels.size()) != data.size()) {
    fail("{}: {} images in {} but {} labels in {}", dir.string(), data.size(),
         images_file.filename().string(), data.labels.size(), labels_file.filename().string());
  }
  return data;
}

void check_labels(const Dataset& data, int64_t n_classes) {
  const std::string& source = data.labels_source.empty() ? data.source : data.labels_source;
  if (n_classes < 1 || n_classes > 256) {
    fail("{}: cannot check labels against {} classes, expected 1..256", source, n_classes);
  }
  if (static_cast<int64_t>(data.labels.size()) != data.size()) {
    fail("{}: {} labels for {} images", source, data.labels.size(), data.size());
  }
  for (size_t i = 0; i < data.labels.size(); ++i) {
    if (data.labels[i] >= n_classes) {
      fail("{}: sample {} has label {}, expected 0..{} for {} classes", source, i, data.labels[i],
           n_classes - 1, n_classes);
    }
  }
}

}  // namespace octet
