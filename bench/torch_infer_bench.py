#!/usr/bin/python3
"""PyTorch side of scripts/bench_kernels: inference time of one model at one precision.

One process per (model, precision, threads), as the quantized engine keeps global state:
  mlp       784-50-80-30-10 nn.Sequential of Linear/ReLU (the reference MLP).
  resnet18  torchvision resnet18 (its quantizable twin for int8), 3x224x224 inputs.
  mobilenet_v2  torchvision mobilenet_v2 (its quantizable twin for int8), 3x224x224 inputs.
int8 is eager-mode post-training quantization with the 'onednn' engine and its default qconfig
(uint8 activations, int8 per-channel weights), calibrated on 32 random batches, input
quantization (QuantStub) included in the timed run, as octet's QuantizeLinear is. Weights are
random (speed does not depend on them); inputs are random normal.

Prints one JSON object: {"model", "precision", "threads", "results": [{"batch", "us_per_sample"}]}.
Timing: warm-up, then the median of groups of runs lasting about a millisecond each.
"""
import argparse
import json
import statistics
import sys
import time

import torch
from torch import nn


def mlp():
    return nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 80), nn.ReLU(),
                         nn.Linear(80, 30), nn.ReLU(), nn.Linear(30, 10))


class Quantized(nn.Module):
    def __init__(self, body):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.body = body
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        return self.dequant(self.body(self.quant(x)))


def build(name, precision, sample_shape):
    torch.manual_seed(0)
    if name == "mlp":
        model = mlp() if precision == "fp32" else Quantized(mlp())
    else:
        import torchvision
        if precision == "fp32":
            model = getattr(torchvision.models, name)()
        else:
            model = getattr(torchvision.models.quantization, name)(quantize=False)
    model.eval()
    if precision == "fp32":
        return model
    torch.backends.quantized.engine = "onednn"
    if name != "mlp":
        model.fuse_model()
    model.qconfig = torch.ao.quantization.get_default_qconfig("onednn")
    torch.ao.quantization.prepare(model, inplace=True)
    with torch.no_grad():
        for _ in range(32 if name == "mlp" else 4):
            model(torch.randn(8, *sample_shape))
    torch.ao.quantization.convert(model, inplace=True)
    return model


def time_batch(model, x, seconds):
    with torch.no_grad():
        start = time.perf_counter()
        model(x)
        first = max(time.perf_counter() - start, 1e-7)
        reps = int(min(max(1e-3 / first, 1), 10000))
        for _ in range(reps):
            model(x)
        runs = []
        budget = time.perf_counter()
        while len(runs) < 5 or (time.perf_counter() - budget < seconds and len(runs) < 1000):
            start = time.perf_counter()
            for _ in range(reps):
                model(x)
            runs.append((time.perf_counter() - start) / reps)
    return statistics.median(runs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["mlp", "resnet18", "mobilenet_v2"], required=True)
    parser.add_argument("--precision", choices=["fp32", "int8"], required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", default="1,10,10000")
    parser.add_argument("--seconds", type=float, default=0.5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    sample_shape = (784,) if args.model == "mlp" else (3, 224, 224)
    model = build(args.model, args.precision, sample_shape)
    results = []
    for batch in [int(b) for b in args.batch.split(",")]:
        x = torch.randn(batch, *sample_shape)
        seconds = time_batch(model, x, args.seconds)
        results.append({"batch": batch, "us_per_sample": seconds * 1e6 / batch})
    json.dump({"model": args.model, "precision": args.precision, "threads": args.threads,
               "torch": torch.__version__, "results": results}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
