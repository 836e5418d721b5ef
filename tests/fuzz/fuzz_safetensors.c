/* fuzz_safetensors.c — libFuzzer target for the safetensors reader and the
 * JSON parser: any byte string must be rejected with a message or opened
 * into entries whose data lies inside the input; nothing may crash, leak or
 * read out of bounds.
 *
 * Not part of the test runner (the Makefile only compiles the C files at the
 * top of tests/, and this file defines no suite). Build and
 * run from the repository root with clang's fuzzer runtime
 * (apt-get install libclang-rt-14-dev when it is missing):
 *
 *   mkdir -p build/fuzz/corpus
 *   clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. \
 *       tests/fuzz/fuzz_safetensors.c core/json.c core/status.c core/dtype.c core/tensor.c \
 *       core/ctx.c core/rng.c nn/safetensors.c nn/safetensors_write.c -lm -pthread \
 *       -o build/fuzz/fuzz_safetensors
 *   build/fuzz/fuzz_safetensors -max_total_time=180 -max_len=4096 build/fuzz/corpus \
 *       tests/data/safetensors tests/data/safetensors/bad
 *
 * The first input byte picks the path: even -> safetensors, odd -> JSON, so
 * the seed files (which start with a length byte) exercise both. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/vx.h"
#include "nn/safetensors.h"

/* Touch every byte of every tensor so ASan checks the offsets, then wrap a
 * tensor through vx_st_tensor (which copies for memory-opened files). */
static void walk_file(const vx_st_file *f, vx_ctx *ctx)
{
    volatile uint8_t sink = 0;
    for (int i = 0; i < vx_st_count(f); i++) {
        const vx_st_entry *e = vx_st_entry_at(f, i);
        const uint8_t *p = e->data;
        for (size_t k = 0; k < e->nbytes; k++)
            sink ^= p[k];
        if (vx_st_find(f, e->name) != e)
            abort(); /* lookup by name must find the same entry */
        vx_st_tensor(ctx, f, e->name);
        vx_ctx_reset(ctx);
    }
    for (int i = 0; i < vx_st_metadata_count(f); i++)
        sink ^= (uint8_t)vx_st_metadata(f, vx_st_metadata_key(f, i))[0];
    (void)sink;
}

static void walk_json(const vx_json *j)
{
    for (size_t i = 0; i < j->count; i++)
        walk_json(j->items[i]);
    if (j->type == VX_JSON_OBJECT && j->count && vx_json_get(j, j->keys[0]) == NULL)
        abort(); /* the first key is always found */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vx_ctx *ctx;
    if (!ctx)
        ctx = vx_ctx_new((vx_ctx_opts){.arena_chunk_bytes = 1 << 20, .arena_limit_bytes = 64 << 20});
    if (size == 0 || !ctx)
        return 0;
    vx_clear_error();
    if ((data[0] & 1) == 0) {
        vx_st_file *f = vx_st_open_memory(data, size, "fuzz");
        if (f)
            walk_file(f, ctx);
        else if (vx_last_error()[0] == '\0')
            abort(); /* a rejection must say why */
        vx_st_close(f);
    } else {
        vx_json *j = vx_json_parse((const char *)data + 1, size - 1, "fuzz");
        if (j)
            walk_json(j);
        else if (vx_last_error()[0] == '\0')
            abort();
        vx_json_free(j);
    }
    return 0;
}
