"""Activation ops that are one node instead of several, or that need a kink convention the
composition would get wrong, and the standardisation inside layer_norm and batch_norm.

Kink conventions (PyTorch's): elu, selu and leaky_relu take the negative branch at 0
(elu'(0) = alpha, selu'(0) = scale·alpha, leaky_relu'(0) = negative_slope); hardtanh passes
the gradient only strictly inside (min_val, max_val), so relu6'(0) = relu6'(6) = 0, and
passes it where x is NaN.
"""
import math

import numpy as np

from ..engine import Function
from ._dispatch import exp, is_tensor
from .elementwise import where
from .math import Erfc, erfc

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_KAPPA = 0.044715                      # the cubic term of GELU's tanh approximation
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _tanh(x):
    return x.tanh() if is_tensor(x) else np.tanh(x)


def _normal_cdf(x):                    # Φ(x) = erfc(-x/√2) / 2: no cancellation for x << 0
    return 0.5 * (Erfc.apply(-x * _SQRT_HALF) if is_tensor(x) else erfc(-x * _SQRT_HALF))


def _gelu_slope(x, approximate, cdf=None):
    """d gelu / dx, on ndarrays or (differentiably) on Tensors; cdf: Φ(x) if known."""
    if approximate == "tanh":          # u = √(2/π)(x + κx³): (1 + tanh u)/2 + x (1 - tanh² u) u'/2
        t = _tanh(_SQRT_2_OVER_PI * (x + _KAPPA * x * x * x))
        du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _KAPPA * x * x)
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du
    cdf = _normal_cdf(x) if cdf is None else cdf
    return cdf + x * exp(-0.5 * x * x) * _INV_SQRT_2PI     # Φ(x) + x φ(x)


class Gelu(Function):
    """x Φ(x), or with approximate='tanh' 0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³))).
    Param approximate."""
    needs_out = False

    def forward(self, x):
        if self.approximate == "tanh":
            return 0.5 * x * (1.0 + np.tanh(_SQRT_2_OVER_PI * (x + _KAPPA * x * x * x)))
        self.cdf = _normal_cdf(x)      # kept for the first-order backward
        return x * self.cdf

    def vjp(self, g, out, x):
        cdf = None if is_tensor(x) else getattr(self, "cdf", None)
        return (g * _gelu_slope(x, self.approximate, cdf),)
    batched_vjp = vjp


class Elu(Function):
    """scale·x for x > 0, else scale·alpha·(eˣ - 1): ELU (scale 1) and SELU. Params alpha, scale."""
    saved_inputs = ()

    def forward(self, x):
        self.pos = ~(x <= 0)           # NaN counts as positive: its gradient passes (PyTorch)
        neg = np.expm1(np.minimum(x, 0)) * (self.alpha * self.scale)   # min: no overflow unused
        return np.where(self.pos, x * self.scale, neg)

    def vjp(self, g, out, x):          # scale, else scale·alpha·eˣ = out + scale·alpha
        return (g * where(self.pos, self.scale, out + self.alpha * self.scale),)
    batched_vjp = vjp


class LeakyRelu(Function):
    """x for x > 0, else negative_slope·x. Param negative_slope."""
    saved_inputs, needs_out = (), False

    def forward(self, x):
        self.slope = np.where(x > 0, 1.0, self.negative_slope).astype(np.result_type(x, 0.0))
        return x * self.slope

    def vjp(self, g, out, x):
        return (g * self.slope,)
    batched_vjp = vjp


class Hardtanh(Function):
    """x clipped to [min_val, max_val]; the gradient passes strictly inside.
    Params min_val, max_val."""
    saved_inputs, needs_out = (), False

    def forward(self, x):
        self.inside = ~((x <= self.min_val) | (x >= self.max_val))
        return np.clip(x, self.min_val, self.max_val)

    def vjp(self, g, out, x):
        return (g * self.inside,)
    batched_vjp = vjp


class Standardize(Function):
    """(x - mean) / √(var + eps) over `axes` (negative: counted from the end), with the biased
    variance: the core of layer_norm and batch_norm. Params axes, eps."""
    # reads x only under create_graph, where 1/√(var + eps) must be rebuilt from it

    def forward(self, x):
        if x.size == 0:
            return np.zeros_like(x)
        d = x - x.mean(axis=self.axes, keepdims=True)
        self.rstd = 1.0 / np.sqrt((d * d).mean(axis=self.axes, keepdims=True) + self.eps)
        return d * self.rstd

    def vjp(self, g, out, x):          # rstd (g - mean g - x̂ mean(g x̂)), x̂ = out
        axes = self.axes
        if out.size == 0:
            return (g * 0.0,)
        if is_tensor(out):
            d = x - x.mean(axis=axes, keepdims=True)
            rstd = ((d * d).mean(axis=axes, keepdims=True) + self.eps) ** -0.5
        else:
            rstd = self.rstd
        return (rstd * (g - g.mean(axis=axes, keepdims=True)
                        - out * (g * out).mean(axis=axes, keepdims=True)),)
    batched_vjp = vjp


class Pad(Function):
    """x padded with `value`; `widths` holds a (before, after) pair of non-negative ints per
    axis."""
    saved_inputs, needs_out = (), False

    def forward(self, x):
        self.inner = tuple(slice(b, b + n) for (b, _), n in zip(self.widths, x.shape))
        if not self.widths:
            return x.copy()
        return np.pad(x, self.widths, constant_values=self.value)

    def vjp(self, g, out, x):          # the gradient of the block x fills
        return (g[(Ellipsis,) + self.inner],)
    batched_vjp = vjp
