#!/usr/bin/python3
"""make_onnx_features.py — hand-encode a small ONNX file that uses every
protobuf form the C reader must accept, then decode it with the official
`onnx` package and write what it sees as the reference.

Forms covered: packed and unpacked repeated int64 (dims, ints) and float
(float_data, floats); raw_data at an odd offset (so the reader must copy it);
int64_data; an INT32 tensor in raw_data; attributes of type FLOAT, INT,
STRING, TENSOR (a Constant node), FLOATS, INTS and GRAPH (skipped), one
without its type field; unknown fields of every wire type (varint, fixed64,
length-delimited, fixed32) at every message level; graph inputs/outputs;
opset imports for the default and a custom domain; an omitted optional
input ("").

Run: /usr/bin/python3 tests/ref/make_onnx_features.py   (needs python3-onnx)
Writes tests/data/onnx/features.onnx and tests/data/onnx/features_ref.json.
"""
import json
import os
import struct

import onnx
from onnx import numpy_helper

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "onnx")


# --- protobuf wire encoding (ref: protobuf "Encoding" guide) -----------------

def varint(value):
    value &= (1 << 64) - 1  # negative int64 -> two's complement, 10 bytes
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def f_varint(field, value):
    return key(field, 0) + varint(value)


def f_fixed64(field, value):
    return key(field, 1) + struct.pack("<Q", value)


def f_bytes(field, payload):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    return key(field, 2) + varint(len(payload)) + payload


def f_fixed32(field, payload4):
    return key(field, 5) + payload4


def f_float(field, value):
    return f_fixed32(field, struct.pack("<f", value))


def packed_varints(field, values):
    return f_bytes(field, b"".join(varint(v) for v in values))


def packed_floats(field, values):
    return f_bytes(field, b"".join(struct.pack("<f", v) for v in values))


def unknown_fields():
    """One unknown field of each wire type; readers must skip them."""
    return f_varint(900, 7) + f_fixed64(901, 0x0102030405060708) + f_bytes(902, b"skip me") + \
        f_fixed32(903, b"\x01\x02\x03\x04")


# --- messages -------------------------------------------------------------------

def tensor_raw(name, dims, data_type, raw, packed_dims=False, pad=b""):
    body = f_varint(2, data_type) + f_bytes(8, name)
    body += packed_varints(1, dims) if packed_dims else b"".join(f_varint(1, d) for d in dims)
    # `pad` is an unknown field placed before raw_data to shift its offset
    return body + pad + f_bytes(9, raw) + unknown_fields()


WEIGHT = struct.pack("<6f", 0.5, -1.25, 3.0, 2.0e-3, -7.5, 1.0)  # w.raw, [2, 3] FLOAT


def model_bytes():
    """The file, with w.raw's data placed at an odd byte offset."""
    for pad in range(4):
        data = model_bytes_padded(b"x" * pad)
        if data.index(WEIGHT) % 2 == 1:
            return data
    raise AssertionError("no padding puts w.raw at an odd offset")


