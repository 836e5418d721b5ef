/* vmath_simd.h — the vector algorithms of vmath.h, written once over a small
 * set of primitives. Included only by vmath_avx2.c, vmath_avx512.c and
 * vmath_neon.c, which first define:
 *   VF, VI, VM             float vector, int32 vector, lane mask
 *   VW                     lanes per vector
 *   VX_VNAME(name)         name of an exported entry point (name##_avx512)
 *   v_set v_load v_store v_load_part v_store_part
 *   v_add v_sub v_mul v_div v_sqrt v_fma (a·b + c) v_fnma (c − a·b)
 *   v_min v_max            x86 semantics: the second operand when unordered
 *   v_round                to nearest even, as a float
 *   v_int v_float_of       round to int32 / int32 to float
 *   v_as_int v_as_float    bit casts
 *   v_addi v_subi v_andi v_ori v_seti v_slli23 v_srai23
 *   v_srai1                (only where V_HAVE_LDEXP is not defined)
 *   v_and v_or             bitwise on floats
 *   v_lt v_gt v_eq v_nan   lane masks (v_nan: unordered with itself)
 *   v_sel(m, a, b)         m ? a : b per lane
 *   v_hsum v_hmax          horizontal sum / max of the lanes
 * and, optionally, V_HAVE_LDEXP with v_ldexp(p, n) = p·2^n (below: the
 * portable version).
 * Every function here is static inline and works on whole vectors; tails go
 * through v_load_part/v_store_part. */

/* p·2^n for integral n, |n| ≤ 250, rounded once (into the subnormals, or to
 * inf): ISA files with a scaling instruction define V_HAVE_LDEXP and their own
 * v_ldexp. This portable one applies 2^⌊n/2⌋ and then 2^(n − ⌊n/2⌋), which
 * gives the same bits wherever p·2^⌊n/2⌋ is normal (then exact): for every
 * caller here, whose n ≥ −170 and whose |p| ≥ 2^−5 where n ≠ 0. */
#ifndef V_HAVE_LDEXP
static inline VF v_ldexp(VF p, VF n)
{
    VI ni = v_int(n), n1 = v_srai1(ni), n2 = v_subi(ni, n1);
    VF s1 = v_as_float(v_slli23(v_addi(n1, v_seti(127))));
    VF s2 = v_as_float(v_slli23(v_addi(n2, v_seti(127))));
    return v_mul(v_mul(p, s1), s2);
}
#endif

/* --- polynomials ------------------------------------------------------------- */

/* c[0]·xⁿ⁻¹ + c[1]·xⁿ⁻² + … + c[n−1] by Horner's rule, one FMA per
 * coefficient (unrolled: n is a constant at every call). */
static inline __attribute__((always_inline)) VF v_horner(VF x, const float *c, int n)
{
    VF p = v_set(c[0]);
#pragma GCC unroll 16
    for (int i = 1; i < n; i++)
        p = v_fma(p, x, v_set(c[i]));
    return p;
}

/* 1/9!, 1/8!, …, 1/2!, 1, 1: from INV_FACTORIAL + 2, e^r's Taylor polynomial
 * (highest power first); the first eight, expm1(r)'s factor of r². */
static const float INV_FACTORIAL[10] = {
    2.7557319e-06f,
    2.4801588e-05f,
    1.984127e-04f,
    1.3888889e-03f,
    8.333334e-03f,
    4.1666668e-02f,
    1.6666667e-01f,
    0.5f,
    1.0f,
    1.0f,
};

/* atanh(f)/f in f²: 1/11, 1/9, 1/7, 1/5, 1/3 */
static const float LOG_ATANH[5] = {
    9.090909e-02f,
    1.1111111e-01f,
    1.4285715e-01f,
    2.e-01f,
    3.3333334e-01f,
};

/* erf's Taylor series in z² after the z term: (−1)^n·2/√π/(n!(2n+1)), n = 11 … 1 */
static const float ERF_SERIES[11] = {
    -1.2290555e-09f,
    1.4807193e-08f,
    -1.6365844e-07f,
    1.6462114e-06f,
    -1.492565e-05f,
    1.20553326e-04f,
    -8.548327e-04f,
    5.223978e-03f,
    -2.6866172e-02f,
    1.1283792e-01f,
    -3.7612638e-01f,
};

