/* fastspeech2_io.c — the "voxc-fastspeech2-1" model file: config, mel recipe
 * and phoneme set as JSON metadata next to the weights (fastspeech2_io.h). */
#include "models/fastspeech2_io.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/safetensors.h"
#include "text/phoneme_ids.h"

/* --- config fields ------------------------------------------------------------------ */

typedef enum field_kind { FIELD_INT, FIELD_INT2, FIELD_FLOAT } field_kind;

typedef struct config_field {
    const char *name;
    field_kind kind;
    size_t offset;
} config_field;

#define CFG_INT(f) {#f, FIELD_INT, offsetof(vx_fs2_config, f)}
#define CFG_FLOAT(f) {#f, FIELD_FLOAT, offsetof(vx_fs2_config, f)}

/* Every vx_fs2_config field, in declaration order. */
static const config_field config_fields[] = {
    CFG_INT(n_vocab), CFG_INT(n_speakers), CFG_INT(n_mels), CFG_INT(hidden), CFG_INT(heads),
    CFG_INT(enc_layers), CFG_INT(dec_layers), CFG_INT(ffn_filter),
    {"ffn_kernel", FIELD_INT2, offsetof(vx_fs2_config, ffn_kernel)},
    CFG_FLOAT(dropout), CFG_INT(vp_filter), CFG_INT(vp_kernel), CFG_FLOAT(vp_dropout), CFG_INT(n_bins),
    CFG_FLOAT(pitch_mean), CFG_FLOAT(pitch_std), CFG_FLOAT(pitch_min), CFG_FLOAT(pitch_max),
    CFG_FLOAT(energy_mean), CFG_FLOAT(energy_std), CFG_FLOAT(energy_min), CFG_FLOAT(energy_max),
    CFG_INT(postnet_layers), CFG_INT(postnet_channels), CFG_INT(postnet_kernel), CFG_FLOAT(postnet_dropout),
};
#define N_CONFIG_FIELDS (sizeof config_fields / sizeof config_fields[0])

/* 14 ints, one int pair, 11 floats: a new config field must join the table. */
_Static_assert(sizeof(vx_fs2_config) == 14 * sizeof(int) + 2 * sizeof(int) + 11 * sizeof(float) &&
                   N_CONFIG_FIELDS == 14 + 1 + 11,
               "vx_fs2_config changed: update config_fields in fastspeech2_io.c");

/* The text an open_memstream stream collected into *buf (set by fclose), or
 * NULL (error set) when it failed. */
static char *close_stream(FILE *m, char **buf, const char *what)
{
    bool failed = ferror(m) != 0;
    if (fclose(m) != 0 || failed || !*buf) {
        free(*buf);
        return vx_fail_null(VX_ERR_OOM, "fastspeech2 file: out of memory writing the %s JSON", what);
    }
    return *buf;
}

char *vx_fs2_config_to_json(const vx_fs2_config *cfg)
{
    if (!cfg)
        return vx_fail_null(VX_ERR_ARG, "fastspeech2 file: config is NULL");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return vx_fail_null(VX_ERR_OOM, "fastspeech2 file: out of memory writing the config JSON");
    fputc('{', m);
    for (size_t i = 0; i < N_CONFIG_FIELDS; i++) {
        const config_field *f = &config_fields[i];
        const char *at = (const char *)cfg + f->offset;
        fprintf(m, "%s\"%s\":", i ? "," : "", f->name);
        if (f->kind == FIELD_INT)
            fprintf(m, "%d", *(const int *)(const void *)at);
        else if (f->kind == FIELD_INT2)
            fprintf(m, "[%d,%d]", ((const int *)(const void *)at)[0], ((const int *)(const void *)at)[1]);
        else
            fprintf(m, "%.9g", (double)*(const float *)(const void *)at);
    }
    fputc('}', m);
    return close_stream(m, &buf, "config");
}

