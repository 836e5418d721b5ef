#!/usr/bin/env python3
"""png_check.py — checks tests/data/png/runs.png, the PNG that voxc's encoder (audio/png.c)
writes for the test image below, with independent decoders: every chunk's CRC
against zlib.crc32, the IDAT stream against zlib.decompress (it must inflate
to exactly the filtered scanlines), and the pixels as Pillow decodes them.

test_png.c requires the encoder to reproduce runs.png byte for byte, so the
fixture's correctness rests on this script. If the encoder's output changes
on purpose, write the new file from the test image (same formula in
tests/test_png.c) and run:  python3 tests/ref/png_check.py
"""
import struct
import sys
import zlib

from PIL import Image

PATH = "tests/data/png/runs.png"
W, H = 100, 4


def scanlines():
    """The filtered scanlines [H, 1 + 3 W] (same formula as test_png.c)."""
    rows = []
    rows.append(bytes([0]) + b"".join(bytes([(2 * x) & 255, 255 - x, (7 * x) & 255]) for x in range(W)))
    rows.append(bytes([2]) + bytes(3 * W))  # filter Up, no change: a copy of row 0
    rows.append(bytes([0]) + bytes([1, 2, 3]) * W)
    rows.append(bytes([0]) + bytes([9, 9, 9]) * W)
    return b"".join(rows)


def pixels():
    """The unfiltered RGB rows."""
    row0 = [((2 * x) & 255, 255 - x, (7 * x) & 255) for x in range(W)]
    return [row0, row0, [(1, 2, 3)] * W, [(9, 9, 9)] * W]


def main():
    data = open(PATH, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "bad signature"
    pos, chunks = 8, []
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])
        assert crc == zlib.crc32(kind + body), f"{kind}: CRC {crc:08x} != zlib {zlib.crc32(kind + body):08x}"
        chunks.append((kind, body))
        pos += 12 + n
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"], chunks
    assert chunks[0][1] == struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0), "IHDR"
    assert zlib.decompress(chunks[1][1]) == scanlines(), "IDAT does not inflate to the scanlines"
    img = Image.open(PATH)
    img.load()
    assert img.mode == "RGB" and img.size == (W, H)
    got = [[img.getpixel((x, y)) for x in range(W)] for y in range(H)]
    assert got == pixels(), "Pillow decodes other pixels"
    print(f"{PATH}: {len(data)} bytes, CRCs, IDAT and pixels OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
