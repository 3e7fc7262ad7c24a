#!/usr/bin/python3
"""PyTorch's own post-training quantization of the models scripts/bench_cnn_models checks, as the
reference for octet's int8 SQNR on them.

    /usr/bin/python3 bench/torch_ptq_cnn_reference.py [MODELS_DIR]   # default: <repo>/build/models

MODELS_DIR is what bench/make_torchvision_models.py wrote (check_inputs.npy, calib_inputs.npy,
NAME.check_logits.npy). Each model is rebuilt exactly as that script builds it (its functions,
same seeds; the FP32 logits are checked against NAME.check_logits.npy), then quantized with
torch.ao.quantization's FX graph mode (prepare_fx with get_default_qconfig_mapping(BACKEND),
calibration on all of calib_inputs.npy in batches of 8, convert_fx) for each backend, each in a
fresh process (PyTorch 1.13's onednn engine can reuse a cached kernel with a stale zero point
across models of the same shapes). Printed per model and backend: SQNR of the int8 logits on
check_inputs.npy against the FP32 logits, 10 log10(sum fp32^2 / sum (fp32 - int8)^2), the
formula of bench/cnn_models_check.cpp. Also the SQNR when only the model input is quantized
(uint8, min/max of calib_inputs.npy, 8 and 7 bits) and the rest runs in FP32: a ceiling for any
int8 model that quantizes its input per tensor. JSON: MODELS_DIR/torch_ptq_reference.json.
"""
import json
import os
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_torchvision_models as mtm  # noqa: E402  (the models and their seeds)

# fbgemm (and x86, which runs on it) is not in Debian's python3-torch build ("quantized engine
# FBGEMM is not supported"), so the server backend cannot be measured here.
BACKENDS = ["qnnpack", "onednn"]
MODELS = ["resnet18", "mobilenet_v2"]
CALIB_BATCH = 8


def build(name, models_dir):
    """The FP32 model exactly as make_torchvision_models.make builds it, checked."""
    torch.manual_seed(mtm.MODEL_SEED)
    model = getattr(mtm.torchvision.models, name)(weights=None).eval()
    if name == "mobilenet_v2":
        mtm.reestimate_bn(model)
    check = torch.from_numpy(np.load(os.path.join(models_dir, "check_inputs.npy")))
    with torch.no_grad():
        logits = model(check)
    saved = np.load(os.path.join(models_dir, f"{name}.check_logits.npy"))
    rel = float(np.abs(logits.numpy() - saved).max() / np.abs(saved).max())
    if rel > mtm.REL_TOL:
        sys.exit(f"{name}: rebuilt model differs from {name}.check_logits.npy (rel {rel:.2e})")
    return model, check, logits


def sqnr_db(ref, test):
    ref = ref.double()
    err = (ref - test.double()).pow(2).sum().item()
    return float("inf") if err == 0 else 10.0 * np.log10(ref.pow(2).sum().item() / err)


def input_only(model, check, fp32_logits, calib, bits):
    """SQNR with only the input fake-quantized (uint8 affine per tensor, calibration min/max)."""
    lo, hi = min(float(calib.min()), 0.0), max(float(calib.max()), 0.0)
    qmax = (1 << bits) - 1
    scale = (hi - lo) / qmax
    zp = int(round(-lo / scale))
    x = torch.fake_quantize_per_tensor_affine(check, scale, zp, 0, qmax)
    with torch.no_grad():
        return sqnr_db(fp32_logits, model(x))


def quantized_sqnr(name, backend, models_dir):
    """One backend in this process: prepare_fx, calibrate, convert_fx, SQNR on check_inputs."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = backend
    model, check, fp32_logits = build(name, models_dir)
    calib = torch.from_numpy(np.load(os.path.join(models_dir, "calib_inputs.npy")))
    prepared = prepare_fx(model, get_default_qconfig_mapping(backend), example_inputs=(check[:1],))
    with torch.no_grad():
        for i in range(0, calib.shape[0], CALIB_BATCH):
            prepared(calib[i:i + CALIB_BATCH])
        quantized = convert_fx(prepared)
        int8_logits = quantized(check)
    return sqnr_db(fp32_logits, int8_logits)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--one":  # child: one model, one backend
        name, backend = sys.argv[2], sys.argv[3]
        print(json.dumps({"sqnr_db": quantized_sqnr(name, backend, os.environ["MODELS_DIR"])}))
        return
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1].startswith("-")):
        sys.exit(__doc__)
    models_dir = sys.argv[1] if len(sys.argv) == 2 else os.path.join(os.path.dirname(HERE),
                                                                       "build", "models")
    torch.set_num_threads(1)
    result = {"generator": "bench/torch_ptq_cnn_reference.py", "torch": torch.__version__,
              "blas": mtm.blas_in_use(), "calibration": f"all of calib_inputs.npy, batches of "
              f"{CALIB_BATCH}", "models": []}
    print(f"torch {torch.__version__}, BLAS: {result['blas']}", file=sys.stderr)
    print(f"{'model':<14}{'what':<44}{'SQNR dB':>9}")
    for name in MODELS:
        model, check, fp32_logits = build(name, models_dir)
        calib = torch.from_numpy(np.load(os.path.join(models_dir, "calib_inputs.npy")))
        row = {"model": name, "backends": {}, "input_only": {}}
        for bits in (8, 7):
            row["input_only"][f"{bits}-bit"] = input_only(model, check, fp32_logits, calib, bits)
            print(f"{name:<14}{f'input quantized alone ({bits}-bit), rest FP32':<44}"
                  f"{row['input_only'][f'{bits}-bit']:>9.2f}")
        for backend in BACKENDS:
            child = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", name,
                                    backend], env=dict(os.environ, MODELS_DIR=models_dir),
                                   capture_output=True, text=True)
            if child.returncode != 0:
                row["backends"][backend] = {"error": child.stderr.strip().splitlines()[-1:]}
                print(f"{name:<14}{f'FX PTQ {backend}':<44}{'error':>9}")
                continue
            sqnr = json.loads(child.stdout.strip().splitlines()[-1])["sqnr_db"]
            row["backends"][backend] = {"sqnr_db": sqnr}
            print(f"{name:<14}{f'FX PTQ, default qconfig mapping ({backend})':<44}{sqnr:>9.2f}")
        result["models"].append(row)
    out = os.path.join(models_dir, "torch_ptq_reference.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
