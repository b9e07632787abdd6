"""Special functions: log-gamma and the polygamma family, in NumPy (no SciPy), and as ops.

Public functions (each dispatches on its argument: a Tensor gives a differentiable
Tensor, anything else -- scalar, list, ndarray -- gives a NumPy result, so the same
name serves users, forward passes and vjps on both the ndarray and the Tensor path):

    lgamma(x)         log|Gamma(x)|                       d/dx = digamma(x)
    digamma(x)        psi(x) = d/dx log Gamma(x)          d/dx = trigamma(x)
    trigamma(x)       psi'(x) = sum_k 1 / (x + k)^2       d/dx = polygamma(2, x)
    polygamma(n, x)   psi^(n)(x), n = 0, 1, 2, ...        d/dx = polygamma(n + 1, x)

Methods (float64 throughout; float32/float16 inputs are computed in float64 and cast back):
- lgamma, x > 0: Taylor series of log Gamma(2 + z) in zeta values for x in (0, 2.5);
  downward recurrence onto [1.5, 2.5) for x in [2.5, 10); Stirling's series for x >= 10.
  No step subtracts nearly equal numbers, so the relative error is a few ulp even next
  to the zeros at x = 1 and x = 2 (where a Lanczos sum loses relative accuracy).
  x < 0: reflection, log|Gamma(x)| = log(pi / |sin(pi x)|) - lgamma(1 - x).
- digamma, x > 0: the derivative of the same series, psi(2 + z), with psi(x) = psi(x + 1) - 1/x
  to reach it from (0, 2.5) and downward recurrence from [2.5, 10); the asymptotic series
  for x >= 10; a Taylor series about the positive zero x0 = 1.4616... for |x - x0| < 0.25.
  x < 0: reflection, psi(x) = psi(1 - x) - pi cot(pi x).
- polygamma(n >= 1), x > 0: (-1)^(n+1) n! zeta(n + 1, x), with the Hurwitz zeta function by
  recurrence to x >= n + 11 and the Euler-Maclaurin tail. x < 0: the n-th derivative of the
  reflection formula, psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi d^n/dx^n cot(pi x).
- sin(pi x) and cos(pi x) are computed after exact reduction of x, so the reflection
  formulas stay accurate for large |x|.

Poles: lgamma(0, -1, -2, ...) = +inf (as math.lgamma's limit and SciPy's gammaln); at zero,
the limit from the side of the signed zero, e.g. digamma(+0.0) = -inf, digamma(-0.0) = +inf
(as SciPy); at x = -1, -2, ...: psi^(n) = +inf for odd n (same sign on both sides) and nan
for even n, digamma included (the sign flips across the pole). Overflow gives +-inf quietly.
Relative accuracy is not promised next to the zeros of lgamma and digamma on x < 0
(there it is absolute, ~1e-15 times the size of the terms).
"""
import math

import numpy as np
import numpy.polynomial.polynomial as npoly

from .. import engine
from ..engine import Function

__all__ = ["lgamma", "digamma", "trigamma", "polygamma", "Lgamma", "Digamma", "Polygamma"]

EULER_GAMMA = 0.57721566490153286061          # gamma = -psi(1)
_HALF_LOG_2PI = 0.91893853320467274178        # log(2 pi) / 2
_X0_HI = 1.4616321449683622                   # positive zero of digamma, split as hi + lo
_X0_LO = 9.5499954299656977e-17               #   (x0 = 1.46163214496836234126265954...)

# Bernoulli numbers B_2, B_4, ..., B_20
_B2K = np.array([1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6,
                 -3617 / 510, 43867 / 798, -174611 / 330])


# ----------------------------------------------------------------------------
# helpers

def _is_tensor(x):
    return engine.Tensor is not None and isinstance(x, engine.Tensor)


