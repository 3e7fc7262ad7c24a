// .npy reading: valid files (v1.0 and v2.0, float32 and uint8, ranks 1..4) and every
// malformed-file error, each naming the file; and calibrate_on_tensor's argument checks.
#include "octet/npy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "octet/error.h"
#include "octet/onnx_io.h"
#include "octet/quantize.h"
#include "test_util.h"

namespace octet {
namespace {

namespace fs = std::filesystem;
using Bytes = std::string;

// A .npy file as numpy.save writes it: magic, version, length, dict padded to a multiple of 64
// with spaces and a final '\n', then `data`. `major` 1 writes a uint16 length, 2 a uint32.
Bytes npy_file(const std::string& dict, const Bytes& data, int major = 1) {
  const size_t prefix = major == 1 ? 10 : 12;
  Bytes header = dict;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  Bytes b = "\x93NUMPY";
  b += static_cast<char>(major);
  b += '\0';
  const auto len = static_cast<uint32_t>(header.size());
  for (size_t i = 0; i < prefix - 8; ++i) b += static_cast<char>(len >> (8 * i));
  return b + header + data;
}

std::string dict_of(const std::string& descr, const std::string& shape,
                    const std::string& order = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }";
}

Bytes float_bytes(const std::vector<float>& v) {
  Bytes b(v.size() * sizeof(float), '\0');
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

void write_raw(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
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

class Npy : public ::testing::Test {
 protected:
  // Writes `bytes` to a file and returns read_npy's error, checking that it names the file.
  std::string read_error(const Bytes& bytes, const std::string& name = "bad.npy") {
    const fs::path file = dir_ / name;
    write_raw(file, bytes);
    const std::string msg = error_of([&] { read_npy(file); });
    EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
    return msg;
  }
  Tensor read(const Bytes& bytes) {
    const fs::path file = dir_ / "ok.npy";
    write_raw(file, bytes);
    return read_npy(file);
  }

  test::TempDir dir_;
};

std::vector<float> ramp(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i) * 0.25f - 3.0f;
  return v;
}

TEST_F(Npy, ReadsFloat32Rank4) {
  const std::vector<float> v = ramp(2 * 3 * 4 * 5);
  const Tensor t = read(npy_file(dict_of("<f4", "(2, 3, 4, 5)"), float_bytes(v)));
  EXPECT_EQ(t.dtype(), DType::kF32);
  EXPECT_EQ(t.shape(), (Shape{2, 3, 4, 5}));
  EXPECT_EQ(std::vector<float>(t.values<float>().begin(), t.values<float>().end()), v);
}

TEST_F(Npy, ReadsRank1WithTrailingCommaAndVersion2) {
  const std::vector<float> v = ramp(7);
  for (int major : {1, 2}) {
    const Tensor t = read(npy_file(dict_of("<f4", "(7,)"), float_bytes(v), major));
    EXPECT_EQ(t.shape(), (Shape{7})) << "version " << major;
    EXPECT_EQ(t.values<float>()[6], v[6]);
  }
}

TEST_F(Npy, ReadsUint8AndAnyKeyOrderAndDoubleQuotes) {
  const Bytes pixels = {'\x00', '\x7f', '\xff', '\x10', '\x20', '\x30'};
  const Tensor t =
      read(npy_file("{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"|u1\"}", pixels));
  EXPECT_EQ(t.dtype(), DType::kU8);
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.values<uint8_t>()[1], 127);
  EXPECT_EQ(t.values<uint8_t>()[2], 255);
}

TEST_F(Npy, MissingFileAndDirectory) {
  EXPECT_NE(error_of([&] { read_npy(dir_ / "none.npy"); }).find("does not exist"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_npy(dir_.path()); }).find("is a directory"), std::string::npos);
}

TEST_F(Npy, TruncatedAnywhere) {
  const Bytes good = npy_file(dict_of("<f4", "(3, 4)"), float_bytes(ramp(12)));
  const size_t data_at = good.size() - 48;  // the 128-byte preamble and header, then the data
  ASSERT_EQ(data_at, 128u);
  // Inside the magic, the version, the header length, the header, the data; one byte short.
  const std::vector<std::pair<size_t, const char*>> cuts = {{0, "magic"},
                                                            {3, "magic"},
                                                            {7, "magic and version"},
                                                            {9, "header length"},
                                                            {30, "header"},
                                                            {data_at - 1, "header"},
                                                            {data_at, "0 bytes follow"},
                                                            {data_at + 20, "20 bytes follow"},
                                                            {good.size() - 1, "47 bytes follow"}};
  for (const auto& [cut, expect] : cuts) {
    const std::string msg = read_error(good.substr(0, cut));
    EXPECT_NE(msg.find("truncated"), std::string::npos) << cut << ": " << msg;
    EXPECT_NE(msg.find(expect), std::string::npos) << cut << ": " << msg;
  }
}

