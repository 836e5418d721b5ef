/* safetensors_write.c — write .safetensors files atomically (temporary file,
 * fsync, rename), laid out byte for byte as the Python package lays them out:
 * compact JSON header, tensors ordered by dtype (largest first) then name,
 * header padded with spaces to a multiple of 8 bytes. */
#include "nn/safetensors.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/json.h"

/* Layout rank: the Python package sorts by its dtype enum, descending, which
 * for our dtypes is F32, I32, BF16, F16, I8, U8. */
static int layout_rank(vx_dtype dt)
{
    switch (dt) {
    case VX_F32: return 5;
    case VX_I32: return 4;
    case VX_BF16: return 3;
    case VX_F16: return 2;
    case VX_I8: return 1;
    default: return 0;
    }
}

/* One tensor in file order with its byte size. */
typedef struct laid_tensor {
    const vx_st_write_entry *e;
    int64_t bytes;
} laid_tensor;

static int by_layout(const void *a, const void *b)
{
    const vx_st_write_entry *x = ((const laid_tensor *)a)->e, *y = ((const laid_tensor *)b)->e;
    int rx = layout_rank(x->dtype), ry = layout_rank(y->dtype);
    return rx != ry ? ry - rx : strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const laid_tensor *)a)->e->name, ((const laid_tensor *)b)->e->name);
}

/* Check an entry and put its byte size in *out. */
static vx_status entry_bytes(const char *path, const vx_st_write_entry *e, int64_t *out)
{
    if (!e->name)
        return vx_fail(VX_ERR_ARG, "%s: a tensor has a NULL name", path);
    if (strcmp(e->name, "__metadata__") == 0)
        return vx_fail(VX_ERR_ARG, "%s: \"__metadata__\" is reserved and cannot name a tensor", path);
    if ((unsigned)e->dtype >= VX_DTYPE_COUNT)
        return vx_fail(VX_ERR_ARG, "%s: tensor '%s' has invalid dtype %d", path, e->name, (int)e->dtype);
    if (e->ndim < 0 || e->ndim > VX_MAX_DIMS)
        return vx_fail(VX_ERR_ARG, "%s: tensor '%s' has rank %d, outside 0..%d", path, e->name, e->ndim,
                       VX_MAX_DIMS);
    int64_t n = (int64_t)vx_dtype_size(e->dtype);
    for (int i = 0; i < e->ndim; i++) {
        if (e->shape[i] < 0 || (e->shape[i] > 0 && n > INT64_MAX / e->shape[i]))
            return vx_fail(VX_ERR_ARG, "%s: tensor '%s' has invalid dim %d = %lld", path, e->name, i,
                           (long long)e->shape[i]);
        n *= e->shape[i];
    }
    if (n > 0 && !e->data)
        return vx_fail(VX_ERR_ARG, "%s: tensor '%s' has NULL data", path, e->name);
    *out = n;
    return VX_OK;
}

/* The header JSON (padded) into a malloc'd buffer; `order` is the file order. */
static char *build_header(const laid_tensor *order, int n, int n_meta,
                          const char *const *keys, const char *const *values, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&buf, &size);
    if (!m)
        return NULL;
    fputc('{', m);
    if (n_meta > 0) {
        fputs("\"__metadata__\":{", m);
        for (int i = 0; i < n_meta; i++) {
            if (i)
                fputc(',', m);
            vx_json_write_string(m, keys[i], strlen(keys[i]));
            fputc(':', m);
            vx_json_write_string(m, values[i], strlen(values[i]));
        }
        fputc('}', m);
    }
    int64_t offset = 0;
    for (int i = 0; i < n; i++) {
        const vx_st_write_entry *e = order[i].e;
        if (i || n_meta > 0)
            fputc(',', m);
        vx_json_write_string(m, e->name, strlen(e->name));
        fprintf(m, ":{\"dtype\":\"%s\",\"shape\":[", vx_st_dtype_name(e->dtype));
        for (int d = 0; d < e->ndim; d++)
            fprintf(m, d ? ",%lld" : "%lld", (long long)e->shape[d]);
        fprintf(m, "],\"data_offsets\":[%lld,%lld]}", (long long)offset, (long long)(offset + order[i].bytes));
        offset += order[i].bytes;
    }
    fputc('}', m);
    long pos = ftell(m);
    while (pos >= 0 && pos % 8 != 0) { /* 8 + N stays a multiple of 8 */
        fputc(' ', m);
        pos++;
    }
    bool bad = ferror(m) != 0 || pos < 0;
    if (fclose(m) != 0 || bad) {
        free(buf);
        return NULL;
    }
    *len = size;
    return buf;
}

