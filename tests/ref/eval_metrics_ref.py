#!/usr/bin/env python3
"""eval_metrics_ref.py — numpy reference values for tests/test_eval_metrics.c
(audio/dtw.h, audio/mcd.h, audio/f0_metrics.h and voxc-eval).

Everything is recomputed here independently of voxc, in float64:
  * DTW: the cost matrix by numpy broadcasting (Euclidean), the symmetric1
    recurrence D(i,j) = d(i,j) + min(D(i-1,j-1), D(i-1,j), D(i,j-1)) with
    exact ties broken diagonal > (i-1,j) > (i,j-1), and the back-tracked path;
  * mel-cepstra: scipy.fft.dct(L, type=2) / (2 M), orders 0..P;
  * silence removal: frames whose level 20 log10(mean_m exp(L)) is more than
    trim_db below the file's loudest frame are dropped before the DTW;
  * MCD = (10 / ln 10) sqrt(2 sum_d dc_d^2) averaged over the DTW path;
  * log-mel: librosa 0.11, the HiFi-GAN recipe as in tests/ref/mel_fixture.py;
  * F0: pyworld DIO + StoneMask (FastSpeech2 settings, as f0_fixture.py),
    cut to the log-mel's frame count; F0 RMSE in Hz and cents over the DTW
    pairs voiced in both, voicing decision error over all pairs, Pearson
    correlation over the both-voiced pairs.

Inputs: the committed clips data/ljspeech-mini/wavs/LJ001-000{2,8}.wav and one
derived clip written here, tests/data/eval/LJ001-0002_world_shift.flac:
LJ001-0002 analysed by pyworld (DIO + StoneMask + CheapTrick + D4C, 5 ms
frames), F0 raised by a semitone (x 2^(1/12)) and resynthesised with 5.5 ms
frames (10 % slower), 22050 Hz 16-bit FLAC. Tiny hand-checkable DTW cases and
small random log-mel / F0 cases are stored with their inputs.

Output: tests/data/eval/metrics.json. Run from the repository root
(pip install numpy scipy librosa pyworld soundfile):

    python3 tests/ref/eval_metrics_ref.py
"""
import json
import os

import librosa
import numpy as np
import pyworld
import scipy
import scipy.fft
import scipy.signal
import soundfile as sf

OUT = "tests/data/eval"
WAVS = "data/ljspeech-mini/wavs"
SR = 22050
HOP = 256
K_MCD = 10.0 / np.log(10.0) * np.sqrt(2.0)


# --- DTW ---------------------------------------------------------------------