/* h(u) of v_erfcx, fitted by tests/ref/fit_erfc.py */
static const float ERFCX_H[13] = {
    -6.2298426e-08f,
    -1.9389581e-08f,
    8.9087007e-07f,
    -9.2282704e-07f,
    -8.996984e-06f,
    2.3048888e-05f,
    9.7122116e-05f,
    -3.860447e-04f,
    -1.6896869e-03f,
    5.2135726e-03f,
    5.6298863e-02f,
    2.1279465e-01f,
    4.9727052e-01f,
};

/* h(u) of v_gelu, fitted by tests/ref/fit_gelu.py */
static const float GELU_H[10] = {
    4.013543e-05f,
    -1.5508193e-04f,
    -2.36137e-05f,
    1.00458e-03f,
    -6.0942525e-04f,
    -6.4116297e-03f,
    2.7419718e-03f,
    6.2176693e-02f,
    1.7305408e-01f,
    2.6818228e-01f,
};

/* q(r) of v_gelu's e^r = 1 + r + r²·q(r), fitted by tests/ref/fit_gelu.py */
static const float GELU_EXP_Q[5] = {
    1.3814429e-03f,
    8.368798e-03f,
    4.1668396e-02f,
    1.666652e-01f,
    4.9999994e-01f,
};

/* --- exp ------------------------------------------------------------------ */

/* ref: W. J. Cody, W. Waite, "Software Manual for the Elementary Functions"
 * (1980): exp(x) = 2^n·e^r with n = round(x/ln 2) and r = x − n·ln 2 taken in
 * two parts (ln2_hi has few bits, so n·ln2_hi is exact); |r| ≤ ln 2/2, where
 * the Taylor series of e^r to r^7/7! errs by < 2^−27. 2^n is applied by
 * v_ldexp, so that n from −150 to 128 needs no special case: results below
 * FLT_MIN round once, into the subnormals. */
static inline VF v_exp(VF x)
{
    x = v_min(v_set(88.8f), x); /* operand order keeps NaN */
    x = v_max(v_set(-104.0f), x);
    VF n = v_round(v_mul(x, v_set(1.442695e+00f)));
    VF r = v_fnma(n, v_set(0.693359375f), x);
    r = v_fnma(n, v_set(-2.1219444e-04f), r);
    VF p = v_horner(r, INV_FACTORIAL + 2, 8);
    return v_ldexp(p, n);
}

/* e^y − 1 for 0 ≤ y ≤ 20 without cancellation near 0: with y = n·ln 2 + r,
 * expm1(y) = 2^n·expm1(r) + (2^n − 1), expm1(r) = r + r²·(1/2! + r/3! + … + r^7/9!). */
static inline VF v_expm1_pos(VF y)
{
    VF n = v_round(v_mul(y, v_set(1.442695e+00f)));
    VF r = v_fnma(n, v_set(0.693359375f), y);
    r = v_fnma(n, v_set(-2.1219444e-04f), r);
    VF p = v_horner(r, INV_FACTORIAL, 8);
    VF q = v_fma(p, v_mul(r, r), r);
    VF s = v_as_float(v_slli23(v_addi(v_int(n), v_seti(127))));
    return v_fma(s, q, v_sub(s, v_set(1.0f)));
}

/* --- log ------------------------------------------------------------------ */

/* x = 2^e·m with m in [√½, √2); log m = 2·atanh(f), f = (m − 1)/(m + 1),
 * |f| ≤ 0.172, so 2f·(1 + f²/3 + … + f¹⁰/11) errs by < 2^−30. The rounding
 * of m + 1 and of the division are carried as f_lo (an FMA residual), and
 * e·ln 2 is split so e·ln2_hi is exact: the sum rounds about once. */
