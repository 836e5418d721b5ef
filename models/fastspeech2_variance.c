/* fastspeech2_variance.c — FastSpeech2's variance adaptor: duration, pitch
 * and energy predictors, bucketed pitch/energy embeddings, inference
 * controls and the length regulator (ref: ming024/FastSpeech2
 * model/modules.py; Ren et al. 2021 §2.3). */
#include <math.h>
#include <stdio.h>

#include "models/fastspeech2_internal.h"

vx_status fs2_predictor_init(vx_ctx *ctx, fs2_list *params, fs2_predictor *p,
                             const vx_fs2_config *cfg, const char *prefix)
{
    char name[96];
    int f = cfg->vp_filter, k = cfg->vp_kernel;
    snprintf(name, sizeof name, "%s.conv1d_1", prefix);
    vx_status st = fs2_conv_init(ctx, params, &p->conv1d_1, cfg->hidden, f, k, name);
    if (st == VX_OK) {
        snprintf(name, sizeof name, "%s.layer_norm_1", prefix);
        st = fs2_norm_init(ctx, params, &p->layer_norm_1, f, name);
    }
    if (st == VX_OK) {
        snprintf(name, sizeof name, "%s.conv1d_2", prefix);
        st = fs2_conv_init(ctx, params, &p->conv1d_2, f, f, k, name);
    }
    if (st == VX_OK) {
        snprintf(name, sizeof name, "%s.layer_norm_2", prefix);
        st = fs2_norm_init(ctx, params, &p->layer_norm_2, f, name);
    }
    if (st == VX_OK) {
        snprintf(name, sizeof name, "%s.linear_layer", prefix);
        st = fs2_linear_init(ctx, params, &p->linear_layer, f, 1, name);
    }
    return st;
}

/* ref: VariancePredictor: [conv → ReLU → LN → dropout] × 2 → linear, 0 at
 * padding. x [B, T, H] (zero at padding) -> [B, T]. The layer norms run over
 * the channels of [B, F, T], the same as ming024's LayerNorm on [B, T, F].
 * Each block's output is zeroed at the padding, so the second conv sees
 * zeros there as an unpadded utterance does (ming024 does not). */
static vx_tensor *predictor_forward(vx_ctx *ctx, const fs2_predictor *p,
                                    const vx_fs2_config *cfg, vx_tensor *x, vx_tensor *pad)
{
    int64_t batch = pad->shape[0], t = pad->shape[1];
    vx_tensor *frames = fs2_mask_frames(ctx, pad);
    vx_tensor *y = vx_transpose(ctx, x, 1, 2); /* [B, H, T] */
    const fs2_conv *convs[2] = {&p->conv1d_1, &p->conv1d_2};
    const fs2_norm *norms[2] = {&p->layer_norm_1, &p->layer_norm_2};
    for (int i = 0; i < 2; i++) {
        y = vx_relu(ctx, fs2_conv_forward(ctx, convs[i], y)); /* [B, F, T] */
        y = vx_layer_norm_channels(ctx, y, norms[i]->weight, norms[i]->bias, FS2_LN_EPS);
        y = vx_masked_fill(ctx, vx_dropout(ctx, y, cfg->vp_dropout), frames, 0.0f);
    }
    y = fs2_linear_forward(ctx, &p->linear_layer, vx_transpose(ctx, y, 1, 2)); /* [B, T, 1] */
    return vx_masked_fill(ctx, vx_reshape(ctx, y, 2, (int64_t[]){batch, t}), pad, 0.0f);
}

