/* test_safetensors.c — the safetensors reader, writer and voxc-inspect.
 *
 * Fixtures (tests/data/safetensors/):
 *  - good_pytorch.safetensors + good_pytorch.expected.json, written by the
 *    official Python package (tests/ref/make_safetensors_fixture.py);
 *  - bad/ holds one malformed .safetensors file per failure class
 *    (tests/ref/make_bad_safetensors.py); the table below names the message
 *    each must produce, and every file in bad/ must have a row.
 * voxc-inspect is found through $VOXC_BIN (set by `make test-run`). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/json.h"
#include "nn/safetensors.h"
#include "test_files.h"
#include "test_util.h"

#define ST_DIR "tests/data/safetensors"
#define GOOD ST_DIR "/good_pytorch.safetensors"

/* --- helpers ---------------------------------------------------------------- */

static vx_json *load_expected(void)
{
    size_t len;
    char *text = read_file(ST_DIR "/good_pytorch.expected.json", &len);
    vx_json *j = vx_json_parse(text, len, "good_pytorch.expected.json");
    ck_assert_msg(j != NULL, "%s", vx_last_error());
    free(text);
    return j;
}

/* Element i of an entry as a double (any dtype; data may be unaligned). */
static double element(const vx_st_entry *e, size_t i)
{
    const unsigned char *p = (const unsigned char *)e->data + i * vx_dtype_size(e->dtype);
    float f;
    int32_t i32;
    uint16_t u16;
    switch (e->dtype) {
    case VX_F32: memcpy(&f, p, 4); return f;
    case VX_F16: memcpy(&u16, p, 2); return vx_f16_to_f32(u16);
    case VX_BF16: memcpy(&u16, p, 2); return vx_bf16_to_f32(u16);
    case VX_I32: memcpy(&i32, p, 4); return i32;
    case VX_I8: return (int8_t)p[0];
    default: return p[0];
    }
}

/* Run voxc-inspect with one or two args (arg2 may be NULL). */
static int run_inspect(const char *arg1, const char *arg2, char **out, char **err)
{
    const char *args[] = {arg1, arg2, NULL};
    return run_tool("inspect", args, NULL, out, NULL, err);
}

/* --- the good fixture ------------------------------------------------------- */

START_TEST(good_fixture_matches_python_values)
{
    vx_json *want = load_expected();
    vx_st_file *f = vx_st_open(GOOD);
    ck_assert_msg(f != NULL, "%s", vx_last_error());
    const vx_json *tensors = vx_json_get(want, "tensors"), *meta = vx_json_get(want, "metadata");
    ck_assert_int_eq(vx_st_count(f), (int)tensors->count);
    for (size_t t = 0; t < tensors->count; t++) {
        const vx_json *w = tensors->items[t], *shape = vx_json_get(w, "shape"), *values = vx_json_get(w, "values");
        const vx_st_entry *e = vx_st_find(f, tensors->keys[t]);
        ck_assert_msg(e != NULL, "tensor %s missing", tensors->keys[t]);
        ck_assert_str_eq(vx_st_dtype_name(e->dtype), vx_json_get_string(w, "dtype", ""));
        ck_assert_int_eq(e->ndim, (int)shape->count);
        for (int d = 0; d < e->ndim; d++)
            ck_assert_int_eq(e->shape[d], shape->items[d]->integer);
        ck_assert_uint_eq(e->nbytes, values->count * vx_dtype_size(e->dtype));
        for (size_t i = 0; i < values->count; i++)
            ck_assert_msg(element(e, i) == values->items[i]->number, "%s[%zu] = %.9g, want %.9g", e->name, i,
                          element(e, i), values->items[i]->number);
    }
    ck_assert_int_eq(vx_st_metadata_count(f), (int)meta->count);
    for (size_t i = 0; i < meta->count; i++)
        ck_assert_str_eq(vx_st_metadata(f, meta->keys[i]), meta->items[i]->string);
    ck_assert_ptr_null(vx_st_metadata(f, "absent"));
    ck_assert_ptr_null(vx_st_find(f, "absent"));
    ck_assert_ptr_null(vx_st_entry_at(f, vx_st_count(f)));
    for (int i = 1; i < vx_st_count(f); i++) /* sorted by name */
        ck_assert(strcmp(vx_st_entry_at(f, i - 1)->name, vx_st_entry_at(f, i)->name) < 0);
    vx_st_close(f);
    vx_json_free(want);
}
END_TEST

