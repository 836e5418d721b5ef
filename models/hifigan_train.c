/* hifigan_train.c — one HiFi-GAN training step: discriminator update, then
 * generator update (hifigan.h; ref: jik876/hifi-gan train.py).
 *
 * The discriminator update runs in a private scratch context. The caller's
 * tape holds the generator graph (ŷ = G(mel) and the mel of ŷ), which the
 * generator update needs after the discriminator update; were the
 * discriminator graph recorded on the same tape, the generator's backward
 * would walk it again. The scratch context records the discriminator graph
 * alone, is reset after its update, and shares the parameters (persistent,
 * their gradient buffers made in the caller's context up front). */
#include "models/hifigan.h"

#include <math.h>
#include <stdlib.h>

#include "models/hifigan_layers.h"

struct vx_hifigan_gan {
    vx_hifigan *gen;
    vx_hifigan_disc *mpd, *msd;
    vx_hifigan_melspec *mel;
    vx_optim *optim_g, *optim_d;
    vx_ctx *scratch;
    vx_hifigan_train_config cfg;
};

vx_hifigan_train_config vx_hifigan_train_config_default(void)
{
    vx_hifigan_train_config c = {
        .loss_mel = vx_logmel_cfg_hifigan(),
        .mel_weight = 45.0f,
        .fm_weight = 2.0f,
        .optim = {.kind = VX_OPTIM_ADAMW, .lr = 2e-4, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-8,
                  .weight_decay = 0.01},
        .lr_decay = 0.999,
        .steps_per_epoch = 1,
    };
    c.loss_mel.mel.fmax = 0; /* the loss mel spans 0 .. sample_rate / 2 */
    return c;
}

/* An optimiser over the given parameter lists with the recipe's decay. */
static vx_optim *make_optim(vx_ctx *ctx, const vx_hifigan_train_config *cfg, vx_tensor *const *a,
                            int na, vx_tensor *const *b, int nb)
{
    vx_optim *o = vx_optim_new(ctx, &cfg->optim);
    vx_tensor **all = o ? malloc((size_t)(na + nb) * sizeof *all) : NULL;
    if (o && !all)
        return vx_fail_null(VX_ERR_OOM, "hifigan: out of memory");
    if (!o)
        return NULL;
    for (int i = 0; i < na; i++)
        all[i] = a[i];
    for (int i = 0; i < nb; i++)
        all[na + i] = b[i];
    /* gradient buffers live in the caller's context (the scratch context is reset) */
    bool ok = vx_optim_add_params(o, all, na + nb) == 0;
    for (int i = 0; ok && i < na + nb; i++)
        ok = vx_grad_buf(ctx, all[i]) != NULL;
    free(all);
    vx_schedule decay = {.kind = VX_SCHED_EXPONENTIAL, .gamma = cfg->lr_decay,
                         .period = cfg->steps_per_epoch};
    if (!ok || vx_optim_set_schedule(o, &decay) != VX_OK)
        return NULL;
    return o;
}

vx_hifigan_gan *vx_hifigan_gan_new(vx_ctx *ctx, vx_hifigan *gen, vx_hifigan_disc *mpd,
                                   vx_hifigan_disc *msd, const vx_hifigan_train_config *cfg)
{
    if (!ctx || !gen || !mpd || !msd || !cfg)
        return vx_fail_null(VX_ERR_ARG, "hifigan: the GAN needs a context, a generator, both "
                            "discriminators and a config");
    vx_hifigan_gan *gan = calloc(1, sizeof *gan);
    if (!gan)
        return vx_fail_null(VX_ERR_OOM, "hifigan: out of memory for the GAN");
    gan->gen = gen;
    gan->mpd = mpd;
    gan->msd = msd;
    gan->cfg = *cfg;
    vx_tensor *const *pg, *const *pm, *const *ps;
    int ng = vx_hifigan_params(gen, &pg), nm = vx_hifigan_disc_params(mpd, &pm);
    int ns = vx_hifigan_disc_params(msd, &ps);
    gan->mel = vx_hifigan_melspec_new(ctx, &cfg->loss_mel);
    if (gan->mel)
        gan->optim_g = make_optim(ctx, cfg, pg, ng, NULL, 0);
    if (gan->optim_g)
        gan->optim_d = make_optim(ctx, cfg, pm, nm, ps, ns);
    if (gan->optim_d)
        gan->scratch = vx_ctx_new((vx_ctx_opts){0});
    if (!gan->scratch) {
        vx_hifigan_gan_free(gan);
        return NULL;
    }
    return gan;
}

