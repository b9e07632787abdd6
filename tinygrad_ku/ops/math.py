"""Elementwise math ops: trigonometric and hyperbolic functions and their inverses, log2 and
log10, erf and erfc, rounding, and the binary atan2, hypot, copysign, lerp, fmax and fmin.

Conventions (PyTorch 2.13's):
- The derivatives are the closed forms, also where they are infinite: d acos/dx = -inf at
  x = ±1, d asin/dx and d atanh/dx = +inf there, d acosh/dx = +inf at 1, and nan outside
  the domain (where the value is nan).
- floor, ceil, round, trunc and the rounding divisions (div with rounding_mode) have
  gradient 0 everywhere, also at their jumps.
- atan2: the gradient at (0, 0) is (0, 0); elsewhere (x, -y) / (x² + y²) is scaled by
  hypot(x, y), so it stays exact where x² + y² under- or overflows (PyTorch gives 0 there).
- hypot: the gradient at (0, 0) is nan (0 / 0).
- copysign(x, y): the gradient to x is copysign(x, y) / x, 0 where x = 0; y gets 0.
- fmax / fmin: the gradient goes to x where x wins or ties, or y is nan; else to y.
- lerp(x, y, w) = x + w (y - x), evaluated as y - (y - x)(1 - w) when |w| >= 0.5, so
  w = 1 gives y exactly (PyTorch's formula; PyTorch fuses the multiply-add, so the last
  bit may differ).

erf and erfc are computed in float64 (float32 inputs are cast back), to a few ulp:
- |x| < 0.5: erf(x) = (2/√π) x e^(-x²) Σ (2x²)^n / (1·3···(2n+1)), a series of positive
  terms (no cancellation); erfc = 1 - erf.
- |x| >= 0.5: erfc(|x|) by the Matta-Reichel sum (a trapezoidal rule with step h = 1/2,
  error ~ e^(-π²/h²) < 1e-17):
      erfc(a) = (a h / π) e^(-a²) [1/a² + 2 Σ_{n≥1} e^(-n²h²) / (a² + n²h²)]
                - 2 / (e^(2πa/h) - 1)        (the last term for a < π/h only)
  then erf = ±(1 - erfc), erfc(-a) = 2 - erfc(a).
e^(-x²) uses x² split exactly into hi + lo, so large |x| lose no accuracy.
"""
import numpy as np

from ..engine import Function
from ._dispatch import cosh, data, exp, is_tensor, sinh, sqrt
from .elementwise import where

_TWO_OVER_SQRT_PI = 1.1283791670955126
_LN2, _LN10 = 0.6931471805599453, 2.302585092994046
_H = 0.5
_NH2 = (_H * np.arange(1, 15)) ** 2        # e^(-(nh)²) < 1e-21 beyond n = 14
_EXP_NH2 = np.exp(-_NH2)


def hypot(x, y):
    """hypot on ndarrays (first-order path) or Tensors (create_graph), as in _dispatch."""
    return Hypot.apply(x, y) if is_tensor(x) or is_tensor(y) else np.hypot(x, y)


# ----- erf and erfc in NumPy --------------------------------------------------------------
def _exp_neg_square(x):
    c = 134217729.0 * x                    # Dekker's split: x = xh + xl, xh with 26 bits
    xh = c - (c - x)
    xl = x - xh
    hi = x * x
    lo = ((xh * xh - hi) + 2.0 * xh * xl) + xl * xl
    return np.exp(-hi) * (1.0 - lo)


def _erf_small(x):
    t = 2.0 * x * x
    term = np.ones_like(x)
    total = term.copy()
    for k in range(3, 35, 2):              # (2x²)^n / (2n+1)!! < 1e-20 for |x| < 0.5
        term = term * t / k
        total += term
    return _TWO_OVER_SQRT_PI * x * _exp_neg_square(x) * total


def _erfc_large(a):
    a2 = a * a
    total = 1.0 / a2
    for e, nh2 in zip(_EXP_NH2, _NH2):
        total += 2.0 * e / (a2 + nh2)
    out = a * (_H / np.pi) * _exp_neg_square(a) * total
    near = a < np.pi / _H
    out[near] -= 2.0 / np.expm1(a[near] * (2.0 * np.pi / _H))
    return out


