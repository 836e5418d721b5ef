/* test_onnx.c — the ONNX reader (every protobuf form, node attributes,
 * malformed files), the Piper importer (weight names, folded weights,
 * hyper-parameters, config checks) and `voxc-convert piper`.
 *
 * Fixtures: tests/data/onnx/features.onnx + features_ref.json from
 * tests/ref/make_onnx_features.py (decoded by the official onnx package), and
 * the tiny random-weight Piper voices tiny_{medium,multi}.onnx{,.json} +
 * tiny_piper_ref.json from tests/ref/make_tiny_piper.py (ONNX facts from the
 * onnx package, weights from the PyTorch state dict, hyper-parameters from
 * the model definition). Malformed inputs are crafted here with a small
 * protobuf writer. Tests on the real voice (data/voices/en_US-joe-medium.onnx,
 * `sh data/fetch_voice.sh`) are skipped with a note when it is absent; their
 * expected values are the medium preset of shared/docs/PIPER.md.
 * voxc-convert is found through $VOXC_BIN (set by `make test-run`). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "models/onnx.h"
#include "models/piper_import.h"
#include "nn/safetensors.h"
#include "test_files.h"
#include "test_util.h"

#define ONNX_DIR "tests/data/onnx"
#define FEATURES ONNX_DIR "/features.onnx"
#define TINY_REF ONNX_DIR "/tiny_piper_ref.json"
#define REAL_VOICE "data/voices/en_US-joe-medium.onnx"

/* --- helpers ------------------------------------------------------------------ */

static vx_json *load_json(const char *path)
{
    size_t len;
    char *text = read_file(path, &len);
    vx_json *j = vx_json_parse(text, len, path);
    free(text);
    ck_assert_msg(j != NULL, "%s", vx_last_error());
    return j;
}

/* tiny_piper_ref.json -> models -> `model`; *root must be freed. */
static const vx_json *tiny_ref(const char *model, vx_json **root)
{
    *root = load_json(TINY_REF);
    const vx_json *m = vx_json_get(vx_json_get(*root, "models"), model);
    ck_assert_msg(m != NULL, "%s has no model %s", TINY_REF, model);
    return m;
}

static const vx_onnx_node *node_named(const vx_onnx *m, const char *name)
{
    for (size_t i = 0; i < vx_onnx_node_count(m); i++)
        if (!strcmp(vx_onnx_node_at(m, i)->name, name))
            return vx_onnx_node_at(m, i);
    return NULL;
}

static double json_num(const vx_json *j, const char *key)
{
    const vx_json *v = vx_json_get(j, key);
    ck_assert_msg(v && v->type == VX_JSON_NUMBER, "reference lacks number '%s'", key);
    return v->number;
}

static const vx_json *json_arr(const vx_json *j, const char *key)
{
    const vx_json *v = vx_json_get(j, key);
    ck_assert_msg(v && v->type == VX_JSON_ARRAY, "reference lacks array '%s'", key);
    return v;
}

/* Compare `n` floats against a reference summary {"first": [...], "sum": s}. */
static void check_summary(const char *what, const float *data, int64_t n, const vx_json *ref)
{
    const vx_json *first = json_arr(ref, "first");
    for (size_t i = 0; i < first->count && (int64_t)i < n; i++)
        ck_assert_msg(fabs(data[i] - first->items[i]->number) <= 1e-6 * (1 + fabs(first->items[i]->number)),
                      "%s[%zu] = %.9g, reference %.9g", what, i, (double)data[i], first->items[i]->number);
    double sum = 0, want = json_num(ref, "sum");
    for (int64_t i = 0; i < n; i++)
        sum += data[i];
    ck_assert_msg(fabs(sum - want) <= 1e-5 * (1 + fabs(want)), "%s: sum %.10g, reference %.10g", what, sum, want);
}

static void check_dims(const char *what, const int64_t *dims, int ndim, const vx_json *want)
{
    ck_assert_msg(want->type == VX_JSON_ARRAY && (int)want->count == ndim, "%s: %d dims, reference %zu", what, ndim,
                  want->count);
    for (int d = 0; d < ndim; d++)
        ck_assert_msg(dims[d] == (int64_t)want->items[d]->number, "%s: dim %d is %lld, reference %g", what, d,
                      (long long)dims[d], want->items[d]->number);
}

/* --- a small protobuf writer for crafted inputs ------------------------------------- */

typedef struct pb {
    uint8_t data[2048];
    size_t len;
} pb;

