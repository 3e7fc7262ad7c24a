#!/usr/bin/python3
"""Tables and JSON of scripts/bench_kernels from the raw outputs in DIR (argument 1).

AVX2 int8 peak = 2 vpmaddwd per cycle (Zen 3 and Haswell-class cores have two vector
multiply pipes) x 16 int16 multiply-adds per ymm x 2 ops per multiply-add x the clock measured
by BM_clock; BM_avx2_vpmaddwd_peak measures the same throughput directly.
AVX-512 VNNI int8 peak (when the CPU has it) = vpdpbusd per cycle x 64 multiply-adds per zmm x
2 ops x the clock, where the instructions per cycle are BM_avx512vnni_vpdpbusd_peak's measured
throughput divided by (128 ops x clock), rounded to the nearest integer (the core's issue rate).
"% of peak" is against the peak of the level octet's kernel ran at.
"""
import json
import os
import sys


def load_json_lines(path):
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path) if line.strip()]


def main():
    work = sys.argv[1]
    out = {}
    gemm = json.load(open(os.path.join(work, "qgemm.json")))
    rows = {}
    ghz = measured_peak = measured_vnni = None
    kernel = ""
    for b in gemm["benchmarks"]:
        name = b["name"].split("/")
        if name[0] == "BM_clock":
            ghz = b["GHz"]
        elif name[0] == "BM_avx2_vpmaddwd_peak":
            measured_peak = b["GOP/s"]
        elif name[0] == "BM_avx512vnni_vpdpbusd_peak" and "GOP/s" in b:
            measured_vnni = b["GOP/s"]
        elif name[0] in ("BM_octet_qgemm", "BM_onednn_matmul"):
            shape = tuple(int(v) for v in name[1:4])
            rows.setdefault(shape, {})[name[0]] = b["GOP/s"]
            if name[0] == "BM_octet_qgemm":
                kernel = b.get("label", kernel)
    avx2_peak = 64.0 * ghz
    print(f"int8 GEMM, 1 thread, octet kernel {kernel}. AVX2 peak {avx2_peak:.1f} GOP/s = 2 "
          f"vpmaddwd/cycle x 16 MACs x 2 ops x {ghz:.3f} GHz (measured clock); measured vpmaddwd "
          f"throughput {measured_peak:.1f} GOP/s")
    peak = avx2_peak
    vnni_peak = None
    if measured_vnni:
        per_cycle = max(1, round(measured_vnni / (128.0 * ghz)))
        vnni_peak = per_cycle * 128.0 * ghz
        print(f"AVX-512 VNNI peak {vnni_peak:.1f} GOP/s = {per_cycle} vpdpbusd/cycle x 64 MACs x 2 "
              f"ops x {ghz:.3f} GHz; measured vpdpbusd throughput {measured_vnni:.1f} GOP/s")
        if "avx512vnni" in kernel:
            peak = vnni_peak
    print(f"{'M':>6} {'N':>5} {'K':>5} {'octet GOP/s':>12} {'oneDNN GOP/s':>13} "
          f"{'octet/oneDNN':>13} {'% of peak':>10}")
    out["gemm"] = {"ghz": ghz, "kernel": kernel, "peak_gops": peak, "avx2_peak_gops": avx2_peak,
                   "avx512vnni_peak_gops": vnni_peak, "measured_vpmaddwd_gops": measured_peak,
                   "measured_vpdpbusd_gops": measured_vnni, "rows": []}
    for (m, n, k), r in rows.items():
        o, d = r.get("BM_octet_qgemm"), r.get("BM_onednn_matmul")
        ratio = f"{o / d:13.2f}" if d else f"{'-':>13}"
        dtext = f"{d:13.1f}" if d else f"{'-':>13}"
        print(f"{m:6d} {n:5d} {k:5d} {o:12.1f} {dtext} {ratio} {100 * o / peak:9.1f}%")
        out["gemm"]["rows"].append({"m": m, "n": n, "k": k, "octet_gops": o, "onednn_gops": d})

    octet = json.load(open(os.path.join(work, "octet_mlp.json")))["results"]
    torch = load_json_lines(os.path.join(work, "torch.jsonl"))

    def torch_us(model, precision, threads, batch):
        for t in torch:
            if t["model"] == model and t["precision"] == precision and t["threads"] == threads:
                for r in t["results"]:
                    if r["batch"] == batch:
                        return r["us_per_sample"]
        return None

    def octet_us(results, precision, threads, batch, model_substr):
        for r in results:
            if (r["precision"] == precision and r["threads"] == threads and r["batch"] == batch
                    and os.path.basename(r["model"]).startswith(model_substr)):
                return r["us_per_sample"]
        return None

    def fmt(v):
        return f"{v:10.3f}" if v is not None else f"{'-':>10}"

    def ratio(a, b):
        return f"{a / b:8.2f}x" if a is not None and b is not None else f"{'-':>9}"

    # The int8 MLP three ways (scripts/bench_kernels): recommended (8-bit activations, the
    # exact int16 kernel path), --reduce-range and pytorch-default (7-bit activations, the
    # vpmaddubsw path).
    variants = (("recommended", "mlp.int8.onnx"), ("reduce-range", "mlp.int8r.onnx"),
                ("pytorch-def", "mlp.int8pt.onnx"))
    print()
    print("Reference MLP 784-50-80-30-10, us/sample (median); speed-ups of octet int8")
    print(f"{'batch':>6} {'thr':>3} {'int8 model':>12} {'octet fp32':>10} {'octet int8':>10} "
          f"{'torch fp32':>10} {'torch int8':>10} {'vs o.fp32':>9} {'vs t.int8':>9} "
          f"{'vs t.fp32':>9}")
    out["mlp"] = []
    for threads in (1, 2):
        for batch in (1, 10, 10000):
            of = octet_us(octet, "fp32", threads, batch, "mlp.onnx")
            tf = torch_us("mlp", "fp32", threads, batch)
            ti = torch_us("mlp", "int8", threads, batch)
            for label, file in variants:
                oi = octet_us(octet, "int8", threads, batch, file)
                if oi is None:
                    continue
                print(f"{batch:6d} {threads:3d} {label:>12} {fmt(of)} {fmt(oi)} {fmt(tf)} "
                      f"{fmt(ti)} {ratio(of, oi)} {ratio(ti, oi)} {ratio(tf, oi)}")
                out["mlp"].append({"batch": batch, "threads": threads, "int8_model": label,
                                   "octet_fp32_us": of, "octet_int8_us": oi,
                                   "torch_fp32_us": tf, "torch_int8_us": ti})

    cnn = json.load(open(os.path.join(work, "octet_cnn.json")))["results"]
    print()
    print("CNNs at batch 1, 1 thread, us/sample")
    print(f"{'model':>12} {'octet fp32':>10} {'octet int8':>10} {'torch fp32':>10} "
          f"{'torch int8':>10} {'vs o.fp32':>9} {'vs t.int8':>9}")
    out["cnn"] = []
    for model in ("fashion_cnn", "resnet18", "mobilenet_v2"):
        of = octet_us(cnn, "fp32", 1, 1, model + ".")
        oi = octet_us(cnn, "int8", 1, 1, model + ".")
        if of is None and oi is None:
            continue
        tf = torch_us(model, "fp32", 1, 1)
        ti = torch_us(model, "int8", 1, 1)
        print(f"{model:>12} {fmt(of)} {fmt(oi)} {fmt(tf)} {fmt(ti)} {ratio(of, oi)} "
              f"{ratio(ti, oi)}")
        out["cnn"].append({"model": model, "octet_fp32_us": of, "octet_int8_us": oi,
                           "torch_fp32_us": tf, "torch_int8_us": ti})
    with open(os.path.join(work, "..", "bench_kernels.json"), "w") as f:
        json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
