/* fastspeech2_loss.c — FastSpeech2's losses over the valid (unpadded)
 * positions, the training recipe and one training step (fastspeech2.h; ref:
 * ming024/FastSpeech2 model/loss.py, model/optimizer.py, train.py,
 * config/LJSpeech/train.yaml). */
#include <math.h>
#include <stdlib.h>

#include "models/fastspeech2_internal.h"

/* Σ over valid elements of |diff| (l1) or diff², divided by `count`; `pad`
 * (u8, broadcast to diff) marks the padding, whose entries are replaced by 0
 * before the sum so that anything there (NaN included) is ignored. */
static vx_tensor *masked_mean(vx_ctx *ctx, vx_tensor *diff, vx_tensor *pad, int64_t count, bool l1)
{
    vx_tensor *d = vx_masked_fill(ctx, diff, pad, 0.0f);
    d = l1 ? vx_abs(ctx, d) : vx_square(ctx, d);
    return vx_scale(ctx, vx_sum(ctx, d, NULL, 0, false), (float)(1.0 / (double)count));
}

static int64_t count_valid(const vx_tensor *pad)
{
    int64_t n = 0, total = vx_numel(pad);
    const uint8_t *p = pad->data;
    for (int64_t i = 0; i < total; i++)
        n += !p[i];
    return n;
}

/* log(d + 1) of the durations the length regulator used, f32 [B, T_src]. */
static vx_tensor *log_duration_target(vx_ctx *ctx, const vx_tensor *durations)
{
    vx_tensor *t = vx_new(ctx, VX_F32, 2, durations->shape);
    if (!t)
        return NULL;
    const int32_t *d = durations->data;
    float *p = t->data;
    for (int64_t i = 0; i < vx_numel(t); i++)
        p[i] = (float)log((double)d[i] + 1.0);
    return t;
}

static double value_of(const vx_tensor *t) { return t ? vx_get_f(t, 0) : NAN; }

vx_tensor *vx_fs2_loss(vx_ctx *ctx, const vx_fs2 *m, const vx_fs2_output *out,
                       const vx_fs2_targets *targets, vx_fs2_losses *values)
{
    if (!ctx || !m || !out || !targets)
        return vx_fail_null(VX_ERR_ARG, "fastspeech2: the loss needs a context, a model, the "
                            "forward output and the targets");
    if (!out->mel || !out->mel_postnet || !out->log_duration || !out->pitch || !out->energy ||
        !out->durations || !out->src_pad || !out->mel_pad)
        return vx_fail_null(VX_ERR_ARG, "fastspeech2: the forward output is incomplete; pass the "
                            "output of a successful vx_fs2_forward");
    vx_tensor *mel = targets->mel;
    int64_t batch = out->mel->shape[0], t_mel = out->mel->shape[1], n_mels = m->cfg.n_mels;
    if (!mel || mel->dtype != VX_F32 || mel->ndim != 3 || mel->shape[0] != batch ||
        mel->shape[1] != t_mel || mel->shape[2] != n_mels) {
        char buf[64];
        return vx_fail_null(VX_ERR_ARG, "fastspeech2: target mel is %s; want f32 [%lld, %lld, "
                            "%lld] (T_mel = the largest duration total)",
                            mel ? vx_shape_str(mel, buf, sizeof buf) : "missing", (long long)batch,
                            (long long)t_mel, (long long)n_mels);
    }
    vx_tensor *mel_rows = fs2_mask_rows(ctx, out->mel_pad);
    int64_t n_frames = count_valid(out->mel_pad), n_phonemes = count_valid(out->src_pad);
    vx_tensor *mel_loss = masked_mean(ctx, vx_sub(ctx, out->mel, mel), mel_rows,
                                      n_frames * n_mels, true);
    vx_tensor *post_loss = m->cfg.postnet_layers
                               ? masked_mean(ctx, vx_sub(ctx, out->mel_postnet, mel), mel_rows,
                                             n_frames * n_mels, true)
                               : NULL;
    vx_tensor *dur_loss = masked_mean(
        ctx, vx_sub(ctx, out->log_duration, log_duration_target(ctx, out->durations)),
        out->src_pad, n_phonemes, false);
    vx_tensor *pitch_loss = masked_mean(ctx, vx_sub(ctx, out->pitch, targets->pitch), out->src_pad,
                                        n_phonemes, false);
    vx_tensor *energy_loss = masked_mean(ctx, vx_sub(ctx, out->energy, targets->energy),
                                         out->src_pad, n_phonemes, false);
    /* ming024's order: mel + postnet + duration + pitch + energy */
    vx_tensor *total = post_loss ? vx_add(ctx, mel_loss, post_loss) : mel_loss;
    total = vx_add(ctx, vx_add(ctx, vx_add(ctx, total, dur_loss), pitch_loss), energy_loss);
    if (!total)
        return NULL;
    if (values)
        *values = (vx_fs2_losses){.total = value_of(total), .mel = value_of(mel_loss),
                                  .postnet_mel = post_loss ? value_of(post_loss) : 0,
                                  .duration = value_of(dur_loss), .pitch = value_of(pitch_loss),
                                  .energy = value_of(energy_loss)};
    return total;
}