static inline VF v_log(VF x)
{
    VM sub = v_lt(x, v_set(1.17549435e-38f)); /* FLT_MIN: scale subnormals up */
    VF xs = v_sel(sub, v_mul(x, v_set(8388608.0f)), x);
    VI bits = v_as_int(xs);
    VI e = v_subi(v_srai23(bits), v_seti(127));
    VF m = v_as_float(v_ori(v_andi(bits, v_seti(0x007fffff)), v_seti(0x3f800000)));
    VM big = v_gt(m, v_set(1.4142135e+00f));
    m = v_sel(big, v_mul(m, v_set(0.5f)), m);
    VF ef = v_add(v_float_of(e), v_sel(big, v_set(1.0f), v_set(0.0f)));
    ef = v_sub(ef, v_sel(sub, v_set(23.0f), v_set(0.0f)));
    VF a = v_sub(m, v_set(1.0f)), b = v_add(m, v_set(1.0f));
    VF f = v_div(a, b);
    VF b_lo = v_sub(m, v_sub(b, v_set(1.0f)));                     /* m + 1 − b, exact */
    VF f_lo = v_div(v_fnma(f, b_lo, v_fnma(f, b, a)), b);           /* a/(m+1) − f     */
    VF s = v_mul(f, f);
    VF p = v_horner(s, LOG_ATANH, 5);
    VF two_f = v_add(f, f);
    VF lo = v_fma(v_mul(two_f, s), p, v_add(f_lo, f_lo));           /* 2f·s·P + 2f_lo  */
    lo = v_fma(ef, v_set(1.4286068e-06f), lo);                      /* + e·ln2_lo      */
    VF y = v_add(v_fma(ef, v_set(0.693145751953125f), two_f), lo);
    y = v_sel(v_eq(x, v_set(0.0f)), v_set(-__builtin_inff()), y);
    y = v_sel(v_eq(x, v_set(__builtin_inff())), x, y);
    y = v_sel(v_lt(x, v_set(0.0f)), v_set(__builtin_nanf("")), y);
    return v_sel(v_nan(x), x, y);
}

/* --- tanh, sigmoid ---------------------------------------------------------- */

static inline VF v_abs(VF x) { return v_and(x, v_as_float(v_seti(0x7fffffff))); }

/* tanh|x| = e/(e + 2) with e = expm1(2|x|); |x| ≥ 10 gives 1 in float. */
static inline VF v_tanh(VF x)
{
    VF sign = v_and(x, v_set(-0.0f));
    VF a = v_min(v_set(10.0f), v_abs(x));
    VF e = v_expm1_pos(v_add(a, a));
    return v_or(v_div(e, v_add(e, v_set(2.0f))), sign);
}

/* sigmoid(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0, e = e^{−|x|}:
 * no overflow, and the negative tail keeps its relative accuracy down to the
 * subnormals (1/(1 + e^{−x}) would give 0 below x = −88.7). */
static inline VF v_sigmoid(VF x)
{
    VF e = v_exp(v_sub(v_set(0.0f), v_abs(x)));
    return v_div(v_sel(v_lt(x, v_set(0.0f)), e, v_set(1.0f)), v_add(v_set(1.0f), e));
}

/* --- erf, erfc, gelu ---------------------------------------------------------- */

/* erf(z) for |z| < 1: its Taylor series 2/√π·Σ (−1)^n z^(2n+1)/(n!(2n+1)),
 * n ≤ 11 (the first omitted term is < 2^−29 of the sum). erf switches to
 * 1 − erfc at 0.75, where the two meet with the smaller error. */
static inline VF v_erf_series(VF z)
{
    VF s = v_mul(z, z);
    VF p = v_horner(s, ERF_SERIES, 11);
    /* c0·z + z·s·P(s), the leading product exact inside the FMA */
    return v_fma(z, v_set(1.1283792e+00f), v_mul(v_mul(z, s), p));
}

/* erfc(z)·e^{z²} for 0.5 ≤ z ≤ 10.5, as t·h(u): t = 1/(1 + z/2), u = 3.125t − 1.5,
 * h fitted by tests/ref/fit_erfc.py (relative error ≈ 2^−24). */
