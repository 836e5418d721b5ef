/* hifigan.h — HiFi-GAN: the generator (V1/V2/V3), the multi-period and
 * multi-scale discriminators, the GAN losses, a differentiable log-mel for
 * the mel loss, and one GAN training step (ref: Kong, Kim & Bae 2020,
 * "HiFi-GAN"; layer layout and parameter names follow the authors'
 * PyTorch state dicts, jik876/hifi-gan models.py, so weights move across
 * unchanged).
 *
 * Parameters and buffers live in the context's persistent memory under their
 * PyTorch names: the generator's as in its state dict ("conv_pre.weight_g",
 * "ups.0.weight_v", "resblocks.3.convs1.2.bias", ...), the discriminators'
 * with "mpd." / "msd." in front ("mpd.discriminators.0.convs.0.weight_g",
 * "msd.discriminators.0.convs.0.weight_orig"). The model structures
 * themselves are malloc'd: free them (before the context) with their _free.
 *
 * Initialisation (from scratch) matches what the reference code ends up
 * with: every conv weight (weight norm's v, spectral norm's weight_orig) and
 * bias is PyTorch's default U(±1/sqrt(fan_in)) — the reference's
 * init_weights(normal 0.01) writes into the derived weight of weight-normed
 * modules, which the next forward recomputes, so it has no effect; g = ‖v‖;
 * spectral norm's u, v are normalised N(0, 1) draws. All draws use the
 * context RNG. */
#ifndef VX_MODELS_HIFIGAN_H
#define VX_MODELS_HIFIGAN_H

#include <stdbool.h>

#include "audio/mel.h"
#include "core/vx.h"
#include "train/optim.h"

#define VX_HIFIGAN_MAX_UP 6
#define VX_HIFIGAN_MAX_KERNELS 4
#define VX_HIFIGAN_MAX_PERIODS 8
#define VX_HIFIGAN_MAX_SUBS 8    /* sub-discriminators of one discriminator */
#define VX_HIFIGAN_MAX_FMAPS 8   /* feature maps of one sub-discriminator   */

/* --- generator ------------------------------------------------------------------ */

typedef struct vx_hifigan_config {
    int n_mels;            /* input channels (80)                                   */
    int resblock;          /* 1: ResBlock1 (3 dilated + 3 plain convs), 2: ResBlock2 */
    int initial_channels;  /* upsample_initial_channel; halves at each upsampling   */
    int n_up;
    int up_rates[VX_HIFIGAN_MAX_UP];
    int up_kernels[VX_HIFIGAN_MAX_UP];
    int n_kernels;         /* resblocks per upsampling stage                        */
    int rb_kernels[VX_HIFIGAN_MAX_KERNELS];
    int rb_dilations[VX_HIFIGAN_MAX_KERNELS][3]; /* ResBlock2 uses the first two    */
} vx_hifigan_config;

/* The published configs "v1", "v2", "v3" (MODELS.md) into *out. */
vx_status vx_hifigan_config_named(const char *name, vx_hifigan_config *out);

/* VX_OK, or VX_ERR_ARG naming the bad field (channels that do not halve
 * evenly, a kernel/rate pair with odd k − u, ...). */
vx_status vx_hifigan_config_check(const vx_hifigan_config *cfg);

/* Samples per mel frame: the product of the upsampling rates. */
int vx_hifigan_hop(const vx_hifigan_config *cfg);

typedef struct vx_hifigan vx_hifigan;

/* A generator with weight norm, initialised from the context RNG. */
vx_hifigan *vx_hifigan_new(vx_ctx *ctx, const vx_hifigan_config *cfg);
void vx_hifigan_free(vx_hifigan *g);

/* mel [B, n_mels, T] -> audio [B, 1, T · hop] in (−1, 1):
 *   x = conv_pre(mel)
 *   per stage i: x = ups_i(lrelu(x, 0.1)); x = mean_j resblock_ij(x)
 *   y = tanh(conv_post(lrelu(x, 0.01)))    (0.01: the reference's F.leaky_relu default) */
