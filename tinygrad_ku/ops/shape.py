"""Shape ops: reshape, permute, expand, indexing, concatenation. Forward returns views where NumPy does."""
import numpy as np

from ..engine import Function
from ._dispatch import data, is_tensor, permute


class Reshape(Function):
    saved_inputs = ()

    def forward(self, x, shape):
        return x.reshape(shape)

    def vjp(self, g, out, x, shape):
        return g.reshape(data(x).shape), None


class Permute(Function):
    saved_inputs = ()

    def forward(self, x, axes):
        self.axes = axes
        return x.transpose(axes)

    def vjp(self, g, out, x, axes):    # undo the permutation
        return permute(g, tuple(np.argsort(self.axes))), None


class Expand(Function):
    saved_inputs = ()

    def forward(self, x, shape):
        return np.broadcast_to(x, shape)

    def vjp(self, g, out, x, shape):   # the engine sums g back to x's shape
        return g, None


class GetItem(Function):
    saved_inputs = ()

    def forward(self, x, index):
        self.index = index
        return x[index]

    def vjp(self, g, out, x, index):   # scatter-add: repeated indices accumulate
        shape = data(x).shape
        if is_tensor(g):
            return IndexAdd.apply(g, shape, self.index), None
        return _scatter_add(g, shape, self.index), None


def _is_basic(index):
    items = index if type(index) is tuple else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


def _scatter_add(g, shape, index):
    full = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        full[index] = g
    else:
        np.add.at(full, index, g)
    return full


class IndexAdd(Function):
    """zeros(shape) with g added at `index`: the vjp of indexing, itself differentiable."""
    saved_inputs = ()

    def forward(self, g, shape, index):
        self.index = index
        return _scatter_add(g, shape, index)

    def vjp(self, gg, out, g, shape, index):
        return gg[self.index], None, None


class Concatenate(Function):
    """cat(tensors, axis): the gradient of each input is its slice of g."""
    saved_inputs = ()

    def forward(self, *xs, axis):
        self.axis = axis
        self.bounds = np.cumsum([0] + [x.shape[axis] for x in xs])
        return np.concatenate(xs, axis=axis)

    def vjp(self, g, out, *xs):
        lead = (slice(None),) * (self.axis % g.ndim)
        b = self.bounds
        return tuple(g[lead + (slice(b[i], b[i + 1]),)] for i in range(len(xs)))


class Stack(Function):
    saved_inputs = ()

    def forward(self, *xs, axis):
        self.axis = axis
        return np.stack(xs, axis=axis)

    def vjp(self, g, out, *xs):
        lead = (slice(None),) * (self.axis % g.ndim)
        return tuple(g[lead + (i,)] for i in range(len(xs)))
