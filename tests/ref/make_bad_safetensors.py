#!/usr/bin/env python3
"""make_bad_safetensors.py — malformed .safetensors files, one per failure
class the reader must reject, for tests/test_safetensors.c (which also runs
voxc-inspect on each). Built by hand with struct/json so that each file breaks
exactly one rule. At the end the official package (when installed) opens each
file and the script names those it accepts: today extra_field,
unknown_dtype_I64, shape_rank_5 and name_with_nul, which break voxc's stricter
rules or limits rather than the format itself.

Run from the repository root: python3 tests/ref/make_bad_safetensors.py
Writes tests/data/safetensors/bad/*.safetensors (the test's table lists the
message expected for each file, so add a row there for a new file).
"""
import glob
import json
import os
import struct

OUT = "tests/data/safetensors/bad"


def entry(dtype="F32", shape=(2,), offsets=(0, 8)):
    """One header entry; a str shape stays a str (for the wrong-type case)."""
    return {"dtype": dtype, "shape": shape if isinstance(shape, str) else list(shape),
            "data_offsets": list(offsets)}


def pack(header, data=b"", length=None):
    """8-byte little-endian header length, the header, the data buffer."""
    raw = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    n = len(raw) if length is None else length
    return struct.pack("<Q", n) + raw + data


def files():
    good = pack({"w": entry()}, bytes(8))
    return {
        "empty": b"",
        "short_5_bytes": b"\x05\x00\x00\x00\x00",
        "header_len_2pow63": pack({"w": entry()}, bytes(8), length=2**63),
        "header_len_past_eof": pack({"w": entry()}, bytes(8), length=1000),
        "header_not_json": pack(b'{"w": {"dtype": F32}}'),
        "header_is_array": pack(b"[1, 2]"),
        "header_nul_byte": pack(b'{"w":\x00{}}'),
        "header_trailing_comma": pack(b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},}', bytes(8)),
        "header_trailing_garbage": pack(b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} x', bytes(8)),
        "header_bad_utf8": pack(b'{"w\xff":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', bytes(8)),
        "header_too_deep": pack(b"[" * 70 + b"]" * 70),
        "duplicate_key": pack(b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                              b'"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', bytes(8)),
        "entry_not_object": pack({"w": [0, 8]}, bytes(8)),
        "missing_dtype": pack({"w": {"shape": [2], "data_offsets": [0, 8]}}, bytes(8)),
        "missing_data_offsets": pack({"w": {"dtype": "F32", "shape": [2]}}, bytes(8)),
        "extra_field": pack({"w": dict(entry(), stride=[1])}, bytes(8)),
        "dtype_not_string": pack({"w": entry(dtype=4)}, bytes(8)),
        "unknown_dtype_I64": pack({"w": entry(dtype="I64", shape=(1,))}, bytes(8)),
        "shape_not_array": pack({"w": entry(shape="2")}, bytes(8)),
        "shape_negative": pack({"w": entry(shape=(-2,))}, bytes(8)),
        "shape_fraction": pack({"w": entry(shape=(2.5,))}, bytes(8)),
        "shape_rank_5": pack({"w": entry(shape=(1, 1, 1, 1, 2))}, bytes(8)),
        "shape_bytes_overflow": pack({"w": entry(shape=(2**62, 2**62, 4))}, bytes(8)),
        "offsets_three_numbers": pack({"w": entry(offsets=(0, 4, 8))}, bytes(8)),
        "offsets_too_large": pack(b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551616]}}',
                                  bytes(8)),
        "offsets_begin_after_end": pack({"w": entry(offsets=(8, 0))}, bytes(8)),
        "offsets_past_buffer": pack({"w": entry(shape=(4,), offsets=(0, 16))}, bytes(8)),
        "truncated_data": good[:-3],
        "size_mismatch": pack({"w": entry(shape=(2, 2), offsets=(0, 12))}, bytes(12)),
        "overlapping_tensors": pack({"a": entry(offsets=(0, 8)), "b": entry(offsets=(4, 12))}, bytes(12)),
        "hole_between_tensors": pack({"a": entry(offsets=(0, 8)), "b": entry(offsets=(12, 20))}, bytes(20)),
        "trailing_unindexed_bytes": pack({"w": entry()}, bytes(12)),
        "metadata_not_object": pack({"__metadata__": ["pt"], "w": entry()}, bytes(8)),
        "metadata_value_not_string": pack({"__metadata__": {"epoch": 3}, "w": entry()}, bytes(8)),
        "name_with_nul": pack(b'{"w\\u0000x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', bytes(8)),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(f"{OUT}/*.safetensors"):
        os.remove(old)
    made = files()
    for name, raw in made.items():
        with open(f"{OUT}/{name}.safetensors", "wb") as f:
            f.write(raw)
    print(f"wrote {len(made)} files to {OUT}")
    try:
        from safetensors import safe_open
    except ImportError:
        return
    for name in made:
        try:
            with safe_open(f"{OUT}/{name}.safetensors", framework="np") as f:
                for k in f.keys():
                    f.get_slice(k)
            print(f"  note: the Python package accepts {name} (voxc is stricter here)")
        except Exception:  # noqa: BLE001 — any rejection is what we want
            pass


if __name__ == "__main__":
    main()