static void pb_raw(pb *b, const void *p, size_t n)
{
    ck_assert(b->len + n <= sizeof b->data);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void pb_varint(pb *b, uint64_t v)
{
    do {
        uint8_t byte = (uint8_t)(v & 0x7f);
        v >>= 7;
        byte |= v ? 0x80 : 0;
        pb_raw(b, &byte, 1);
    } while (v);
}

static void pb_key(pb *b, unsigned field, unsigned wire) { pb_varint(b, (uint64_t)field << 3 | wire); }

static void pb_uint(pb *b, unsigned field, uint64_t v)
{
    pb_key(b, field, 0);
    pb_varint(b, v);
}

static void pb_bytes(pb *b, unsigned field, const void *p, size_t n)
{
    pb_key(b, field, 2);
    pb_varint(b, n);
    pb_raw(b, p, n);
}

static void pb_str(pb *b, unsigned field, const char *s) { pb_bytes(b, field, s, strlen(s)); }
static void pb_sub(pb *b, unsigned field, const pb *sub) { pb_bytes(b, field, sub->data, sub->len); }

/* TensorProto: FLOAT with the given dims and raw float data. */
static pb float_tensor(const char *name, int ndim, const int64_t *dims, int n, const float *values)
{
    pb t = {0};
    for (int d = 0; d < ndim; d++)
        pb_uint(&t, 1, (uint64_t)dims[d]);
    pb_uint(&t, 2, 1);
    pb_str(&t, 8, name);
    pb_bytes(&t, 9, values, (size_t)n * sizeof(float));
    return t;
}

/* ModelProto { ir_version 8, graph { initializer <tensor> } } */
static pb model_with_tensor(const pb *tensor)
{
    pb graph = {0}, model = {0};
    pb_sub(&graph, 5, tensor);
    pb_uint(&model, 1, 8);
    pb_sub(&model, 7, &graph);
    return model;
}

/* Opening `bytes` must fail with `status` and a message containing `needle`. */
static void expect_rejected(const void *bytes, size_t len, vx_status status, const char *needle)
{
    vx_clear_error();
    vx_onnx *m = vx_onnx_open_memory(bytes, len, "crafted");
    if (m)
        vx_onnx_close(m);
    ck_assert_msg(m == NULL, "crafted input (%zu bytes) was accepted; expected '%s'", len, needle);
    ck_assert_msg(vx_last_status() == status, "status %s, expected %s: %s", vx_status_name(vx_last_status()),
                  vx_status_name(status), vx_last_error());
    ck_assert_msg(strstr(vx_last_error(), needle) != NULL, "message '%s' lacks '%s'", vx_last_error(), needle);
}

/* --- the reader on the feature file ----------------------------------------------------- */

START_TEST(onnx_feature_file_initializers_match_onnx_package)
{
    vx_json *ref = load_json(ONNX_DIR "/features_ref.json");
    vx_onnx *m = vx_onnx_open(FEATURES);
    ck_assert_msg(m != NULL, "%s", vx_last_error());
    ck_assert_int_eq(vx_onnx_ir_version(m), (int64_t)json_num(ref, "ir_version"));
    ck_assert_int_eq(vx_onnx_opset(m), (int64_t)json_num(ref, "opset"));
    const vx_json *inits = json_arr(ref, "initializers");
    ck_assert_uint_eq(vx_onnx_initializer_count(m), inits->count);
    for (size_t i = 0; i < inits->count; i++) {
        const vx_json *want = inits->items[i];
        const vx_onnx_tensor *t = vx_onnx_initializer(m, i);
        ck_assert_str_eq(t->name, vx_json_get_string(want, "name", ""));
        ck_assert_int_eq(t->data_type, (int)json_num(want, "data_type"));
        check_dims(t->name, t->dims, t->ndim, vx_json_get(want, "dims"));
        const vx_json *values = json_arr(want, "values");
        ck_assert_int_eq(t->numel, (int64_t)values->count);
        for (size_t k = 0; k < values->count; k++) {
            if (t->data_type == VX_ONNX_FLOAT)
                ck_assert_float_eq(t->f32[k], (float)values->items[k]->number);
            else if (t->data_type == VX_ONNX_INT64)
                ck_assert_int_eq(t->i64[k], values->items[k]->integer);
        }
        ck_assert_ptr_eq(vx_onnx_find_initializer(m, t->name), t);
    }
    vx_onnx_close(m);
    vx_json_free(ref);
}
END_TEST

START_TEST(onnx_feature_file_nodes_and_attributes_match_onnx_package)
{
    vx_json *ref = load_json(ONNX_DIR "/features_ref.json");
    vx_onnx *m = vx_onnx_open(FEATURES);
    ck_assert_msg(m != NULL, "%s", vx_last_error());
    const vx_json *nodes = json_arr(ref, "nodes"), *inputs = json_arr(ref, "inputs");
    ck_assert_uint_eq(vx_onnx_input_count(m), inputs->count);
    for (size_t i = 0; i < inputs->count; i++)
        ck_assert_str_eq(vx_onnx_input_name(m, i), inputs->items[i]->string);
    ck_assert_uint_eq(vx_onnx_output_count(m), json_arr(ref, "outputs")->count);
    ck_assert_str_eq(vx_onnx_output_name(m, 0), json_arr(ref, "outputs")->items[0]->string);
    ck_assert_uint_eq(vx_onnx_node_count(m), nodes->count);
    for (size_t i = 0; i < nodes->count; i++) {
        const vx_json *want = nodes->items[i];
        const vx_onnx_node *n = vx_onnx_node_at(m, i);
        ck_assert_str_eq(n->name, vx_json_get_string(want, "name", "?"));
        ck_assert_str_eq(n->op_type, vx_json_get_string(want, "op_type", "?"));
        ck_assert_str_eq(n->domain, vx_json_get_string(want, "domain", "?"));
        const vx_json *ins = json_arr(want, "inputs"), *outs = json_arr(want, "outputs");
        ck_assert_uint_eq(n->n_inputs, ins->count);
        for (size_t k = 0; k < ins->count; k++)
            ck_assert_str_eq(n->inputs[k], ins->items[k]->string);
        ck_assert_uint_eq(n->n_outputs, outs->count);
        for (size_t k = 0; k < outs->count; k++)
            ck_assert_str_eq(n->outputs[k], outs->items[k]->string);
        const vx_json *attrs = vx_json_get(want, "attributes");
        ck_assert_uint_eq(n->n_attrs, attrs->count);
        for (size_t k = 0; k < attrs->count; k++) {
            const vx_onnx_attr *a = vx_onnx_node_attr(n, attrs->keys[k]);
            const vx_json *wa = attrs->items[k], *v;
            ck_assert_msg(a != NULL, "node %s lacks attribute %s", n->name, attrs->keys[k]);
            if ((v = vx_json_get(wa, "type")) && v->type == VX_JSON_NUMBER)
                ck_assert_int_eq(a->type, (int)v->number);
            if ((v = vx_json_get(wa, "i")))
                ck_assert_int_eq(a->i, v->integer);
            if ((v = vx_json_get(wa, "f")))
                ck_assert_float_eq(a->f, (float)v->number);
            if ((v = vx_json_get(wa, "s")))
                ck_assert_str_eq(a->s, v->string);
            if ((v = vx_json_get(wa, "ints"))) {
                ck_assert_uint_eq(a->n_ints, v->count);
                for (size_t j = 0; j < v->count; j++)
                    ck_assert_int_eq(a->ints[j], v->items[j]->integer);
            }
            if ((v = vx_json_get(wa, "floats"))) {
                ck_assert_uint_eq(a->n_floats, v->count);
                for (size_t j = 0; j < v->count; j++)
                    ck_assert_float_eq(a->floats[j], (float)v->items[j]->number);
            }
            if ((v = vx_json_get(wa, "t"))) {
                /* the Constant's attribute carries no type field: inferred */
                ck_assert_int_eq(a->type, VX_ONNX_ATTR_TENSOR);
                ck_assert_ptr_nonnull(a->t);
                check_dims("constant", a->t->dims, a->t->ndim, vx_json_get(v, "dims"));
                const vx_json *values = json_arr(v, "values");
                for (size_t j = 0; j < values->count; j++)
                    ck_assert_float_eq(a->t->f32[j], (float)values->items[j]->number);
            }
        }
    }
    vx_onnx_close(m);
    vx_json_free(ref);
}
END_TEST

START_TEST(onnx_attribute_shortcuts_return_values_or_defaults)
{
    vx_onnx *m = vx_onnx_open(FEATURES);
    ck_assert_msg(m != NULL, "%s", vx_last_error());
    const vx_onnx_node *conv = node_named(m, "/enc/conv/Conv"), *act = node_named(m, "/dec/LeakyRelu");
    ck_assert_ptr_nonnull(conv);
    ck_assert_ptr_nonnull(act);
    ck_assert_int_eq(vx_onnx_node_attr_int(conv, "group", -5), 1);
    ck_assert_int_eq(vx_onnx_node_attr_int(conv, "no_such", -5), -5);
    ck_assert_int_eq(vx_onnx_node_attr_int(conv, "dilations", -5), -5); /* INTS, not INT */
    ck_assert_float_eq(vx_onnx_node_attr_float(act, "alpha", 0.5f), 0.01f);
    ck_assert_float_eq(vx_onnx_node_attr_float(act, "beta", 0.5f), 0.5f);
    ck_assert_ptr_null(vx_onnx_node_attr(conv, "alpha"));
    vx_clear_error();
    ck_assert_ptr_null(vx_onnx_find_initializer(m, "no.such.weight"));
    ck_assert_str_eq(vx_last_error(), ""); /* probing sets no error */
    vx_onnx_close(m);
}
END_TEST

START_TEST(onnx_unaligned_raw_data_is_copied_and_aligned_data_is_mapped)
{
    size_t len;
    uint8_t *bytes = read_file(FEATURES, &len);
    const float first = 0.5f; /* w.raw starts with 0.5, -1.25 */
    const float pattern[2] = {first, -1.25f};
    size_t offset = 0;
    while (offset + sizeof pattern <= len && memcmp(bytes + offset, pattern, sizeof pattern))
        offset++;
    ck_assert_msg(offset % 4 != 0, "the fixture should place w.raw at an unaligned offset (%zu)", offset);
    vx_onnx *m = vx_onnx_open_memory(bytes, len, FEATURES);
    ck_assert_msg(m != NULL, "%s", vx_last_error());
    const vx_onnx_tensor *raw = vx_onnx_find_initializer(m, "w.raw");
    ck_assert_ptr_nonnull(raw);
    ck_assert_uint_eq((uintptr_t)raw->f32 % sizeof(float), 0);
    ck_assert(!((const uint8_t *)raw->f32 >= bytes && (const uint8_t *)raw->f32 < bytes + len)); /* a copy */
    ck_assert_float_eq(raw->f32[0], first);
    vx_onnx_close(m);

    /* the same bytes at an offset that aligns the data: read in place */
    size_t shift = (4 - offset % 4) % 4;
    uint8_t *moved = aligned_alloc(16, (len + shift + 15) / 16 * 16);
    ck_assert_ptr_nonnull(moved);
    memcpy(moved + shift, bytes, len);
    m = vx_onnx_open_memory(moved + shift, len, "shifted");
    ck_assert_msg(m != NULL, "%s", vx_last_error());
    raw = vx_onnx_find_initializer(m, "w.raw");
    ck_assert_ptr_eq((const uint8_t *)raw->f32, moved + shift + offset);
    vx_onnx_close(m);
    free(moved);
    free(bytes);
}
END_TEST

START_TEST(onnx_non_float_tensor_is_refused_as_floats_with_message)
{
    vx_onnx *m = vx_onnx_open(FEATURES);
    ck_assert_msg(m != NULL, "%s", vx_last_error());
    const vx_onnx_tensor *ints = vx_onnx_find_initializer(m, "ints.int32"), *i64 =
        vx_onnx_find_initializer(m, "shape.int64");
    ck_assert_ptr_nonnull(ints);
    ck_assert_fails(vx_onnx_tensor_f32(ints));
    ck_assert_int_eq(vx_last_status(), VX_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "INT32"));
    ck_assert_fails(vx_onnx_tensor_f32(i64));
    ck_assert_ptr_nonnull(vx_onnx_tensor_f32(vx_onnx_find_initializer(m, "w.floats_packed")));
    ck_assert_int_eq(vx_onnx_find_initializer(m, "empty.float")->numel, 0);
    vx_onnx_close(m);
}
END_TEST