def _prepare(x, func):
    """float64 copy of x, the dtype to return, and whether x was a scalar."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{func}: expected real numbers, got dtype {arr.dtype}")
    out_dtype = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)
    return np.array(arr, dtype=np.float64), out_dtype, arr.ndim == 0


def _finish(res, out_dtype, scalar):
    res = res.astype(out_dtype, copy=False)
    return res[()] if scalar else res


def _reduce_pi(x):
    """r = x - 2 round(x / 2), exactly, so that sin(pi x) = sin(pi r) with r in [-1, 1]."""
    return x - 2.0 * np.round(0.5 * x)


def _sinpi(x):
    """sin(pi x), exact zeros at the integers and accurate for large |x|."""
    r = _reduce_pi(x)
    r = np.where(np.abs(r) > 0.5, np.sign(r) - r, r)      # sin(pi r) = sin(pi (1 - r)), exact
    return np.sin(np.pi * r)


def _cospi(x):
    """cos(pi x) = sin(pi (1/2 - |r|)), exact zeros at the half-integers."""
    return np.sin(np.pi * (0.5 - np.abs(_reduce_pi(x))))


def _hurwitz_zeta(s, a):
    """zeta(s, a) = sum_{k>=0} (a + k)^-s for a float s > 1 and an array a > 0.

    Sum the first terms until a + k >= s + 10, then add the Euler-Maclaurin tail
    y^(1-s)/(s-1) + y^-s/2 + sum_j B_2j/(2j)! s(s+1)...(s+2j-2) y^(-s-2j+1).
    """
    y = np.array(a, dtype=np.float64)
    acc = np.zeros_like(y)
    target = s + 10.0
    todo = y < target
    while np.any(todo):                           # at most ceil(s + 10) rounds
        acc[todo] += y[todo] ** -s
        y[todo] += 1.0
        todo = y < target
    coef = np.empty(len(_B2K))                    # B_2j/(2j)! (s)_(2j-1)
    poch, fact = s, 2.0                           # (s)_1, 2!
    for j in range(len(_B2K)):
        coef[j] = _B2K[j] / fact * poch
        poch *= (s + 2 * j + 1) * (s + 2 * j + 2)
        fact *= (2 * j + 3) * (2 * j + 4)
    r = 1.0 / y
    r2 = r * r
    series = np.zeros_like(y)
    for c in coef[::-1]:                          # Horner in r^2
        series = series * r2 + c
    with np.errstate(over="ignore", under="ignore"):
        tail = r ** (s - 1.0) * (1.0 / (s - 1.0) + r * (0.5 + r * series))
    return acc + tail


# Taylor coefficients of log Gamma(2 + z) = (1 - gamma) z + sum_{k>=2} (-1)^k (zeta(k) - 1)/k z^k,
# |z| <= 1/2; zeta(k) - 1 = zeta(k, 2). Terms shrink like 4^-k / k: 40 terms reach 1e-26.
_LG2_COEF = np.array([1.0 - EULER_GAMMA] + [
    (-1) ** k * float(_hurwitz_zeta(float(k), 2.0)) / k for k in range(2, 41)])

# Taylor coefficients of psi(x0 + z) = sum_{k>=1} (-1)^(k+1) zeta(k + 1, x0) z^k, |z| < 1/4.
_PSI_ROOT_COEF = np.array([(-1) ** (k + 1) * float(_hurwitz_zeta(float(k + 1), _X0_HI))
                           for k in range(1, 31)])


# psi(2 + z) = d/dz log Gamma(2 + z) = sum_k k c_k z^(k-1) with c_k = _LG2_COEF[k-1].
_PSI2_COEF = _LG2_COEF * np.arange(1, len(_LG2_COEF) + 1)


def _poly(coef, z):
    """sum_k coef[k] z^k by Horner's rule (no 0 * z term, so z = +-inf gives +-inf, not nan)."""
    acc = np.full_like(z, coef[-1])
    for c in coef[-2::-1]:
        acc = acc * z + c
    return acc


def _poly_z(coef, z):
    """sum_k coef[k-1] z^k by Horner's rule."""
    acc = np.zeros_like(z)
    for c in coef[::-1]:
        acc = (acc + c) * z
    return acc


# ----------------------------------------------------------------------------
# NumPy kernels (float64 arrays in, float64 arrays out)

