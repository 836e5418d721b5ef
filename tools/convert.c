/* convert.c — voxc-convert: bring models from other tools into voxc.
 *
 *   voxc-convert piper MODEL.onnx OUT.safetensors   Piper voice -> VITS weights
 *   voxc-convert onnx-info MODEL.onnx               list an ONNX file's contents
 *
 * The Piper conversion writes every weight as F32 under voxc's VITS names and
 * stores the voice's .onnx.json verbatim plus the derived hyper-parameters in
 * the safetensors __metadata__ (keys in models/piper_import.h); the output is
 * written atomically (temporary file, then rename). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/onnx.h"
#include "models/piper_import.h"
#include "nn/safetensors.h"

static void usage(FILE *out)
{
    fputs("usage: voxc-convert piper MODEL.onnx OUT.safetensors [--config MODEL.onnx.json]\n"
          "       voxc-convert onnx-info MODEL.onnx [--nodes]\n"
          "\n"
          "piper      import a Piper voice (VITS generator exported to ONNX) and write its\n"
          "           weights as F32 safetensors under voxc's VITS names (PyTorch module\n"
          "           paths such as enc_p.encoder.attn_layers.0.conv_q.weight). The metadata\n"
          "           holds \"" VX_VITS_META_MODEL "\": \"vits\", \"" VX_VITS_META_CONFIG
          "\" (hyper-parameters derived from the\n"
          "           graph) and \"" VX_VITS_META_PIPER "\" (the voice's .onnx.json, verbatim).\n"
          "           --config FILE  the voice config (default: MODEL.onnx.json)\n"
          "onnx-info  print the opset, graph inputs/outputs and every initializer (name,\n"
          "           data type, dims) of an ONNX file\n"
          "           --nodes        also list every node: op, name, inputs -> outputs and\n"
          "                          its integer / float attributes\n"
          "--help     show this help\n"
          "\n"
          "Get the default voice with `sh data/fetch_voice.sh` (data/voices/en_US-joe-medium.onnx).\n"
          "Exit status: 0 on success, 1 when a file cannot be read, imported or written, 2 for bad\n"
          "usage.\n",
          out);
}

static int fail(const char *what)
{
    fprintf(stderr, "voxc-convert: %s%s%s\n", what ? what : "", what ? ": " : "", vx_last_error());
    return 1;
}

static int convert_piper(const char *onnx_path, const char *out_path, const char *config_path)
{
    vx_piper_voice *v = vx_piper_import(onnx_path, config_path);
    if (!v)
        return fail(NULL);
    int status = 0;
    char *config = vx_vits_config_json(&v->config);
    vx_st_write_entry *entries = calloc(v->n_weights ? v->n_weights : 1, sizeof *entries);
    if (!config || !entries) {
        status = fail("out of memory");
        goto done;
    }
    for (size_t i = 0; i < v->n_weights; i++) {
        const vx_piper_weight *w = &v->weights[i];
        if (w->ndim > VX_MAX_DIMS) {
            fprintf(stderr, "voxc-convert: weight %s has %d dims; safetensors tensors in voxc hold at most %d\n",
                    w->name, w->ndim, VX_MAX_DIMS);
            status = 1;
            goto done;
        }
        entries[i] = (vx_st_write_entry){.name = w->name, .dtype = VX_F32, .ndim = w->ndim, .data = w->data};
        for (int d = 0; d < w->ndim; d++)
            entries[i].shape[d] = w->shape[d];
    }
    const char *keys[] = {VX_VITS_META_MODEL, VX_VITS_META_CONFIG, VX_VITS_META_PIPER};
    const char *values[] = {"vits", config, v->json_text};
    if (vx_st_write(out_path, (int)v->n_weights, entries, 3, keys, values)) {
        status = fail(NULL);
        goto done;
    }
    const vx_vits_config *c = &v->config;
    printf("%s: %zu weights, hidden %d, %d layers, %d speaker(s), resblock %d, hop %d, %d Hz -> %s\n", onnx_path,
           v->n_weights, c->hidden_channels, c->n_layers, c->n_speakers, c->resblock_type, c->hop_length,
           c->sample_rate, out_path);
done:
    free(entries);
    free(config);
    vx_piper_free(v);
    return status;
}

static void print_dims(const vx_onnx_tensor *t)
{
    printf("[");
    for (int d = 0; d < t->ndim; d++)
        printf("%s%" PRId64, d ? "," : "", t->dims[d]);
    printf("]");
}

static void print_node(const vx_onnx_node *n)
{
    printf("%s %s (", n->op_type, n->name[0] ? n->name : "(unnamed)");
    for (size_t i = 0; i < n->n_inputs; i++)
        printf("%s%s", i ? ", " : "", n->inputs[i]);
    printf(") -> (");
    for (size_t i = 0; i < n->n_outputs; i++)
        printf("%s%s", i ? ", " : "", n->outputs[i]);
    printf(")");
    for (size_t i = 0; i < n->n_attrs; i++) {
        const vx_onnx_attr *a = &n->attrs[i];
        if (a->type == VX_ONNX_ATTR_INT)
            printf(" %s=%" PRId64, a->name, a->i);
        else if (a->type == VX_ONNX_ATTR_FLOAT)
            printf(" %s=%g", a->name, (double)a->f);
        else if (a->type == VX_ONNX_ATTR_INTS) {
            printf(" %s=[", a->name);
            for (size_t k = 0; k < a->n_ints; k++)
                printf("%s%" PRId64, k ? "," : "", a->ints[k]);
            printf("]");
        }
    }
    printf("\n");
}

static int onnx_info(const char *path, bool nodes)
{
    vx_onnx *m = vx_onnx_open(path);
    if (!m)
        return fail(NULL);
    printf("%s: ir_version %" PRId64 ", opset %" PRId64 ", %zu initializers, %zu nodes\ninputs:", path,
           vx_onnx_ir_version(m), vx_onnx_opset(m), vx_onnx_initializer_count(m), vx_onnx_node_count(m));
    for (size_t i = 0; i < vx_onnx_input_count(m); i++)
        printf(" %s", vx_onnx_input_name(m, i));
    printf("\noutputs:");
    for (size_t i = 0; i < vx_onnx_output_count(m); i++)
        printf(" %s", vx_onnx_output_name(m, i));
    printf("\n");
    for (size_t i = 0; i < vx_onnx_initializer_count(m); i++) {
        const vx_onnx_tensor *t = vx_onnx_initializer(m, i);
        printf("init %s %s ", t->name, vx_onnx_dtype_name(t->data_type));
        print_dims(t);
        printf("\n");
    }
    for (size_t i = 0; nodes && i < vx_onnx_node_count(m); i++) {
        printf("node ");
        print_node(vx_onnx_node_at(m, i));
    }
    vx_onnx_close(m);
    return 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    if (argc >= 2 && !strcmp(argv[1], "piper")) {
        const char *paths[2] = {NULL, NULL}, *config = NULL;
        int n_paths = 0;
        for (int i = 2; i < argc; i++) {
            if (!strcmp(argv[i], "--config") && i + 1 < argc)
                config = argv[++i];
            else if (argv[i][0] != '-' && n_paths < 2)
                paths[n_paths++] = argv[i];
            else {
                fprintf(stderr, "voxc-convert piper: unexpected argument '%s' (see --help)\n", argv[i]);
                return 2;
            }
        }
        if (n_paths != 2) {
            fprintf(stderr, "voxc-convert piper: need MODEL.onnx and OUT.safetensors (see --help)\n");
            return 2;
        }
        return convert_piper(paths[0], paths[1], config);
    }
    if (argc >= 3 && !strcmp(argv[1], "onnx-info")) {
        bool nodes = argc == 4 && !strcmp(argv[3], "--nodes");
        if (argc > 4 || (argc == 4 && !nodes)) {
            fprintf(stderr, "voxc-convert onnx-info: unexpected argument '%s' (see --help)\n", argv[argc - 1]);
            return 2;
        }
        return onnx_info(argv[2], nodes);
    }
    usage(stderr);
    return 2;
}