static inline VF v_erfcx(VF z)
{
    VF d = v_fma(z, v_set(0.5f), v_set(1.0f));
    VF t = v_div(v_set(1.0f), d);
    VF u = v_fma(t, v_set(3.125f), v_set(-1.5f));
    VF h = v_horner(u, ERFCX_H, 13);
    return v_mul(t, h);
}

/* e^{−c·w²} for w ≥ 0 with w² split exactly (hi + lo, one FMA), so the
 * rounding of w² (up to 2^−24·w² in the exponent) does not reach the result. */
static inline VF v_exp_neg_sq(VF w, VF c)
{
    VF hi = v_mul(w, w), lo = v_fma(w, w, v_sub(v_set(0.0f), hi));
    VF e = v_exp(v_sub(v_set(0.0f), v_mul(c, hi)));
    return v_fnma(e, v_mul(c, lo), e); /* e·(1 − c·lo) */
}

static inline VF v_erf(VF x)
{
    VF a = v_min(v_set(11.0f), v_abs(x));
    VF tail = v_fnma(v_exp_neg_sq(a, v_set(1.0f)), v_erfcx(v_max(v_set(0.5f), a)), v_set(1.0f));
    tail = v_or(tail, v_and(x, v_set(-0.0f)));
    return v_sel(v_lt(a, v_set(0.75f)), v_erf_series(x), tail);
}

/* gelu(x) = x·Φ(x), one branch for every x. With a = min(|x|, 15),
 *   m = a·Φ(−a) = at·h(u)·e^{−a²/2},   at = a/(1 + 0.375a),   u = 1 − 0.75·at
 * (Φ(−a)·e^{a²/2} = t·h(u) with t = 1/(1 + 0.375a) = 1 − 0.375·at, h of degree 9,
 * relative error ≈ 2^−24 over a in [0, 15]: tests/ref/fit_gelu.py), and
 *   gelu(x) = −m for x < 0, x − m for x > 0 (m ≤ x/2: no cancellation),
 * computed as max(x, 0) − m with x's sign bit put back, so −0 and the
 * underflowed negative tail give −0.
 * e^{−a²/2} = 2^n·e^r with r = −a²/2 − n·ln 2 formed by one FMA from the exact
 * −a/2 (the rounding of a² never reaches the result), e^r = 1 + r + r²·q(r)
 * (fit_gelu.py), and 2^n applied last by v_ldexp: a subnormal result is
 * rounded once. |x| > 15: m underflows to 0, giving x for x > 0 and −0 for
 * x < 0. NaN propagates (v_min and v_max keep their second operand). */
static inline VF v_gelu(VF x)
{
    VF sign = v_and(x, v_set(-0.0f));
    VF a = v_min(v_set(15.0f), v_abs(x));
    VF at = v_div(a, v_fma(a, v_set(0.375f), v_set(1.0f)));
    VF u = v_fnma(at, v_set(0.75f), v_set(1.0f));
    VF h = v_horner(u, GELU_H, 10);
    VF neg_half_a = v_mul(a, v_set(-0.5f));
    VF n = v_round(v_mul(v_mul(neg_half_a, a), v_set(1.442695e+00f)));
    VF r = v_fma(neg_half_a, a, v_mul(n, v_set(-0.693359375f))); /* n·ln2_hi exact */
    r = v_fnma(n, v_set(-2.1219444e-04f), r);                     /* − n·ln2_lo     */
    VF q = v_horner(r, GELU_EXP_Q, 5);
    VF e = v_fma(v_fma(q, r, v_set(1.0f)), r, v_set(1.0f)); /* e^r */
    VF m = v_ldexp(v_mul(v_mul(at, h), e), n);
    return v_or(v_sub(v_max(v_set(0.0f), x), m), sign);
}

/* --- dispatch over a whole array -------------------------------------------- */