vx_tensor *vx_hifigan_forward(vx_ctx *ctx, vx_hifigan *g, vx_tensor *mel);

/* Fold every weight norm into a plain weight w = g · v / ‖v‖ (inference).
 * The parameter list then holds "<layer>.weight" instead of g and v. */
vx_status vx_hifigan_remove_weight_norm(vx_ctx *ctx, vx_hifigan *g);

/* The parameters, in a fixed order; *params stays valid until the next
 * remove_weight_norm or free. */
int vx_hifigan_params(const vx_hifigan *g, vx_tensor *const **params);
const vx_hifigan_config *vx_hifigan_get_config(const vx_hifigan *g);

/* --- discriminators ---------------------------------------------------------------- */

typedef struct vx_hifigan_disc_config {
    int n_periods;                      /* MPD: 5                                  */
    int periods[VX_HIFIGAN_MAX_PERIODS];/* 2, 3, 5, 7, 11                          */
    int mpd_channels[5];                /* 32, 128, 512, 1024, 1024                */
    int mpd_kernel, mpd_stride;         /* 5, 3                                    */
    int msd_channels[7];                /* 128, 128, 256, 512, 1024, 1024, 1024    */
    int msd_groups[7];                  /* 1, 4, 16, 16, 16, 16, 1                 */
} vx_hifigan_disc_config;

/* The reference discriminators. */
vx_hifigan_disc_config vx_hifigan_disc_config_default(void);

/* Outputs of one discriminator on one batch: per sub-discriminator the
 * logits and the feature maps (after every conv, conv_post included).
 * MPD tensors are in the folded layout [B·p, C, T/p] (see hifigan_disc.c);
 * MSD tensors are [B, C, T']. The losses only take means, which do not
 * depend on the layout. */
typedef struct vx_disc_result {
    int n;
    vx_tensor *logits[VX_HIFIGAN_MAX_SUBS];
    int n_fmaps[VX_HIFIGAN_MAX_SUBS];
    vx_tensor *fmaps[VX_HIFIGAN_MAX_SUBS][VX_HIFIGAN_MAX_FMAPS];
} vx_disc_result;

typedef struct vx_hifigan_disc vx_hifigan_disc;

/* Multi-period discriminator (weight norm) and multi-scale discriminator
 * (spectral norm on the raw-scale sub-discriminator, weight norm on the two
 * pooled ones), initialised from the context RNG. */
vx_hifigan_disc *vx_hifigan_mpd_new(vx_ctx *ctx, const vx_hifigan_disc_config *cfg);
vx_hifigan_disc *vx_hifigan_msd_new(vx_ctx *ctx, const vx_hifigan_disc_config *cfg);
void vx_hifigan_disc_free(vx_hifigan_disc *d);

/* y [B, 1, T] -> every sub-discriminator's logits and feature maps. In
 * training mode each call does one power iteration of every spectral norm
 * (updating its u, v buffers), as torch.nn.utils.spectral_norm does per
 * forward; in eval mode the stored u, v are used as they are. */
vx_status vx_hifigan_disc_forward(vx_ctx *ctx, vx_hifigan_disc *d, vx_tensor *y, vx_disc_result *out);

int vx_hifigan_disc_params(const vx_hifigan_disc *d, vx_tensor *const **params);
/* Non-trainable state saved in checkpoints: the spectral norms' u and v
 * ("...weight_u", "...weight_v" under the spectral-norm layer). */
int vx_hifigan_disc_buffers(const vx_hifigan_disc *d, vx_tensor *const **buffers);

/* --- losses (ref: jik876/hifi-gan models.py) -------------------------------------- */

/* LSGAN discriminator loss Σ_k mean((1 − D_k(y))²) + mean(D_k(ŷ)²). */
vx_tensor *vx_hifigan_disc_loss(vx_ctx *ctx, const vx_disc_result *real, const vx_disc_result *fake);
/* LSGAN generator loss Σ_k mean((1 − D_k(ŷ))²). */
vx_tensor *vx_hifigan_gen_loss(vx_ctx *ctx, const vx_disc_result *fake);
/* Feature matching Σ_k Σ_l mean|f_kl(y) − f_kl(ŷ)| (the recipe scales it by 2). */
vx_tensor *vx_hifigan_feature_loss(vx_ctx *ctx, const vx_disc_result *real, const vx_disc_result *fake);

