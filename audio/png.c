/* png.c — PNG encoder: fixed-Huffman deflate with run matches, zlib framing,
 * PNG chunks (see png.h). */
#include "audio/png.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"

typedef struct bit_writer {
    uint8_t *out;
    size_t len, cap;
    uint32_t acc; /* pending bits, least significant first */
    int n_acc;
    bool oom;
} bit_writer;

static void bw_bits(bit_writer *w, uint32_t value, int n)
{
    if (w->oom)
        return;
    w->acc |= value << w->n_acc;
    w->n_acc += n;
    while (w->n_acc >= 8) {
        if (w->len == w->cap) {
            size_t cap = w->cap ? 2 * w->cap : 65536;
            uint8_t *p = realloc(w->out, cap);
            if (!p) {
                w->oom = true;
                return;
            }
            w->out = p;
            w->cap = cap;
        }
        w->out[w->len++] = (uint8_t)w->acc;
        w->acc >>= 8;
        w->n_acc -= 8;
    }
}

/* A Huffman code: written most significant bit first. */
static void bw_code(bit_writer *w, uint32_t code, int n)
{
    uint32_t rev = 0;
    for (int i = 0; i < n; i++)
        rev |= ((code >> i) & 1u) << (n - 1 - i);
    bw_bits(w, rev, n);
}

/* Fixed-code literal/length symbol 0..287 (RFC 1951 3.2.6). */
static void deflate_symbol(bit_writer *w, int sym)
{
    if (sym < 144)
        bw_code(w, 0x30u + (uint32_t)sym, 8);
    else if (sym < 256)
        bw_code(w, 0x190u + (uint32_t)(sym - 144), 9);
    else if (sym < 280)
        bw_code(w, (uint32_t)(sym - 256), 7);
    else
        bw_code(w, 0xc0u + (uint32_t)(sym - 280), 8);
}

/* A back-reference of `len` (3..258) bytes at distance 1 or 3. */
static void deflate_match(bit_writer *w, int len, int dist)
{
    static const int base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    static const int extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                  2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    int i = 28;
    while (base[i] > len)
        i--;
    deflate_symbol(w, 257 + i);
    bw_bits(w, (uint32_t)(len - base[i]), extra[i]);
    bw_code(w, (uint32_t)(dist - 1), 5); /* distance codes 0 and 2: no extra bits */
}

/* Length of the run at `pos` that repeats the bytes `dist` back (<= 258). */
static int run_length(const uint8_t *d, size_t n, size_t pos, size_t dist)
{
    if (pos < dist)
        return 0;
    int len = 0;
    while (len < 258 && pos + (size_t)len < n && d[pos + len] == d[pos + len - dist])
        len++;
    return len;
}

uint32_t vx_adler32(const uint8_t *p, size_t n)
{
    uint32_t s1 = 1, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        s1 = (s1 + p[i]) % 65521u;
        s2 = (s2 + s1) % 65521u;
    }
    return s2 << 16 | s1;
}

/* zlib stream of d [n] into *w: one final fixed-Huffman block, Adler-32. */
static void zlib_compress(bit_writer *w, const uint8_t *d, size_t n)
{
    bw_bits(w, 0x78, 8); /* deflate, 32 KiB window */
    bw_bits(w, 0x01, 8); /* no dictionary; 0x7801 % 31 == 0 */
    bw_bits(w, 1, 1);    /* BFINAL */
    bw_bits(w, 1, 2);    /* BTYPE 01: fixed Huffman codes */
    for (size_t i = 0; i < n;) {
        int r1 = run_length(d, n, i, 1), r3 = run_length(d, n, i, 3);
        int len = r1 >= r3 ? r1 : r3;
        if (len >= 3) {
            deflate_match(w, len, r1 >= r3 ? 1 : 3);
            i += (size_t)len;
        } else {
            deflate_symbol(w, d[i++]);
        }
    }
    deflate_symbol(w, 256); /* end of block */
    bw_bits(w, 0, (8 - w->n_acc % 8) % 8); /* pad to a byte boundary */
    uint32_t adler = vx_adler32(d, n);
    for (int k = 3; k >= 0; k--)
        bw_bits(w, (adler >> (8 * k)) & 0xffu, 8);
}

uint32_t vx_crc32(const uint8_t *p, size_t n)
{
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
    return crc ^ 0xffffffffu;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Append one chunk (length, type, data, CRC of type + data) at *pos. */
static void png_chunk(uint8_t *out, size_t *pos, const char type[4], const uint8_t *data, size_t n)
{
    put_be32(out + *pos, (uint32_t)n);
    memcpy(out + *pos + 4, type, 4);
    if (n)
        memcpy(out + *pos + 8, data, n);
    put_be32(out + *pos + 8 + n, vx_crc32(out + *pos + 4, n + 4));
    *pos += n + 12;
}

uint8_t *vx_png_encode_rgb(const uint8_t *raw, int width, int height, size_t *len)
{
    if (!raw || !len || width <= 0 || height <= 0)
        return vx_fail_null(VX_ERR_ARG, "png: need scanlines and a positive size (got %d x %d)", width,
                            height);
    bit_writer z = {0};
    zlib_compress(&z, raw, (size_t)height * (1 + 3 * (size_t)width));
    uint8_t *out = z.oom ? NULL : malloc(8 + 25 + 12 + z.len + 12);
    if (!out) {
        free(z.out);
        return vx_fail_null(VX_ERR_OOM, "png: out of memory encoding a %d x %d image", width, height);
    }
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint8_t ihdr[13];
    put_be32(ihdr, (uint32_t)width);
    put_be32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;  /* bit depth     */
    ihdr[9] = 2;  /* colour: RGB   */
    ihdr[10] = 0; /* deflate       */
    ihdr[11] = 0; /* filter method */
    ihdr[12] = 0; /* no interlace  */
    memcpy(out, signature, 8);
    size_t pos = 8;
    png_chunk(out, &pos, "IHDR", ihdr, sizeof ihdr);
    png_chunk(out, &pos, "IDAT", z.out, z.len);
    png_chunk(out, &pos, "IEND", NULL, 0);
    free(z.out);
    *len = pos;
    return out;
}
