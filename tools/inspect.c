/* inspect.c — voxc-inspect: list the metadata and tensors of a .safetensors
 * file (name, dtype, shape, bytes, and min/max/mean of float tensors), as a
 * table or as JSON. A malformed file gives one error line and exit status 1. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "nn/safetensors.h"

static void usage(FILE *out)
{
    fputs("usage: voxc-inspect FILE [--json]\n"
          "\n"
          "Validates a .safetensors file and lists its metadata and tensors: name,\n"
          "dtype, shape, bytes, and min/max/mean for F32, F16 and BF16 tensors\n"
          "(NaNs are counted and left out of the statistics).\n"
          "\n"
          "  --json   print one JSON object instead of a table\n"
          "  --help   show this help\n"
          "\n"
          "Exit status: 0 for a valid file, 1 for a bad file, 2 for bad usage.\n",
          out);
}

typedef struct stats {
    bool is_float;
    long long nan_count, finite_count; /* finite_count counts every non-NaN value */
    double min, max, mean;
} stats;

static float element_f32(const vx_st_entry *e, size_t i)
{
    const unsigned char *p = (const unsigned char *)e->data + i * vx_dtype_size(e->dtype);
    uint32_t u32;
    uint16_t u16;
    float f;
    switch (e->dtype) {
    case VX_F32:
        memcpy(&u32, p, 4); /* the data may be unaligned */
        memcpy(&f, &u32, 4);
        return f;
    case VX_F16: memcpy(&u16, p, 2); return vx_f16_to_f32(u16);
    default: memcpy(&u16, p, 2); return vx_bf16_to_f32(u16);
    }
}

static stats tensor_stats(const vx_st_entry *e)
{
    stats s = {.is_float = e->dtype == VX_F32 || e->dtype == VX_F16 || e->dtype == VX_BF16};
    if (!s.is_float)
        return s;
    size_t n = e->nbytes / vx_dtype_size(e->dtype);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double v = element_f32(e, i);
        if (isnan(v)) {
            s.nan_count++;
            continue;
        }
        if (s.finite_count == 0 || v < s.min)
            s.min = v;
        if (s.finite_count == 0 || v > s.max)
            s.max = v;
        sum += v;
        s.finite_count++;
    }
    s.mean = s.finite_count ? sum / (double)s.finite_count : NAN;
    return s;
}

static void shape_text(const vx_st_entry *e, char *buf, size_t size)
{
    size_t at = (size_t)snprintf(buf, size, "[");
    for (int d = 0; d < e->ndim && at < size; d++)
        at += (size_t)snprintf(buf + at, size - at, d ? ", %lld" : "%lld", (long long)e->shape[d]);
    if (at < size)
        snprintf(buf + at, size - at, "]");
}

/* A JSON number, or null for NaN/Inf (which JSON cannot hold). */
static void json_number(double v)
{
    if (isfinite(v))
        printf("%.9g", v);
    else
        fputs("null", stdout);
}

static void print_json(const vx_st_file *f)
{
    printf("{\"file\":");
    vx_json_write_string(stdout, vx_st_name(f), strlen(vx_st_name(f)));
    printf(",\"header_bytes\":%zu,\"data_bytes\":%zu,\"metadata\":{", vx_st_header_bytes(f), vx_st_data_bytes(f));
    for (int i = 0; i < vx_st_metadata_count(f); i++) {
        const char *k = vx_st_metadata_key(f, i), *v = vx_st_metadata_value(f, i);
        if (i)
            putchar(',');
        vx_json_write_string(stdout, k, strlen(k));
        putchar(':');
        vx_json_write_string(stdout, v, strlen(v));
    }
    printf("},\"tensors\":[");
    for (int i = 0; i < vx_st_count(f); i++) {
        const vx_st_entry *e = vx_st_entry_at(f, i);
        printf(i ? ",\n{\"name\":" : "\n{\"name\":");
        vx_json_write_string(stdout, e->name, strlen(e->name));
        printf(",\"dtype\":\"%s\",\"shape\":[", vx_st_dtype_name(e->dtype));
        for (int d = 0; d < e->ndim; d++)
            printf(d ? ",%lld" : "%lld", (long long)e->shape[d]);
        printf("],\"bytes\":%zu,\"data_offsets\":[%llu,%llu]", e->nbytes, (unsigned long long)e->offset,
               (unsigned long long)(e->offset + e->nbytes));
        stats s = tensor_stats(e);
        if (s.is_float) {
            printf(",\"min\":");
            json_number(s.finite_count ? s.min : NAN);
            printf(",\"max\":");
            json_number(s.finite_count ? s.max : NAN);
            printf(",\"mean\":");
            json_number(s.mean);
            printf(",\"nan_count\":%lld", s.nan_count);
        }
        putchar('}');
    }
    printf("\n]}\n");
}

static void print_table(const vx_st_file *f)
{
    printf("%s: %d tensors, %d metadata entries, header %zu bytes, data %zu bytes\n", vx_st_name(f), vx_st_count(f),
           vx_st_metadata_count(f), vx_st_header_bytes(f), vx_st_data_bytes(f));
    if (vx_st_metadata_count(f) > 0)
        printf("metadata:\n");
    for (int i = 0; i < vx_st_metadata_count(f); i++) { /* control bytes hidden, long values cut */
        const char *k = vx_st_metadata_key(f, i), *v = vx_st_metadata_value(f, i);
        char key[128], value[128];
        printf("  %s = %s\n", vx_json_excerpt(key, sizeof key, k, strlen(k)),
               vx_json_excerpt(value, sizeof value, v, strlen(v)));
    }
    int name_w = 4;
    for (int i = 0; i < vx_st_count(f); i++) {
        int len = (int)strlen(vx_st_entry_at(f, i)->name);
        name_w = len > name_w ? (len < 255 ? len : 255) : name_w;
    }
    printf("%-*s  %-5s  %-22s %12s  %13s %13s %13s\n", name_w, "name", "dtype", "shape", "bytes", "min", "max",
           "mean");
    for (int i = 0; i < vx_st_count(f); i++) {
        const vx_st_entry *e = vx_st_entry_at(f, i);
        char shape[96], name[256];
        shape_text(e, shape, sizeof shape);
        printf("%-*s  %-5s  %-22s %12zu", name_w, vx_json_excerpt(name, sizeof name, e->name, strlen(e->name)),
               vx_st_dtype_name(e->dtype), shape, e->nbytes);
        stats s = tensor_stats(e);
        if (s.is_float && s.finite_count)
            printf("  %13.6g %13.6g %13.6g", s.min, s.max, s.mean);
        if (s.nan_count)
            printf("  (%lld NaN)", s.nan_count);
        putchar('\n');
    }
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    bool as_json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--json") == 0) {
            as_json = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "voxc-inspect: unknown option '%s' (try --help)\n", argv[i]);
            return 2;
        } else if (path) {
            fprintf(stderr, "voxc-inspect: give one FILE (got '%s' and '%s'; try --help)\n", path, argv[i]);
            return 2;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        usage(stderr);
        return 2;
    }
    vx_st_file *f = vx_st_open(path);
    if (!f) {
        fprintf(stderr, "voxc-inspect: %s\n", vx_last_error());
        return 1;
    }
    if (as_json)
        print_json(f);
    else
        print_table(f);
    vx_st_close(f);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "voxc-inspect: writing the listing failed\n");
        return 1;
    }
    return 0;
}
