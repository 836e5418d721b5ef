/* piper_import.c — Piper ONNX voice -> voxc VITS weights and config (see
 * piper_import.h for the naming rules).
 *
 * Steps: name every initializer that is a weight (Conv weights from their
 * nodes, the embeddings from their Gathers, module-path names as they are),
 * recover dp.flows.0.logs, collect float32 weights sorted by name, then derive
 * the hyper-parameters from shapes and node attributes and read the JSON. */
#include "piper_import.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/read_file.h"

enum { MAX_CHANNELS = 1 << 20, MAX_COUNT = 4096 };

typedef struct importer {
    const vx_onnx *m;
    const char *what;
    size_t n_inits;
    const vx_onnx_tensor *inits;     /* vx_onnx_initializer(m, 0)           */
    char (*names)[VX_PIPER_NAME_MAX]; /* voxc name per initializer, "" none */
    const vx_onnx_node **convs;      /* Conv node using each initializer    */
    vx_piper_voice *v;
} importer;

/* --- graph helpers ------------------------------------------------------------ */

static bool starts_with(const char *s, const char *prefix) { return !strncmp(s, prefix, strlen(prefix)); }

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* A PyTorch module path of the VITS generator ("dec.ups.0.weight"). */
static bool is_module_path(const char *name)
{
    static const char *const roots[] = {"enc_p.", "dec.", "flow.", "dp.", "emb_g."};
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
        if (starts_with(name, roots[i]) && name[strlen(roots[i])])
            return true;
    return false;
}

static bool is_graph_input(const vx_onnx *m, const char *name)
{
    for (size_t i = 0; i < vx_onnx_input_count(m); i++)
        if (!strcmp(vx_onnx_input_name(m, i), name))
            return true;
    return false;
}

/* The node producing value `name`, or NULL. */
static const vx_onnx_node *producer(const vx_onnx *m, const char *name)
{
    for (size_t i = 0; i < vx_onnx_node_count(m); i++) {
        const vx_onnx_node *n = vx_onnx_node_at(m, i);
        for (size_t k = 0; k < n->n_outputs; k++)
            if (!strcmp(n->outputs[k], name))
                return n;
    }
    return NULL;
}

/* The first node of `op_type` whose input `slot` is `value`, or NULL. */
static const vx_onnx_node *consumer(const vx_onnx *m, const char *op_type, size_t slot, const char *value)
{
    for (size_t i = 0; i < vx_onnx_node_count(m); i++) {
        const vx_onnx_node *n = vx_onnx_node_at(m, i);
        if (!strcmp(n->op_type, op_type) && n->n_inputs > slot && !strcmp(n->inputs[slot], value))
            return n;
    }
    return NULL;
}

/* --- naming the weights ---------------------------------------------------------- */

static vx_status set_name(importer *im, const vx_onnx_tensor *t, const char *name)
{
    size_t idx = (size_t)(t - im->inits);
    if (strlen(name) >= VX_PIPER_NAME_MAX)
        return vx_fail(VX_ERR_UNSUPPORTED, "piper: %s: weight name '%.60s...' is longer than %d bytes", im->what,
                       name, VX_PIPER_NAME_MAX - 1);
    if (im->names[idx][0] && strcmp(im->names[idx], name))
        return vx_fail(VX_ERR_FORMAT, "piper: %s: initializer '%s' is used both as '%s' and as '%s'", im->what,
                       t->name, im->names[idx], name);
    strcpy(im->names[idx], name);
    return VX_OK;
}

/* Name of an anonymous Conv weight: from the bias ("X.bias" -> "X.weight"),
 * else from the node scope ("/flow/flows.0/enc/cond_layer/Conv" ->
 * "flow.flows.0.enc.cond_layer.weight"). False when neither gives a path. */
static bool conv_weight_name(const vx_onnx_node *n, char *out, size_t size)
{
    if (n->n_inputs >= 3 && is_module_path(n->inputs[2]) && ends_with(n->inputs[2], ".bias")) {
        int len = (int)(strlen(n->inputs[2]) - strlen(".bias"));
        return snprintf(out, size, "%.*s.weight", len, n->inputs[2]) < (int)size;
    }
    const char *last = strrchr(n->name, '/');
    if (n->name[0] != '/' || !last || last == n->name)
        return false;
    int len = (int)(last - n->name - 1);
    if (snprintf(out, size, "%.*s.weight", len, n->name + 1) >= (int)size)
        return false;
    for (char *c = out; *c; c++)
        if (*c == '/')
            *c = '.';
    return is_module_path(out);
}

