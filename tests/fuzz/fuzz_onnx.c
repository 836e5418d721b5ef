/* fuzz_onnx.c — libFuzzer target for the ONNX reader and the Piper importer:
 * any byte string must be rejected with a message or decoded into tensors,
 * nodes and attributes whose data lies inside valid memory; the importer
 * must then accept or reject the graph without crashing, leaking or reading
 * out of bounds.
 *
 * Not part of the test runner (the Makefile only compiles the C files at the
 * top of tests/, and this file defines no suite). Build and run from the
 * repository root with clang's fuzzer runtime (apt-get install
 * libclang-rt-14-dev when it is missing):
 *
 *   mkdir -p build/fuzz/onnx_corpus
 *   clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *       tests/fuzz/fuzz_onnx.c models/onnx.c models/piper_import.c core/json.c core/status.c \
 *       -lm -o build/fuzz/fuzz_onnx
 *   build/fuzz/fuzz_onnx -max_total_time=300 -max_len=300000 -rss_limit_mb=2048 -timeout=20 \
 *       build/fuzz/onnx_corpus tests/data/onnx
 *
 * The seeds are features.onnx (every protobuf form) and the tiny Piper voices
 * (~250 KB each, so max_len must hold them for mutations to reach the
 * importer's graph tracing); a second run with -max_len=8192 mutates small
 * inputs ~40x faster. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/onnx.h"
#include "models/piper_import.h"

static const char config[] = "{\"audio\":{\"sample_rate\":22050},\"num_speakers\":1,"
                             "\"phoneme_id_map\":{\"_\":[0],\"^\":[1],\"$\":[2]}}";

static void touch_tensor(const vx_onnx_tensor *t, volatile float *sink)
{
    for (int64_t k = 0; t->f32 && k < t->numel; k++)
        *sink += t->f32[k];
    for (int64_t k = 0; t->i64 && k < t->numel; k++)
        *sink += (float)t->i64[k];
    if (t->ndim < 0 || t->ndim > VX_ONNX_MAX_DIMS || strlen(t->name) > (size_t)1 << 30)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vx_onnx *m = vx_onnx_open_memory(data, size, "fuzz");
    if (!m) {
        if (!vx_last_error()[0])
            abort(); /* a failure must say why */
        return 0;
    }
    volatile float sink = 0;
    for (size_t i = 0; i < vx_onnx_initializer_count(m); i++) {
        const vx_onnx_tensor *t = vx_onnx_initializer(m, i);
        touch_tensor(t, &sink);
        if (vx_onnx_find_initializer(m, t->name) == NULL)
            abort(); /* every initializer is found by its name */
    }
    for (size_t i = 0; i < vx_onnx_node_count(m); i++) {
        const vx_onnx_node *n = vx_onnx_node_at(m, i);
        for (size_t k = 0; k < n->n_inputs; k++)
            sink += (float)strlen(n->inputs[k]);
        for (size_t k = 0; k < n->n_outputs; k++)
            sink += (float)strlen(n->outputs[k]);
        for (size_t k = 0; k < n->n_attrs; k++) {
            const vx_onnx_attr *a = &n->attrs[k];
            for (size_t j = 0; j < a->n_ints; j++)
                sink += (float)a->ints[j];
            for (size_t j = 0; j < a->n_floats; j++)
                sink += a->floats[j];
            sink += (float)strlen(a->s) + (float)a->s_len;
            if (a->t)
                touch_tensor(a->t, &sink);
            if (vx_onnx_node_attr(n, a->name) == NULL)
                abort();
        }
    }
    for (size_t i = 0; i < vx_onnx_input_count(m); i++)
        sink += (float)strlen(vx_onnx_input_name(m, i));
    for (size_t i = 0; i < vx_onnx_output_count(m); i++)
        sink += (float)strlen(vx_onnx_output_name(m, i));

    vx_piper_voice *v = vx_piper_import_onnx(m, config, sizeof config - 1, "fuzz");
    if (v) {
        for (size_t i = 0; i < v->n_weights; i++) {
            const vx_piper_weight *w = &v->weights[i];
            int64_t numel = 1;
            for (int d = 0; d < w->ndim; d++)
                numel *= w->shape[d];
            for (int64_t k = 0; k < numel; k++)
                sink += w->data[k];
        }
        free(vx_vits_config_json(&v->config));
        vx_piper_free(v);
    } else if (!vx_last_error()[0]) {
        abort();
    }
    vx_onnx_close(m);
    return 0;
}