void vx_hifigan_gan_free(vx_hifigan_gan *gan)
{
    if (!gan)
        return;
    vx_hifigan_melspec_free(gan->mel);
    vx_ctx_free(gan->scratch);
    free(gan);
}

vx_optim *vx_hifigan_gan_optim_g(vx_hifigan_gan *gan) { return gan->optim_g; }
vx_optim *vx_hifigan_gan_optim_d(vx_hifigan_gan *gan) { return gan->optim_d; }

static double value_of(const vx_tensor *t) { return t ? vx_get_f(t, 0) : NAN; }

static vx_status check_loss(const vx_tensor *loss, const char *what)
{
    if (!loss)
        return vx_last_status();
    double v = vx_get_f(loss, 0);
    if (!isfinite(v))
        return vx_fail(VX_ERR_NUMERIC, "hifigan: the %s is %g; the update was skipped", what, v);
    return VX_OK;
}

/* The four discriminator forwards of one update, each discriminator's
 * weight-normed weights made once for them (hg_disc_weight_pass): one node
 * per weight, through which the gradients of all four calls sum. */
static vx_status disc_forwards(vx_ctx *ctx, vx_hifigan_gan *gan, vx_tensor *y, vx_tensor *y_hat,
                               vx_disc_result *rf, vx_disc_result *ff, vx_disc_result *rs,
                               vx_disc_result *fs)
{
    vx_status st = hg_disc_weight_pass(ctx, gan->mpd);
    if (st == VX_OK)
        st = hg_disc_weight_pass(ctx, gan->msd);
    if (st == VX_OK)
        st = vx_hifigan_disc_forward(ctx, gan->mpd, y, rf);
    if (st == VX_OK)
        st = vx_hifigan_disc_forward(ctx, gan->mpd, y_hat, ff);
    if (st == VX_OK)
        st = vx_hifigan_disc_forward(ctx, gan->msd, y, rs);
    if (st == VX_OK)
        st = vx_hifigan_disc_forward(ctx, gan->msd, y_hat, fs);
    return st;
}

/* Ends what disc_forwards began: before the weights change or ctx is reset. */
static void disc_forwards_end(vx_hifigan_gan *gan)
{
    hg_disc_weight_pass_end(gan->mpd);
    hg_disc_weight_pass_end(gan->msd);
}

/* Discriminator update on (y, ŷ) with ŷ detached, in the scratch context. */
static vx_status disc_update(vx_hifigan_gan *gan, vx_tensor *y, vx_tensor *y_hat, vx_hifigan_losses *l)
{
    vx_ctx *sc = gan->scratch;
    vx_optim_zero_grad(gan->optim_d);
    vx_tensor *fake = vx_wrap(sc, VX_F32, 3, y_hat->shape, y_hat->data); /* detached view of ŷ */
    vx_disc_result rf, ff, rs, fs;
    vx_status st = fake ? disc_forwards(sc, gan, y, fake, &rf, &ff, &rs, &fs) : vx_last_status();
    vx_tensor *loss = NULL;
    if (st == VX_OK) {
        vx_tensor *loss_f = vx_hifigan_disc_loss(sc, &rf, &ff), *loss_s = vx_hifigan_disc_loss(sc, &rs, &fs);
        loss = vx_add(sc, loss_s, loss_f);
        l->disc_f = value_of(loss_f);
        l->disc_s = value_of(loss_s);
        l->disc_all = value_of(loss);
        st = check_loss(loss, "discriminator loss");
    }
    if (st == VX_OK)
        st = vx_backward(sc, loss);
    disc_forwards_end(gan);
    if (st == VX_OK) {
        l->grad_norm_d = vx_optim_clip_grad_norm(gan->optim_d, 0);
        st = vx_optim_step(gan->optim_d);
    }
    return st;
}

/* Generator losses; the caller freezes the discriminators until after
 * backward, so their parameters take no gradient and the real branch
 * records nothing. */