def _lgamma_pos(x):
    """log Gamma(x) for an array x > 0."""
    out = np.empty_like(x)
    m = x < 0.5           # log Gamma(x) = log Gamma(x + 2) - log(x (x + 1))
    out[m] = _poly_z(_LG2_COEF, x[m]) - np.log(x[m]) - np.log1p(x[m])
    m = (x >= 0.5) & (x < 1.5)   # log Gamma(x) = log Gamma(x + 1) - log x, z = x - 1 (exact)
    z = x[m] - 1.0
    out[m] = _poly_z(_LG2_COEF, z) - np.log1p(z)
    m = (x >= 1.5) & (x < 2.5)
    out[m] = _poly_z(_LG2_COEF, x[m] - 2.0)
    m = (x >= 2.5) & (x < 10.0)  # log Gamma(x) = log Gamma(x - n) + log((x-1)(x-2)...(x-n))
    xm = x[m]
    n = np.floor(xm - 1.5)       # x - n in [1.5, 2.5)
    prod = np.ones_like(xm)
    for k in range(1, 9):
        prod = np.where(k <= n, prod * (xm - k), prod)
    out[m] = _poly_z(_LG2_COEF, xm - n - 2.0) + np.log(prod)
    m = x >= 10.0   # Stirling: (x - 1/2) log x - x + log(2 pi)/2 + sum B_2k / (2k (2k-1) x^(2k-1))
    xm = x[m]
    r = 1.0 / xm
    r2 = r * r
    series = np.zeros_like(xm)
    for k in range(len(_B2K), 0, -1):
        series = series * r2 + _B2K[k - 1] / (2 * k * (2 * k - 1))
    with np.errstate(over="ignore", invalid="ignore"):
        big = (xm - 0.5) * np.log(xm) - xm
        out[m] = np.where(np.isinf(xm), np.inf, big + _HALF_LOG_2PI + r * series)
    return out


def _lgamma(x):
    out = np.full_like(x, np.nan)
    pos = x > 0
    out[pos] = _lgamma_pos(x[pos])
    neg = (x <= 0) & np.isfinite(x)   # reflection: |Gamma(x)| = pi / (|sin(pi x)| Gamma(1 - x))
    xn = x[neg]
    with np.errstate(divide="ignore"):
        out[neg] = np.log(np.pi / np.abs(_sinpi(xn))) - _lgamma_pos(1.0 - xn)
    out[x == -np.inf] = np.inf   # log|Gamma(-inf)| = inf, like math.lgamma
    return out


def _digamma_pos(x):
    """psi(x) for an array x > 0."""
    out = np.empty_like(x)
    root = np.abs(x - _X0_HI) < 0.25
    z = (x[root] - _X0_HI) - _X0_LO                    # x - x0, exact first step
    out[root] = _poly_z(_PSI_ROOT_COEF, z)
    m = ~root & (x < 0.5)        # psi(x) = psi(x + 2) - 1/(x + 1) - 1/x
    out[m] = _poly(_PSI2_COEF, x[m]) - 1.0 / (1.0 + x[m]) - 1.0 / x[m]
    m = ~root & (x >= 0.5) & (x < 1.5)                 # psi(x) = psi(x + 1) - 1/x
    out[m] = _poly(_PSI2_COEF, x[m] - 1.0) - 1.0 / x[m]
    m = ~root & (x >= 1.5) & (x < 2.5)
    out[m] = _poly(_PSI2_COEF, x[m] - 2.0)
    m = (x >= 2.5) & (x < 10.0)  # psi(x) = psi(x - n) + 1/(x-1) + ... + 1/(x-n): no cancellation
    xm = x[m]
    n = np.floor(xm - 1.5)
    acc = np.zeros_like(xm)
    for k in range(8, 0, -1):
        use = k <= n
        acc = np.where(use, acc + 1.0 / np.where(use, xm - k, 1.0), acc)
    out[m] = _poly(_PSI2_COEF, xm - n - 2.0) + acc
    m = x >= 10.0                # log x - 1/(2x) - sum_k B_2k / (2k x^2k)
    y = x[m]
    r = 1.0 / y
    r2 = r * r
    series = np.zeros_like(y)
    for k in range(len(_B2K), 0, -1):
        series = (series + _B2K[k - 1] / (2 * k)) * r2
    with np.errstate(invalid="ignore"):
        out[m] = np.where(np.isinf(y), np.inf, np.log(y) - 0.5 * r - series)
    return out


def _digamma(x):
    out = np.full_like(x, np.nan)
    pos = x > 0
    out[pos] = _digamma_pos(x[pos])
    neg = (x < 0) & np.isfinite(x) & (x != np.round(x))    # negative integers stay nan
    xn = x[neg]
    out[neg] = _digamma_pos(1.0 - xn) - np.pi * _cospi(xn) / _sinpi(xn)
    zero = x == 0
    out[zero] = -np.copysign(np.inf, x[zero])          # limit from the side of the signed zero
    return out


def _cot_derivative_poly(n):
    """Coefficients (in c = cot(pi x)) of the polynomial P_n with d^n/dx^n cot(pi x) = P_n(c).

    P_0(c) = c and P_{n+1}(c) = -pi (1 + c^2) P_n'(c), since dc/dx = -pi (1 + c^2).
    """
    p = np.array([0.0, 1.0])
    for _ in range(n):
        p = -np.pi * npoly.polymul([1.0, 0.0, 1.0], npoly.polyder(p))
    return p