START_TEST(st_tensor_wraps_aligned_data_and_copies_misaligned_data)
{
    vx_json *want = load_expected();
    const vx_json *w = vx_json_get(vx_json_get(want, "tensors"), "half.embed");
    const vx_json *values = vx_json_get(w, "values");
    vx_ctx *ctx = test_ctx();

    vx_st_file *f = vx_st_open(GOOD);
    ck_assert_ptr_nonnull(f);
    vx_tensor *t = vx_st_tensor(ctx, f, "half.embed");
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_eq(t->data, vx_st_find(f, "half.embed")->data); /* aligned: no copy */
    ck_assert_int_eq(t->dtype, VX_F16);
    ck_assert_int_eq(vx_numel(t), (int64_t)values->count);
    float got[15];
    vx_copy_to_f32(t, got);
    for (size_t i = 0; i < values->count; i++)
        ck_assert_float_eq(got[i], values->items[i]->number);
    vx_tensor *w32 = vx_st_tensor(ctx, f, "decoder.weight");
    ck_assert_float_eq(vx_get_f(w32, 5), vx_json_get(vx_json_get(vx_json_get(want, "tensors"), "decoder.weight"),
                                                     "values")->items[5]->number);
    ck_assert_fails(vx_st_tensor(ctx, f, "no.such.tensor"));
    ck_assert(strstr(vx_last_error(), "no tensor named 'no.such.tensor'"));
    vx_st_close(f);

    /* The same bytes one byte off alignment, opened from memory: copied. */
    size_t len;
    char *bytes = read_file(GOOD, &len);
    char *shifted = malloc(len + 1);
    memcpy(shifted + 1, bytes, len);
    f = vx_st_open_memory(shifted + 1, len, "shifted");
    ck_assert_msg(f != NULL, "%s", vx_last_error());
    t = vx_st_tensor(ctx, f, "half.embed");
    ck_assert_ptr_ne(t->data, vx_st_find(f, "half.embed")->data);
    vx_copy_to_f32(t, got);
    for (size_t i = 0; i < values->count; i++)
        ck_assert_float_eq(got[i], values->items[i]->number);
    vx_st_close(f);
    free(shifted);
    free(bytes);
    vx_ctx_free(ctx);
    vx_json_free(want);
}
END_TEST

START_TEST(every_truncation_of_the_good_file_is_rejected)
{
    size_t len;
    char *bytes = read_file(GOOD, &len);
    for (size_t cut = 0; cut < len; cut++) {
        char *copy = malloc(cut ? cut : 1); /* exact size so ASan sees any overread */
        memcpy(copy, bytes, cut);
        vx_clear_error();
        vx_st_file *f = vx_st_open_memory(copy, cut, "cut");
        ck_assert_msg(f == NULL, "a %zu-byte prefix opened", cut);
        ck_assert(strncmp(vx_last_error(), "cut: ", 5) == 0);
        free(copy);
    }
    free(bytes);
}
END_TEST

/* --- bad files ----------------------------------------------------------------- */

typedef struct bad_file {
    const char *file;    /* in tests/data/safetensors/bad/ */
    const char *message; /* a part of the expected error */
} bad_file;