static inline VF v_apply(vx_vfunc f, VF x, VF p0, VF p1)
{
    switch (f) {
    case VX_VEXP: return v_exp(x);
    case VX_VLOG: return v_log(x);
    case VX_VTANH: return v_tanh(x);
    case VX_VSIGMOID: return v_sigmoid(x);
    case VX_VERF: return v_erf(x);
    case VX_VGELU: return v_gelu(x);
    case VX_VRELU: return v_max(x, v_set(0.0f)); /* NaN → 0, as the reference */
    case VX_VLEAKY_RELU: return v_sel(v_gt(x, v_set(0.0f)), x, v_mul(p0, x));
    case VX_VSCALE: return v_mul(x, p0);
    case VX_VADD_SCALAR: return v_add(x, p0);
    case VX_VABS: return v_abs(x);
    case VX_VSQUARE: return v_mul(x, x);
    case VX_VSQRT: return v_sqrt(x);
    case VX_VCLAMP: return v_sel(v_lt(x, p0), p0, v_sel(v_gt(x, p1), p1, x));
    default: return x;
    }
}

/* One loop per function, so the switch is resolved outside it. */
#define VX_UNARY_LOOP(F)                                                        \
    do {                                                                        \
        int64_t i = 0;                                                          \
        for (; i + VW <= n; i += VW)                                            \
            v_store(y + i, v_apply(F, v_load(x + i), vp0, vp1));                \
        if (i < n)                                                              \
            v_store_part(y + i, v_apply(F, v_load_part(x + i, (int)(n - i)), vp0, vp1), \
                         (int)(n - i));                                         \
    } while (0)

void VX_VNAME(vx_vunary)(vx_vfunc f, const float *x, float *y, int64_t n, float p0, float p1)
{
    VF vp0 = v_set(p0), vp1 = v_set(p1);
    switch (f) {
    case VX_VEXP: VX_UNARY_LOOP(VX_VEXP); break;
    case VX_VLOG: VX_UNARY_LOOP(VX_VLOG); break;
    case VX_VTANH: VX_UNARY_LOOP(VX_VTANH); break;
    case VX_VSIGMOID: VX_UNARY_LOOP(VX_VSIGMOID); break;
    case VX_VERF: VX_UNARY_LOOP(VX_VERF); break;
    case VX_VGELU: VX_UNARY_LOOP(VX_VGELU); break;
    case VX_VRELU: VX_UNARY_LOOP(VX_VRELU); break;
    case VX_VLEAKY_RELU: VX_UNARY_LOOP(VX_VLEAKY_RELU); break;
    case VX_VSCALE: VX_UNARY_LOOP(VX_VSCALE); break;
    case VX_VADD_SCALAR: VX_UNARY_LOOP(VX_VADD_SCALAR); break;
    case VX_VABS: VX_UNARY_LOOP(VX_VABS); break;
    case VX_VSQUARE: VX_UNARY_LOOP(VX_VSQUARE); break;
    case VX_VSQRT: VX_UNARY_LOOP(VX_VSQRT); break;
    case VX_VCLAMP: VX_UNARY_LOOP(VX_VCLAMP); break;
    default: break;
    }
}

static inline VF v_binop(vx_vbinop op, VF a, VF b)
{
    switch (op) {
    case VX_VADD: return v_add(a, b);
    case VX_VSUB: return v_sub(a, b);
    case VX_VMUL: return v_mul(a, b);
    default: return v_div(a, b);
    }
}

/* a or b may be one broadcast value (stride 0). */
static inline VF v_load_strided(const float *p, int64_t stride, int64_t i)
{
    return stride ? v_load(p + i) : v_set(p[0]);
}

static inline VF v_load_strided_part(const float *p, int64_t stride, int64_t i, int n)
{
    return stride ? v_load_part(p + i, n) : v_set(p[0]);
}

#define VX_BINARY_LOOP(OP)                                                                   \
    do {                                                                                     \
        int64_t i = 0;                                                                       \
        for (; i + VW <= n; i += VW)                                                         \
            v_store(y + i, v_binop(OP, v_load_strided(a, sa, i), v_load_strided(b, sb, i))); \
        if (i < n)                                                                           \
            v_store_part(y + i,                                                              \
                         v_binop(OP, v_load_strided_part(a, sa, i, (int)(n - i)),            \
                                 v_load_strided_part(b, sb, i, (int)(n - i))),               \
                         (int)(n - i));                                                      \
    } while (0)