def _polygamma(n, x):
    """psi^(n)(x) for an integer n >= 1."""
    out = np.full_like(x, np.nan)
    sign = -1.0 if n % 2 == 0 else 1.0                  # (-1)^(n+1)
    nfact = float(math.factorial(n))
    pos = x > 0
    with np.errstate(over="ignore"):
        out[pos] = sign * nfact * _hurwitz_zeta(float(n + 1), x[pos])
    neg = (x < 0) & np.isfinite(x) & (x != np.round(x))
    xn = x[neg]
    with np.errstate(over="ignore", invalid="ignore"):
        c = _cospi(xn) / _sinpi(xn)
        refl = _poly(_cot_derivative_poly(n), c)
        # (-1)^n psi^(n)(1 - x) = (-1)^n (-1)^(n+1) n! zeta(n + 1, 1 - x) = -n! zeta(n + 1, 1 - x)
        out[neg] = -nfact * _hurwitz_zeta(float(n + 1), 1.0 - xn) - np.pi * refl
    poles = (x < 0) & (x == np.round(x)) & np.isfinite(x)
    out[poles] = np.inf if n % 2 == 1 else np.nan        # even-order poles: +inf from both sides
    zero = x == 0               # psi^(n)(x) ~ (-1)^(n+1) n! / x^(n+1) near 0
    out[zero] = sign * np.copysign(1.0, x[zero]) ** (n + 1) * np.inf
    out[x == np.inf] = 0.0
    return out


# ----------------------------------------------------------------------------
# ops: forward on ndarrays, vjp on ndarrays or Tensors (the public functions dispatch)

class Lgamma(Function):
    needs_out = False

    def forward(self, x):
        return lgamma(x)

    def vjp(self, g, out, x):          # d log Gamma(x) = psi(x) dx
        return (g * digamma(x),)
    batched_vjp = vjp


class Digamma(Function):
    needs_out = False

    def forward(self, x):
        return digamma(x)

    def vjp(self, g, out, x):          # d psi(x) = psi'(x) dx
        return (g * polygamma(1, x),)
    batched_vjp = vjp


class Polygamma(Function):
    needs_out = False

    def forward(self, x):              # self.n: the order, a parameter of apply
        return polygamma(self.n, x)

    def vjp(self, g, out, x):          # d psi^(n)(x) = psi^(n+1)(x) dx
        return (g * polygamma(self.n + 1, x),)
    batched_vjp = vjp


# ----------------------------------------------------------------------------
# public functions

def lgamma(x):
    """log|Gamma(x)|; differentiable (d/dx = digamma(x)) when x is a Tensor.

    >>> float(lgamma(0.5))          # log sqrt(pi)
    0.5723649429247001
    """
    if _is_tensor(x):
        return Lgamma.apply(x)
    arr, dtype, scalar = _prepare(x, "lgamma")
    with np.errstate(over="ignore", divide="ignore"):   # poles and overflow give inf
        return _finish(_lgamma(arr), dtype, scalar)


def digamma(x):
    """psi(x) = d/dx log Gamma(x); differentiable (d/dx = trigamma(x)) when x is a Tensor.

    >>> float(digamma(1.0))         # -Euler's gamma
    -0.5772156649015329
    """
    if _is_tensor(x):
        return Digamma.apply(x)
    arr, dtype, scalar = _prepare(x, "digamma")
    with np.errstate(over="ignore", divide="ignore"):   # poles and overflow give inf
        return _finish(_digamma(arr), dtype, scalar)


def polygamma(n, x):
    """psi^(n)(x), the n-th derivative of digamma (n = 0 is digamma itself); as torch.polygamma.

    >>> float(polygamma(1, 1.0))    # pi^2 / 6
    1.6449340668482264
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"polygamma: order n must be a non-negative integer, got {n!r}")
    n = int(n)
    if n == 0:
        return digamma(x)
    if _is_tensor(x):
        return Polygamma.apply(x, n=n)
    arr, dtype, scalar = _prepare(x, "polygamma")
    with np.errstate(over="ignore", divide="ignore"):   # poles and overflow give inf
        return _finish(_polygamma(n, arr), dtype, scalar)


def trigamma(x):
    """psi'(x) = sum_{k>=0} 1 / (x + k)^2; differentiable when x is a Tensor.

    >>> float(trigamma(1.0))        # pi^2 / 6
    1.6449340668482264
    """
    return polygamma(1, x)