static const bad_file bad_files[] = {
    {"empty.safetensors", "file is 0 bytes, shorter than the 8-byte header length"},
    {"short_5_bytes.safetensors", "file is 5 bytes, shorter than the 8-byte header length"},
    {"header_len_2pow63.safetensors", "header length 9223372036854775808 is over the 100000000-byte limit"},
    {"header_len_past_eof.safetensors", "header length 1000 is larger than the"},
    {"header_not_json.safetensors", "header: line 1, column 17: expected a value"},
    {"header_is_array.safetensors", "header is a JSON array, expected an object"},
    {"header_nul_byte.safetensors", "found byte 0x00"},
    {"header_trailing_comma.safetensors", "trailing commas are not allowed"},
    {"header_trailing_garbage.safetensors", "expected end of input after the JSON value"},
    {"header_bad_utf8.safetensors", "invalid UTF-8"},
    {"header_too_deep.safetensors", "nesting is deeper than 64 levels"},
    {"duplicate_key.safetensors", "key \"w\" more than once"},
    {"entry_not_object.safetensors", "tensor 'w': entry is a JSON array, expected an object"},
    {"missing_dtype.safetensors", "tensor 'w': the \"dtype\" field is missing"},
    {"missing_data_offsets.safetensors", "tensor 'w': the \"data_offsets\" field is missing"},
    {"extra_field.safetensors", "tensor 'w': unknown field \"stride\""},
    {"dtype_not_string.safetensors", "tensor 'w': \"dtype\" is a JSON number, expected a string"},
    {"unknown_dtype_I64.safetensors", "tensor 'w': dtype \"I64\" is not supported"},
    {"shape_not_array.safetensors", "tensor 'w': \"shape\" is a JSON string, expected an array"},
    {"shape_negative.safetensors", "tensor 'w': shape[0] is negative"},
    {"shape_fraction.safetensors", "tensor 'w': shape[0] is not an integer"},
    {"shape_rank_5.safetensors", "rank 5 is over voxc's limit of 4 dims (VX_MAX_DIMS); reshape"},
    {"shape_bytes_overflow.safetensors", "byte size overflows 64 bits"},
    {"offsets_three_numbers.safetensors", "\"data_offsets\" must be an array of two non-negative integers"},
    {"offsets_too_large.safetensors", "\"data_offsets\" must be an array of two non-negative integers"},
    {"offsets_begin_after_end.safetensors", "data_offsets [8, 0] have begin > end"},
    {"offsets_past_buffer.safetensors", "data_offsets end 16 is beyond the 8-byte data buffer"},
    {"truncated_data.safetensors", "data_offsets end 8 is beyond the 5-byte data buffer"},
    {"size_mismatch.safetensors", "need 16 bytes, but data_offsets [0, 12] span 12"},
    {"overlapping_tensors.safetensors", "tensors 'a' [0, 8] and 'b' [4, 12] overlap"},
    {"hole_between_tensors.safetensors", "data bytes [8, 12) before tensor 'b' belong to no tensor"},
    {"trailing_unindexed_bytes.safetensors", "the last 4 bytes of the 12-byte data buffer belong to no tensor"},
    {"metadata_not_object.safetensors", "\"__metadata__\" is a JSON array, expected an object"},
    {"metadata_value_not_string.safetensors", "metadata \"epoch\" is a JSON number; metadata values must be strings"},
    {"name_with_nul.safetensors", "tensor 'w?x': the name contains a NUL character"},
};
enum { N_BAD = sizeof bad_files / sizeof bad_files[0] };

START_TEST(bad_file_is_rejected_with_its_message)
{
    const bad_file *b = &bad_files[_i];
    char path[256];
    snprintf(path, sizeof path, ST_DIR "/bad/%s", b->file);
    vx_clear_error();
    vx_st_file *f = vx_st_open(path);
    ck_assert_msg(f == NULL, "%s opened", path);
    ck_assert_msg(strncmp(vx_last_error(), path, strlen(path)) == 0, "message does not name the file: %s",
                  vx_last_error());
    ck_assert_msg(strstr(vx_last_error(), b->message), "%s: message '%s' lacks '%s'", b->file, vx_last_error(),
                  b->message);

    /* The same bytes through the in-memory reader give the same verdict. */
    size_t len;
    char *bytes = read_file(path, &len);
    ck_assert_fails(vx_st_open_memory(bytes, len, b->file));
    ck_assert(strstr(vx_last_error(), b->message));
    free(bytes);
}
END_TEST

