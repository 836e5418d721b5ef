#!/usr/bin/env python3
"""bench_tts.py — voxc against onnxruntime on the same Piper voice.

    python3 tools/bench_tts.py [--voice data/voices/en_US-joe-medium.onnx]
                               [--bin build/bin] [--threads 1,2] [--reps 7] [--json OUT.json]

What it measures (docs/BENCHMARKS.md, "VITS / Piper voice", records the results):

1. Synthesis speed. Ten sentences of data/texts/product-review-macbook-air.txt,
   phonemised once by `voxc-phonemize --normalize --ids` with the voice's map,
   so both engines get the same phoneme ids. noise_scale = noise_w = 0, so both
   produce the same durations and the same number of samples (checked). For each
   thread count, onnxruntime (this process, intra_op_num_threads = N,
   inter_op_num_threads = 1) and voxc (`voxc-bench tts --threads N`, a child
   process that loads the voice once) take turns, repetition by repetition, the
   first engine alternating; each repetition times the ten model calls. Reported:
   medians over the repetitions, real-time factor (time / seconds of audio) of
   each and the ratio voxc / onnxruntime (< 1: voxc is faster).
2. First audio of a 10-sentence paragraph: those ten sentences as one text
   through voxc's whole pipeline (normalise, split, phonemise, synthesize the
   first sentence); median over the repetitions. Also with the paragraph rotated
   to start with its longest sentence (the worst case: the first sentence is
   synthesized whole before its audio is out).
3. Peak resident memory of `voxc-tts` speaking one ~20-second sentence
   (/usr/bin/time), against 2 x the voice file's size + 50 MB; onnxruntime's
   (a Python process that runs the same ids) for comparison.

    python3 tools/bench_tts.py --asr out/review

instead checks that the audio of `make demo` is speech, by proxy: each part is
transcribed by pocketsphinx (Debian: pocketsphinx, pocketsphinx-en-us; audio
resampled to 16 kHz) and the words it gets right are counted against the words
voxc spoke (the section's normalised text), aligned with difflib.

The C engine does not need Python; this is a measuring script only.
"""
import argparse
import difflib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np
import onnxruntime as ort

SCRIPT = "data/texts/product-review-macbook-air.txt"
LONG_SENTENCE = (
    "The new laptop is thin and light, its display is bright and sharp, the keyboard feels good "
    "under the fingers, the speakers are loud and clear, and the battery lasts through a long "
    "working day with plenty left over for a movie in the evening, which is why it remains an "
    "easy recommendation for students, writers, and anyone who travels a lot for work."
)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def review_sections():
    """The script's sections as [(name, text)]: headers and comments dropped."""
    sections = []
    for line in open(SCRIPT, encoding="utf-8"):
        if line.startswith("##"):
            sections.append((line.strip("#").strip(), []))
        elif not line.startswith("#") and line.strip() and sections:
            sections[-1][1].append(line.strip())
    return [(name, " ".join(lines)) for name, lines in sections]


def review_text():
    return "\n\n".join(text for _, text in review_sections())


def phonemize(bin_dir, voice_json, text):
    """[(sentence, [ids])] as voxc-phonemize --normalize --ids prints them."""
    out = run([f"{bin_dir}/voxc-phonemize", "--voice", voice_json, "--normalize", "--ids"], input=text).stdout
    sentences, current = [], None
    for line in out.splitlines():
        if line.startswith("sentence: "):
            current = line[len("sentence: "):]
        elif line.startswith("ids: "):
            sentences.append((current, [int(x) for x in line[5:].split()]))
    return sentences


