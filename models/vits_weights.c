/* vits_weights.c — VITS weight lookup by PyTorch name from an imported Piper
 * voice, a voxc safetensors file or (the decoder's weights only) a HiFi-GAN
 * generator, with shape checks; weights copied for the op API or packed once
 * for the fused GEMM kernels; the small shared layers (convolution and
 * channel LayerNorm wrappers) and scratch contexts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hifigan.h"
#include "models/vits_internal.h"

static const char *shape_text(char *buf, size_t size, int ndim, const int64_t *shape)
{
    size_t n = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, i ? ", %lld" : "%lld", (long long)shape[i]);
    if (n < size)
        snprintf(buf + n, size - n, "]");
    return buf;
}

/* A weight found by name with its shape checked. */
typedef struct found_weight {
    const float *f32;          /* Piper voice, generator: aligned floats     */
    const vx_st_entry *entry;  /* safetensors: raw bytes, maybe unaligned    */
    float *folded;             /* malloc'd storage f32 points into, or NULL  */
    int ndim;
    int64_t shape[VX_MAX_DIMS];
} found_weight;

/* The generator's parameter called `name`, or NULL. */
static vx_tensor *generator_param(const vx_hifigan *g, const char *name)
{
    vx_tensor *const *params;
    int n = vx_hifigan_params(g, &params);
    for (int i = 0; i < n; i++)
        if (strcmp(params[i]->name, name) == 0)
            return params[i];
    return NULL;
}

/* The weight-norm pair ("<layer>.weight_g", "<layer>.weight_v") standing for
 * the decoder's "dec.<layer>.weight"; false when there is none. */
static bool generator_weight_norm(const vx_hifigan *g, const char *name, vx_tensor **wg, vx_tensor **wv)
{
    size_t n = strlen(name);
    if (n < 7 || strcmp(name + n - 7, ".weight") != 0)
        return false;
    char part[VX_PIPER_NAME_MAX];
    snprintf(part, sizeof part, "%s_g", name);
    *wg = generator_param(g, part);
    snprintf(part, sizeof part, "%s_v", name);
    *wv = generator_param(g, part);
    return *wg && *wv;
}

/* Weight "dec.<name>" of a HiFi-GAN generator: its parameter "<name>", or a
 * weight-normed weight folded into fw->folded, w = g · v / ‖v‖ (vx_weight_norm,
 * as the generator's forward computes it). *found: the tensor giving the
 * shape, NULL when the generator has no such weight. */
static vx_status generator_weight(const vits_source *src, const char *name, found_weight *fw,
                                  const vx_tensor **found)
{
    *found = NULL;
    if (strncmp(name, "dec.", 4) != 0) /* a generator has only the decoder's weights */
        return VX_OK;
    vx_tensor *t = generator_param(src->hifigan, name + 4), *wg, *wv;
    if (t) {
        fw->f32 = t->data;
        *found = t;
        return VX_OK;
    }
    if (!generator_weight_norm(src->hifigan, name + 4, &wg, &wv))
        return VX_OK;
    vx_ctx *scratch = vits_scratch_new(src->ctx);
    vx_tensor *w = scratch ? vx_weight_norm(scratch, wg, wv) : NULL;
    if (w && (fw->folded = malloc(sizeof(float) * (size_t)vx_numel(w))))
        memcpy(fw->folded, w->data, sizeof(float) * (size_t)vx_numel(w));
    else if (w)
        vx_fail(VX_ERR_OOM, "%s: out of memory folding the weight norm of '%s'", src->what, name);
    vx_ctx_free(scratch);
    if (!fw->folded)
        return vx_last_status();
    fw->f32 = fw->folded;
    *found = wv;
    return VX_OK;
}

