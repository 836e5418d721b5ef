#!/usr/bin/env python3
"""bench_ab.py — two (or more) voxc builds against each other on the same phoneme ids.

Each build runs as `voxc-bench tts` (tools/bench.c), loading the voice once; rounds of
the same requests alternate between the builds (the order flips every round), and the
script prints, per build, the fastest round's wall time (the sum of `compute_s`) and
its process CPU time (utime + stime from /proc), and each build's ratio to the first.
The minimum, not the median, because the point is to compare builds, and on a shared
machine the fastest round is the least disturbed one.

    python3 tools/bench_ab.py --bins OLD/voxc-bench,NEW/voxc-bench --threads 2 --rounds 7

An entry of --bins may carry options for that process after the binary, e.g. one build
with its decoder's convolutions run two ways:

    python3 tools/bench_ab.py --bins "build/bin/voxc-bench --conv direct,build/bin/voxc-bench --conv auto"

Requests: the `ids ...` lines of --ids FILE, or (default) the sentences of the review
script phonemised by voxc-phonemize from the first build's folder.
"""
import argparse
import json
import os
import subprocess
import sys

REVIEW = "data/texts/product-review-macbook-air.txt"


def requests(args):
    if args.ids:
        return [l if l.endswith("\n") else l + "\n" for l in open(args.ids) if l.startswith("ids ")]
    text = " ".join(l.strip() for l in open(REVIEW).read().splitlines()[2:12] if l.strip() and not l.startswith("##"))
    phonemize = os.path.join(os.path.dirname(args.bins[0].split()[0]), "voxc-phonemize")
    out = subprocess.run([phonemize, "--voice", args.voice + ".json", "--normalize", "--ids", text],
                         capture_output=True, text=True, check=True).stdout
    return ["ids " + l[5:] + "\n" for l in out.splitlines() if l.startswith("ids: ")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bins", required=True, help="comma-separated voxc-bench binaries, each optionally followed by "
                    "options of its own; the first is the baseline")
    ap.add_argument("--voice", default="data/voices/en_US-joe-medium.onnx")
    ap.add_argument("--threads", default="1")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--ids", help="file of `ids ...` request lines (default: the review's sentences)")
    args = ap.parse_args()
    args.bins = args.bins.split(",")
    reqs = requests(args)
    if not reqs:
        sys.exit("bench_ab.py: no requests")
    procs = [subprocess.Popen([b.split()[0], "tts", "-m", args.voice, "--threads", args.threads] + b.split()[1:],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1) for b in args.bins]
    tick = os.sysconf("SC_CLK_TCK")

    def cpu(p):
        f = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / tick

    def one_round(p):
        wall, c0 = 0.0, cpu(p)
        for r in reqs:
            p.stdin.write(r)
            p.stdin.flush()
            answer = json.loads(p.stdout.readline())
            if "error" in answer:
                sys.exit(f"bench_ab.py: {answer['error']}")
            wall += answer["compute_s"]
        return wall, cpu(p) - c0

    for p in procs:  # warm-up round
        one_round(p)
    results = [[] for _ in procs]
    for i in range(args.rounds):
        order = range(len(procs)) if i % 2 == 0 else reversed(range(len(procs)))
        for k in order:
            results[k].append(one_round(procs[k]))
    for p in procs:
        p.stdin.close()
        p.wait()
    wall = [min(w for w, _ in r) for r in results]
    cpus = [min(c for _, c in r) for r in results]
    print(f"{len(reqs)} requests, {args.rounds} rounds, {args.threads} thread(s), "
          f"load {os.getloadavg()[0]:.1f}")
    for b, w, c in zip(args.bins, wall, cpus):
        print(f"  {b}: wall {w:.3f} s ({w / wall[0]:.3f}), cpu {c:.2f} s ({c / cpus[0]:.3f})")


if __name__ == "__main__":
    main()