/* An int from a JSON integer that fits. */
static vx_status read_int(const vx_json *v, const char *what, const char *name, int *out)
{
    if (!v || v->type != VX_JSON_NUMBER || !v->is_integer || v->integer < -2147483647 - 1 ||
        v->integer > 2147483647)
        return vx_fail(VX_ERR_FORMAT, "%s: \"%s\" must be an integer (got %s)", what, name,
                       v ? vx_json_type_name(v->type) : "nothing");
    *out = (int)v->integer;
    return VX_OK;
}

/* Keys of object j that are not in names[n] are refused. */
static vx_status refuse_unknown_keys(const vx_json *j, const char *what, const char *const *names, size_t n)
{
    for (size_t k = 0; k < j->count; k++) {
        bool known = false;
        for (size_t i = 0; i < n && !known; i++)
            known = strlen(names[i]) == j->key_lens[k] && memcmp(names[i], j->keys[k], j->key_lens[k]) == 0;
        if (!known) {
            char key[64];
            return vx_fail(VX_ERR_FORMAT, "%s: unknown key \"%s\"", what,
                           vx_json_excerpt(key, sizeof key, j->keys[k], j->key_lens[k]));
        }
    }
    return VX_OK;
}

vx_status vx_fs2_config_from_json(const vx_json *j, const char *what, vx_fs2_config *cfg)
{
    what = what ? what : "fastspeech2 config";
    if (!j || j->type != VX_JSON_OBJECT || !cfg)
        return vx_fail(VX_ERR_FORMAT, "%s: want a JSON object with the vx_fs2_config fields", what);
    const char *names[N_CONFIG_FIELDS];
    for (size_t i = 0; i < N_CONFIG_FIELDS; i++)
        names[i] = config_fields[i].name;
    vx_status st = refuse_unknown_keys(j, what, names, N_CONFIG_FIELDS);
    vx_fs2_config c;
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < N_CONFIG_FIELDS && !st; i++) {
        const config_field *f = &config_fields[i];
        const vx_json *v = vx_json_get(j, f->name);
        char *at = (char *)&c + f->offset;
        if (!v)
            st = vx_fail(VX_ERR_FORMAT, "%s: \"%s\" is missing", what, f->name);
        else if (f->kind == FIELD_INT)
            st = read_int(v, what, f->name, (int *)(void *)at);
        else if (f->kind == FIELD_INT2) {
            if (v->type != VX_JSON_ARRAY || v->count != 2)
                st = vx_fail(VX_ERR_FORMAT, "%s: \"%s\" must be an array of 2 integers", what, f->name);
            for (size_t k = 0; k < 2 && !st; k++)
                st = read_int(v->items[k], what, f->name, (int *)(void *)at + k);
        } else if (v->type != VX_JSON_NUMBER || !isfinite((float)v->number))
            st = vx_fail(VX_ERR_FORMAT, "%s: \"%s\" must be a finite number (got %s)", what, f->name,
                         vx_json_type_name(v->type));
        else
            *(float *)(void *)at = (float)v->number;
    }
    if (!st && vx_fs2_config_check(&c) != VX_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", vx_last_error());
        st = vx_fail(VX_ERR_FORMAT, "%s: %s", what, msg);
    }
    if (!st)
        *cfg = c;
    return st;
}

/* --- audio recipe -------------------------------------------------------------------- */

static const char *const audio_keys[] = {"sample_rate", "hop",      "n_fft",     "win",      "n_mels",
                                         "fmin",        "fmax",     "pad",       "pad_mode", "mel_scale",
                                         "mel_norm",    "mag_eps",  "log_floor"};

