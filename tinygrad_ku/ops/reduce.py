"""Reductions over `axis` (None, an int or a tuple of ints, already normalised) with `keepdims`.

Ties in max/min/amax/amin share the gradient evenly (PyTorch's convention for
full and `amax` reductions); `max(dim)` with indices sends it to the returned index.
"""
import math

import numpy as np

from ..engine import Function
from ._dispatch import broadcast_to, data, exp, is_tensor, where


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
    saved_inputs = ()

    def forward(self, x, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims
        return np.add.reduce(x, axis=axis, keepdims=keepdims)

    def vjp(self, g, out, x):          # each input gets the gradient of its sum
        shape = data(x).shape
        if not self.keepdims:
            g = g.reshape(kept_shape(shape, self.axis))
        return (expand_kept(g, shape),)


class Mean(Function):
    saved_inputs = ()

    def forward(self, x, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims
        return x.mean(axis=axis, keepdims=keepdims)

    def vjp(self, g, out, x):
        shape = data(x).shape
        if not self.keepdims:
            g = g.reshape(kept_shape(shape, self.axis))
        return (expand_kept(g * (1.0 / max(count(shape, self.axis), 1)), shape),)


class Var(Function):
    def forward(self, x, axis, correction, keepdims):
        self.axis, self.correction, self.keepdims = axis, correction, keepdims
        return x.var(axis=axis, ddof=correction, keepdims=keepdims)

    def vjp(self, g, out, x):          # d var = 2 (x - mean) / (n - correction)
        shape = data(x).shape
        if not self.keepdims:
            g = g.reshape(kept_shape(shape, self.axis))
        centred = x - x.mean(axis=self.axis, keepdims=True)
        dof = count(shape, self.axis) - self.correction
        return (g * centred * (2.0 / dof if dof else np.inf),)   # dof = 0: nan, as PyTorch


class Std(Var):
    """√var; the gradient is 0 where the std is 0 (PyTorch's convention)."""
    needs_out = True

    def forward(self, x, axis, correction, keepdims):
        return np.sqrt(super().forward(x, axis, correction, keepdims))

    def vjp(self, g, out, x):          # d std = d var / (2 std)
        zero = data(out) == 0
        return super().vjp(where(zero, 0.0, g / (2.0 * where(zero, 1.0, out))), out, x)


class Prod(Function):
    def forward(self, x, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims
        return x.prod(axis=axis, keepdims=keepdims)

    def vjp(self, g, out, x):          # d prod / dx_i = prod of the others (exact with zeros)
        xd = data(x)
        if not self.keepdims:
            g = g.reshape(kept_shape(xd.shape, self.axis))
        if np.all(xd != 0):
            full = out if self.keepdims else out.reshape(kept_shape(xd.shape, self.axis))
            return (g * full / x,)
        return (g * _prod_of_others(xd, self.axis),)


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
    def forward(self, x, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims
        return x.max(axis=axis, keepdims=keepdims)

    def vjp(self, g, out, x):
        xd = data(x)
        kept = kept_shape(xd.shape, self.axis)
        if not self.keepdims:
            g = g.reshape(kept)
        mask = xd == data(out).reshape(kept)
        return (g * (mask / mask.sum(axis=self.axis, keepdims=True)),)


class Amin(Amax):
    def forward(self, x, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims
        return x.min(axis=axis, keepdims=keepdims)


class MaxAlong(Function):
    """values of max(dim) / min(dim); the gradient goes to the returned index."""
    def forward(self, x, indices, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims
        self.onehot = np.zeros(x.shape, dtype=bool)
        idx = indices if keepdims else np.expand_dims(indices, axis)
        np.put_along_axis(self.onehot, idx, True, axis=axis)
        out = np.take_along_axis(x, idx, axis=axis)
        return out if keepdims else out.squeeze(axis)

    def vjp(self, g, out, x, indices):
        if not self.keepdims:
            g = g.reshape(kept_shape(data(x).shape, (self.axis,)))
        return g * self.onehot, None


class LogSumExp(Function):
    needs_out = True

    def forward(self, x, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims
        m = x.max(axis=axis, keepdims=True) if x.size else np.zeros(kept_shape(x.shape, axis))
        m = np.where(np.isfinite(m), m, 0.0)
        with np.errstate(divide="ignore"):
            out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
        if keepdims:
            return out
        return out.reshape(()) if axis is None else out.squeeze(axis)

    def vjp(self, g, out, x):          # softmax(x)
        kept = kept_shape(data(x).shape, self.axis)
        if not self.keepdims:
            g, out = g.reshape(kept), out.reshape(kept)
        return (g * exp(x - out),)
