#!/usr/bin/python3
"""PyTorch side of scripts/bench_train: the reference recipe, one thread, one epoch.

784-50-80-30-10 nn.Sequential of Linear/ReLU, CrossEntropyLoss (mean), Adam lr 1e-3, batch 10
shuffled each epoch, seed 433, over Fashion-MNIST train read with gzip + numpy; inputs
normalized with the train set's own mean and std, as bench/train_bench.cpp does. The timed loop
is the training loop only, over tensors prepared beforehand (the fastest way to feed PyTorch:
no DataLoader, no per-item transforms), so the comparison favours PyTorch.

Prints `key: value` lines: steps_per_second, epoch_seconds (wall), epoch_cpu_seconds,
final_avg_loss, test_accuracy, blas (the BLAS libraries this process maps) and torch_blas
(what torch was built with).
Run with /usr/bin/python3 (Debian's python3-torch).
"""
import argparse
import gzip
import os
import re
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    """An IDX file (gzip or raw) as a numpy uint8 array with the header's dimensions."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    n_dims = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(n_dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * n_dims).reshape(dims)


def find_file(data_dir, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    raise SystemExit(f"train_torch.py: no {stem}[.gz] in {data_dir}")


def load_split(data_dir, prefix):
    images = read_idx(find_file(data_dir, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find_file(data_dir, f"{prefix}-labels-idx1-ubyte"))
    return images, labels


def blas_libraries():
    """Basenames of the BLAS / LAPACK libraries mapped into this process."""
    names = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            base = os.path.basename(path)
            if any(key in base for key in ("blas", "lapack", "mkl", "blis")):
                names.add(os.path.realpath(path))
    return sorted(names)


def torch_blas_info():
    """BLAS_INFO of torch's build ("generic": the system libblas.so.3, see `blas`)."""
    match = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    return match.group(1) if match else "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=433)
    args = parser.parse_args()

    torch.set_num_threads(1)
    train_images, train_labels = load_split(args.data, "train")
    test_images, test_labels = load_split(args.data, "t10k")

    # Mean and population std of train pixels / 255 in double, as octet's
    # compute_normalization; then x = (p / 255 - mean) / std in float32, make_batch's formula.
    scaled = train_images.astype(np.float64) / 255.0
    mean, std = np.float32(scaled.mean()), np.float32(scaled.std())

    def normalize(images):
        x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32))
        return (x / 255.0 - mean) / std

    x_train, y_train = normalize(train_images), torch.from_numpy(train_labels.astype(np.int64))
    x_test, y_test = normalize(test_images), torch.from_numpy(test_labels.astype(np.int64))

    torch.manual_seed(args.seed)
    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 80), nn.ReLU(),
                          nn.Linear(80, 30), nn.ReLU(), nn.Linear(30, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    batch = 10

    steps = 0
    loss_sum = 0.0
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(args.epochs):
        order = torch.randperm(len(x_train))
        loss_sum = 0.0
        for begin in range(0, len(x_train), batch):
            index = order[begin:begin + batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[index]), y_train[index])
            loss.backward()
            optimizer.step()
            loss_sum += loss.item()
            steps += 1
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    steps_per_epoch = (len(x_train) + batch - 1) // batch

    with torch.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()

    print(f"steps_per_second: {steps / seconds:.1f}")
    print(f"epoch_seconds: {seconds / args.epochs:.3f}")
    print(f"epoch_cpu_seconds: {cpu_seconds / args.epochs:.3f}")
    print(f"final_avg_loss: {loss_sum / steps_per_epoch:.4f}")
    print(f"test_accuracy: {accuracy:.4f}")
    print(f"normalize: {mean:.4f},{std:.4f}")
    print(f"blas: {' '.join(blas_libraries()) or 'none mapped'}")
    print(f"torch_blas: {torch_blas_info()}")
    print(f"torch: {torch.__version__}, threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
