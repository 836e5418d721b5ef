/* im2col.c — im2col and its adjoint col2im for 1-D convolutions, and the tap
 * and phase views that pack the same matrices straight into the GEMM (see im2col.h). */
#include "im2col.h"

#include <stdbool.h>
#include <string.h>

#include "cpu.h"

/* Range of output columns t in [t0, t0+nt) whose tap k lands inside x:
 * 0 ≤ t·stride − pad + k·dilation < T_in. */
static void valid_range(const vx_conv_geom *g, int64_t k, int64_t t0, int64_t nt, int64_t *lo,
                        int64_t *hi)
{
    int64_t off = k * g->dilation - g->pad; /* input index = t·stride + off */
    int64_t first = off >= 0 ? 0 : (-off + g->stride - 1) / g->stride;
    int64_t last = g->t_in - 1 - off < 0 ? -1 : (g->t_in - 1 - off) / g->stride; /* inclusive */
    *lo = first > t0 ? first : t0;
    *hi = last + 1 < t0 + nt ? last + 1 : t0 + nt;
    if (*hi < *lo)
        *hi = *lo;
}

void vx_im2col(const vx_conv_geom *g, const float *x, int64_t ldx, int64_t t0, int64_t nt,
               float *col, int64_t ldcol)
{
    for (int64_t k = 0; k < g->kernel; k++) {
        int64_t lo, hi, off = k * g->dilation - g->pad;
        valid_range(g, k, t0, nt, &lo, &hi);
        for (int64_t c = 0; c < g->channels; c++) {
            float *dst = col + (c * g->kernel + k) * ldcol;
            const float *row = x + c * ldx;
            for (int64_t t = t0; t < lo; t++)
                dst[t - t0] = 0.0f;
            if (g->stride == 1 && hi > lo)
                memcpy(dst + (lo - t0), row + lo + off, (size_t)(hi - lo) * sizeof(float));
            else
                for (int64_t t = lo; t < hi; t++)
                    dst[t - t0] = row[t * g->stride + off];
            for (int64_t t = hi; t < t0 + nt; t++)
                dst[t - t0] = 0.0f;
        }
    }
}

void vx_col2im_add(const vx_conv_geom *g, const float *col, int64_t ldcol, int64_t t0,
                   int64_t nt, float *x, int64_t ldx)
{
    for (int64_t c = 0; c < g->channels; c++)
        for (int64_t k = 0; k < g->kernel; k++) {
            int64_t lo, hi, off = k * g->dilation - g->pad;
            valid_range(g, k, t0, nt, &lo, &hi);
            const float *src = col + (c * g->kernel + k) * ldcol;
            float *row = x + c * ldx;
            for (int64_t t = lo; t < hi; t++)
                row[t * g->stride + off] += src[t - t0];
        }
}

/* --- implicit operands ------------------------------------------------------- */

/* Columns j of [jb, jb + cols) whose index j·stride + off lies in [0, len):
 * returned as [*lo, *hi) relative to jb. */
static void tap_span(int64_t jb, int64_t cols, int64_t stride, int64_t off, int64_t len,
                     int64_t *lo, int64_t *hi)
{
    int64_t first = off >= 0 ? 0 : (-off + stride - 1) / stride;
    int64_t last = len - 1 - off < 0 ? -1 : (len - 1 - off) / stride; /* inclusive */
    *lo = first - jb < 0 ? 0 : (first - jb > cols ? cols : first - jb);
    *hi = last + 1 - jb > cols ? cols : last + 1 - jb;
    if (*hi < *lo)
        *hi = *lo;
}