/* --- the reader on the tiny Piper voices ------------------------------------------------------ */

static void check_tiny_initializers(const char *model)
{
    vx_json *root;
    const vx_json *ref = vx_json_get(tiny_ref(model, &root), "onnx");
    char path[256];
    snprintf(path, sizeof path, ONNX_DIR "/%s.onnx", model);
    vx_onnx *m = vx_onnx_open(path);
    ck_assert_msg(m != NULL, "%s", vx_last_error());
    ck_assert_int_eq(vx_onnx_opset(m), (int64_t)json_num(ref, "opset"));
    ck_assert_uint_eq(vx_onnx_node_count(m), (size_t)json_num(ref, "node_count"));
    const vx_json *inits = json_arr(ref, "initializers"), *inputs = json_arr(ref, "graph_inputs");
    ck_assert_uint_eq(vx_onnx_input_count(m), inputs->count);
    for (size_t i = 0; i < inputs->count; i++)
        ck_assert_str_eq(vx_onnx_input_name(m, i), inputs->items[i]->string);
    ck_assert_str_eq(vx_onnx_output_name(m, 0), json_arr(ref, "graph_outputs")->items[0]->string);
    ck_assert_uint_eq(vx_onnx_initializer_count(m), inits->count);
    for (size_t i = 0; i < inits->count; i++) {
        const vx_json *want = inits->items[i];
        const vx_onnx_tensor *t = vx_onnx_find_initializer(m, vx_json_get_string(want, "name", ""));
        ck_assert_msg(t != NULL, "%s: initializer %s not found", model, vx_json_get_string(want, "name", ""));
        ck_assert_int_eq(t->data_type, (int)json_num(want, "data_type"));
        check_dims(t->name, t->dims, t->ndim, vx_json_get(want, "dims"));
        if (t->f32) {
            check_summary(t->name, t->f32, t->numel, want);
        } else if (t->i64) {
            double sum = 0;
            for (int64_t k = 0; k < t->numel; k++)
                sum += (double)t->i64[k];
            /* the reference prints the sum with 10 significant digits */
            ck_assert_msg(fabs(sum - json_num(want, "sum")) <= 1e-9 * fabs(sum) + 0.5, "%s: int64 sum %.17g, "
                          "reference %.17g", t->name, sum, json_num(want, "sum"));
        }
    }
    vx_onnx_close(m);
    vx_json_free(root);
}

START_TEST(onnx_tiny_medium_initializers_match_onnx_package)
{
    check_tiny_initializers("tiny_medium");
}
END_TEST

START_TEST(onnx_tiny_multi_initializers_match_onnx_package)
{
    check_tiny_initializers("tiny_multi");
}
END_TEST

