/* vits_config.c — the VITS hyper-parameters as JSON and back: the
 * `vits_config` metadata that voxc-convert writes into a converted voice and
 * that loading a .safetensors voice reads (see piper_import.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "models/piper_import.h"

/* --- writing ------------------------------------------------------------------------------- */

/* The shortest decimal that reads back as the same float ("0.1", not
 * "0.100000001"). */
static const char *short_float(char buf[32], float x)
{
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(buf, 32, "%.*g", digits, (double)x);
        if (strtof(buf, NULL) == x)
            break;
    }
    return buf;
}

static void write_ints(FILE *f, const char *key, const int *values, int n, bool comma)
{
    fprintf(f, "\"%s\":[", key);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%d", i ? "," : "", values[i]);
    fprintf(f, "]%s", comma ? "," : "");
}

char *vx_vits_config_json(const vx_vits_config *c)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return vx_fail_null(VX_ERR_OOM, "vits config: out of memory");
    fprintf(f, "{\"n_vocab\":%d,\"hidden_channels\":%d,\"filter_channels\":%d,\"ffn_kernel_size\":%d,"
               "\"n_heads\":%d,\"n_layers\":%d,\"window_size\":%d,\"inter_channels\":%d,",
            c->n_vocab, c->hidden_channels, c->filter_channels, c->ffn_kernel_size, c->n_heads, c->n_layers,
            c->window_size, c->inter_channels);
    fprintf(f, "\"flow_n_flows\":%d,\"flow_hidden_channels\":%d,\"flow_n_layers\":%d,\"flow_kernel_size\":%d,"
               "\"flow_dilation_rate\":%d,",
            c->flow_n_flows, c->flow_hidden_channels, c->flow_n_layers, c->flow_kernel_size, c->flow_dilation_rate);
    fprintf(f, "\"dp_filter_channels\":%d,\"dp_kernel_size\":%d,\"dp_n_layers\":%d,", c->dp_filter_channels,
            c->dp_kernel_size, c->dp_n_layers);
    write_ints(f, "dp_dilations", c->dp_dilations, c->dp_n_layers, true);
    fprintf(f, "\"dp_n_flows\":%d,\"dp_num_bins\":%d,", c->dp_n_flows, c->dp_num_bins);
    fprintf(f, "\"upsample_initial_channel\":%d,", c->upsample_initial_channel);
    write_ints(f, "upsample_rates", c->upsample_rates, c->n_upsamples, true);
    write_ints(f, "upsample_kernel_sizes", c->upsample_kernels, c->n_upsamples, true);
    write_ints(f, "upsample_padding", c->upsample_padding, c->n_upsamples, true);
    fprintf(f, "\"resblock\":\"%d\",", c->resblock_type);
    write_ints(f, "resblock_kernel_sizes", c->resblock_kernels, c->n_resblock_kernels, true);
    fprintf(f, "\"resblock_dilation_sizes\":[");
    for (int k = 0; k < c->n_resblock_kernels; k++) {
        fprintf(f, "%s[", k ? "," : "");
        for (int d = 0; d < c->n_resblock_dilations; d++)
            fprintf(f, "%s%d", d ? "," : "", c->resblock_dilations[k][d]);
        fprintf(f, "]");
    }
    char a[32], b[32], d[32];
    fprintf(f, "],\"lrelu_slope\":%s,\"final_lrelu_slope\":%s,\"hop_length\":%d,", short_float(a, c->lrelu_slope),
            short_float(b, c->final_lrelu_slope), c->hop_length);
    fprintf(f, "\"n_speakers\":%d,\"gin_channels\":%d,\"sample_rate\":%d,", c->n_speakers, c->gin_channels,
            c->sample_rate);
    fprintf(f, "\"noise_scale\":%s,\"length_scale\":%s,\"noise_w\":%s}", short_float(a, c->noise_scale),
            short_float(b, c->length_scale), short_float(d, c->noise_w));
    if (fclose(f) != 0 || !buf) {
        free(buf);
        return vx_fail_null(VX_ERR_OOM, "vits config: out of memory");
    }
    return buf;
}

