"""Array-level softplus and sigmoid sharing one e^-|x|, in as few buffers as possible.

The softplus forward and the sigmoid its backward needs both come from
e = e^-|x| (computed once, kept by the op), so a softplus costs one `exp` in
all and no `np.logaddexp` (which is about 5x slower). Each function writes
into a buffer it made itself: on arrays past a few hundred kB every fresh
temporary costs page faults, which cost more than the arithmetic.
"""
import numpy as np


def exp_neg_abs(x):
    """e^-|x| in one new buffer (float; integers are promoted to float64)."""
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    e = np.abs(x)
    if type(e) is not np.ndarray:          # 0-d inputs give NumPy scalars
        return np.exp(-e)
    np.negative(e, out=e)
    return np.exp(e, out=e)


def softplus_from(x, e):
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|), stable for any x, from e = e^-|x|."""
    out = np.log1p(e)
    out += np.maximum(x, 0)
    return out


def sigmoid_from(x, e):
    """1 / (1 + e^-x) from e = e^-|x|: 1/(1+e) where x >= 0, else e/(1+e) (no cancellation)."""
    s = np.where(x < 0, e, 1.0)       # (a masked ufunc, where=, is several times slower)
    s /= e + 1.0
    return s


def combine(a, op, b):
    """op(a, b) written into `a` (a buffer the caller owns) when the result fits it, else new."""
    if type(a) is np.ndarray and np.result_type(a, b) == a.dtype:
        shape = np.shape(b)            # equal shapes or a scalar: no broadcasting to check
        if shape == a.shape or not shape or (
                len(shape) <= a.ndim and np.broadcast_shapes(a.shape, shape) == a.shape):
            return op(a, b, out=a)
    return op(a, b)


def times_cotangent(a, g):
    """a * g, written into `a` (a buffer the caller owns) when it fits.

    The vjp of a sum passes its cotangent as one number broadcast (zero strides); when
    that number is 1 of a's dtype, as for `loss.sum().backward()`, the product is `a`."""
    if (type(g) is np.ndarray and g.dtype == a.dtype and g.size and not any(g.strides)
            and g.flat[0] == 1):
        return a if g.shape == a.shape else combine(a, np.multiply, g)
    return combine(a, np.multiply, g)


def is_ones(c, g):
    """c is all ones (often 1 broadcast by the vjp of a sum, or its negation twice) of g's dtype
    and at most g's shape, so g * c is g itself, bit for bit."""
    return (type(c) is np.ndarray and type(g) is np.ndarray and c.dtype == g.dtype and c.size
            and c.ndim <= g.ndim and c.shape == g.shape[g.ndim - c.ndim:] and c.flat[0] == 1
            and (not any(c.strides) or bool((c == 1).all())))
