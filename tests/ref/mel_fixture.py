#!/usr/bin/env python3
"""mel_fixture.py — librosa reference values for tests/test_audio.c.

Computes, in float64 with librosa (0.11) and numpy:
  * the HiFi-GAN / VITS log-mel of the committed LJ Speech clips
    (ref: jik876/hifi-gan meldataset.py mel_spectrogram): sr 22050, n_fft 1024,
    Hann 1024, hop 256, reflect padding (n_fft - hop) / 2 each side, center
    False, magnitude sqrt(re^2 + im^2 + 1e-9), 80 Slaney mels (Slaney norm)
    over 0..8000 Hz, log(max(mel, 1e-5)); stored time-major [frames, 80];
  * librosa.filters.mel matrices: Slaney scale + Slaney norm (the recipe's),
    HTK scale without norm, and HTK scale + Slaney norm on a 16 kHz setup;
  * a complex librosa.stft with a window shorter than n_fft and zero
    ("constant") centre padding, [frames, bins, 2];
  * FastSpeech2 energy (L2 norm of each magnitude frame, no eps) with the
    recipe's STFT for both clips, its per-phoneme means for fixed random
    durations (and of a pitch-like copy with zeroed frames, zeros skipped),
    and the population mean/std/min/max over both clips (in the JSON).

Each array is written as raw float32 little-endian to tests/data/mel/NAME.f32
and described (shape and parameters) in tests/data/mel/fixture.json.
Run from the repository root:

    python3 tests/ref/mel_fixture.py
"""
import json
import os

import librosa
import numpy as np
import soundfile as sf

OUT = "tests/data/mel"
CLIPS = ["LJ001-0002", "LJ001-0008"]
arrays = {}


def put(name, a, **params):
    a = np.ascontiguousarray(np.asarray(a, dtype="<f4"))
    path = os.path.join(OUT, name + ".f32")
    a.tofile(path)
    arrays[name] = {"file": name + ".f32", "shape": list(a.shape), **params}


def read_clip(clip):
    # libsndfile's float read of 16-bit PCM: sample / 32768
    y, sr = sf.read("data/ljspeech-mini/wavs/%s.wav" % clip, dtype="float32")
    assert sr == 22050
    return y.astype(np.float64)


def hifigan_logmel(y):
    n_fft, hop = 1024, 256
    pad = (n_fft - hop) // 2
    yp = np.pad(y, (pad, pad), mode="reflect")
    spec = librosa.stft(yp, n_fft=n_fft, hop_length=hop, win_length=n_fft, window="hann", center=False)
    mag = np.sqrt(spec.real**2 + spec.imag**2 + 1e-9)
    fb = librosa.filters.mel(sr=22050, n_fft=n_fft, n_mels=80, fmin=0, fmax=8000, dtype=np.float64)
    mel = fb @ mag
    return np.log(np.maximum(mel, 1e-5)).T  # [frames, 80]


def main():
    os.makedirs(OUT, exist_ok=True)
    for clip in CLIPS:
        y = read_clip(clip)
        logmel = hifigan_logmel(y)
        assert logmel.shape[0] == len(y) // 256
        put("logmel_" + clip, logmel, clip="data/ljspeech-mini/wavs/%s.wav" % clip, samples=len(y))

    banks = [
        ("fb_slaney_slaney", dict(sr=22050, n_fft=1024, n_mels=80, fmin=0.0, fmax=8000.0, htk=False, norm="slaney")),
        ("fb_htk_none", dict(sr=22050, n_fft=1024, n_mels=80, fmin=0.0, fmax=8000.0, htk=True, norm=None)),
        ("fb_htk_slaney_16k", dict(sr=16000, n_fft=512, n_mels=40, fmin=20.0, fmax=7600.0, htk=True, norm="slaney")),
    ]
    for name, kw in banks:
        fb = librosa.filters.mel(**kw, dtype=np.float64)
        put(name, fb, **kw)

    energies = []
    for clip in CLIPS:
        y = read_clip(clip)
        yp = np.pad(y, (384, 384), mode="reflect")
        spec = librosa.stft(yp, n_fft=1024, hop_length=256, win_length=1024, window="hann", center=False)
        energy = np.linalg.norm(np.abs(spec), axis=0)
        put("energy_" + clip, energy)
        energies.append(energy)
    energy = energies[0]
    rng = np.random.default_rng(20261125)
    durations = rng.integers(0, 9, size=40)
    durations = durations[np.cumsum(durations) <= len(energy)]
    starts = np.concatenate([[0], np.cumsum(durations)[:-1]])
    put("durations", durations)
    put("phone_energy", [energy[a:a + d].mean() if d else 0.0 for a, d in zip(starts, durations)])
    pitch = energy.copy()
    pitch[rng.random(len(pitch)) < 0.3] = 0
    put("pitchlike", pitch)

    def nonzero_mean(v):
        v = v[v != 0]
        return v.mean() if len(v) else 0.0

    put("phone_pitchlike", [nonzero_mean(pitch[a:a + d]) for a, d in zip(starts, durations)])
    both = np.concatenate(energies)
    stats = {"mean": float(both.mean()), "std": float(both.std()), "min": float(both.min()),
             "max": float(both.max()), "count": int(len(both))}

    y = read_clip(CLIPS[0])[:4096]
    spec = librosa.stft(y, n_fft=512, hop_length=160, win_length=400, window="hann", center=True,
                        pad_mode="constant")
    put("stft_zero_center", np.stack([spec.real.T, spec.imag.T], axis=-1),
        clip="data/ljspeech-mini/wavs/%s.wav" % CLIPS[0], samples=4096, n_fft=512, hop=160, win_length=400,
        pad=256, pad_mode="constant")

    with open(os.path.join(OUT, "fixture.json"), "w") as f:
        json.dump({"written_by": "tests/ref/mel_fixture.py", "librosa": librosa.__version__,
                   "dtype": "float32 little-endian, C order", "energy_stats": stats,
                   "arrays": arrays}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
