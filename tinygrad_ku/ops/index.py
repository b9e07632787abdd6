"""Index ops with no composition of existing ops: flip, roll, and scatter_reduce with
prod / amax / amin. (gather, scatter, scatter_add, index_select, masked_fill are GetItem,
SetItem, IndexAdd and Where of ops/shape.py and ops/elementwise.py.)

Kink conventions (PyTorch's): scatter_reduce amax / amin share the gradient evenly among
the elements equal to the result at each position; prod sends a lone zero the product of
the others and the other elements of a product with two or more zeros nothing.
"""
import numpy as np

from ..engine import Function
from ._dispatch import data, is_tensor
from .elementwise import where


def along(index, dim):
    """The NumPy index of x's elements that index picks along dim: x[along(index, dim)] is
    gather(x, dim, index) (position i elsewhere; index may be smaller than x there)."""
    return tuple(index if d == dim else np.arange(n).reshape((n,) + (1,) * (index.ndim - d - 1))
                 for d, n in enumerate(index.shape))


def hit(shape, at):
    """True where some element is scattered to."""
    mask = np.zeros(shape, bool)
    mask[at] = True
    return mask


class Flip(Function):
    """x reversed along axes (a copy, as torch.flip): its own adjoint."""
    saved_inputs, needs_out = (), False

    def forward(self, x):
        return np.flip(x, self.axes).copy()

    def vjp(self, g, out, x):
        lead = g.ndim - out.ndim
        axes = tuple(a + lead for a in self.axes)
        return (Flip.apply(g, axes=axes) if is_tensor(g) else np.flip(g, axes),)
    batched_vjp = vjp


class Roll(Function):
    """x shifted cyclically by shifts along axes; the vjp rolls back."""
    saved_inputs, needs_out = (), False

    def forward(self, x):
        return np.roll(x, self.shifts, self.axes)

    def vjp(self, g, out, x):
        lead = g.ndim - out.ndim
        back, axes = tuple(-s for s in self.shifts), tuple(a + lead for a in self.axes)
        return (Roll.apply(g, shifts=back, axes=axes) if is_tensor(g) else np.roll(g, back, axes),)
    batched_vjp = vjp


_UFUNCS = {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _identity(reduce, dtype):
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else np.iinfo(dtype).max
    return -big if reduce == "amax" else big


def _reduce_into(x, src, at, reduce, include_self):
    out = np.array(x, copy=True)
    if not include_self:
        out[at] = _identity(reduce, out.dtype)
    _UFUNCS[reduce].at(out, at, src)
    return out


class ScatterReduce(Function):
    """x with src reduced into it along dim at index (src has index's shape), reduce one of
    prod, amax, amin; include_self=False leaves x's value out where something is scattered."""

    def forward(self, x, src):
        self.index = np.array(self.index)     # the caller may change theirs later
        self.at = along(self.index, self.dim)
        return _reduce_into(x, src, self.at, self.reduce, self.include_self)

    def _again(self, x, src, include_self):
        """The same scatter of other arrays (differentiable when they are Tensors)."""
        if is_tensor(x) or is_tensor(src):
            return ScatterReduce.apply(x, src, dim=self.dim, index=self.index, reduce=self.reduce,
                                       include_self=include_self)
        return _reduce_into(x, src, self.at, self.reduce, include_self)

    def vjp(self, g, out, x, src):
        if self.reduce == "prod":
            return self._prod_vjp(g, out, x, src)
        xd, od, at = data(x), data(out), self.at     # amax / amin: ties share evenly
        kept = ~hit(xd.shape, at)
        if self.include_self:
            kept |= xd == od
        won = data(src) == od[at]
        count = kept.astype(od.dtype)
        np.add.at(count, at, won)
        share = g / count
        return share * kept, share[at] * won

    def _prod_vjp(self, g, out, x, src):
        xd, sd, at = data(x), data(src), self.at
        gx = gs = None
        if self.needs_grad(0):         # d out / d x = the product scattered to each position
            gx = g * self._again(np.ones_like(xd), src, True)
            if not self.include_self:
                gx = gx * ~hit(xd.shape, at)
        if self.needs_grad(1):         # d out / d src_k = out / src_k, or for a lone zero
            zero = sd == 0             # the product of the others
            zeros = np.zeros(xd.shape)
            np.add.at(zeros, at, zero)
            lone = zero & (zeros[at] == 1)
            others = self._again(x, where(lone, 1.0, src), self.include_self)
            gs = where(lone, (g * others)[at], (g * out)[at] / where(zero, 1.0, src))
        return gx, gs
