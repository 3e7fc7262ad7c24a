#!/usr/bin/python3
"""Writes torchvision's resnet18 and mobilenet_v2 (random weights) as FP32 ONNX, with check data.

    /usr/bin/python3 bench/make_torchvision_models.py [OUT_DIR]   # default: <repo>/build/models

Needs Debian's python3-torch, python3-onnx, python3-numpy and python3-torchvision (0.14). The
outputs are not committed (the two models are ~60 MB together); this script remakes them, the
same on a given machine, in about a minute. In OUT_DIR:

  resnet18.onnx, mobilenet_v2.onnx      opset 13, input "input" [N,3,224,224] float32 (dynamic N),
                                        output "logits" [N,1000]; BatchNorm folded into the convs
                                        by the exporter (eval mode, constant folding)
  check_inputs.npy                      [4,3,224,224] float32 standard normal (seed 1)
  calib_inputs.npy                      [32,3,224,224] float32 standard normal (seed 2), a
                                        calibration set for `octet quantize --calib`
  NAME.check_logits.npy                 [4,1000] float32: PyTorch's FP32 output on check_inputs.npy
  NAME.json                             versions, BLAS, seeds, op list, file names and checksums,
                                        logit statistics, and how close a float64 numpy run of the
                                        saved ONNX graph came to PyTorch's output

The .npy files are NumPy format 1.0 ('<f4', C order, no pickles): the 6-byte magic "\x93NUMPY",
version bytes 1 0, a little-endian uint16 header length, the Python-dict header (space-padded,
ending in a newline), then the raw little-endian float32 values in NCHW (or [N,1000]) order.
The inputs are fed to the models as they are: no normalization (the models carry no
octet.normalize metadata).

Weights: torch.manual_seed(0) right before each torchvision constructor (weights=None), so each
model is torchvision's own random initialization. With that initialization mobilenet_v2's
activations shrink layer after layer (logits ~1e-9 on normal inputs), so its BatchNorm statistics
are first re-estimated: train mode, every BatchNorm2d's running statistics reset with
momentum=None (a cumulative average), 4 batches of 16 standard normal images (seed 3) forwarded,
then eval mode. resnet18 is left as constructed.
"""
import hashlib
import io
import os
import sys
import time

import numpy as np
import onnx
import onnx.helper
import onnx.numpy_helper
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "fixtures"))
from fixture_common import blas_in_use, dump_json  # noqa: E402  (shared with the fixture scripts)

try:
    import torchvision
except ImportError:
    sys.exit("make_torchvision_models: torchvision is missing: apt-get install python3-torchvision")

CHECK_SEED, CHECK_COUNT = 1, 4
CALIB_SEED, CALIB_COUNT = 2, 32
BN_SEED, BN_BATCHES, BN_BATCH = 3, 4, 16
MODEL_SEED = 0
SHAPE = (3, 224, 224)
REL_TOL = 1e-4


def normal_batch(seed, count):
    return torch.randn((count,) + SHAPE, generator=torch.Generator().manual_seed(seed))


def save_npy(path, array):
    array = np.ascontiguousarray(array, dtype="<f4")
    with open(path + ".tmp", "wb") as f:
        np.save(f, array, allow_pickle=False)
    os.replace(path + ".tmp", path)
    with open(path, "rb") as f:
        return {"file": os.path.basename(path), "shape": list(array.shape), "dtype": "float32",
                "bytes": os.path.getsize(path), "sha256": hashlib.sha256(f.read()).hexdigest()}


def logit_stats(t):
    t = t.double()
    return {"mean": float(t.mean()), "std": float(t.std()), "max_abs": float(t.abs().max())}


# ---------------------------------------------------------------- a float64 numpy interpreter of
# the ONNX ops these two models use, to check the saved graphs against PyTorch

def conv(x, w, b, a):
    g = a.get("group", 1)
    s = a.get("strides", [1, 1])
    d = a.get("dilations", [1, 1])
    p = a.get("pads", [0, 0, 0, 0])
    n, c, _, _ = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])))
    oh = (xp.shape[2] - d[0] * (kh - 1) - 1) // s[0] + 1
    ow = (xp.shape[3] - d[1] * (kw - 1) - 1) // s[1] + 1
    y = np.zeros((n, o, oh, ow))
    og = o // g
    for dy in range(kh):
        for dx in range(kw):
            patch = xp[:, :, dy * d[0]:dy * d[0] + s[0] * (oh - 1) + 1:s[0],
                       dx * d[1]:dx * d[1] + s[1] * (ow - 1) + 1:s[1]]
            if g == 1:
                y += np.einsum("nchw,oc->nohw", patch, w[:, :, dy, dx], optimize=True)
            elif cg == 1 and og == 1:                       # depthwise
                y += patch * w[None, :, 0, dy, dx, None, None]
            else:
                for k in range(g):
                    y[:, k * og:(k + 1) * og] += np.einsum(
                        "nchw,oc->nohw", patch[:, k * cg:(k + 1) * cg], w[k * og:(k + 1) * og, :, dy, dx],
                        optimize=True)
    return y + (b[None, :, None, None] if b is not None else 0)


