#!/usr/bin/env python3
"""f0_fixture.py — reference F0 contours for tests/test_pitch_svg.c.

For each committed LJ Speech clip, runs WORLD's DIO and StoneMask through
pyworld exactly as the FastSpeech2 preprocessor does (frame period = hop / sr,
pyworld's default floor 71 Hz, ceil 800 Hz, 2 bands per octave, allowed range
0.1), then FastSpeech2's post-processing: linear interpolation over unvoiced
frames with the edge values held, and per-phoneme averages over a fixed,
made-up list of durations (the C test uses the same list). Writes one file per
clip, tests/data/f0/<clip>.txt, one named vector per line:

    NAME COUNT VALUES...

    dio        DIO's F0 per frame (Hz, 0 = unvoiced)
    stonemask  DIO + StoneMask (the FastSpeech2 pitch before post-processing)
    interp     stonemask interpolated over unvoiced frames
    durations  the phoneme durations in frames
    phoneme    per-phoneme means of interp

Run from the repository root (pip install pyworld soundfile numpy):

    python3 tests/ref/f0_fixture.py
"""
import os

import numpy as np
import pyworld
import soundfile

CLIPS = ["LJ001-0002", "LJ001-0008"]
WAV_DIR = "data/ljspeech-mini/wavs"
OUT_DIR = "tests/data/f0"
SR = 22050
HOP = 256
# Made-up phoneme durations in frames (the C test repeats this list).
DURATIONS = [3, 7, 0, 12, 5, 9, 1, 15, 4, 8, 20, 6, 11, 2, 10]


def interpolate(f0):
    voiced = np.where(f0 > 0)[0]
    if len(voiced) == 0:
        return np.zeros_like(f0)
    return np.interp(np.arange(len(f0)), voiced, f0[voiced])


def phoneme_average(f0, durations):
    out, pos = [], 0
    for d in durations:
        out.append(f0[pos:pos + d].mean() if d > 0 else 0.0)
        pos += d
    return np.array(out)


def line(name, values, fmt):
    return "%s %d %s" % (name, len(values), " ".join(fmt % v for v in values))


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for clip in CLIPS:
        x, sr = soundfile.read(os.path.join(WAV_DIR, clip + ".wav"), dtype="float64")
        assert sr == SR, "%s: expected %d Hz, got %d" % (clip, SR, sr)
        dio, t = pyworld.dio(x, sr, frame_period=HOP / sr * 1000)
        stonemask = pyworld.stonemask(x, dio, t, sr)
        interp = interpolate(stonemask)
        phoneme = phoneme_average(interp, DURATIONS)
        lines = [
            "# %s.txt - written by tests/ref/f0_fixture.py (pyworld %s); do not edit."
            % (clip, pyworld.__version__),
            "# %s.wav: %d samples at %d Hz, hop %d; NAME COUNT VALUES..." % (clip, len(x), sr, HOP),
            line("dio", dio, "%.4f"),
            line("stonemask", stonemask, "%.4f"),
            line("interp", interp, "%.4f"),
            line("durations", DURATIONS, "%d"),
            line("phoneme", phoneme, "%.4f"),
        ]
        with open(os.path.join(OUT_DIR, clip + ".txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        print("%s: %d frames, %d voiced" % (clip, len(dio), int((stonemask > 0).sum())))


if __name__ == "__main__":
    main()
