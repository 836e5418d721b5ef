/* test_png.c — the PNG encoder behind the SVG heat maps (audio/png.h).
 *
 * Checksums against Python's zlib (values from the one-liners quoted at each
 * case). The encoder must reproduce tests/data/png/runs.png byte for byte;
 * tests/ref/png_check.py shows that file is a correct PNG of the image below
 * (chunk CRCs by zlib.crc32, IDAT inflated by zlib.decompress back to these
 * scanlines, pixels as Pillow decodes them). The image exercises every path
 * of the deflate writer: 8- and 9-bit literals, runs at distance 1 (an "Up"
 * row, a grey row) and 3 (a repeated pixel), and runs longer than 258. */
#include <stdlib.h>
#include <string.h>

#include "audio/png.h"
#include "test_files.h"
#include "test_util.h"

enum { RUNS_W = 100, RUNS_H = 4, RUNS_ROW = 1 + 3 * RUNS_W };

/* Filtered scanlines of runs.png (same formula as tests/ref/png_check.py). */
static void runs_scanlines(uint8_t raw[RUNS_H * RUNS_ROW])
{
    memset(raw, 0, RUNS_H * RUNS_ROW);
    raw[RUNS_ROW] = 2; /* row 1: filter Up with zero differences, a copy of row 0 */
    for (int x = 0; x < RUNS_W; x++) {
        uint8_t *p0 = raw + 1 + 3 * x, *p2 = p0 + 2 * RUNS_ROW, *p3 = p0 + 3 * RUNS_ROW;
        p0[0] = (uint8_t)(2 * x);
        p0[1] = (uint8_t)(255 - x);
        p0[2] = (uint8_t)(7 * x);
        p2[0] = 1;
        p2[1] = 2;
        p2[2] = 3;
        p3[0] = p3[1] = p3[2] = 9;
    }
}

START_TEST(png_checksums_match_zlib)
{
    /* python3 -c "import zlib; print(hex(zlib.crc32(b'123456789')), hex(zlib.crc32(b'IEND')))" */
    ck_assert_uint_eq(vx_crc32((const uint8_t *)"123456789", 9), 0xcbf43926u);
    ck_assert_uint_eq(vx_crc32((const uint8_t *)"IEND", 4), 0xae426082u);
    ck_assert_uint_eq(vx_crc32(NULL, 0), 0u);
    /* python3 -c "import zlib; print(hex(zlib.adler32(b'123456789')), hex(zlib.adler32(b'\xff'*6000)))" */
    ck_assert_uint_eq(vx_adler32((const uint8_t *)"123456789", 9), 0x091e01deu);
    ck_assert_uint_eq(vx_adler32(NULL, 0), 1u);
    uint8_t ff[6000];
    memset(ff, 0xff, sizeof ff);
    ck_assert_uint_eq(vx_adler32(ff, sizeof ff), 0xa49759eau);
}
END_TEST

START_TEST(png_encoder_reproduces_the_checked_fixture)
{
    static uint8_t raw[RUNS_H * RUNS_ROW];
    runs_scanlines(raw);
    size_t len = 0;
    uint8_t *png = vx_png_encode_rgb(raw, RUNS_W, RUNS_H, &len);
    ck_assert_msg(png != NULL, "%s", vx_last_error());
    size_t want_len;
    uint8_t *want = read_file("tests/data/png/runs.png", &want_len);
    ck_assert_uint_eq(len, want_len);
    ck_assert_mem_eq(png, want, want_len);
    free(want);
    free(png);
}
END_TEST

START_TEST(png_encoder_refuses_empty_images)
{
    uint8_t raw[4] = {0};
    size_t len;
    ck_assert_fails(vx_png_encode_rgb(raw, 0, 1, &len) != NULL);
    ck_assert_fails(vx_png_encode_rgb(raw, 1, -1, &len) != NULL);
    ck_assert_fails(vx_png_encode_rgb(NULL, 1, 1, &len) != NULL);
}
END_TEST

Suite *suite_png(void)
{
    Suite *s = suite_create("png");
    TCase *tc = tcase_create("png");
    tcase_add_test(tc, png_checksums_match_zlib);
    tcase_add_test(tc, png_encoder_reproduces_the_checked_fixture);
    tcase_add_test(tc, png_encoder_refuses_empty_images);
    suite_add_tcase(s, tc);
    return s;
}
