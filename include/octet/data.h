// Data sets: IDX files (the MNIST family), normalization and batches of model input.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "octet/tensor.h"

namespace octet {

// An image classification set held as raw bytes: images uint8 [N, C, H, W], labels [N].
struct Dataset {
  Tensor images;
  std::vector<uint8_t> labels;
  std::string source;         // file or directory it came from, for messages
  std::string labels_source;  // the file the labels came from, if any (check_labels names it)

  int64_t size() const { return images.empty() ? 0 : images.dim(0); }
};

enum class Split { kTrain, kTest };

// Reads an IDX image file (magic 0x00000803, dims N,H,W; gzip or raw) into uint8 [N,1,H,W].
// Accepts 1 <= N, 1 <= H, W <= 4096 and N*H*W <= 2^31. Throws octet::Error naming the file
// when it is missing or a directory, on a bad magic or dimension, corrupt gzip data, or a
// length that does not match the header (truncated, or trailing data after the pixels).
Tensor read_idx_images(const std::filesystem::path& file);
// Reads an IDX label file (magic 0x00000801, dim N, 1 <= N <= 2^31; gzip or raw). Throws like
// read_idx_images; does not check the label values (see check_labels).
std::vector<uint8_t> read_idx_labels(const std::filesystem::path& file);
// Loads <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (the raw file when both it and
// the .gz exist). Throws octet::Error naming the directory and the paths looked for when a file
// is missing, and when the image and label counts differ. source = dir, labels_source = the
// label file.
Dataset load_idx_dataset(const std::filesystem::path& dir, Split split);
// Throws octet::Error naming labels_source (or source), the sample index, the label and the
// class count if a label is >= n_classes; also if there are not as many labels as images.
void check_labels(const Dataset& data, int64_t n_classes);

// Per-channel normalization applied to pixels scaled to [0, 1]: x = (p / 255 - mean) / std.
// One mean and one std apply to every channel; otherwise there is one per channel.
struct Normalization {
  std::vector<float> mean{0.0f};
  std::vector<float> std{1.0f};
  // "MEAN,STD", or "M1;M2;M3,S1;S2;S3" for several channels (the octet.normalize format).
  // Each float is printed in the shortest form that parses back to the same float.
  std::string to_string() const;
  // Parses the format above (spaces around numbers allowed); throws octet::Error naming `what`
  // on bad text, a non-finite value, unequal list lengths or std <= 0.
  static Normalization parse(const std::string& text, const std::string& what);
};

// Mean and standard deviation (population, like torch.std(unbiased=False)) of all pixels of
// each channel of uint8 [N, C, H, W], in units of pixel / 255, accumulated in double. Throws
// octet::Error on another dtype or rank, no pixels, or a constant channel (std 0).
Normalization compute_normalization(const Tensor& images_u8);

// Float32 model input [count, C, H, W] for images_u8 (uint8 [N, C, H, W]) rows
// indices[0..count), each pixel (static_cast<float>(p) / 255.0f - mean[c]) / std[c] in float32,
// in that order (see normalization.cpp). Throws octet::Error on a bad index, a bad tensor, or a
// normalization whose channel count is neither 1 nor C.
Tensor make_batch(const Tensor& images_u8, const std::vector<int64_t>& indices,
                  const Normalization& norm);
// Same for the contiguous rows [begin, end).
Tensor make_batch(const Tensor& images_u8, int64_t begin, int64_t end, const Normalization& norm);

}  // namespace octet

namespace octet {

// The images and labels `indices` of `data` (copied, in that order), e.g. a held-out set drawn
// from a training split. source says which: "<source> (k of N images)". Throws octet::Error on
// an index outside [0, N).
Dataset dataset_subset(const Dataset& data, const std::vector<int64_t>& indices);

}  // namespace octet
