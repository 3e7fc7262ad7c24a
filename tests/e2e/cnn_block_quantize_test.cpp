// A small synthetic CNN with every weightless integer op between its layers (residual Add with
// ReLU, MaxPool, depthwise Conv with ReLU6, Concat, AveragePool, GlobalAveragePool, Flatten):
// calibrated on random inputs, converted to QDQ, it runs with every such op in the integer
// domain, stays close to FP32, and saves to a file that passes the ONNX checker and reloads to
// bit-identical outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "octet/onnx_io.h"
#include "octet/quantize.h"
#include "octet/random.h"
#include "onnx/checker.h"
#include "test_util.h"

namespace octet {
namespace {

using test::make_node;
using test::random_normal;

// x [N,3,12,12] -> conv1+relu -> conv2 -> Add(., conv1 out)+relu -> MaxPool 2x2 -> depthwise
// 3x3 + ReLU6 | 1x1 conv -> Concat -> AveragePool 2x2 -> GlobalAveragePool -> Flatten -> Gemm.
Graph make_block_net() {
  Rng rng(17);
  Graph g;
  g.name = "block_net";
  g.inputs.push_back({"x", DType::kF32, {-1, 3, 12, 12}, {"N", "", "", ""}});
  g.outputs.push_back({"y", DType::kF32, {-1, 5}, {"N", ""}});
  auto conv_attrs = [](int64_t k, int64_t pad, int64_t group) {
    return std::map<std::string, Attribute>{{"kernel_shape", std::vector<int64_t>{k, k}},
                                            {"pads", std::vector<int64_t>{pad, pad, pad, pad}},
                                            {"group", group}};
  };
  g.initializers["w1"] = random_normal({8, 3, 3, 3}, rng, 0.3f);
  g.initializers["b1"] = random_normal({8}, rng, 0.1f);
  g.initializers["w2"] = random_normal({8, 8, 3, 3}, rng, 0.15f);
  g.initializers["b2"] = random_normal({8}, rng, 0.1f);
  g.initializers["wd"] = random_normal({8, 1, 3, 3}, rng, 0.4f);
  g.initializers["bd"] = random_normal({8}, rng, 0.1f);
  g.initializers["wp"] = random_normal({4, 8, 1, 1}, rng, 0.4f);
  g.initializers["wf"] = random_normal({5, 12}, rng, 0.5f);
  g.initializers["bf"] = random_normal({5}, rng, 0.1f);
  g.initializers["lo"] = Tensor::from<float>({}, std::vector<float>{0.0f});
  g.initializers["hi"] = Tensor::from<float>({}, std::vector<float>{6.0f});
  g.nodes = {
      make_node("conv1", "Conv", {"x", "w1", "b1"}, {"c1"}, conv_attrs(3, 1, 1)),
      make_node("relu1", "Relu", {"c1"}, {"r1"}),
      make_node("conv2", "Conv", {"r1", "w2", "b2"}, {"c2"}, conv_attrs(3, 1, 1)),
      make_node("add", "Add", {"c2", "r1"}, {"s"}),
      make_node("relu2", "Relu", {"s"}, {"r2"}),
      make_node("maxpool", "MaxPool", {"r2"}, {"p"},
                {{"kernel_shape", std::vector<int64_t>{2, 2}},
                 {"strides", std::vector<int64_t>{2, 2}}}),
      make_node("dwconv", "Conv", {"p", "wd", "bd"}, {"d0"}, conv_attrs(3, 1, 8)),
      make_node("relu6", "Clip", {"d0", "lo", "hi"}, {"d"}),
      make_node("pwconv", "Conv", {"p", "wp"}, {"e"}, conv_attrs(1, 0, 1)),
      make_node("concat", "Concat", {"d", "e"}, {"k"}, {{"axis", int64_t{1}}}),
      make_node("avgpool", "AveragePool", {"k"}, {"a"},
                {{"kernel_shape", std::vector<int64_t>{2, 2}},
                 {"strides", std::vector<int64_t>{2, 2}}}),
      make_node("gap", "GlobalAveragePool", {"a"}, {"gv"}),
      make_node("flatten", "Flatten", {"gv"}, {"f"}),
      make_node("fc", "Gemm", {"f", "wf", "bf"}, {"y"}, {{"transB", int64_t{1}}}),
  };
  return g;
}

double sqnr_db(const Tensor& ref, const Tensor& got) {
  double signal = 0, noise = 0;
  for (int64_t i = 0; i < ref.numel(); ++i) {
    const double r = ref.data<float>()[i], d = r - got.data<float>()[i];
    signal += r * r;
    noise += d * d;
  }
  return 10.0 * std::log10(signal / noise);
}

TEST(CnnBlockQuantize, WeightlessOpsRunInt8AndTheFileReloadsBitIdentically) {
  const Graph fp32 = make_block_net();
  Rng rng(433);
  Calibrator calib(fp32, QuantizeConfig::preset_named("recommended"));
  for (int i = 0; i < 4; ++i) calib.observe(random_normal({16, 3, 12, 12}, rng, 1.0f));
  const QuantizedModel q = calib.convert();

  const Session int8(q.graph);
  for (const char* node : {"conv1", "conv2", "add", "maxpool", "dwconv", "pwconv", "concat",
                           "avgpool", "gap", "flatten", "fc"})
    EXPECT_EQ(int8.node_precision().at(node), "int8") << node;

  const Tensor x = random_normal({8, 3, 12, 12}, rng, 1.0f);
  const Tensor y_fp32 = Session(fp32).run(x), y_int8 = int8.run(x);
  const double sqnr = sqnr_db(y_fp32, y_int8);
  std::printf("[ cnn block ] int8 vs FP32 SQNR %.2f dB\n", sqnr);
  // 8-bit activations through 5 quantized layers and 6 requantizing ops: each adds noise about
  // 48 dB below its signal; 25 dB leaves a wide margin while still failing on any real bug
  // (a wrong scale or zero point drops it below 10 dB).
  EXPECT_GT(sqnr, 25.0);

  test::TempDir tmp;
  save_onnx(q.graph, tmp / "block_int8.onnx");
  {
    std::ifstream in(tmp / "block_int8.onnx", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    onnx::ModelProto model;
    ASSERT_TRUE(model.ParseFromString(ss.str()));
    EXPECT_NO_THROW(onnx::checker::check_model(model));
  }
  const Session reloaded(load_onnx(tmp / "block_int8.onnx"));
  EXPECT_EQ(reloaded.node_precision(), int8.node_precision());
  const Tensor y_reloaded = reloaded.run(x);
  ASSERT_EQ(y_reloaded.shape(), y_int8.shape());
  EXPECT_EQ(std::memcmp(y_reloaded.raw(), y_int8.raw(), y_int8.nbytes()), 0);

  // MaxPool and Flatten repeat their input's qparams (exact on uint8, as ONNX Runtime's QDQ
  // MaxPool expects): their Q nodes read the same scale initializer values.
  const Graph& g = q.graph;
  EXPECT_EQ(g.initializer("p_s")->data<float>()[0], g.initializer("r2_s")->data<float>()[0]);
  EXPECT_EQ(g.initializer("f_s")->data<float>()[0], g.initializer("gv_s")->data<float>()[0]);
}

}  // namespace
}  // namespace octet
