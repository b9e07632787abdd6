"""Elementwise ops. Broadcasting is undone by the engine, so each vjp works at the output's shape.
A forward that is one NumPy function is that function itself (no Python frame per call).
Every vjp here also takes a batch of cotangents on a leading axis (`batched_vjp = vjp`):
its operands have at most the output's rank, so NumPy aligns them with the trailing axes.

Kink conventions (PyTorch's): d|x|/dx = sign(x) = 0 at 0; relu'(0) = 0;
maximum/minimum split the gradient in half on ties; clip passes the gradient
where min <= x <= max (inclusive); d(x**y)/dx = 0 where y == 0.
"""
import operator

import numpy as np

from ..engine import Function
from ._dispatch import cos, data, is_tensor, log, sigmoid, sin
from ._logistic import (exp_neg_abs, is_ones, sigmoid_from, softplus_from,
                        times_cotangent)


class Add(Function):
    saved_inputs, needs_out = (), False

    forward = staticmethod(operator.add)

    def vjp(self, g, out, x, y):       # d(x+y) = dx + dy
        return g, g
    batched_vjp = vjp

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        return 'out = add(x, y)', 'gx = g; gy = g'


class Sub(Function):
    saved_inputs, needs_out = (), False

    forward = staticmethod(operator.sub)

    def vjp(self, g, out, x, y):
        return g, (-g if self.needs_grad(1) else None)
    batched_vjp = vjp

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        return 'out = subtract(x, y)', 'gx = g; gy = negative(g)'


class Mul(Function):
    needs_out = False

    forward = staticmethod(operator.mul)

    def reads(self, i):                # x is read only for dy, y only for dx
        return self.needs_grad(1 - i)

    def vjp(self, g, out, x, y):       # d(xy) = y dx + x dy
        edges = self.edges
        return (g * y if edges[0] is not None else None,
                g * x if edges[1] is not None else None)

    def batched_vjp(self, g, out, x, y):   # a factor of ones (a sum's vjp) passes g unchanged
        edges = self.edges
        return (None if edges[0] is None else g if is_ones(y, g) else g * y,
                None if edges[1] is None else g if is_ones(x, g) else g * x)

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        return 'out = multiply(x, y)', 'gx = multiply(g, y); gy = multiply(g, x)'


class Div(Function):
    needs_out = False

    forward = staticmethod(operator.truediv)

    def vjp(self, g, out, x, y):       # d(x/y) = dx / y - x dy / y²
        gx = g / y
        return gx, (-gx * x / y if self.needs_grad(1) else None)
    batched_vjp = vjp

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        return ("out = true_divide(x, y)",     # gy = -gx * x / y, in the vjp's order
                "gx = true_divide(g, y); t1 = negative(gx); t2 = multiply(t1, x); "
                "gy = true_divide(t2, y)")


class Pow(Function):
    needs_out = False                  # x^y is recomputed: x**2 += 1 must stay legal

    forward = staticmethod(operator.pow)

    def vjp(self, g, out, x, y):       # d(x^y) = y x^(y-1) dx + x^y log(x) dy
        gx = gy = None
        if self.needs_grad(0):
            if isinstance(y, (int, float)):
                gx = g * 2.0 * x if y == 2 else (0.0 * g if y == 0 else g * (y * x ** (y - 1)))
            else:
                gx = where(data(y) == 0, 0.0, g * (y * x ** (y - 1)))
        if self.needs_grad(1):         # x == 0, y >= 0: d/dy 0^y = 0; y < 0: inf·log 0 = -inf
            at_zero = (data(x) == 0) & (data(y) >= 0)
            gy = where(at_zero, 0.0, g * x ** y * log(where(at_zero, 1.0, x)))
        return gx, gy
    batched_vjp = vjp


class Maximum(Function):
    needs_out = False

    forward = staticmethod(np.maximum)

    def vjp(self, g, out, x, y):       # ties: half to each; nan: all to both (PyTorch)
        xd, yd = data(x), data(y)
        tie = 0.5 * (xd == yd)
        return g * (1.0 - (xd < yd) - tie), g * (1.0 - (yd < xd) - tie)
    batched_vjp = vjp


class Minimum(Function):
    needs_out = False

    forward = staticmethod(np.minimum)

    def vjp(self, g, out, x, y):
        xd, yd = data(x), data(y)
        tie = 0.5 * (xd == yd)
        return g * (1.0 - (xd > yd) - tie), g * (1.0 - (yd > xd) - tie)
    batched_vjp = vjp


class Where(Function):
    """x where cond else y; `cond` (a parameter) is copied, so changing the caller's array
    after the forward pass cannot change the gradient."""
    saved_inputs, needs_out = (), False

    def forward(self, x, y):
        self.cond = np.array(self.cond, dtype=bool)
        return np.where(self.cond, x, y)

    def vjp(self, g, out, x, y):
        c = self.cond
        return where(c, g, 0.0), where(c, 0.0, g)
    batched_vjp = vjp


def where(cond, a, b):
    """where(cond, a, b) with a constant boolean `cond` (the dispatching form vjps use)."""
    if is_tensor(a) or is_tensor(b):
        return Where.apply(a, b, cond=cond)
    return np.where(cond, a, b)


class Neg(Function):
    saved_inputs, needs_out = (), False

    forward = staticmethod(operator.neg)

    def vjp(self, g, out, x):
        return (-g,)
    batched_vjp = vjp

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        return 'out = negative(x)', 'gx = negative(g)'


class Exp(Function):
    saved_inputs = ()

    forward = staticmethod(np.exp)

    def vjp(self, g, out, x):
        return (g * out,)
    batched_vjp = vjp

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        return 'out = exp(x)', 'gx = multiply(g, o)'


