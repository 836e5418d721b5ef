/* vits.c — loading a VITS voice and the synthesis pipeline: text encoder,
 * duration predictor, length regulation, flow, decoder (see vits.h).
 *
 * ref: VITS §2.6 (inference: durations ⌈exp(logw)·length_scale⌉, frames
 * take their phoneme's prior, z_p = μ + ε·σ·noise_scale); shared/docs/PIPER.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "models/vits_internal.h"

/* A sentence longer than this many frames (≈ 19 min at 22050 Hz, hop 256)
 * is refused rather than attempted. */
#define VITS_MAX_FRAMES 100000

/* --- hyper-parameters from the safetensors metadata (vx_vits_config_json) ---- */

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

static vx_status config_from_json(const char *text, vx_vits_config *c, const char *what)
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

/* --- loading --------------------------------------------------------------------- */

static vx_status load_parts(vx_vits *v, const vits_source *src)
{
    const vx_vits_config *c = &v->config;
    if (c->n_speakers > 1) {
        int64_t shape[2] = {c->n_speakers, c->gin_channels};
        if (!(v->emb_g = vits_weight(src, 2, shape, "emb_g.weight")))
            return vx_last_status();
    }
    if (c->n_vocab < 1 || c->hidden_channels < 1 || c->inter_channels < 1 || c->hop_length < 1 ||
        c->sample_rate < 1)
        return vx_fail(VX_ERR_FORMAT, "VITS voice %s: bad sizes (n_vocab %d, hidden %d, inter %d, hop %d, "
                       "sample rate %d)", src->what, c->n_vocab, c->hidden_channels, c->inter_channels,
                       c->hop_length, c->sample_rate);
    if (vits_text_encoder_load(src, c, &v->enc) || vits_duration_load(src, c, &v->dp) ||
        vits_flow_load(src, c, &v->flow) || vits_decoder_load(src, c, &v->dec))
        return vx_last_status();
    return VX_OK;
}

