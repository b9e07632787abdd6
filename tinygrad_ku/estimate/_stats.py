"""Normal and chi-square distribution functions for the inference layer, in NumPy + math.

    norm_cdf(x) = Φ(x) = ½ erfc(−x/√2)           norm_sf(x) = 1 − Φ(x) = ½ erfc(x/√2)
    norm_ppf(p) = Φ⁻¹(p)  (Acklam's rational start, then one Halley step on erfc)
    chi2_sf(x, k) = Q(k/2, x/2)                    chi2_cdf(x, k) = P(k/2, x/2)
    chi2_ppf(p, k) = x with P(k/2, x/2) = p        chi2_isf(q, k) = x with Q(k/2, x/2) = q

P and Q are the regularized lower and upper incomplete gamma functions, by the
series (x < a + 1) or Lentz's continued fraction (x ≥ a + 1), as in Numerical
Recipes §6.2; each is returned directly where it is small, so tail probabilities
keep their relative precision (chi2_sf(2000, 1) = 1e-436 underflows to 0, but
chi2_sf(1000, 1) ≈ 1.5e-219 is exact to ~1e-14). Quantiles are found by
bracketing and safeguarded Newton. The gamma prefactor x^a e^{−x}/Γ(a) loses about
a·ε·|log x| relative precision, so results are accurate to ~1e-13 for df up to
about 1e3 and degrade slowly beyond.

Every function takes a float or an array and returns a float or an ndarray of the
same shape (evaluated element by element: these run a few times per fit).
"""
import math

import numpy as np

__all__ = ["norm_cdf", "norm_sf", "norm_pdf", "norm_ppf", "norm_isf", "two_sided_p",
           "chi2_cdf", "chi2_sf", "chi2_ppf", "chi2_isf"]

_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)
_EPS = 1e-16
_MAX_ITER = 100_000


def _elementwise(fn, *args):
    """fn applied to scalars, or element by element over broadcast arrays (float result)."""
    if all(np.ndim(a) == 0 for a in args):
        return fn(*(float(a) for a in args))
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
    out = np.empty(arrays[0].shape, dtype=np.float64)
    for idx in np.ndindex(out.shape):
        out[idx] = fn(*(float(a[idx]) for a in arrays))
    return out


# ----- normal ----------------------------------------------------------------------
def _cdf(x):
    return 0.5 * math.erfc(-x / _SQRT2)


def _sf(x):
    return 0.5 * math.erfc(x / _SQRT2)


def _pdf(x):
    return math.exp(-0.5 * x * x) / _SQRT2PI


def norm_cdf(x):
    """Φ(x) = ½ erfc(−x/√2), the standard normal distribution function."""
    return _elementwise(_cdf, x)


def norm_sf(x):
    """1 − Φ(x) = ½ erfc(x/√2), accurate in the upper tail."""
    return _elementwise(_sf, x)


def norm_pdf(x):
    """φ(x) = exp(−x²/2)/√(2π)."""
    return _elementwise(_pdf, x)


def two_sided_p(z):
    """P(|Z| ≥ |z|) = erfc(|z|/√2) for Z ~ N(0, 1); NaN stays NaN."""
    return _elementwise(lambda v: math.erfc(abs(v) / _SQRT2) if v == v else math.nan, z)


# Acklam's rational approximation of Φ⁻¹ (relative error < 1.15e-9), refined by Halley.
_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
      6.680131188771972e+01, -1.328068155288572e+01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
      3.754408661907416e+00)
_P_LOW = 0.02425


