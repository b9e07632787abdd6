"""Shape ops: reshape, permute, expand, indexing, concatenation, copies. Forward returns views
where NumPy does. Indexing follows PyTorch's rule (`_indexing.split_index`): x[basic][advanced].
"""
import numpy as np

from ..engine import Function
from ._dispatch import data, is_tensor, permute
from ._indexing import split_index


class Reshape(Function):
    saved_inputs, needs_out = (), False

    def forward(self, x):
        return x.reshape(self.shape)

    def vjp(self, g, out, x):
        return (g.reshape(tuple(g.shape[:g.ndim - len(self.shape)]) + data(x).shape),)
    batched_vjp = vjp

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        return f"out = x.reshape({self.shape!r})", f"gx = g.reshape({np.shape(inputs[0])!r})"


class Permute(Function):
    saved_inputs, needs_out = (), False

    def forward(self, x):
        return x.transpose(self.axes)

    def vjp(self, g, out, x):          # undo the permutation (after any leading batch axes)
        lead = g.ndim - len(self.axes)
        return (permute(g, tuple(range(lead)) + tuple(lead + int(a)
                                                      for a in np.argsort(self.axes))),)
    batched_vjp = vjp

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        inverse = tuple(int(a) for a in np.argsort(self.axes))
        return f"out = x.transpose({self.axes!r})", f"gx = g.transpose({inverse!r})"


class Expand(Function):
    saved_inputs, needs_out = (), False

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def vjp(self, g, out, x):          # the engine sums g back to x's shape
        return (g,)
    batched_vjp = vjp


class Clone(Function):
    saved_inputs, needs_out = (), False

    def forward(self, x):
        return x.copy()

    def vjp(self, g, out, x):
        return (g,)
    batched_vjp = vjp


def _own(index):
    """The index with private copies of its arrays: the caller may change theirs later."""
    if index is None:
        return None
    return tuple(np.array(i) if isinstance(i, np.ndarray) else i for i in index)


def _scatter_add(g, shape, basic, advanced, lead=0):
    """zeros(shape) with g added at x[basic][advanced] (repeated indices accumulate)."""
    full = np.zeros(g.shape[:lead] + shape, dtype=g.dtype)
    view = full[(slice(None),) * lead + basic]
    if advanced is None:
        view[...] = g
    else:
        np.add.at(view, advanced, g)
    return full


class GetItem(Function):
    """x[index] with PyTorch's indexing rule; the param `index` is split and its arrays copied."""
    saved_inputs, needs_out = (), False

    def forward(self, x):
        basic, advanced = split_index(self.index, x.ndim)
        self.basic, self.advanced = basic, _own(advanced)
        out = x[basic]
        return out if advanced is None else out[self.advanced]

    def vjp(self, g, out, x):          # scatter-add: repeated indices accumulate
        shape = data(x).shape
        if is_tensor(g):
            return (IndexAdd.apply(g, shape=shape, basic=self.basic, advanced=self.advanced),)
        return (_scatter_add(g, shape, self.basic, self.advanced),)

    def batched_vjp(self, g, out, x):  # basic indexing: one scatter with a leading slice
        if self.advanced is not None or is_tensor(g):
            return Function.batched_vjp(self, g, out, x)
        return (_scatter_add(g, data(x).shape, self.basic, None, lead=1),)


class IndexAdd(Function):
    """zeros(shape) with g added at [basic][advanced]: the vjp of indexing, itself differentiable."""
    saved_inputs, needs_out = (), False

    def forward(self, g):
        return _scatter_add(g, self.shape, self.basic, self.advanced)

    def vjp(self, gg, out, g):
        picked = gg[self.basic]
        return (picked if self.advanced is None else picked[self.advanced],)

    def batched_vjp(self, gg, out, g):  # basic indexing: every row at once, behind a slice
        if self.advanced is not None:
            return Function.batched_vjp(self, gg, out, g)
        return (gg[(slice(None),) + self.basic],)


class SetItem(Function):
    """x with x[index] = v (PyTorch's indexing rule): x's gradient is g with the assigned
    entries zeroed, v's is g at those entries."""
    saved_inputs, needs_out = (), False

    def forward(self, x, v):
        basic, advanced = split_index(self.index, x.ndim)
        self.basic, self.advanced = basic, _own(advanced)
        out = x.copy()
        if advanced is None:
            out[basic] = v
        else:
            out[basic][self.advanced] = v
        return out

    def _picked(self, a):
        return a[self.basic] if self.advanced is None else a[self.basic][self.advanced]

    def vjp(self, g, out, x, v):
        mask = np.ones(data(g).shape, dtype=bool)
        if self.advanced is None:
            mask[self.basic] = False
        else:
            mask[self.basic][self.advanced] = False
        return g * mask, (self._picked(g) if self.needs_grad(1) else None)


class Concatenate(Function):
    """cat(tensors, axis): the gradient of each input is its slice of g."""
    saved_inputs, needs_out = (), False

    def forward(self, *xs):
        self.bounds = np.cumsum([0] + [x.shape[self.axis] for x in xs])
        return np.concatenate(xs, axis=self.axis)

    def vjp(self, g, out, *xs):
        lead = (slice(None),) * (self.axis + g.ndim - out.ndim)
        b = self.bounds
        return tuple(g[lead + (slice(b[i], b[i + 1]),)] for i in range(len(xs)))
    batched_vjp = vjp


class Stack(Function):
    saved_inputs, needs_out = (), False

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def vjp(self, g, out, *xs):
        lead = (slice(None),) * (self.axis + g.ndim - out.ndim)
        return tuple(g[lead + (i,)] for i in range(len(xs)))
    batched_vjp = vjp
