#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into tests/fuzz/corpus/<target>/: small valid
inputs of every kind each loader accepts, plus hand-made broken ones (truncated, wrong magic,
lying headers). Standard library only: ONNX models are encoded with the few protobuf rules they
need (varints and length-delimited fields), so no onnx package is required.

Run from anywhere: python3 tests/fuzz/make_corpus.py (deterministic: same bytes every time)."""
import gzip
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- IDX -------------------------------------------------------------------------------------
def idx_images(n, rows, cols, pixels=None):
    head = struct.pack(">IIII", 0x803, n, rows, cols)
    body = bytes(pixels if pixels is not None else [(i * 37) % 256 for i in range(n * rows * cols)])
    return head + body


def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)


def gz(data):
    return gzip.compress(data, mtime=0)


def make_idx():
    img = idx_images(2, 3, 3)
    write("idx", "images_2x3x3", img)
    write("idx", "images_2x3x3.gz", gz(img))
    write("idx", "labels_3", idx_labels([0, 9, 4]))
    write("idx", "labels_3.gz", gz(idx_labels([0, 9, 4])))
    write("idx", "images_truncated_header", img[:10])
    write("idx", "images_truncated_pixels", img[:20])
    write("idx", "images_trailing", img + b"\x00\x01")
    write("idx", "images_huge_count", struct.pack(">IIII", 0x803, 0x7FFFFFFF, 28, 28) + b"\0" * 16)
    write("idx", "images_zero_rows", struct.pack(">IIII", 0x803, 1, 0, 28))
    write("idx", "wrong_magic_float", struct.pack(">IIII", 0x0D03, 1, 1, 1) + b"\0" * 4)
    write("idx", "gzip_truncated", gz(img)[:25])
    write("idx", "gzip_two_members", gz(img[:16]) + gz(img[16:]))
    write("idx", "gzip_trailing_garbage", gz(idx_labels([1, 2])) + b"junk")


# ---- NPY -------------------------------------------------------------------------------------
def npy(descr, shape, data, major=1, fortran=False):
    shape_txt = "(" + "".join(f"{d}, " for d in shape).rstrip(" ") + ")" if len(shape) != 1 else f"({shape[0]},)"
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", shape_txt)
    pre = 10 if major == 1 else 12
    header += " " * ((64 - (pre + len(header) + 1) % 64) % 64) + "\n"
    length = struct.pack("<H", len(header)) if major == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([major, 0]) + length + header.encode() + data


def f32(values):
    return struct.pack("<%df" % len(values), *values)


def make_npy():
    write("npy", "f4_2x3", npy("<f4", (2, 3), f32([0.5, -1, 2, 3, 4.25, 0])))
    write("npy", "f4_1x1x2x2", npy("<f4", (1, 1, 2, 2), f32([0.1, 0.2, 0.3, 0.4])))
    write("npy", "u1_4", npy("|u1", (4,), bytes([0, 1, 254, 255])))
    write("npy", "v2_f4_2", npy("<f4", (2,), f32([1, 2]), major=2))
    write("npy", "nan", npy("<f4", (2,), f32([1, float("nan")])))
    write("npy", "inf", npy("<f4", (1, 2), f32([float("inf"), 1])))
    write("npy", "truncated_data", npy("<f4", (2, 3), f32([1, 2, 3])))
    write("npy", "truncated_header", npy("<f4", (2,), f32([1, 2]))[:30])
    write("npy", "huge_shape", npy("<f4", (1 << 40, 1 << 40), b""))
    write("npy", "zero_dim", npy("<f4", (0, 3), b""))
    write("npy", "f8", npy("<f8", (1,), struct.pack("<d", 1.0)))
    write("npy", "fortran", npy("<f4", (1, 1), f32([1]), fortran=True))
    write("npy", "bad_magic", b"\x93NUMPZ" + npy("<f4", (1,), f32([1]))[6:])


# ---- ONNX (protobuf by hand) -----------------------------------------------------------------
def varint(v):
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def field_varint(num, v):
    return varint(num << 3) + varint(v)


def field_bytes(num, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(num << 3 | 2) + varint(len(data)) + data


def field_float(num, v):
    return varint(num << 3 | 5) + struct.pack("<f", v)


FLOAT, UINT8, INT8, INT32, INT64 = 1, 2, 3, 6, 7


def tensor(name, dtype, dims, raw):
    return (b"".join(field_varint(1, d) for d in dims) + field_varint(2, dtype) +
            field_bytes(8, name) + field_bytes(9, raw))


def value_info(name, elem_type, dims):
    shape = b"".join(field_bytes(1, field_varint(1, d) if isinstance(d, int) else field_bytes(2, d))
                     for d in dims)
    tensor_type = field_varint(1, elem_type) + field_bytes(2, shape)
    return field_bytes(1, name) + field_bytes(2, field_bytes(1, tensor_type))


def attr_int(name, v):
    return field_bytes(1, name) + field_varint(3, v) + field_varint(20, 2)


def attr_float(name, v):
    return field_bytes(1, name) + field_float(2, v) + field_varint(20, 1)


def attr_ints(name, vs):
    return field_bytes(1, name) + b"".join(field_varint(8, v) for v in vs) + field_varint(20, 7)


def node(op, inputs, outputs, name="", attrs=()):
    return (b"".join(field_bytes(1, i) for i in inputs) + b"".join(field_bytes(2, o) for o in outputs) +
            field_bytes(3, name) + field_bytes(4, op) + b"".join(field_bytes(5, a) for a in attrs))


def model(nodes, inits, inputs, outputs, opset=13, metadata=()):
    graph = (b"".join(field_bytes(1, n) for n in nodes) + field_bytes(2, "g") +
             b"".join(field_bytes(5, t) for t in inits) + b"".join(field_bytes(11, i) for i in inputs) +
             b"".join(field_bytes(12, o) for o in outputs))
    meta = b"".join(field_bytes(14, field_bytes(1, k) + field_bytes(2, v)) for k, v in metadata)
    return (field_varint(1, 8) + field_bytes(2, "make_corpus") + field_bytes(7, graph) +
            field_bytes(8, field_bytes(1, "") + field_varint(2, opset)) + meta)


def make_onnx():
    w = tensor("W", FLOAT, [4, 3], f32([0.1 * i - 0.5 for i in range(12)]))
    b = tensor("B", FLOAT, [3], f32([0.1, 0, -0.1]))
    x = value_info("x", FLOAT, ["N", 4])
    y = value_info("y", FLOAT, ["N", 3])
    gemm = node("Gemm", ["x", "W", "B"], ["h"], "fc")
    relu = node("Relu", ["h"], ["y"], "relu")
    write("onnx", "gemm_relu.onnx", model([gemm, relu], [w, b], [x], [y], metadata=[("octet.normalize", "0.1307,0.3081")]))
    # QDQ: Q(x) -> DQ -> MatMul with DQ(int8 W) -> Add(DQ(int32 bias)) -> Q -> DQ.
    s_x = tensor("s_x", FLOAT, [], f32([0.02]))
    z_x = tensor("z_x", UINT8, [], bytes([128]))
    w_q = tensor("w_q", INT8, [4, 3], bytes([(i * 29) % 256 for i in range(12)]))
    s_w = tensor("s_w", FLOAT, [3], f32([0.01, 0.02, 0.03]))
    z_w = tensor("z_w", INT8, [3], bytes(3))
    b_q = tensor("b_q", INT32, [3], struct.pack("<3i", 10, -5, 0))
    s_b = tensor("s_b", FLOAT, [3], f32([0.0002, 0.0004, 0.0006]))
    z_b = tensor("z_b", INT32, [3], bytes(12))
    s_y = tensor("s_y", FLOAT, [], f32([0.05]))
    z_y = tensor("z_y", UINT8, [], bytes([0]))
    qdq_nodes = [
        node("QuantizeLinear", ["x", "s_x", "z_x"], ["xq"], "q_in"),
        node("DequantizeLinear", ["xq", "s_x", "z_x"], ["xd"], "dq_in"),
        node("DequantizeLinear", ["w_q", "s_w", "z_w"], ["wd"], "dq_w", [attr_int("axis", 1)]),
        node("DequantizeLinear", ["b_q", "s_b", "z_b"], ["bd"], "dq_b", [attr_int("axis", 0)]),
        node("MatMul", ["xd", "wd"], ["mm"], "fc"),
        node("Add", ["mm", "bd"], ["h"], "fc_bias"),
        node("Relu", ["h"], ["r"], "relu"),
        node("QuantizeLinear", ["r", "s_y", "z_y"], ["rq"], "q_out"),
        node("DequantizeLinear", ["rq", "s_y", "z_y"], ["y"], "dq_out"),
    ]
    qdq_inits = [s_x, z_x, w_q, s_w, z_w, b_q, s_b, z_b, s_y, z_y]
    write("onnx", "qdq_matmul.onnx", model(qdq_nodes, qdq_inits, [x], [y]))
    # A QDQ Conv with pooling and a flatten, opset 13.
    xc = value_info("x", FLOAT, [1, 1, 4, 4])
    yc = value_info("y", FLOAT, [1, 2])
    wc = tensor("wc", INT8, [2, 1, 3, 3], bytes([(i * 7) % 256 for i in range(18)]))
    s_wc = tensor("s_wc", FLOAT, [2], f32([0.01, 0.02]))
    z_wc = tensor("z_wc", INT8, [2], bytes(2))
    conv_nodes = [
        node("QuantizeLinear", ["x", "s_x", "z_x"], ["xq"], "q_in"),
        node("DequantizeLinear", ["xq", "s_x", "z_x"], ["xd"], "dq_in"),
        node("DequantizeLinear", ["wc", "s_wc", "z_wc"], ["wd"], "dq_w", [attr_int("axis", 0)]),
        node("Conv", ["xd", "wd"], ["c"], "conv", [attr_ints("pads", [1, 1, 1, 1]), attr_ints("kernel_shape", [3, 3])]),
        node("QuantizeLinear", ["c", "s_y", "z_y"], ["cq"], "q_c"),
        node("DequantizeLinear", ["cq", "s_y", "z_y"], ["cd"], "dq_c"),
        node("GlobalAveragePool", ["cd"], ["p"], "pool"),
        node("Flatten", ["p"], ["y"], "flat", [attr_int("axis", 1)]),
    ]
    write("onnx", "qdq_conv.onnx", model(conv_nodes, [s_x, z_x, wc, s_wc, z_wc, s_y, z_y], [xc], [yc]))
    # Broken ones.
    write("onnx", "unknown_op.onnx", model([node("Frobnicate", ["x"], ["y"])], [], [x], [y]))
    write("onnx", "missing_initializer.onnx", model([gemm, relu], [w], [x], [y]))
    write("onnx", "cyclic.onnx", model([node("Relu", ["y"], ["h"]), node("Relu", ["h"], ["y"])], [], [x], [y]))
    write("onnx", "output_not_produced.onnx", model([gemm], [w, b], [x], [y]))
    write("onnx", "huge_initializer.onnx", model([gemm, relu], [tensor("W", FLOAT, [1000000, 1000000], b""), b], [x], [y]))
    write("onnx", "negative_dim.onnx", model([gemm, relu], [tensor("W", FLOAT, [-4, 3], b""), b], [x], [y]))
    write("onnx", "zp_wrong_dtype.onnx", model(qdq_nodes, [s_x, tensor("z_x", INT32, [], bytes(4))] + qdq_inits[2:], [x], [y]))
    write("onnx", "opset_5.onnx", model([gemm, relu], [w, b], [x], [y], opset=5))
    write("onnx", "truncated.onnx", model([gemm, relu], [w, b], [x], [y])[:60])


# ---- observer statistics JSON ------------------------------------------------------------------
def make_observer_json():
    def obs(**kw):
        j = {"version": 1, "method": "minmax", "tensor": "fc1.out", "axis": -1, "samples": 10,
             "channels": 1, "min": [-1.5], "max": [2.25]}
        j.update(kw)
        return json.dumps(j)
    write("observer_json", "per_tensor.json", obs())
    write("observer_json", "per_channel.json", obs(axis=0, channels=3, min=[-1, 0, -0.5], max=[1, 0, 0.5]))
    write("observer_json", "empty.json", obs(samples=0, channels=0, min=[], max=[]))
    write("observer_json", "min_gt_max.json", obs(min=[3.0], max=[1.0]))
    write("observer_json", "huge_value.json", obs(min=[-1e300], max=[1e300]))
    write("observer_json", "wrong_types.json", obs(samples="ten", axis=1.5))
    write("observer_json", "unknown_method.json", obs(method="kl-divergence"))
    write("observer_json", "count_mismatch.json", obs(axis=1, channels=4, min=[0], max=[1]))
    write("observer_json", "not_object.json", "[1, 2, 3]")


# ---- CLI number lists ------------------------------------------------------------------------
def make_number_list():
    for name, text in [("hidden", "50,80,30"), ("one", "7"), ("mean", "0.1307,0.3081"),
                       ("rgb", "0.485;0.456;0.406,0.229;0.224;0.225"), ("empty_item", "1,,2"),
                       ("overflow", "99999999999999999999"), ("exp", "1e39,-3.5e-2"),
                       ("negative", "-1,0"), ("spaces", " 1 , 2 "), ("nan", "nan,inf")]:
        write("number_list", name, text)


if __name__ == "__main__":
    make_idx()
    make_npy()
    make_onnx()
    make_observer_json()
    make_number_list()