static vx_tensor *gen_loss(vx_ctx *ctx, vx_hifigan_gan *gan, vx_tensor *y, vx_tensor *y_hat,
                           vx_tensor *y_hat_mel, vx_hifigan_losses *l)
{
    vx_tensor *y_mel = vx_hifigan_melspec_forward(ctx, gan->mel, y);
    vx_tensor *loss_mel = vx_l1_loss(ctx, y_hat_mel, y_mel);
    vx_disc_result rf, ff, rs, fs;
    if (disc_forwards(ctx, gan, y, y_hat, &rf, &ff, &rs, &fs) != VX_OK)
        return NULL;
    vx_tensor *fm_f = vx_hifigan_feature_loss(ctx, &rf, &ff);
    vx_tensor *fm_s = vx_hifigan_feature_loss(ctx, &rs, &fs);
    vx_tensor *gen_f = vx_hifigan_gen_loss(ctx, &ff), *gen_s = vx_hifigan_gen_loss(ctx, &fs);
    l->mel = value_of(loss_mel);
    l->fm_f = value_of(fm_f);
    l->fm_s = value_of(fm_s);
    l->gen_f = value_of(gen_f);
    l->gen_s = value_of(gen_s);
    /* the reference's order: gen_s + gen_f + fm_s + fm_f + mel */
    vx_tensor *total = vx_add(ctx, gen_s, gen_f);
    total = vx_add(ctx, total, vx_scale(ctx, fm_s, gan->cfg.fm_weight));
    total = vx_add(ctx, total, vx_scale(ctx, fm_f, gan->cfg.fm_weight));
    total = vx_add(ctx, total, vx_scale(ctx, loss_mel, gan->cfg.mel_weight));
    l->gen_all = value_of(total);
    return total;
}

vx_status vx_hifigan_gan_step(vx_ctx *ctx, vx_hifigan_gan *gan, vx_tensor *mel, vx_tensor *y,
                              vx_hifigan_losses *losses)
{
    if (!ctx || !gan || !mel || !y || !losses)
        return vx_fail(VX_ERR_ARG, "hifigan: the GAN step needs a context, a GAN, mel, audio and a "
                       "losses record");
    vx_hifigan_losses l = {.disc_all = NAN, .gen_all = NAN};
    bool was_training = vx_set_training(ctx, true);
    vx_set_training(gan->scratch, true);
    vx_set_reference(gan->scratch, vx_reference(ctx));
    vx_set_grad_enabled(gan->scratch, true);
    vx_tensor *y_hat = vx_hifigan_forward(ctx, gan->gen, mel);               /* [B, 1, T·hop] */
    vx_status st = y_hat ? VX_OK : vx_last_status();
    if (st == VX_OK && !vx_same_shape(y_hat, y)) {
        char a[64], b[64];
        st = vx_fail(VX_ERR_ARG, "hifigan: the generator made %s from the mel but the audio is %s; "
                     "use segments of frames x hop samples", vx_shape_str(y_hat, a, sizeof a),
                     vx_shape_str(y, b, sizeof b));
    }
    vx_tensor *y_hat_mel = st == VX_OK ? vx_hifigan_melspec_forward(ctx, gan->mel, y_hat) : NULL;
    if (st == VX_OK && !y_hat_mel)
        st = vx_last_status();
    if (st == VX_OK)
        st = disc_update(gan, y, y_hat, &l);
    vx_ctx_reset(gan->scratch);
    if (st == VX_OK) {
        vx_optim_zero_grad(gan->optim_g);
        vx_optim_set_frozen(gan->optim_d, 0, true);
        vx_tensor *total = gen_loss(ctx, gan, y, y_hat, y_hat_mel, &l);
        st = check_loss(total, "generator loss");
        if (st == VX_OK)
            st = vx_backward(ctx, total);
        disc_forwards_end(gan);
        vx_optim_set_frozen(gan->optim_d, 0, false); /* after backward: D takes no G-loss grads */
        if (st == VX_OK) {
            l.grad_norm_g = vx_optim_clip_grad_norm(gan->optim_g, 0);
            st = vx_optim_step(gan->optim_g);
        }
    }
    vx_set_training(ctx, was_training);
    *losses = l;
    return st;
}