START_TEST(every_file_in_the_bad_folder_has_a_table_row)
{
    DIR *d = opendir(ST_DIR "/bad");
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        bool listed = false;
        for (int i = 0; i < N_BAD; i++)
            listed = listed || strcmp(bad_files[i].file, de->d_name) == 0;
        ck_assert_msg(listed, "bad/%s has no row in bad_files[]", de->d_name);
        n++;
    }
    closedir(d);
    ck_assert_int_eq(n, N_BAD);
}
END_TEST

START_TEST(inspect_fails_on_bad_file_with_message_on_stderr)
{
    const bad_file *b = &bad_files[_i];
    char path[256];
    snprintf(path, sizeof path, ST_DIR "/bad/%s", b->file);
    char *out, *err;
    int rc = run_inspect(path, NULL, &out, &err);
    ck_assert_msg(rc == 1, "voxc-inspect %s exited %d", b->file, rc);
    ck_assert_msg(strncmp(err, "voxc-inspect: ", 14) == 0 && strstr(err, b->message), "stderr: %s", err);
    ck_assert_str_eq(out, "");
    free(out);
    free(err);
}
END_TEST

START_TEST(inspect_lists_the_good_file_with_python_statistics)
{
    char *out, *err;
    ck_assert_int_eq(run_inspect(GOOD, NULL, &out, &err), 0);
    ck_assert_str_eq(err, "");
    ck_assert(strstr(out, "9 tensors, 3 metadata entries"));
    ck_assert(strstr(out, "sample_rate = 22050"));
    ck_assert(strstr(out, "encoder.conv.weight"));
    free(out);
    free(err);

    ck_assert_int_eq(run_inspect(GOOD, "--json", &out, &err), 0);
    vx_json *got = vx_json_parse(out, strlen(out), "voxc-inspect --json");
    ck_assert_msg(got != NULL, "%s", vx_last_error());
    vx_json *want = load_expected();
    const vx_json *wt = vx_json_get(want, "tensors"), *list = vx_json_get(got, "tensors");
    ck_assert_int_eq(list->count, wt->count);
    for (size_t i = 0; i < list->count; i++) {
        const vx_json *t = list->items[i];
        const vx_json *w = vx_json_get(wt, vx_json_get_string(t, "name", ""));
        ck_assert_ptr_nonnull(w);
        ck_assert_str_eq(vx_json_get_string(t, "dtype", ""), vx_json_get_string(w, "dtype", "?"));
        const vx_json *values = vx_json_get(w, "values");
        bool is_float = vx_json_get_string(w, "dtype", "")[0] != 'I' && vx_json_get_string(w, "dtype", "")[0] != 'U';
        ck_assert_int_eq(vx_json_get(t, "min") != NULL, is_float);
        if (!is_float || values->count == 0)
            continue;
        double lo = values->items[0]->number, hi = lo, sum = 0;
        for (size_t k = 0; k < values->count; k++) {
            double v = values->items[k]->number;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            sum += v;
        }
        double mean = sum / (double)values->count;
        ck_assert_close(vx_json_get_number(t, "min", NAN), lo, 1e-7 * fabs(lo));
        ck_assert_close(vx_json_get_number(t, "max", NAN), hi, 1e-7 * fabs(hi));
        ck_assert_close(vx_json_get_number(t, "mean", NAN), mean, 1e-7 * fabs(mean) + 1e-12);
    }
    vx_json_free(want);
    vx_json_free(got);
    free(out);
    free(err);
}
END_TEST

