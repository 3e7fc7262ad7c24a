// Batched evaluation of a classifier over a data set.
#include "octet/evaluate.h"

#include <algorithm>
#include <chrono>

#include "octet/error.h"
#include "octet/progress.h"

namespace octet {

namespace {

// The session names the input that does not fit ("input 'x': got shape ..."), not where the
// images came from: such an error gets the data set's source in front.
template <typename F>
Tensor naming_data(const Dataset& data, F&& run) {
  try {
    return run();
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.rfind("input '", 0) != 0) throw;
    throw Error(data.source + ": " + what);
  }
}

}  // namespace

EvalResult evaluate(const Session& session, const Dataset& data, const Normalization& norm,
                    const EvalOptions& options) {
  const int64_t n = options.limit < 0 ? data.size() : std::min(options.limit, data.size());
  if (n == 0) fail("{}: no samples to evaluate", data.source);
  const int64_t batch = std::max<int64_t>(1, options.batch);
  EvalResult r;
  r.samples = n;
  r.predictions.reserve(static_cast<size_t>(n));
  const auto start = std::chrono::steady_clock::now();
  ProgressBar bar(n, "eval", options.show_progress);
  for (int64_t begin = 0; begin < n; begin += batch) {
    const int64_t end = std::min(n, begin + batch);
    const Tensor logits = naming_data(data, [&] {
      return session.run(make_batch(data.images, begin, end, norm));
    });
    if (logits.dtype() != DType::kF32 || logits.rank() != 2 || logits.dim(0) != end - begin)
      fail("evaluate: model output has shape {} ({}), expected float32 [{},classes]",
           shape_str(logits.shape()), dtype_name(logits.dtype()), end - begin);
    const int64_t classes = logits.dim(1);
    const float* p = logits.data<float>();
    for (int64_t i = 0; i < end - begin; ++i) {
      const float* row = p + i * classes;
      const auto pred = static_cast<int32_t>(std::max_element(row, row + classes) - row);
      const uint8_t label = data.labels[static_cast<size_t>(begin + i)];
      if (label >= classes)
        fail("{}: label {} of sample {} is out of range for a model with {} classes",
             data.source, label, begin + i, classes);
      r.predictions.push_back(pred);
      r.correct += pred == label;
    }
    bar.update(end - begin);
  }
  bar.close();
  r.accuracy = static_cast<double>(r.correct) / static_cast<double>(n);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

double top1_agreement(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  if (a.size() != b.size() || a.empty())
    fail("top-1 agreement: {} vs {} predictions", a.size(), b.size());
  int64_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  return static_cast<double>(same) / static_cast<double>(a.size());
}

Normalization model_normalization(const Graph& graph, const std::string& what) {
  auto it = graph.metadata.find(kNormalizeKey);
  if (it == graph.metadata.end()) return Normalization{};
  return Normalization::parse(it->second, what + ": metadata " + kNormalizeKey);
}

}  // namespace octet