void VX_VNAME(vx_vbinary)(vx_vbinop op, const float *a, int64_t sa, const float *b, int64_t sb,
                          float *y, int64_t n)
{
    switch (op) {
    case VX_VADD: VX_BINARY_LOOP(VX_VADD); break;
    case VX_VSUB: VX_BINARY_LOOP(VX_VSUB); break;
    case VX_VMUL: VX_BINARY_LOOP(VX_VMUL); break;
    case VX_VDIV: VX_BINARY_LOOP(VX_VDIV); break;
    }
}

/* --- reductions and row kernels ----------------------------------------------- */

/* Four accumulators of VW lanes, combined in a fixed order. */
float VX_VNAME(vx_vsum)(const float *x, int64_t n)
{
    VF acc[4] = {v_set(0.0f), v_set(0.0f), v_set(0.0f), v_set(0.0f)};
    int64_t i = 0;
    for (; i + 4 * VW <= n; i += 4 * VW)
        for (int k = 0; k < 4; k++)
            acc[k] = v_add(acc[k], v_load(x + i + k * VW));
    for (; i + VW <= n; i += VW)
        acc[0] = v_add(acc[0], v_load(x + i));
    if (i < n)
        acc[1] = v_add(acc[1], v_load_part(x + i, (int)(n - i)));
    return v_hsum(v_add(v_add(acc[0], acc[1]), v_add(acc[2], acc[3])));
}

/* max(x, acc) keeps acc when x is NaN: NaNs are ignored, as by fmaxf. */
float VX_VNAME(vx_vmax)(const float *x, int64_t n)
{
    VF acc = v_set(-__builtin_inff());
    int64_t i = 0;
    for (; i + VW <= n; i += VW)
        acc = v_max(v_load(x + i), acc);
    float m = v_hmax(acc);
    for (; i < n; i++)
        m = x[i] > m ? x[i] : m;
    return m;
}

/* Columns [i, i + lanes) of x [n, inner] (lanes ≤ VW; 0 touches nothing). */
static inline VF v_col(const float *p, int lanes)
{
    return lanes == VW ? v_load(p) : lanes > 0 ? v_load_part(p, lanes) : v_set(0.0f);
}

static inline void v_col_store(float *p, VF v, int lanes)
{
    if (lanes == VW)
        v_store(p, v);
    else if (lanes > 0)
        v_store_part(p, v, lanes);
}

/* The column kernels work on COLS vectors of columns at once (fewer passes
 * over the strided rows); lanes[v] of them are inside the `left` columns. */
enum { COLS = 4 };

static inline void v_col_lanes(int64_t left, int lanes[COLS])
{
    for (int v = 0; v < COLS; v++) {
        int64_t l = left - (int64_t)v * VW;
        lanes[v] = l <= 0 ? 0 : l >= VW ? VW : (int)l;
    }
}

void VX_VNAME(vx_vsoftmax)(const float *x, float *y, int64_t n, int64_t inner)
{
    if (inner == 1) {
        VF vm = v_set(VX_VNAME(vx_vmax)(x, n));
        int64_t i = 0;
        for (; i < n; i += VW) {
            int lanes = n - i < VW ? (int)(n - i) : VW;
            v_col_store(y + i, v_exp(v_sub(v_col(x + i, lanes), vm)), lanes);
        }
        VF total = v_set(VX_VNAME(vx_vsum)(y, n));
        for (i = 0; i < n; i += VW) {
            int lanes = n - i < VW ? (int)(n - i) : VW;
            v_col_store(y + i, v_div(v_col(y + i, lanes), total), lanes);
        }
        return;
    }
    for (int64_t c = 0; c < inner; c += COLS * VW) { /* COLS vectors of columns per pass */
        int lanes[COLS];
        v_col_lanes(inner - c, lanes);
        VF m[COLS], total[COLS];
        for (int v = 0; v < COLS; v++) {
            m[v] = v_set(-__builtin_inff());
            total[v] = v_set(0.0f);
        }
        for (int64_t j = 0; j < n; j++)
            for (int v = 0; v < COLS; v++)
                m[v] = v_max(v_col(x + j * inner + c + v * VW, lanes[v]), m[v]);
        for (int64_t j = 0; j < n; j++)
            for (int v = 0; v < COLS; v++) {
                float *py = y + j * inner + c + v * VW;
                VF e = v_exp(v_sub(v_col(x + j * inner + c + v * VW, lanes[v]), m[v]));
                v_col_store(py, e, lanes[v]);
                total[v] = v_add(total[v], e);
            }
        for (int64_t j = 0; j < n; j++)
            for (int v = 0; v < COLS; v++) {
                float *py = y + j * inner + c + v * VW;
                v_col_store(py, v_div(v_col(py, lanes[v]), total[v]), lanes[v]);
            }
    }
}

