#!/usr/bin/env python3
"""fs2_targets_ref.py — numpy reference for tests/test_fs2_train.c: FastSpeech2
phoneme-level pitch and energy targets and the corpus statistics
(train/fs2_data.h), following ming024/FastSpeech2 preprocessor/preprocessor.py:

  * F0 over the aligned frames (the first sum(durations)), unvoiced frames
    (0) filled by linear interpolation between voiced frames and held at the
    first / last voiced value outside them — np.interp over the voiced frame
    indices, which is scipy interp1d(..., fill_value=(first, last),
    bounds_error=False) as ming024 calls it;
  * per phoneme: the mean over its frames; a phoneme of 0 frames takes the
    value of the frame it sits at (min(pos, S - 1)) — voxc's deliberate
    difference (ming024 writes 0 there);
  * statistics: per utterance, values strictly inside
    (p25 - 1.5 IQR, p75 + 1.5 IQR) (np.percentile, linear) feed the mean and
    the population std (sklearn StandardScaler); min / max of the normalised
    values over every phoneme value, outliers included.

Inputs are random (seeded) float32 F0 / energy tracks with unvoiced runs at
the start, inside and at the end, durations with a 0 and an unaligned tail,
and an energy outlier. Output: tests/data/fs2train/targets.json. Run from the
repository root (pip install numpy):

    python3 tests/ref/fs2_targets_ref.py
"""
import json
import os

import numpy as np


def utterance(rng, n_frames, n_phonemes, tail, zero_at=None, outlier_at=None):
    f0 = rng.uniform(90, 250, n_frames).astype(np.float32)
    f0[:3] = 0                                  # unvoiced start
    f0[n_frames // 3: n_frames // 3 + 5] = 0    # unvoiced run inside
    f0[-4:] = 0                                 # unvoiced end
    energy = rng.uniform(0.1, 30, n_frames).astype(np.float32)
    S = n_frames - tail
    cuts = np.sort(rng.choice(np.arange(1, S), n_phonemes - 1, replace=False))
    durations = np.diff(np.concatenate([[0], cuts, [S]])).astype(np.int64)
    if zero_at is not None:                      # move one phoneme's frames to its neighbour
        durations[zero_at + 1] += durations[zero_at]
        durations[zero_at] = 0
    if outlier_at is not None:
        energy[outlier_at] = 5000.0
    return f0, energy, durations


def targets(f0, energy, durations):
    S = int(durations.sum())
    f = f0[:S].astype(np.float64)
    e = energy[:S].astype(np.float64)
    voiced = np.nonzero(f > 0)[0]
    contour = np.interp(np.arange(S), voiced, f[voiced])
    pitch, pe = [], []
    pos = 0
    for d in durations:
        if d == 0:
            at = min(pos, S - 1)
            pitch.append(contour[at])
            pe.append(e[at])
        else:
            pitch.append(contour[pos:pos + d].mean())
            pe.append(e[pos:pos + d].mean())
            pos += d
    return np.array(pitch, np.float32), np.array(pe, np.float32)


def remove_outlier(values):
    p25 = np.percentile(values, 25)
    p75 = np.percentile(values, 75)
    lower = p25 - 1.5 * (p75 - p25)
    upper = p75 + 1.5 * (p75 - p25)
    return values[np.logical_and(values > lower, values < upper)]


def stats(values):
    values = [v.astype(np.float64) for v in values]
    kept = np.concatenate([remove_outlier(v) for v in values])
    mean, std = kept.mean(), kept.std()
    every = np.concatenate(values)
    normalised = (every - mean) / std
    return {"mean": mean, "std": std, "min": normalised.min(), "max": normalised.max(),
            "kept": int(kept.size)}


def main():
    rng = np.random.default_rng(20261125)
    specs = [(60, 9, 2, None, None), (45, 7, 0, 3, None), (80, 12, 3, None, 40), (52, 8, 1, None, None)]
    utts = []
    for n_frames, n_ph, tail, zero_at, outlier_at in specs:
        f0, energy, durations = utterance(rng, n_frames, n_ph, tail, zero_at, outlier_at)
        pitch, pe = targets(f0, energy, durations)
        utts.append({"f0": [float(x) for x in f0], "energy": [float(x) for x in energy],
                     "durations": [int(x) for x in durations],
                     "pitch": [float(x) for x in pitch], "phoneme_energy": [float(x) for x in pe]})
    p = stats([np.array(u["pitch"], np.float32) for u in utts])
    e = stats([np.array(u["phoneme_energy"], np.float32) for u in utts])
    out = {"utterances": utts,
           "stats": {"pitch_mean": p["mean"], "pitch_std": p["std"], "pitch_min": p["min"],
                     "pitch_max": p["max"], "pitch_kept": p["kept"],
                     "energy_mean": e["mean"], "energy_std": e["std"], "energy_min": e["min"],
                     "energy_max": e["max"], "energy_kept": e["kept"]}}
    os.makedirs("tests/data/fs2train", exist_ok=True)
    with open("tests/data/fs2train/targets.json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("pitch", p, "\nenergy", e)


if __name__ == "__main__":
    main()
