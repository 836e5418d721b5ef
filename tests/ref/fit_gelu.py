"""fit_gelu.py — the two polynomials behind the vectorised gelu in core/kernels/vmath_simd.h.

gelu(x) = x·Φ(x). With a = |x| the kernel computes m = a·Φ(−a) (no cancellation:
gelu(x) = −m for x < 0 and x − m for x > 0, where m ≤ x/2) in one branch for all a:

    m = a·G(a)·e^{−a²/2},   G(a) = Φ(−a)·e^{a²/2} = ½·erfcx(a/√2)

1. G(a) = t·h(u) with t = 1/(1 + a·K) and u = 2t − 1 = 1 − 2K·at, where at = a·t = a/(1 + a·K)
   is what the kernel divides out (one rounding) and then multiplies into m. t in (0, 1] maps
   a in [0, ∞) onto u in (−1, 1]; K = 0.375 makes h smooth enough for degree 9 over
   a in [0, 15] (u in [−0.70, 1]). h is fitted to mpmath values (30 digits) on Chebyshev
   nodes, minimising the largest relative error by Lawson's reweighting of least squares.
2. e^r for |r| ≤ ln2/2 (plus the rounding of the reduction) as 1 + r + r²·q(r), q of
   degree 4, fitted the same way (relative error of the whole).

Prints the coefficients (lowest power first) as C float literals and the largest relative
error of a float32 evaluation that rounds where the kernel rounds (FMA: one rounding),
in units of 2^−24, over 8000 points of a in [0, 13.5] (beyond, m is subnormal) and of r.

Run: python3 tests/ref/fit_gelu.py   (needs numpy and mpmath; about 20 s)
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 30
K, A_MAX, DEG_H = 0.375, 15.0, 9
R_MAX, DEG_Q = 0.3470, 4
NODES, ROUNDS = 500, 40


def G(a):
    a = mp.mpf(a)
    return mp.erfc(a / mp.sqrt(2)) * mp.exp(a * a / 2) / 2


def lawson(x, target, scale, degree):
    """Polynomial c (x^0 first) minimising max |scale·(P(x) − target)| by reweighted least squares."""
    V = np.polynomial.polynomial.polyvander(x, degree)
    w = np.ones(len(x))
    for _ in range(ROUNDS):
        W = np.sqrt(w) * scale
        c, *_ = np.linalg.lstsq(V * W[:, None], target * W, rcond=None)
        e = np.abs((V @ c - target) * scale)
        w = w * e
        w /= w.sum()
    return c, np.max(e)


def f32(v):
    return np.asarray(v, np.float64).astype(np.float32).astype(np.float64)


def horner32(coef, x):
    acc = np.full(x.shape, coef[-1])
    for c in coef[-2::-1]:
        acc = f32(acc * x + c)  # an FMA rounds once
    return acc


def chebyshev_nodes(lo, hi):
    return (lo + hi) / 2 + (hi - lo) / 2 * np.cos(np.pi * (np.arange(NODES) + 0.5) / NODES)


# 1. h(u) = G(a)/t over u in [u(a = A_MAX), 1]
u = chebyshev_nodes(1 - 2 * K * A_MAX / (1 + K * A_MAX), 1.0)
t = (u + 1) / 2
h = np.array([float(G(v)) for v in (1 / t - 1) / K]) / t
h_coef, h_fit = lawson(u, h, 1 / h, DEG_H)
h_coef = f32(h_coef)

a = f32(np.linspace(0, 13.5, 8000))[1:]
d = f32(a * K + 1)
at = f32(a / d)
m = f32(at * horner32(h_coef, f32(1 - 2 * K * at)))
m_err = np.max(np.abs(m / np.array([float(v * G(v)) for v in a]) - 1))

# 2. q(r) = (e^r − 1 − r)/r², relative error of 1 + r + r²·q
r = chebyshev_nodes(-R_MAX, R_MAX)
q_target = np.array([float((mp.exp(v) - 1 - v) / v**2) for v in r])
q_coef, q_fit = lawson(r, q_target, r**2 / np.exp(r), DEG_Q)
q_coef = f32(q_coef)

rs = f32(np.linspace(-R_MAX, R_MAX, 8001))
p = horner32(np.concatenate(([1.0, 1.0], q_coef)), rs)
p_err = np.max(np.abs(p / np.array([float(mp.exp(v)) for v in rs]) - 1))

ulp = 2.0**-24
print(f"h, degree {DEG_H} in u = 1 - {2 * K}*at (fit error {h_fit / ulp:.3f} x 2^-24):")
print(",\n".join("    " + np.format_float_scientific(np.float32(c), unique=True) + "f" for c in h_coef))
print(f"q, degree {DEG_Q} in r (fit error {q_fit / ulp:.3f} x 2^-24):")
print(",\n".join("    " + np.format_float_scientific(np.float32(c), unique=True) + "f" for c in q_coef))
print(f"float32 evaluation, max relative error: a*G(a) {m_err / ulp:.2f} x 2^-24, "
      f"e^r {p_err / ulp:.2f} x 2^-24")