char *vx_fs2_audio_to_json(const vx_logmel_cfg *a)
{
    if (!a)
        return vx_fail_null(VX_ERR_ARG, "fastspeech2 file: audio recipe is NULL");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return vx_fail_null(VX_ERR_OOM, "fastspeech2 file: out of memory writing the audio JSON");
    fprintf(m, "{\"sample_rate\":%d,\"hop\":%d,\"n_fft\":%d,\"win\":%d,\"n_mels\":%d,\"fmin\":%.17g,"
            "\"fmax\":%.17g,\"pad\":%d,\"pad_mode\":\"%s\",\"mel_scale\":\"%s\",\"mel_norm\":\"%s\","
            "\"mag_eps\":%.9g,\"log_floor\":%.9g}",
            a->mel.sample_rate, a->stft.hop, a->stft.n_fft, a->stft.win_length ? a->stft.win_length : a->stft.n_fft,
            a->mel.n_mels, a->mel.fmin, a->mel.fmax, a->stft.pad,
            a->stft.pad_mode == VX_PAD_REFLECT ? "reflect" : "constant",
            a->mel.scale == VX_MEL_HTK ? "htk" : "slaney", a->mel.norm == VX_MEL_NORM_NONE ? "none" : "slaney",
            (double)a->mag_eps, (double)a->log_floor);
    return close_stream(m, &buf, "audio");
}

/* Member `key` as a finite number. */
static vx_status read_number(const vx_json *j, const char *what, const char *key, double *out)
{
    const vx_json *v = vx_json_get(j, key);
    if (!v)
        return vx_fail(VX_ERR_FORMAT, "%s: \"%s\" is missing", what, key);
    if (v->type != VX_JSON_NUMBER || !isfinite(v->number))
        return vx_fail(VX_ERR_FORMAT, "%s: \"%s\" must be a number (got %s)", what, key, vx_json_type_name(v->type));
    *out = v->number;
    return VX_OK;
}

/* Member `key`, a string that must be one of a or b: *out = 0 for a, 1 for b. */
static vx_status read_choice(const vx_json *j, const char *what, const char *key, const char *a, const char *b,
                             int *out)
{
    const vx_json *v = vx_json_get(j, key);
    if (!v)
        return vx_fail(VX_ERR_FORMAT, "%s: \"%s\" is missing", what, key);
    if (v->type == VX_JSON_STRING && (!strcmp(v->string, a) || !strcmp(v->string, b))) {
        *out = strcmp(v->string, a) != 0;
        return VX_OK;
    }
    return vx_fail(VX_ERR_FORMAT, "%s: \"%s\" must be \"%s\" or \"%s\"", what, key, a, b);
}

vx_status vx_fs2_audio_from_json(const vx_json *j, const char *what, vx_logmel_cfg *audio)
{
    what = what ? what : "fastspeech2 audio recipe";
    if (!j || j->type != VX_JSON_OBJECT || !audio)
        return vx_fail(VX_ERR_FORMAT, "%s: want a JSON object with the mel recipe", what);
    size_t n_keys = sizeof audio_keys / sizeof audio_keys[0];
    vx_status st = refuse_unknown_keys(j, what, audio_keys, n_keys);
    vx_logmel_cfg a;
    memset(&a, 0, sizeof a);
    struct { const char *key; int *value; } ints[] = {
        {"sample_rate", &a.mel.sample_rate}, {"hop", &a.stft.hop}, {"n_fft", &a.stft.n_fft},
        {"win", &a.stft.win_length}, {"n_mels", &a.mel.n_mels}, {"pad", &a.stft.pad},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0] && !st; i++) {
        const vx_json *v = vx_json_get(j, ints[i].key);
        st = v ? read_int(v, what, ints[i].key, ints[i].value)
               : vx_fail(VX_ERR_FORMAT, "%s: \"%s\" is missing", what, ints[i].key);
    }
    double eps = 0, floor_ = 0;
    int pad_mode = 0, scale = 0, norm = 0;
    if (!st)
        st = read_number(j, what, "fmin", &a.mel.fmin);
    if (!st)
        st = read_number(j, what, "fmax", &a.mel.fmax);
    if (!st)
        st = read_number(j, what, "mag_eps", &eps);
    if (!st)
        st = read_number(j, what, "log_floor", &floor_);
    if (!st)
        st = read_choice(j, what, "pad_mode", "reflect", "constant", &pad_mode);
    if (!st)
        st = read_choice(j, what, "mel_scale", "slaney", "htk", &scale);
    if (!st)
        st = read_choice(j, what, "mel_norm", "slaney", "none", &norm);
    if (st)
        return st;
    a.stft.pad_mode = pad_mode ? VX_PAD_CONSTANT : VX_PAD_REFLECT;
    a.mel.scale = scale ? VX_MEL_HTK : VX_MEL_SLANEY;
    a.mel.norm = norm ? VX_MEL_NORM_NONE : VX_MEL_NORM_SLANEY;
    a.mel.n_fft = a.stft.n_fft;
    a.mag_eps = (float)eps;
    a.log_floor = (float)floor_;
    vx_logmel *lm = vx_logmel_new(&a); /* validates every field together */
    if (!lm) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", vx_last_error());
        return vx_fail(VX_ERR_FORMAT, "%s: not a usable mel recipe: %s", what, msg);
    }
    vx_logmel_free(lm);
    *audio = a;
    return VX_OK;
}