void VX_VNAME(vx_vlayer_norm)(const float *x, float *y, int64_t n, int64_t stride, int64_t cols,
                              const float *gamma, const float *beta, float eps, float *stats)
{
    VF inv_n = v_set(1.0f / (float)n), veps = v_set(eps);
    if (stride == 1) { /* one contiguous row */
        float mu = VX_VNAME(vx_vsum)(x, n) / (float)n;
        VF vmu = v_set(mu), acc = v_set(0.0f);
        int64_t i = 0;
        for (; i + VW <= n; i += VW) {
            VF d = v_sub(v_load(x + i), vmu);
            acc = v_fma(d, d, acc);
        }
        float var = v_hsum(acc);
        for (; i < n; i++)
            var += (x[i] - mu) * (x[i] - mu);
        float rstd = 1.0f / __builtin_sqrtf(var / (float)n + eps);
        VF vr = v_set(rstd);
        for (i = 0; i < n; i += VW) {
            int lanes = n - i < VW ? (int)(n - i) : VW;
            VF v = v_mul(v_sub(v_col(x + i, lanes), vmu), vr);
            if (gamma)
                v = v_mul(v, v_col(gamma + i, lanes));
            if (beta)
                v = v_add(v, v_col(beta + i, lanes));
            v_col_store(y + i, v, lanes);
        }
        stats[0] = mu;
        stats[1] = rstd;
        return;
    }
    for (int64_t c = 0; c < cols; c += COLS * VW) { /* COLS vectors of columns per pass */
        int lanes[COLS];
        v_col_lanes(cols - c, lanes);
        VF mu[COLS], var[COLS], rstd[COLS];
        for (int v = 0; v < COLS; v++)
            mu[v] = var[v] = v_set(0.0f);
        for (int64_t j = 0; j < n; j++)
            for (int v = 0; v < COLS; v++)
                mu[v] = v_add(mu[v], v_col(x + j * stride + c + v * VW, lanes[v]));
        for (int v = 0; v < COLS; v++)
            mu[v] = v_mul(mu[v], inv_n);
        for (int64_t j = 0; j < n; j++)
            for (int v = 0; v < COLS; v++) {
                VF d = v_sub(v_col(x + j * stride + c + v * VW, lanes[v]), mu[v]);
                var[v] = v_fma(d, d, var[v]);
            }
        for (int v = 0; v < COLS; v++)
            rstd[v] = v_div(v_set(1.0f), v_sqrt(v_add(v_mul(var[v], inv_n), veps)));
        for (int64_t j = 0; j < n; j++) {
            VF g = v_set(gamma ? gamma[j] : 1.0f), b = v_set(beta ? beta[j] : 0.0f);
            for (int v = 0; v < COLS; v++) {
                VF t = v_mul(v_sub(v_col(x + j * stride + c + v * VW, lanes[v]), mu[v]), rstd[v]);
                v_col_store(y + j * stride + c + v * VW, v_fma(t, g, b), lanes[v]);
            }
        }
        for (int v = 0; v < COLS; v++) {
            float mus[VW], rs[VW];
            v_store(mus, mu[v]);
            v_store(rs, rstd[v]);
            for (int l = 0; l < lanes[v]; l++) {
                stats[2 * (c + v * VW + l)] = mus[l];
                stats[2 * (c + v * VW + l) + 1] = rs[l];
            }
        }
    }
}
