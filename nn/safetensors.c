/* safetensors.c — open and validate .safetensors files (mmap or read), look up
 * tensors and metadata, wrap tensors for the engine. Writing is in
 * safetensors_write.c. */
#include "nn/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/json.h"

typedef enum st_storage { ST_MAPPED, ST_MALLOC, ST_BORROWED } st_storage;

struct vx_st_file {
    char *name;            /* path or memory name, for messages        */
    uint8_t *bytes;        /* the whole file                            */
    size_t size;
    st_storage storage;    /* who owns `bytes`                          */
    size_t header_len;     /* N                                          */
    const uint8_t *data;   /* bytes + 8 + N                              */
    size_t data_len;
    int count;
    vx_st_entry *entries;  /* sorted by name; names malloc'd             */
    int meta_count;
    char **meta_keys, **meta_values;
};

static const char *const dtype_names[VX_DTYPE_COUNT] = {
    [VX_F32] = "F32", [VX_F16] = "F16", [VX_BF16] = "BF16",
    [VX_I32] = "I32", [VX_I8] = "I8",   [VX_U8] = "U8",
};

const char *vx_st_dtype_name(vx_dtype dt)
{
    return (unsigned)dt < VX_DTYPE_COUNT ? dtype_names[dt] : "?";
}

int vx_st_dtype_parse(const char *s, vx_dtype *out)
{
    for (int i = 0; i < VX_DTYPE_COUNT; i++) {
        if (strcmp(s, dtype_names[i]) == 0) {
            *out = (vx_dtype)i;
            return 0;
        }
    }
    return -1;
}

/* --- validation ------------------------------------------------------------ */

/* Everything one entry check needs to name in messages. */
typedef struct entry_ctx {
    const vx_st_file *f;
    const char *tname; /* tensor name, made printable */
} entry_ctx;

