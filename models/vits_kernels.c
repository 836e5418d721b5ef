/* vits_kernels.c — inference-only kernels shared by the VITS flow and
 * decoder (declared in vits_internal.h): convolutions as one GEMM per column
 * tile, reading im2col's rows in place from a window of the activated input
 * and writing the output's start (bias, residual) in the GEMM's epilogue; a bias fill for the outputs
 * that other code adds into.
 * ref: K. Chellapilla et al. 2006 (convolution as im2col + matrix product). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/kernels/gemm.h"
#include "core/kernels/im2col.h"
#include "core/kernels/vmath.h"
#include "core/threads.h"
#include "models/vits_internal.h"

static vx_decoder_conv conv_mode = VX_DECODER_CONV_AUTO;

void vx_set_decoder_conv(vx_decoder_conv mode) { conv_mode = mode; }

/* AUTO's choice, for the kernels measured (5 to 11), from single
 * convolutions timed at 1 thread on Zen 4 (docs/BENCHMARKS.md "FFT
 * convolution": voxc-opbench fftconv against conv1d, dilation 3, 20000
 * samples): the FFT takes 0.45-0.72 of the direct time at kernel 7 and
 * 64-256 channels, 0.33-0.58 at kernel 11 and 32-256, 0.58-0.63 at kernel 5
 * and 128-256 channels (n = 32), and loses or ties at kernel 3 (0.98-1.8).
 * Kernel 7 at 32 channels and kernel 5 at 32-64 stay direct: marginal there
 * (0.74-1.13 in that table, by n), and taking them too
 * did not make the Piper voice reliably faster (tools/bench_ab.py: faster at
 * 1 thread, as fast or slower at 2). 256 channels and more take n = 32:
 * within about 20 % of n = 64 either way there, with half the memory (one conv's
 * spectra take n·ch² floats). */
int vits_fft_size(int64_t ch, int64_t kernel)
{
    int n = 0;
    if (conv_mode == VX_DECODER_CONV_FFT)
        n = kernel < 16 ? 32 : 64;
    else if (conv_mode != VX_DECODER_CONV_AUTO || kernel > 11) /* wider kernels: not measured */
        n = 0;
    else if ((kernel >= 7 && ch >= 64) || (kernel == 11 && ch >= 32))
        n = ch >= 256 ? 32 : 64;
    else if (kernel >= 5 && ch >= 128)
        n = 32;
    return n && vx_fftconv_fits(ch, ch, kernel, n) ? n : 0;
}

bool vits_tile_fits(const vits_conv *c)
{
    return c->kernel <= VITS_MAX_KERNEL && c->cin * ((c->kernel - 1) * c->dilation + 16) <= VITS_TILE_FLOATS;
}

/* One column tile [t0, t0 + nt) of a stride-1 convolution's input, activated:
 * the window of x the tile reads, act[c, i] = act(x[c, t0 − pad + i])
 * (0 outside [0, T)), i < nt + (K−1)·dilation. Row (c, k) of im2col is
 * act[c, k·dilation ...], which the GEMM reads in place (vx_sgemm_packed_rows). */
typedef struct window_job {
    const float *x;
    int64_t T, width, start;
    float scale, slope;
    float *act;
} window_job;

/* dst[i] = vits_activate(src[i], scale, slope) for i < n, by vmath's vector
 * kernels (the CPU's widest; the same bits: x·scale, then x·slope below 0). */
static void activate_span(float *dst, const float *src, int64_t n, float scale, float slope)
{
    if (scale == 1.0f && slope == 1.0f) {
        memcpy(dst, src, sizeof(float) * (size_t)n);
        return;
    }
    if (scale != 1.0f) {
        vx_vunary_impl(0, VX_VSCALE, src, dst, n, scale, 0.0f);
        src = dst;
    }
    vx_vunary_impl(0, VX_VLEAKY_RELU, src, dst, n, slope, 0.0f);
}

static void window_rows(void *arg, int64_t c0, int64_t c1, int tid)
{
    const window_job *j = arg;
    int64_t lo = j->start < 0 ? -j->start : 0, hi = j->T - j->start < j->width ? j->T - j->start : j->width;
    hi = hi < lo ? lo : hi; /* [lo, hi): inside x */
    for (int64_t c = c0; c < c1; c++) {
        float *act = j->act + c * j->width;
        for (int64_t i = 0; i < lo; i++)
            act[i] = 0.0f;
        activate_span(act + lo, j->x + c * j->T + j->start + lo, hi - lo, j->scale, j->slope);
        for (int64_t i = hi; i < j->width; i++)
            act[i] = 0.0f;
    }
}

/* start for the column tile from t0 on: its residual shifted to the tile. */
static const vx_gemm_start *tile_start(const vx_gemm_start *start, int64_t t0, vx_gemm_start *buf)
{
    if (!start)
        return NULL;
    *buf = *start;
    if (buf->res)
        buf->res += t0;
    return buf;
}