START_TEST(onnx_tiny_conv_nodes_have_reference_dilations_strides_and_pads)
{
    static const char *const models[] = {"tiny_medium", "tiny_multi"};
    for (int mi = 0; mi < 2; mi++) {
        vx_json *root;
        const vx_json *ref = vx_json_get(tiny_ref(models[mi], &root), "onnx");
        char path[256];
        snprintf(path, sizeof path, ONNX_DIR "/%s.onnx", models[mi]);
        vx_onnx *m = vx_onnx_open(path);
        ck_assert_msg(m != NULL, "%s", vx_last_error());
        const vx_json *convs = vx_json_get(ref, "conv_nodes"), *alphas = vx_json_get(ref, "dec_leaky_relu_alpha");
        ck_assert(convs->count > 50);
        for (size_t i = 0; i < convs->count; i++) {
            const vx_onnx_node *n = node_named(m, convs->keys[i]);
            const vx_json *want = convs->items[i];
            ck_assert_msg(n != NULL, "no node %s", convs->keys[i]);
            ck_assert_str_eq(n->inputs[1], vx_json_get_string(want, "weight", ""));
            const vx_onnx_attr *dil = vx_onnx_node_attr(n, "dilations"), *str = vx_onnx_node_attr(n, "strides"),
                               *pads = vx_onnx_node_attr(n, "pads");
            ck_assert(dil && str && pads && dil->n_ints == 1 && str->n_ints == 1 && pads->n_ints == 2);
            ck_assert_int_eq(dil->ints[0], (int64_t)json_num(want, "dilation"));
            ck_assert_int_eq(str->ints[0], (int64_t)json_num(want, "stride"));
            ck_assert_int_eq(vx_onnx_node_attr_int(n, "group", -1), (int64_t)json_num(want, "group"));
            ck_assert_int_eq(pads->ints[0], json_arr(want, "pads")->items[0]->integer);
            ck_assert_int_eq(pads->ints[1], json_arr(want, "pads")->items[1]->integer);
        }
        for (size_t i = 0; i < alphas->count; i++) {
            const vx_onnx_node *n = node_named(m, alphas->keys[i]);
            ck_assert_ptr_nonnull(n);
            ck_assert_float_eq(vx_onnx_node_attr_float(n, "alpha", -1), (float)alphas->items[i]->number);
        }
        vx_onnx_close(m);
        vx_json_free(root);
    }
}
END_TEST

/* --- malformed inputs --------------------------------------------------------------------------- */

START_TEST(onnx_every_truncation_of_the_feature_file_is_rejected)
{
    size_t len;
    uint8_t *bytes = read_file(FEATURES, &len);
    for (size_t cut = 0; cut < len; cut++) {
        /* a fresh buffer of exactly `cut` bytes so ASan sees any overread */
        uint8_t *prefix = malloc(cut ? cut : 1);
        memcpy(prefix, bytes, cut);
        vx_clear_error();
        vx_onnx *m = vx_onnx_open_memory(prefix, cut, "truncated");
        ck_assert_msg(m == NULL, "a %zu-byte prefix of %zu was accepted", cut, len);
        ck_assert_msg(vx_last_error()[0], "prefix %zu: no message", cut);
        free(prefix);
    }
    free(bytes);
}
END_TEST

START_TEST(onnx_varint_overflow_is_rejected)
{
    static const uint8_t eleven_bytes[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    static const uint8_t tenth_byte_too_big[] = {0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02};
    static const uint8_t truncated[] = {0x08, 0x80, 0x80};
    expect_rejected(eleven_bytes, sizeof eleven_bytes, VX_ERR_FORMAT, "varint overflows 64 bits");
    expect_rejected(tenth_byte_too_big, sizeof tenth_byte_too_big, VX_ERR_FORMAT, "varint overflows 64 bits");
    expect_rejected(truncated, sizeof truncated, VX_ERR_FORMAT, "truncated varint");
}
END_TEST

START_TEST(onnx_length_beyond_buffer_and_beyond_parent_are_rejected)
{
    pb model = {0};
    pb_uint(&model, 1, 8);
    pb_key(&model, 7, 2);
    pb_varint(&model, 1000); /* graph claims 1000 bytes, 3 follow */
    pb_raw(&model, "\x0a\x01x", 3);
    expect_rejected(model.data, model.len, VX_ERR_FORMAT, "runs past the end");

    /* nesting: a node claiming more bytes than its graph holds, although the
     * file continues after the graph */
    pb graph = {0}, outer = {0};
    pb_key(&graph, 1, 2);
    pb_varint(&graph, 20);
    pb_raw(&graph, "\x22\x04Relu", 6);
    pb_sub(&outer, 7, &graph);
    pb_str(&outer, 2, "producer name padding the file past the node's claim");
    expect_rejected(outer.data, outer.len, VX_ERR_FORMAT, "runs past the end of its message");
}
END_TEST

START_TEST(onnx_wrong_wire_types_groups_and_field_zero_are_rejected)
{
    pb bad_dims = {0};
    pb_key(&bad_dims, 1, 5); /* dims as fixed32 */
    pb_raw(&bad_dims, "\x02\0\0\0", 4);
    pb_uint(&bad_dims, 2, 1);
    pb model = model_with_tensor(&bad_dims);
    expect_rejected(model.data, model.len, VX_ERR_FORMAT, "TensorProto.dims (field 1) has wire type 5");

    pb graph_as_varint = {0};
    pb_uint(&graph_as_varint, 7, 3);
    expect_rejected(graph_as_varint.data, graph_as_varint.len, VX_ERR_FORMAT, "ModelProto.graph");

    static const uint8_t group[] = {0x0b, 0x0c}; /* field 1 start-group */
    expect_rejected(group, sizeof group, VX_ERR_FORMAT, "group");
    static const uint8_t field_zero[] = {0x00, 0x01};
    expect_rejected(field_zero, sizeof field_zero, VX_ERR_FORMAT, "invalid field number 0");
    static const uint8_t wire_seven[] = {0x0f, 0x00};
    expect_rejected(wire_seven, sizeof wire_seven, VX_ERR_FORMAT, "invalid wire type 7");
    static const uint8_t no_graph[] = {0x08, 0x08};
    expect_rejected(no_graph, sizeof no_graph, VX_ERR_FORMAT, "no graph");
}
END_TEST

START_TEST(onnx_dims_and_data_size_mismatches_are_rejected)
{
    const float six[6] = {1, 2, 3, 4, 5, 6};
    pb t = float_tensor("w", 2, (int64_t[]){2, 2}, 6, six); /* 24 bytes for 4 floats */
    pb model = model_with_tensor(&t);
    expect_rejected(model.data, model.len, VX_ERR_FORMAT, "raw_data holds 24 bytes");

    pb typed = {0};
    pb_uint(&typed, 1, 3);
    pb_uint(&typed, 2, 1);
    pb_str(&typed, 8, "w");
    pb_bytes(&typed, 4, six, 2 * sizeof(float)); /* packed float_data: 2 values, dims need 3 */
    model = model_with_tensor(&typed);
    expect_rejected(model.data, model.len, VX_ERR_FORMAT, "2 float_data values");

    pb odd = {0};
    pb_uint(&odd, 1, 1);
    pb_uint(&odd, 2, 1);
    pb_bytes(&odd, 4, six, 5); /* packed floats of 5 bytes */
    model = model_with_tensor(&odd);
    expect_rejected(model.data, model.len, VX_ERR_FORMAT, "not a multiple of 4");

    pb ints = {0};
    pb_uint(&ints, 1, 2);
    pb_uint(&ints, 2, 7);
    pb_str(&ints, 8, "shape");
    pb_uint(&ints, 7, 5); /* one int64_data value, dims need 2 */
    model = model_with_tensor(&ints);
    expect_rejected(model.data, model.len, VX_ERR_FORMAT, "int64_data");
}
END_TEST

START_TEST(onnx_bad_dims_missing_data_and_bad_types_are_rejected)
{
    const float one = 1;
    pb neg = float_tensor("neg", 1, (int64_t[]){-1}, 1, &one);
    pb model = model_with_tensor(&neg);
    expect_rejected(model.data, model.len, VX_ERR_FORMAT, "negative dim");

    int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    pb deep = float_tensor("deep", 9, nine, 1, &one);
    model = model_with_tensor(&deep);
    expect_rejected(model.data, model.len, VX_ERR_UNSUPPORTED, "more than 8 dims");

    pb empty = {0};
    pb_uint(&empty, 1, 3);
    pb_uint(&empty, 2, 1);
    pb_str(&empty, 8, "nodata");
    model = model_with_tensor(&empty);
    expect_rejected(model.data, model.len, VX_ERR_FORMAT, "holds no data");

    pb untyped = {0};
    pb_uint(&untyped, 1, 1);
    pb_str(&untyped, 8, "untyped");
    pb_bytes(&untyped, 9, &one, 4);
    model = model_with_tensor(&untyped);
    expect_rejected(model.data, model.len, VX_ERR_FORMAT, "no valid data_type");

    pb external = float_tensor("ext", 1, (int64_t[]){1}, 1, &one);
    pb_uint(&external, 14, 1); /* data_location = EXTERNAL */
    model = model_with_tensor(&external);
    expect_rejected(model.data, model.len, VX_ERR_UNSUPPORTED, "external file");

    pb huge = float_tensor("huge", 3, (int64_t[]){INT64_C(1) << 30, INT64_C(1) << 30, 1 << 20}, 1, &one);
    model = model_with_tensor(&huge);
    expect_rejected(model.data, model.len, VX_ERR_FORMAT, "too many elements");
}
END_TEST

START_TEST(onnx_duplicate_initializer_names_are_rejected)
{
    const float one = 1;
    pb a = float_tensor("same", 1, (int64_t[]){1}, 1, &one), graph = {0}, model = {0};
    pb_sub(&graph, 5, &a);
    pb_sub(&graph, 5, &a);
    pb_sub(&model, 7, &graph);
    expect_rejected(model.data, model.len, VX_ERR_FORMAT, "two initializers are named 'same'");
}
END_TEST

START_TEST(onnx_random_byte_mutations_never_crash)
{
    size_t len;
    uint8_t *good = read_file(FEATURES, &len);
    uint8_t *bytes = malloc(len);
    uint64_t state = 0x9e3779b97f4a7c15u; /* fixed seed: the same inputs every run */
    int opened = 0, rejected = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(bytes, good, len);
        for (int k = 0; k < 1 + round % 4; k++) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            bytes[(state >> 33) % len] = (uint8_t)(state >> 17);
        }
        vx_clear_error();
        vx_onnx *m = vx_onnx_open_memory(bytes, len, "mutated");
        if (m) {
            opened++;
            for (size_t i = 0; i < vx_onnx_initializer_count(m); i++) {
                const vx_onnx_tensor *t = vx_onnx_initializer(m, i);
                volatile float sink = 0; /* reads every value so ASan checks the data */
                for (int64_t j = 0; t->f32 && j < t->numel; j++)
                    sink += t->f32[j];
                (void)sink;
            }
            vx_onnx_close(m);
        } else {
            ck_assert_msg(vx_last_error()[0], "round %d: rejected without a message", round);
            rejected++;
        }
    }
    ck_assert(opened > 0 && rejected > 0); /* both outcomes were exercised */
    free(bytes);
    free(good);
}
END_TEST