static vx_status entry_fail(const entry_ctx *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static vx_status entry_fail(const entry_ctx *e, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vx_fail(VX_ERR_FORMAT, "%s: tensor '%s': %s", e->f->name, e->tname, msg);
}

/* A JSON number that is a non-negative integer (no fraction or exponent). */
static bool is_count(const vx_json *v)
{
    return v->type == VX_JSON_NUMBER && v->is_integer && v->integer >= 0;
}

static vx_status parse_shape(const entry_ctx *e, const vx_json *shape, vx_st_entry *out)
{
    if (shape->type != VX_JSON_ARRAY)
        return entry_fail(e, "\"shape\" is a JSON %s, expected an array of non-negative integers",
                          vx_json_type_name(shape->type));
    if (shape->count > VX_MAX_DIMS)
        return entry_fail(e, "rank %zu is over voxc's limit of %d dims (VX_MAX_DIMS); reshape the tensor to %d "
                             "or fewer dims before saving it",
                          shape->count, VX_MAX_DIMS, VX_MAX_DIMS);
    out->ndim = (int)shape->count;
    for (int i = 0; i < VX_MAX_DIMS; i++) {
        if (i >= out->ndim) {
            out->shape[i] = 1;
            continue;
        }
        const vx_json *d = shape->items[i];
        if (!is_count(d))
            return entry_fail(e, "shape[%d] is %s%s; dims must be non-negative integers", i,
                              d->type == VX_JSON_NUMBER ? "" : "a JSON ",
                              d->type == VX_JSON_NUMBER ? (d->number < 0 ? "negative" : "not an integer below 2^63")
                                                        : vx_json_type_name(d->type));
        out->shape[i] = d->integer;
    }
    return VX_OK;
}

/* nbytes = prod(shape) * dtype size, or false on uint64 overflow. */
static bool shape_bytes(const vx_st_entry *t, uint64_t *nbytes)
{
    uint64_t n = vx_dtype_size(t->dtype);
    for (int i = 0; i < t->ndim; i++)
        if (t->shape[i] == 0)
            n = 0;
    for (int i = 0; i < t->ndim && n; i++) {
        uint64_t d = (uint64_t)t->shape[i];
        if (n > UINT64_MAX / d)
            return false;
        n *= d;
    }
    *nbytes = n;
    return true;
}

static vx_status parse_offsets(const entry_ctx *e, const vx_json *offs, vx_st_entry *out)
{
    if (offs->type != VX_JSON_ARRAY || offs->count != 2 || !is_count(offs->items[0]) || !is_count(offs->items[1]))
        return entry_fail(e, "\"data_offsets\" must be an array of two non-negative integers [begin, end]");
    uint64_t begin = (uint64_t)offs->items[0]->integer, end = (uint64_t)offs->items[1]->integer;
    if (begin > end)
        return entry_fail(e, "data_offsets [%llu, %llu] have begin > end", (unsigned long long)begin,
                          (unsigned long long)end);
    if (end > e->f->data_len)
        return entry_fail(e, "data_offsets end %llu is beyond the %zu-byte data buffer; the file is truncated "
                             "or its header is wrong",
                          (unsigned long long)end, e->f->data_len);
    uint64_t want;
    if (!shape_bytes(out, &want))
        return entry_fail(e, "the shape's byte size overflows 64 bits");
    if (want != end - begin)
        return entry_fail(e, "shape and dtype %s need %llu bytes, but data_offsets [%llu, %llu] span %llu",
                          vx_st_dtype_name(out->dtype), (unsigned long long)want, (unsigned long long)begin,
                          (unsigned long long)end, (unsigned long long)(end - begin));
    out->offset = begin;
    out->nbytes = (size_t)want;
    out->data = e->f->data + begin;
    return VX_OK;
}

/* One header member other than __metadata__ -> *out (name not yet set). */
static vx_status parse_entry(const entry_ctx *e, const vx_json *v, vx_st_entry *out)
{
    if (v->type != VX_JSON_OBJECT)
        return entry_fail(e, "entry is a JSON %s, expected an object with \"dtype\", \"shape\" and "
                             "\"data_offsets\"",
                          vx_json_type_name(v->type));
    for (size_t i = 0; i < v->count; i++) {
        const char *k = v->keys[i];
        if (strcmp(k, "dtype") != 0 && strcmp(k, "shape") != 0 && strcmp(k, "data_offsets") != 0) {
            char key[64];
            return entry_fail(e, "unknown field \"%s\"; an entry has only \"dtype\", \"shape\" and \"data_offsets\"",
                              vx_json_excerpt(key, sizeof key, k, v->key_lens[i]));
        }
    }
    static const char *const required[] = {"dtype", "shape", "data_offsets"};
    for (int i = 0; i < 3; i++)
        if (!vx_json_get(v, required[i]))
            return entry_fail(e, "the \"%s\" field is missing", required[i]);

    const vx_json *dtype = vx_json_get(v, "dtype");
    if (dtype->type != VX_JSON_STRING)
        return entry_fail(e, "\"dtype\" is a JSON %s, expected a string such as \"F32\"",
                          vx_json_type_name(dtype->type));
    if (strlen(dtype->string) != dtype->len || vx_st_dtype_parse(dtype->string, &out->dtype) != 0) {
        char name[32];
        return entry_fail(e, "dtype \"%s\" is not supported (voxc reads F32, F16, BF16, I32, I8, U8); convert the "
                             "tensor to one of these before saving",
                          vx_json_excerpt(name, sizeof name, dtype->string, dtype->len));
    }
    vx_status st = parse_shape(e, vx_json_get(v, "shape"), out);
    return st ? st : parse_offsets(e, vx_json_get(v, "data_offsets"), out);
}

static vx_status parse_metadata(vx_st_file *f, const vx_json *meta)
{
    if (meta->type != VX_JSON_OBJECT)
        return vx_fail(VX_ERR_FORMAT, "%s: \"__metadata__\" is a JSON %s, expected an object of string values",
                       f->name, vx_json_type_name(meta->type));
    if (meta->count == 0)
        return VX_OK;
    f->meta_keys = calloc(meta->count, sizeof *f->meta_keys);
    f->meta_values = calloc(meta->count, sizeof *f->meta_values);
    if (!f->meta_keys || !f->meta_values)
        return vx_fail(VX_ERR_OOM, "%s: out of memory for metadata", f->name);
    for (size_t i = 0; i < meta->count; i++) {
        const vx_json *v = meta->items[i];
        char key[64];
        vx_json_excerpt(key, sizeof key, meta->keys[i], meta->key_lens[i]);
        if (v->type != VX_JSON_STRING)
            return vx_fail(VX_ERR_FORMAT, "%s: metadata \"%s\" is a JSON %s; metadata values must be strings",
                           f->name, key, vx_json_type_name(v->type));
        f->meta_keys[i] = strdup(meta->keys[i]);
        f->meta_values[i] = strdup(v->string);
        f->meta_count = (int)i + 1;
        if (!f->meta_keys[i] || !f->meta_values[i])
            return vx_fail(VX_ERR_OOM, "%s: out of memory for metadata", f->name);
    }
    return VX_OK;
}

static int by_offsets(const void *a, const void *b)
{
    const vx_st_entry *x = *(const vx_st_entry *const *)a, *y = *(const vx_st_entry *const *)b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return (x->nbytes > y->nbytes) - (x->nbytes < y->nbytes);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const vx_st_entry *)a)->name, ((const vx_st_entry *)b)->name);
}

