#!/usr/bin/python3
"""PyTorch eager-mode PTQ of an octet FP32 MLP (ONNX), for comparing octet's accuracy with PyTorch's.

    /usr/bin/python3 scripts/torch_ptq_reference.py --model FP32.onnx --data DIR
        [--calib-count 1000] [--seed 433] [--calib-set train|test] [--qconfig default|onednn]
        [--mean M --std S] [--calib-batch B]

The model must be a chain Flatten -> (Gemm [-> Relu])* as octet writes it (initializers
fcK.weight [out, in] and fcK.bias; any Gemm with alpha = beta = 1 is accepted). Its weights go
into an equivalent PyTorch module whose Linear+ReLU pairs are fused (the activation observer sits
after the ReLU, as in octet). The calibration images are drawn from DIR's IDX files with octet's
own sampler (SplitMix64, ported below), normalized with the model's octet.normalize metadata (or
--mean/--std), and PTQ runs in a FRESH PROCESS with torch.ao.quantization.default_qconfig (or
get_default_qconfig('onednn')) on the onednn engine. Both models are evaluated on the whole test
set. Prints one JSON object on stdout:
    {"fp32_accuracy", "int8_accuracy", "agreement", "qconfig", "engine", "torch", "blas", ...}
Needs only Debian's python3-torch, python3-numpy and python3-onnx; octet itself never runs it.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnx.helper
import onnx.numpy_helper
import torch
import torch.nn as nn
from torch.ao.quantization import DeQuantStub, QuantStub

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures"))
from fixture_common import sample_indices, read_idx, normalize, blas_in_use  # noqa: E402

ENGINE = "onednn"   # Debian's PyTorch 1.13 has onednn and qnnpack, no fbgemm


# ---------------------------------------------------------------- ONNX MLP -> PyTorch

def load_onnx_mlp(path):
    """Returns ([(weight [out, in] float32, bias [out] float32, relu, gemm node name)], metadata).
    Accepts exactly Flatten -> (Gemm [-> Relu])*, each node consuming the previous one."""
    model = onnx.load(path)
    g = model.graph
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in g.initializer}
    nodes = list(g.node)
    if not nodes or nodes[0].op_type != "Flatten":
        raise ValueError(f"{path}: expected the graph to start with Flatten, got "
                         f"{nodes[0].op_type if nodes else 'no nodes'}")
    layers, prev = [], nodes[0].output[0]
    for node in nodes[1:]:
        where = f"{path}: node '{node.name}' ({node.op_type})"
        if node.input[0] != prev:
            raise ValueError(f"{where}: input '{node.input[0]}' is not the previous output '{prev}'")
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "Gemm":
            if attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0 or attrs.get("transA", 0):
                raise ValueError(f"{where}: only alpha = beta = 1, transA = 0 is supported")
            w = inits[node.input[1]].astype(np.float32)
            if not attrs.get("transB", 0):
                w = w.T
            b = inits[node.input[2]].astype(np.float32) if len(node.input) > 2 else np.zeros(w.shape[0], np.float32)
            if layers and layers[-1][0].shape[0] != w.shape[1]:
                raise ValueError(f"{where}: weight {w.shape} does not follow {layers[-1][0].shape}")
            layers.append([np.ascontiguousarray(w), b, False, node.name])
        elif node.op_type == "Relu" and layers and not layers[-1][2]:
            layers[-1][2] = True
        else:
            raise ValueError(f"{where}: unsupported here (expected Gemm or one Relu after a Gemm)")
        prev = node.output[0]
    if not layers:
        raise ValueError(f"{path}: no Gemm layers")
    return layers, {p.key: p.value for p in model.metadata_props}


class FusableMLP(nn.Module):
    """QuantStub -> Flatten -> fc1 [-> relu1] -> ... -> DeQuantStub (stubs are identities in FP32)."""

    def __init__(self, layers):
        super().__init__()
        self.quant, self.flatten, self.dequant = QuantStub(), nn.Flatten(), DeQuantStub()
        self.relu_after = [relu for _, _, relu, _ in layers]
        for k, (w, b, relu, _) in enumerate(layers):
            fc = nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                fc.weight.copy_(torch.from_numpy(w))
                fc.bias.copy_(torch.from_numpy(b))
            setattr(self, f"fc{k + 1}", fc)
            if relu:
                setattr(self, f"relu{k + 1}", nn.ReLU())

    def forward(self, x):
        x = self.flatten(self.quant(x))
        for k, relu in enumerate(self.relu_after):
            x = getattr(self, f"fc{k + 1}")(x)
            if relu:
                x = getattr(self, f"relu{k + 1}")(x)
        return self.dequant(x)


def qconfig_by_name(name):
    if name == "default":
        return torch.ao.quantization.default_qconfig
    return torch.ao.quantization.get_default_qconfig(name)


# ---------------------------------------------------------------- the fresh quantization process

def quantize_worker(workdir):
    torch.set_num_threads(1)
    torch.backends.quantized.engine = ENGINE
    blob = torch.load(os.path.join(workdir, "in.pt"))
    model = FusableMLP(blob["layers"]).eval()
    pairs = [[f"fc{k + 1}", f"relu{k + 1}"] for k, r in enumerate(model.relu_after) if r]
    if pairs:
        torch.ao.quantization.fuse_modules(model, pairs, inplace=True)
    model.qconfig = qconfig_by_name(blob["qconfig"])
    torch.ao.quantization.prepare(model, inplace=True)
    calib, step = blob["calib_inputs"], blob["calib_batch"] or len(blob["calib_inputs"])
    with torch.no_grad():
        for i in range(0, len(calib), step):
            model(calib[i:i + step])
    torch.ao.quantization.convert(model, inplace=True)
    qparams = {"input": {"scale": float(model.quant.scale), "zero_point": int(model.quant.zero_point)}}
    for k in range(len(model.relu_after)):
        fc = getattr(model, f"fc{k + 1}")
        w = fc.weight()
        if w.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
            w_scale = w.q_per_channel_scales().tolist()
        else:
            w_scale = w.q_scale()
        qparams[f"fc{k + 1}"] = {"scale": float(fc.scale), "zero_point": int(fc.zero_point),
                                 "weight_scale": w_scale}
    preds = []
    with torch.no_grad():
        for i in range(0, len(blob["test_inputs"]), 1000):
            preds.append(model(blob["test_inputs"][i:i + 1000]).argmax(1))
    torch.save({"pred": torch.cat(preds), "qparams": qparams, "blas": blas_in_use(),
                "engine": torch.backends.quantized.engine, "qconfig": repr(model.qconfig)
                if hasattr(model, "qconfig") else repr(qconfig_by_name(blob["qconfig"]))},
               os.path.join(workdir, "out.pt"))


# ---------------------------------------------------------------- main

def parse_normalize(text, source):
    parts = text.split(",")
    if len(parts) != 2:
        raise ValueError(f"{source}: '{text}' is not 'MEAN,STD' (one channel)")
    mean, std = (float(np.float32(float(p))) for p in parts)
    if not std > 0:
        raise ValueError(f"{source}: std {std} must be > 0")
    return mean, std


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":   # the fresh process started below
        return quantize_worker(sys.argv[2])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="FP32 ONNX MLP (Flatten, Gemm, Relu)")
    ap.add_argument("--data", required=True, help="folder with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]")
    ap.add_argument("--calib-count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=433, help="octet's calibration sampler seed")
    ap.add_argument("--calib-set", choices=["train", "test"], default="train")
    ap.add_argument("--calib-batch", type=int, default=0,
                    help="calibration batch size (0: all images in one batch; MinMax does not care)")
    ap.add_argument("--qconfig", choices=["default", "onednn"], default="default",
                    help="default: torch.ao.quantization.default_qconfig; onednn: get_default_qconfig('onednn')")
    ap.add_argument("--mean", type=float, help="overrides the model's octet.normalize (with --std)")
    ap.add_argument("--std", type=float)
    args = ap.parse_args()

    torch.set_num_threads(1)
    layers, metadata = load_onnx_mlp(args.model)
    if (args.mean is None) != (args.std is None):
        ap.error("--mean and --std go together")
    if args.mean is not None:
        mean, std = parse_normalize(f"{args.mean},{args.std}", "--mean/--std")
        norm_source = "flags"
    elif "octet.normalize" in metadata:
        mean, std = parse_normalize(metadata["octet.normalize"], f"{args.model}: metadata octet.normalize")
        norm_source = "metadata"
    else:
        mean, std, norm_source = 0.0, 1.0, "none (pixels / 255)"

    prefix = {"train": "train", "test": "t10k"}
    calib_x = read_idx(os.path.join(args.data, f"{prefix[args.calib_set]}-images-idx3-ubyte"))
    test_x = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte"))
    test_y = read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte")).astype(np.int64)
    calib_idx = sample_indices(len(calib_x), args.calib_count, args.seed)
    calib_inputs = normalize(torch.from_numpy(calib_x[calib_idx].copy()).unsqueeze(1), mean, std)
    test_inputs = normalize(torch.from_numpy(test_x.copy()).unsqueeze(1), mean, std)

    fp32 = FusableMLP(layers).eval()
    with torch.no_grad():
        fp32_pred = fp32(test_inputs).argmax(1).numpy()
    blas = blas_in_use()

    with tempfile.TemporaryDirectory() as workdir:
        torch.save({"layers": layers, "calib_inputs": calib_inputs, "test_inputs": test_inputs,
                    "qconfig": args.qconfig, "calib_batch": args.calib_batch},
                   os.path.join(workdir, "in.pt"))
        subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", workdir], check=True)
        res = torch.load(os.path.join(workdir, "out.pt"))
    int8_pred = res["pred"].numpy()

    print(json.dumps({
        "fp32_accuracy": float((fp32_pred == test_y).mean()),
        "int8_accuracy": float((int8_pred == test_y).mean()),
        "agreement": float((int8_pred == fp32_pred).mean()),
        "qconfig": args.qconfig, "qconfig_repr": res["qconfig"],
        "engine": res["engine"], "torch": torch.__version__, "blas": blas,
        "model": args.model, "data": args.data, "test_count": int(len(test_y)),
        "calib_set": args.calib_set, "calib_count": args.calib_count, "seed": args.seed,
        "calib_indices_head": calib_idx[:10],
        "normalize": {"mean": mean, "std": std, "source": norm_source},
        "layers": [{"gemm": name, "out": int(w.shape[0]), "in": int(w.shape[1]), "relu": relu}
                   for w, _, relu, name in layers],
        "qparams": res["qparams"],
    }))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, OSError, subprocess.CalledProcessError) as e:
        print(f"torch_ptq_reference: {e}", file=sys.stderr)
        sys.exit(2 if isinstance(e, ValueError) else 1)