START_TEST(inspect_usage_errors_and_help)
{
    char *out, *err;
    ck_assert_int_eq(run_inspect("--help", NULL, &out, &err), 0);
    ck_assert(strstr(out, "usage: voxc-inspect FILE"));
    free(out);
    free(err);
    ck_assert_int_eq(run_inspect(GOOD, "--bogus", &out, &err), 2);
    ck_assert(strstr(err, "unknown option '--bogus'"));
    free(out);
    free(err);
    ck_assert_int_eq(run_inspect(ST_DIR "/missing.safetensors", NULL, &out, &err), 1);
    ck_assert(strstr(err, "voxc-inspect: " ST_DIR "/missing.safetensors: cannot open: No such file"));
    free(out);
    free(err);
}
END_TEST

/* --- writing ------------------------------------------------------------------- */

START_TEST(writer_output_is_byte_identical_to_the_python_package)
{
    vx_st_file *f = vx_st_open(GOOD);
    ck_assert_ptr_nonnull(f);
    int n = vx_st_count(f), nm = vx_st_metadata_count(f);
    vx_st_write_entry *w = calloc((size_t)n, sizeof *w);
    for (int i = 0; i < n; i++) {
        const vx_st_entry *e = vx_st_entry_at(f, i);
        w[i] = (vx_st_write_entry){e->name, e->dtype, e->ndim, {0}, e->data};
        memcpy(w[i].shape, e->shape, sizeof e->shape);
    }
    const char *keys[8], *values[8];
    for (int i = 0; i < nm; i++) {
        keys[i] = vx_st_metadata_key(f, i);
        values[i] = vx_st_metadata_value(f, i);
    }
    char *dir = make_dir("st");
    char path[512];
    snprintf(path, sizeof path, "%s/copy.safetensors", dir);
    ck_assert_msg(vx_st_write(path, n, w, nm, keys, values) == VX_OK, "%s", vx_last_error());
    size_t want_len, got_len;
    char *want = read_file(GOOD, &want_len), *got = read_file(path, &got_len);
    ck_assert_uint_eq(got_len, want_len);
    ck_assert_mem_eq(got, want, want_len);
    free(want);
    free(got);
    free(w);
    vx_st_close(f);
    remove_dir(dir);
}
END_TEST

START_TEST(write_read_round_trip_of_every_dtype_with_metadata)
{
    float f32[6] = {1.5f, -2.25f, 3e-8f, 65504.f, -0.f, 1e30f};
    uint16_t f16[4] = {0x3c00, 0xc000, 0x0001, 0x7bff};
    uint16_t bf16[3] = {0x3f80, 0xbfc0, 0x7f7f};
    int32_t i32[5] = {0, -1, 2147483647, (int32_t)0x80000000u, 12345};
    int8_t i8[4] = {-128, -1, 0, 127};
    uint8_t u8[3] = {0, 128, 255};
    float scalar = 0.5f;
    const vx_st_write_entry in[] = {
        {"z.f32", VX_F32, 2, {2, 3}, f32},
        {"a.f16", VX_F16, 4, {1, 2, 1, 2}, f16},
        {"m.bf16", VX_BF16, 1, {3}, bf16},
        {"ids", VX_I32, 1, {5}, i32},
        {"q", VX_I8, 2, {2, 2}, i8},
        {"mask", VX_U8, 3, {3, 1, 1}, u8},
        {"scalar", VX_F32, 0, {0}, &scalar},
        {"nothing", VX_F16, 2, {0, 4}, NULL},
    };
    const int n = (int)(sizeof in / sizeof in[0]);
    const char *keys[] = {"zeta", "alpha", "quote\"and\\slash\n", "unicode"};
    const char *values[] = {"last", "", "value with\ttab", "\xe2\x9c\x93 \xf0\x9f\x98\x80"};
    char *dir = make_dir("st");
    char path[512];
    snprintf(path, sizeof path, "%s/all.safetensors", dir);
    ck_assert_msg(vx_st_write(path, n, in, 4, keys, values) == VX_OK, "%s", vx_last_error());

    vx_st_file *f = vx_st_open(path);
    ck_assert_msg(f != NULL, "%s", vx_last_error());
    ck_assert_int_eq(vx_st_count(f), n);
    ck_assert_uint_eq((8 + vx_st_header_bytes(f)) % 8, 0);
    for (int i = 0; i < n; i++) {
        const vx_st_entry *e = vx_st_find(f, in[i].name);
        ck_assert_msg(e != NULL, "%s missing", in[i].name);
        ck_assert_int_eq(e->dtype, in[i].dtype);
        ck_assert_int_eq(e->ndim, in[i].ndim);
        size_t bytes = vx_dtype_size(in[i].dtype);
        for (int d = 0; d < in[i].ndim; d++) {
            ck_assert_int_eq(e->shape[d], in[i].shape[d]);
            bytes *= (size_t)in[i].shape[d];
        }
        ck_assert_uint_eq(e->nbytes, bytes);
        ck_assert_uint_eq(e->offset % vx_dtype_size(e->dtype), 0); /* laid out largest dtype first */
        if (bytes)
            ck_assert_mem_eq(e->data, in[i].data, bytes);
    }
    ck_assert_int_eq(vx_st_metadata_count(f), 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_str_eq(vx_st_metadata_key(f, i), keys[i]); /* given order kept */
        ck_assert_str_eq(vx_st_metadata_value(f, i), values[i]);
    }
    vx_st_close(f);
    remove_dir(dir);
}
END_TEST

