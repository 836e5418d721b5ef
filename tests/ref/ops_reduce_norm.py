#!/usr/bin/env python3
"""ops_reduce_norm.py — reference values for tests/test_ops_reduce_norm.c.

Draws fixed float32 inputs, computes every reduction, normalisation and loss
case in float64 with numpy (PyTorch semantics: biased variance, eps inside the
square root, first maximum wins in argmax) and writes them all to
tests/data/ops_reduce_norm.txt, one tensor per line:

    NAME NDIM D0 .. D(NDIM-1) VALUES...

The C tests read the inputs from the same file, so both sides start from the
exact same float32 values. Run from the repository root:

    python3 tests/ref/ops_reduce_norm.py
"""
import numpy as np

OUT = "tests/data/ops_reduce_norm.txt"
rng = np.random.default_rng(20261125)
tensors = []


def put(name, a):
    a = np.asarray(a)
    values = " ".join("%.9g" % v for v in a.astype(np.float64).ravel())
    tensors.append("%s %d %s %s" % (name, a.ndim, " ".join(str(d) for d in a.shape), values))


def f32(a):
    return np.asarray(a, dtype=np.float32)


def layer_norm(x, axis, gamma, beta, eps):
    x = x.astype(np.float64)
    mu = x.mean(axis=axis, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axis, keepdims=True)
    y = (x - mu) / np.sqrt(var + eps)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    if gamma is not None:
        y = y * gamma.astype(np.float64).reshape(shape)
    if beta is not None:
        y = y + beta.astype(np.float64).reshape(shape)
    return y


def softmax(x, axis):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --- inputs ------------------------------------------------------------------
x3 = f32(rng.standard_normal((3, 4, 5)))
x4 = f32(rng.standard_normal((2, 3, 2, 3)))
ties = f32([[1, 3, 3, -2], [5, 5, 5, 5], [-1, -4, 0, 0]])
with_nan = f32([[1, np.nan, 3, np.nan], [2, 7, 7, 1]])
ln_x = f32(rng.standard_normal((2, 3, 7)) * 2 + 0.5)
ln_g = f32(rng.uniform(0.5, 1.5, 7))
ln_b = f32(rng.standard_normal(7))
lnc_x = f32(rng.standard_normal((2, 5, 3)) * 3 - 1)
lnc_g = f32(rng.uniform(0.5, 1.5, 5))
lnc_b = f32(rng.standard_normal(5))
big = f32([[1000, 1001, 999.5], [-1000, -1003, -999], [80, 90, 100]])
wn_v = f32(rng.standard_normal((4, 3, 2)))
wn_g = f32(rng.uniform(-2, 2, 4))
pred = f32(rng.standard_normal((3, 5)))
target = f32(rng.standard_normal((3, 5)))
for name, a in [("x3", x3), ("x4", x4), ("ties", ties), ("with_nan", with_nan),
                ("ln_x", ln_x), ("ln_g", ln_g),
                ("ln_b", ln_b), ("lnc_x", lnc_x), ("lnc_g", lnc_g), ("lnc_b", lnc_b),
                ("big", big), ("wn_v", wn_v), ("wn_g", wn_g), ("pred", pred),
                ("target", target)]:
    put(name, a)

d3, d4 = x3.astype(np.float64), x4.astype(np.float64)

# --- reductions ----------------------------------------------------------------
put("sum_x3_axes0_2_keep", d3.sum(axis=(0, 2), keepdims=True))
put("sum_x3_axis_m1", d3.sum(axis=-1))
put("sum_x3_all", d3.sum())
put("sum_x3t_axis1", d3.transpose(2, 1, 0).sum(axis=1))        # x3 with axes 0, 2 swapped
put("sum_x4_axes1_3", d4.sum(axis=(1, 3)))
put("mean_x3_axes1_2", d3.mean(axis=(1, 2)))
put("mean_x3_axes_m3_m1_keep", d3.mean(axis=(-3, -1), keepdims=True))
put("mean_x3_all_keep", d3.mean(keepdims=True))
put("mean_x3s_axis0", d3[:, :, 1::2].mean(axis=0))             # slice of the last axis, step 2
put("cumsum_x3_axis0", np.cumsum(d3, axis=0))
put("cumsum_x3_axis1", np.cumsum(d3, axis=1))
put("cumsum_x3_axis_m1", np.cumsum(d3, axis=-1))
put("cumsum_x3t_axis2", np.cumsum(d3.transpose(0, 2, 1), axis=2))  # x3 with axes 1, 2 swapped
put("argmax_ties_axis1", np.argmax(ties, axis=1))
put("argmax_ties_axis0", np.argmax(ties, axis=0))
put("argmax_x3_axis1", np.argmax(x3, axis=1))
put("argmax_with_nan_axis1", np.argmax(with_nan, axis=1))      # numpy, like PyTorch: NaN is the max

# --- normalisation ---------------------------------------------------------------
put("layer_norm_affine", layer_norm(ln_x, -1, ln_g, ln_b, 1e-5))
put("layer_norm_plain", layer_norm(ln_x, -1, None, None, 1e-5))
put("layer_norm_gamma_only_eps0.1", layer_norm(ln_x, -1, ln_g, None, 0.1))
put("layer_norm_channels_affine", layer_norm(lnc_x, 1, lnc_g, lnc_b, 1e-5))
put("layer_norm_channels_plain", layer_norm(lnc_x, 1, None, None, 1e-4))
put("softmax_x3_axis1", softmax(x3, 1))
put("softmax_x3_axis_m1", softmax(x3, -1))
put("softmax_x3_axis0", softmax(x3, 0))
put("softmax_big_axis1", softmax(big, 1))
norm = np.sqrt((wn_v.astype(np.float64) ** 2).sum(axis=(1, 2), keepdims=True))
put("weight_norm", wn_g.astype(np.float64).reshape(4, 1, 1) * wn_v / norm)

# --- losses ------------------------------------------------------------------------
diff = pred.astype(np.float64) - target.astype(np.float64)
put("l1_loss", np.abs(diff).mean())
put("mse_loss", (diff ** 2).mean())

with open(OUT, "w") as f:
    f.write("# ops_reduce_norm.txt — written by tests/ref/ops_reduce_norm.py; do not edit.\n")
    f.write("# One tensor per line: NAME NDIM D0 .. D(NDIM-1) VALUES...\n")
    f.write("\n".join(tensors) + "\n")
print("wrote %d tensors to %s" % (len(tensors), OUT))