/* Strips of one signal (per_item ignored). */
static void pack_taps_item(const vx_tap_view *v, int64_t j0, int64_t nc, int64_t p0, int64_t kc,
                           int width, float *dst)
{
#if defined(__x86_64__)
    if (v->stride == 1 && width <= 32 && vx_cpu_avx512()) {
        vx_pack_taps_avx512(v, j0, nc, p0, kc, width, dst);
        return;
    }
    if (v->stride > 1 && v->stride < 65536 && width <= 32 && vx_cpu_avx512()) {
        vx_pack_taps_strided_avx512(v, j0, nc, p0, kc, width, dst);
        return;
    }
#endif
    int64_t c = p0 / v->taps, u = p0 % v->taps;
    for (int64_t k = 0; k < kc; k++) { /* row by row: x is read in order */
        int64_t off = v->offset[u];
        const float *row = v->x + c * v->ldx;
        for (int64_t s = 0; s < nc; s += width) {
            int64_t cols = nc - s < width ? nc - s : width, jb = j0 + s, lo, hi;
            float *d = dst + s * kc + k * width;
            tap_span(jb, cols, v->stride, off, v->len, &lo, &hi);
            memset(d, 0, (size_t)lo * sizeof(float));
            if (v->stride == 1 && hi > lo)
                memcpy(d + lo, row + jb + lo + off, (size_t)(hi - lo) * sizeof(float));
            else
                for (int64_t j = lo; j < hi; j++)
                    d[j] = row[(jb + j) * v->stride + off];
            memset(d + hi, 0, (size_t)(width - hi) * sizeof(float));
        }
        if (++u == v->taps) {
            u = 0;
            c++;
        }
    }
}

/* One strip whose `cols` columns from j0 on span two or more signals of a
 * batched view: each column's signal and step found once, then row by row. */
static void pack_taps_straddle(const vx_tap_view *v, int64_t j0, int64_t cols, int64_t p0,
                               int64_t kc, int width, float *dst)
{
    enum { MAX_WIDTH = 64 }; /* width ≤ MAX_WIDTH: the widest GEMM strip is 32 */
    int64_t start[MAX_WIDTH], pos[MAX_WIDTH]; /* signal start in x, input index less the offset */
    for (int64_t j = 0; j < cols; j++) {
        start[j] = (j0 + j) / v->per_item * v->batch_step;
        pos[j] = (j0 + j) % v->per_item * v->stride;
    }
    int64_t c = p0 / v->taps, u = p0 % v->taps;
    for (int64_t k = 0; k < kc; k++) {
        float *d = dst + k * width;
        const float *row = v->x + c * v->ldx;
        int64_t off = v->offset[u];
        for (int64_t j = 0; j < cols; j++) {
            int64_t i = pos[j] + off;
            d[j] = i >= 0 && i < v->len ? row[start[j] + i] : 0.0f;
        }
        for (int64_t j = cols; j < width; j++)
            d[j] = 0.0f;
        if (++u == v->taps) {
            u = 0;
            c++;
        }
    }
}

/* Runs of whole strips inside one signal go to pack_taps_item; a strip
 * that crosses from one signal into the next is packed element by element. */
static void pack_taps(const vx_gemm_operand *op, int64_t j0, int64_t nc, int64_t p0, int64_t kc,
                      int width, float *dst)
{
    const vx_tap_view *v = op->view;
    if (v->per_item <= 0) {
        pack_taps_item(v, j0, nc, p0, kc, width, dst);
        return;
    }
    for (int64_t s = 0; s < nc;) {
        int64_t j = j0 + s, b = j / v->per_item, t = j % v->per_item;
        int64_t rest = nc - s, in_item = v->per_item - t;
        int64_t n = in_item >= rest ? rest : in_item / width * width;
        if (n > 0) {
            vx_tap_view one = *v;
            one.x = v->x + b * v->batch_step;
            one.per_item = 0;
            pack_taps_item(&one, t, n, p0, kc, width, dst + s * kc);
            s += n;
        } else {
            pack_taps_straddle(v, j, rest < width ? rest : width, p0, kc, width, dst + s * kc);
            s += width;
        }
    }
}

vx_gemm_operand vx_tap_operand(const vx_tap_view *v)
{
    return (vx_gemm_operand){.pack = pack_taps, .view = v};
}

