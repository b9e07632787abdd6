"""Dimension arguments as PyTorch takes them: `dim` (an int or a tuple of ints, negative
counting from the end) and NumPy's `axis=`/`keepdims=` aliases."""
import numpy as np


def norm_axis(dim, ndim, op):
    """Normalise dim (None, int or sequence of ints) to None or a sorted tuple of axes."""
    if dim is None:
        return None
    if not isinstance(dim, (int, np.integer, tuple, list)):
        raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {dim!r}")
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    lo, hi = -max(ndim, 1), max(ndim, 1) - 1
    out = []
    for d in dims:
        if not isinstance(d, (int, np.integer)):
            raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {dim!r}")
        if not lo <= d <= hi:
            raise IndexError(f"{op}: dim {d!r} is out of range for a tensor with {ndim} "
                             f"dimension(s) (expected an int in [{lo}, {hi}])")
        out.append(int(d) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}: dim {dim!r} repeats an axis")
    return tuple(sorted(out)) if ndim else None


def dim_kw(op, dim, axis, keepdim, keepdims):
    """Accept NumPy's axis=/keepdims= as aliases of PyTorch's dim=/keepdim=."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: pass either dim= or axis=, not both")
        dim = axis
    return dim, bool(keepdim or keepdims)
