#!/usr/bin/python3
"""bench_hifigan.py — voxc against PyTorch on HiFi-GAN: training step and inference.

    /usr/bin/python3 tools/bench_hifigan.py [--bin build/bin] [--threads 1,2]
        [--infer-configs v1,v3] [--frames 860] [--infer-reps 7]
        [--train-batches 16:3,2:7] [--segment 8192] [--json OUT.json]

What it measures (issue #6, "Speed"; the numbers go to docs/BENCHMARKS.md):

1. Inference: the V1 and V3 generators on one mel of --frames frames (860 frames
   = 220160 samples = 9.98 s at 22050 Hz), random weights, weight norm removed
   in both engines; PyTorch under torch.inference_mode(), voxc with no tape
   (`voxc-bench hifigan`, request `infer FRAMES`).
2. One V3 training step of the reference loop (jik876/hifi-gan train.py): G
   forward, log-mel of y and of G's output, MPD + MSD on (y, G's output detached),
   LSGAN discriminator loss, AdamW update of both discriminators; then MPD + MSD
   on (y, G's output), LSGAN generator loss + 2 x feature matching + 45 x mel L1,
   AdamW update of G (lr 2e-4, betas 0.8, 0.99, weight decay 0.01). Inputs: a batch
   of uniform noise in [-0.5, 0.5) and its 80-band log-mel (the recipe's input mel,
   0..8 kHz); the loss mel spans 0..11025 Hz. voxc: request `train BATCH SEGMENT`
   (models/hifigan.h vx_hifigan_gan_step). --train-batches lists BATCH:REPS pairs.

The PyTorch models are those of tests/ref/hifigan_parity.py (imported, not
copied), built with the published V1/V3 and discriminator sizes; its log_mel is
pointed at the recipe's STFT (n_fft 1024, hop 256, window 1024, 80 Slaney mels).

For each thread count N: PyTorch runs in this process with torch.set_num_threads(N)
(inter-op threads 1) and voxc in a child process `voxc-bench hifigan --threads N`
that keeps its models. Each measurement is first done once per engine as a
warm-up (and the output lengths are compared), then the engines take turns
repetition by repetition, the first engine alternating. Reported: medians, every
single time, and the ratio voxc / PyTorch (< 1: voxc is faster). The load average
is recorded at the start and the end of every measurement, since the machine
may be shared; for the same reason the script sets its oom_score_adj (and
voxc-bench's) to 1000, so that running out of memory ends the benchmark and
not other work (--no-oom-first keeps the default).

This is a measuring script only; the C engine does not need Python.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
import hifigan_parity as hp  # noqa: E402  (the PyTorch HiFi-GAN of the parity fixtures)

SR, N_FFT, HOP, N_MELS = 22050, 1024, 256, 80

# published configs (MODELS.md; jik876/hifi-gan config_v1.json, config_v3.json):
# resblock, upsample_initial_channel, rates, kernels, resblock kernels, dilations
CONFIGS = {
    "v1": (1, 512, [8, 8, 2, 2], [16, 16, 4, 4], [3, 7, 11], [[1, 3, 5]] * 3),
    "v2": (1, 128, [8, 8, 2, 2], [16, 16, 4, 4], [3, 7, 11], [[1, 3, 5]] * 3),
    "v3": (2, 256, [8, 8, 4], [16, 16, 8], [3, 5, 7], [[1, 2], [2, 6], [3, 12]]),
}
MPD_PERIODS, MPD_CHANNELS = [2, 3, 5, 7, 11], [32, 128, 512, 1024, 1024]
MSD_CHANNELS, MSD_GROUPS = [128, 128, 256, 512, 1024, 1024, 1024], [1, 4, 16, 16, 16, 16, 1]

# the recipe's STFT for hp.log_mel (it reads these module globals when called)
hp.N_FFT, hp.HOP, hp.WIN, hp.N_MELS = N_FFT, HOP, N_FFT, N_MELS
hp.WINDOW = torch.hann_window(N_FFT)
INPUT_FB = torch.from_numpy(hp.slaney_filterbank(SR, N_FFT, N_MELS, 0, 8000))  # input mel: fmax 8 kHz
LOSS_FB = torch.from_numpy(hp.slaney_filterbank(SR, N_FFT, N_MELS, 0, SR / 2))  # loss mel: fmax sr / 2


def input_mel(y):
    hp.FB = INPUT_FB
    try:
        return hp.log_mel(y)
    finally:
        hp.FB = LOSS_FB


def loss_mel(y):
    hp.FB = LOSS_FB
    return hp.log_mel(y)


def generator(name):
    return hp.Generator(N_MELS, *CONFIGS[name])


def noise(batch, samples, gen):
    return (torch.rand(batch, 1, samples, generator=gen) - 0.5).contiguous()


class Voxc:
    """voxc-bench hifigan: one request line in, one JSON line out."""

    def __init__(self, bin_dir, config, threads):
        self.p = subprocess.Popen([f"{bin_dir}/voxc-bench", "hifigan", "--config", config, "--threads",
                                   str(threads)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  bufsize=1)

    def ask(self, request):
        self.p.stdin.write(request + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            sys.exit(f"bench_hifigan: voxc-bench ended without answering '{request}'")
        answer = json.loads(line)
        if "error" in answer:
            sys.exit(f"bench_hifigan: voxc-bench: {answer['error']}")
        return answer

    def infer(self, frames):
        a = self.ask(f"infer {frames}")
        return a["compute_s"], a["samples"]

    def train(self, batch, segment):
        a = self.ask(f"train {batch} {segment}")
        return a["compute_s"], a

    def close(self):
        self.p.stdin.close()
        self.p.wait()


class TorchInfer:
    def __init__(self, config, frames):
        self.g = generator(config).eval()
        for m in self.g.modules():
            if hasattr(m, "weight_g"):
                torch.nn.utils.remove_weight_norm(m)
        gen = torch.Generator().manual_seed(1234)
        self.mel = input_mel(noise(1, frames * HOP, gen))  # [1, 80, frames]

    def infer(self, frames):
        assert self.mel.shape[-1] == frames
        with torch.inference_mode():
            t0 = time.perf_counter()
            y = self.g(self.mel)
            return time.perf_counter() - t0, int(y.numel())


class TorchTrain:
    """The reference GAN step (jik876/hifi-gan train.py; as in hifigan_parity.py's main)."""

    def __init__(self, config):
        self.g = generator(config).train()
        self.mpd = hp.MPD(MPD_PERIODS, MPD_CHANNELS).train()
        self.msd = hp.MSD(MSD_CHANNELS, MSD_GROUPS).train()
        kw = dict(lr=2e-4, betas=(0.8, 0.99), eps=1e-8, weight_decay=0.01)
        self.opt_g = torch.optim.AdamW(self.g.parameters(), **kw)
        self.opt_d = torch.optim.AdamW(list(self.mpd.parameters()) + list(self.msd.parameters()), **kw)
        self.batch = None

    def train(self, batch, segment):
        if self.batch != (batch, segment):
            gen = torch.Generator().manual_seed(1234)
            self.y = noise(batch, segment, gen)
            self.mel = input_mel(self.y)
            self.batch = (batch, segment)
        t0 = time.perf_counter()
        y, mel = self.y, self.mel
        y_mel = loss_mel(y)
        y_hat = self.g(mel)
        y_hat_mel = loss_mel(y_hat)
        self.opt_d.zero_grad()
        rf, ff, _, _ = self.mpd(y, y_hat.detach())
        disc_f = hp.discriminator_loss(rf, ff)
        rs, fs, _, _ = self.msd(y, y_hat.detach())
        disc_s = hp.discriminator_loss(rs, fs)
        disc_all = disc_s + disc_f
        disc_all.backward()
        self.opt_d.step()
        self.opt_g.zero_grad()
        mel_l1 = F.l1_loss(y_mel, y_hat_mel)
        _, ff, fmr_f, fmg_f = self.mpd(y, y_hat)
        _, fs, fmr_s, fmg_s = self.msd(y, y_hat)
        gen_all = (hp.generator_loss(fs) + hp.generator_loss(ff) + hp.feature_loss(fmr_s, fmg_s)
                   + hp.feature_loss(fmr_f, fmg_f) + mel_l1 * 45)
        gen_all.backward()
        self.opt_g.step()
        dt = time.perf_counter() - t0
        return dt, {"loss_g": float(gen_all), "loss_d": float(disc_all), "mel": float(mel_l1)}


def alternate(engines, call, reps, label):
    """Warm-up once per engine, then `reps` alternating timed calls; {engine: [s]}."""
    times = {name: [] for name in engines}
    for r in range(reps):
        order = list(engines) if r % 2 == 0 else list(reversed(engines))
        for name in order:
            t, _ = call(engines[name])
            times[name].append(t)
            print(f"   {label} rep {r + 1}/{reps} {name}: {t:.3f} s", file=sys.stderr, flush=True)
    return times


def summary(times, extra):
    med = {name: statistics.median(v) for name, v in times.items()}
    return {**extra, "median_s": med, "all_s": times, "ratio_voxc_over_pytorch": med["voxc"] / med["pytorch"]}


def bench_infer(bin_dir, config, threads, frames, reps):
    engines = {"pytorch": TorchInfer(config, frames), "voxc": Voxc(bin_dir, config, threads)}
    samples = {name: e.infer(frames)[1] for name, e in engines.items()}  # warm-up
    if samples["voxc"] != samples["pytorch"]:
        sys.exit(f"bench_hifigan: the engines disagree on the output length: {samples}")
    times = alternate(engines, lambda e: e.infer(frames), reps, f"infer {config} {threads}t")
    engines["voxc"].close()
    return summary(times, {"config": config, "threads": threads, "frames": frames, "samples": samples["voxc"],
                           "audio_s": samples["voxc"] / SR, "reps": reps})


def bench_train(bin_dir, config, threads, batch, segment, reps):
    engines = {"pytorch": TorchTrain(config), "voxc": Voxc(bin_dir, config, threads)}
    warm = {name: e.train(batch, segment)[1] for name, e in engines.items()}
    times = alternate(engines, lambda e: e.train(batch, segment), reps, f"train {config} b{batch} {threads}t")
    rss = engines["voxc"].ask("rss")["max_rss_mb"]
    engines["voxc"].close()
    return summary(times, {"config": config, "threads": threads, "batch": batch, "segment": segment,
                           "reps": reps, "first_step_losses": warm, "voxc_max_rss_mb": rss})


def load():
    return list(os.getloadavg())


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    git = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip()
    return {"cpu": model, "cpus": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__,
            "voxc_git": git}


def save(result, path):
    """After every measurement, so that a long run leaves its numbers behind."""
    if path:
        with open(path, "w") as f:
            json.dump(result, f, indent=1)


def parse_batches(spec):
    out = []
    for item in spec.split(","):
        b, _, r = item.partition(":")
        out.append((int(b), int(r or 3)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default="build/bin", help="folder with voxc-bench")
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    ap.add_argument("--infer-configs", default="v1,v3", help="generators to time in inference ('' for none)")
    ap.add_argument("--frames", type=int, default=860, help="mel frames of the inference input")
    ap.add_argument("--infer-reps", type=int, default=7)
    ap.add_argument("--train-config", default="v3")
    ap.add_argument("--train-batches", default="16:3,2:7",
                    help="BATCH:REPS pairs for the training step ('' for none)")
    ap.add_argument("--segment", type=int, default=8192, help="samples per training item")
    ap.add_argument("--json", help="also write every number to this file")
    ap.add_argument("--no-oom-first", dest="oom_first", action="store_false",
                    help="keep the kernel's default out-of-memory order (default: this script and "
                         "voxc-bench are killed first, not other work on the machine)")
    a = ap.parse_args()
    if not os.access(f"{a.bin}/voxc-bench", os.X_OK):
        sys.exit(f"bench_hifigan: no {a.bin}/voxc-bench: run `make` (or pass --bin)")
    if a.oom_first:  # inherited by voxc-bench: on a shared machine the kernel kills the benchmark first
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    torch.set_num_interop_threads(1)
    torch.manual_seed(1234)
    result = {"machine": machine(), "infer": [], "train": []}
    print(f"{result['machine']['cpu']}, {result['machine']['cpus']} CPUs; torch {torch.__version__}",
          flush=True)
    for threads in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(threads)
        for config in [c for c in a.infer_configs.split(",") if c]:
            l0 = load()
            s = bench_infer(a.bin, config, threads, a.frames, a.infer_reps)
            s["load_avg_start"], s["load_avg_end"] = l0, load()
            result["infer"].append(s)
            save(result, a.json)
            print(f"infer {config}, {threads} thread{'s' if threads > 1 else ''}, {s['frames']} frames "
                  f"({s['audio_s']:.2f} s of audio), {s['reps']} reps: pytorch {s['median_s']['pytorch']:.3f} s, "
                  f"voxc {s['median_s']['voxc']:.3f} s, voxc/pytorch {s['ratio_voxc_over_pytorch']:.3f} "
                  f"(load {l0[0]:.2f} -> {s['load_avg_end'][0]:.2f})", flush=True)
        for batch, reps in parse_batches(a.train_batches) if a.train_batches else []:
            l0 = load()
            s = bench_train(a.bin, a.train_config, threads, batch, a.segment, reps)
            s["load_avg_start"], s["load_avg_end"] = l0, load()
            result["train"].append(s)
            save(result, a.json)
            print(f"train {a.train_config}, {threads} thread{'s' if threads > 1 else ''}, batch {batch} x "
                  f"{a.segment}, {reps} reps: pytorch {s['median_s']['pytorch']:.3f} s, voxc "
                  f"{s['median_s']['voxc']:.3f} s, voxc/pytorch {s['ratio_voxc_over_pytorch']:.3f} "
                  f"(load {l0[0]:.2f} -> {s['load_avg_end'][0]:.2f}; voxc peak RSS "
                  f"{s['voxc_max_rss_mb']:.0f} MB)", flush=True)


if __name__ == "__main__":
    main()