/* --- phonemes ------------------------------------------------------------------------- */

/* j as compact JSON (numbers that were integers stay integers). */
static void write_value(FILE *m, const vx_json *j)
{
    switch (j->type) {
    case VX_JSON_NULL: fputs("null", m); break;
    case VX_JSON_BOOL: fputs(j->boolean ? "true" : "false", m); break;
    case VX_JSON_NUMBER:
        if (j->is_integer)
            fprintf(m, "%lld", (long long)j->integer);
        else
            fprintf(m, "%.17g", j->number);
        break;
    case VX_JSON_STRING: vx_json_write_string(m, j->string, j->len); break;
    case VX_JSON_ARRAY:
    case VX_JSON_OBJECT:
        fputc(j->type == VX_JSON_ARRAY ? '[' : '{', m);
        for (size_t i = 0; i < j->count; i++) {
            if (i)
                fputc(',', m);
            if (j->type == VX_JSON_OBJECT) {
                vx_json_write_string(m, j->keys[i], j->key_lens[i]);
                fputc(':', m);
            }
            write_value(m, j->items[i]);
        }
        fputc(j->type == VX_JSON_ARRAY ? ']' : '}', m);
        break;
    }
}

/* A phoneme set object (or a whole Piper config): a usable phoneme_id_map and,
 * when present, an espeak object with a string "voice". */
static vx_status check_phonemes(const vx_json *j, const char *what)
{
    if (!j || j->type != VX_JSON_OBJECT)
        return vx_fail(VX_ERR_FORMAT, "%s: want a JSON object with \"phoneme_id_map\"", what);
    vx_phoneme_id_map *map = vx_phoneme_id_map_from_config(j, what);
    if (!map)
        return vx_last_status();
    vx_phoneme_id_map_free(map);
    const vx_json *espeak = vx_json_get(j, "espeak");
    const vx_json *voice = espeak ? vx_json_get(espeak, "voice") : NULL;
    if (espeak && (!voice || voice->type != VX_JSON_STRING || !voice->len))
        return vx_fail(VX_ERR_FORMAT, "%s: \"espeak\" must be an object with a string \"voice\"", what);
    return VX_OK;
}