/* --- reading ------------------------------------------------------------------------------- */

static vx_status json_int(const vx_json *j, const char *key, int *out, const char *what)
{
    const vx_json *v = vx_json_get(j, key);
    if (v && v->type == VX_JSON_STRING) { /* "resblock": "1" */
        char *end;
        long n = strtol(v->string, &end, 10);
        if (end != v->string && !*end) {
            *out = (int)n;
            return VX_OK;
        }
    }
    if (!v || v->type != VX_JSON_NUMBER || !v->is_integer || v->integer < -(1 << 30) || v->integer > (1 << 30))
        return vx_fail(VX_ERR_FORMAT, "%s: VITS config needs an integer \"%s\" (re-run voxc-convert piper)", what,
                       key);
    *out = (int)v->integer;
    return VX_OK;
}

static vx_status json_float(const vx_json *j, const char *key, float *out, const char *what)
{
    const vx_json *v = vx_json_get(j, key);
    if (!v || v->type != VX_JSON_NUMBER)
        return vx_fail(VX_ERR_FORMAT, "%s: VITS config needs a number \"%s\" (re-run voxc-convert piper)", what, key);
    *out = (float)v->number;
    return VX_OK;
}

/* An integer array of exactly n items. */
static vx_status json_ints(const vx_json *j, const char *key, int *out, int n, const char *what)
{
    const vx_json *v = vx_json_get(j, key);
    if (!v || v->type != VX_JSON_ARRAY || (int)v->count != n)
        return vx_fail(VX_ERR_FORMAT, "%s: VITS config needs \"%s\" as an array of %d integers", what, key, n);
    for (int i = 0; i < n; i++) {
        const vx_json *x = v->items[i];
        if (x->type != VX_JSON_NUMBER || !x->is_integer || x->integer < 0 || x->integer > (1 << 20))
            return vx_fail(VX_ERR_FORMAT, "%s: VITS config \"%s\"[%d] is not a non-negative integer", what, key, i);
        out[i] = (int)x->integer;
    }
    return VX_OK;
}

/* Length of array `key` (0..VX_VITS_MAX_STAGES), or -1 with the error set. */
static int json_len(const vx_json *j, const char *key, const char *what)
{
    const vx_json *v = vx_json_get(j, key);
    if (!v || v->type != VX_JSON_ARRAY || v->count > VX_VITS_MAX_STAGES) {
        vx_fail(VX_ERR_FORMAT, "%s: VITS config needs \"%s\" as an array of at most %d items", what, key,
                VX_VITS_MAX_STAGES);
        return -1;
    }
    return (int)v->count;
}