/* d[co·run + r] = src[co·stride + r] for co < n / run, r < run: whole runs
 * as fixed-size copies for the usual strides. */
static void copy_runs(float *d, const float *src, int64_t stride, int64_t run, int64_t n)
{
    int64_t j = 0;
    switch (run) {
    case 2: for (; j < n; j += 2, src += stride) memcpy(d + j, src, 2 * sizeof(float)); return;
    case 3: for (; j < n; j += 3, src += stride) memcpy(d + j, src, 3 * sizeof(float)); return;
    case 4: for (; j < n; j += 4, src += stride) memcpy(d + j, src, 4 * sizeof(float)); return;
    case 8: for (; j < n; j += 8, src += stride) memcpy(d + j, src, 8 * sizeof(float)); return;
    case 16: for (; j < n; j += 16, src += stride) memcpy(d + j, src, 16 * sizeof(float)); return;
    default: /* a plain loop: a library memcpy call per short run costs more than the copy */
        for (; j < n; j += run, src += stride)
            for (int64_t k = 0; k < run; k++)
                d[j + k] = src[k];
    }
}

/* Every shift's taps are `stride` consecutive ones (kmap[r·n_shift + u] =
 * kmap[u] + r: dilation 1, stride | K), so a channel's columns of one row
 * are a run of w. */
static bool phase_runs(const vx_phase_view *v)
{
    for (int64_t u = 0; u < v->n_shift; u++)
        for (int64_t r = 0; r < v->stride; r++)
            if (v->kmap[u] < 0 || v->kmap[r * v->n_shift + u] != v->kmap[u] + r)
                return false;
    return true;
}

/* pack_phases when phase_runs holds and strips start on channels: row by
 * row (w[ci] read in order), each strip a copy of whole runs. */
static void pack_phase_runs(const vx_phase_view *v, int64_t j0, int64_t nc, int64_t p0,
                            int64_t kc, int width, float *dst)
{
    int64_t ci = p0 / v->n_shift, u = p0 % v->n_shift, stride = v->stride;
    for (int64_t k = 0; k < kc; k++) {
        const float *wr = v->w + ci * v->cols * v->K + v->kmap[u]; /* w[ci, 0, first tap] */
        for (int64_t s = 0; s < nc; s += width) {
            int64_t cols = nc - s < width ? nc - s : width, co = (j0 + s) / stride;
            float *d = dst + s * kc + k * width;
            int64_t j = cols / stride * stride;
            copy_runs(d, wr + co * v->K, v->K, stride, j);
            for (; j < cols; j++) /* a last strip that ends inside a channel */
                d[j] = wr[(co + j / stride) * v->K + j % stride];
            for (; j < width; j++)
                d[j] = 0.0f;
        }
        if (++u == v->n_shift) {
            u = 0;
            ci++;
        }
    }
}

/* Strip by strip, shift by shift: a table gives each strip column's offset
 * in w[ci] for that shift (−1: no tap, or past the last column), then every
 * packed row of that shift reads w[ci] through it. Runs of whole channels
 * go to pack_phase_runs. */
static void pack_phases(const vx_gemm_operand *op, int64_t j0, int64_t nc, int64_t p0,
                        int64_t kc, int width, float *dst)
{
    enum { MAX_WIDTH = 64 }; /* width ≤ MAX_WIDTH: the widest GEMM strip is 32 */
    const vx_phase_view *v = op->view;
    if (j0 % v->stride == 0 && width % v->stride == 0 && phase_runs(v)) {
        pack_phase_runs(v, j0, nc, p0, kc, width, dst);
        return;
    }
    int64_t ci0 = p0 / v->n_shift, u0 = p0 % v->n_shift, ldw = v->cols * v->K;
    int64_t off[MAX_WIDTH];
    for (int64_t s = 0; s < nc; s += width) {
        int64_t cols = nc - s < width ? nc - s : width, co0 = (j0 + s) / v->stride;
        const float *w0 = v->w + co0 * v->K; /* w[0, co0, 0] */
        float *strip = dst + s * kc;
        for (int64_t u = 0; u < v->n_shift; u++) {
            for (int64_t c = 0; c < width; c++) {
                int64_t j = j0 + s + c, tap = v->kmap[(j % v->stride) * v->n_shift + u];
                off[c] = c < cols && tap >= 0 ? (j / v->stride - co0) * v->K + tap : -1;
            }
            /* rows p0 + k with (p0 + k) mod n_shift = u */
            for (int64_t k = (u - u0 + v->n_shift) % v->n_shift; k < kc; k += v->n_shift) {
                const float *wr = w0 + (ci0 + (u0 + k) / v->n_shift) * ldw;
                float *d = strip + k * width;
                for (int64_t c = 0; c < width; c++)
                    d[c] = off[c] < 0 ? 0.0f : wr[off[c]];
            }
        }
    }
}

