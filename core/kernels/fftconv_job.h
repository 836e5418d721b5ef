/* fftconv_job.h — one pass of fftconv.c (a run of tiles) as its per-tile
 * kernels see it, and those kernels' builds (fftconv_lanes.h). Internal to
 * core/kernels. */
#ifndef VX_FFTCONV_JOB_H
#define VX_FFTCONV_JOB_H

#include "core/kernels/fftconv.h"

typedef struct fftconv_job fftconv_job;

/* Tiles [g0 + 16·group, +16) of input channels 2·pair and 2·pair + 1 into
 * j->in; of output channels 2·pair, 2·pair + 1 from j->out into y. */
typedef void (*fftconv_kernel)(const fftconv_job *j, int64_t pair, int64_t group);

/* Tiles are numbered position first: tile g is tile g / dilation of phase
 * g % dilation and covers that phase's outputs from (g / dilation)·step on,
 * so the tiles of a pass (tiles [g0, g0 + width)) read one stretch of x,
 * each of its cache lines by all phases at about the same time. */
struct fftconv_job {
    const vx_fftconv *p;
    const float *x;              /* [cin, T]                                   */
    int64_t T;
    float scale, slope;
    const vx_gemm_start *start;  /* NULL: y +=                                 */
    float *y;                    /* [cout, T]                                  */
    int64_t tiles, g0;
    int64_t width;               /* lanes of this pass, a multiple of VX_FFTCONV_LANES */
    float *in;                   /* [n/2 + 1][cin][3·width]: Xr | Xi | −Xr     */
    float *out;                  /* [n/2 + 1][cout][2·width]: Yr | Yi          */
    fftconv_kernel forward, inverse; /* the build in use                       */
};
void vx_fftconv_forward_generic(const fftconv_job *j, int64_t pair, int64_t group);
void vx_fftconv_inverse_generic(const fftconv_job *j, int64_t pair, int64_t group);
void vx_fftconv_forward_avx2(const fftconv_job *j, int64_t pair, int64_t group);
void vx_fftconv_inverse_avx2(const fftconv_job *j, int64_t pair, int64_t group);
void vx_fftconv_forward_avx512(const fftconv_job *j, int64_t pair, int64_t group);
void vx_fftconv_inverse_avx512(const fftconv_job *j, int64_t pair, int64_t group);

#endif