void vits_conv_accumulate(const vits_conv *c, const float *x, int64_t T, float scale, float slope,
                          const vx_gemm_start *start, float *y, float *act)
{
    int64_t halo = (c->kernel - 1) * c->dilation, nt_max = VITS_TILE_FLOATS / c->cin - halo;
    int64_t offset[VITS_MAX_KERNEL];
    for (int64_t k = 0; k < c->kernel; k++)
        offset[k] = k * c->dilation;
    /* row (ci, k) of im2col: act + ci·width + offset[k], read in place by the GEMM */
    const float **rows = malloc(sizeof *rows * (size_t)(c->cin * c->kernel));
    for (int64_t t0 = 0; t0 < T; t0 += nt_max) {
        int64_t nt = T - t0 < nt_max ? T - t0 : nt_max;
        window_job job = {x, T, nt + halo, t0 - c->pad, scale, slope, act};
        vx_parallel_for(c->cin, 8, window_rows, &job);
        vx_gemm_start st;
        if (rows) {
            for (int64_t ci = 0; ci < c->cin; ci++)
                for (int64_t k = 0; k < c->kernel; k++)
                    rows[ci * c->kernel + k] = act + ci * job.width + offset[k];
            vx_sgemm_packed_rows(&c->pk, nt, rows, tile_start(start, t0, &st), y + t0, T);
        } else { /* no memory for the row table: pack the rows instead */
            vx_tap_view taps = {act, job.width, job.width, c->kernel, 1, offset};
            vx_gemm_operand col = vx_tap_operand(&taps); /* [Cin·K, nt] */
            vx_sgemm_packed_start(&c->pk, 0, c->cout, nt, &col, tile_start(start, t0, &st), y + t0, T);
        }
    }
    free(rows);
}

typedef struct zip_job {
    const vits_conv *up;
    const float *z; /* [Cout·u, nt], steps i0 ..       */
    float *y;       /* [Cout, T·u]                     */
    int64_t T, i0, nt;
} zip_job;

/* Steps [i0, i0 + nt) of Z into y for channels [c0, c1): the steps whose u
 * samples all fall inside [0, T·u) by vx_phase_zip, the others (at either
 * end) sample by sample. */
static void zip_rows(void *arg, int64_t c0, int64_t c1, int tid)
{
    const zip_job *j = arg;
    int64_t u = j->up->stride, pad = j->up->pad, Tout = j->T * u;
    int64_t lo = (pad + u - 1) / u, hi = (Tout + pad) / u; /* steps [lo, hi) are whole */
    lo = lo < j->i0 ? j->i0 : lo;
    hi = hi > j->i0 + j->nt ? j->i0 + j->nt : hi;
    const float *bias = j->up->b->data;
    if (lo < hi)
        vx_phase_zip(j->z + c0 * u * j->nt + (lo - j->i0), j->nt, u, hi - lo, c1 - c0, true, bias + c0,
                     j->y + c0 * Tout + lo * u - pad, Tout);
    for (int64_t i = j->i0; i < j->i0 + j->nt; i++) {
        if (i >= lo && i < hi)
            continue;
        for (int64_t c = c0; c < c1; c++)
            for (int64_t r = 0; r < u; r++) {
                int64_t o = i * u + r - pad;
                if (o >= 0 && o < Tout)
                    j->y[c * Tout + o] = bias[c] + j->z[(c * u + r) * j->nt + (i - j->i0)];
            }
    }
}

void vits_upsample(const vits_conv *up, const float *x, int64_t T, float scale, float slope, float *y, float *act,
                   float *z)
{
    int64_t u = up->stride, taps = vits_upsample_taps(up->kernel, u), halo = taps - 1;
    int64_t steps = (T * u + up->pad + u - 1) / u; /* i with some u·i + r − pad in [0, T·u) */
    int64_t nt_max = VITS_TILE_FLOATS / up->cin - halo, z_cols = VITS_TILE_FLOATS / (up->cout * u);
    nt_max = nt_max < z_cols ? nt_max : z_cols;
    /* row (ci, j) of the GEMM's right operand: act(x)[ci, i − (taps − 1 − j)] */
    const float **rows = malloc(sizeof *rows * (size_t)(up->cin * taps));
    vx_gemm_start zero = {0};
    for (int64_t i0 = 0; i0 < steps; i0 += nt_max) {
        int64_t nt = steps - i0 < nt_max ? steps - i0 : nt_max;
        window_job win = {x, T, nt + halo, i0 - halo, scale, slope, act};
        vx_parallel_for(up->cin, 8, window_rows, &win);
        if (rows) {
            for (int64_t ci = 0; ci < up->cin; ci++)
                for (int64_t j = 0; j < taps; j++)
                    rows[ci * taps + j] = act + ci * win.width + j;
            vx_sgemm_packed_rows(&up->pk, nt, rows, &zero, z, nt);
        } else { /* no memory for the row table: pack the rows instead */
            int64_t offset[VITS_MAX_KERNEL];
            for (int64_t j = 0; j < taps; j++)
                offset[j] = j;
            vx_tap_view view = {act, win.width, win.width, taps, 1, offset};
            vx_gemm_operand col = vx_tap_operand(&view); /* [Cin·taps, nt] */
            vx_sgemm_packed_start(&up->pk, 0, up->cout * u, nt, &col, &zero, z, nt);
        }
        zip_job zip = {up, z, y, T, i0, nt};
        vx_parallel_for(up->cout, 4, zip_rows, &zip);
    }
    free(rows);
}

typedef struct fill_job {
    float *y;
    const float *bias;
    int64_t T;
} fill_job;

static void fill_rows(void *arg, int64_t c0, int64_t c1, int tid)
{
    const fill_job *j = arg;
    for (int64_t c = c0; c < c1; c++) {
        float b = j->bias ? j->bias[c] : 0.0f, *row = j->y + c * j->T;
        for (int64_t t = 0; t < j->T; t++)
            row[t] = b;
    }
}

void vits_fill_bias(float *y, const float *bias, int64_t C, int64_t T)
{
    fill_job job = {y, bias, T};
    vx_parallel_for(C, 4, fill_rows, &job);
}

void vits_pointwise_accumulate(const vits_conv *c, int64_t row0, int64_t rows, const float *x, int64_t T,
                               float alpha, const vx_gemm_start *start, float *y)
{
    vx_gemm_operand xs = vx_gemm_strided(x, T, false); /* [Cin, T] */
    xs.scale = alpha;
    vx_sgemm_packed_start(&c->pk, row0, rows, T, &xs, start, y, T);
}