def max_pool(x, a):
    kh, kw = a["kernel_shape"]
    s = a.get("strides", [1, 1])
    p = a.get("pads", [0, 0, 0, 0])
    assert not a.get("ceil_mode", 0) and a.get("dilations", [1, 1]) == [1, 1]
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])), constant_values=-np.inf)
    oh = (xp.shape[2] - kh) // s[0] + 1
    ow = (xp.shape[3] - kw) // s[1] + 1
    y = np.full(x.shape[:2] + (oh, ow), -np.inf)
    for dy in range(kh):
        for dx in range(kw):
            y = np.maximum(y, xp[:, :, dy:dy + s[0] * (oh - 1) + 1:s[0], dx:dx + s[1] * (ow - 1) + 1:s[1]])
    return y


def run_onnx_numpy(model, x):
    g = model.graph
    env = {i.name: onnx.numpy_helper.to_array(i).astype(np.float64) for i in g.initializer}
    env[g.input[0].name] = x.astype(np.float64)
    for node in g.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        ins = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Conv":
            r = conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a)
        elif op == "Relu":
            r = np.maximum(ins[0], 0)
        elif op == "Clip":
            lo = ins[1] if len(ins) > 1 and ins[1] is not None else -np.inf
            hi = ins[2] if len(ins) > 2 and ins[2] is not None else np.inf
            r = np.clip(ins[0], lo, hi)
        elif op == "Constant":
            r = onnx.numpy_helper.to_array(a["value"]).astype(np.float64)
        elif op == "Add":
            r = ins[0] + ins[1]
        elif op == "MaxPool":
            r = max_pool(ins[0], a)
        elif op == "GlobalAveragePool":
            r = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            r = ins[0].reshape(int(np.prod(ins[0].shape[:a.get("axis", 1)])), -1)
        elif op == "Gemm":
            assert a.get("transA", 0) == 0
            w = ins[1].T if a.get("transB", 0) else ins[1]
            r = a.get("alpha", 1.0) * (ins[0] @ w) + a.get("beta", 1.0) * ins[2]
        elif op == "Identity":
            r = ins[0]
        else:
            raise ValueError(f"numpy check: op {op} not supported")
        env[node.output[0]] = r
    return env[g.output[0].name]


# ---------------------------------------------------------------- the models