START_TEST(onnx_open_reports_missing_and_empty_files)
{
    ck_assert_fails(vx_onnx_open("tests/data/onnx/no_such_file.onnx"));
    ck_assert_int_eq(vx_last_status(), VX_ERR_IO);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "no_such_file.onnx"));
    ck_assert_fails(vx_onnx_open(ONNX_DIR));
    char path[] = "/tmp/voxc-onnx-empty-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_fails(vx_onnx_open(path));
    ck_assert_int_eq(vx_last_status(), VX_ERR_FORMAT);
    unlink(path);
}
END_TEST

/* --- the Piper importer ---------------------------------------------------------------------- */

static vx_piper_voice *import_tiny(const char *model)
{
    char path[256];
    snprintf(path, sizeof path, ONNX_DIR "/%s.onnx", model);
    vx_piper_voice *v = vx_piper_import(path, NULL);
    ck_assert_msg(v != NULL, "%s", vx_last_error());
    return v;
}

static void check_ints(const char *what, const int *got, int n, const vx_json *want)
{
    ck_assert_msg((int)want->count == n, "%s: %d values, reference %zu", what, n, want->count);
    for (int i = 0; i < n; i++)
        ck_assert_msg(got[i] == (int)want->items[i]->number, "%s[%d] = %d, reference %g", what, i, got[i],
                      want->items[i]->number);
}

static void check_tiny_hparams(const char *model)
{
    vx_json *root;
    const vx_json *hp = vx_json_get(tiny_ref(model, &root), "hparams");
    vx_piper_voice *v = import_tiny(model);
    const vx_vits_config *c = &v->config;
    ck_assert_int_eq(c->n_vocab, (int)json_num(hp, "n_vocab"));
    ck_assert_int_eq(c->hidden_channels, (int)json_num(hp, "hidden"));
    ck_assert_int_eq(c->inter_channels, (int)json_num(hp, "inter_channels"));
    ck_assert_int_eq(c->filter_channels, (int)json_num(hp, "filter"));
    ck_assert_int_eq(c->ffn_kernel_size, (int)json_num(hp, "ffn_kernel_size"));
    ck_assert_int_eq(c->n_heads, (int)json_num(hp, "n_heads"));
    ck_assert_int_eq(c->n_layers, (int)json_num(hp, "n_layers"));
    ck_assert_int_eq(c->window_size, (int)json_num(hp, "window"));
    ck_assert_int_eq(c->flow_n_flows, (int)json_num(hp, "flow_n_flows"));
    ck_assert_int_eq(c->flow_hidden_channels, (int)json_num(hp, "hidden"));
    ck_assert_int_eq(c->flow_n_layers, (int)json_num(hp, "flow_n_layers"));
    ck_assert_int_eq(c->flow_kernel_size, (int)json_num(hp, "flow_kernel_size"));
    ck_assert_int_eq(c->flow_dilation_rate, (int)json_num(hp, "flow_dilation_rate"));
    ck_assert_int_eq(c->dp_filter_channels, (int)json_num(hp, "hidden"));
    ck_assert_int_eq(c->dp_kernel_size, (int)json_num(hp, "dp_kernel_size"));
    ck_assert_int_eq(c->dp_n_layers, (int)json_num(hp, "dp_n_layers"));
    check_ints("dp_dilations", c->dp_dilations, c->dp_n_layers, json_arr(hp, "dp_dilations"));
    ck_assert_int_eq(c->dp_n_flows, (int)json_num(hp, "dp_n_flows"));
    ck_assert_int_eq(c->dp_num_bins, (int)json_num(hp, "dp_num_bins"));
    ck_assert_int_eq(c->upsample_initial_channel, (int)json_num(hp, "upsample_initial_channel"));
    check_ints("upsample_rates", c->upsample_rates, c->n_upsamples, json_arr(hp, "upsample_rates"));
    check_ints("upsample_kernels", c->upsample_kernels, c->n_upsamples, json_arr(hp, "upsample_kernel_sizes"));
    for (int i = 0; i < c->n_upsamples; i++) /* PyTorch padding (k - u) / 2 */
        ck_assert_int_eq(c->upsample_padding[i], (c->upsample_kernels[i] - c->upsample_rates[i]) / 2);
    ck_assert_int_eq(c->resblock_type, atoi(vx_json_get_string(hp, "resblock", "0")));
    const vx_json *kernels = json_arr(hp, "resblock_kernel_sizes"), *dils = json_arr(hp, "resblock_dilation_sizes");
    check_ints("resblock_kernels", c->resblock_kernels, c->n_resblock_kernels, kernels);
    for (int k = 0; k < c->n_resblock_kernels; k++)
        check_ints("resblock_dilations", c->resblock_dilations[k], c->n_resblock_dilations, dils->items[k]);
    ck_assert_float_eq_tol(c->lrelu_slope, json_num(hp, "lrelu_slope"), 1e-7);
    ck_assert_float_eq_tol(c->final_lrelu_slope, json_num(hp, "final_lrelu_slope"), 1e-7);
    ck_assert_int_eq(c->hop_length, (int)json_num(hp, "hop_length"));
    ck_assert_int_eq(c->n_speakers, (int)json_num(hp, "n_speakers"));
    ck_assert_int_eq(c->gin_channels, c->n_speakers > 1 ? (int)json_num(hp, "gin_channels") : 0);
    ck_assert_int_eq(c->sample_rate, (int)json_num(hp, "sample_rate"));
    vx_piper_free(v);
    vx_json_free(root);
}