static char *copy_text(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return vx_fail_null(VX_ERR_OOM, "vits: out of memory copying the voice config");
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

static vx_status load_onnx(vx_vits *v, const char *path)
{
    vx_piper_voice *pv = vx_piper_import(path, NULL);
    if (!pv)
        return vx_last_status();
    v->config = pv->config;
    vits_source src = {.ctx = v->ctx, .piper = pv, .what = path};
    vx_status st = load_parts(v, &src);
    if (!st && !(v->voice_json = copy_text(pv->json_text, pv->json_len)))
        st = vx_last_status();
    v->voice_json_len = pv->json_len;
    vx_piper_free(pv);
    return st;
}

static vx_status load_safetensors(vx_vits *v, const char *path)
{
    vx_st_file *f = vx_st_open(path);
    if (!f)
        return vx_last_status();
    vx_status st = VX_OK;
    const char *model = vx_st_metadata(f, VX_VITS_META_MODEL);
    const char *config = vx_st_metadata(f, VX_VITS_META_CONFIG);
    const char *piper = vx_st_metadata(f, VX_VITS_META_PIPER);
    if (!model || strcmp(model, "vits") || !config || !piper)
        st = vx_fail(VX_ERR_FORMAT, "%s is not a VITS voice: its metadata lacks %s = \"vits\", %s or %s "
                     "(make one with voxc-convert piper MODEL.onnx OUT.safetensors)", path, VX_VITS_META_MODEL,
                     VX_VITS_META_CONFIG, VX_VITS_META_PIPER);
    if (!st)
        st = config_from_json(config, &v->config, path);
    vits_source src = {.ctx = v->ctx, .st = f, .what = path};
    if (!st)
        st = load_parts(v, &src);
    if (!st && !(v->voice_json = copy_text(piper, strlen(piper))))
        st = vx_last_status();
    v->voice_json_len = piper ? strlen(piper) : 0;
    vx_st_close(f);
    return st;
}

/* True when the file starts like a safetensors file: 8-byte header length, then '{'. */
static bool looks_like_safetensors(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char head[9];
    bool yes = f && fread(head, 1, sizeof head, f) == sizeof head && head[8] == '{';
    if (f)
        fclose(f);
    return yes;
}

vx_vits *vx_vits_load(const char *path)
{
    if (!path)
        return vx_fail_null(VX_ERR_ARG, "vits: no voice path given");
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return vx_fail_null(VX_ERR_IO, "no voice at %s — run `make voice` (or sh data/fetch_voice.sh)", path);
    fclose(probe);
    vx_vits *v = calloc(1, sizeof *v);
    if (!v)
        return vx_fail_null(VX_ERR_OOM, "vits: out of memory");
    v->ctx = vx_ctx_new((vx_ctx_opts){.arena_chunk_bytes = 1 << 16});
    if (!v->ctx) {
        free(v);
        return NULL;
    }
    vx_status st = looks_like_safetensors(path) ? load_safetensors(v, path) : load_onnx(v, path);
    if (st) {
        vx_vits_free(v);
        return NULL;
    }
    return v;
}

void vx_vits_free(vx_vits *v)
{
    if (!v)
        return;
    vx_ctx_free(v->ctx);
    free(v->voice_json);
    free(v);
}

const vx_vits_config *vx_vits_config_of(const vx_vits *v)
{
    return &v->config;
}

const char *vx_vits_voice_json(const vx_vits *v, size_t *len)
{
    if (len)
        *len = v->voice_json_len;
    return v->voice_json;
}

vx_vits_params vx_vits_default_params(const vx_vits *v)
{
    return (vx_vits_params){.noise_scale = v->config.noise_scale,
                            .length_scale = v->config.length_scale,
                            .noise_w = v->config.noise_w};
}

/* --- synthesis ------------------------------------------------------------------- */

static vx_status check_request(const vx_vits *v, const int64_t *ids, int64_t n_ids, const vx_vits_params *p)
{
    if (!ids || n_ids < 1)
        return vx_fail(VX_ERR_ARG, "vits: no phoneme ids to synthesize (need at least one)");
    if (n_ids > INT32_MAX / 2)
        return vx_fail(VX_ERR_ARG, "vits: %lld phoneme ids is too many for one sentence", (long long)n_ids);
    for (int64_t i = 0; i < n_ids; i++)
        if (ids[i] < 0 || ids[i] >= v->config.n_vocab)
            return vx_fail(VX_ERR_ARG, "vits: phoneme id %lld at position %lld is outside the voice's 0..%d",
                           (long long)ids[i], (long long)i, v->config.n_vocab - 1);
    if (!(p->length_scale > 0.0f) || !isfinite(p->length_scale) || !isfinite(p->noise_scale) ||
        !isfinite(p->noise_w))
        return vx_fail(VX_ERR_ARG, "vits: length_scale must be > 0 and the scales finite (got length %g, "
                       "noise %g, noise_w %g)", p->length_scale, p->noise_scale, p->noise_w);
    int speakers = v->config.n_speakers > 1 ? v->config.n_speakers : 1;
    if (p->speaker < 0 || p->speaker >= speakers)
        return vx_fail(VX_ERR_ARG, "vits: speaker %d is outside this voice's 0..%d", p->speaker, speakers - 1);
    return VX_OK;
}

/* durations[t] = ⌈exp(logw[t])·length_scale⌉ (ref: VITS §2.6); returns Σ or -1 with the error set. */
static int64_t durations_from_logw(const float *logw, int64_t T, float length_scale, int32_t *durations)
{
    int64_t total = 0;
    for (int64_t t = 0; t < T; t++) {
        float w = ceilf(expf(logw[t]) * length_scale);
        if (!(w >= 0.0f) || w > VITS_MAX_FRAMES) {
            vx_fail(VX_ERR_NUMERIC, "vits: duration of phoneme %lld is %g frames (logw %g): the voice's "
                    "duration predictor gave a bad value", (long long)t, w, logw[t]);
            return -1;
        }
        durations[t] = (int32_t)w;
        total += durations[t];
    }
    if (total > VITS_MAX_FRAMES) {
        vx_fail(VX_ERR_ARG, "vits: the sentence lasts %lld frames, more than %d: split the text into shorter "
                "sentences or lower length_scale", (long long)total, VITS_MAX_FRAMES);
        return -1;
    }
    return total;
}

/* Length regulation: frame f of phoneme i takes column i of the prior;
 * z_p[c, f] = m_p[c, i] + ε[c, f]·exp(logs_p[c, i])·noise_scale.
 * m_p, logs_p [1, C, T] -> z_p [1, C, frames]; frames past Σ durations
 * (only when it is 0 and frames was clamped to 1) stay zero. */
static vx_tensor *expand_prior(vx_ctx *ctx, vx_tensor *m_p, vx_tensor *logs_p, const int32_t *durations,
                               int64_t frames, float noise_scale, vx_rng *rng)
{
    int64_t C = m_p->shape[1], T = m_p->shape[2];
    int64_t shape[3] = {1, C, frames};
    vx_tensor *z_p = vx_new(ctx, VX_F32, 3, shape);
    float *eps = noise_scale != 0.0f ? vx_arena_alloc(ctx, sizeof(float) * (size_t)(C * frames)) : NULL;
    if (!z_p || (noise_scale != 0.0f && !eps))
        return NULL;
    if (eps)
        vx_rng_normal(rng, eps, (size_t)(C * frames), 0.0f, 1.0f);
    const float *m = m_p->data, *ls = logs_p->data;
    float *out = z_p->data;
    int64_t f = 0;
    for (int64_t t = 0; t < T; t++)
        for (int32_t k = 0; k < durations[t]; k++, f++)
            for (int64_t c = 0; c < C; c++) {
                float v = m[c * T + t];
                if (eps)
                    v += eps[c * frames + f] * expf(ls[c * T + t]) * noise_scale;
                out[c * frames + f] = v;
            }
    return z_p;
}

static vx_status synthesize(const vx_vits *v, vx_ctx *ctx, const int64_t *ids, int64_t n_ids, const vx_vits_params *p,
                            vx_vits_output *out)
{
    const vx_vits_config *c = &v->config;
    vx_rng rng;
    vx_rng_init(&rng, p->seed);
    int64_t T = n_ids, tshape[1] = {T};
    vx_tensor *id_t = vx_new(ctx, VX_I32, 1, tshape);
    if (!id_t)
        return vx_last_status();
    for (int64_t i = 0; i < T; i++)
        ((int32_t *)id_t->data)[i] = (int32_t)ids[i];

    vx_tensor *g = NULL; /* speaker embedding [1, gin, 1] */
    if (v->emb_g) {
        int64_t sid_shape[1] = {1}, gshape[3] = {1, c->gin_channels, 1};
        int32_t sid = p->speaker;
        g = vx_reshape(ctx, vx_embedding(ctx, v->emb_g, vx_from_i32(ctx, 1, sid_shape, &sid)), 3, gshape);
        if (!g)
            return vx_last_status();
    }

    vx_tensor *m_p = NULL, *logs_p = NULL;
    vx_tensor *x = vits_text_encoder_forward(ctx, &v->enc, id_t, &m_p, &logs_p); /* [1, H, T] */
    if (!x)
        return vx_last_status();

    int64_t nshape[3] = {1, 2, T};
    vx_tensor *noise = vx_new(ctx, VX_F32, 3, nshape);
    if (!noise)
        return vx_last_status();
    vx_rng_normal(&rng, noise->data, (size_t)(2 * T), 0.0f, 1.0f);
    vx_tensor *logw = vits_duration_forward(ctx, &v->dp, x, g, vx_scale(ctx, noise, p->noise_w)); /* [1, 1, T] */
    vx_tensor *durations = vx_new(ctx, VX_I32, 1, tshape);
    if (!logw || !durations)
        return vx_last_status();
    int64_t total = durations_from_logw(logw->data, T, p->length_scale, durations->data);
    if (total < 0)
        return vx_last_status();
    int64_t frames = total > 0 ? total : 1;

    vx_tensor *z_p = expand_prior(ctx, m_p, logs_p, durations->data, frames, p->noise_scale, &rng);
    vx_tensor *z = vits_flow_reverse(ctx, &v->flow, z_p, g);                     /* [1, C, F] */
    vx_tensor *audio = vits_decoder_forward(ctx, &v->dec, z, g);                 /* [1, 1, F·hop] */
    if (!audio)
        return vx_last_status();
    int64_t n = vx_numel(audio), ct[2] = {c->inter_channels, T}, cf[2] = {c->inter_channels, frames};
    out->audio = vx_reshape(ctx, audio, 1, &n);
    out->durations = durations;
    out->frames = frames;
    out->logw = vx_reshape(ctx, logw, 1, tshape);
    out->m_p = vx_reshape(ctx, m_p, 2, ct);
    out->logs_p = vx_reshape(ctx, logs_p, 2, ct);
    out->z = vx_reshape(ctx, z, 2, cf);
    if (!out->audio || !out->logw || !out->m_p || !out->logs_p || !out->z)
        return vx_last_status();
    return VX_OK;
}

vx_status vx_vits_synthesize(const vx_vits *v, vx_ctx *ctx, const int64_t *ids, int64_t n_ids, const vx_vits_params *p,
                             vx_vits_output *out)
{
    if (!out)
        return vx_fail(VX_ERR_ARG, "vits: no output struct given");
    memset(out, 0, sizeof *out);
    if (!v || !ctx || !p)
        return vx_fail(VX_ERR_ARG, "vits: synthesize needs a voice, a context and parameters");
    vx_status st = check_request(v, ids, n_ids, p);
    if (st)
        return st;
    bool grad = vx_set_grad_enabled(ctx, false);
    st = synthesize(v, ctx, ids, n_ids, p, out);
    vx_set_grad_enabled(ctx, grad);
    if (st)
        memset(out, 0, sizeof *out);
    return st;
}