class Voxc:
    """voxc-bench tts: one request line in, one JSON line out."""

    def __init__(self, bin_dir, voice, threads):
        self.p = subprocess.Popen([f"{bin_dir}/voxc-bench", "tts", "-m", voice, "--threads", str(threads),
                                   "--noise-scale", "0", "--noise-w", "0"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, request):
        self.p.stdin.write(request + "\n")
        self.p.stdin.flush()
        answer = json.loads(self.p.stdout.readline())
        if "error" in answer:
            sys.exit(f"bench_tts: voxc-bench: {answer['error']}")
        return answer

    def synth(self, ids):
        a = self.ask("ids " + " ".join(map(str, ids)))
        return a["compute_s"], a["samples"]

    def close(self):
        self.p.stdin.close()
        self.p.wait()


class Onnx:
    def __init__(self, voice, threads):
        o = ort.SessionOptions()
        o.intra_op_num_threads = threads
        o.inter_op_num_threads = 1
        o.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.s = ort.InferenceSession(voice, o, providers=["CPUExecutionProvider"])
        self.scales = np.array([0.0, 1.0, 0.0], dtype=np.float32)  # noise_scale, length_scale, noise_w

    def synth(self, ids):
        x = np.array([ids], dtype=np.int64)
        feed = {"input": x, "input_lengths": np.array([x.shape[1]], dtype=np.int64), "scales": self.scales}
        t0 = time.perf_counter()
        audio = self.s.run(None, feed)[0]
        return time.perf_counter() - t0, int(audio.size)


def speed(bin_dir, voice, sentences, threads, reps, sample_rate):
    """Alternating repetitions of the sentences on both engines."""
    onnx, voxc = Onnx(voice, threads), Voxc(bin_dir, voice, threads)
    engines = {"onnxruntime": onnx, "voxc": voxc}
    samples = {}
    for name, e in engines.items():  # warm-up, and the sample counts must agree
        samples[name] = [e.synth(ids)[1] for _, ids in sentences]
    if samples["voxc"] != samples["onnxruntime"]:
        sys.exit(f"bench_tts: the engines disagree on lengths: {samples}")
    audio_s = sum(samples["voxc"]) / sample_rate
    totals = {name: [] for name in engines}
    per_sentence = {name: [[] for _ in sentences] for name in engines}
    for r in range(reps):
        order = ["onnxruntime", "voxc"] if r % 2 == 0 else ["voxc", "onnxruntime"]
        for name in order:
            t_sum = 0.0
            for k, (_, ids) in enumerate(sentences):
                t, _ = engines[name].synth(ids)
                per_sentence[name][k].append(t)
                t_sum += t
            totals[name].append(t_sum)
    paragraph = " ".join(s for s, _ in sentences)
    longest = max(range(len(sentences)), key=lambda k: len(sentences[k][1]))
    rotated = " ".join(s for s, _ in sentences[longest:] + sentences[:longest])
    first = {"paragraph": [], "longest_first": []}
    for _ in range(reps):
        first["paragraph"].append(voxc.ask("text " + paragraph)["first_audio_ms"])
        first["longest_first"].append(voxc.ask("text " + rotated)["first_audio_ms"])
    voxc.close()
    med = {name: statistics.median(v) for name, v in totals.items()}
    return {
        "threads": threads,
        "reps": reps,
        "audio_s": audio_s,
        "median_s": med,
        "all_s": totals,
        "rtf": {name: med[name] / audio_s for name in med},
        "ratio_voxc_over_onnxruntime": med["voxc"] / med["onnxruntime"],
        "first_audio_ms": {k: statistics.median(v) for k, v in first.items()},
        "first_sentence": {
            "paragraph": {"audio_s": samples["voxc"][0] / sample_rate,
                          "onnxruntime_ms": 1e3 * statistics.median(per_sentence["onnxruntime"][0])},
            "longest_first": {"audio_s": samples["voxc"][longest] / sample_rate,
                              "onnxruntime_ms": 1e3 * statistics.median(per_sentence["onnxruntime"][longest])},
        },
    }


def peak_rss(bin_dir, voice, voice_json):
    """Peak RSS (MB) of voxc-tts and of onnxruntime speaking one long sentence."""
    (_, ids), = phonemize(bin_dir, voice_json, LONG_SENTENCE)
    spec = " ".join(map(str, ids))
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "long.wav")
        r = run(["/usr/bin/time", "-f", "max_rss_kb %M", f"{bin_dir}/voxc-tts", "-m", voice, "--ids", spec,
                 "-o", wav, "--threads", "1", "--json"])
    rss_kb = int(r.stderr.strip().splitlines()[-1].split()[1])
    audio_s = json.loads(r.stdout)["total"]["audio_s"]
    probe = ("import resource, sys, numpy as np, onnxruntime as ort\n"
             "o = ort.SessionOptions(); o.intra_op_num_threads = 1\n"
             "s = ort.InferenceSession(sys.argv[1], o, providers=['CPUExecutionProvider'])\n"
             "x = np.array([[int(v) for v in sys.argv[2].split()]], dtype=np.int64)\n"
             "s.run(None, {'input': x, 'input_lengths': np.array([x.shape[1]], dtype=np.int64),\n"
             "             'scales': np.array([0.667, 1.0, 0.8], dtype=np.float32)})\n"
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    ort_kb = int(run([sys.executable, "-c", probe, voice, spec]).stdout.strip())
    weights_mb = os.path.getsize(voice) / 1e6
    # ru_maxrss and %M are in KiB; report MB (1e6 bytes) like the weights and the limit
    return {"sentence_audio_s": audio_s, "voxc_mb": rss_kb * 1024 / 1e6,
            "onnxruntime_python_mb": ort_kb * 1024 / 1e6,
            "weights_mb": weights_mb, "limit_mb": 2 * weights_mb + 50}


def words(text):
    return re.findall(r"[a-z']+", text.lower().replace("-", " "))


def transcribe(path):
    """pocketsphinx's words for a WAV file (resampled to 16 kHz)."""
    from scipy.signal import resample_poly
    model = "/usr/share/pocketsphinx/model/en-us"
    with wave.open(path) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32)
    y = np.clip(resample_poly(x, 16000, rate), -32768, 32767).astype(np.int16)
    with tempfile.TemporaryDirectory() as tmp:
        wav16 = os.path.join(tmp, "16k.wav")
        with wave.open(wav16, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(y.tobytes())
        out = run(["pocketsphinx_continuous", "-infile", wav16, "-hmm", f"{model}/en-us", "-lm",
                   f"{model}/en-us.lm.bin", "-dict", f"{model}/cmudict-en-us.dict", "-logfn", "/dev/null"]).stdout
    return words(out)


def asr_check(bin_dir, voice_json, folder):
    """Words of each voxc-reviews part that pocketsphinx recovers."""
    name = os.path.splitext(os.path.basename(SCRIPT))[0]
    summary = json.load(open(os.path.join(folder, f"{name}_summary.json")))
    texts = dict(review_sections())
    hit_all = ref_all = 0
    for part in summary["sections"]:
        spoken = phonemize(bin_dir, voice_json, texts[part["name"]])
        ref = words(" ".join(sentence for sentence, _ in spoken))
        heard = transcribe(os.path.join(folder, part["file"]))
        hit = sum(b.size for b in difflib.SequenceMatcher(a=ref, b=heard, autojunk=False).get_matching_blocks())
        hit_all, ref_all = hit_all + hit, ref_all + len(ref)
        print(f"{part['name']}: {hit}/{len(ref)} words recovered ({100 * hit / len(ref):.0f}%)")
        print(f"   heard: {' '.join(heard)}")
    print(f"all sections: {hit_all}/{ref_all} words recovered ({100 * hit_all / ref_all:.0f}%)")


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    git = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip()
    return {"cpu": model, "cpus": os.cpu_count(), "load_avg": os.getloadavg(), "python": platform.python_version(),
            "onnxruntime": ort.__version__, "voxc_git": git}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--voice", default="data/voices/en_US-joe-medium.onnx")
    ap.add_argument("--bin", default="build/bin", help="folder with voxc-phonemize, voxc-bench, voxc-tts")
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    ap.add_argument("--reps", type=int, default=7, help="repetitions (>= 5; medians are reported)")
    ap.add_argument("--sentences", type=int, default=10)
    ap.add_argument("--json", help="also write every number to this file")
    ap.add_argument("--asr", metavar="DIR", help="instead: transcribe voxc-reviews' parts in DIR (make demo: "
                    "out/review) with pocketsphinx and count the words recovered")
    a = ap.parse_args()
    if a.reps < 5:
        ap.error("--reps must be at least 5")
    voice_json = a.voice + ".json"
    for path in (a.voice, voice_json):
        if not os.path.exists(path):
            sys.exit(f"bench_tts: no {path}: run `make voice`")
    for tool in ("voxc-phonemize", "voxc-bench", "voxc-tts"):
        if not os.access(f"{a.bin}/{tool}", os.X_OK):
            sys.exit(f"bench_tts: no {a.bin}/{tool}: run `make` (or pass --bin)")
    if a.asr:
        asr_check(a.bin, voice_json, a.asr)
        return
    sample_rate = json.load(open(voice_json))["audio"]["sample_rate"]
    sentences = phonemize(a.bin, voice_json, review_text())[: a.sentences]
    result = {"machine": machine(), "voice": a.voice, "sentences": len(sentences), "speed": []}
    print(f"voice {a.voice}; {len(sentences)} sentences; {a.reps} repetitions; {result['machine']['cpu']}, "
          f"{result['machine']['cpus']} CPUs, load {result['machine']['load_avg'][0]:.2f}")
    for threads in [int(t) for t in a.threads.split(",")]:
        s = speed(a.bin, a.voice, sentences, threads, a.reps, sample_rate)
        result["speed"].append(s)
        print(f"{threads} thread{'s' if threads > 1 else ''}: {s['audio_s']:.2f} s of audio; "
              f"onnxruntime {s['median_s']['onnxruntime']:.3f} s (RTF {s['rtf']['onnxruntime']:.4f}), "
              f"voxc {s['median_s']['voxc']:.3f} s (RTF {s['rtf']['voxc']:.4f}); "
              f"voxc/onnxruntime {s['ratio_voxc_over_onnxruntime']:.3f}")
        for k, label in (("paragraph", "10-sentence paragraph"), ("longest_first", "longest sentence first")):
            f = s["first_sentence"][k]
            print(f"   first audio, {label}: voxc {s['first_audio_ms'][k]:.0f} ms (first sentence "
                  f"{f['audio_s']:.2f} s of audio; onnxruntime's model call alone {f['onnxruntime_ms']:.0f} ms)")
    m = peak_rss(a.bin, a.voice, voice_json)
    result["memory"] = m
    print(f"peak RSS, one {m['sentence_audio_s']:.1f}-s sentence: voxc-tts {m['voxc_mb']:.0f} MB "
          f"(limit 2 x {m['weights_mb']:.1f} MB + 50 MB = {m['limit_mb']:.0f} MB); onnxruntime in Python "
          f"{m['onnxruntime_python_mb']:.0f} MB")
    result["machine"]["load_avg_end"] = os.getloadavg()
    print(f"load average at the end: {result['machine']['load_avg_end'][0]:.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