static vx_status name_conv_weights(importer *im)
{
    char name[VX_PIPER_NAME_MAX];
    for (size_t i = 0; i < vx_onnx_node_count(im->m); i++) {
        const vx_onnx_node *n = vx_onnx_node_at(im->m, i);
        if ((strcmp(n->op_type, "Conv") && strcmp(n->op_type, "ConvTranspose")) || n->n_inputs < 2)
            continue;
        const vx_onnx_tensor *t = vx_onnx_find_initializer(im->m, n->inputs[1]);
        if (!t)
            continue; /* a weight computed inside the graph: not stored */
        size_t idx = (size_t)(t - im->inits);
        if (!im->convs[idx])
            im->convs[idx] = n;
        if (is_module_path(t->name))
            continue; /* named below with the other module paths */
        if (!conv_weight_name(n, name, sizeof name))
            return vx_fail(VX_ERR_FORMAT,
                           "piper: %s: cannot name weight '%s' of %s node '%s': it has no named bias and the "
                           "node name is no module scope; is this a Piper VITS export?",
                           im->what, t->name, n->op_type, n->name);
        vx_status st = set_name(im, t, name);
        if (st)
            return st;
    }
    return VX_OK;
}

/* The table of the Gather whose indices are graph input `input`. */
static const vx_onnx_tensor *gather_table(const importer *im, const char *input)
{
    const vx_onnx_node *n = consumer(im->m, "Gather", 1, input);
    return n ? vx_onnx_find_initializer(im->m, n->inputs[0]) : NULL;
}

static vx_status name_embeddings(importer *im)
{
    if (!is_graph_input(im->m, "input"))
        return vx_fail(VX_ERR_FORMAT, "piper: %s: the graph has no input named 'input'; is this a Piper voice?",
                       im->what);
    const vx_onnx_tensor *emb = gather_table(im, "input");
    if (!emb)
        return vx_fail(VX_ERR_FORMAT,
                       "piper: %s: no Gather reads graph input 'input' from an initializer, so the phoneme "
                       "embedding is missing; is this a Piper voice?",
                       im->what);
    vx_status st = set_name(im, emb, "enc_p.emb.weight");
    if (st || !is_graph_input(im->m, "sid"))
        return st;
    const vx_onnx_tensor *spk = gather_table(im, "sid");
    if (!spk)
        return vx_fail(VX_ERR_FORMAT,
                       "piper: %s: the graph takes a speaker id 'sid' but no Gather reads it from an "
                       "initializer (speaker embedding missing)",
                       im->what);
    return set_name(im, spk, "emb_g.weight");
}

static vx_status name_module_paths(importer *im)
{
    for (size_t i = 0; i < im->n_inits; i++) {
        vx_status st;
        if (!im->names[i][0] && is_module_path(im->inits[i].name) &&
            (st = set_name(im, &im->inits[i], im->inits[i].name)))
            return st;
    }
    return VX_OK;
}

/* --- dp.flows.0.logs --------------------------------------------------------------- */

static const vx_onnx_node *node_in_scope(const vx_onnx *m, const char *op_type, const char *scope)
{
    for (size_t i = 0; i < vx_onnx_node_count(m); i++) {
        const vx_onnx_node *n = vx_onnx_node_at(m, i);
        if (!strcmp(n->op_type, op_type) && starts_with(n->name, scope))
            return n;
    }
    return NULL;
}

/* A float initializer named `value` holding `numel` values, or NULL. */
static const vx_onnx_tensor *float_init(const vx_onnx *m, const char *value, int64_t numel)
{
    const vx_onnx_tensor *t = vx_onnx_find_initializer(m, value);
    return t && t->f32 && t->numel == numel ? t : NULL;
}

/* ElementwiseAffine reverse: z = (z - m) * exp(-logs). The exporter folds
 * -logs or exp(-logs) into a constant; recover logs from whichever is there. */