START_TEST(piper_tiny_medium_hyper_parameters_match_the_model_definition)
{
    check_tiny_hparams("tiny_medium");
}
END_TEST

START_TEST(piper_tiny_multi_speaker_hyper_parameters_match_the_model_definition)
{
    check_tiny_hparams("tiny_multi");
}
END_TEST

START_TEST(piper_weights_match_the_pytorch_state_dict)
{
    static const char *const models[] = {"tiny_medium", "tiny_multi"};
    for (int mi = 0; mi < 2; mi++) {
        vx_json *root;
        const vx_json *weights = vx_json_get(tiny_ref(models[mi], &root), "weights");
        vx_piper_voice *v = import_tiny(models[mi]);
        ck_assert_uint_eq(v->n_weights, weights->count);
        for (size_t i = 0; i < weights->count; i++) {
            const vx_piper_weight *w = vx_piper_find(v, weights->keys[i]);
            ck_assert_msg(w != NULL, "%s: importer lacks %s", models[mi], weights->keys[i]);
            check_dims(w->name, w->shape, w->ndim, vx_json_get(weights->items[i], "dims"));
            int64_t numel = 1;
            for (int d = 0; d < w->ndim; d++)
                numel *= w->shape[d];
            check_summary(w->name, w->data, numel, weights->items[i]);
        }
        vx_piper_free(v);
        vx_json_free(root);
    }
}
END_TEST

START_TEST(piper_renamed_and_anonymous_weights_are_traced_through_the_graph)
{
    vx_piper_voice *single = import_tiny("tiny_medium"), *multi = import_tiny("tiny_multi");
    /* single speaker: the phoneme table is stored as "sid" */
    ck_assert_str_eq(vx_piper_find(single, "enc_p.emb.weight")->source, "sid");
    ck_assert_ptr_null(vx_piper_find(single, "emb_g.weight"));
    ck_assert_str_eq(vx_piper_find(multi, "enc_p.emb.weight")->source, "enc_p.emb.weight");
    ck_assert_str_eq(vx_piper_find(multi, "emb_g.weight")->source, "emb_g.weight");
    /* weight-normed flow convs are anonymous and found through their nodes */
    const vx_piper_weight *in0 = vx_piper_find(single, "flow.flows.6.enc.in_layers.3.weight");
    ck_assert_ptr_nonnull(in0);
    ck_assert_msg(!strncmp(in0->source, "onnx::Conv_", 11), "source %s", in0->source);
    ck_assert_str_eq(in0->conv->name, "/flow/flows.6/enc/in_layers.3/Conv");
    const vx_piper_weight *cond = vx_piper_find(multi, "flow.flows.2.enc.cond_layer.weight");
    ck_assert_ptr_nonnull(cond);
    ck_assert_msg(!strncmp(cond->source, "onnx::Conv_", 11), "source %s", cond->source);
    /* dp.flows.0.logs: this exporter keeps an Exp over a folded -logs */
    const vx_piper_weight *logs = vx_piper_find(single, "dp.flows.0.logs");
    ck_assert_ptr_nonnull(logs);
    ck_assert_msg(!strncmp(logs->source, "onnx::Exp_", 10), "source %s", logs->source);
    /* training-only modules are absent */
    ck_assert_ptr_null(vx_piper_find(single, "dp.flows.1.pre.weight"));
    vx_piper_free(single);
    vx_piper_free(multi);
}
END_TEST

START_TEST(piper_config_json_round_trips_through_the_parser)
{
    vx_piper_voice *v = import_tiny("tiny_multi");
    char *text = vx_vits_config_json(&v->config);
    ck_assert_ptr_nonnull(text);
    vx_json *j = vx_json_parse(text, strlen(text), "config json");
    ck_assert_msg(j != NULL, "%s: %s", vx_last_error(), text);
    const vx_vits_config *c = &v->config;
    ck_assert_int_eq((int)json_num(j, "hidden_channels"), c->hidden_channels);
    ck_assert_int_eq((int)json_num(j, "n_speakers"), c->n_speakers);
    ck_assert_int_eq((int)json_num(j, "gin_channels"), c->gin_channels);
    ck_assert_str_eq(vx_json_get_string(j, "resblock", ""), "1");
    check_ints("upsample_rates", c->upsample_rates, c->n_upsamples, json_arr(j, "upsample_rates"));
    const vx_json *dils = json_arr(j, "resblock_dilation_sizes");
    ck_assert_int_eq((int)dils->count, c->n_resblock_kernels);
    check_ints("dilations", c->resblock_dilations[1], c->n_resblock_dilations, dils->items[1]);
    ck_assert_float_eq((float)json_num(j, "final_lrelu_slope"), c->final_lrelu_slope);
    ck_assert_float_eq((float)json_num(j, "noise_w"), c->noise_w);
    vx_json_free(j);
    free(text);
    vx_piper_free(v);
}
END_TEST

