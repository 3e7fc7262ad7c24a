// NumPy .npy arrays: float32 or uint8 model inputs, logits and check data (DESIGN: "Formats").
#pragma once

#include <filesystem>

#include "octet/tensor.h"

namespace octet {

// Reads a NumPy .npy file (format version 1.0 or 2.0, as numpy.save writes it) into a Tensor of
// the file's shape: dtype '<f4' gives float32, '|u1' uint8; C order only (fortran_order False);
// rank >= 1, every dimension >= 1, at most 2^33 bytes of data. The header is untrusted: its
// length, its dict (exactly the keys 'descr', 'fortran_order', 'shape') and the data length it
// implies are checked against the file size before anything of that size is allocated.
// Throws octet::Error naming the file and the fault: missing file or a directory, bad magic or
// version, bad header, unsupported dtype (big-endian, float64, ...), Fortran order, a shape
// whose element count overflows or passes the cap, truncated data or trailing bytes, and NaN or
// Inf in float data (with the flat index of the first one).
Tensor read_npy(const std::filesystem::path& file);

}  // namespace octet