/* --- differentiable log-mel -------------------------------------------------------- */

typedef struct vx_hifigan_melspec vx_hifigan_melspec;

/* Constants (DFT basis × window, mel filterbank) for `cfg` in ctx's
 * persistent memory. HiFi-GAN's loss mel is vx_logmel_cfg_hifigan() with
 * mel.fmax = 0 (sample_rate / 2). */
vx_hifigan_melspec *vx_hifigan_melspec_new(vx_ctx *ctx, const vx_logmel_cfg *cfg);
void vx_hifigan_melspec_free(vx_hifigan_melspec *m);

/* y [B, 1, T] or [B, T] -> log-mel [B, n_mels, frames], differentiable in y:
 * reflect pad, frames × (window · cos | window · sin) as one strided conv1d,
 * magnitude sqrt(re² + im² + eps), filterbank matmul, log(max(·, floor)). */
vx_tensor *vx_hifigan_melspec_forward(vx_ctx *ctx, const vx_hifigan_melspec *m, vx_tensor *y);

/* --- GAN training ------------------------------------------------------------------ */

typedef struct vx_hifigan_train_config {
    vx_logmel_cfg loss_mel;   /* mel of the L1 loss                                  */
    float mel_weight;         /* 45                                                  */
    float fm_weight;          /* 2                                                   */
    vx_optim_cfg optim;       /* AdamW lr 2e-4, β (0.8, 0.99), eps 1e-8, wd 0.01     */
    double lr_decay;          /* exponential decay per epoch: 0.999                  */
    int64_t steps_per_epoch;  /* ≥ 1: updates between two decays                     */
} vx_hifigan_train_config;

/* The recipe above (steps_per_epoch 1: set it from the data set). */
vx_hifigan_train_config vx_hifigan_train_config_default(void);

typedef struct vx_hifigan_gan vx_hifigan_gan;

/* Tie a generator and both discriminators (all made in ctx) to two
 * optimisers and the loss mel. The GAN does not own the models. */
vx_hifigan_gan *vx_hifigan_gan_new(vx_ctx *ctx, vx_hifigan *gen, vx_hifigan_disc *mpd,
                                   vx_hifigan_disc *msd, const vx_hifigan_train_config *cfg);
void vx_hifigan_gan_free(vx_hifigan_gan *gan);

vx_optim *vx_hifigan_gan_optim_g(vx_hifigan_gan *gan);
vx_optim *vx_hifigan_gan_optim_d(vx_hifigan_gan *gan);

typedef struct vx_hifigan_losses {
    double disc_all;          /* disc_f + disc_s                                     */
    double disc_f, disc_s;    /* LSGAN discriminator losses of MPD and MSD           */
    double gen_all;           /* gen_f + gen_s + fm·(fm_f + fm_s) + mel_weight·mel   */
    double gen_f, gen_s;      /* LSGAN generator losses                              */
    double fm_f, fm_s;        /* feature matching (unweighted)                       */
    double mel;               /* mel L1 (unweighted)                                 */
    double grad_norm_g, grad_norm_d; /* global gradient norms before the updates     */
} vx_hifigan_losses;

/* One step of the reference loop (jik876/hifi-gan train.py): ŷ = G(mel);
 * discriminator update on (y, ŷ detached); generator update on the LSGAN,
 * feature-matching and mel losses with the updated discriminators.
 * mel [B, n_mels, T], y [B, 1, T · hop]. Leaves every parameter's gradient
 * of its own loss in p->grad (G: gen_all, D: disc_all); the activations
 * stay in the arena until the caller's vx_ctx_reset. A NaN/Inf loss or gradient fails with VX_ERR_NUMERIC before the update it
 * would poison. */
vx_status vx_hifigan_gan_step(vx_ctx *ctx, vx_hifigan_gan *gan, vx_tensor *mel, vx_tensor *y,
                              vx_hifigan_losses *losses);

#endif