/* The phonemes object from a parsed Piper voice config. */
static char *phonemes_json(const vx_json *config, const char *what)
{
    if (check_phonemes(config, what) != VX_OK)
        return NULL;
    const vx_json *espeak = vx_json_get(config, "espeak");
    const vx_json *type = vx_json_get(config, "phoneme_type");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return vx_fail_null(VX_ERR_OOM, "fastspeech2 file: out of memory writing the phonemes JSON");
    fputs("{\"phoneme_id_map\":", m);
    write_value(m, vx_json_get(config, "phoneme_id_map"));
    fputs(",\"espeak\":{\"voice\":", m);
    const char *voice = espeak ? vx_json_get_string(espeak, "voice", "en-us") : "en-us";
    vx_json_write_string(m, voice, strlen(voice)); /* speak.c's default when the config has none */
    fputc('}', m);
    if (type && type->type == VX_JSON_STRING) {
        fputs(",\"phoneme_type\":", m);
        vx_json_write_string(m, type->string, type->len);
    }
    fputc('}', m);
    return close_stream(m, &buf, "phonemes");
}

/* --- info ------------------------------------------------------------------------------- */

vx_status vx_fs2_file_info_init(vx_fs2_file_info *info, const vx_logmel_cfg *audio, const char *voice_config,
                                size_t len, const char *what, const char *teacher)
{
    if (!info || !audio || !voice_config)
        return vx_fail(VX_ERR_ARG, "fastspeech2 file: info, audio recipe and voice config must not be NULL");
    memset(info, 0, sizeof *info);
    what = what ? what : "the voice config";
    vx_json *config = vx_json_parse(voice_config, len, what);
    if (!config)
        return vx_last_status();
    info->audio = *audio;
    info->phonemes = phonemes_json(config, what);
    vx_json_free(config);
    vx_status st = info->phonemes ? VX_OK : vx_last_status();
    if (!st && teacher && !(info->teacher = strdup(teacher)))
        st = vx_fail(VX_ERR_OOM, "fastspeech2 file: out of memory copying the teacher text");
    if (st)
        vx_fs2_file_info_free(info);
    return st;
}

void vx_fs2_file_info_free(vx_fs2_file_info *info)
{
    if (!info)
        return;
    free(info->phonemes);
    free(info->teacher);
    memset(info, 0, sizeof *info);
}

/* --- saving ------------------------------------------------------------------------------ */

/* Every parameter then every buffer of m. */
typedef struct tensor_set {
    vx_tensor *const *params, *const *buffers;
    int n_params, n_buffers;
} tensor_set;

static tensor_set tensors_of(const vx_fs2 *m)
{
    tensor_set s;
    s.n_params = vx_fs2_params(m, &s.params);
    s.n_buffers = vx_fs2_buffers(m, &s.buffers);
    return s;
}

static vx_tensor *tensor_at(const tensor_set *s, int i)
{
    return i < s->n_params ? s->params[i] : s->buffers[i - s->n_params];
}

/* The phonemes text is one object with a usable map. */
static vx_status check_phonemes_text(const char *text, const char *what)
{
    if (!text)
        return vx_fail(VX_ERR_ARG, "%s: no phoneme set; fill the info with vx_fs2_file_info_init", what);
    vx_json *j = vx_json_parse(text, strlen(text), what);
    vx_status st = j ? check_phonemes(j, what) : vx_last_status();
    vx_json_free(j);
    return st;
}

