#!/usr/bin/env python3
"""eval_fs2.py — a FastSpeech2 model against its teacher voice on held-out sentences.

The evidence script of issue #7. For each of --count transcripts taken after
the first --skip lines of --texts (the lines voxc-distill used for the
training corpus are skipped, so the sentences are held out), it speaks the
text twice with voxc-tts:
  teacher   the Piper voice the corpus was distilled from, with the noise
            settings and seed of the distillation (voxc-distill's defaults)
  fs2       the FastSpeech2 model with --vocoder (a HiFi-GAN checkpoint or
            griffin-lim)
both with --sentence-silence 0, and reports:
  MCD-DTW (dB, c0 excluded) and F0 RMSE (Hz, cents) from voxc-eval (their
            definitions: docs/EVALUATION.md),
  duration error: mean |frames_fs2 - frames_teacher| per phoneme id, from the
            --timestamps of both (the ids are the same: same phonemiser and map),
  WER of pocketsphinx (Debian pocketsphinx + pocketsphinx-en-us) on both
            outputs against the normalised text,
  RTF of each (compute_s / audio_s of voxc-tts --json), same thread count.
Python only drives the binaries and scores the ASR output; the engine never
needs it.

  python3 tools/eval_fs2.py --fs2 RUN/model.safetensors --vocoder VOC.safetensors \\
      --teacher data/voices/en_US-joe-medium.onnx --out out/fs2-eval
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_tts  # noqa: E402  (pocketsphinx transcription, word splitting)


def tts(bin_dir, args, text, out_wav):
    """voxc-tts on one text; its --json."""
    cmd = [f"{bin_dir}/voxc-tts", *args, "--json", "--timestamps", "--sentence-silence", "0", "-o", out_wav, text]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"eval_fs2: {' '.join(cmd[:4])} ... failed: {r.stderr.strip()}")
    return json.loads(r.stdout)


def frames_per_id(report, hop_s):
    """[(id, frames)] over all sentences, from the timestamps."""
    out = []
    for s in report["sentences"]:
        for t in s["timestamps"]:
            out.append((t["id"], round((t["end_s"] - t["start_s"]) / hop_s)))
    return out


def word_errors(ref, hyp):
    """Levenshtein distance between word lists."""
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[len(hyp)]


def held_out(path, skip, count):
    rows = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            line = line.rstrip("\n")
            if i < skip or not line:
                continue
            parts = line.split("|")
            rows.append((parts[0], parts[-1]) if len(parts) > 1 else (f"line-{i + 1:06d}", parts[0]))
            if len(rows) == count:
                break
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default="build/bin", help="folder with voxc-tts and voxc-eval")
    ap.add_argument("--fs2", required=True, help="FastSpeech2 model file (voxc-train fastspeech2)")
    ap.add_argument("--vocoder", default="griffin-lim", help="HiFi-GAN checkpoint or griffin-lim")
    ap.add_argument("--teacher", default="data/voices/en_US-joe-medium.onnx")
    ap.add_argument("--texts", default="data/texts/ljspeech-first800.txt")
    ap.add_argument("--skip", type=int, default=760, help="lines used for the corpus (default 760, make corpus)")
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="out/fs2-eval", help="folder for the WAVs and results.json")
    a = ap.parse_args()

    rows = held_out(a.texts, a.skip, a.count)
    if not rows:
        sys.exit(f"eval_fs2: no texts after line {a.skip} of {a.texts}")
    for sub in ("teacher", "fs2"):
        os.makedirs(os.path.join(a.out, sub), exist_ok=True)
    common = ["--threads", str(a.threads), "--seed", "0"]
    teacher_args = ["-m", a.teacher, *common]
    fs2_args = ["-m", a.fs2, "--vocoder", a.vocoder, *common]
    per = []
    for clip_id, text in rows:
        t = tts(a.bin, teacher_args, text, os.path.join(a.out, "teacher", clip_id + ".wav"))
        s = tts(a.bin, fs2_args, text, os.path.join(a.out, "fs2", clip_id + ".wav"))
        hop_s = t["sentences"][0]["timestamps"][-1]["end_s"] / t["sentences"][0]["frames"]
        dt, ds = frames_per_id(t, hop_s), frames_per_id(s, hop_s)
        same_ids = [i for i, _ in dt] == [i for i, _ in ds]
        dur_err = sum(abs(x - y) for (_, x), (_, y) in zip(dt, ds)) / len(dt) if same_ids else None
        ref_words = bench_tts.words(" ".join(x["text"] for x in t["sentences"]))
        heard_t = bench_tts.transcribe(os.path.join(a.out, "teacher", clip_id + ".wav"))
        heard_s = bench_tts.transcribe(os.path.join(a.out, "fs2", clip_id + ".wav"))
        per.append({"id": clip_id, "text": text, "words": len(ref_words),
                    "teacher_errors": word_errors(ref_words, heard_t), "fs2_errors": word_errors(ref_words, heard_s),
                    "duration_error_frames": dur_err, "ids": len(dt),
                    "teacher_audio_s": t["total"]["audio_s"], "fs2_audio_s": s["total"]["audio_s"],
                    "teacher_compute_s": t["total"]["compute_s"], "fs2_compute_s": s["total"]["compute_s"]})
        print(f"{clip_id}: {per[-1]['ids']} ids, duration error {dur_err if dur_err is None else round(dur_err, 2)}"
              f" frames, words wrong teacher {per[-1]['teacher_errors']}/{len(ref_words)}, fs2 "
              f"{per[-1]['fs2_errors']}/{len(ref_words)}", flush=True)

    ev = subprocess.run([f"{a.bin}/voxc-eval", "--ref-dir", os.path.join(a.out, "teacher"), "--test-dir",
                         os.path.join(a.out, "fs2"), "--json"], capture_output=True, text=True)
    if ev.returncode != 0:
        sys.exit(f"eval_fs2: voxc-eval failed: {ev.stderr.strip()}")
    metrics = json.loads(ev.stdout)
    words = sum(p["words"] for p in per)
    durs = [p["duration_error_frames"] for p in per if p["duration_error_frames"] is not None]
    summary = {
        "sentences": len(per),
        "mcd_db": metrics["mean"]["mcd_db"],
        "f0_rmse_hz": metrics["mean"]["f0_rmse_hz"],
        "f0_rmse_cents": metrics["mean"]["f0_rmse_cents"],
        "vuv_error": metrics["mean"]["vuv_error"],
        "duration_error_frames": sum(durs) / len(durs) if durs else None,
        "duration_sentences": len(durs),
        "wer_teacher": sum(p["teacher_errors"] for p in per) / words,
        "wer_fs2": sum(p["fs2_errors"] for p in per) / words,
        "rtf_teacher": sum(p["teacher_compute_s"] for p in per) / sum(p["teacher_audio_s"] for p in per),
        "rtf_fs2": sum(p["fs2_compute_s"] for p in per) / sum(p["fs2_audio_s"] for p in per),
        "threads": a.threads, "vocoder": a.vocoder,
    }
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"summary": summary, "sentences": per, "voxc_eval": metrics}, f, indent=1)
    print(f"\n{len(per)} held-out sentences ({words} words), teacher {a.teacher}, FastSpeech2 {a.fs2}, "
          f"vocoder {a.vocoder}, {a.threads} threads")
    print("| MCD-DTW (dB, no c0) | F0 RMSE | V/UV error | duration error (frames/id) | WER teacher | WER FS2 |"
          " RTF teacher | RTF FS2 + vocoder |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    de = summary["duration_error_frames"]
    print(f"| {summary['mcd_db']:.2f} | {summary['f0_rmse_hz']:.1f} Hz / {summary['f0_rmse_cents']:.0f} cents | "
          f"{100 * summary['vuv_error']:.1f} % | {'n/a' if de is None else f'{de:.2f}'} | "
          f"{100 * summary['wer_teacher']:.1f} % | {100 * summary['wer_fs2']:.1f} % | "
          f"{summary['rtf_teacher']:.3f} | {summary['rtf_fs2']:.3f} |")


if __name__ == "__main__":
    main()
