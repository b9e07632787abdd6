"""Reductions over `axis` (None, an int or a tuple of ints, already normalised) with `keepdims`.

Ties in max/min/amax/amin share the gradient evenly (PyTorch's convention for
full and `amax` reductions); `max(dim)` with indices sends it to the returned index.
Each vjp takes a batch of cotangents on leading axes too (`batched_vjp = vjp`):
`kept_grad` puts the reduced axes back after them.
"""
import math

import numpy as np

from ..engine import Function
from ._dispatch import absolute, broadcast_to, data, exp, is_tensor, permute
from .elementwise import where


def kept_shape(shape, axis):
    """The shape of a reduction with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def count(shape, axis):
    """How many elements each output of a reduction over `axis` combines."""
    if axis is None:
        return int(np.prod(shape))
    return int(np.prod([shape[i] for i in axis]))


def kept_grad(g, out, shape, axis, keepdims):
    """g with the reduced axes back as size 1 (after any leading batch axes of g)."""
    if keepdims:
        return g
    return g.reshape(tuple(g.shape[:g.ndim - out.ndim]) + kept_shape(shape, axis))


def expand_kept(g, shape):
    """g, of a reduction's keepdims shape, broadcast to `shape`.

    A small result is filled in (np.broadcast_to's checks cost as much as filling
    thousands of numbers); a large one is a read-only view, as np.broadcast_to gives."""
    if not is_tensor(g) and math.prod(shape) <= 4096:
        out = np.empty(shape, g.dtype)
        out[...] = g
        return out
    return broadcast_to(g, shape)


class Sum(Function):
    saved_inputs, needs_out = (), False

    def forward(self, x):
        return np.add.reduce(x, axis=self.axis, keepdims=self.keepdims)

    def vjp(self, g, out, x):          # each input gets the gradient of its sum
        shape = data(x).shape
        g = kept_grad(g, out, shape, self.axis, self.keepdims)
        return (expand_kept(g, tuple(g.shape[:g.ndim - len(shape)]) + shape),)
    batched_vjp = vjp

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        shape, kept = np.shape(inputs[0]), f"{self.axis!r}, {self.keepdims!r}"
        if self.axis is None and math.prod(shape) <= 4096:   # g, filled into a buffer
            return (f"out = np.add.reduce(x, axis=None, keepdims={self.keepdims!r})",
                    f"gx = _fill(g, {shape!r})")
        return (f"out = np.add.reduce(x, axis={self.axis!r}, keepdims={self.keepdims!r})",
                f"t1 = _ops.reduce.kept_grad(g, o, {shape!r}, {kept}); "
                f"gx = _ops.reduce.expand_kept(t1, {shape!r})")


class Mean(Function):
    saved_inputs, needs_out = (), False

    def forward(self, x):
        return x.mean(axis=self.axis, keepdims=self.keepdims)

    def vjp(self, g, out, x):
        shape = data(x).shape
        g = kept_grad(g, out, shape, self.axis, self.keepdims)
        g = g * (1.0 / max(count(shape, self.axis), 1))
        return (expand_kept(g, tuple(g.shape[:g.ndim - len(shape)]) + shape),)
    batched_vjp = vjp

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        shape, kept = np.shape(inputs[0]), f"{self.axis!r}, {self.keepdims!r}"
        return (f"out = x.mean(axis={self.axis!r}, keepdims={self.keepdims!r})",
                f"t1 = _ops.reduce.kept_grad(g, o, {shape!r}, {kept}); "
                f"t2 = multiply(t1, {1.0 / max(count(shape, self.axis), 1)!r}); "
                f"gx = _ops.reduce.expand_kept(t2, {shape!r})")


class Var(Function):
    needs_out = False

    def forward(self, x):
        return x.var(axis=self.axis, ddof=self.correction, keepdims=self.keepdims)

    def vjp(self, g, out, x):          # d var = 2 (x - mean) / (n - correction)
        shape = data(x).shape
        g = kept_grad(g, out, shape, self.axis, self.keepdims)
        centred = x - x.mean(axis=self.axis, keepdims=True)
        dof = count(shape, self.axis) - self.correction
        return (g * centred * (2.0 / dof if dof else np.inf),)   # dof = 0: nan, as PyTorch
    batched_vjp = vjp


class Std(Var):
    """√var; the gradient is 0 where the std is 0 (PyTorch's convention)."""
    needs_out = True

    def forward(self, x):
        return np.sqrt(super().forward(x))

    def vjp(self, g, out, x):          # d std = d var / (2 std)
        zero = data(out) == 0
        return super().vjp(where(zero, 0.0, g / (2.0 * where(zero, 1.0, out))), out, x)
    batched_vjp = vjp


class Prod(Function):
    def forward(self, x):
        return x.prod(axis=self.axis, keepdims=self.keepdims)

    def vjp(self, g, out, x):          # d prod / dx_i = prod of the others (exact with zeros)
        xd = data(x)
        g = kept_grad(g, out, xd.shape, self.axis, self.keepdims)
        if np.all(xd != 0):
            full = out if self.keepdims else out.reshape(kept_shape(xd.shape, self.axis))
            return (g * full / x,)
        if is_tensor(x):               # create_graph: as ops, so that it differentiates again
            return (g * _prod_of_others_op(x, self.axis),)
        return (g * _prod_of_others(xd, self.axis),)
    batched_vjp = vjp


def _prod_of_others_op(x, axis):
    """_prod_of_others with Tensor ops: row i of an (n, n) stack holds the group with x_i
    replaced by 1, and its product is taken (O(n²) per group; only under create_graph)."""
    axes = tuple(range(x.ndim)) if axis is None else axis
    order = [i for i in range(x.ndim) if i not in axes] + list(axes)
    moved = permute(x, tuple(order))
    n = math.prod(x.shape[a] for a in axes)
    flat = moved.reshape(tuple(moved.shape[:x.ndim - len(axes)]) + (1, n))
    others = where(np.eye(n, dtype=bool), 1.0, flat).prod(-1)     # (..., n)
    return permute(others.reshape(moved.shape), tuple(int(i) for i in np.argsort(order)))


def _prod_of_others(x, axis):
    """For each element, the product of the other elements in its reduction group."""
    axes = tuple(range(x.ndim)) if axis is None else axis
    rest = [i for i in range(x.ndim) if i not in axes]
    moved = np.transpose(x, rest + list(axes))
    flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
    left = np.cumprod(np.concatenate([np.ones(flat.shape[:-1] + (1,)), flat[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([np.ones(flat.shape[:-1] + (1,)), flat[..., :0:-1]], -1), -1)
    others = (left * right[..., ::-1]).reshape(moved.shape)
    return np.transpose(others, np.argsort(rest + list(axes)))


class Amax(Function):
    """max over axis; the gradient is shared evenly between tied maxima."""
    def forward(self, x):
        return x.max(axis=self.axis, keepdims=self.keepdims)

    def vjp(self, g, out, x):
        xd = data(x)
        kept = kept_shape(xd.shape, self.axis)
        mask = xd == data(out).reshape(kept)
        g = kept_grad(g, out, xd.shape, self.axis, self.keepdims)
        return (g * (mask / mask.sum(axis=self.axis, keepdims=True)),)
    batched_vjp = vjp


class Amin(Amax):
    def forward(self, x):
        return x.min(axis=self.axis, keepdims=self.keepdims)


class MaxAlong(Function):
    """values of max(dim) / min(dim) at `indices` (a parameter); the gradient goes there."""
    saved_inputs, needs_out = (), False

    def forward(self, x):
        axis, idx = self.axis, self.indices
        if not self.keepdims:
            idx = np.expand_dims(idx, axis)
        self.onehot = np.zeros(x.shape, dtype=bool)
        np.put_along_axis(self.onehot, idx, True, axis=axis)
        out = np.take_along_axis(x, idx, axis=axis)
        return out if self.keepdims else out.squeeze(axis)

    def vjp(self, g, out, x):
        return (kept_grad(g, out, data(x).shape, (self.axis,), self.keepdims) * self.onehot,)
    batched_vjp = vjp


class LogSumExp(Function):
    def forward(self, x):
        axis = self.axis
        m = x.max(axis=axis, keepdims=True) if x.size else np.zeros(kept_shape(x.shape, axis))
        m = np.where(np.isfinite(m), m, 0.0)
        with np.errstate(divide="ignore"):
            out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
        if self.keepdims:
            return out
        return out.reshape(()) if axis is None else out.squeeze(axis)

    def vjp(self, g, out, x):          # softmax(x)
        kept = kept_shape(data(x).shape, self.axis)
        g = kept_grad(g, out, data(x).shape, self.axis, self.keepdims)
        return (g * exp(x - out.reshape(kept)),)
    batched_vjp = vjp


class PNorm(Function):
    """(Σ|x|^p)^(1/p) over axis, p ∉ {0, 1, ±inf}; the gradient is 0 at a zero norm and at xᵢ = 0."""
    def forward(self, x):
        p, axis, keepdims = self.p, self.axis, self.keepdims
        if p == 2:
            return np.sqrt((x * x).sum(axis=axis, keepdims=keepdims))
        return (np.abs(x) ** p).sum(axis=axis, keepdims=keepdims) ** (1.0 / p)

    def vjp(self, g, out, x):
        kept = kept_shape(data(x).shape, self.axis)
        g = kept_grad(g, out, data(x).shape, self.axis, self.keepdims)
        out = out if self.keepdims else out.reshape(kept)
        zero = data(out) == 0
        safe_out = where(zero, 1.0, out)
        if self.p == 2:                # x / ‖x‖
            return (where(zero, 0.0, g * x / safe_out),)
        safe_abs = where(data(x) == 0, 1.0, absolute(x))   # p < 1: 0^(p-1) = inf, and sign(0) = 0 wins
        grad = g * np.sign(data(x)) * safe_abs ** (self.p - 1) / safe_out ** (self.p - 1)
        return (where(zero, 0.0, grad),)   # sign(x)|x|^(p-1) / ‖x‖^(p-1)
    batched_vjp = vjp