vx_status vx_vits_config_from_json(const char *text, vx_vits_config *c, const char *what)
{
    vx_json *j = vx_json_parse(text, strlen(text), what);
    if (!j)
        return vx_last_status();
    memset(c, 0, sizeof *c);
    struct { const char *key; int *out; } ints[] = {
        {"n_vocab", &c->n_vocab}, {"hidden_channels", &c->hidden_channels},
        {"filter_channels", &c->filter_channels}, {"ffn_kernel_size", &c->ffn_kernel_size},
        {"n_heads", &c->n_heads}, {"n_layers", &c->n_layers}, {"window_size", &c->window_size},
        {"inter_channels", &c->inter_channels}, {"flow_n_flows", &c->flow_n_flows},
        {"flow_hidden_channels", &c->flow_hidden_channels}, {"flow_n_layers", &c->flow_n_layers},
        {"flow_kernel_size", &c->flow_kernel_size}, {"flow_dilation_rate", &c->flow_dilation_rate},
        {"dp_filter_channels", &c->dp_filter_channels}, {"dp_kernel_size", &c->dp_kernel_size},
        {"dp_n_layers", &c->dp_n_layers}, {"dp_n_flows", &c->dp_n_flows}, {"dp_num_bins", &c->dp_num_bins},
        {"upsample_initial_channel", &c->upsample_initial_channel}, {"resblock", &c->resblock_type},
        {"hop_length", &c->hop_length}, {"n_speakers", &c->n_speakers}, {"gin_channels", &c->gin_channels},
        {"sample_rate", &c->sample_rate},
    };
    struct { const char *key; float *out; } floats[] = {
        {"lrelu_slope", &c->lrelu_slope}, {"final_lrelu_slope", &c->final_lrelu_slope},
        {"noise_scale", &c->noise_scale}, {"length_scale", &c->length_scale}, {"noise_w", &c->noise_w},
    };
    vx_status st = VX_OK;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0] && !st; i++)
        st = json_int(j, ints[i].key, ints[i].out, what);
    for (size_t i = 0; i < sizeof floats / sizeof floats[0] && !st; i++)
        st = json_float(j, floats[i].key, floats[i].out, what);
    if (!st && (c->dp_n_layers < 0 || c->dp_n_layers > VX_VITS_MAX_STAGES))
        st = vx_fail(VX_ERR_FORMAT, "%s: VITS config dp_n_layers %d is outside 0..%d", what, c->dp_n_layers,
                     VX_VITS_MAX_STAGES);
    if (!st)
        st = json_ints(j, "dp_dilations", c->dp_dilations, c->dp_n_layers, what);
    if (!st && (c->n_upsamples = json_len(j, "upsample_rates", what)) < 0)
        st = vx_last_status();
    if (!st)
        st = json_ints(j, "upsample_rates", c->upsample_rates, c->n_upsamples, what);
    if (!st)
        st = json_ints(j, "upsample_kernel_sizes", c->upsample_kernels, c->n_upsamples, what);
    if (!st)
        st = json_ints(j, "upsample_padding", c->upsample_padding, c->n_upsamples, what);
    if (!st && (c->n_resblock_kernels = json_len(j, "resblock_kernel_sizes", what)) < 0)
        st = vx_last_status();
    if (!st)
        st = json_ints(j, "resblock_kernel_sizes", c->resblock_kernels, c->n_resblock_kernels, what);
    const vx_json *dil = vx_json_get(j, "resblock_dilation_sizes");
    if (!st && (!dil || dil->type != VX_JSON_ARRAY || (int)dil->count != c->n_resblock_kernels ||
                dil->count == 0 || dil->items[0]->type != VX_JSON_ARRAY ||
                dil->items[0]->count > VX_VITS_MAX_STAGES))
        st = vx_fail(VX_ERR_FORMAT, "%s: VITS config needs \"resblock_dilation_sizes\": one array per kernel", what);
    if (!st) {
        c->n_resblock_dilations = (int)dil->items[0]->count;
        for (int k = 0; k < c->n_resblock_kernels && !st; k++) {
            const vx_json *row = dil->items[k];
            if (row->type != VX_JSON_ARRAY || (int)row->count != c->n_resblock_dilations)
                st = vx_fail(VX_ERR_FORMAT, "%s: VITS config \"resblock_dilation_sizes\"[%d] must hold %d integers",
                             what, k, c->n_resblock_dilations);
            for (int d = 0; d < c->n_resblock_dilations && !st; d++) {
                const vx_json *x = row->items[d];
                if (x->type != VX_JSON_NUMBER || !x->is_integer || x->integer < 1 || x->integer > 4096)
                    st = vx_fail(VX_ERR_FORMAT, "%s: VITS config \"resblock_dilation_sizes\"[%d][%d] is not a "
                                 "positive integer", what, k, d);
                else
                    c->resblock_dilations[k][d] = (int)x->integer;
            }
        }
    }
    vx_json_free(j);
    return st;
}
