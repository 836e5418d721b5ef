#!/usr/bin/python3
"""ops_matmul_conv.py — PyTorch reference values for tests/test_ops_matmul_conv.c.

Writes tests/data/ops_matmul_conv.txt: for each configuration, deterministic
f32 inputs, an upstream gradient dy, and PyTorch's output y and input
gradients (computed in float64 from the same f32 inputs).

Run with the Debian interpreter, which has PyTorch (apt-get install
python3-torch); a pyenv `python3` on PATH usually does not:
    /usr/bin/python3 tests/ref/ops_matmul_conv.py

File format (plain text, read by the C test):
    # comment lines
    case NAME OP stride pad dilation groups output_padding
    TENSOR ndim d0 .. d(ndim-1)
    v0 v1 ... (numel values on one line)
    ... more tensors ...
    end
Tensor names: conv and linear cases have x, w, bias (absent when the op runs
without bias), dy, y, dx, dw, dbias; matmul cases have a, b, dy, y, da, db.
"""
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "ops_matmul_conv.txt")

# name, op, input shapes (x, w, bias or None), stride, pad, dilation, groups, output_padding
CONV_CASES = [
    ("conv1d_stride2_pad1", "conv1d", [2, 3, 11], [4, 3, 3], [4], 2, 1, 1, 1, 0),
    ("conv1d_dilation3_groups2", "conv1d", [2, 4, 13], [6, 2, 3], [6], 1, 2, 3, 2, 0),
    ("conv1d_depthwise_stride3", "conv1d", [1, 5, 10], [5, 1, 4], [5], 3, 2, 1, 5, 0),
    ("conv1d_groups2_dilation2_no_bias", "conv1d", [2, 4, 16], [4, 2, 5], None, 2, 3, 2, 2, 0),
    ("conv_transpose1d_stride2_pad1", "conv_transpose1d", [2, 3, 7], [3, 4, 4], [4], 2, 1, 1, 1, 0),
    ("conv_transpose1d_stride4_outpad1_groups2", "conv_transpose1d", [1, 4, 5], [4, 3, 8], [6],
     4, 2, 1, 2, 1),
    ("conv_transpose1d_dilation2_outpad1_no_bias", "conv_transpose1d", [2, 2, 6], [2, 3, 3], None,
     1, 1, 2, 1, 1),
    ("conv_transpose1d_stride3_dilation2_groups3", "conv_transpose1d", [1, 6, 4], [6, 1, 3], [3],
     3, 2, 2, 3, 2),
]

# name, shapes of a and b
MATMUL_CASES = [
    ("matmul_broadcast_batch", [2, 1, 3, 4], [3, 4, 5]),
    ("matmul_2d", [5, 7], [7, 3]),
]

# name, x shape, w shape, bias shape or None
LINEAR_CASES = [
    ("linear_3d_input", [2, 3, 6], [4, 6], [4]),
    ("linear_no_bias", [5, 3], [2, 3], None),
]


def fmt(t):
    return " ".join("%.9g" % v for v in t.detach().reshape(-1).tolist())


def write_tensor(f, name, t):
    f.write("%s %d %s\n" % (name, t.dim(), " ".join(str(d) for d in t.shape)))
    f.write(fmt(t) + "\n")


def randn(gen, shape):
    return torch.randn(shape, generator=gen, dtype=torch.float32)


def run_case(f, gen, name, op, params, inputs, forward):
    """inputs: list of (name, f32 tensor or None); forward(*float64 leaves) -> y."""
    leaves = [(n, t.double().requires_grad_(True) if t is not None else None) for n, t in inputs]
    y = forward(*[t for _, t in leaves])
    dy = randn(gen, list(y.shape))
    y.backward(dy.double())
    f.write("case %s %s %s\n" % (name, op, " ".join(str(p) for p in params)))
    for n, t in inputs:
        if t is not None:
            write_tensor(f, n, t)
    write_tensor(f, "dy", dy)
    write_tensor(f, "y", y)
    for n, t in leaves:
        if t is not None:
            write_tensor(f, "d" + n, t.grad)
    f.write("end\n")


def main():
    gen = torch.Generator().manual_seed(20240607)
    with open(OUT, "w") as f:
        f.write("# ops_matmul_conv.txt — written by tests/ref/ops_matmul_conv.py with PyTorch %s;"
                " do not edit.\n" % torch.__version__)
        for name, op, xs, ws, bs, s, p, d, g, op_pad in CONV_CASES:
            x, w = randn(gen, xs), randn(gen, ws)
            b = randn(gen, bs) if bs else None
            if op == "conv1d":
                fwd = lambda x_, w_, b_, s=s, p=p, d=d, g=g: F.conv1d(
                    x_, w_, b_, stride=s, padding=p, dilation=d, groups=g)
            else:
                fwd = lambda x_, w_, b_, s=s, p=p, d=d, g=g, o=op_pad: F.conv_transpose1d(
                    x_, w_, b_, stride=s, padding=p, output_padding=o, groups=g, dilation=d)
            run_case(f, gen, name, op, (s, p, d, g, op_pad), [("x", x), ("w", w), ("bias", b)], fwd)
        for name, as_, bs in MATMUL_CASES:
            a, b = randn(gen, as_), randn(gen, bs)
            run_case(f, gen, name, "matmul", (0, 0, 0, 0, 0), [("a", a), ("b", b)], torch.matmul)
        for name, xs, ws, bs in LINEAR_CASES:
            x, w = randn(gen, xs), randn(gen, ws)
            b = randn(gen, bs) if bs else None
            run_case(f, gen, name, "linear", (0, 0, 0, 0, 0), [("x", x), ("w", w), ("bias", b)],
                     F.linear)
    print("wrote", os.path.normpath(OUT), os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