static vx_status recover_logs(importer *im, const vx_onnx_tensor **source, bool *negate, bool *take_log)
{
    static const char scope[] = "/dp/flows.0/";
    const vx_onnx_tensor *m_t = vx_onnx_find_initializer(im->m, "dp.flows.0.m");
    if (!m_t)
        return vx_fail(VX_ERR_FORMAT, "piper: %s: the voice lacks dp.flows.0.m (duration predictor affine flow)",
                       im->what);
    const vx_onnx_node *exp_node = node_in_scope(im->m, "Exp", scope);
    *source = NULL;
    *negate = *take_log = false;
    if (exp_node && exp_node->n_inputs >= 1) {
        const vx_onnx_node *neg = producer(im->m, exp_node->inputs[0]);
        if ((*source = float_init(im->m, exp_node->inputs[0], m_t->numel)))
            *negate = true; /* Exp(-logs folded) */
        else if (neg && !strcmp(neg->op_type, "Neg") && neg->n_inputs >= 1)
            *source = float_init(im->m, neg->inputs[0], m_t->numel); /* Exp(Neg(logs)) */
    } else {
        for (size_t i = 0; i < vx_onnx_node_count(im->m) && !*source; i++) {
            const vx_onnx_node *n = vx_onnx_node_at(im->m, i);
            if (strcmp(n->op_type, "Mul") || !starts_with(n->name, scope))
                continue;
            for (size_t k = 0; k < n->n_inputs && !*source; k++)
                if (!is_module_path(n->inputs[k]))
                    *source = float_init(im->m, n->inputs[k], m_t->numel); /* Mul by exp(-logs) folded */
        }
        *negate = *take_log = *source != NULL;
    }
    if (!*source)
        return vx_fail(VX_ERR_FORMAT,
                       "piper: %s: cannot recover dp.flows.0.logs: no Exp or constant Mul of %" PRId64
                       " values under '%s'; re-export the voice with Piper's exporter",
                       im->what, m_t->numel, scope);
    return VX_OK;
}

static vx_status add_logs(importer *im, vx_piper_weight *w)
{
    const vx_onnx_tensor *src = NULL;
    bool negate = false, take_log = false;
    vx_status st = recover_logs(im, &src, &negate, &take_log);
    if (st)
        return st;
    float *logs = malloc((size_t)src->numel * sizeof *logs + 1);
    if (!logs)
        return vx_fail(VX_ERR_OOM, "piper: out of memory");
    for (int64_t i = 0; i < src->numel; i++) {
        float x = src->f32[i];
        if (take_log && !(x > 0 && isfinite(x))) {
            free(logs);
            return vx_fail(VX_ERR_NUMERIC, "piper: %s: folded exp(-dp.flows.0.logs) holds %g, not a positive number",
                           im->what, (double)x);
        }
        x = take_log ? logf(x) : x;
        logs[i] = negate ? -x : x;
    }
    im->v->logs = logs;
    strcpy(w->name, "dp.flows.0.logs");
    w->ndim = src->ndim;
    memcpy(w->shape, src->dims, sizeof w->shape);
    w->data = logs;
    w->source = src->name;
    w->conv = NULL;
    return VX_OK;
}

/* --- collecting ---------------------------------------------------------------------- */

static int compare_weights(const void *a, const void *b)
{
    return strcmp(((const vx_piper_weight *)a)->name, ((const vx_piper_weight *)b)->name);
}

static vx_status collect_weights(importer *im)
{
    vx_piper_voice *v = im->v;
    bool have_logs = vx_onnx_find_initializer(im->m, "dp.flows.0.logs") != NULL;
    size_t n = have_logs ? 0 : 1;
    for (size_t i = 0; i < im->n_inits; i++)
        n += im->names[i][0] != 0;
    if (!(v->weights = calloc(n, sizeof *v->weights)))
        return vx_fail(VX_ERR_OOM, "piper: out of memory");
    for (size_t i = 0; i < im->n_inits; i++) {
        if (!im->names[i][0])
            continue;
        const vx_onnx_tensor *t = &im->inits[i];
        if (!t->f32)
            return vx_fail(VX_ERR_UNSUPPORTED, "piper: %s: weight '%s' ('%s') holds %s data; float32 is needed",
                           im->what, im->names[i], t->name, vx_onnx_dtype_name(t->data_type));
        vx_piper_weight *w = &v->weights[v->n_weights++];
        strcpy(w->name, im->names[i]);
        w->ndim = t->ndim;
        memcpy(w->shape, t->dims, sizeof w->shape);
        w->data = t->f32;
        w->source = t->name;
        w->conv = im->convs[i];
    }
    vx_status st;
    if (!have_logs && (st = add_logs(im, &v->weights[v->n_weights++])))
        return st;
    qsort(v->weights, v->n_weights, sizeof *v->weights, compare_weights);
    for (size_t i = 1; i < v->n_weights; i++)
        if (!strcmp(v->weights[i].name, v->weights[i - 1].name))
            return vx_fail(VX_ERR_FORMAT, "piper: %s: two initializers ('%s', '%s') both map to '%s'", im->what,
                           v->weights[i - 1].source, v->weights[i].source, v->weights[i].name);
    return VX_OK;
}