vx_gemm_operand vx_phase_operand(const vx_phase_view *v)
{
    return (vx_gemm_operand){.pack = pack_phases, .view = v};
}

/* Rows [i0, i1) × columns [c0, c1) of vx_phase_interleave, one float at a time. */
static void interleave_scalar(const float *z, int64_t ldz, int64_t s, int64_t i0, int64_t i1,
                              int64_t c0, int64_t c1, bool overwrite, const float *bias,
                              float *out, int64_t ld_out)
{
    for (int64_t c = c0; c < c1; c++) {
        float fill = bias ? bias[c] : 0.0f;
        for (int64_t i = i0; i < i1; i++)
            for (int64_t r = 0; r < s; r++) {
                float *o = &out[c * ld_out + i * s + r];
                *o = (overwrite ? fill : *o) + z[i * ldz + c * s + r];
            }
    }
}

void vx_phase_interleave(const float *z, int64_t ldz, int64_t s, int64_t rows, int64_t cols,
                         bool overwrite, const float *bias, float *out, int64_t ld_out)
{
    int64_t rows_done = 0, cols_done = 0;
#if defined(__x86_64__)
    if (vx_cpu_avx512())
        rows_done = vx_phase_interleave_avx512(z, ldz, s, rows, cols, overwrite, bias, out, ld_out,
                                               &cols_done);
#endif
    interleave_scalar(z, ldz, s, 0, rows_done, cols_done, cols, overwrite, bias, out, ld_out);
    interleave_scalar(z, ldz, s, rows_done, rows, 0, cols, overwrite, bias, out, ld_out);
}

/* Steps [i0, i1) of vx_phase_zip, one float at a time. */
static void zip_scalar(const float *zt, int64_t ldz, int64_t s, int64_t i0, int64_t i1,
                       int64_t cols, bool overwrite, const float *bias, float *out, int64_t ld_out)
{
    for (int64_t c = 0; c < cols; c++) {
        float fill = bias ? bias[c] : 0.0f;
        for (int64_t r = 0; r < s; r++) {
            const float *src = zt + (c * s + r) * ldz; /* channel c, phase r */
            float *o = out + c * ld_out + r;
            if (s == 1 && overwrite)
                for (int64_t i = i0; i < i1; i++)
                    o[i] = fill + src[i];
            else if (s == 1)
                for (int64_t i = i0; i < i1; i++)
                    o[i] += src[i];
            else
                for (int64_t i = i0; i < i1; i++)
                    o[i * s] = (overwrite ? fill : o[i * s]) + src[i];
        }
    }
}

void vx_phase_zip(const float *zt, int64_t ldz, int64_t s, int64_t rows, int64_t cols,
                  bool overwrite, const float *bias, float *out, int64_t ld_out)
{
    int64_t done = 0;
#if defined(__x86_64__)
    if (vx_cpu_avx512())
        done = vx_phase_zip_avx512(zt, ldz, s, rows, cols, overwrite, bias, out, ld_out);
#endif
    zip_scalar(zt, ldz, s, done, rows, cols, overwrite, bias, out, ld_out);
}
