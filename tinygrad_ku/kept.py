"""How a graph node keeps the inputs that need no grad (`Function.kept`), to be drawn after
backward() has freed it: a number or a small array as itself, a Tensor or a large ndarray by
weak reference with its name, shape and dtype."""
import weakref

import numpy as np

Tensor = None          # set by tinygrad_ku.tensor


class Kept(weakref.ref):
    """An input that needs no grad (a Tensor, an ndarray of more than 16 elements) as a node
    keeps it to be drawn once backward() has freed it: by weak reference, so a temporary (a
    dropout mask, `x > 0`) is released with the rest of the graph, and with the name, shape and
    dtype to draw when it is gone. Drawn then as a leaf: it has no data, grad or requires_grad."""
    __slots__ = ("name", "shape", "dtype", "tensor")
    data = grad = None
    requires_grad = False


def keep(v):
    """How a node keeps an input that needs no grad (`Function.kept`), called by the engine when
    it records the node: a Tensor or a large ndarray by Kept, a number (or small array) itself."""
    if type(v) in NUMBERS:
        return v
    tensor = isinstance(v, Tensor)
    if tensor or (isinstance(v, np.ndarray) and v.size > 16):
        k = Kept(v)
        a = v.data if tensor else v
        k.name, k.shape, k.dtype, k.tensor = getattr(v, "name", None), a.shape, a.dtype, tensor
        return k
    return tuple(v) if isinstance(v, list) else v   # (a list in `kept` holds several inputs)


NUMBERS = frozenset({int, float, bool, complex, np.float64, np.float32, np.int64, np.bool_})