TEST_F(Npy, TrailingData) {
  const std::string msg = read_error(npy_file(dict_of("<f4", "(3,)"), float_bytes(ramp(3)) + "xy"));
  EXPECT_NE(msg.find("trailing data"), std::string::npos) << msg;
  EXPECT_NE(msg.find("14 bytes follow"), std::string::npos) << msg;
}

TEST_F(Npy, WrongMagicOrVersion) {
  Bytes b = npy_file(dict_of("<f4", "(1,)"), float_bytes({1.0f}));
  Bytes bad_magic = b;
  bad_magic[1] = 'M';
  EXPECT_NE(read_error(bad_magic).find("not a .npy file"), std::string::npos);
  EXPECT_NE(read_error("PK\x03\x04 a zip file, maybe an .npz").find("not a .npy file"),
            std::string::npos);
  Bytes v3 = b;
  v3[6] = 3;
  EXPECT_NE(read_error(v3).find("version 3.0, expected 1.0 or 2.0"), std::string::npos);
  Bytes v11 = b;
  v11[7] = 1;
  EXPECT_NE(read_error(v11).find("version 1.1"), std::string::npos);
}

TEST_F(Npy, BadHeaderLength) {
  // v2.0 claiming a 2^31-byte header in a tiny file: refused before reading it.
  Bytes b = "\x93NUMPY";
  b += '\x02';
  b += '\0';
  b += Bytes{'\0', '\0', '\0', '\x80'};
  EXPECT_NE(read_error(b + "{}").find("header length 2147483648"), std::string::npos);
}

TEST_F(Npy, BadHeaderDict) {
  const Bytes data = float_bytes(ramp(2));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not a dict", "expected '{'"},
      {"{'descr': '<f4', 'fortran_order': False}", "no 'shape' key"},
      {"{'descr': '<f4', 'shape': (2,)}", "no 'fortran_order' key"},
      {"{'fortran_order': False, 'shape': (2,)}", "no 'descr' key"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", "twice"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", "True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)}", "non-negative integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", "expected '('"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 3)}", "',' or ')'"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", "expected ',' or '}'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,", "expected a non-negative"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", "after the dict"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "64 bits"},
  };
  for (const auto& [dict, expect] : cases) {
    const std::string msg = read_error(npy_file(dict, data));
    EXPECT_NE(msg.find("bad .npy header"), std::string::npos) << dict << ": " << msg;
    EXPECT_NE(msg.find(expect), std::string::npos) << dict << ": " << msg;
  }
  Bytes no_newline = npy_file(dict_of("<f4", "(2,)"), data);
  no_newline[no_newline.size() - data.size() - 1] = ' ';
  EXPECT_NE(read_error(no_newline).find("newline"), std::string::npos);
}

TEST_F(Npy, RejectsFortranOrder) {
  const std::string msg =
      read_error(npy_file(dict_of("<f4", "(2, 2)", "True"), float_bytes(ramp(4))));
  EXPECT_NE(msg.find("fortran_order is True"), std::string::npos) << msg;
}

TEST_F(Npy, RejectsUnsupportedDtypes) {
  for (const auto& [descr, expect] : std::vector<std::pair<std::string, std::string>>{
           {">f4", "big-endian"}, {"<f8", "float64"}, {"<i4", "'<i4'"}, {"|O", "'|O'"}}) {
    const std::string msg = read_error(npy_file(dict_of(descr, "(2,)"), Bytes(16, '\0')));
    EXPECT_NE(msg.find("unsupported dtype"), std::string::npos) << descr << ": " << msg;
    EXPECT_NE(msg.find(expect), std::string::npos) << descr << ": " << msg;
  }
}

TEST_F(Npy, RejectsScalarAndEmptyShapes) {
  EXPECT_NE(read_error(npy_file(dict_of("<f4", "()"), float_bytes({1.0f}))).find("scalar"),
            std::string::npos);
  EXPECT_NE(read_error(npy_file(dict_of("<f4", "(0, 3)"), "")).find("dimension 0 = 0"),
            std::string::npos);
}

