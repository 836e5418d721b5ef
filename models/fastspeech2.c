/* fastspeech2.c — FastSpeech2: configs, construction, inference controls and
 * the forward pass from phoneme ids to mels (fastspeech2.h; ref:
 * ming024/FastSpeech2 model/fastspeech2.py, transformer/Layers.py PostNet). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/fastspeech2_internal.h"

vx_status vx_fs2_config_named(const char *name, vx_fs2_config *out)
{
    if (!name || !out)
        return vx_fail(VX_ERR_ARG, "fastspeech2: config name and output must not be NULL");
    /* ref: ming024 config/LJSpeech/model.yaml; PostNet as transformer/Layers.py */
    vx_fs2_config c = {
        .n_vocab = 256, .n_speakers = 0, .n_mels = 80,
        .hidden = 256, .heads = 2, .enc_layers = 4, .dec_layers = 6,
        .ffn_filter = 1024, .ffn_kernel = {9, 1}, .dropout = 0.2f,
        .vp_filter = 256, .vp_kernel = 3, .vp_dropout = 0.5f, .n_bins = 256,
        .pitch_mean = 0, .pitch_std = 1, .pitch_min = -4, .pitch_max = 4,
        .energy_mean = 0, .energy_std = 1, .energy_min = -4, .energy_max = 4,
        .postnet_layers = 5, .postnet_channels = 512, .postnet_kernel = 5, .postnet_dropout = 0.5f,
    };
    if (strcmp(name, "small") == 0) {
        c.hidden = 128;
        c.enc_layers = 2;
        c.dec_layers = 2;
        c.ffn_filter = 512;
        c.vp_filter = 128;
        c.postnet_channels = 128;
    } else if (strcmp(name, "ljspeech") != 0) {
        return vx_fail(VX_ERR_ARG, "fastspeech2: unknown config '%s'; use ljspeech or small", name);
    }
    *out = c;
    return VX_OK;
}

static bool is_dropout(float p) { return p >= 0.0f && p < 1.0f; }