vx_fs2_train_config vx_fs2_train_config_default(const vx_fs2_config *cfg)
{
    const int64_t warmup = 4000;
    int hidden = cfg && cfg->hidden > 0 ? cfg->hidden : 256;
    return (vx_fs2_train_config){
        .optim = {.kind = VX_OPTIM_ADAM, .lr = 1.0 / sqrt((double)hidden * (double)warmup),
                  .beta1 = 0.9, .beta2 = 0.98, .eps = 1e-9, .weight_decay = 0},
        .schedule = {.kind = VX_SCHED_NOAM, .warmup = warmup},
        .grad_clip = 1.0,
    };
}

vx_optim *vx_fs2_optim_new(vx_ctx *ctx, vx_fs2 *m, const vx_fs2_train_config *cfg)
{
    if (!ctx || !m || !cfg)
        return vx_fail_null(VX_ERR_ARG, "fastspeech2: the optimiser needs a context, a model and "
                            "a training config");
    vx_optim *o = vx_optim_new(ctx, &cfg->optim);
    if (!o || vx_optim_add_params(o, m->params.items, m->params.n) < 0 ||
        vx_optim_set_schedule(o, &cfg->schedule) != VX_OK)
        return NULL;
    for (int i = 0; i < m->params.n; i++)
        if (!vx_grad_buf(ctx, m->params.items[i]))
            return NULL;
    return o;
}

vx_status vx_fs2_train_step(vx_ctx *ctx, vx_fs2 *m, vx_optim *optim, double grad_clip,
                            const vx_fs2_input *in, const vx_fs2_targets *targets,
                            vx_fs2_losses *losses)
{
    if (!optim || !targets || !losses)
        return vx_fail(VX_ERR_ARG, "fastspeech2: a training step needs an optimiser, targets and "
                       "somewhere to put the losses");
    vx_optim_zero_grad(optim);
    vx_fs2_output out;
    vx_status st = vx_fs2_forward(ctx, m, in, targets, NULL, &out);
    if (st != VX_OK)
        return st;
    vx_tensor *loss = vx_fs2_loss(ctx, m, &out, targets, losses);
    if (!loss)
        return vx_last_status();
    if (!isfinite(losses->total))
        return vx_fail(VX_ERR_NUMERIC, "fastspeech2: the loss is %g; the update was skipped",
                       losses->total);
    st = vx_backward(ctx, loss);
    if (st != VX_OK)
        return st;
    losses->grad_norm = vx_optim_clip_grad_norm(optim, grad_clip);
    if (!isfinite(losses->grad_norm))
        return vx_fail(VX_ERR_NUMERIC, "fastspeech2: the gradient norm is %g; the update was "
                       "skipped", losses->grad_norm);
    return vx_optim_step(optim);
}
