/* vmath.h — vectorised elementwise math on float arrays: activations,
 * binary arithmetic, reductions, and the row kernels of softmax and layer
 * norm. The fast paths of core/ops/elementwise.c and core/ops/norm.c.
 *
 * Kernel lab (select per call with the _impl functions; `voxc-opbench exp
 * --impl N`):
 *   1  scalar reference: libm (expf, logf, tanhf, erff) and plain loops,
 *      sums in double — the oracle
 *   2  AVX2+FMA, 8 lanes
 *   3  AVX-512, 16 lanes
 *   4  NEON, 4 lanes (aarch64 builds only)
 *   0  auto: the best version this CPU supports
 * Versions 2–4 run one algorithm (vmath_simd.h) on different vectors:
 *   exp      Cody–Waite reduction, Taylor degree 7, 2^n applied last (one rounding)
 *   log      exponent split, 2·atanh series on the mantissa (division residual kept)
 *   tanh     expm1(2|x|) / (expm1(2|x|) + 2), sign restored
 *   sigmoid  1/(1 + e) for x ≥ 0, e/(1 + e) for x < 0, e = exp(−|x|)
 *   erf      Taylor series for |x| < 0.75; 1 − erfc(|x|) above
 *   gelu     one branch: m = |x|·Φ(−|x|) = at·h·e^{−x²/2}, at = |x|/(1 + 0.375|x|),
 *            h a degree-9 fit (tests/ref/fit_gelu.py), e^{−x²/2} with x² taken
 *            exactly inside the reduction and 2^n applied last; gelu = −m for
 *            x < 0, x − m for x > 0, so the negative tail keeps its relative accuracy
 *   erfc     exp(−z²)·t·h(u), t = 1/(1 + z/2), h a degree-12 fit (tests/ref/fit_erfc.py)
 * Accuracy against double-precision libm over a dense sweep of 2^20 points
 * (tests/test_simd.c asserts these bounds; the measured maxima in brackets):
 * exp ≤ 1 ulp (0.92), log ≤ 1.5 (1.46), erf ≤ 2 (1.64), tanh ≤ 2.5 (2.08),
 * sigmoid ≤ 2.5 (2.29), gelu ≤ 4.5 (3.60; 4.03 over every third float of
 * [−14, 12], near |x| = 0.07–0.35, where the roundings of 1 + 0.375|x| and of
 * the division pass straight into m; the reference, 0.5·x·(1 + erff(x/√2)),
 * has no correct digit below x ≈ −5). Versions 2 and 3 give the same bits
 * (tested; 4 runs the same operations). relu,
 * leaky_relu, scale, add_scalar, abs, square, sqrt, clamp and the binary ops
 * are exact: the same bits as the reference.
 * Special values: NaN in → NaN out for every function (relu and the
 * comparisons follow the reference: relu(NaN) = 0); exp(+inf) = +inf,
 * exp(−inf) = 0, exp overflows to +inf above 88.72; log(0) = −inf,
 * log(x < 0) = NaN, log(+inf) = +inf, subnormals are scaled exactly;
 * tanh(±inf) = ±1, sigmoid(+inf) = 1, sigmoid(−inf) = 0, erf(±inf) = ±1,
 * gelu(+inf) = +inf, gelu(−inf) = −0 (the limit; the reference gives NaN),
 * gelu(±0) = ±0, gelu(x) = x above x = 5.35 and −0 below x = −14.36
 * (subnormal results from x ≈ −13.15 down, rounded once).
 *
 * Reductions use a fixed summation order for a given n and version, so a
 * result never depends on the thread count. vx_vmax ignores NaNs as fmaxf
 * does. */
#ifndef VX_VMATH_H
#define VX_VMATH_H

#include <stdbool.h>
#include <stdint.h>

/* The functions: approximated ones first, then exact ones. p0 is the slope
 * (leaky_relu), the scalar (scale, add_scalar) or lo (clamp); p1 is hi. */
typedef enum vx_vfunc {
    VX_VEXP, VX_VLOG, VX_VTANH, VX_VSIGMOID, VX_VERF, VX_VGELU,
    VX_VRELU, VX_VLEAKY_RELU, VX_VSCALE, VX_VADD_SCALAR, VX_VABS, VX_VSQUARE, VX_VSQRT,
    VX_VCLAMP,
    VX_VFUNC_COUNT
} vx_vfunc;