TEST_F(Npy, RejectsHugeShapesBeforeAllocating) {
  // 10^12 elements claimed by a 64-byte file: refused by the cap, nothing allocated.
  std::string msg = read_error(npy_file(dict_of("<f4", "(1000000, 1000000)"), ""));
  EXPECT_NE(msg.find("2^33-byte limit"), std::string::npos) << msg;
  // A product that overflows int64.
  msg = read_error(npy_file(dict_of("|u1", "(4294967296, 4294967296, 4294967296)"), ""));
  EXPECT_NE(msg.find("2^33-byte limit"), std::string::npos) << msg;
  // Under the cap but not in the file: the size check, still before allocating.
  msg = read_error(npy_file(dict_of("<f4", "(1000, 1000, 1000)"), float_bytes(ramp(10))));
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  EXPECT_NE(msg.find("4000000000 bytes"), std::string::npos) << msg;
}

TEST_F(Npy, RejectsNonFiniteFloatsWithTheirIndex) {
  std::vector<float> v = ramp(12);
  v[7] = std::numeric_limits<float>::quiet_NaN();
  std::string msg = read_error(npy_file(dict_of("<f4", "(3, 4)"), float_bytes(v)));
  EXPECT_NE(msg.find("element 7 (flat index"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nan"), std::string::npos) << msg;
  v[7] = 1.0f;
  v[11] = -std::numeric_limits<float>::infinity();
  msg = read_error(npy_file(dict_of("<f4", "(3, 4)"), float_bytes(v)));
  EXPECT_NE(msg.find("element 11"), std::string::npos) << msg;
  EXPECT_NE(msg.find("-inf"), std::string::npos) << msg;
}

TEST_F(Npy, ReadsTheBenchmarkInputsWhenPresent) {
  // Made by bench/make_torchvision_models.py (not committed): numpy's own writer.
  const fs::path file = test::source_dir() / "build" / "models" / "check_inputs.npy";
  if (!fs::exists(file)) GTEST_SKIP() << file << " not made";
  const Tensor t = read_npy(file);
  EXPECT_EQ(t.shape(), (Shape{4, 3, 224, 224}));
  EXPECT_EQ(t.dtype(), DType::kF32);
}

// A .npy of float32 model inputs drives calibration like the same rows fed by hand: MinMax
// observers see the same values, so the ranges are equal whatever the batching.
TEST_F(Npy, CalibratesOnTheRowsOfAFloat32File) {
  const Graph fp32 = load_onnx(test::fixture("ptq_default_qconfig.onnx"));
  std::vector<float> v(6 * 784);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((i * 37) % 101) / 50.0f - 1.0f;
  const Tensor inputs = read(npy_file(dict_of("<f4", "(6, 1, 28, 28)"), float_bytes(v)));
  const std::vector<int64_t> rows = {1, 3, 4};

  Calibrator by_file(fp32, QuantizeConfig::preset_named("recommended"));
  calibrate_on_tensor(by_file, inputs, rows, 2, false, "ok.npy");
  Calibrator by_hand(fp32, QuantizeConfig::preset_named("recommended"));
  std::vector<float> picked;
  for (int64_t r : rows)
    picked.insert(picked.end(), v.begin() + r * 784, v.begin() + (r + 1) * 784);
  by_hand.observe(Tensor::from<float>({3, 1, 28, 28}, picked));

  EXPECT_EQ(by_file.n_samples(), 3);
  for (const auto& [name, obs] : by_hand.activation_observers()) {
    const ObservedRange a = obs->range(), b = by_file.activation_observers().at(name)->range();
    EXPECT_EQ(a.min, b.min) << name;
    EXPECT_EQ(a.max, b.max) << name;
  }
}

TEST_F(Npy, CalibrationErrorsNameTheSource) {
  Calibrator calib(load_onnx(test::fixture("ptq_default_qconfig.onnx")),
                   QuantizeConfig::preset_named("recommended"));
  const Tensor inputs(DType::kF32, {2, 1, 28, 28});
  std::string msg = error_of([&] {
    calibrate_on_tensor(calib, inputs, {0, 2}, 8, false, "x.npy");
  });
  EXPECT_NE(msg.find("x.npy: calibration sample index 2 outside 0..1"), std::string::npos) << msg;
  msg = error_of([&] { calibrate_on_tensor(calib, inputs, {}, 8, false, "x.npy"); });
  EXPECT_NE(msg.find("x.npy: zero calibration samples"), std::string::npos) << msg;
  const Tensor logits(DType::kF32, {2, 10});  // not model inputs: the session's error, prefixed
  msg = error_of([&] { calibrate_on_tensor(calib, logits, {0, 1}, 8, false, "logits.npy"); });
  EXPECT_NE(msg.find("logits.npy: calibrating on rows 0..1 of [2,10]: "), std::string::npos) << msg;
  msg = error_of([&] { calibrate_on_tensor(calib, Tensor(DType::kU8, {2, 784}), {0}, 8, false); });
  EXPECT_NE(msg.find("expected float32"), std::string::npos) << msg;
}

}  // namespace
}  // namespace octet