static vx_status find_weight(const vits_source *src, int ndim, const int64_t *shape, const char *name,
                             found_weight *fw)
{
    int have_ndim = 0;
    int64_t have[VX_ONNX_MAX_DIMS] = {0};
    *fw = (found_weight){0};
    if (src->piper) {
        const vx_piper_weight *w = vx_piper_find(src->piper, name);
        if (w) {
            have_ndim = w->ndim;
            memcpy(have, w->shape, sizeof(int64_t) * (size_t)w->ndim);
            fw->f32 = w->data;
        }
    } else if (src->hifigan) {
        const vx_tensor *t;
        if (generator_weight(src, name, fw, &t))
            return vx_last_status();
        if (t && t->dtype != VX_F32) {
            free(fw->folded);
            return vx_fail(VX_ERR_FORMAT, "%s: weight '%s' is %s, expected F32", src->what, name,
                           vx_dtype_name(t->dtype));
        }
        if (t) {
            have_ndim = t->ndim;
            memcpy(have, t->shape, sizeof(int64_t) * (size_t)t->ndim);
        }
    } else {
        fw->entry = vx_st_find(src->st, name);
        if (fw->entry) {
            have_ndim = fw->entry->ndim;
            memcpy(have, fw->entry->shape, sizeof(int64_t) * (size_t)fw->entry->ndim);
        }
    }
    if (!fw->f32 && !fw->entry)
        return vx_fail(VX_ERR_FORMAT, "VITS voice %s lacks weight '%s' (is it a Piper VITS voice?)", src->what, name);
    if (fw->entry && fw->entry->dtype != VX_F32) /* voxc-convert writes F32 */
        return vx_fail(VX_ERR_FORMAT, "VITS voice %s: weight '%s' is %s, expected F32 (re-run voxc-convert piper)",
                       src->what, name, vx_dtype_name(fw->entry->dtype));
    bool ok = have_ndim == ndim && ndim <= VX_MAX_DIMS;
    for (int i = 0; ok && i < ndim; i++)
        ok = shape[i] < 0 || shape[i] == have[i];
    if (!ok) {
        char want_s[96], have_s[96];
        free(fw->folded);
        return vx_fail(VX_ERR_FORMAT, "VITS voice %s: weight '%s' has shape %s, expected %s", src->what, name,
                       shape_text(have_s, sizeof have_s, have_ndim, have),
                       shape_text(want_s, sizeof want_s, ndim, shape));
    }
    fw->ndim = ndim;
    memcpy(fw->shape, have, sizeof(int64_t) * (size_t)ndim);
    return VX_OK;
}

bool vits_has_weight(const vits_source *src, const char *name)
{
    vx_tensor *wg, *wv;
    if (src->piper)
        return vx_piper_find(src->piper, name) != NULL;
    if (src->hifigan)
        return strncmp(name, "dec.", 4) == 0 && (generator_param(src->hifigan, name + 4) ||
                                                 generator_weight_norm(src->hifigan, name + 4, &wg, &wv));
    return vx_st_find(src->st, name) != NULL;
}