typedef enum vx_vbinop { VX_VADD, VX_VSUB, VX_VMUL, VX_VDIV } vx_vbinop;

bool vx_vmath_impl_supported(int impl);
int vx_vmath_best_impl(void);
const char *vx_vmath_impl_name(int impl);
void vx_vmath_set_impl(int impl); /* what version 0 (auto) runs, process-wide; 0: the best */
const char *vx_vfunc_name(vx_vfunc f);

/* y[i] = f(x[i]; p0, p1) for i < n (y may equal x). The plain form picks the
 * best version and splits large arrays across the thread pool. */
void vx_vunary(vx_vfunc f, const float *x, float *y, int64_t n, float p0, float p1);
void vx_vunary_impl(int impl, vx_vfunc f, const float *x, float *y, int64_t n, float p0,
                    float p1);

/* y[i] = a[i·sa] op b[i·sb] for i < n, with sa, sb ∈ {0, 1} (0: one value
 * broadcast). */
void vx_vbinary(vx_vbinop op, const float *a, int64_t sa, const float *b, int64_t sb, float *y,
                int64_t n);
void vx_vbinary_impl(int impl, vx_vbinop op, const float *a, int64_t sa, const float *b,
                     int64_t sb, float *y, int64_t n);

/* Σ x[i] and max x[i] over i < n (max of nothing: −inf). */
float vx_vsum(const float *x, int64_t n);
float vx_vmax(const float *x, int64_t n);
float vx_vsum_impl(int impl, const float *x, int64_t n);
float vx_vmax_impl(int impl, const float *x, int64_t n);

/* Softmax of x [n, inner] over n, for every column i < inner (inner = 1: one
 * contiguous row): y = e^{x − max} / Σ e^{x − max}. A NaN or +inf in a
 * column makes that column NaN, as in the reference. */
void vx_vsoftmax(const float *x, float *y, int64_t n, int64_t inner);
void vx_vsoftmax_impl(int impl, const float *x, float *y, int64_t n, int64_t inner);

/* Layer norm over n rows, `stride` floats apart, of each of the `cols`
 * adjacent columns starting at x (stride = 1: one contiguous row, cols = 1;
 * else cols ≤ stride, e.g. columns [c0, c0 + cols) of x [n, stride] from
 * x + c0): μ, biased variance, rstd = 1/√(var + eps),
 * y = (x − μ)·rstd·gamma + beta (gamma/beta [n] or NULL), y laid out as x.
 * stats[2i] = μ and stats[2i + 1] = rstd of column i < cols. A column's
 * result does not depend on the other columns of the call, so splitting the
 * columns of a matrix into any ranges gives the same bits. */
void vx_vlayer_norm(const float *x, float *y, int64_t n, int64_t stride, int64_t cols,
                    const float *gamma, const float *beta, float eps, float *stats);
void vx_vlayer_norm_impl(int impl, const float *x, float *y, int64_t n, int64_t stride,
                         int64_t cols, const float *gamma, const float *beta, float eps,
                         float *stats);

/* --- per-ISA entry points (vmath_avx2.c, vmath_avx512.c, vmath_neon.c) ------ */
#define VX_VMATH_DECLARE(SUFFIX)                                                                \
    void vx_vunary_##SUFFIX(vx_vfunc f, const float *x, float *y, int64_t n, float p0,          \
                            float p1);                                                          \
    void vx_vbinary_##SUFFIX(vx_vbinop op, const float *a, int64_t sa, const float *b,          \
                             int64_t sb, float *y, int64_t n);                                  \
    float vx_vsum_##SUFFIX(const float *x, int64_t n);                                          \
    float vx_vmax_##SUFFIX(const float *x, int64_t n);                                          \
    void vx_vsoftmax_##SUFFIX(const float *x, float *y, int64_t n, int64_t inner);              \
    void vx_vlayer_norm_##SUFFIX(const float *x, float *y, int64_t n, int64_t stride,           \
                                 int64_t cols, const float *gamma, const float *beta, float eps, \
                                 float *stats);
VX_VMATH_DECLARE(avx2)
VX_VMATH_DECLARE(avx512)
VX_VMATH_DECLARE(neon)

#endif