START_TEST(atomic_write_replaces_the_file_and_leaves_no_temp_file)
{
    char *dir = make_dir("st");
    char path[512];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    float a[2] = {1, 2}, b[3] = {3, 4, 5};
    ck_assert_int_eq(vx_st_write(path, 1, &(vx_st_write_entry){"w", VX_F32, 1, {2}, a}, 0, NULL, NULL), VX_OK);
    ck_assert_int_eq(count_files(dir), 1);
    ck_assert_int_eq(vx_st_write(path, 1, &(vx_st_write_entry){"w", VX_F32, 1, {3}, b}, 0, NULL, NULL), VX_OK);
    ck_assert_int_eq(count_files(dir), 1);
    vx_st_file *f = vx_st_open(path);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(vx_st_find(f, "w")->shape[0], 3);
    vx_st_close(f);

    /* An empty file (no tensors, no metadata) is valid too. */
    ck_assert_int_eq(vx_st_write(path, 0, NULL, 0, NULL, NULL), VX_OK);
    f = vx_st_open(path);
    ck_assert_msg(f != NULL, "%s", vx_last_error());
    ck_assert_int_eq(vx_st_count(f), 0);
    vx_st_close(f);
    remove_dir(dir);
}
END_TEST

START_TEST(failed_write_reports_and_removes_the_temp_file)
{
    float a[2] = {1, 2};
    vx_st_write_entry e = {"w", VX_F32, 1, {2}, a};
    ck_assert_fails(vx_st_write("/nonexistent-voxc-dir/x.safetensors", 1, &e, 0, NULL, NULL) == VX_OK);
    ck_assert_int_eq(vx_last_status(), VX_ERR_IO);
    ck_assert(strstr(vx_last_error(), "/nonexistent-voxc-dir/x.safetensors: cannot create the temporary file"));

    /* The target is a directory: the temp file is written, the rename fails,
     * and the temp file must be gone afterwards. */
    char *dir = make_dir("st");
    char target[512];
    snprintf(target, sizeof target, "%s/taken", dir);
    ck_assert_int_eq(mkdir(target, 0755), 0);
    ck_assert_fails(vx_st_write(target, 1, &e, 0, NULL, NULL) == VX_OK);
    ck_assert(strstr(vx_last_error(), "cannot rename"));
    ck_assert_int_eq(count_files(dir), 1);
    remove_dir(dir);
}
END_TEST