vx_status vx_fs2_save(const char *path, const vx_fs2 *m, const vx_fs2_file_info *info)
{
    if (!path || !m || !info)
        return vx_fail(VX_ERR_ARG, "fastspeech2 save: path, model and info must not be NULL");
    const vx_fs2_config *cfg = vx_fs2_get_config(m);
    char what[320];
    snprintf(what, sizeof what, "fastspeech2 save %s: phonemes", path);
    vx_status st = check_phonemes_text(info->phonemes, what);
    if (st)
        return st;
    vx_logmel *lm = vx_logmel_new(&info->audio);
    if (!lm)
        return vx_last_status();
    vx_logmel_free(lm);
    if (info->audio.mel.n_mels != cfg->n_mels)
        return vx_fail(VX_ERR_ARG, "fastspeech2 save %s: the audio recipe has %d mels, the model %d", path,
                       info->audio.mel.n_mels, cfg->n_mels);
    tensor_set s = tensors_of(m);
    int n = s.n_params + s.n_buffers;
    vx_st_write_entry *entries = calloc((size_t)n, sizeof *entries);
    char *config = vx_fs2_config_to_json(cfg), *audio = vx_fs2_audio_to_json(&info->audio);
    if (!entries || !config || !audio)
        st = entries ? vx_last_status() : vx_fail(VX_ERR_OOM, "fastspeech2 save: out of memory");
    for (int i = 0; i < n && !st; i++) {
        const vx_tensor *t = tensor_at(&s, i);
        if (t->dtype != VX_F32 || !vx_is_contiguous(t)) {
            st = vx_fail(VX_ERR_ARG, "fastspeech2 save: tensor %s is not contiguous F32", t->name);
            break;
        }
        entries[i] = (vx_st_write_entry){.name = t->name, .dtype = VX_F32, .ndim = t->ndim, .data = t->data};
        memcpy(entries[i].shape, t->shape, sizeof t->shape);
    }
    if (!st) {
        const char *keys[] = {"format", "config", "audio", "phonemes", "teacher"};
        const char *values[] = {VX_FS2_FORMAT, config, audio, info->phonemes, info->teacher};
        st = vx_st_write(path, n, entries, info->teacher ? 5 : 4, keys, values);
    }
    free(entries);
    free(config);
    free(audio);
    return st;
}

/* --- loading ------------------------------------------------------------------------------- */

/* Metadata `key` parsed as JSON (NULL with the error set when absent or bad). */
static vx_json *metadata_json(const vx_st_file *f, const char *key, char *what, size_t what_size)
{
    snprintf(what, what_size, "%s: metadata \"%s\"", vx_st_name(f), key);
    const char *text = vx_st_metadata(f, key);
    if (!text)
        return vx_fail_null(VX_ERR_FORMAT, "%s is missing (not a complete %s file)", what, VX_FS2_FORMAT);
    return vx_json_parse(text, strlen(text), what);
}

/* Config, audio and phoneme set from the metadata (info may be NULL). */
static vx_status read_metadata(const vx_st_file *f, vx_fs2_config *cfg, vx_fs2_file_info *info)
{
    const char *path = vx_st_name(f), *format = vx_st_metadata(f, "format");
    if (!format)
        return vx_fail(VX_ERR_FORMAT, "%s: no \"format\" metadata; not a voxc FastSpeech2 model (%s)", path,
                       VX_FS2_FORMAT);
    if (strcmp(format, VX_FS2_FORMAT) != 0) {
        char got[64];
        return vx_fail(VX_ERR_FORMAT, "%s: format \"%s\"; this build reads %s", path,
                       vx_json_excerpt(got, sizeof got, format, strlen(format)), VX_FS2_FORMAT);
    }
    char what[320];
    vx_logmel_cfg audio;
    vx_json *j = metadata_json(f, "config", what, sizeof what);
    vx_status st = j ? vx_fs2_config_from_json(j, what, cfg) : vx_last_status();
    vx_json_free(j);
    if (!st) {
        j = metadata_json(f, "audio", what, sizeof what);
        st = j ? vx_fs2_audio_from_json(j, what, &audio) : vx_last_status();
        vx_json_free(j);
    }
    if (!st && audio.mel.n_mels != cfg->n_mels)
        st = vx_fail(VX_ERR_FORMAT, "%s: the audio recipe has %d mels, the model config %d", path,
                     audio.mel.n_mels, cfg->n_mels);
    if (!st) {
        j = metadata_json(f, "phonemes", what, sizeof what);
        st = j ? check_phonemes(j, what) : vx_last_status();
        vx_json_free(j);
    }
    if (st || !info)
        return st;
    const char *teacher = vx_st_metadata(f, "teacher");
    info->audio = audio;
    info->phonemes = strdup(vx_st_metadata(f, "phonemes"));
    info->teacher = teacher ? strdup(teacher) : NULL;
    if (!info->phonemes || (teacher && !info->teacher)) {
        vx_fs2_file_info_free(info);
        return vx_fail(VX_ERR_OOM, "%s: out of memory reading the metadata", path);
    }
    return VX_OK;
}