vx_tensor *vits_weight(const vits_source *src, int ndim, const int64_t *shape, const char *fmt, ...)
{
    char name[VX_PIPER_NAME_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    found_weight fw;
    if (find_weight(src, ndim, shape, name, &fw))
        return NULL;
    vx_tensor *t = vx_param(src->ctx, name, VX_F32, ndim, fw.shape, false);
    if (t && fw.f32)
        memcpy(t->data, fw.f32, sizeof(float) * (size_t)vx_numel(t));
    else if (t)
        memcpy(t->data, fw.entry->data, fw.entry->nbytes); /* may be unaligned in the file */
    free(fw.folded);
    return t;
}

/* The floats of weight "<prefix>.weight" (shape checked), float-aligned: in
 * the source, or in *copy (malloc'd; free it and fw->folded when done). */
static const float *weight_floats(const vits_source *src, const char *prefix, int ndim, const int64_t *shape,
                                  found_weight *fw, float **copy)
{
    char name[VX_PIPER_NAME_MAX];
    snprintf(name, sizeof name, "%s.weight", prefix);
    *copy = NULL;
    if (find_weight(src, ndim, shape, name, fw))
        return NULL;
    if (fw->f32)
        return fw->f32;
    /* safetensors data need not be float-aligned */
    if (!(*copy = malloc(fw->entry->nbytes + 1))) {
        free(fw->folded);
        return vx_fail_null(VX_ERR_OOM, "VITS voice %s: out of memory reading '%s'", src->what, name);
    }
    memcpy(*copy, fw->entry->data, fw->entry->nbytes);
    return *copy;
}

/* a, the M×K matrix stored [M, K] (trans) or [K, M] (not trans), packed as
 * the GEMM's left operand into the context's persistent memory. */
static vx_status pack_weight(const vits_source *src, const float *a, int64_t M, int64_t K, bool trans,
                             vx_gemm_packed *out)
{
    float *buf = vx_persistent_alloc(src->ctx, sizeof(float) * (size_t)vx_gemm_packed_floats(M, K));
    if (!buf)
        return vx_last_status();
    vx_gemm_operand at = vx_gemm_strided(a, trans ? K : M, trans);
    vx_gemm_pack(out, M, K, &at, buf);
    return VX_OK;
}

/* Pack weight "<prefix>.weight" (shape checked) as the GEMM's left operand:
 * M×K rows of the matrix stored [M, K] (trans) or [K, M] (not trans). */
static vx_status packed_weight(const vits_source *src, const char *prefix, int ndim, const int64_t *shape,
                               int64_t M, int64_t K, bool trans, vx_gemm_packed *out)
{
    found_weight fw;
    float *copy;
    const float *data = weight_floats(src, prefix, ndim, shape, &fw, &copy);
    if (!data)
        return vx_last_status();
    vx_status st = pack_weight(src, data, M, K, trans, out);
    free(copy);
    free(fw.folded);
    return st;
}

vx_status vits_conv_load(const vits_source *src, vits_conv *c, const char *prefix, int64_t cin,
                         int64_t cout, int64_t k, int dilation, int groups, bool with_bias)
{
    int64_t wshape[3] = {cout, cin / groups, k}, bshape[1] = {cout};
    c->w = vits_weight(src, 3, wshape, "%s.weight", prefix);
    if (!c->w)
        return vx_last_status();
    c->b = NULL;
    if (with_bias && !(c->b = vits_weight(src, 1, bshape, "%s.bias", prefix)))
        return vx_last_status();
    *c = (vits_conv){c->w, c->b, cout, cin / groups, c->w->shape[2], 1, dilation * (int)(c->w->shape[2] - 1) / 2,
                     dilation, groups, {0}};
    return VX_OK;
}

vx_status vits_conv_load_packed(const vits_source *src, vits_conv *c, const char *prefix, int64_t cin,
                                int64_t cout, int64_t k, int dilation, bool with_bias)
{
    int64_t wshape[3] = {cout, cin, k}, bshape[1] = {cout};
    if (k < 0) { /* any kernel size: take the file's */
        char name[VX_PIPER_NAME_MAX];
        snprintf(name, sizeof name, "%s.weight", prefix);
        found_weight fw;
        if (find_weight(src, 3, wshape, name, &fw))
            return vx_last_status();
        free(fw.folded);
        k = wshape[2] = fw.shape[2];
    }
    *c = (vits_conv){.cout = cout, .cin = cin, .kernel = k, .stride = 1, .dilation = dilation, .groups = 1,
                     .pad = dilation * (int)(k - 1) / 2};
    if (k < 1 || k > VITS_MAX_KERNEL)
        return vx_fail(VX_ERR_UNSUPPORTED, "VITS voice %s: %s has kernel size %lld (1 to %d supported)", src->what,
                       prefix, (long long)k, VITS_MAX_KERNEL);
    if (packed_weight(src, prefix, 3, wshape, cout, cin * k, true, &c->pk))
        return vx_last_status();
    if (with_bias && !(c->b = vits_weight(src, 1, bshape, "%s.bias", prefix)))
        return vx_last_status();
    return VX_OK;
}

vx_status vits_conv_load_fft(const vits_source *src, vits_conv *c, const char *prefix, int64_t ch, int64_t k,
                            int dilation, int n)
{
    int64_t wshape[3] = {ch, ch, k}, bshape[1] = {ch};
    *c = (vits_conv){.cout = ch, .cin = ch, .kernel = k, .stride = 1, .dilation = dilation, .groups = 1,
                     .pad = dilation * (int)(k - 1) / 2};
    found_weight fw;
    float *copy;
    const float *w = weight_floats(src, prefix, 3, wshape, &fw, &copy);
    if (!w)
        return vx_last_status();
    c->fft = vx_persistent_alloc(src->ctx, sizeof *c->fft);
    float *buf = c->fft ? vx_persistent_alloc(src->ctx, sizeof(float) * (size_t)vx_fftconv_weight_floats(ch, ch, n))
                        : NULL;
    if (buf)
        vx_fftconv_init(c->fft, w, ch, ch, k, dilation, n, buf);
    free(copy);
    free(fw.folded);
    if (!buf)
        return vx_last_status();
    if (!(c->b = vits_weight(src, 1, bshape, "%s.bias", prefix)))
        return vx_last_status();
    return VX_OK;
}

vx_status vits_upsample_load_packed(const vits_source *src, vits_conv *c, const char *prefix, int64_t cin,
                                    int64_t cout, int64_t k, int stride, int pad)
{
    int64_t wshape[3] = {cin, cout, k}, bshape[1] = {cout}, taps = vits_upsample_taps(k, stride);
    *c = (vits_conv){.cout = cout, .cin = cin, .kernel = k, .stride = stride, .pad = pad, .dilation = 1,
                     .groups = 1};
    if (!(c->b = vits_weight(src, 1, bshape, "%s.bias", prefix)))
        return vx_last_status();
    found_weight fw;
    float *copy;
    const float *w = weight_floats(src, prefix, 3, wshape, &fw, &copy); /* [cin, cout, k] */
    if (!w)
        return vx_last_status();
    /* phase[co·u + r, ci·taps + j] = w[ci, co, r + u·(taps − 1 − j)] (0 past the kernel) */
    int64_t rows = cout * stride, cols = cin * taps;
    float *phase = calloc((size_t)(rows * cols), sizeof(float));
    vx_status st = phase ? VX_OK : vx_fail(VX_ERR_OOM, "VITS voice %s: out of memory packing '%s'", src->what,
                                           prefix);
    for (int64_t co = 0; phase && co < cout; co++)
        for (int64_t r = 0; r < stride; r++)
            for (int64_t ci = 0; ci < cin; ci++)
                for (int64_t j = 0; j < taps; j++) {
                    int64_t tap = r + stride * (taps - 1 - j);
                    if (tap < k)
                        phase[(co * stride + r) * cols + ci * taps + j] = w[(ci * cout + co) * k + tap];
                }
    if (phase)
        st = pack_weight(src, phase, rows, cols, true, &c->pk);
    free(phase);
    free(copy);
    free(fw.folded);
    return st;
}

vx_ctx *vits_scratch_new(const vx_ctx *ctx)
{
    vx_ctx *scratch = vx_ctx_new((vx_ctx_opts){.arena_chunk_bytes = 1 << 16});
    if (scratch) {
        vx_set_grad_enabled(scratch, false);
        vx_set_reference(scratch, vx_reference(ctx));
    }
    return scratch;
}

vx_tensor *vits_conv_apply(vx_ctx *ctx, const vits_conv *c, vx_tensor *x)
{
    return vx_conv1d(ctx, x, c->w, c->b, c->stride, c->pad, c->dilation, c->groups);
}

vx_status vits_norm_load(const vits_source *src, vits_norm *n, const char *prefix, int64_t channels)
{
    int64_t shape[1] = {channels};
    n->gamma = vits_weight(src, 1, shape, "%s.gamma", prefix);
    n->beta = n->gamma ? vits_weight(src, 1, shape, "%s.beta", prefix) : NULL;
    return n->beta ? VX_OK : vx_last_status();
}