def model_bytes_padded(pad):
    inits = [
        tensor_raw("w.raw", [2, 3], 1, WEIGHT, pad=f_bytes(904, pad)),
        # FLOAT in unpacked float_data, unpacked dims
        f_varint(1, 4) + f_varint(2, 1) + f_bytes(8, "w.floats_unpacked") +
        b"".join(f_float(4, v) for v in [1.5, -2.5, 3.25, 0.0]),
        # FLOAT in packed float_data, packed dims
        packed_varints(1, [2, 2]) + f_varint(2, 1) + f_bytes(8, "w.floats_packed") +
        packed_floats(4, [9.0, 8.5, -0.125, 4.0]) + unknown_fields(),
        # INT64 in int64_data, packed, with a negative value
        f_varint(1, 3) + f_varint(2, 7) + f_bytes(8, "shape.int64") + packed_varints(7, [4, -1, 123456789012]),
        # INT64 scalar in raw_data (no dims)
        f_varint(2, 7) + f_bytes(8, "scalar.int64") + f_bytes(9, struct.pack("<q", -42)),
        # INT32 tensor in raw_data: readable, but not as floats
        tensor_raw("ints.int32", [2], 6, struct.pack("<2i", 7, -8)),
        # empty FLOAT tensor: dims [0]
        f_varint(1, 0) + f_varint(2, 1) + f_bytes(8, "empty.float"),
    ]

    def attr(name, typ, *fields):
        body = f_bytes(1, name) + b"".join(fields)
        if typ is not None:
            body += f_varint(20, typ)
        return body + unknown_fields()

    const_tensor = f_varint(1, 3) + f_varint(2, 1) + packed_floats(4, [0.25, 0.5, 0.75])
    subgraph = f_bytes(2, "body") + f_bytes(1, f_bytes(4, "Identity"))
    nodes = [
        # Conv with ints both packed and unpacked, the int group, a float and a string
        f_bytes(1, "x") + f_bytes(1, "w.raw") + f_bytes(1, "") + f_bytes(2, "conv_out") +
        f_bytes(3, "/enc/conv/Conv") + f_bytes(4, "Conv") +
        f_bytes(5, attr("dilations", 7, packed_varints(8, [3]))) +
        f_bytes(5, attr("pads", 7, f_varint(8, 2), f_varint(8, 2))) +
        f_bytes(5, attr("strides", 7, packed_varints(8, [1]))) +
        f_bytes(5, attr("group", 2, f_varint(3, 1))) + unknown_fields(),
        f_bytes(1, "conv_out") + f_bytes(2, "act") + f_bytes(3, "/dec/LeakyRelu") + f_bytes(4, "LeakyRelu") +
        f_bytes(5, attr("alpha", 1, f_float(2, 0.01))),
        # Constant node holding a tensor attribute, type field absent (inferred)
        f_bytes(2, "const_out") + f_bytes(3, "/Constant") + f_bytes(4, "Constant") +
        f_bytes(5, attr("value", None, f_bytes(5, const_tensor))),
        # FLOATS (unpacked), INTS with a negative value, STRING, GRAPH, custom domain
        f_bytes(1, "act") + f_bytes(1, "const_out") + f_bytes(2, "y") + f_bytes(3, "custom") +
        f_bytes(4, "Fancy") + f_bytes(7, "com.example") +
        f_bytes(5, attr("scales", 6, f_float(7, 1.5), f_float(7, -2.0))) +
        f_bytes(5, attr("axes", 7, packed_varints(8, [-1, 0, 5]))) +
        f_bytes(5, attr("mode", 3, f_bytes(4, "constant"))) +
        f_bytes(5, attr("then_branch", 5, f_bytes(6, subgraph))),
    ]
    value_info = lambda name: f_bytes(1, name) + unknown_fields()  # noqa: E731
    graph = b"".join(f_bytes(1, n) for n in nodes) + f_bytes(2, "features") + \
        b"".join(f_bytes(5, t) for t in inits) + \
        f_bytes(11, value_info("x")) + f_bytes(11, value_info("sid")) + f_bytes(12, value_info("y")) + \
        unknown_fields()
    opsets = f_bytes(8, f_bytes(1, "com.example") + f_varint(2, 3)) + f_bytes(8, f_bytes(1, "") + f_varint(2, 15))
    return f_varint(1, 8) + f_bytes(2, "make_onnx_features") + opsets + unknown_fields() + f_bytes(7, graph)


def reference(path):
    """What the official decoder reads from the file."""
    model = onnx.load(path)
    g = model.graph
    inits = []
    for t in g.initializer:
        arr = numpy_helper.to_array(t)
        inits.append({"name": t.name, "dims": list(t.dims), "data_type": t.data_type,
                      "values": [float(v) if t.data_type == 1 else int(v) for v in arr.ravel()]})
    nodes = []
    for n in g.node:
        attrs = {}
        for a in n.attribute:
            entry = {"type": a.type or None}
            if a.HasField("f"):
                entry["f"] = float("%.9g" % a.f)
            if a.HasField("i"):
                entry["i"] = a.i
            if a.HasField("s"):
                entry["s"] = a.s.decode()
            if a.HasField("t"):
                entry["t"] = {"dims": list(a.t.dims), "values": [float(v) for v in numpy_helper.to_array(a.t).ravel()]}
            if a.floats:
                entry["floats"] = [float(v) for v in a.floats]
            if a.ints:
                entry["ints"] = list(a.ints)
            attrs[a.name] = entry
        nodes.append({"name": n.name, "op_type": n.op_type, "domain": n.domain, "inputs": list(n.input),
                      "outputs": list(n.output), "attributes": attrs})
    return {
        "ir_version": model.ir_version,
        "opset": [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")][0],
        "inputs": [v.name for v in g.input],
        "outputs": [v.name for v in g.output],
        "initializers": inits,
        "nodes": nodes,
    }


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, "features.onnx")
    with open(path, "wb") as f:
        f.write(model_bytes())
    with open(os.path.join(OUT_DIR, "features_ref.json"), "w", encoding="utf-8") as f:
        json.dump(reference(path), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