/* The file's entry for t: F32 with t's shape. */
static const vx_st_entry *matching_entry(const vx_st_file *f, const vx_tensor *t)
{
    const vx_st_entry *e = vx_st_find(f, t->name);
    char want[64];
    if (!e)
        return vx_fail_null(VX_ERR_FORMAT, "%s: tensor %s is missing (the config wants %s)", vx_st_name(f),
                            t->name, vx_shape_str(t, want, sizeof want));
    bool same = e->dtype == VX_F32 && e->ndim == t->ndim;
    for (int d = 0; same && d < t->ndim; d++)
        same = e->shape[d] == t->shape[d];
    if (!same) {
        vx_tensor got = {.dtype = e->dtype, .ndim = e->ndim};
        memcpy(got.shape, e->shape, sizeof got.shape);
        char have[64];
        return vx_fail_null(VX_ERR_FORMAT, "%s: tensor %s is %s %s; the config wants F32 %s", vx_st_name(f), t->name,
                            vx_st_dtype_name(e->dtype), vx_shape_str(&got, have, sizeof have),
                            vx_shape_str(t, want, sizeof want));
    }
    return e;
}

/* Copy every parameter from f; buffers (derived from the config) must equal
 * what the config gives; no other tensor may be in the file. */
static vx_status load_tensors(const vx_st_file *f, const vx_fs2 *m)
{
    tensor_set s = tensors_of(m);
    int n = s.n_params + s.n_buffers;
    for (int i = 0; i < n; i++) {
        vx_tensor *t = tensor_at(&s, i);
        const vx_st_entry *e = matching_entry(f, t);
        if (!e)
            return vx_last_status();
        if (i < s.n_params)
            memcpy(t->data, e->data, e->nbytes);
        else if (memcmp(t->data, e->data, e->nbytes) != 0)
            return vx_fail(VX_ERR_FORMAT, "%s: buffer %s differs from the one its config's min/max and n_bins "
                           "give; the config and the weights do not belong together", vx_st_name(f), t->name);
    }
    for (int k = 0; k < vx_st_count(f); k++) {
        const char *name = vx_st_entry_at(f, k)->name;
        bool known = false;
        for (int i = 0; i < n && !known; i++)
            known = strcmp(tensor_at(&s, i)->name, name) == 0;
        if (!known)
            return vx_fail(VX_ERR_FORMAT, "%s: tensor %s is not part of the model its config describes",
                           vx_st_name(f), name);
    }
    return VX_OK;
}

vx_fs2 *vx_fs2_load(vx_ctx *ctx, const char *path, vx_fs2_file_info *info)
{
    if (info)
        memset(info, 0, sizeof *info);
    if (!ctx || !path)
        return vx_fail_null(VX_ERR_ARG, "fastspeech2 load: context and path must not be NULL");
    vx_st_file *f = vx_st_open(path);
    if (!f)
        return NULL;
    vx_fs2_config cfg;
    vx_fs2 *m = NULL;
    vx_status st = read_metadata(f, &cfg, info);
    if (!st && !(m = vx_fs2_new(ctx, &cfg)))
        st = vx_last_status();
    if (!st)
        st = load_tensors(f, m);
    vx_st_close(f);
    if (st) {
        vx_fs2_free(m);
        vx_fs2_file_info_free(info);
        return NULL;
    }
    return m;
}

bool vx_fs2_file_detect(const char *path)
{
    vx_st_file *f = path ? vx_st_open(path) : NULL;
    const char *format = f ? vx_st_metadata(f, "format") : NULL;
    bool fs2 = format && strncmp(format, "voxc-fastspeech2", 16) == 0;
    vx_st_close(f);
    return fs2;
}