START_TEST(writer_rejects_bad_entries_before_touching_the_disk)
{
    float a[4] = {0};
    const char *path = "/tmp/voxc-never-written.safetensors";
    vx_st_write_entry dup[] = {{"w", VX_F32, 1, {2}, a}, {"w", VX_F32, 1, {2}, a}};
    ck_assert_fails(vx_st_write(path, 2, dup, 0, NULL, NULL) == VX_OK);
    ck_assert(strstr(vx_last_error(), "tensor name 'w' is given twice"));
    ck_assert_fails(vx_st_write(path, 1, &(vx_st_write_entry){"r", VX_F32, 5, {1, 1, 1, 1}, a}, 0, NULL, NULL) ==
                    VX_OK);
    ck_assert_fails(vx_st_write(path, 1, &(vx_st_write_entry){"n", VX_F32, 1, {-1}, a}, 0, NULL, NULL) == VX_OK);
    ck_assert_fails(vx_st_write(path, 1, &(vx_st_write_entry){"d", VX_F32, 1, {2}, NULL}, 0, NULL, NULL) == VX_OK);
    ck_assert_fails(vx_st_write(path, 1, &(vx_st_write_entry){"__metadata__", VX_F32, 1, {2}, a}, 0, NULL, NULL) ==
                    VX_OK);
    ck_assert_fails(vx_st_write(path, 1, &(vx_st_write_entry){NULL, VX_F32, 1, {2}, a}, 0, NULL, NULL) == VX_OK);
    const char *keys[] = {"k", "k"}, *values[] = {"1", "2"};
    ck_assert_fails(vx_st_write(path, 0, NULL, 2, keys, values) == VX_OK);
    ck_assert(strstr(vx_last_error(), "metadata key \"k\" is given twice"));
    ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(open_reports_missing_files_and_directories)
{
    ck_assert_fails(vx_st_open(ST_DIR "/missing.safetensors"));
    ck_assert_int_eq(vx_last_status(), VX_ERR_IO);
    ck_assert(strstr(vx_last_error(), ST_DIR "/missing.safetensors: cannot open"));
    ck_assert_fails(vx_st_open(ST_DIR));
    ck_assert(strstr(vx_last_error(), "is a directory"));
    ck_assert_fails(vx_st_open(NULL));
    ck_assert_fails(vx_st_open_memory(NULL, 10, "null"));
}
END_TEST

Suite *suite_safetensors(void)
{
    Suite *s = suite_create("safetensors");
    TCase *tc = tcase_create("safetensors");
    tcase_add_test(tc, good_fixture_matches_python_values);
    tcase_add_test(tc, st_tensor_wraps_aligned_data_and_copies_misaligned_data);
    tcase_add_test(tc, every_truncation_of_the_good_file_is_rejected);
    tcase_add_loop_test(tc, bad_file_is_rejected_with_its_message, 0, N_BAD);
    tcase_add_test(tc, every_file_in_the_bad_folder_has_a_table_row);
    tcase_add_loop_test(tc, inspect_fails_on_bad_file_with_message_on_stderr, 0, N_BAD);
    tcase_add_test(tc, inspect_lists_the_good_file_with_python_statistics);
    tcase_add_test(tc, inspect_usage_errors_and_help);
    tcase_add_test(tc, writer_output_is_byte_identical_to_the_python_package);
    tcase_add_test(tc, write_read_round_trip_of_every_dtype_with_metadata);
    tcase_add_test(tc, atomic_write_replaces_the_file_and_leaves_no_temp_file);
    tcase_add_test(tc, failed_write_reports_and_removes_the_temp_file);
    tcase_add_test(tc, writer_rejects_bad_entries_before_touching_the_disk);
    tcase_add_test(tc, open_reports_missing_files_and_directories);
    suite_add_tcase(s, tc);
    return s;
}
