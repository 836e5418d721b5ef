/* hifigan_piper.c — a HiFi-GAN generator from a Piper decoder
 * (hifigan_piper.h). */
#include "train/hifigan_piper.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

vx_status vx_hifigan_config_from_piper(const vx_vits_config *vc, int n_mels, vx_hifigan_config *out)
{
    if (!vc || !out || n_mels < 1)
        return vx_fail(VX_ERR_ARG, "piper decoder: needs a voice config, n_mels >= 1 and an output");
    if (vc->n_upsamples < 1 || vc->n_upsamples > VX_HIFIGAN_MAX_UP ||
        vc->n_resblock_kernels < 1 || vc->n_resblock_kernels > VX_HIFIGAN_MAX_KERNELS ||
        (vc->resblock_type != 1 && vc->resblock_type != 2) ||
        vc->n_resblock_dilations != (vc->resblock_type == 1 ? 3 : 2))
        return vx_fail(VX_ERR_UNSUPPORTED, "piper decoder: %d upsampling stages, %d resblock kernels "
                       "of type %d with %d dilations is not a HiFi-GAN generator shape",
                       vc->n_upsamples, vc->n_resblock_kernels, vc->resblock_type,
                       vc->n_resblock_dilations);
    if (fabsf(vc->lrelu_slope - 0.1f) > 1e-6f || fabsf(vc->final_lrelu_slope - 0.01f) > 1e-6f)
        return vx_fail(VX_ERR_UNSUPPORTED, "piper decoder: leaky-ReLU slopes %g and %g; HiFi-GAN uses "
                       "0.1 and 0.01", (double)vc->lrelu_slope, (double)vc->final_lrelu_slope);
    vx_hifigan_config c = {.n_mels = n_mels, .resblock = vc->resblock_type,
                           .initial_channels = vc->upsample_initial_channel, .n_up = vc->n_upsamples,
                           .n_kernels = vc->n_resblock_kernels};
    for (int i = 0; i < c.n_up; i++) {
        c.up_rates[i] = vc->upsample_rates[i];
        c.up_kernels[i] = vc->upsample_kernels[i];
        if (vc->upsample_padding[i] * 2 != c.up_kernels[i] - c.up_rates[i])
            return vx_fail(VX_ERR_UNSUPPORTED, "piper decoder: upsampling %d pads %d; HiFi-GAN pads "
                           "(kernel - rate) / 2 = %d", i, vc->upsample_padding[i],
                           (c.up_kernels[i] - c.up_rates[i]) / 2);
    }
    for (int k = 0; k < c.n_kernels; k++) {
        c.rb_kernels[k] = vc->resblock_kernels[k];
        for (int d = 0; d < vc->n_resblock_dilations; d++)
            c.rb_dilations[k][d] = vc->resblock_dilations[k][d];
    }
    if (vx_hifigan_config_check(&c) != VX_OK)
        return vx_fail(VX_ERR_UNSUPPORTED, "piper decoder: %s", vx_last_error());
    *out = c;
    return VX_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool same_shape(const vx_piper_weight *w, const vx_tensor *t)
{
    if (w->ndim != t->ndim)
        return false;
    for (int i = 0; i < t->ndim; i++)
        if (w->shape[i] != t->shape[i])
            return false;
    return true;
}

/* The voice tensor for generator parameter p ("dec.<layer>.weight" for both
 * weight-norm halves, "dec.<name>" otherwise); NULL when p keeps its value
 * (conv_pre) or becomes zero (conv_post.bias, absent in VITS). Fails when the
 * voice lacks it or its shape differs. */
static vx_status source_of(const vx_piper_voice *voice, const vx_tensor *p, const vx_tensor *v_param,
                           const vx_piper_weight **src)
{
    *src = NULL;
    if (strncmp(p->name, "conv_pre.", 9) == 0)
        return VX_OK;
    char name[VX_PIPER_NAME_MAX];
    const vx_tensor *shape_of = p;
    if (ends_with(p->name, ".weight_g") || ends_with(p->name, ".weight_v")) {
        snprintf(name, sizeof name, "dec.%.*s.weight", (int)(strlen(p->name) - 9), p->name);
        shape_of = v_param;
    } else if (ends_with(p->name, ".bias")) {
        snprintf(name, sizeof name, "dec.%s", p->name);
    } else {
        return vx_fail(VX_ERR_ARG, "piper decoder: generator parameter %s is not weight-normed; "
                       "initialise before removing weight norm", p->name);
    }
    *src = vx_piper_find(voice, name);
    if (!*src && strcmp(p->name, "conv_post.bias") == 0)
        return VX_OK;
    if (!*src)
        return vx_fail(VX_ERR_FORMAT, "piper decoder: the voice has no %s for %s", name, p->name);
    if (!shape_of || !same_shape(*src, shape_of)) {
        char buf[64];
        return vx_fail(VX_ERR_FORMAT, "piper decoder: %s has %d dims [%lld, ...] but %s is %s", name,
                       (*src)->ndim, (long long)(*src)->shape[0], p->name,
                       shape_of ? vx_shape_str(shape_of, buf, sizeof buf) : "missing its weight_v");
    }
    return VX_OK;
}

/* The "<layer>.weight_v" parameter next to a "<layer>.weight_g". */
static vx_tensor *sibling_v(vx_tensor *const *params, int n, const vx_tensor *p)
{
    if (!ends_with(p->name, ".weight_g") && !ends_with(p->name, ".weight_v"))
        return NULL;
    char want[sizeof p->name];
    snprintf(want, sizeof want, "%.*s_v", (int)(strlen(p->name) - 2), p->name);
    for (int i = 0; i < n; i++)
        if (strcmp(params[i]->name, want) == 0)
            return params[i];
    return NULL;
}

/* Set p (contiguous f32) from the voice weight w. */
static void copy_param(vx_tensor *p, const vx_piper_weight *w)
{
    float *dst = p->data;
    if (!w) { /* conv_post.bias */
        memset(dst, 0, sizeof(float) * (size_t)vx_numel(p));
        return;
    }
    int64_t rows = w->shape[0], row = 1;
    for (int i = 1; i < w->ndim; i++)
        row *= w->shape[i];
    bool is_g = ends_with(p->name, ".weight_g"), is_v = ends_with(p->name, ".weight_v");
    for (int64_t o = 0; o < rows; o++) {
        const float *src = w->data + o * row;
        double ss = 0;
        for (int64_t i = 0; i < row; i++)
            ss += (double)src[i] * src[i];
        if (is_g) {
            dst[o] = (float)sqrt(ss); /* ref: g = ‖w‖ so that g · v / ‖v‖ = w */
        } else if (is_v) {
            for (int64_t i = 0; i < row; i++)
                dst[o * row + i] = ss > 0 ? src[i] : 1.0f;
        } else {
            dst[o] = src[0]; /* a bias: one value per row */
        }
    }
}

vx_status vx_hifigan_init_from_piper(vx_hifigan *g, const vx_piper_voice *voice, int *n_copied)
{
    if (!g || !voice)
        return vx_fail(VX_ERR_ARG, "piper decoder: needs a generator and a voice");
    vx_tensor *const *params;
    int n = vx_hifigan_params(g, &params);
    const vx_piper_weight *src;
    for (int i = 0; i < n; i++) { /* check everything before changing anything */
        vx_status st = source_of(voice, params[i], sibling_v(params, n, params[i]), &src);
        if (st != VX_OK)
            return st;
    }
    int copied = 0;
    for (int i = 0; i < n; i++) {
        if (strncmp(params[i]->name, "conv_pre.", 9) == 0)
            continue;
        source_of(voice, params[i], sibling_v(params, n, params[i]), &src);
        copy_param(params[i], src);
        copied++;
    }
    if (n_copied)
        *n_copied = copied;
    return VX_OK;
}