/* The tensors must tile the data buffer: sorted by offsets, each begins where
 * the previous ended, and the last ends at the buffer's end. */
static vx_status check_tiling(const vx_st_file *f)
{
    const vx_st_entry **order = malloc((size_t)(f->count ? f->count : 1) * sizeof *order);
    if (!order)
        return vx_fail(VX_ERR_OOM, "%s: out of memory", f->name);
    for (int i = 0; i < f->count; i++)
        order[i] = &f->entries[i];
    qsort(order, (size_t)f->count, sizeof *order, by_offsets);
    vx_status st = VX_OK;
    uint64_t expected = 0;
    const vx_st_entry *prev = NULL;
    char a[64], b[64];
    for (int i = 0; i < f->count && !st; i++) {
        const vx_st_entry *e = order[i];
        uint64_t end = e->offset + e->nbytes;
        if (e->offset < expected)
            st = vx_fail(VX_ERR_FORMAT,
                         "%s: tensors '%s' [%llu, %llu] and '%s' [%llu, %llu] overlap in the data buffer", f->name,
                         vx_json_excerpt(a, sizeof a, prev->name, strlen(prev->name)),
                         (unsigned long long)prev->offset, (unsigned long long)(prev->offset + prev->nbytes),
                         vx_json_excerpt(b, sizeof b, e->name, strlen(e->name)), (unsigned long long)e->offset,
                         (unsigned long long)end);
        else if (e->offset > expected)
            st = vx_fail(VX_ERR_FORMAT, "%s: data bytes [%llu, %llu) before tensor '%s' belong to no tensor; the data "
                         "buffer must be fully indexed",
                         f->name, (unsigned long long)expected, (unsigned long long)e->offset,
                         vx_json_excerpt(b, sizeof b, e->name, strlen(e->name)));
        expected = end;
        prev = e;
    }
    if (!st && expected != f->data_len)
        st = vx_fail(VX_ERR_FORMAT, "%s: the last %llu bytes of the %zu-byte data buffer belong to no tensor; the "
                     "data buffer must be fully indexed",
                     f->name, (unsigned long long)(f->data_len - expected), f->data_len);
    free(order);
    return st;
}