def _acklam(p):
    """Φ⁻¹(p) to ~1e-9, for 0 < p ≤ ½."""
    if p < _P_LOW:
        q = math.sqrt(-2.0 * math.log(p))
        return ((((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) /
                ((((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0))
    q = p - 0.5
    r = q * q
    return ((((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q /
            (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0))


def _lower_ppf(p):
    """Φ⁻¹(p) for 0 < p ≤ ½: Acklam, then Halley steps x ← x − u/(1 + x·u/2), u = (Φ(x) − p)/φ(x).

    The residual is taken relative to p (e = Φ(x)/p − 1, with u = e·p/φ(x)) so the
    step stays finite when φ(x) underflows relative to p deep in the tail."""
    x = _acklam(p)
    for _ in range(3):
        e = _cdf(x) - p
        if e == 0.0:
            break
        # u = e / φ(x), written as e·√(2π)·exp(x²/2); at p = 1e-300, x ≈ −37 and exp(685) fits
        u = e * _SQRT2PI * math.exp(0.5 * x * x)
        step = u / (1.0 + 0.5 * x * u)
        x -= step
        if abs(step) <= 1e-17 * max(1.0, abs(x)):
            break
    return x


def _ppf(p):
    if not 0.0 <= p <= 1.0:          # also NaN
        return math.nan
    if p == 0.0:
        return -math.inf
    if p == 1.0:
        return math.inf
    if p <= 0.5:
        return _lower_ppf(p)
    return -_lower_ppf(1.0 - p)      # 1 − p is exact for p ≥ ½ (Sterbenz)


def norm_ppf(p):
    """Φ⁻¹(p): the z with Φ(z) = p; −inf at 0, +inf at 1, NaN outside [0, 1]."""
    return _elementwise(_ppf, p)


def norm_isf(q):
    """z with 1 − Φ(z) = q, i.e. −Φ⁻¹(q): the upper-tail quantile, accurate for tiny q."""
    return _elementwise(lambda v: -_ppf(v), q)


# ----- regularized incomplete gamma ------------------------------------------------
def _log_prefactor(a, x):
    """log(x^a e^{−x} / Γ(a))."""
    return a * math.log(x) - x - math.lgamma(a)


def _gamma_series(a, x):
    """P(a, x) = x^a e^{−x}/Γ(a) · Σ_n x^n / (a(a+1)…(a+n)), for x < a + 1."""
    term = total = 1.0 / a
    ap = a
    for _ in range(_MAX_ITER):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            return total * math.exp(_log_prefactor(a, x))
    raise RuntimeError(f"chi2: the incomplete-gamma series did not converge for a={a}, x={x}")


def _gamma_cf(a, x):
    """Q(a, x) by Lentz's continued fraction, for x ≥ a + 1 (Numerical Recipes gcf)."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        c = b + an / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            return math.exp(_log_prefactor(a, x)) * h
    raise RuntimeError(f"chi2: the incomplete-gamma continued fraction did not converge for "
                       f"a={a}, x={x}")


def _gamma_pq(a, x):
    """(P(a, x), Q(a, x)), the smaller one computed directly."""
    if math.isnan(x):
        return math.nan, math.nan
    if x <= 0.0:
        return 0.0, 1.0
    if math.isinf(x):
        return 1.0, 0.0
    if x < a + 1.0:
        p = _gamma_series(a, x)
        return p, 1.0 - p
    q = _gamma_cf(a, x)
    return 1.0 - q, q


def _check_df(df, fname):
    d = np.asarray(df, dtype=np.float64)
    if not np.all(d > 0) or not np.all(np.isfinite(d)):
        raise ValueError(f"{fname}: df must be positive and finite, got {df!r}")


def chi2_cdf(x, df):
    """P(X ≤ x) = P(df/2, x/2) for X ~ χ²(df)."""
    _check_df(df, "chi2_cdf")
    return _elementwise(lambda v, k: _gamma_pq(0.5 * k, 0.5 * v)[0], x, df)


def chi2_sf(x, df):
    """P(X > x) = Q(df/2, x/2) for X ~ χ²(df), accurate in the upper tail."""
    _check_df(df, "chi2_sf")
    return _elementwise(lambda v, k: _gamma_pq(0.5 * k, 0.5 * v)[1], x, df)


def _chi2_logpdf(x, k):
    a = 0.5 * k
    return (a - 1.0) * math.log(x) - 0.5 * x - a * math.log(2.0) - math.lgamma(a)


def _chi2_solve(p, q, k):
    """x with P(k/2, x/2) = p (when p ≤ ½) or Q(k/2, x/2) = q (otherwise); p + q = 1."""
    if math.isnan(p) or math.isnan(q) or p < 0.0 or q < 0.0:
        return math.nan
    if p == 0.0:
        return 0.0
    if q == 0.0:
        return math.inf
    use_lower = p <= 0.5
    target = p if use_lower else q
    a = 0.5 * k

    def resid(x):                    # increasing in x either way
        pp, qq = _gamma_pq(a, 0.5 * x)
        return (pp - p) if use_lower else (q - qq)

    # start: Wilson–Hilferty, x ≈ k (1 − 2/(9k) + z √(2/(9k)))³
    z = _ppf(p) if use_lower else -_ppf(q)
    c = 2.0 / (9.0 * k)
    x = k * max(1.0 - c + z * math.sqrt(c), 1e-3) ** 3
    lo, hi = 0.0, math.inf
    # bracket: grow/shrink geometrically from the start until the residual changes sign
    r = resid(x)
    while r < 0.0:
        lo, x = x, x * 2.0 + 1.0
        r = resid(x)
    hi = x
    if r == 0.0:
        return x
    y = lo if lo > 0.0 else x
    while lo == 0.0:
        y *= 0.5
        if y < 1e-300:
            return y
        if resid(y) < 0.0:
            lo = y
        else:
            hi = y
    x = 0.5 * (lo + hi) if not lo < x < hi else x
    for _ in range(200):
        r = resid(x)
        if r == 0.0:
            return x
        if r < 0.0:
            lo = x
        else:
            hi = x
        logpdf = _chi2_logpdf(x, k)          # d/dx of P and of −Q is the density
        step = r / math.exp(logpdf) if logpdf > -700.0 else math.inf
        new = x - step
        if not lo < new < hi:               # Newton left the bracket: bisect instead
            new = 0.5 * (lo + hi)
        if abs(new - x) <= 1e-15 * abs(new) or hi - lo <= 1e-15 * hi:
            return new
        x = new
    raise RuntimeError(f"chi2 quantile: no convergence for probability {target} and df={k}")


def chi2_ppf(p, df):
    """x with P(X ≤ x) = p for X ~ χ²(df) (the lower-tail quantile; inf at p = 1)."""
    _check_df(df, "chi2_ppf")
    return _elementwise(lambda v, k: _chi2_solve(v, 1.0 - v, k), p, df)


def chi2_isf(q, df):
    """x with P(X > x) = q for X ~ χ²(df), accurate for tiny q."""
    _check_df(df, "chi2_isf")
    return _elementwise(lambda v, k: _chi2_solve(1.0 - v, v, k), q, df)
