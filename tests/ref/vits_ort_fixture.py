#!/usr/bin/env python3
"""vits_ort_fixture.py — run Piper voices in onnxruntime with the noise off
(noise_scale = noise_w = 0, so inference is deterministic) and write what the
C VITS engine must reproduce: intermediate tensors and the waveform.

The ONNX graph is copied in memory and a few internal values are added as
extra graph outputs (found by node, not by fixed value names):
    m_p, logs_p  outputs of the text encoder's Split ("/enc_p/Split")  [C, T]
    logw         first output of the duration predictor's Split ("/dp/Split") [T]
    durations    the Ceil node's output (w_ceil)                        [T]
    z            the decoder's input (first input of "/dec/conv_pre/Conv"),
                 i.e. the flow output times the frame mask              [C, F]
    audio        the graph output                                        [N]

Output: one safetensors file per voice under tests/data/vits/, tensors named
"<case>.<what>" ("3.m_p"), metadata "cases" = JSON list of {ids length,
scales, sid, which tensors}. m_p, logs_p, logw and z are float32 (the C test
checks them to 1e-4 relative); audio is float16 (the test checks SNR >= 50 dB;
float16 rounding alone is ~70 dB below the signal); ids and durations int32.
Long sentences keep only ids/logw/durations/audio to keep the files small, and
every case stores at most AUDIO_KEEP samples of audio (the full length is in the
metadata).

Run (pip install onnxruntime onnx numpy):
    python3 tests/ref/vits_ort_fixture.py             # tiny models + real voice if present
Voices: tests/data/onnx/tiny_medium.onnx, tiny_multi.onnx (random weights,
committed) and data/voices/en_US-joe-medium.onnx (data/fetch_voice.sh).
Phoneme ids of the real voice come from tests/data/piper/phonemes_fixture.json
(piper-phonemize output for LJSpeech texts).
"""
import json
import os
import struct
import sys

import numpy as np
import onnx
import onnxruntime as ort

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_DIR = os.path.join(ROOT, "tests", "data", "vits")

# Real-voice sentences: (fixture case id, sentence index, length_scale, keep full tensors)
JOE_CASES = [
    ("punct:16", 0, 1.0, True),      # "." -> 3 ids, the shortest input
    ("punct:14", 0, 1.0, True),      # "Hi."
    ("punct:5", 0, 1.0, True),       # "Wait...? No"
    ("punct:8", 1, 1.0, True),
    ("LJ049-0016", 0, 1.0, True),    # "The Presidential limousine."
    ("LJ046-0153", 0, 0.8, False),   # faster speech
    ("LJ009-0088", 0, 1.0, False),
    ("LJ021-0182", 0, 1.3, False),   # slower speech
    ("LJ002-0143", 0, 1.0, False),
    ("LJ001-0082", 0, 1.0, False),
    ("LJ001-0001", 0, 1.0, False),   # > 512 frames: voxc decodes it in chunks
]


AUDIO_KEEP = 49152  # samples of reference audio stored per case (2.2 s at 22.05 kHz)


def piper_ids(rng, n_vocab, n_phonemes):
    """Random phonemes in Piper's layout ^ _ p1 _ ... pn _ $ (ids 1, 0, .., 0, 2)."""
    ids = [1, 0]
    for p in rng.integers(3, n_vocab, size=n_phonemes):
        ids += [int(p), 0]
    return ids + [2]


def tiny_cases(n_vocab, n_speakers):
    rng = np.random.default_rng(5)
    cases = []
    for i, (n, length_scale) in enumerate([(0, 1.0), (1, 1.0), (5, 1.0), (12, 1.0), (23, 1.0),
                                           (8, 0.7), (8, 1.6), (40, 1.0), (3, 1.0), (17, 1.2)]):
        sid = i % n_speakers if n_speakers > 1 else None
        cases.append({"ids": piper_ids(rng, n_vocab, n), "length_scale": length_scale, "sid": sid,
                      "full": True})
    return cases


def joe_cases():
    with open(os.path.join(ROOT, "tests", "data", "piper", "phonemes_fixture.json"), encoding="utf-8") as f:
        fixture = {c["id"]: c for c in json.load(f)["cases"]}
    return [{"ids": fixture[cid]["sentences"][si]["ids"], "length_scale": ls, "sid": None, "full": full,
             "source": "%s sentence %d" % (cid, si)} for cid, si, ls, full in JOE_CASES]