/* Import tiny_medium.onnx with `config` text; must fail naming `needle`. */
static void expect_config_rejected(const vx_onnx *m, const char *config, const char *needle)
{
    vx_clear_error();
    vx_piper_voice *v = vx_piper_import_onnx(m, config, strlen(config), "tiny");
    vx_piper_free(v);
    ck_assert_msg(v == NULL, "config accepted: %s", config);
    ck_assert_msg(strstr(vx_last_error(), needle) != NULL, "message '%s' lacks '%s'", vx_last_error(), needle);
}

START_TEST(piper_rejects_configs_that_do_not_fit_the_model)
{
    vx_onnx *m = vx_onnx_open(ONNX_DIR "/tiny_medium.onnx");
    ck_assert_msg(m != NULL, "%s", vx_last_error());
    const char *good = "{\"audio\":{\"sample_rate\":22050},\"num_speakers\":1,\"phoneme_id_map\":{\"a\":[63]}}";
    vx_piper_voice *v = vx_piper_import_onnx(m, good, strlen(good), "tiny");
    ck_assert_msg(v != NULL, "%s", vx_last_error());
    ck_assert_int_eq(v->config.sample_rate, 22050);
    ck_assert_float_eq(v->config.noise_scale, 0.667f); /* defaults when absent */
    vx_piper_free(v);
    expect_config_rejected(m, "{\"audio\":{}}", "sample_rate");
    expect_config_rejected(m, "{\"audio\":{\"sample_rate\":22050},\"num_speakers\":3}", "num_speakers is 3");
    expect_config_rejected(m, "{\"audio\":{\"sample_rate\":22050},\"phoneme_id_map\":{\"z\":[64]}}",
                           "phoneme_id_map");
    expect_config_rejected(m, "{\"audio\":{\"sample_rate\":22050},\"phoneme_id_map\":{\"z\":[-1]}}",
                           "outside 0..63");
    expect_config_rejected(m, "{\"audio\": {\"sample_rate\": 22050", "end of input");
    expect_config_rejected(m, "[1, 2]", "expected an object");
    vx_onnx_close(m);
}
END_TEST

START_TEST(piper_rejects_models_that_are_not_piper_voices)
{
    vx_onnx *m = vx_onnx_open(FEATURES);
    ck_assert_msg(m != NULL, "%s", vx_last_error());
    const char *config = "{\"audio\":{\"sample_rate\":22050}}";
    vx_clear_error();
    ck_assert_ptr_null(vx_piper_import_onnx(m, config, strlen(config), "features"));
    ck_assert_msg(strstr(vx_last_error(), "Piper") != NULL, "%s", vx_last_error());
    vx_onnx_close(m);
    ck_assert_fails(vx_piper_import(ONNX_DIR "/tiny_medium.onnx", ONNX_DIR "/no_such.onnx.json"));
    ck_assert_int_eq(vx_last_status(), VX_ERR_IO);
}
END_TEST

/* --- the real voice (skipped without it) -------------------------------------------------------- */

static bool have_real_voice(void)
{
    if (access(REAL_VOICE, R_OK) == 0 && access(REAL_VOICE ".json", R_OK) == 0)
        return true;
    printf("note: %s absent (run `sh data/fetch_voice.sh`): real-voice test skipped\n", REAL_VOICE);
    return false;
}

static void check_ints_c(const char *what, const int *got, int n, const int *want)
{
    for (int i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "%s[%d] = %d, expected %d", what, i, got[i], want[i]);
}

START_TEST(piper_real_voice_matches_the_medium_preset)
{
    if (!have_real_voice())
        return;
    vx_piper_voice *v = vx_piper_import(REAL_VOICE, NULL);
    ck_assert_msg(v != NULL, "%s", vx_last_error());
    const vx_vits_config *c = &v->config;
    /* shared/docs/PIPER.md: the medium column and the inference path */
    ck_assert_int_eq(c->n_vocab, 256);
    ck_assert_int_eq(c->hidden_channels, 192);
    ck_assert_int_eq(c->filter_channels, 768);
    ck_assert_int_eq(c->n_heads, 2);
    ck_assert_int_eq(c->n_layers, 6);
    ck_assert_int_eq(c->window_size, 4);
    ck_assert_int_eq(c->inter_channels, 192);
    ck_assert_int_eq(c->flow_n_flows, 4);
    ck_assert_int_eq(c->flow_n_layers, 4);
    ck_assert_int_eq(c->flow_kernel_size, 5);
    ck_assert_int_eq(c->flow_dilation_rate, 1);
    ck_assert_int_eq(c->dp_n_layers, 3);
    check_ints_c("dp_dilations", c->dp_dilations, 3, (const int[]){1, 3, 9});
    ck_assert_int_eq(c->dp_n_flows, 3);
    ck_assert_int_eq(c->dp_num_bins, 10);
    ck_assert_int_eq(c->upsample_initial_channel, 256);
    ck_assert_int_eq(c->n_upsamples, 3);
    check_ints_c("upsample_rates", c->upsample_rates, 3, (const int[]){8, 8, 4});
    check_ints_c("upsample_kernels", c->upsample_kernels, 3, (const int[]){16, 16, 8});
    ck_assert_int_eq(c->resblock_type, 2);
    ck_assert_int_eq(c->n_resblock_kernels, 3);
    ck_assert_int_eq(c->n_resblock_dilations, 2);
    check_ints_c("resblock_kernels", c->resblock_kernels, 3, (const int[]){3, 5, 7});
    check_ints_c("dilations 0", c->resblock_dilations[0], 2, (const int[]){1, 2});
    check_ints_c("dilations 1", c->resblock_dilations[1], 2, (const int[]){2, 6});
    check_ints_c("dilations 2", c->resblock_dilations[2], 2, (const int[]){3, 12});
    ck_assert_float_eq(c->lrelu_slope, 0.1f);
    ck_assert_float_eq(c->final_lrelu_slope, 0.01f);
    ck_assert_int_eq(c->hop_length, 256);
    ck_assert_int_eq(c->n_speakers, 1);
    ck_assert_int_eq(c->sample_rate, 22050);
    ck_assert_float_eq(c->noise_scale, 0.667f);
    ck_assert_float_eq(c->noise_w, 0.8f);
    /* PIPER.md quotes 15.6 M parameters; all of them are imported */
    double params = 0;
    for (size_t i = 0; i < v->n_weights; i++) {
        double numel = 1;
        for (int d = 0; d < v->weights[i].ndim; d++)
            numel *= (double)v->weights[i].shape[d];
        params += numel;
    }
    ck_assert_msg(params > 15.5e6 && params < 15.7e6, "%.0f parameters", params);
    ck_assert_str_eq(vx_piper_find(v, "enc_p.emb.weight")->source, "sid");
    /* this voice holds exp(-logs) folded: logs = -ln(constant) */
    const vx_piper_weight *logs = vx_piper_find(v, "dp.flows.0.logs");
    const vx_onnx_tensor *folded = vx_onnx_find_initializer(v->onnx, logs->source);
    ck_assert_ptr_nonnull(folded);
    for (int i = 0; i < 2; i++)
        ck_assert_float_eq_tol(logs->data[i], -logf(folded->f32[i]), 1e-7);
    vx_piper_free(v);
}
END_TEST