/* Validate f->bytes / f->size and fill in entries and metadata. */
static vx_status parse_file(vx_st_file *f)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return vx_fail(VX_ERR_UNSUPPORTED, "%s: safetensors data is little-endian and this host is big-endian", f->name);
#endif
    if (f->size < 8)
        return vx_fail(VX_ERR_FORMAT, "%s: file is %zu bytes, shorter than the 8-byte header length; it is empty or "
                       "truncated, not a safetensors file",
                       f->name, f->size);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | f->bytes[i];
    if (n > VX_ST_MAX_HEADER_BYTES)
        return vx_fail(VX_ERR_FORMAT, "%s: header length %llu is over the %u-byte limit; the file is corrupt or not "
                       "safetensors",
                       f->name, (unsigned long long)n, VX_ST_MAX_HEADER_BYTES);
    if (n > f->size - 8)
        return vx_fail(VX_ERR_FORMAT, "%s: header length %llu is larger than the %zu bytes after it; the file is "
                       "truncated",
                       f->name, (unsigned long long)n, f->size - 8);
    f->header_len = (size_t)n;
    f->data = f->bytes + 8 + f->header_len;
    f->data_len = f->size - 8 - f->header_len;

    char what[512];
    snprintf(what, sizeof what, "%s: header", f->name);
    vx_json *h = vx_json_parse((const char *)f->bytes + 8, f->header_len, what);
    if (!h)
        return vx_last_status();
    vx_status st = VX_OK;
    if (h->type != VX_JSON_OBJECT) {
        st = vx_fail(VX_ERR_FORMAT, "%s: header is a JSON %s, expected an object mapping tensor names to "
                     "{dtype, shape, data_offsets}",
                     f->name, vx_json_type_name(h->type));
        goto done;
    }
    f->entries = calloc(h->count ? h->count : 1, sizeof *f->entries);
    if (!f->entries) {
        st = vx_fail(VX_ERR_OOM, "%s: out of memory for %zu tensors", f->name, h->count);
        goto done;
    }
    for (size_t i = 0; i < h->count && !st; i++) {
        const char *key = h->keys[i];
        if (strcmp(key, "__metadata__") == 0) {
            st = parse_metadata(f, h->items[i]);
            continue;
        }
        char tname[80];
        entry_ctx e = {f, vx_json_excerpt(tname, sizeof tname, key, h->key_lens[i])};
        if (strlen(key) != h->key_lens[i]) {
            st = entry_fail(&e, "the name contains a NUL character");
            break;
        }
        vx_st_entry *out = &f->entries[f->count];
        st = parse_entry(&e, h->items[i], out);
        if (!st) {
            out->name = strdup(key);
            if (!out->name)
                st = vx_fail(VX_ERR_OOM, "%s: out of memory", f->name);
            else
                f->count++;
        }
    }
    if (!st)
        st = check_tiling(f);
    if (!st)
        qsort(f->entries, (size_t)f->count, sizeof *f->entries, by_name);
done:
    vx_json_free(h);
    return st;
}

/* --- opening --------------------------------------------------------------- */

static vx_st_file *new_file(const char *name)
{
    vx_st_file *f = calloc(1, sizeof *f);
    if (!f || !(f->name = strdup(name ? name : "(memory)"))) {
        free(f);
        return vx_fail_null(VX_ERR_OOM, "safetensors: out of memory");
    }
    return f;
}

/* Whole file into malloc'd memory (when mmap is unavailable). */
static vx_status read_all(vx_st_file *f, int fd)
{
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf)
            return vx_fail(VX_ERR_OOM, "%s: out of memory reading the file", f->name);
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            free(buf);
            return vx_fail(VX_ERR_IO, "%s: read failed: %s", f->name, strerror(errno));
        }
        if (got == 0)
            break;
        len += (size_t)got;
        if (len == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (!bigger)
                free(buf);
            buf = bigger;
            cap *= 2;
        }
    }
    f->bytes = buf;
    f->size = len;
    f->storage = ST_MALLOC;
    return VX_OK;
}

vx_st_file *vx_st_open(const char *path)
{
    if (!path)
        return vx_fail_null(VX_ERR_ARG, "vx_st_open: path is NULL");
    vx_st_file *f = new_file(path);
    if (!f)
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        vx_fail(VX_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        vx_st_close(f);
        return NULL;
    }
    struct stat sb;
    vx_status st = VX_OK;
    if (fstat(fd, &sb) != 0)
        st = vx_fail(VX_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
    else if (S_ISDIR(sb.st_mode))
        st = vx_fail(VX_ERR_IO, "%s: is a directory, not a safetensors file", path);
    if (!st && S_ISREG(sb.st_mode) && sb.st_size > 0) {
        void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            f->bytes = m;
            f->size = (size_t)sb.st_size;
            f->storage = ST_MAPPED;
        }
    }
    if (!st && !f->bytes)
        st = read_all(f, fd);
    close(fd);
    if (!st)
        st = parse_file(f);
    if (st) {
        vx_st_close(f);
        return NULL;
    }
    return f;
}

