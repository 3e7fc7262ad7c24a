// Shard files: what each shard of a calibration writes, and the checks that let the merge be
// trusted to equal one pass (see octet/calib_shards.h).
#include "octet/calib_shards.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

#include "octet/error.h"

namespace octet {

namespace {

constexpr const char* kFormat = "octet.calibration-shard";
constexpr int kVersion = 1;

int64_t parse_int(const std::string& text, const std::string& what, const std::string& whole) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    fail("{}: '{}' is not of the form i/n (shard i of n, 0 <= i < n)", what, whole);
  return v;
}

const nlohmann::json& at(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key))
    fail("{}: shard statistics have no field '{}'", where, key);
  return j.at(key);
}

int64_t int_at(const nlohmann::json& j, const char* key, const std::string& where) {
  const nlohmann::json& v = at(j, key, where);
  if (!v.is_number_integer())
    fail("{}: field '{}' is {}, expected an integer", where, key, v.dump());
  return v.get<int64_t>();
}

std::string string_at(const nlohmann::json& j, const char* key, const std::string& where) {
  const nlohmann::json& v = at(j, key, where);
  if (!v.is_string()) fail("{}: field '{}' is {}, expected a string", where, key, v.dump());
  return v.get<std::string>();
}

nlohmann::json read_json_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in || std::filesystem::is_directory(file))
    fail("{}: cannot read shard statistics (missing or not a file)", file.string());
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    fail("{}: not valid JSON ({})", file.string(), e.what());
  }
}

struct ShardFile {
  std::filesystem::path file;
  ShardSpec shard;
  CalibrationDraw draw;
  nlohmann::json statistics;
};

ShardFile read_shard(const std::filesystem::path& file) {
  const std::string where = file.string();
  ShardFile s;
  s.file = file;
  const nlohmann::json j = read_json_file(file);
  if (!j.is_object() || !j.contains("format") || j["format"] != kFormat)
    fail("{}: not an octet calibration shard (field 'format' must be \"{}\")", where, kFormat);
  if (int_at(j, "version", where) != kVersion)
    fail("{}: shard format version {} is not supported (expected {})", where, j["version"].dump(),
         kVersion);
  const nlohmann::json& shard = at(j, "shard", where);
  s.shard.index = int_at(shard, "index", where + ": shard");
  s.shard.count = int_at(shard, "count", where + ": shard");
  if (s.shard.count < 1 || s.shard.index < 0 || s.shard.index >= s.shard.count)
    fail("{}: shard {}/{} is invalid (0 <= i < n)", where, s.shard.index, s.shard.count);
  const nlohmann::json& draw = at(j, "draw", where);
  s.draw.source = string_at(draw, "source", where + ": draw");
  s.draw.split = string_at(draw, "split", where + ": draw");
  s.draw.set_size = int_at(draw, "set_size", where + ": draw");
  s.draw.count = int_at(draw, "count", where + ": draw");
  const nlohmann::json& seed = at(draw, "seed", where + ": draw");
  if (!seed.is_number_unsigned() && !(seed.is_number_integer() && seed.get<int64_t>() >= 0))
    fail("{}: draw: field 'seed' is {}, expected an unsigned integer", where, seed.dump());
  s.draw.seed = seed.get<uint64_t>();
  s.draw.batch = int_at(draw, "batch", where + ": draw");
  if (s.draw.batch < 1) fail("{}: draw: batch {} must be >= 1", where, s.draw.batch);
  if (s.draw.count < 1 || s.draw.count > s.draw.set_size)
    fail("{}: draw of {} samples from a set of {} is invalid", where, s.draw.count,
         s.draw.set_size);
  const nlohmann::json& rows = at(j, "rows", where);
  const auto expect = shard_rows(s.draw.count, s.shard, s.draw.batch);
  const int64_t begin = int_at(rows, "begin", where + ": rows");
  const int64_t end = int_at(rows, "end", where + ": rows");
  if (begin != expect.first || end != expect.second)
    fail("{}: shard {}/{} of {} samples covers rows [{}, {}), but the file says [{}, {})", where,
         s.shard.index, s.shard.count, s.draw.count, expect.first, expect.second, begin, end);
  s.statistics = at(j, "statistics", where);
  if (int_at(s.statistics, "samples", where + ": statistics") != end - begin)
    fail("{}: statistics count {} samples, the shard's rows are {}", where,
         s.statistics["samples"].dump(), end - begin);
  return s;
}

}  // namespace