/* --- voxc-convert -------------------------------------------------------------------------------- */

START_TEST(convert_piper_writes_weights_and_config_metadata)
{
    char dir[] = "/tmp/voxc-convert-XXXXXX", target[600];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(target, sizeof target, "%s/tiny.safetensors", dir);
    char *out, *err;
    const char *args[] = {"piper", ONNX_DIR "/tiny_multi.onnx", target, NULL};
    int rc = run_tool("convert", args, NULL, &out, NULL, &err);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    ck_assert_ptr_nonnull(strstr(out, "353 weights"));
    free(out);
    free(err);

    vx_json *root;
    const vx_json *weights = vx_json_get(tiny_ref("tiny_multi", &root), "weights");
    vx_st_file *f = vx_st_open(target);
    ck_assert_msg(f != NULL, "%s", vx_last_error());
    ck_assert_int_eq(vx_st_count(f), (int)weights->count);
    for (size_t i = 0; i < weights->count; i++) {
        const vx_st_entry *e = vx_st_find(f, weights->keys[i]);
        ck_assert_msg(e != NULL, "output lacks %s", weights->keys[i]);
        ck_assert_int_eq(e->dtype, VX_F32);
        check_dims(e->name, e->shape, e->ndim, vx_json_get(weights->items[i], "dims"));
        float *values = malloc(e->nbytes + 1);
        memcpy(values, e->data, e->nbytes);
        check_summary(e->name, values, (int64_t)(e->nbytes / sizeof(float)), weights->items[i]);
        free(values);
    }
    ck_assert_str_eq(vx_st_metadata(f, VX_VITS_META_MODEL), "vits");
    size_t json_len;
    char *json = read_file(ONNX_DIR "/tiny_multi.onnx.json", &json_len);
    ck_assert_str_eq(vx_st_metadata(f, VX_VITS_META_PIPER), json);
    const char *config = vx_st_metadata(f, VX_VITS_META_CONFIG);
    vx_json *cfg = vx_json_parse(config, strlen(config), "vits_config");
    ck_assert_msg(cfg != NULL, "%s", vx_last_error());
    ck_assert_int_eq((int)json_num(cfg, "n_speakers"), 4);
    ck_assert_int_eq((int)json_num(cfg, "sample_rate"), 16000);
    vx_json_free(cfg);
    free(json);
    vx_st_close(f);
    vx_json_free(root);
    unlink(target);
    ck_assert_int_eq(rmdir(dir), 0); /* nothing else (no temporary file) was left */
}
END_TEST

START_TEST(convert_fails_cleanly_on_bad_input_and_usage)
{
    char dir[] = "/tmp/voxc-convert-XXXXXX", target[600];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(target, sizeof target, "%s/out.safetensors", dir);
    char *out, *err;
    const char *bad[] = {"piper", FEATURES, target, "--config", ONNX_DIR "/tiny_medium.onnx.json", NULL};
    int rc = run_tool("convert", bad, NULL, &out, NULL, &err);
    ck_assert_int_eq(rc, 1);
    ck_assert_msg(strstr(err, "voxc-convert:") && strstr(err, "Piper"), "stderr: %s", err);
    ck_assert_int_ne(access(target, F_OK), 0); /* no output written */
    free(out);
    free(err);
    const char *no_target[] = {"piper", ONNX_DIR "/tiny_medium.onnx", NULL};
    rc = run_tool("convert", no_target, NULL, &out, NULL, &err);
    ck_assert_int_eq(rc, 2);
    ck_assert_ptr_nonnull(strstr(err, "OUT.safetensors"));
    free(out);
    free(err);
    rc = run_tool("convert", (const char *[]){"--help", NULL}, NULL, &out, NULL, &err);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: voxc-convert piper"));
    free(out);
    free(err);
    rc = run_tool("convert", (const char *[]){"onnx-info", FEATURES, NULL}, NULL, &out, NULL, &err);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "init w.raw FLOAT [2,3]"));
    free(out);
    free(err);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

Suite *suite_onnx(void)
{
    Suite *s = suite_create("onnx");
    TCase *reader = tcase_create("reader");
    tcase_add_test(reader, onnx_feature_file_initializers_match_onnx_package);
    tcase_add_test(reader, onnx_feature_file_nodes_and_attributes_match_onnx_package);
    tcase_add_test(reader, onnx_attribute_shortcuts_return_values_or_defaults);
    tcase_add_test(reader, onnx_unaligned_raw_data_is_copied_and_aligned_data_is_mapped);
    tcase_add_test(reader, onnx_non_float_tensor_is_refused_as_floats_with_message);
    tcase_add_test(reader, onnx_tiny_medium_initializers_match_onnx_package);
    tcase_add_test(reader, onnx_tiny_multi_initializers_match_onnx_package);
    tcase_add_test(reader, onnx_tiny_conv_nodes_have_reference_dilations_strides_and_pads);
    suite_add_tcase(s, reader);
    TCase *malformed = tcase_create("malformed");
    tcase_add_test(malformed, onnx_every_truncation_of_the_feature_file_is_rejected);
    tcase_add_test(malformed, onnx_varint_overflow_is_rejected);
    tcase_add_test(malformed, onnx_length_beyond_buffer_and_beyond_parent_are_rejected);
    tcase_add_test(malformed, onnx_wrong_wire_types_groups_and_field_zero_are_rejected);
    tcase_add_test(malformed, onnx_dims_and_data_size_mismatches_are_rejected);
    tcase_add_test(malformed, onnx_bad_dims_missing_data_and_bad_types_are_rejected);
    tcase_add_test(malformed, onnx_duplicate_initializer_names_are_rejected);
    tcase_add_test(malformed, onnx_random_byte_mutations_never_crash);
    tcase_add_test(malformed, onnx_open_reports_missing_and_empty_files);
    suite_add_tcase(s, malformed);
    TCase *piper = tcase_create("piper");
    tcase_add_test(piper, piper_tiny_medium_hyper_parameters_match_the_model_definition);
    tcase_add_test(piper, piper_tiny_multi_speaker_hyper_parameters_match_the_model_definition);
    tcase_add_test(piper, piper_weights_match_the_pytorch_state_dict);
    tcase_add_test(piper, piper_renamed_and_anonymous_weights_are_traced_through_the_graph);
    tcase_add_test(piper, piper_config_json_round_trips_through_the_parser);
    tcase_add_test(piper, piper_rejects_configs_that_do_not_fit_the_model);
    tcase_add_test(piper, piper_rejects_models_that_are_not_piper_voices);
    tcase_add_test(piper, piper_real_voice_matches_the_medium_preset);
    tcase_add_test(piper, convert_piper_writes_weights_and_config_metadata);
    tcase_add_test(piper, convert_fails_cleanly_on_bad_input_and_usage);
    suite_add_tcase(s, piper);
    return s;
}