def reestimate_bn(model):
    """Cumulative BatchNorm statistics over a few batches of standard normal inputs."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    batches = normal_batch(BN_SEED, BN_BATCHES * BN_BATCH)
    with torch.no_grad():
        for i in range(BN_BATCHES):
            model(batches[i * BN_BATCH:(i + 1) * BN_BATCH])
    model.eval()
    return {"layers": len(bns), "batches": BN_BATCHES, "batch": BN_BATCH, "seed": BN_SEED,
            "method": "reset_running_stats(), momentum=None (cumulative average), train mode, "
                      f"{BN_BATCHES} batches of {BN_BATCH} torch.randn images "
                      f"(torch.Generator().manual_seed({BN_SEED}), one [{BN_BATCHES * BN_BATCH},3,224,224] "
                      "draw split in order), then eval mode"}


def identity_nodes(model):
    """What each Identity node copies and who reads it. (The exporter deduplicates equal
    initializers and re-creates the duplicates as Identity nodes; in resnet18 these are the
    all-zero conv biases that folding BatchNorm with fresh running statistics gives.)"""
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in model.graph.initializer}
    readers = {}
    for n in model.graph.node:
        for i in n.input:
            readers.setdefault(i, []).append(n.op_type)
    out = {}
    for n in model.graph.node:
        if n.op_type == "Identity":
            src = n.input[0]
            e = out.setdefault(src, {"initializer": src in inits, "copies": 0, "read_by": []})
            if src in inits:
                e["dims"], e["all_zero"] = list(inits[src].shape), bool((inits[src] == 0).all())
            e["copies"] += 1
            e["read_by"] = sorted(set(e["read_by"] + readers.get(n.output[0], [])))
    return out


def make(name, out_dir, check_inputs, common):
    print(f"{name}: building", file=sys.stderr)
    torch.manual_seed(MODEL_SEED)
    model = getattr(torchvision.models, name)(weights=None).eval()
    with torch.no_grad():
        before = model(check_inputs)
    record = {"model": name, "constructor": f"torchvision.models.{name}(weights=None) after "
                                            f"torch.manual_seed({MODEL_SEED})"} | common
    record["parameters"] = int(sum(p.numel() for p in model.parameters()))
    if name == "mobilenet_v2":
        record["bn_reestimation"] = reestimate_bn(model)
        record["logits_before_bn_reestimation"] = logit_stats(before)
    else:
        record["bn_reestimation"] = None
    with torch.no_grad():
        logits = model(check_inputs)
    record["logits_stats"] = logit_stats(logits)
    record["check_predictions"] = logits.argmax(1).tolist()

    f = io.BytesIO()
    t0 = time.time()
    torch.onnx.export(model, check_inputs[:1], f, opset_version=13, input_names=["input"],
                      output_names=["logits"], do_constant_folding=True,
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    onnx_model = onnx.load_from_string(f.getvalue())
    onnx.checker.check_model(onnx_model)
    onnx_path = os.path.join(out_dir, f"{name}.onnx")
    onnx.save(onnx_model, onnx_path + ".tmp")
    os.replace(onnx_path + ".tmp", onnx_path)
    ops = [n.op_type for n in onnx_model.graph.node]
    counts = {op: ops.count(op) for op in sorted(set(ops))}
    clips = []
    producers = {m.output[0]: m for m in onnx_model.graph.node}
    for n in onnx_model.graph.node:
        if n.op_type == "Clip":
            bounds = []
            for inp in n.input[1:]:
                src = producers.get(inp)
                bounds.append(f"{src.op_type} {float(onnx.numpy_helper.to_array(src.attribute[0].t))}"
                              if src is not None and src.op_type == "Constant" else inp)
            clips.append(bounds)
    print(f"{onnx_path} ({os.path.getsize(onnx_path)} bytes, export {time.time() - t0:.1f} s): "
          f"{counts}", file=sys.stderr)
    record["graph"] = {"file": os.path.basename(onnx_path), "bytes": os.path.getsize(onnx_path),
                      "opset": 13,
                      "export": "torch.onnx.export(model.eval(), opset_version=13, "
                                "do_constant_folding=True, dynamic_axes N on input and logits)",
                      "input": {"name": "input", "shape": ["N", 3, 224, 224]},
                      "output": {"name": "logits", "shape": ["N", 1000]},
                      "nodes": len(ops), "op_counts": counts, "ops": ops,
                      "clip_bounds": sorted(set(map(tuple, clips))) if clips else [],
                      "identity_nodes": identity_nodes(onnx_model),
                      "initializers": len(onnx_model.graph.initializer),
                      "metadata_props": {p.key: p.value for p in onnx_model.metadata_props}}
    record["check_logits"] = save_npy(os.path.join(out_dir, f"{name}.check_logits.npy"), logits.numpy())

    ref = run_onnx_numpy(onnx.load(onnx_path), check_inputs.numpy())
    diff = np.abs(ref - logits.numpy().astype(np.float64))
    scale = np.abs(ref).max(axis=1)
    record["onnx_numpy_check"] = {
        "method": "the saved ONNX graph interpreted op by op in float64 numpy on check_inputs.npy, "
                  "against PyTorch's float32 output; rel = max|diff| / max|logit|, per image",
        "max_abs_diff": float(diff.max()),
        "max_rel_diff": float((diff.max(axis=1) / scale).max()),
        "predictions_equal": bool((ref.argmax(1) == logits.numpy().argmax(1)).all())}
    print(f"{name}: numpy check {record['onnx_numpy_check']}", file=sys.stderr)
    assert record["onnx_numpy_check"]["max_rel_diff"] < REL_TOL
    record["tolerance"] = (f"an FP32 runtime passes when, for every image, max|out - check_logits| "
                           f"<= {REL_TOL} * max|check_logits| of that image")
    dump_json(record, os.path.join(out_dir, f"{name}.json"))
    return record


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "build", "models")
    if len(sys.argv) > 2 or out_dir.startswith("-"):
        sys.exit(__doc__)
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    blas = blas_in_use()
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, onnx "
          f"{onnx.__version__}, BLAS: {blas}", file=sys.stderr)
    check_inputs = normal_batch(CHECK_SEED, CHECK_COUNT)
    calib_inputs = normal_batch(CALIB_SEED, CALIB_COUNT)
    common = {"generator": "bench/make_torchvision_models.py", "torch": torch.__version__,
              "torchvision": torchvision.__version__, "onnx": onnx.__version__,
              "numpy": np.__version__, "blas": blas, "torch_num_threads": 1,
              "check_inputs": save_npy(os.path.join(out_dir, "check_inputs.npy"), check_inputs.numpy())
              | {"method": f"torch.randn([{CHECK_COUNT},3,224,224], generator=torch.Generator()"
                           f".manual_seed({CHECK_SEED}))"},
              "calib_inputs": save_npy(os.path.join(out_dir, "calib_inputs.npy"), calib_inputs.numpy())
              | {"method": f"torch.randn([{CALIB_COUNT},3,224,224], generator=torch.Generator()"
                           f".manual_seed({CALIB_SEED}))"},
              "npy_format": "NumPy .npy 1.0, dtype '<f4', C order, NCHW (check_logits: [N,1000])",
              "normalization": "none: the arrays are the model inputs as they are"}
    for name in ["resnet18", "mobilenet_v2"]:
        make(name, out_dir, check_inputs, common)
    print(f"wrote {out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