static vx_status write_file(const char *path, const char *tmp, const char *header, size_t header_len,
                            const laid_tensor *order, int n)
{
    FILE *fp = fopen(tmp, "wb");
    if (!fp)
        return vx_fail(VX_ERR_IO, "%s: cannot create the temporary file %s: %s", path, tmp, strerror(errno));
    unsigned char len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (unsigned char)((uint64_t)header_len >> (8 * i));
    bool ok = fwrite(len8, 1, 8, fp) == 8 && fwrite(header, 1, header_len, fp) == header_len;
    for (int i = 0; ok && i < n; i++)
        ok = order[i].bytes == 0 || fwrite(order[i].e->data, 1, (size_t)order[i].bytes, fp) == (size_t)order[i].bytes;
    ok = ok && fflush(fp) == 0 && fsync(fileno(fp)) == 0;
    int err = errno;
    if (fclose(fp) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok)
        return vx_fail(VX_ERR_IO, "%s: writing %s failed: %s", path, tmp, strerror(err));
    if (rename(tmp, path) != 0)
        return vx_fail(VX_ERR_IO, "%s: cannot rename %s to it: %s", path, tmp, strerror(errno));
    vx_fsync_parent_dir(path);
    return VX_OK;
}

vx_status vx_st_write(const char *path, int n, const vx_st_write_entry *entries, int n_meta,
                      const char *const *meta_keys, const char *const *meta_values)
{
    if (!path)
        return vx_fail(VX_ERR_ARG, "vx_st_write: path is NULL");
    if (n < 0 || (n > 0 && !entries) || n_meta < 0 || (n_meta > 0 && (!meta_keys || !meta_values)))
        return vx_fail(VX_ERR_ARG, "%s: bad tensor or metadata arrays (n = %d, n_meta = %d)", path, n, n_meta);
    for (int i = 0; i < n_meta; i++) {
        if (!meta_keys[i] || !meta_values[i])
            return vx_fail(VX_ERR_ARG, "%s: metadata entry %d has a NULL key or value", path, i);
        for (int k = 0; k < i; k++)
            if (strcmp(meta_keys[k], meta_keys[i]) == 0)
                return vx_fail(VX_ERR_ARG, "%s: metadata key \"%s\" is given twice", path, meta_keys[i]);
    }

    laid_tensor *order = malloc((size_t)(n ? n : 1) * sizeof *order);
    size_t tmp_size = strlen(path) + 32;
    char *tmp = malloc(tmp_size);
    char *header = NULL;
    size_t header_len = 0;
    vx_status st = VX_OK;
    if (!order || !tmp) {
        st = vx_fail(VX_ERR_OOM, "%s: out of memory", path);
        goto done;
    }
    for (int i = 0; i < n && !st; i++) {
        order[i].e = &entries[i];
        st = entry_bytes(path, &entries[i], &order[i].bytes);
    }
    if (st)
        goto done;
    qsort(order, (size_t)n, sizeof *order, by_name);
    for (int i = 1; i < n && !st; i++)
        if (strcmp(order[i - 1].e->name, order[i].e->name) == 0)
            st = vx_fail(VX_ERR_ARG, "%s: tensor name '%s' is given twice", path, order[i].e->name);
    if (st)
        goto done;
    qsort(order, (size_t)n, sizeof *order, by_layout);
    header = build_header(order, n, n_meta, meta_keys, meta_values, &header_len);
    if (!header) {
        st = vx_fail(VX_ERR_OOM, "%s: out of memory building the header", path);
        goto done;
    }
    snprintf(tmp, tmp_size, "%s.tmp.%ld", path, (long)getpid());
    st = write_file(path, tmp, header, header_len, order, n);
    if (st)
        unlink(tmp);
done:
    free(header);
    free(tmp);
    free(order);
    return st;
}