vx_status vx_fs2_config_check(const vx_fs2_config *c)
{
    if (!c)
        return vx_fail(VX_ERR_ARG, "fastspeech2: config is NULL");
    struct { const char *name; int value, lo, hi; } ints[] = {
        {"n_vocab", c->n_vocab, 1, 1 << 20},
        {"n_speakers", c->n_speakers, 0, 1 << 20},
        {"n_mels", c->n_mels, 1, 1 << 12},
        {"hidden", c->hidden, 1, 1 << 14},
        {"heads", c->heads, 1, 1 << 10},
        {"enc_layers", c->enc_layers, 1, VX_FS2_MAX_LAYERS},
        {"dec_layers", c->dec_layers, 1, VX_FS2_MAX_LAYERS},
        {"ffn_filter", c->ffn_filter, 1, 1 << 16},
        {"vp_filter", c->vp_filter, 1, 1 << 14},
        {"n_bins", c->n_bins, 2, 1 << 16},
        {"postnet_layers", c->postnet_layers, 0, VX_FS2_MAX_POSTNET},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (ints[i].value < ints[i].lo || ints[i].value > ints[i].hi)
            return vx_fail(VX_ERR_ARG, "fastspeech2: %s is %d; use %d .. %d", ints[i].name,
                           ints[i].value, ints[i].lo, ints[i].hi);
    if (c->hidden % c->heads)
        return vx_fail(VX_ERR_ARG, "fastspeech2: hidden %d does not split into %d heads; use a "
                       "multiple of heads", c->hidden, c->heads);
    struct { const char *name; int k; bool used; } kernels[] = {
        {"ffn_kernel[0]", c->ffn_kernel[0], true},
        {"ffn_kernel[1]", c->ffn_kernel[1], true},
        {"vp_kernel", c->vp_kernel, true},
        {"postnet_kernel", c->postnet_kernel, c->postnet_layers > 0},
    };
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        if (kernels[i].used && (kernels[i].k < 1 || kernels[i].k > 63 || kernels[i].k % 2 == 0))
            return vx_fail(VX_ERR_ARG, "fastspeech2: %s is %d; use an odd kernel of 1 .. 63 (the "
                           "convs keep the length)", kernels[i].name, kernels[i].k);
    if (c->postnet_layers > 0 && (c->postnet_channels < 1 || c->postnet_channels > 1 << 14))
        return vx_fail(VX_ERR_ARG, "fastspeech2: postnet_channels is %d; use 1 .. %d",
                       c->postnet_channels, 1 << 14);
    if (!is_dropout(c->dropout) || !is_dropout(c->vp_dropout) || !is_dropout(c->postnet_dropout))
        return vx_fail(VX_ERR_ARG, "fastspeech2: dropouts %g, %g, %g must be in [0, 1)",
                       (double)c->dropout, (double)c->vp_dropout, (double)c->postnet_dropout);
    struct { const char *what; float mean, std, lo, hi; } stats[] = {
        {"pitch", c->pitch_mean, c->pitch_std, c->pitch_min, c->pitch_max},
        {"energy", c->energy_mean, c->energy_std, c->energy_min, c->energy_max},
    };
    for (int i = 0; i < 2; i++)
        if (!isfinite(stats[i].mean) || !(stats[i].std > 0 && isfinite(stats[i].std)) ||
            !(stats[i].lo < stats[i].hi) || !isfinite(stats[i].lo) || !isfinite(stats[i].hi))
            return vx_fail(VX_ERR_ARG, "fastspeech2: %s statistics mean %g, std %g, range "
                           "[%g, %g]; need a finite mean, std > 0 and min < max",
                           stats[i].what, (double)stats[i].mean, (double)stats[i].std,
                           (double)stats[i].lo, (double)stats[i].hi);
    return VX_OK;
}

/* torch.linspace(lo, hi, n) (to float rounding) into a buffer. */
static void linspace(vx_tensor *bins, float lo, float hi)
{
    int64_t n = bins->shape[0];
    float *p = bins->data;
    for (int64_t i = 0; i < n; i++)
        p[i] = n == 1 ? lo : (float)(lo + ((double)hi - lo) * (double)i / (double)(n - 1));
}

static vx_status build_variance(vx_ctx *ctx, vx_fs2 *m)
{
    const vx_fs2_config *c = &m->cfg;
    vx_status st = fs2_predictor_init(ctx, &m->params, &m->duration, c,
                                      "variance_adaptor.duration_predictor");
    if (st == VX_OK)
        st = fs2_predictor_init(ctx, &m->params, &m->pitch, c, "variance_adaptor.pitch_predictor");
    if (st == VX_OK)
        st = fs2_predictor_init(ctx, &m->params, &m->energy, c, "variance_adaptor.energy_predictor");
    if (st != VX_OK)
        return st;
    int64_t nb = c->n_bins - 1, emb[2] = {c->n_bins, c->hidden};
    m->pitch_bins = fs2_tensor(ctx, &m->buffers, false, 1, &nb, "variance_adaptor.pitch_bins");
    m->energy_bins = fs2_tensor(ctx, &m->buffers, false, 1, &nb, "variance_adaptor.energy_bins");
    m->pitch_emb = fs2_tensor(ctx, &m->params, true, 2, emb, "variance_adaptor.pitch_embedding.weight");
    m->energy_emb = fs2_tensor(ctx, &m->params, true, 2, emb, "variance_adaptor.energy_embedding.weight");
    if (!m->pitch_bins || !m->energy_bins || !m->pitch_emb || !m->energy_emb)
        return vx_last_status();
    linspace(m->pitch_bins, c->pitch_min, c->pitch_max);
    linspace(m->energy_bins, c->energy_min, c->energy_max);
    vx_fill_normal(ctx, m->pitch_emb, 0, 1);
    vx_fill_normal(ctx, m->energy_emb, 0, 1);
    return VX_OK;
}

/* PostNet conv i: n_mels -> channels -> ... -> n_mels; a layer norm after
 * every conv but the last (replacing ming024's BatchNorm, see fastspeech2.h). */
static vx_status build_postnet(vx_ctx *ctx, vx_fs2 *m)
{
    const vx_fs2_config *c = &m->cfg;
    vx_status st = VX_OK;
    for (int i = 0; i < c->postnet_layers && st == VX_OK; i++) {
        bool last = i == c->postnet_layers - 1;
        char name[48];
        snprintf(name, sizeof name, "postnet.convs.%d", i);
        st = fs2_conv_init(ctx, &m->params, &m->postnet[i], i == 0 ? c->n_mels : c->postnet_channels,
                           last ? c->n_mels : c->postnet_channels, c->postnet_kernel, name);
        if (st == VX_OK && !last) {
            snprintf(name, sizeof name, "postnet.norms.%d", i);
            st = fs2_norm_init(ctx, &m->params, &m->postnet_norm[i], c->postnet_channels, name);
        }
    }
    return st;
}

vx_fs2 *vx_fs2_new(vx_ctx *ctx, const vx_fs2_config *cfg)
{
    if (!ctx)
        return vx_fail_null(VX_ERR_ARG, "fastspeech2: the context is NULL");
    if (vx_fs2_config_check(cfg) != VX_OK)
        return NULL;
    vx_fs2 *m = calloc(1, sizeof *m);
    if (!m)
        return vx_fail_null(VX_ERR_OOM, "fastspeech2: out of memory for the model");
    m->cfg = *cfg;
    m->src_word_emb = fs2_tensor(ctx, &m->params, true, 2, (int64_t[]){cfg->n_vocab, cfg->hidden},
                                 "encoder.src_word_emb.weight");
    vx_status st = m->src_word_emb ? VX_OK : vx_last_status();
    if (st == VX_OK)
        vx_fill_normal(ctx, m->src_word_emb, 0, 1);
    char name[48];
    for (int i = 0; i < cfg->enc_layers && st == VX_OK; i++) {
        snprintf(name, sizeof name, "encoder.layer_stack.%d", i);
        st = fs2_fft_block_init(ctx, &m->params, &m->enc[i], cfg, name);
    }
    if (st == VX_OK)
        st = build_variance(ctx, m);
    for (int i = 0; i < cfg->dec_layers && st == VX_OK; i++) {
        snprintf(name, sizeof name, "decoder.layer_stack.%d", i);
        st = fs2_fft_block_init(ctx, &m->params, &m->dec[i], cfg, name);
    }
    if (st == VX_OK)
        st = fs2_linear_init(ctx, &m->params, &m->mel_linear, cfg->hidden, cfg->n_mels, "mel_linear");
    if (st == VX_OK)
        st = build_postnet(ctx, m);
    if (st == VX_OK && cfg->n_speakers > 0) {
        m->speaker_emb = fs2_tensor(ctx, &m->params, true, 2,
                                    (int64_t[]){cfg->n_speakers, cfg->hidden}, "speaker_emb.weight");
        st = m->speaker_emb ? VX_OK : vx_last_status();
        if (st == VX_OK)
            vx_fill_normal(ctx, m->speaker_emb, 0, 1);
    }
    if (st != VX_OK) {
        vx_fs2_free(m);
        return NULL;
    }
    return m;
}

void vx_fs2_free(vx_fs2 *m)
{
    if (!m)
        return;
    fs2_list_free(&m->params);
    fs2_list_free(&m->buffers);
    free(m);
}

int vx_fs2_params(const vx_fs2 *m, vx_tensor *const **params)
{
    *params = m->params.items;
    return m->params.n;
}

int vx_fs2_buffers(const vx_fs2 *m, vx_tensor *const **buffers)
{
    *buffers = m->buffers.items;
    return m->buffers.n;
}

int64_t vx_fs2_param_count(const vx_fs2 *m)
{
    int64_t total = 0;
    for (int i = 0; i < m->params.n; i++)
        total += vx_numel(m->params.items[i]);
    return total;
}

const vx_fs2_config *vx_fs2_get_config(const vx_fs2 *m) { return &m->cfg; }

/* --- controls ------------------------------------------------------------------- */

vx_fs2_controls vx_fs2_controls_neutral(void)
{
    return (vx_fs2_controls){.pitch_shift = 0, .pitch_scale = 1, .energy_scale = 1, .speed = 1};
}

float vx_fs2_pitch_control(const vx_fs2_config *cfg, float pitch, float semitones, float scale)
{
    double mu = cfg->pitch_mean, sigma = cfg->pitch_std;
    double f0 = mu + sigma * pitch;
    double shifted = (mu + scale * (f0 - mu)) * pow(2.0, semitones / 12.0);
    return (float)((shifted - mu) / sigma);
}

float vx_fs2_energy_control(const vx_fs2_config *cfg, float energy, float scale)
{
    double mu = cfg->energy_mean, sigma = cfg->energy_std;
    return (float)((scale * (mu + sigma * energy) - mu) / sigma);
}

int32_t vx_fs2_duration_frames(float log_duration, float speed)
{
    double d = (exp((double)log_duration) - 1.0) / speed;
    if (!(d > 0))
        return 0;
    if (d >= VX_FS2_MAX_PHONEME_FRAMES)
        return VX_FS2_MAX_PHONEME_FRAMES;
    return (int32_t)rint(d);
}

/* --- forward -------------------------------------------------------------------- */

/* t is i32 (or f32 when `f32`) of shape [batch, len]. */
static vx_status check_2d(const vx_tensor *t, const char *what, bool f32, int64_t batch, int64_t len)
{
    char buf[64];
    if (!t)
        return vx_fail(VX_ERR_ARG, "fastspeech2: %s is missing", what);
    if (t->dtype != (f32 ? VX_F32 : VX_I32) || t->ndim != 2 || t->shape[0] != batch ||
        t->shape[1] != len)
        return vx_fail(VX_ERR_ARG, "fastspeech2: %s is %s %s; want %s [%lld, %lld]", what,
                       vx_dtype_name(t->dtype), vx_shape_str(t, buf, sizeof buf),
                       f32 ? "f32" : "i32", (long long)batch, (long long)len);
    return VX_OK;
}

/* i32 [n] with every value in [lo, hi]. */
static vx_status check_ids(const vx_tensor *t, const char *what, int64_t n, int32_t lo, int32_t hi)
{
    char buf[64];
    if (t->dtype != VX_I32 || t->ndim != 1 || t->shape[0] != n)
        return vx_fail(VX_ERR_ARG, "fastspeech2: %s is %s %s; want i32 [%lld]", what,
                       vx_dtype_name(t->dtype), vx_shape_str(t, buf, sizeof buf), (long long)n);
    for (int64_t i = 0; i < n; i++) {
        int32_t v = vx_get_i(t, i);
        if (v < lo || v > hi)
            return vx_fail(VX_ERR_ARG, "fastspeech2: %s[%lld] is %d; use %d .. %d", what,
                           (long long)i, (int)v, (int)lo, (int)hi);
    }
    return VX_OK;
}

static vx_status check_inputs(const vx_fs2 *m, const vx_fs2_input *in, const vx_fs2_targets *tg,
                              const vx_fs2_controls *c)
{
    if (!in || !in->phonemes || !in->src_lens)
        return vx_fail(VX_ERR_ARG, "fastspeech2: the input needs phonemes and src_lens");
    const vx_tensor *ph = in->phonemes;
    if (ph->ndim != 2 || ph->shape[0] < 1 || ph->shape[1] < 1)
        return vx_fail(VX_ERR_ARG, "fastspeech2: phonemes must be i32 [B, T_src] with B, T_src >= 1");
    int64_t batch = ph->shape[0], t = ph->shape[1];
    vx_status st = check_2d(ph, "phonemes", false, batch, t);
    if (st == VX_OK)
        st = check_ids(in->src_lens, "src_lens", batch, 1, t > INT32_MAX ? INT32_MAX : (int32_t)t);
    for (int64_t i = 0; st == VX_OK && i < batch * t; i++) {
        int32_t id = vx_get_i(ph, i);
        if (id < 0 || id >= m->cfg.n_vocab)
            st = vx_fail(VX_ERR_ARG, "fastspeech2: phoneme id %d (utterance %lld, position %lld) "
                         "is outside the model's 0 .. %d", (int)id, (long long)(i / t),
                         (long long)(i % t), m->cfg.n_vocab - 1);
    }
    if (st == VX_OK && m->speaker_emb && in->speakers)
        st = check_ids(in->speakers, "speakers", batch, 0, m->cfg.n_speakers - 1);
    if (st != VX_OK || !tg) {
        if (st == VX_OK && c && !(c->speed > 0 && isfinite(c->speed) && c->pitch_scale >= 0 &&
                                  isfinite(c->pitch_scale) && c->energy_scale >= 0 &&
                                  isfinite(c->energy_scale) && fabsf(c->pitch_shift) <= 96))
            st = vx_fail(VX_ERR_ARG, "fastspeech2: controls pitch_shift %g, pitch_scale %g, "
                         "energy_scale %g, speed %g; need |shift| <= 96 semitones, scales >= 0 "
                         "and speed > 0", (double)c->pitch_shift, (double)c->pitch_scale,
                         (double)c->energy_scale, (double)c->speed);
        return st;
    }
    if (c)
        return vx_fail(VX_ERR_ARG, "fastspeech2: controls apply to inference; pass NULL with targets");
    st = check_2d(tg->durations, "target durations", false, batch, t);
    if (st == VX_OK)
        st = check_2d(tg->pitch, "target pitch", true, batch, t);
    if (st == VX_OK)
        st = check_2d(tg->energy, "target energy", true, batch, t);
    return st;
}

/* x [B, T_src, H] + speaker_emb[speaker b], zeroed again at padding. */
static vx_tensor *add_speaker(vx_ctx *ctx, const vx_fs2 *m, vx_tensor *x, const vx_tensor *speakers,
                              vx_tensor *src_pad)
{
    int64_t batch = src_pad->shape[0];
    vx_tensor *ids = vx_new(ctx, VX_I32, 1, &batch); /* speaker 0 when none are given */
    if (!ids)
        return NULL;
    for (int64_t b = 0; speakers && b < batch; b++)
        ((int32_t *)ids->data)[b] = vx_get_i(speakers, b);
    vx_tensor *emb = vx_reshape(ctx, vx_embedding(ctx, m->speaker_emb, ids), 3,
                                (int64_t[]){batch, 1, m->cfg.hidden});
    return vx_masked_fill(ctx, vx_add(ctx, x, emb), fs2_mask_rows(ctx, src_pad), 0.0f);
}

/* mel + PostNet(mel), mel [B, T, n_mels] zero at padding; every conv's output
 * is zeroed at the padded frames (see fastspeech2.h). */
static vx_tensor *postnet(vx_ctx *ctx, const vx_fs2 *m, vx_tensor *mel, vx_tensor *mel_pad)
{
    const vx_fs2_config *c = &m->cfg;
    vx_tensor *frames = fs2_mask_frames(ctx, mel_pad); /* [B, 1, T] */
    vx_tensor *y = vx_transpose(ctx, mel, 1, 2); /* [B, n_mels, T] */
    for (int i = 0; i < c->postnet_layers; i++) {
        y = fs2_conv_forward(ctx, &m->postnet[i], y);
        if (i < c->postnet_layers - 1)
            y = vx_tanh(ctx, vx_layer_norm_channels(ctx, y, m->postnet_norm[i].weight,
                                                    m->postnet_norm[i].bias, FS2_LN_EPS));
        y = vx_masked_fill(ctx, vx_dropout(ctx, y, c->postnet_dropout), frames, 0.0f);
    }
    return vx_add(ctx, mel, vx_transpose(ctx, y, 1, 2));
}

vx_status vx_fs2_forward(vx_ctx *ctx, vx_fs2 *m, const vx_fs2_input *in,
                         const vx_fs2_targets *targets, const vx_fs2_controls *controls,
                         vx_fs2_output *out)
{
    if (!ctx || !m || !out)
        return vx_fail(VX_ERR_ARG, "fastspeech2: forward needs a context, a model and an output");
    memset(out, 0, sizeof *out);
    vx_status st = check_inputs(m, in, targets, controls);
    if (st != VX_OK)
        return st;
    vx_fs2_controls neutral = vx_fs2_controls_neutral();
    if (!targets && !controls)
        controls = &neutral;
    const vx_fs2_config *c = &m->cfg;
    out->src_pad = fs2_pad_mask(ctx, in->src_lens, in->phonemes->shape[1]);
    if (!out->src_pad)
        return vx_last_status();
    /* no padding_idx: id 0 is a symbol like any other (see fastspeech2.h) */
    vx_tensor *x = vx_embedding(ctx, m->src_word_emb, in->phonemes); /* [B, T_src, H] */
    x = fs2_fft_stack(ctx, m->enc, c->enc_layers, c, x, out->src_pad);
    if (x && m->speaker_emb)
        x = add_speaker(ctx, m, x, in->speakers, out->src_pad);
    x = fs2_variance_adaptor(ctx, m, x, targets, controls, out); /* [B, T_mel, H] */
    if (!x)
        return vx_last_status();
    x = fs2_fft_stack(ctx, m->dec, c->dec_layers, c, x, out->mel_pad);
    out->mel = vx_masked_fill(ctx, fs2_linear_forward(ctx, &m->mel_linear, x),
                              fs2_mask_rows(ctx, out->mel_pad), 0.0f);
    if (!out->mel)
        return vx_last_status();
    out->mel_postnet = c->postnet_layers ? postnet(ctx, m, out->mel, out->mel_pad) : out->mel;
    return out->mel_postnet ? VX_OK : vx_last_status();
}