ShardSpec ShardSpec::parse(const std::string& text, const std::string& what) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos)
    fail("{}: '{}' is not of the form i/n (shard i of n, 0 <= i < n)", what, text);
  ShardSpec s;
  s.index = parse_int(text.substr(0, slash), what, text);
  s.count = parse_int(text.substr(slash + 1), what, text);
  if (s.count < 1 || s.index < 0 || s.index >= s.count)
    fail("{}: '{}' needs n >= 1 and 0 <= i < n", what, text);
  return s;
}

std::pair<int64_t, int64_t> shard_rows(int64_t n_samples, ShardSpec s, int64_t batch) {
  OCTET_CHECK(batch > 0 && n_samples >= 0, "batch {}, samples {}", batch, n_samples);
  const int64_t n_batches = (n_samples + batch - 1) / batch;
  return {std::min(n_samples, s.index * n_batches / s.count * batch),
          std::min(n_samples, (s.index + 1) * n_batches / s.count * batch)};
}

int64_t drift_mark_for(int64_t n_samples) {
  return n_samples - n_samples / 10;
}

nlohmann::json CalibrationDraw::to_json() const {
  return {{"source", source}, {"split", split}, {"set_size", set_size},
          {"count", count},   {"seed", seed},   {"batch", batch}};
}

nlohmann::json shard_statistics_json(const Calibrator& calib, ShardSpec shard,
                                     const CalibrationDraw& draw) {
  const auto [begin, end] = shard_rows(draw.count, shard, draw.batch);
  OCTET_CHECK(calib.n_samples() == end - begin, "shard {}/{} observed {} samples, rows [{}, {})",
              shard.index, shard.count, calib.n_samples(), begin, end);
  return {{"format", kFormat},
          {"version", kVersion},
          {"shard", {{"index", shard.index}, {"count", shard.count}}},
          {"draw", draw.to_json()},
          {"rows", {{"begin", begin}, {"end", end}}},
          {"statistics", calib.export_statistics()}};
}

CalibrationDraw merge_shard_files(Calibrator& calib,
                                  const std::vector<std::filesystem::path>& files) {
  if (files.empty()) fail("merge shards: no statistics files given");
  std::vector<ShardFile> shards;
  for (const auto& file : files) shards.push_back(read_shard(file));
  const ShardFile& first = shards.front();
  std::map<int64_t, const ShardFile*> by_index;
  for (const ShardFile& s : shards) {
    if (s.shard.count != first.shard.count)
      fail("{}: is shard {}/{}, but {} is shard {}/{}: all shards must split the sample alike",
           s.file.string(), s.shard.index, s.shard.count, first.file.string(), first.shard.index,
           first.shard.count);
    if (!(s.draw == first.draw))
      fail(
          "{}: drawn from {} ({} of {}, seed {}, batch {}), but {} from {} ({} of {}, seed {}, "
          "batch {})",
          s.file.string(), s.draw.split, s.draw.count, s.draw.set_size, s.draw.seed, s.draw.batch,
          first.file.string(), first.draw.split, first.draw.count, first.draw.set_size,
          first.draw.seed, first.draw.batch);
    auto [it, fresh] = by_index.emplace(s.shard.index, &s);
    if (!fresh)
      fail("{}: shard {}/{} is given twice (also {})", s.file.string(), s.shard.index,
           s.shard.count, it->second->file.string());
  }
  for (int64_t i = 0; i < first.shard.count; ++i)
    if (!by_index.count(i))
      fail("merge shards: shard {}/{} is missing (given {} file(s), the first {})", i,
           first.shard.count, shards.size(), first.file.string());
  for (const auto& [index, s] : by_index) calib.import_statistics(s->statistics, s->file.string());
  return first.draw;
}

}  // namespace octet