class Log(Function):
    needs_out = False

    forward = staticmethod(np.log)

    def vjp(self, g, out, x):
        return (g / x,)
    batched_vjp = vjp

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        return 'out = log(x)', 'gx = true_divide(g, x)'


class Log1p(Function):
    needs_out = False

    forward = staticmethod(np.log1p)

    def vjp(self, g, out, x):
        return (g / (1.0 + x),)
    batched_vjp = vjp


class Expm1(Function):
    saved_inputs = ()

    forward = staticmethod(np.expm1)

    def vjp(self, g, out, x):
        return (g * (out + 1.0),)
    batched_vjp = vjp


class Sqrt(Function):
    saved_inputs = ()

    forward = staticmethod(np.sqrt)

    def vjp(self, g, out, x):          # 1 / (2 sqrt x); inf at 0 like PyTorch
        return (g / (2.0 * out),)
    batched_vjp = vjp


class Square(Function):
    needs_out = False

    def forward(self, x):
        return x * x

    def vjp(self, g, out, x):
        return (g * (2.0 * x),)
    batched_vjp = vjp


class Sin(Function):
    needs_out = False

    forward = staticmethod(np.sin)

    def vjp(self, g, out, x):
        return (g * cos(x),)
    batched_vjp = vjp


class Cos(Function):
    needs_out = False

    forward = staticmethod(np.cos)

    def vjp(self, g, out, x):
        return (-g * sin(x),)
    batched_vjp = vjp


class Tanh(Function):
    saved_inputs = ()

    forward = staticmethod(np.tanh)

    def vjp(self, g, out, x):          # g (1 - tanh²)
        if g.shape == out.shape:       # as g - g·tanh·tanh: no Python-float operand (slow in NumPy)
            return (g - g * out * out,)
        return (g * (1.0 - out * out),)   # a batch of cotangents: 1 - tanh² once, at out's size
    batched_vjp = vjp

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        return 'out = tanh(x)', 't1 = multiply(g, o); t2 = multiply(t1, o); gx = subtract(g, t2)'


class Sigmoid(Function):
    saved_inputs = ()

    def forward(self, x):              # 1/(1 + e^-x) for x ≥ 0, e^x/(1 + e^x) below: no overflow,
        e = np.exp(-np.abs(x))         # and full relative precision in both tails
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def vjp(self, g, out, x):          # g s (1 - s)
        if g.shape == out.shape:       # as gs - gs·s (see Tanh)
            gs = g * out
            return (gs - gs * out,)
        if is_tensor(out):
            return (g * (out * (1.0 - out)),)
        d = 1.0 - out                  # s (1 - s) in one buffer of our own
        d *= out
        return (g * d,)
    batched_vjp = vjp


class Relu(Function):
    saved_inputs = ()

    def forward(self, x):
        return np.maximum(x, 0)

    def vjp(self, g, out, x):          # passes where relu(x) != 0: relu'(0) = 0, nan passes (PyTorch)
        return (g * (data(out) != 0),)
    batched_vjp = vjp

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        return 'out = maximum(x, 0)', 't1 = not_equal(o, 0); gx = multiply(g, t1)'


class Softplus(Function):
    needs_out = False

    def forward(self, x):              # log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
        self.e = exp_neg_abs(x)        # kept: the backward's sigmoid comes from it
        return softplus_from(x, self.e)

    def vjp(self, g, out, x):          # sigmoid(x)
        if isinstance(g, np.ndarray) and isinstance(x, np.ndarray):
            return (times_cotangent(sigmoid_from(x, self.e), g),)
        return (g * sigmoid(x),)
    batched_vjp = vjp


class Abs(Function):
    needs_out = False

    forward = staticmethod(np.abs)

    def vjp(self, g, out, x):          # sign(0) = sign(nan) = 0 (PyTorch)
        xd = data(x)
        return (g * np.where(xd == xd, np.sign(xd), 0),)
    batched_vjp = vjp


class Sign(Function):
    """-1, 0 or 1; sign(nan) = 0 (PyTorch)."""
    saved_inputs, needs_out = (), False

    def forward(self, x):
        s = np.sign(x)
        return np.where(x == x, s, 0) if s.dtype.kind == "f" else s

    def vjp(self, g, out, x):          # zero almost everywhere
        return (g * 0.0,)
    batched_vjp = vjp


class Clip(Function):
    """min(max(x, lo), hi); lo and hi (None, numbers or Tensors) are inputs: they have gradients."""
    needs_out = False

    def forward(self, x, lo, hi):
        return np.clip(x, lo, hi)

    def vjp(self, g, out, x, lo, hi):  # passes where lo <= x <= hi
        xd = data(x)
        mask = np.ones(np.shape(data(out)), dtype=bool)   # lo or hi may broadcast x
        if lo is not None:
            mask &= xd >= data(lo)
        if hi is not None:
            mask &= xd <= data(hi)
        glo = ghi = None
        if lo is not None and self.needs_grad(1):
            glo = g * (xd < data(lo))
        if hi is not None and self.needs_grad(2):
            ghi = g * (xd > data(hi))
        return g * mask, glo, ghi
    batched_vjp = vjp


class Cast(Function):
    """x in another dtype (param `dtype`); the gradient goes back in x's dtype."""
    saved_inputs, needs_out = (), False

    def forward(self, x):
        return x.astype(self.dtype)

    def vjp(self, g, out, x):
        return (g.to(x.dtype) if is_tensor(g) else g.astype(x.dtype)),
    batched_vjp = vjp

