/* hifigan_json.c — HiFi-GAN configs from and to JSON (hifigan_json.h). */
#include "train/hifigan_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/read_file.h"
#include "nn/safetensors.h"
#include "train/checkpoint.h"

/* An integer in [lo, hi] from a JSON number (or a numeric string, as the
 * reference writes "resblock": "1"). */
static vx_status json_int(const vx_json *v, const char *what, const char *key, int lo, int hi, int *out)
{
    double x = NAN;
    if (v && v->type == VX_JSON_NUMBER)
        x = v->number;
    else if (v && v->type == VX_JSON_STRING) {
        char *end;
        x = strtod(v->string, &end);
        if (end == v->string || *end)
            x = NAN;
    }
    if (!(x >= lo && x <= hi) || x != floor(x))
        return vx_fail(VX_ERR_FORMAT, "%s: \"%s\" must be an integer in %d..%d", what, key, lo, hi);
    *out = (int)x;
    return VX_OK;
}

/* An array of 1..max integers; *n receives the count (n may be NULL: then
 * exactly `max` are required). */
static vx_status json_ints(const vx_json *obj, const char *what, const char *key, int max, int *out,
                           int *n)
{
    const vx_json *a = vx_json_get(obj, key);
    if (!a || a->type != VX_JSON_ARRAY || a->count < 1 || a->count > (size_t)max ||
        (!n && a->count != (size_t)max))
        return vx_fail(VX_ERR_FORMAT, "%s: \"%s\" must be an array of %s%d integers", what, key,
                       n ? "1.." : "", max);
    for (size_t i = 0; i < a->count; i++) {
        vx_status st = json_int(a->items[i], what, key, 1, 1 << 20, &out[i]);
        if (st != VX_OK)
            return st;
    }
    if (n)
        *n = (int)a->count;
    return VX_OK;
}

static vx_status read_disc(const vx_json *j, const char *what, vx_hifigan_disc_config *d)
{
    *d = vx_hifigan_disc_config_default();
    vx_status st = VX_OK;
    if (vx_json_get(j, "mpd_periods"))
        st = json_ints(j, what, "mpd_periods", VX_HIFIGAN_MAX_PERIODS, d->periods, &d->n_periods);
    if (st == VX_OK && vx_json_get(j, "mpd_channels"))
        st = json_ints(j, what, "mpd_channels", 5, d->mpd_channels, NULL);
    if (st == VX_OK && vx_json_get(j, "mpd_kernel"))
        st = json_int(vx_json_get(j, "mpd_kernel"), what, "mpd_kernel", 1, 99, &d->mpd_kernel);
    if (st == VX_OK && vx_json_get(j, "mpd_stride"))
        st = json_int(vx_json_get(j, "mpd_stride"), what, "mpd_stride", 1, 99, &d->mpd_stride);
    if (st == VX_OK && vx_json_get(j, "msd_channels"))
        st = json_ints(j, what, "msd_channels", 7, d->msd_channels, NULL);
    if (st == VX_OK && vx_json_get(j, "msd_groups"))
        st = json_ints(j, what, "msd_groups", 7, d->msd_groups, NULL);
    return st;
}