vx_st_file *vx_st_open_memory(const void *buf, size_t len, const char *name)
{
    if (!buf && len)
        return vx_fail_null(VX_ERR_ARG, "vx_st_open_memory: buffer is NULL with length %zu", len);
    vx_st_file *f = new_file(name);
    if (!f)
        return NULL;
    /* never written through: vx_st_tensor copies data of borrowed buffers */
    f->bytes = (uint8_t *)(uintptr_t)buf;
    f->size = len;
    f->storage = ST_BORROWED;
    if (parse_file(f) != VX_OK) {
        vx_st_close(f);
        return NULL;
    }
    return f;
}

void vx_st_close(vx_st_file *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->count; i++)
        free((char *)(uintptr_t)f->entries[i].name);
    for (int i = 0; i < f->meta_count; i++) {
        free(f->meta_keys[i]);
        free(f->meta_values[i]);
    }
    free(f->entries);
    free(f->meta_keys);
    free(f->meta_values);
    if (f->storage == ST_MAPPED)
        munmap(f->bytes, f->size);
    else if (f->storage == ST_MALLOC)
        free(f->bytes);
    free(f->name);
    free(f);
}

/* --- queries --------------------------------------------------------------- */

int vx_st_count(const vx_st_file *f) { return f ? f->count : 0; }

const vx_st_entry *vx_st_entry_at(const vx_st_file *f, int i)
{
    return f && i >= 0 && i < f->count ? &f->entries[i] : NULL;
}

const vx_st_entry *vx_st_find(const vx_st_file *f, const char *name)
{
    if (!f || !name)
        return NULL;
    vx_st_entry key = {.name = name};
    return bsearch(&key, f->entries, (size_t)f->count, sizeof key, by_name);
}

int vx_st_metadata_count(const vx_st_file *f) { return f ? f->meta_count : 0; }

const char *vx_st_metadata_key(const vx_st_file *f, int i)
{
    return f && i >= 0 && i < f->meta_count ? f->meta_keys[i] : NULL;
}

const char *vx_st_metadata_value(const vx_st_file *f, int i)
{
    return f && i >= 0 && i < f->meta_count ? f->meta_values[i] : NULL;
}

const char *vx_st_metadata(const vx_st_file *f, const char *key)
{
    for (int i = 0; f && key && i < f->meta_count; i++)
        if (strcmp(f->meta_keys[i], key) == 0)
            return f->meta_values[i];
    return NULL;
}

const char *vx_st_name(const vx_st_file *f) { return f ? f->name : ""; }
size_t vx_st_header_bytes(const vx_st_file *f) { return f ? f->header_len : 0; }
size_t vx_st_data_bytes(const vx_st_file *f) { return f ? f->data_len : 0; }

vx_tensor *vx_st_tensor(vx_ctx *ctx, const vx_st_file *f, const char *name)
{
    if (!ctx || !f || !name)
        return vx_fail_null(VX_ERR_ARG, "vx_st_tensor: NULL context, file or name");
    const vx_st_entry *e = vx_st_find(f, name);
    if (!e)
        return vx_fail_null(VX_ERR_ARG, "%s has no tensor named '%s' (it holds %d; `voxc-inspect %s` lists them)",
                            f->name, name, f->count, f->name);
    bool aligned = (uintptr_t)e->data % vx_dtype_size(e->dtype) == 0;
    if (aligned && f->storage != ST_BORROWED)
        return vx_wrap(ctx, e->dtype, e->ndim, e->shape, (void *)(uintptr_t)e->data);
    vx_tensor *t = vx_new(ctx, e->dtype, e->ndim, e->shape);
    if (t && e->nbytes)
        memcpy(t->data, e->data, e->nbytes);
    return t;
}
