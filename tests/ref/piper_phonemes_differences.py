#!/usr/bin/env python3
"""piper_phonemes_differences.py - where voxc's phonemes differ from Piper's, and why.

Compares, sentence by sentence, Piper's phonemiser (PyPI piper-phonemize, which
bundles espeak-ng 1.52-dev and its data) with voxc's (libvoxc.so through ctypes,
on Debian's libespeak-ng 1.51) on the committed fixture
tests/data/piper/phonemes_fixture.json and, when given, on a whole corpus of
`id|text` lines. For every differing sentence it runs Debian's own command line
`espeak-ng -q --ipa -v en-us` on the text and checks that it gives voxc's
phonemes (ignoring spaces and punctuation), which shows the difference comes
from the espeak-ng version and its data, not from voxc. Writes
tests/data/piper/phonemes_differences.md.

Run from the repository root after `make BUILD=build/h6 lib` (any BUILD works):
    /tmp/pp/bin/python tests/ref/piper_phonemes_differences.py build/h6/libvoxc.so \
        [../shared/data/texts/ljspeech-transcripts.txt]
Needs: piper-phonemize (pip) and the espeak-ng command (apt-get install espeak-ng).
"""
import ctypes
import json
import os
import subprocess
import sys
import unicodedata

import piper_phonemize

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(ROOT, "tests/data/piper/phonemes_fixture.json")
OUT = os.path.join(ROOT, "tests/data/piper/phonemes_differences.md")


class Sentence(ctypes.Structure):
    _fields_ = [("phonemes", ctypes.POINTER(ctypes.c_uint32)), ("n", ctypes.c_size_t),
                ("text_start", ctypes.c_size_t), ("text_len", ctypes.c_size_t)]


class Phonemes(ctypes.Structure):
    _fields_ = [("sentences", ctypes.POINTER(Sentence)), ("count", ctypes.c_size_t)]


def load_voxc(path):
    lib = ctypes.CDLL(path)
    lib.vx_phonemize.restype = ctypes.POINTER(Phonemes)
    lib.vx_phonemize.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]
    lib.vx_phonemes_free.argtypes = [ctypes.POINTER(Phonemes)]
    lib.vx_last_error.restype = ctypes.c_char_p

    def phonemize(text):
        raw = text.encode("utf-8")
        p = lib.vx_phonemize(raw, len(raw), b"en-us")
        if not p:
            raise RuntimeError(lib.vx_last_error().decode())
        out = []
        for i in range(p.contents.count):
            s = p.contents.sentences[i]
            out.append("".join(chr(s.phonemes[k]) for k in range(s.n)))
        lib.vx_phonemes_free(p)
        return out

    return phonemize


def letters(ipa):
    """Phonemes without spaces and punctuation, for comparing with the CLI."""
    return "".join(c for c in unicodedata.normalize("NFD", ipa)
                   if not c.isspace() and c not in ".,:;!?")


def debian_cli(text):
    r = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", "en-us", "--", text],
                       capture_output=True, text=True, check=True)
    return r.stdout


def compare(cases, phonemize):
    """(sentences compared, list of differences)."""
    total, diffs = 0, []
    for ident, text in cases:
        ref = ["".join(s) for s in piper_phonemize.phonemize_espeak(text, "en-us")]
        mine = phonemize(text)
        total += len(ref)
        if ref == mine:
            continue
        cli = debian_cli(text)
        diffs.append({"id": ident, "text": text, "piper": ref, "voxc": mine, "cli": cli.strip(),
                      "cli_matches_voxc": letters(cli) == letters(" ".join(mine))})
    return total, diffs


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    phonemize = load_voxc(sys.argv[1])
    fixture = json.load(open(FIXTURE, encoding="utf-8"))
    fixture_cases = [(c["id"], c["text"]) for c in fixture["cases"]]
    f_total, f_diffs = compare(fixture_cases, phonemize)
    corpus = None
    if len(sys.argv) > 2:
        lines = [l.rstrip("\n").split("|", 1) for l in open(sys.argv[2], encoding="utf-8") if "|" in l]
        c_total, c_diffs = compare([(i, t) for i, t in lines], phonemize)
        corpus = (os.path.basename(sys.argv[2]), len(lines), c_total, c_diffs)

    md = ["# voxc vs Piper phonemes: the differences",
          "",
          "Written by `tests/ref/piper_phonemes_differences.py`. Piper = PyPI `piper-phonemize`",
          "(espeak-ng 1.52-dev and its data, bundled); voxc = `text/phonemize.c` on Debian's",
          "libespeak-ng 1.51. A difference is explained when Debian's own `espeak-ng -q --ipa",
          "-v en-us` gives voxc's phonemes (spaces and punctuation ignored): then it comes from",
          "the espeak-ng version and its dictionaries, not from voxc.",
          "",
          "## Fixture (`phonemes_fixture.json`, checked by `make test`)",
          "",
          "%d cases, %d sentences, %d differing cases." % (len(fixture_cases), f_total, len(f_diffs)),
          ""]
    md += describe(f_diffs, "fixture")
    if corpus:
        name, n_lines, c_total, c_diffs = corpus
        explained = sum(d["cli_matches_voxc"] for d in c_diffs)
        md += ["## Whole corpus: `%s` (not in `make test`)" % name, "",
               "%d texts, %d Piper sentences; %d texts differ (%.2f%%), %d of them explained by "
               "Debian's espeak-ng CLI." % (n_lines, c_total, len(c_diffs),
                                            100.0 * len(c_diffs) / max(n_lines, 1), explained),
               ""]
        md += describe(c_diffs, "corpus")
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("\n".join(md).rstrip() + "\n")
    print("%s: fixture %d/%d cases differ" % (os.path.relpath(OUT, ROOT), len(f_diffs), len(fixture_cases)))
    if corpus:
        print("corpus: %d/%d texts differ" % (len(corpus[3]), corpus[1]))


def describe(diffs, what):
    if not diffs:
        return ["No differences in the %s." % what, ""]
    if what == "fixture":
        out = ["Differing cases (the C test accepts differences only in the cases listed as `- case: ID`):", ""]
    else:
        out = ["Differing texts:", ""]
    for d in diffs:
        out += [("- case: %s" if what == "fixture" else "- text id: %s") % d["id"],
                "  - text: %s" % d["text"].replace("\n", " "),
                "  - Piper: %s" % " | ".join(d["piper"]),
                "  - voxc: %s" % " | ".join(d["voxc"]),
                "  - Debian espeak-ng CLI: %s" % d["cli"].replace("\n", " "),
                "  - CLI gives voxc's phonemes: %s" % ("yes" if d["cli_matches_voxc"] else "NO"),
                ""]
    return out


if __name__ == "__main__":
    main()