const vx_piper_weight *vx_piper_find(const vx_piper_voice *v, const char *name)
{
    size_t lo = 0, hi = v->n_weights;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v->weights[mid].name, name);
        if (c == 0)
            return &v->weights[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* --- hyper-parameters ------------------------------------------------------------------ */

static const vx_piper_weight *find_f(const vx_piper_voice *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const vx_piper_weight *find_f(const vx_piper_voice *v, const char *fmt, ...)
{
    char name[VX_PIPER_NAME_MAX];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    return len < (int)sizeof name ? vx_piper_find(v, name) : NULL;
}

/* Number of consecutive indices i = first, first+step, ... for which the
 * weight named by `fmt` (one %d) exists, capped at MAX_COUNT. */
static int count_f(const vx_piper_voice *v, const char *fmt, int first, int step)
{
    int n = 0;
    char name[VX_PIPER_NAME_MAX];
    while (n < MAX_COUNT) {
        snprintf(name, sizeof name, fmt, first + n * step);
        if (!vx_piper_find(v, name))
            break;
        n++;
    }
    return n;
}

/* The weight `name` with `ndim` dims; dims given as >= 0 in `want` must match. */
static vx_status need(const importer *im, const char *name, int ndim, const int64_t *want,
                      const vx_piper_weight **out)
{
    const vx_piper_weight *w = vx_piper_find(im->v, name);
    if (!w)
        return vx_fail(VX_ERR_FORMAT, "piper: %s: the voice lacks weight '%s'; is it a Piper VITS voice?", im->what,
                       name);
    bool ok = w->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++)
        ok = w->shape[i] >= 1 && w->shape[i] <= MAX_CHANNELS && (want[i] < 0 || w->shape[i] == want[i]);
    if (!ok) {
        char got[96] = "", exp[96] = "";
        for (int i = 0; i < w->ndim && i < VX_ONNX_MAX_DIMS; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%" PRId64, i ? "," : "", w->shape[i]);
        for (int i = 0; i < ndim; i++) {
            if (want[i] < 0)
                snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%s*", i ? "," : "");
            else
                snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%s%" PRId64, i ? "," : "", want[i]);
        }
        return vx_fail(VX_ERR_FORMAT, "piper: %s: weight '%s' has shape [%s], expected [%s]", im->what, name, got,
                       exp);
    }
    *out = w;
    return VX_OK;
}

#define ANY (-1)
#define NEED(name, out, ...)                                                                  \
    do {                                                                                      \
        const int64_t want_[] = {__VA_ARGS__};                                                \
        vx_status st_ = need(im, name, (int)(sizeof want_ / sizeof want_[0]), want_, &(out)); \
        if (st_)                                                                              \
            return st_;                                                                       \
    } while (0)

/* First value of an INTS attribute (ONNX default `dflt` when absent). */
static vx_status conv_attr(const importer *im, const vx_piper_weight *w, const char *attr, int64_t dflt, int *out)
{
    if (!w->conv)
        return vx_fail(VX_ERR_FORMAT, "piper: %s: no Conv node uses '%s', so its %s are unknown", im->what, w->name,
                       attr);
    const vx_onnx_attr *a = vx_onnx_node_attr(w->conv, attr);
    int64_t value = dflt;
    if (a) {
        if (a->type != VX_ONNX_ATTR_INTS || a->n_ints < 1)
            return vx_fail(VX_ERR_FORMAT, "piper: %s: attribute '%s' of node '%s' is not a list of ints", im->what,
                           attr, w->conv->name);
        value = a->ints[0];
    }
    if (value < 0 || value > MAX_CHANNELS)
        return vx_fail(VX_ERR_FORMAT, "piper: %s: node '%s' has %s %" PRId64, im->what, w->conv->name, attr, value);
    *out = (int)value;
    return VX_OK;
}

static vx_status count_in_range(const importer *im, const char *what, int n, int lo, int hi)
{
    if (n < lo || n > hi)
        return vx_fail(VX_ERR_UNSUPPORTED, "piper: %s: %d %s found; voxc supports %d to %d", im->what, n, what, lo,
                       hi);
    return VX_OK;
}

static vx_status derive_text_encoder(importer *im, vx_vits_config *c)
{
    const vx_piper_weight *w;
    NEED("enc_p.emb.weight", w, ANY, ANY);
    c->n_vocab = (int)w->shape[0];
    c->hidden_channels = (int)w->shape[1];
    const int64_t h = c->hidden_channels;
    c->n_layers = count_f(im->v, "enc_p.encoder.attn_layers.%d.conv_q.weight", 0, 1);
    vx_status st = count_in_range(im, "text encoder layers", c->n_layers, 1, MAX_COUNT - 1);
    if (st)
        return st;
    NEED("enc_p.encoder.attn_layers.0.conv_q.weight", w, h, h, 1);
    /* heads share one relative embedding [1, 2w+1, H/heads] */
    NEED("enc_p.encoder.attn_layers.0.emb_rel_k", w, 1, ANY, ANY);
    if (w->shape[1] % 2 == 0 || h % w->shape[2])
        return vx_fail(VX_ERR_FORMAT, "piper: %s: emb_rel_k [1,%" PRId64 ",%" PRId64 "] fits no window and head count "
                       "for %d channels", im->what, w->shape[1], w->shape[2], c->hidden_channels);
    c->window_size = (int)(w->shape[1] - 1) / 2;
    c->n_heads = (int)(h / w->shape[2]);
    NEED("enc_p.encoder.attn_layers.0.emb_rel_v", w, 1, 2 * c->window_size + 1, h / c->n_heads);
    NEED("enc_p.encoder.ffn_layers.0.conv_1.weight", w, ANY, h, ANY);
    c->filter_channels = (int)w->shape[0];
    c->ffn_kernel_size = (int)w->shape[2];
    NEED("enc_p.encoder.ffn_layers.0.conv_2.weight", w, h, c->filter_channels, c->ffn_kernel_size);
    NEED("enc_p.proj.weight", w, ANY, h, 1);
    if (w->shape[0] % 2)
        return vx_fail(VX_ERR_FORMAT, "piper: %s: enc_p.proj has %" PRId64 " outputs, expected an even number "
                       "(m, logs)", im->what, w->shape[0]);
    c->inter_channels = (int)w->shape[0] / 2;
    return VX_OK;
}

static vx_status derive_flow(importer *im, vx_vits_config *c)
{
    const vx_piper_weight *w;
    c->flow_n_flows = count_f(im->v, "flow.flows.%d.pre.weight", 0, 2);
    vx_status st = count_in_range(im, "coupling flows", c->flow_n_flows, 1, MAX_COUNT - 1);
    if (st)
        return st;
    NEED("flow.flows.0.pre.weight", w, ANY, c->inter_channels / 2, 1);
    c->flow_hidden_channels = (int)w->shape[0];
    const int64_t fh = c->flow_hidden_channels;
    c->flow_n_layers = count_f(im->v, "flow.flows.0.enc.in_layers.%d.weight", 0, 1);
    if ((st = count_in_range(im, "WaveNet layers per flow", c->flow_n_layers, 1, MAX_COUNT - 1)))
        return st;
    NEED("flow.flows.0.enc.in_layers.0.weight", w, 2 * fh, fh, ANY);
    c->flow_kernel_size = (int)w->shape[2];
    c->flow_dilation_rate = 1;
    if (c->flow_n_layers > 1) {
        NEED("flow.flows.0.enc.in_layers.1.weight", w, 2 * fh, fh, c->flow_kernel_size);
        if ((st = conv_attr(im, w, "dilations", 1, &c->flow_dilation_rate)))
            return st;
    }
    NEED("flow.flows.0.post.weight", w, c->inter_channels / 2, fh, 1);
    return VX_OK;
}

static vx_status derive_duration_predictor(importer *im, vx_vits_config *c)
{
    const vx_piper_weight *w;
    NEED("dp.pre.weight", w, ANY, c->hidden_channels, 1);
    c->dp_filter_channels = (int)w->shape[0];
    const int64_t f = c->dp_filter_channels;
    NEED("dp.proj.weight", w, f, f, 1);
    c->dp_n_layers = count_f(im->v, "dp.convs.convs_sep.%d.weight", 0, 1);
    vx_status st = count_in_range(im, "DDSConv layers", c->dp_n_layers, 1, VX_VITS_MAX_STAGES);
    if (st)
        return st;
    NEED("dp.convs.convs_sep.0.weight", w, f, 1, ANY);
    c->dp_kernel_size = (int)w->shape[2];
    for (int i = 0; i < c->dp_n_layers; i++) {
        char name[64];
        snprintf(name, sizeof name, "dp.convs.convs_sep.%d.weight", i);
        NEED(name, w, f, 1, c->dp_kernel_size);
        if ((st = conv_attr(im, w, "dilations", 1, &c->dp_dilations[i])))
            return st;
    }
    /* ConvFlows at odd indices from 3 (dp.flows.1 is skipped at inference) */
    c->dp_n_flows = count_f(im->v, "dp.flows.%d.proj.weight", 3, 2);
    if ((st = count_in_range(im, "duration-predictor conv flows", c->dp_n_flows, 1, MAX_COUNT - 1)))
        return st;
    NEED("dp.flows.3.proj.weight", w, ANY, ANY, 1);
    if ((w->shape[0] + 1) % 3)
        return vx_fail(VX_ERR_FORMAT, "piper: %s: dp.flows.3.proj has %" PRId64 " outputs, not 3*bins-1", im->what,
                       w->shape[0]);
    c->dp_num_bins = (int)(w->shape[0] + 1) / 3;
    NEED("dp.flows.0.m", w, 2, 1);
    NEED("dp.flows.0.logs", w, 2, 1);
    return VX_OK;
}

/* alpha of the LeakyRelu producing the data input of `w`'s node. */
static vx_status slope_before(const importer *im, const vx_piper_weight *w, float *out)
{
    const vx_onnx_node *act = w->conv && w->conv->n_inputs ? producer(im->m, w->conv->inputs[0]) : NULL;
    if (!act || strcmp(act->op_type, "LeakyRelu"))
        return vx_fail(VX_ERR_FORMAT, "piper: %s: no LeakyRelu feeds the node using '%s'", im->what, w->name);
    *out = vx_onnx_node_attr_float(act, "alpha", 0.01f); /* ONNX default */
    return VX_OK;
}

static vx_status derive_decoder(importer *im, vx_vits_config *c)
{
    const vx_piper_weight *w;
    vx_status st;
    char name[VX_PIPER_NAME_MAX];
    NEED("dec.conv_pre.weight", w, ANY, c->inter_channels, ANY);
    c->upsample_initial_channel = (int)w->shape[0];
    c->n_upsamples = count_f(im->v, "dec.ups.%d.weight", 0, 1);
    if ((st = count_in_range(im, "upsample stages", c->n_upsamples, 1, VX_VITS_MAX_STAGES)))
        return st;
    int64_t channels = c->upsample_initial_channel;
    c->hop_length = 1;
    for (int i = 0; i < c->n_upsamples; i++) {
        snprintf(name, sizeof name, "dec.ups.%d.weight", i);
        NEED(name, w, channels, ANY, ANY); /* ConvTranspose [C_in, C_out, k] */
        channels = w->shape[1];
        c->upsample_kernels[i] = (int)w->shape[2];
        if ((st = conv_attr(im, w, "strides", 1, &c->upsample_rates[i])) ||
            (st = conv_attr(im, w, "pads", 0, &c->upsample_padding[i])))
            return st;
        if (strcmp(w->conv->op_type, "ConvTranspose") || c->upsample_rates[i] < 1)
            return vx_fail(VX_ERR_FORMAT, "piper: %s: '%s' is used by a %s node with stride %d; expected "
                           "ConvTranspose", im->what, name, w->conv->op_type, c->upsample_rates[i]);
        if (c->hop_length > MAX_CHANNELS / c->upsample_rates[i])
            return vx_fail(VX_ERR_FORMAT, "piper: %s: the upsample rates multiply past %d", im->what, MAX_CHANNELS);
        c->hop_length *= c->upsample_rates[i];
        if (i == 0 && (st = slope_before(im, w, &c->lrelu_slope)))
            return st;
    }
    NEED("dec.conv_post.weight", w, 1, channels, ANY);
    if ((st = slope_before(im, w, &c->final_lrelu_slope)))
        return st;

    c->resblock_type = find_f(im->v, "dec.resblocks.0.convs1.0.weight") ? 1
                       : find_f(im->v, "dec.resblocks.0.convs.0.weight") ? 2
                                                                        : 0;
    if (!c->resblock_type)
        return vx_fail(VX_ERR_FORMAT, "piper: %s: dec.resblocks.0 has neither convs1 (type 1) nor convs (type 2)",
                       im->what);
    const char *convs = c->resblock_type == 1 ? "convs1" : "convs";
    snprintf(name, sizeof name, "dec.resblocks.%%d.%s.0.weight", convs);
    int n_blocks = count_f(im->v, name, 0, 1);
    if (n_blocks % c->n_upsamples)
        return vx_fail(VX_ERR_FORMAT, "piper: %s: %d resblocks do not split over %d upsample stages", im->what,
                       n_blocks, c->n_upsamples);
    c->n_resblock_kernels = n_blocks / c->n_upsamples;
    if ((st = count_in_range(im, "resblock kernels", c->n_resblock_kernels, 1, VX_VITS_MAX_STAGES)))
        return st;
    snprintf(name, sizeof name, "dec.resblocks.0.%s.%%d.weight", convs);
    c->n_resblock_dilations = count_f(im->v, name, 0, 1);
    if ((st = count_in_range(im, "resblock dilations", c->n_resblock_dilations, 1, VX_VITS_MAX_STAGES)))
        return st;
    for (int b = 0; b < n_blocks; b++) {
        int stage = b / c->n_resblock_kernels, k = b % c->n_resblock_kernels;
        snprintf(name, sizeof name, "dec.ups.%d.weight", stage);
        channels = vx_piper_find(im->v, name)->shape[1]; /* checked above */
        for (int d = 0; d < c->n_resblock_dilations; d++) {
            snprintf(name, sizeof name, "dec.resblocks.%d.%s.%d.weight", b, convs, d);
            NEED(name, w, channels, channels, ANY);
            if (d == 0 && stage == 0)
                c->resblock_kernels[k] = (int)w->shape[2];
            int dilation;
            if ((st = conv_attr(im, w, "dilations", 1, &dilation)))
                return st;
            if (stage == 0)
                c->resblock_dilations[k][d] = dilation;
            if (w->shape[2] != c->resblock_kernels[k] || dilation != c->resblock_dilations[k][d])
                return vx_fail(VX_ERR_FORMAT, "piper: %s: '%s' (kernel %" PRId64 ", dilation %d) differs from "
                               "stage 0 (kernel %d, dilation %d)", im->what, name, w->shape[2], dilation,
                               c->resblock_kernels[k], c->resblock_dilations[k][d]);
            if (c->resblock_type == 1) {
                snprintf(name, sizeof name, "dec.resblocks.%d.convs2.%d.weight", b, d);
                NEED(name, w, channels, channels, c->resblock_kernels[k]);
            }
        }
    }
    return VX_OK;
}

static vx_status derive_speakers(importer *im, vx_vits_config *c)
{
    const vx_piper_weight *w = vx_piper_find(im->v, "emb_g.weight");
    c->n_speakers = 1;
    c->gin_channels = 0;
    if (w) {
        NEED("emb_g.weight", w, ANY, ANY);
        c->n_speakers = (int)w->shape[0];
        c->gin_channels = (int)w->shape[1];
    }
    return VX_OK;
}

/* --- the JSON config -------------------------------------------------------------------- */

/* A non-negative integer below `limit`, or -1. */
static int64_t json_index(const vx_json *j, int64_t limit)
{
    if (!j || j->type != VX_JSON_NUMBER || !j->is_integer || j->integer < 0 || j->integer >= limit)
        return -1;
    return j->integer;
}

/* Every id in an object of arrays (phoneme_id_map) or of numbers
 * (speaker_id_map) must be an integer in [0, limit). */
static vx_status check_id_map(const importer *im, const vx_json *map, const char *key, int64_t limit)
{
    if (!map)
        return VX_OK;
    if (map->type != VX_JSON_OBJECT)
        return vx_fail(VX_ERR_FORMAT, "piper: %s: config '%s' is a %s, expected an object", im->what, key,
                       vx_json_type_name(map->type));
    for (size_t i = 0; i < map->count; i++) {
        const vx_json *item = map->items[i];
        size_t n = item->type == VX_JSON_ARRAY ? item->count : 1;
        for (size_t k = 0; k < n; k++) {
            const vx_json *id = item->type == VX_JSON_ARRAY ? item->items[k] : item;
            if (json_index(id, limit) < 0) {
                char excerpt[40];
                return vx_fail(VX_ERR_FORMAT, "piper: %s: config '%s' entry \"%s\" holds an id outside 0..%" PRId64
                               " (the model has %" PRId64 ")", im->what, key,
                               vx_json_excerpt(excerpt, sizeof excerpt, map->keys[i], map->key_lens[i]), limit - 1,
                               limit);
            }
        }
    }
    return VX_OK;
}

static vx_status read_json_config(importer *im, vx_vits_config *c)
{
    vx_json *j = vx_json_parse(im->v->json_text, im->v->json_len, im->what);
    if (!j)
        return vx_last_status();
    vx_status st = VX_OK;
    const vx_json *audio = vx_json_get(j, "audio"), *inference = vx_json_get(j, "inference");
    double rate = vx_json_get_number(audio, "sample_rate", 0);
    double speakers = vx_json_get_number(j, "num_speakers", 1);
    if (j->type != VX_JSON_OBJECT)
        st = vx_fail(VX_ERR_FORMAT, "piper: %s: the config is a %s, expected an object", im->what,
                     vx_json_type_name(j->type));
    else if (!(rate >= 1000 && rate <= 1e6 && rate == floor(rate)))
        st = vx_fail(VX_ERR_FORMAT, "piper: %s: config audio.sample_rate is missing or invalid (%g)", im->what, rate);
    else if (speakers != c->n_speakers)
        st = vx_fail(VX_ERR_FORMAT, "piper: %s: config num_speakers is %g but the model has %d speaker(s)", im->what,
                     speakers, c->n_speakers);
    if (!st)
        st = check_id_map(im, vx_json_get(j, "phoneme_id_map"), "phoneme_id_map", c->n_vocab);
    if (!st)
        st = check_id_map(im, vx_json_get(j, "speaker_id_map"), "speaker_id_map", c->n_speakers);
    if (!st) {
        c->sample_rate = (int)rate;
        c->noise_scale = (float)vx_json_get_number(inference, "noise_scale", 0.667);
        c->length_scale = (float)vx_json_get_number(inference, "length_scale", 1.0);
        c->noise_w = (float)vx_json_get_number(inference, "noise_w", 0.8);
    }
    vx_json_free(j);
    return st;
}

/* --- public API --------------------------------------------------------------------------- */

static vx_status run_import(importer *im)
{
    vx_vits_config *c = &im->v->config;
    vx_status st;
    if ((st = name_conv_weights(im)) || (st = name_embeddings(im)) || (st = name_module_paths(im)) ||
        (st = collect_weights(im)))
        return st;
    if ((st = derive_text_encoder(im, c)) || (st = derive_flow(im, c)) || (st = derive_duration_predictor(im, c)) ||
        (st = derive_decoder(im, c)) || (st = derive_speakers(im, c)))
        return st;
    return read_json_config(im, c);
}

void vx_piper_free(vx_piper_voice *v)
{
    if (!v)
        return;
    free(v->weights);
    free(v->json_text);
    free(v->logs);
    vx_onnx_close(v->onnx);
    free(v);
}

vx_piper_voice *vx_piper_import_onnx(const vx_onnx *m, const char *json_text, size_t json_len, const char *what)
{
    if (!what)
        what = "(voice)";
    if (!m || (!json_text && json_len))
        return vx_fail_null(VX_ERR_ARG, "piper: %s: no model or config given", what);
    importer im = {.m = m, .what = what, .n_inits = vx_onnx_initializer_count(m), .inits = vx_onnx_initializer(m, 0)};
    vx_piper_voice *v = calloc(1, sizeof *v);
    im.v = v;
    im.names = calloc(im.n_inits + 1, sizeof *im.names);
    im.convs = calloc(im.n_inits + 1, sizeof *im.convs);
    if (v)
        v->json_text = malloc(json_len + 1);
    vx_status st;
    if (!v || !im.names || !im.convs || !v->json_text) {
        st = vx_fail(VX_ERR_OOM, "piper: %s: out of memory", what);
    } else {
        memcpy(v->json_text, json_text, json_len);
        v->json_text[json_len] = '\0';
        v->json_len = json_len;
        st = run_import(&im);
    }
    free(im.names);
    free(im.convs);
    if (st) {
        vx_piper_free(v);
        return NULL;
    }
    return v;
}

vx_piper_voice *vx_piper_import(const char *onnx_path, const char *json_path)
{
    if (!onnx_path)
        return vx_fail_null(VX_ERR_ARG, "piper: no model path given");
    char *default_json = NULL;
    if (!json_path) {
        size_t n = strlen(onnx_path);
        if (!(default_json = malloc(n + sizeof ".json")))
            return vx_fail_null(VX_ERR_OOM, "piper: out of memory");
        memcpy(default_json, onnx_path, n);
        memcpy(default_json + n, ".json", sizeof ".json");
        json_path = default_json;
    }
    size_t json_len = 0;
    char *json = vx_read_file(json_path, VX_JSON_MAX_BYTES, "piper: the voice config (it must sit next to the "
                              ".onnx file, or pass its path)", &json_len);
    free(default_json);
    if (!json)
        return NULL;
    vx_onnx *m = vx_onnx_open(onnx_path);
    vx_piper_voice *v = m ? vx_piper_import_onnx(m, json, json_len, onnx_path) : NULL;
    free(json);
    if (!v) {
        vx_onnx_close(m);
        return NULL;
    }
    vx_onnx_release_pages(m); /* the import has read what it needs; weights fault back in as used */
    v->onnx = m;
    return v;
}