def _erf_erfc(x, which):
    """erf(x) or erfc(x), in float64 then x's float dtype; each branch on its own elements."""
    x = np.asarray(x)
    xf = np.array(x, np.float64).reshape(-1)
    a = np.minimum(np.abs(xf), 30.0)       # erfc(30) underflows to 0; inf lands here too
    small = a < 0.5
    out = np.empty_like(xf)
    s = _erf_small(xf[small])
    out[small] = s if which == "erf" else 1.0 - s
    large = ~small
    c = _erfc_large(a[large])
    if which == "erf":
        out[large] = np.copysign(1.0 - c, xf[large])
    else:
        out[large] = np.where(xf[large] < 0, 2.0 - c, c)
    return out.reshape(x.shape).astype(x.dtype if x.dtype.kind == "f" else np.float64,
                                       copy=False)


def erf(x):
    """erf(x) = (2/√π) ∫₀ˣ e^(-t²) dt of an ndarray, to a few ulp."""
    return _erf_erfc(x, "erf")


def erfc(x):
    """erfc(x) = 1 - erf(x) of an ndarray, to a few ulp also where it is tiny."""
    return _erf_erfc(x, "erfc")


# ----- unary ops with closed-form derivatives -----------------------------------------------
class Tan(Function):
    saved_inputs = ()

    forward = staticmethod(np.tan)

    def vjp(self, g, out, x):          # 1 + tan²
        return (g * (1.0 + out * out),)
    batched_vjp = vjp


class Asin(Function):
    needs_out = False

    forward = staticmethod(np.arcsin)

    def vjp(self, g, out, x):          # 1 / √(1 - x²), as (1 - x)(1 + x) for accuracy near ±1
        return (g / sqrt((1.0 - x) * (1.0 + x)),)
    batched_vjp = vjp


class Acos(Function):
    needs_out = False

    forward = staticmethod(np.arccos)

    def vjp(self, g, out, x):          # -1 / √(1 - x²): -inf at ±1
        return (-g / sqrt((1.0 - x) * (1.0 + x)),)
    batched_vjp = vjp


class Atan(Function):
    needs_out = False

    forward = staticmethod(np.arctan)

    def vjp(self, g, out, x):
        return (g / (1.0 + x * x),)
    batched_vjp = vjp


class Sinh(Function):
    needs_out = False

    forward = staticmethod(np.sinh)

    def vjp(self, g, out, x):
        return (g * cosh(x),)
    batched_vjp = vjp


class Cosh(Function):
    needs_out = False

    forward = staticmethod(np.cosh)

    def vjp(self, g, out, x):
        return (g * sinh(x),)
    batched_vjp = vjp


class Asinh(Function):
    needs_out = False

    forward = staticmethod(np.arcsinh)

    def vjp(self, g, out, x):          # 1 / √(x² + 1), without overflow for large |x|
        return (g / hypot(x, 1.0),)
    batched_vjp = vjp


class Acosh(Function):
    needs_out = False

    forward = staticmethod(np.arccosh)

    def vjp(self, g, out, x):          # 1 / √(x² - 1) = 1 / (√(x - 1) √(x + 1))
        return (g / (sqrt(x - 1.0) * sqrt(x + 1.0)),)
    batched_vjp = vjp


class Atanh(Function):
    needs_out = False

    forward = staticmethod(np.arctanh)

    def vjp(self, g, out, x):          # 1 / (1 - x²): inf at ±1
        return (g / ((1.0 - x) * (1.0 + x)),)
    batched_vjp = vjp


class Log2(Function):
    needs_out = False

    forward = staticmethod(np.log2)    # exact at powers of 2 (log(x) / ln 2 is not)

    def vjp(self, g, out, x):
        return (g / (x * _LN2),)
    batched_vjp = vjp


class Log10(Function):
    needs_out = False

    forward = staticmethod(np.log10)

    def vjp(self, g, out, x):
        return (g / (x * _LN10),)
    batched_vjp = vjp


class Erf(Function):
    needs_out = False

    forward = staticmethod(erf)

    def vjp(self, g, out, x):          # (2/√π) e^(-x²)
        return (g * (_TWO_OVER_SQRT_PI * exp(-(x * x))),)
    batched_vjp = vjp


class Erfc(Function):
    needs_out = False

    forward = staticmethod(erfc)

    def vjp(self, g, out, x):
        return (g * (-_TWO_OVER_SQRT_PI * exp(-(x * x))),)
    batched_vjp = vjp