vx_status vx_hifigan_config_from_json(const vx_json *j, const char *what, vx_hifigan_config *gen,
                                      vx_hifigan_disc_config *disc)
{
    if (!j || j->type != VX_JSON_OBJECT || !gen)
        return vx_fail(VX_ERR_FORMAT, "%s: a HiFi-GAN config must be a JSON object", what);
    vx_hifigan_config c = {.n_mels = 80};
    int n_kernels_up = 0, n_dil = 0;
    vx_status st = json_int(vx_json_get(j, "resblock"), what, "resblock", 1, 2, &c.resblock);
    if (st == VX_OK)
        st = json_ints(j, what, "upsample_rates", VX_HIFIGAN_MAX_UP, c.up_rates, &c.n_up);
    if (st == VX_OK)
        st = json_ints(j, what, "upsample_kernel_sizes", VX_HIFIGAN_MAX_UP, c.up_kernels, &n_kernels_up);
    if (st == VX_OK && n_kernels_up != c.n_up)
        st = vx_fail(VX_ERR_FORMAT, "%s: %d upsample rates but %d upsample kernel sizes", what, c.n_up,
                     n_kernels_up);
    if (st == VX_OK)
        st = json_int(vx_json_get(j, "upsample_initial_channel"), what, "upsample_initial_channel", 1,
                      1 << 16, &c.initial_channels);
    if (st == VX_OK)
        st = json_ints(j, what, "resblock_kernel_sizes", VX_HIFIGAN_MAX_KERNELS, c.rb_kernels, &c.n_kernels);
    const vx_json *dil = vx_json_get(j, "resblock_dilation_sizes");
    if (st == VX_OK && (!dil || dil->type != VX_JSON_ARRAY || dil->count != (size_t)c.n_kernels))
        st = vx_fail(VX_ERR_FORMAT, "%s: \"resblock_dilation_sizes\" must hold one array per resblock "
                     "kernel (%d)", what, c.n_kernels);
    int want = c.resblock == 1 ? 3 : 2;
    for (int k = 0; st == VX_OK && k < c.n_kernels; k++) {
        const vx_json *row = dil->items[k];
        n_dil = row && row->type == VX_JSON_ARRAY ? (int)row->count : 0;
        if (n_dil < want || n_dil > 3)
            st = vx_fail(VX_ERR_FORMAT, "%s: \"resblock_dilation_sizes\"[%d] must hold %d dilations "
                         "for resblock %d", what, k, want, c.resblock);
        for (int d = 0; st == VX_OK && d < want; d++)
            st = json_int(row->items[d], what, "resblock_dilation_sizes", 1, 1 << 10, &c.rb_dilations[k][d]);
    }
    if (st == VX_OK && vx_json_get(j, "num_mels"))
        st = json_int(vx_json_get(j, "num_mels"), what, "num_mels", 1, 1 << 12, &c.n_mels);
    if (st == VX_OK && disc)
        st = read_disc(j, what, disc);
    if (st == VX_OK && vx_hifigan_config_check(&c) != VX_OK)
        st = vx_fail(VX_ERR_FORMAT, "%s: %s", what, vx_last_error());
    if (st == VX_OK)
        *gen = c;
    return st;
}

vx_status vx_hifigan_config_load(const char *name_or_path, vx_hifigan_config *gen,
                                 vx_hifigan_disc_config *disc)
{
    if (!name_or_path || !gen)
        return vx_fail(VX_ERR_ARG, "hifigan config: needs a name or path and an output");
    if (strcmp(name_or_path, "v1") == 0 || strcmp(name_or_path, "v2") == 0 ||
        strcmp(name_or_path, "v3") == 0) {
        if (disc)
            *disc = vx_hifigan_disc_config_default();
        return vx_hifigan_config_named(name_or_path, gen);
    }
    size_t len = 0;
    char *text = vx_read_file(name_or_path, 1 << 20, "HiFi-GAN config", &len);
    if (!text)
        return vx_fail(vx_last_status(), "%s (use v1, v2, v3 or a HiFi-GAN config .json)", vx_last_error());
    vx_json *j = vx_json_parse(text, len, name_or_path);
    vx_status st = j ? vx_hifigan_config_from_json(j, name_or_path, gen, disc) : vx_last_status();
    vx_json_free(j);
    free(text);
    return st;
}

static void write_array(FILE *f, const int *v, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%d", i ? "," : "", v[i]);
    fputc(']', f);
}

static void write_ints(FILE *f, const char *key, const int *v, int n)
{
    fprintf(f, "\"%s\":", key);
    write_array(f, v, n);
}

