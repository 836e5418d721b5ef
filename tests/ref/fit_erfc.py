"""fit_erfc.py — the polynomial behind the vectorised erfc in core/kernels/vmath_simd.h.

For z >= 0.5 the kernels compute erfc(z) = exp(-z^2) * t * h(u) with
t = 1 / (1 + z/2) and u = 3.125 t - 1.5, which maps z in [0.5, 10.5] onto
u in [-1, 1] (both constants are exact in binary). h = erfc(z) exp(z^2) / t
varies slowly (0.33 .. 0.77), so a degree-12 polynomial in u, fitted by least
squares on 800 Chebyshev nodes to values from mpmath at 40 digits, is good to
about 1 ulp. Prints the coefficients (u^0 first) as C float literals and the
relative error of a float32 fused-multiply-add Horner evaluation.

Run: python3 tests/ref/fit_erfc.py   (needs numpy and mpmath)
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
A, B, DEGREE, NODES = 3.125, -1.5, 12, 800


def h(t):
    z = (1.0 / t - 1.0) * 2.0
    return float(mp.erfc(z) * mp.exp(z * z)) / t


u = np.cos(np.pi * (np.arange(NODES) + 0.5) / NODES)
coef = np.polynomial.polynomial.polyfit(u, [h((x - B) / A) for x in u], DEGREE).astype(np.float32)

us = np.linspace(-1, 1, 20001).astype(np.float32)
ref = np.array([h((float(x) - B) / A) for x in us])
acc = np.full(us.shape, coef[-1], dtype=np.float32)
for c in coef[-2::-1]:  # fma: exact product and sum, one rounding to float32
    acc = (acc.astype(np.float64) * us.astype(np.float64) + np.float64(c)).astype(np.float32)
err = np.max(np.abs(acc / ref - 1))
print(",\n".join("    " + np.format_float_scientific(c, unique=True) + "f" for c in coef))
print(f"max relative error of the float32 evaluation: {err:.2e} ({err / 2**-24:.2f} x 2^-24)")
