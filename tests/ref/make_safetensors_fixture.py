#!/usr/bin/env python3
"""make_safetensors_fixture.py — the reference safetensors file for
tests/test_safetensors.c, written by the official Python `safetensors` package.

Writes
  tests/data/safetensors/good_pytorch.safetensors   (safetensors.numpy.save_file)
  tests/data/safetensors/good_pytorch.expected.json (every value, as read back
                                                     by safetensors.numpy.load_file)
with F32 (rank 0..4 and an empty tensor), F16, BF16, I32, I8 and U8 tensors and
__metadata__. BF16 comes from ml_dtypes.bfloat16, which the package maps to
"BF16". Expected float values are the stored values widened to float32 (exact).

Setup: pip install safetensors numpy ml_dtypes
Run from the repository root: python3 tests/ref/make_safetensors_fixture.py
"""
import json
import os

import ml_dtypes
import numpy as np
from safetensors.numpy import load_file, save_file

OUT = "tests/data/safetensors"
METADATA = {"format": "pt", "voxc_note": "fixture \u2713 \"quoted\"", "sample_rate": "22050"}


def main():
    rng = np.random.default_rng(20240531)
    tensors = {
        "decoder.weight": rng.standard_normal((3, 4)).astype(np.float32),
        "encoder.conv.weight": rng.uniform(-2, 2, (2, 3, 2, 2)).astype(np.float32),
        "scale": np.array(0.125, dtype=np.float32),  # rank 0
        "empty": np.zeros((0, 3), dtype=np.float32),  # zero bytes
        # f16 extremes: largest normal, smallest subnormal, negative zero
        "half.embed": np.concatenate([rng.standard_normal(12), [65504.0, 6e-8, -0.0]]).astype(np.float16).reshape(5, 3),
        "bf16.proj": rng.standard_normal((2, 6)).astype(ml_dtypes.bfloat16),
        "tokens": np.array([0, 1, -1, 2147483647, -2147483648, 42, 7], dtype=np.int32),
        "quant.q": rng.integers(-128, 128, (4, 4)).astype(np.int8),
        "mask": np.array([0, 1, 255, 128, 7, 0, 1, 1, 200], dtype=np.uint8),
    }
    os.makedirs(OUT, exist_ok=True)
    path = f"{OUT}/good_pytorch.safetensors"
    save_file(tensors, path, metadata=METADATA)

    loaded = load_file(path)  # numpy's loader has no BF16: compare raw bytes for it below
    expected = {"metadata": METADATA, "tensors": {}}
    for name, t in tensors.items():
        if name in loaded:
            assert loaded[name].tobytes() == t.tobytes(), name
        dtype = {"float32": "F32", "float16": "F16", "bfloat16": "BF16", "int32": "I32", "int8": "I8",
                 "uint8": "U8"}[t.dtype.name]
        flat = t.reshape(-1)
        values = [float(v) for v in flat.astype(np.float32)] if dtype in ("F32", "F16", "BF16") \
            else [int(v) for v in flat]
        expected["tensors"][name] = {"dtype": dtype, "shape": list(t.shape), "values": values}
    with open(f"{OUT}/good_pytorch.expected.json", "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes) and the expected values")


if __name__ == "__main__":
    main()
