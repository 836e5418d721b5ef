/* vits.c — loading a VITS voice and the synthesis pipeline: text encoder,
 * duration predictor, length regulation, flow, decoder (see vits.h).
 *
 * ref: VITS §2.6 (inference: durations ⌈exp(logw)·length_scale⌉, frames
 * take their phoneme's prior, z_p = μ + ε·σ·noise_scale); shared/docs/PIPER.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/vits_internal.h"

/* A sentence longer than this many frames (≈ 19 min at 22050 Hz, hop 256)
 * is refused rather than attempted. */
#define VITS_MAX_FRAMES 100000

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
        st = vx_vits_config_from_json(config, &v->config, path);
    vits_source src = {.ctx = v->ctx, .st = f, .what = path};
    if (!st)
        st = load_parts(v, &src);
    if (!st && !(v->voice_json = copy_text(piper, strlen(piper))))
        st = vx_last_status();
    v->voice_json_len = piper ? strlen(piper) : 0;
    vx_st_close(f);
    return st;
}

bool vits_looks_like_safetensors(const char *path)
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
    vx_status st = vits_looks_like_safetensors(path) ? load_safetensors(v, path) : load_onnx(v, path);
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

vx_status vits_check_request(const vx_vits *v, const int64_t *ids, int64_t n_ids, const vx_vits_params *p)
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

vx_status vits_prior(const vx_vits *v, vx_ctx *ctx, const int64_t *ids, int64_t T, const vx_vits_params *p,
                     vits_prior_out *pr)
{
    const vx_vits_config *c = &v->config;
    memset(pr, 0, sizeof *pr);
    vx_rng rng;
    vx_rng_init(&rng, p->seed);
    int64_t tshape[1] = {T};
    vx_tensor *id_t = vx_new(ctx, VX_I32, 1, tshape);
    if (!id_t)
        return vx_last_status();
    for (int64_t i = 0; i < T; i++)
        ((int32_t *)id_t->data)[i] = (int32_t)ids[i];

    if (v->emb_g) { /* speaker embedding [1, gin, 1] */
        int64_t sid_shape[1] = {1}, gshape[3] = {1, c->gin_channels, 1};
        int32_t sid = p->speaker;
        pr->g = vx_reshape(ctx, vx_embedding(ctx, v->emb_g, vx_from_i32(ctx, 1, sid_shape, &sid)), 3, gshape);
        if (!pr->g)
            return vx_last_status();
    }

    vx_tensor *x = vits_text_encoder_forward(ctx, &v->enc, id_t, &pr->m_p, &pr->logs_p); /* [1, H, T] */
    if (!x)
        return vx_last_status();

    int64_t nshape[3] = {1, 2, T};
    vx_tensor *noise = vx_new(ctx, VX_F32, 3, nshape);
    if (!noise)
        return vx_last_status();
    vx_rng_normal(&rng, noise->data, (size_t)(2 * T), 0.0f, 1.0f);
    pr->logw = vits_duration_forward(ctx, &v->dp, x, pr->g, vx_scale(ctx, noise, p->noise_w)); /* [1, 1, T] */
    pr->durations = vx_new(ctx, VX_I32, 1, tshape);
    if (!pr->logw || !pr->durations)
        return vx_last_status();
    int64_t total = durations_from_logw(pr->logw->data, T, p->length_scale, pr->durations->data);
    if (total < 0)
        return vx_last_status();
    pr->frames = total > 0 ? total : 1;
    pr->z_p = expand_prior(ctx, pr->m_p, pr->logs_p, pr->durations->data, pr->frames, p->noise_scale, &rng);
    return pr->z_p ? VX_OK : vx_last_status();
}

vx_status vits_output(vx_ctx *ctx, const vx_vits *v, const vits_prior_out *pr, vx_tensor *z, vx_tensor *audio,
                      vx_vits_output *out)
{
    int64_t T = pr->durations->shape[0], tshape[1] = {T};
    int64_t n = vx_numel(audio), ct[2] = {v->config.inter_channels, T}, cf[2] = {v->config.inter_channels, pr->frames};
    out->audio = vx_reshape(ctx, audio, 1, &n);
    out->durations = pr->durations;
    out->frames = pr->frames;
    out->logw = vx_reshape(ctx, pr->logw, 1, tshape);
    out->m_p = vx_reshape(ctx, pr->m_p, 2, ct);
    out->logs_p = vx_reshape(ctx, pr->logs_p, 2, ct);
    out->z = vx_reshape(ctx, z, 2, cf);
    if (!out->audio || !out->logw || !out->m_p || !out->logs_p || !out->z)
        return vx_last_status();
    return VX_OK;
}

static vx_status synthesize(const vx_vits *v, vx_ctx *ctx, const int64_t *ids, int64_t n_ids, const vx_vits_params *p,
                            vx_vits_output *out)
{
    vits_prior_out pr;
    vx_status st = vits_prior(v, ctx, ids, n_ids, p, &pr);
    if (st)
        return st;
    vx_tensor *z = vits_flow_reverse(ctx, &v->flow, pr.z_p, pr.g);  /* [1, C, F]     */
    vx_tensor *audio = vits_decoder_forward(ctx, &v->dec, z, pr.g); /* [1, 1, F·hop] */
    if (!audio)
        return vx_last_status();
    return vits_output(ctx, v, &pr, z, audio, out);
}

vx_status vx_vits_synthesize(const vx_vits *v, vx_ctx *ctx, const int64_t *ids, int64_t n_ids, const vx_vits_params *p,
                             vx_vits_output *out)
{
    if (!out)
        return vx_fail(VX_ERR_ARG, "vits: no output struct given");
    memset(out, 0, sizeof *out);
    if (!v || !ctx || !p)
        return vx_fail(VX_ERR_ARG, "vits: synthesize needs a voice, a context and parameters");
    vx_status st = vits_check_request(v, ids, n_ids, p);
    if (st)
        return st;
    bool grad = vx_set_grad_enabled(ctx, false);
    st = synthesize(v, ctx, ids, n_ids, p, out);
    vx_set_grad_enabled(ctx, grad);
    if (st)
        memset(out, 0, sizeof *out);
    return st;
}