def dtw(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    d = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
    ta, tb = d.shape
    acc = np.full((ta, tb), np.inf)
    step = np.zeros((ta, tb), dtype=np.int8)  # 0 diag, 1 from (i-1,j), 2 from (i,j-1)
    for i in range(ta):
        for j in range(tb):
            if i == 0 and j == 0:
                best, s = 0.0, 0
            elif i == 0:
                best, s = acc[i, j - 1], 2
            elif j == 0:
                best, s = acc[i - 1, j], 1
            else:
                best, s = acc[i - 1, j - 1], 0
                if acc[i - 1, j] < best:
                    best, s = acc[i - 1, j], 1
                if acc[i, j - 1] < best:
                    best, s = acc[i, j - 1], 2
            acc[i, j] = d[i, j] + best
            step[i, j] = s
    path = [(ta - 1, tb - 1)]
    i, j = ta - 1, tb - 1
    while (i, j) != (0, 0):
        s = step[i, j]
        i, j = (i - 1, j - 1) if s == 0 else (i - 1, j) if s == 1 else (i, j - 1)
        path.append((i, j))
    path.reverse()
    total = float(acc[-1, -1])
    return path, total, total / len(path)


# --- MCD ---------------------------------------------------------------------

def mel_cepstrum(logmel, order):
    m = logmel.shape[1]
    return scipy.fft.dct(np.asarray(logmel, dtype=np.float64), type=2, axis=1)[:, :order + 1] / (2 * m)


def kept_frames(logmel, trim_db):
    level = 20 * np.log10(np.mean(np.exp(np.asarray(logmel, dtype=np.float64)), axis=1))
    if trim_db <= 0:
        return np.arange(len(logmel))
    return np.where(level >= level.max() - trim_db)[0]


def mcd_dtw(ref, test, order=24, include_c0=False, trim_db=0.0):
    first = 0 if include_c0 else 1
    kr, kt = kept_frames(ref, trim_db), kept_frames(test, trim_db)
    cr = mel_cepstrum(ref, order)[kr, first:]
    ct = mel_cepstrum(test, order)[kt, first:]
    path, total, mean = dtw(cr, ct)
    path = [(int(kr[i]), int(kt[j])) for i, j in path]
    per_pair = [K_MCD * np.sqrt(((cr[np.searchsorted(kr, i)] - ct[np.searchsorted(kt, j)]) ** 2).sum())
                for i, j in path]
    mcd = float(np.mean(per_pair))
    assert abs(mcd - K_MCD * mean) <= 1e-9 * max(1.0, mcd)
    return {"mcd_db": mcd, "frames_ref": len(kr), "frames_test": len(kt), "path_len": len(path),
            "total_cost": total}, path


# --- F0 metrics --------------------------------------------------------------

def f0_metrics(ref, test, path):
    r = np.array([ref[i] for i, _ in path], dtype=np.float64)
    s = np.array([test[j] for _, j in path], dtype=np.float64)
    both = (r > 0) & (s > 0)
    errors = int(((r > 0) != (s > 0)).sum())
    out = {"pairs": len(path), "both_voiced": int(both.sum()), "voicing_errors": errors,
           "vde": errors / len(path), "rmse_hz": None, "rmse_cents": None, "corr": None}
    if both.any():
        rv, sv = r[both], s[both]
        out["rmse_hz"] = float(np.sqrt(np.mean((sv - rv) ** 2)))
        out["rmse_cents"] = float(np.sqrt(np.mean((1200 * np.log2(sv / rv)) ** 2)))
        if both.sum() >= 2 and rv.std() > 0 and sv.std() > 0:
            out["corr"] = float(np.corrcoef(rv, sv)[0, 1])
    return out


# --- features of a file ------------------------------------------------------

def read_audio(path):
    # libsndfile's float read (16-bit PCM: sample / 32768), mixed to mono,
    # brought to 22050 Hz with scipy when the file has another rate
    y, sr = sf.read(path, dtype="float32", always_2d=True)
    y = y.mean(axis=1).astype(np.float64)
    if sr != SR:
        g = np.gcd(sr, SR)
        y = scipy.signal.resample_poly(y, SR // g, sr // g)
    return y


def hifigan_logmel(y):
    n_fft = 1024
    pad = (n_fft - HOP) // 2
    yp = np.pad(y, (pad, pad), mode="reflect")
    spec = librosa.stft(yp, n_fft=n_fft, hop_length=HOP, win_length=n_fft, window="hann", center=False)
    mag = np.sqrt(spec.real ** 2 + spec.imag ** 2 + 1e-9)
    fb = librosa.filters.mel(sr=SR, n_fft=n_fft, n_mels=80, fmin=0, fmax=8000, dtype=np.float64)
    return np.log(np.maximum(fb @ mag, 1e-5)).T  # [frames, 80]


def f0_track(y, frames):
    f0, t = pyworld.dio(y, SR, frame_period=HOP / SR * 1000)
    f0 = pyworld.stonemask(y, f0, t, SR)
    return f0[:frames]


def features(path):
    y = read_audio(path)
    logmel = hifigan_logmel(y)
    return logmel, f0_track(y, len(logmel))


def clip_pair(ref_path, test_path, note):
    lr, fr = features(ref_path)
    lt, ft = features(test_path)
    base, path = mcd_dtw(lr, lt)
    out = {"ref": ref_path, "test": test_path, "note": note,
           "mel_frames_ref": len(lr), "mel_frames_test": len(lt), **base,
           "mcd_c0_db": mcd_dtw(lr, lt, include_c0=True)[0]["mcd_db"],
           "mcd_trim40_db": mcd_dtw(lr, lt, trim_db=40.0)[0]["mcd_db"],
           "f0": f0_metrics(fr, ft, path)}
    swapped, _ = mcd_dtw(lt, lr)
    assert abs(swapped["mcd_db"] - base["mcd_db"]) <= 1e-9 * max(1.0, base["mcd_db"])
    return out


# --- derived clips -----------------------------------------------------------

def world_shift_clip(src, dst):
    x, sr = sf.read(src, dtype="float64")
    f0, t = pyworld.dio(x, sr, frame_period=5.0)
    f0 = pyworld.stonemask(x, f0, t, sr)
    sp = pyworld.cheaptrick(x, f0, t, sr)
    ap = pyworld.d4c(x, f0, t, sr)
    y = pyworld.synthesize(f0 * 2 ** (1 / 12), sp, ap, sr, frame_period=5.5)
    y = np.clip(y, -1.0, 1.0)
    sf.write(dst, y, sr, subtype="PCM_16", format="FLAC")


def round_trip_44k(src):
    """The clip through scipy resample_poly 22050 -> 44100 -> 22050 (returned, not written)."""
    y = read_audio(src)
    return scipy.signal.resample_poly(scipy.signal.resample_poly(y, 2, 1), 1, 2)


# --- small cases with their inputs ------------------------------------------

def dtw_cases():
    cases = [
        ("repeat_in_b", [[0], [1], [2]], [[0], [1], [1], [2]]),
        ("one_frame_vs_two", [[3, 4]], [[0, 0], [0, 0]]),
        ("all_ties_take_the_diagonal", [[0], [0]], [[0], [0]]),
        ("shifted_ramp", [[0], [1], [2], [3], [4]], [[1], [2], [3]]),
        ("two_dims", [[0, 0], [1, 0], [1, 1], [0, 1]], [[0, 0], [1, 1], [0, 1]]),
    ]
    out = []
    for name, a, b in cases:
        path, total, mean = dtw(a, b)
        out.append({"name": name, "a": a, "b": b, "path": path, "total": total, "mean": mean})
    return out


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def logmel_case():
    rng = np.random.default_rng(7)
    a = f32(rng.normal(-4.0, 2.0, size=(9, 32)))
    b = f32(rng.normal(-4.0, 2.0, size=(12, 32)))
    a[[0, 8]] -= 12.0  # quiet edge frames for the silence option
    b[[0, 1, 11]] -= 12.0
    a, b = f32(a), f32(b)
    order = 12
    res = {}
    for key, kw in [("default", {}), ("c0", {"include_c0": True}), ("trim20", {"trim_db": 20.0})]:
        r, path = mcd_dtw(a, b, order=order, **kw)
        r["path"] = path
        res[key] = r
    return {"order": order, "n_mels": 32, "a": a.tolist(), "b": b.tolist(),
            "cep_a": mel_cepstrum(a, order).tolist(), **res}


def f0_case():
    ref = f32([0, 0, 110, 112, 115, 0, 120, 125, 130, 0, 0, 140])
    test = f32([0, 105, 108, 0, 118, 121, 0, 133, 150, 0, 138])
    path = [(0, 0), (1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (6, 5), (7, 6), (8, 7), (9, 8),
            (10, 9), (11, 10)]
    same = f32([0, 200, 210, 0, 190, 180])
    other = f32([100, 190, 0, 0, 200, 170])
    identity = [(i, i) for i in range(len(same))]
    return {"ref": ref.tolist(), "test": test.tolist(), "path": path,
            "metrics": f0_metrics(ref, test, path),
            "same_length_ref": same.tolist(), "same_length_test": other.tolist(),
            "same_length_metrics": f0_metrics(same, other, identity)}


def main():
    os.makedirs(OUT, exist_ok=True)
    a = os.path.join(WAVS, "LJ001-0002.wav")
    b = os.path.join(WAVS, "LJ001-0008.wav")
    shifted = os.path.join(OUT, "LJ001-0002_world_shift.flac")
    world_shift_clip(a, shifted)

    pairs = [clip_pair(a, a, "a clip against itself"),
             clip_pair(a, b, "two different sentences"),
             clip_pair(a, shifted, "WORLD resynthesis, F0 +1 semitone, 10 % slower")]

    # the 8 clip against itself through a 44.1 kHz round trip (voxc-eval test:
    # voxc resamples its own 44.1 kHz copy, scipy is used here)
    lr, fr = features(b)
    y2 = round_trip_44k(b)
    l2 = hifigan_logmel(y2)
    f2 = f0_track(y2, len(l2))
    r44, p44 = mcd_dtw(lr, l2)
    round_trip = {"clip": b, "note": "resample_poly 22050 -> 44100 -> 22050", **r44,
                  "f0": f0_metrics(fr, f2, p44)}

    fixture = {
        "generator": "tests/ref/eval_metrics_ref.py (numpy %s, scipy %s, librosa %s, pyworld %s)"
                     % (np.__version__, scipy.__version__, librosa.__version__, pyworld.__version__),
        "mcd_constant": K_MCD,
        "dtw_cases": dtw_cases(),
        "logmel_case": logmel_case(),
        "f0_case": f0_case(),
        "clip_pairs": pairs,
        "round_trip_44k": round_trip,
    }
    with open(os.path.join(OUT, "metrics.json"), "w") as f:  # one top-level member a line
        f.write("{\n" + ",\n".join(" %s: %s" % (json.dumps(k), json.dumps(v)) for k, v in fixture.items())
                + "\n}\n")
    for p in pairs + [round_trip]:
        print("%-50s MCD %.4f dB  F0 %s" % (p.get("test", p.get("clip")), p["mcd_db"], p["f0"]))


if __name__ == "__main__":
    main()