def with_debug_outputs(path):
    """The model with m_p, logs_p, logw, durations and z as extra outputs."""
    model = onnx.load(path)
    g = model.graph
    by_name = {n.name: n for n in g.node}
    ceil = [n for n in g.node if n.op_type == "Ceil"]
    if len(ceil) != 1:
        sys.exit("%s: expected one Ceil node, found %d" % (path, len(ceil)))
    values = {
        "m_p": by_name["/enc_p/Split"].output[0],
        "logs_p": by_name["/enc_p/Split"].output[1],
        "logw": by_name["/dp/Split"].output[0],
        "durations": ceil[0].output[0],
        "z": by_name["/dec/conv_pre/Conv"].input[0],
    }
    for value in values.values():
        g.output.append(onnx.helper.make_empty_tensor_value_info(value))
    return model, values


def run_voice(onnx_path, cases):
    model, values = with_debug_outputs(onnx_path)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    inputs = {i.name for i in sess.get_inputs()}
    names = ["output"] + list(values.values())
    tensors, meta = {}, []
    for k, case in enumerate(cases):
        ids = np.array([case["ids"]], dtype=np.int64)
        feed = {"input": ids, "input_lengths": np.array([ids.shape[1]], dtype=np.int64),
                "scales": np.array([0.0, case["length_scale"], 0.0], dtype=np.float32)}
        if "sid" in inputs:
            feed["sid"] = np.array([case["sid"]], dtype=np.int64)
        out = dict(zip(names, sess.run(names, feed)))
        got = {what: out[value][0] for what, value in values.items()}
        audio = out["output"].reshape(-1)
        durations = got["durations"].reshape(-1)
        assert np.all(durations == np.round(durations)), "durations are not integers"
        hop = audio.size // max(int(durations.sum()), 1)
        tensors["%d.ids" % k] = ids[0].astype(np.int32)
        tensors["%d.durations" % k] = durations.astype(np.int32)
        tensors["%d.logw" % k] = got["logw"].reshape(-1).astype(np.float32)
        # keep at most AUDIO_KEEP samples (the project keeps committed audio small);
        # "samples" in the metadata is the full length, which the test checks too
        tensors["%d.audio" % k] = audio[:AUDIO_KEEP].astype(np.float16)
        kept = ["ids", "durations", "logw", "audio"]
        if case["full"]:
            for what in ("m_p", "logs_p", "z"):
                tensors["%d.%s" % (k, what)] = np.ascontiguousarray(got[what], dtype=np.float32)
            kept += ["m_p", "logs_p", "z"]
        entry = {"case": k, "n_ids": int(ids.shape[1]), "noise_scale": 0.0,
                 "length_scale": case["length_scale"], "noise_w": 0.0, "sid": case["sid"],
                 "frames": int(durations.sum()), "samples": int(audio.size), "hop": hop,
                 "tensors": kept}
        if "source" in case:
            entry["source"] = case["source"]
        meta.append(entry)
        print("  case %d: %d ids, %d frames, %d samples" % (k, ids.shape[1], durations.sum(), audio.size),
              file=sys.stderr)
    return tensors, meta


ST_DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16", np.dtype(np.int32): "I32"}


def write_safetensors(path, tensors, metadata):
    """The safetensors layout: u64 header length, JSON header, data buffer."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": ST_DTYPES[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def make(name, onnx_path, cases):
    print("%s (%s)" % (name, os.path.relpath(onnx_path, ROOT)), file=sys.stderr)
    tensors, meta = run_voice(onnx_path, cases)
    out = os.path.join(OUT_DIR, name + ".safetensors")
    metadata = {"generator": "tests/ref/vits_ort_fixture.py", "onnxruntime": ort.__version__,
                "voice": os.path.relpath(onnx_path, ROOT), "cases": json.dumps(meta)}
    write_safetensors(out, tensors, metadata)
    print("  wrote %s (%d bytes)" % (os.path.relpath(out, ROOT), os.path.getsize(out)), file=sys.stderr)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, n_vocab, n_speakers in (("tiny_medium", 64, 1), ("tiny_multi", 48, 4)):
        make(name, os.path.join(ROOT, "tests", "data", "onnx", name + ".onnx"), tiny_cases(n_vocab, n_speakers))
    joe = os.path.join(ROOT, "data", "voices", "en_US-joe-medium.onnx")
    if os.path.exists(joe):
        make("joe_medium", joe, joe_cases())
    else:
        print("%s absent (run data/fetch_voice.sh): real-voice fixture not written" % joe, file=sys.stderr)


if __name__ == "__main__":
    main()