/* ref: torch.bucketize(v, bins) (right = False): the number of bins < v. */
static int32_t bucket_of(const float *bins, int n, float v)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (bins[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef enum variance_kind { PITCH, ENERGY } variance_kind;

/* Embedding ids i32 [B, T] of the values v [B, T] (targets, or predictions
 * under the controls c), 0 at padding. A non-finite valid value is an error.
 * Energy takes the energy control (ming024 passes its pitch control). */
static vx_tensor *bucket_ids(vx_ctx *ctx, const vx_fs2 *m, variance_kind kind, const vx_tensor *v,
                             const vx_tensor *pad, const vx_fs2_controls *c)
{
    int64_t batch = pad->shape[0], t = pad->shape[1];
    vx_tensor *ids = vx_new(ctx, VX_I32, 2, (int64_t[]){batch, t});
    if (!ids)
        return NULL;
    const vx_tensor *bins = kind == PITCH ? m->pitch_bins : m->energy_bins;
    const uint8_t *pp = pad->data;
    int32_t *pi = ids->data;
    for (int64_t i = 0; i < batch * t; i++) {
        if (pp[i])
            continue;
        float x = vx_get_f(v, i);
        if (c)
            x = kind == PITCH ? vx_fs2_pitch_control(&m->cfg, x, c->pitch_shift, c->pitch_scale)
                              : vx_fs2_energy_control(&m->cfg, x, c->energy_scale);
        if (!isfinite(x))
            return vx_fail_null(VX_ERR_NUMERIC, "fastspeech2: the %s %s of utterance %lld, "
                                "phoneme %lld is %g", c ? "predicted" : "target",
                                kind == PITCH ? "pitch" : "energy", (long long)(i / t),
                                (long long)(i % t), (double)x);
        pi[i] = bucket_of(bins->data, (int)bins->shape[0], x);
    }
    return ids;
}

/* x + table[ids], zeroed again at the padded rows (see fastspeech2.h). */
static vx_tensor *add_embedding(vx_ctx *ctx, vx_tensor *x, vx_tensor *table, vx_tensor *ids,
                                vx_tensor *rows)
{
    if (!ids)
        return NULL;
    return vx_masked_fill(ctx, vx_add(ctx, x, vx_embedding(ctx, table, ids)), rows, 0.0f);
}

/* Training: the target durations, 0 at padding, each utterance's total ≥ 1. */
static vx_status target_durations(const vx_tensor *target, const vx_tensor *pad, int32_t *d,
                                  int32_t *totals)
{
    int64_t batch = pad->shape[0], t = pad->shape[1];
    const uint8_t *pp = pad->data;
    for (int64_t b = 0; b < batch; b++) {
        int64_t total = 0;
        for (int64_t i = 0; i < t; i++) {
            int32_t di = pp[b * t + i] ? 0 : vx_get_i(target, b * t + i);
            if (di < 0)
                return vx_fail(VX_ERR_ARG, "fastspeech2: duration %d of utterance %lld, phoneme "
                               "%lld is negative", (int)di, (long long)b, (long long)i);
            total += di;
            d[b * t + i] = di;
        }
        if (total < 1 || total > INT32_MAX)
            return vx_fail(VX_ERR_ARG, "fastspeech2: the durations of utterance %lld sum to %lld "
                           "frames; give 1 .. %d", (long long)b, (long long)total, INT32_MAX);
        totals[b] = (int32_t)total;
    }
    return VX_OK;
}

/* Inference: frames from the predicted log(d + 1) under the speed control;
 * an utterance left with no frame gets one on its first phoneme. */
static vx_status predicted_durations(const vx_tensor *log_d, const vx_tensor *pad, float speed,
                                     int32_t *d, int32_t *totals)
{
    int64_t batch = pad->shape[0], t = pad->shape[1];
    const uint8_t *pp = pad->data;
    for (int64_t b = 0; b < batch; b++) {
        int64_t total = 0;
        for (int64_t i = 0; i < t; i++) {
            int32_t di = 0;
            if (!pp[b * t + i]) {
                float l = vx_get_f(log_d, b * t + i);
                if (!isfinite(l))
                    return vx_fail(VX_ERR_NUMERIC, "fastspeech2: the predicted log-duration of "
                                   "utterance %lld, phoneme %lld is %g", (long long)b,
                                   (long long)i, (double)l);
                di = vx_fs2_duration_frames(l, speed);
            }
            total += di;
            d[b * t + i] = di;
        }
        if (total == 0) {
            d[b * t] = 1;
            total = 1;
        }
        if (total > INT32_MAX)
            return vx_fail(VX_ERR_ARG, "fastspeech2: utterance %lld would have %lld frames; "
                           "split the text", (long long)b, (long long)total);
        totals[b] = (int32_t)total;
    }
    return VX_OK;
}

/* ref: LengthRegulator: row s of utterance b repeated d[b, s] times, the
 * utterances zero-padded to T_mel. As one gather: x viewed as [B·T + 1, H]
 * (a zero row appended) indexed by the source row of every output frame.
 * x [B, T, H] -> [B, T_mel, H]; the gather's backward sums the copies. */
static vx_tensor *length_regulate(vx_ctx *ctx, vx_tensor *x, const int32_t *d, int64_t t_mel)
{
    int64_t batch = x->shape[0], t = x->shape[1], h = x->shape[2];
    vx_tensor *idx = vx_new(ctx, VX_I32, 1, (int64_t[]){batch * t_mel});
    if (!idx)
        return NULL;
    int32_t *pi = idx->data;
    for (int64_t b = 0; b < batch; b++) {
        int64_t j = 0;
        for (int64_t s = 0; s < t; s++)
            for (int32_t r = 0; r < d[b * t + s]; r++)
                pi[b * t_mel + j++] = (int32_t)(b * t + s);
        for (; j < t_mel; j++)
            pi[b * t_mel + j] = (int32_t)(batch * t); /* the zero row */
    }
    vx_tensor *rows = vx_reshape(ctx, x, 2, (int64_t[]){batch * t, h});
    rows = vx_pad(ctx, rows, 0, 0, 1, VX_PAD_CONSTANT, 0.0f); /* [B·T + 1, H] */
    return vx_reshape(ctx, vx_index_select(ctx, rows, 0, idx), 3, (int64_t[]){batch, t_mel, h});
}

vx_tensor *fs2_variance_adaptor(vx_ctx *ctx, const vx_fs2 *m, vx_tensor *x,
                                const vx_fs2_targets *targets, const vx_fs2_controls *c,
                                vx_fs2_output *out)
{
    vx_tensor *pad = out->src_pad, *rows = fs2_mask_rows(ctx, pad);
    if (!x || !rows)
        return NULL;
    const vx_fs2_config *cfg = &m->cfg;
    out->log_duration = predictor_forward(ctx, &m->duration, cfg, x, pad);
    out->pitch = predictor_forward(ctx, &m->pitch, cfg, x, pad);
    if (!out->log_duration || !out->pitch)
        return NULL;
    x = add_embedding(ctx, x, m->pitch_emb,
                      bucket_ids(ctx, m, PITCH, targets ? targets->pitch : out->pitch, pad,
                                 targets ? NULL : c),
                      rows);
    if (!x)
        return NULL;
    out->energy = predictor_forward(ctx, &m->energy, cfg, x, pad);
    if (!out->energy)
        return NULL;
    x = add_embedding(ctx, x, m->energy_emb,
                      bucket_ids(ctx, m, ENERGY, targets ? targets->energy : out->energy, pad,
                                 targets ? NULL : c),
                      rows);
    int64_t batch = pad->shape[0], t = pad->shape[1];
    out->durations = vx_new(ctx, VX_I32, 2, (int64_t[]){batch, t});
    out->mel_lens = vx_new(ctx, VX_I32, 1, (int64_t[]){batch});
    if (!x || !out->durations || !out->mel_lens)
        return NULL;
    int32_t *d = out->durations->data, *totals = out->mel_lens->data;
    vx_status st = targets ? target_durations(targets->durations, pad, d, totals)
                           : predicted_durations(out->log_duration, pad, c->speed, d, totals);
    if (st != VX_OK)
        return NULL;
    int64_t t_mel = 0;
    for (int64_t b = 0; b < batch; b++)
        t_mel = totals[b] > t_mel ? totals[b] : t_mel;
    if (batch * t_mel > INT32_MAX)
        return vx_fail_null(VX_ERR_ARG, "fastspeech2: %lld utterances of up to %lld frames are "
                            "too many to regulate at once; use smaller batches",
                            (long long)batch, (long long)t_mel);
    out->mel_pad = fs2_pad_mask(ctx, out->mel_lens, t_mel);
    if (!out->mel_pad)
        return NULL;
    return length_regulate(ctx, x, d, t_mel);
}