# ----- piecewise-constant ops: gradient 0 ---------------------------------------------------
class _Flat:
    """The vjp of a piecewise-constant op: 0 to every input that wants a gradient."""
    __slots__ = ()
    saved_inputs, needs_out = (), False

    def vjp(self, g, out, *inputs):
        return tuple(g * 0.0 if self.needs_grad(i) else None for i in range(len(inputs)))
    batched_vjp = vjp


class Floor(_Flat, Function):
    forward = staticmethod(np.floor)


class Ceil(_Flat, Function):
    forward = staticmethod(np.ceil)


class Trunc(_Flat, Function):
    forward = staticmethod(np.trunc)


class Round(_Flat, Function):
    """Half to even, at `decimals` decimal places (negative: to tens, hundreds, ...)."""

    def forward(self, x):
        d = self.decimals
        if d == 0:
            return np.rint(x)
        p = x.dtype.type(10.0 ** abs(d))   # PyTorch's order: x·10^d / 10^d, x / 10^-d · 10^-d
        return np.rint(x * p) / p if d > 0 else np.rint(x / p) * p


class RoundedDiv(_Flat, Function):
    """x / y rounded with `rounding_mode` 'floor' (Python's //) or 'trunc' (toward zero)."""

    def forward(self, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):   # x / 0: ±inf or nan (IEEE)
            if self.rounding_mode == "floor":
                return np.floor_divide(x, y)
            if np.result_type(x, y).kind in "iub":
                return (x - np.fmod(x, y)) // y
            return np.trunc(np.true_divide(x, y))


# ----- binary and ternary ops ---------------------------------------------------------------
class Atan2(Function):
    """atan2(y, x): the angle of the point (x, y)."""
    needs_out = False

    forward = staticmethod(np.arctan2)

    def vjp(self, g, out, y, x):       # (x, -y) / (x² + y²), scaled by hypot; 0 at (0, 0)
        h = hypot(y, x)
        h = where(data(h) == 0, 1.0, h)
        return (g * (x / h) / h if self.needs_grad(0) else None,
                -g * (y / h) / h if self.needs_grad(1) else None)
    batched_vjp = vjp


class Hypot(Function):
    forward = staticmethod(np.hypot)

    def vjp(self, g, out, x, y):       # (x, y) / hypot: nan at (0, 0)
        return (g * x / out if self.needs_grad(0) else None,
                g * y / out if self.needs_grad(1) else None)
    batched_vjp = vjp


class Copysign(Function):
    saved_inputs = (0,)

    forward = staticmethod(np.copysign)

    def vjp(self, g, out, x, y):       # ±1 (out / x), 0 where x = 0; y: 0
        xd = data(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(xd == 0, 0.0, data(out) / xd)
        return g * ratio, (g * 0.0 if self.needs_grad(1) else None)
    batched_vjp = vjp


class Lerp(Function):
    """x + w (y - x); the gradient of w is y - x."""
    needs_out = False

    def forward(self, x, y, w):
        small = np.abs(w) < 0.5
        return np.where(small, x + w * (y - x), y - (y - x) * (1.0 - w))

    def reads(self, i):                # x and y are read for w's gradient, w for theirs
        return self.needs_grad(2) if i < 2 else self.needs_grad(0) or self.needs_grad(1)

    def vjp(self, g, out, x, y, w):
        return (g * (1.0 - w) if self.needs_grad(0) else None,
                g * w if self.needs_grad(1) else None,
                g * (y - x) if self.needs_grad(2) else None)
    batched_vjp = vjp


class Fmax(Function):
    """max(x, y) ignoring nan (nan only where both are)."""
    needs_out = False

    forward = staticmethod(np.fmax)

    def vjp(self, g, out, x, y):
        xd, yd = data(x), data(y)
        to_x = (xd >= yd) | (yd != yd)
        return g * to_x, g * ~to_x
    batched_vjp = vjp


class Fmin(Function):
    """min(x, y) ignoring nan (nan only where both are)."""
    needs_out = False

    forward = staticmethod(np.fmin)

    def vjp(self, g, out, x, y):
        xd, yd = data(x), data(y)
        to_x = (xd <= yd) | (yd != yd)
        return g * to_x, g * ~to_x
    batched_vjp = vjp