void vx_hifigan_config_write_json(FILE *f, const vx_hifigan_config *g, const vx_hifigan_disc_config *d)
{
    fprintf(f, "{\"resblock\":\"%d\",", g->resblock);
    write_ints(f, "upsample_rates", g->up_rates, g->n_up);
    fputc(',', f);
    write_ints(f, "upsample_kernel_sizes", g->up_kernels, g->n_up);
    fprintf(f, ",\"upsample_initial_channel\":%d,", g->initial_channels);
    write_ints(f, "resblock_kernel_sizes", g->rb_kernels, g->n_kernels);
    fputs(",\"resblock_dilation_sizes\":[", f);
    for (int k = 0; k < g->n_kernels; k++) {
        fputs(k ? "," : "", f);
        write_array(f, g->rb_dilations[k], g->resblock == 1 ? 3 : 2);
    }
    fprintf(f, "],\"num_mels\":%d", g->n_mels);
    if (d) {
        fputc(',', f);
        write_ints(f, "mpd_periods", d->periods, d->n_periods);
        fputc(',', f);
        write_ints(f, "mpd_channels", d->mpd_channels, 5);
        fprintf(f, ",\"mpd_kernel\":%d,\"mpd_stride\":%d,", d->mpd_kernel, d->mpd_stride);
        write_ints(f, "msd_channels", d->msd_channels, 7);
        fputc(',', f);
        write_ints(f, "msd_groups", d->msd_groups, 7);
    }
    fputc('}', f);
}

/* The generator config: `config` when given, else the file's "generator". */
static vx_status file_config(const char *path, const char *config, const char *option, const vx_st_file *f,
                             vx_hifigan_config *cfg)
{
    if (config)
        return vx_hifigan_config_load(config, cfg, NULL);
    const char *text = vx_st_metadata(f, "config");
    if (!text)
        return vx_fail(VX_ERR_FORMAT, "%s: no config in the file's metadata; give %s v1|v2|v3|FILE.json", path,
                       option);
    vx_json *j = vx_json_parse(text, strlen(text), path);
    const vx_json *g = j ? vx_json_get(j, "generator") : NULL;
    vx_status st = !j ? vx_last_status()
                 : !g ? vx_fail(VX_ERR_FORMAT, "%s: the config has no \"generator\"; give %s", path, option)
                      : vx_hifigan_config_from_json(g, path, cfg, NULL);
    vx_json_free(j);
    return st;
}

vx_hifigan *vx_hifigan_load_generator(vx_ctx *ctx, const char *path, const char *config, const char *option)
{
    char latest[4096];
    struct stat sb;
    if (path && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) { /* a run folder: its latest checkpoint */
        if (vx_ckpt_latest(path, latest, sizeof latest))
            return NULL;
        path = latest;
    }
    vx_st_file *f = vx_st_open(path);
    if (!f)
        return NULL;
    vx_hifigan_config cfg;
    vx_status st = file_config(path, config, option ? option : "a config", f, &cfg);
    bool normed = vx_st_find(f, "conv_pre.weight_g") != NULL, plain = vx_st_find(f, "conv_pre.weight") != NULL;
    vx_st_close(f);
    if (!st && !normed && !plain)
        st = vx_fail(VX_ERR_FORMAT, "%s: no HiFi-GAN generator weights (conv_pre.weight_g or conv_pre.weight)",
                     path);
    vx_hifigan *g = st ? NULL : vx_hifigan_new(ctx, &cfg);
    st = st ? st : g ? VX_OK : vx_last_status();
    if (!st && plain && !normed)
        st = vx_hifigan_remove_weight_norm(ctx, g);
    if (!st) {
        vx_tensor *const *params;
        int n = vx_hifigan_params(g, &params);
        st = vx_ckpt_load_tensors(path, params, n);
    }
    if (!st && normed)
        st = vx_hifigan_remove_weight_norm(ctx, g);
    if (st) {
        vx_hifigan_free(g);
        return NULL;
    }
    return g;
}
