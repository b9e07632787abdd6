"""Scans along one axis (cumsum, cumprod, logcumsumexp) and selection by index along an axis
(the values of sort, topk, cummax, cummin), plus the NumPy index finders those use.

`axis` is always negative (counted from the end), so every vjp also takes a batch of
cotangents on leading axes (`batched_vjp = vjp`).

Ties (each checked against PyTorch 2.13): sorting is stable, NaN counts as the largest
value; cummax/cummin move to the latest element that reaches the running extreme (NaN
included); the gradient of a selection goes to the selected index only.
"""
import numpy as np

from ..engine import Function
from ._dispatch import absolute, data, exp, is_tensor, log
from .elementwise import where


def cumsum(a, axis, reverse=False):
    """Σ_{j≤i} a_j along axis (Σ_{j≥i} when reverse), on ndarrays or Tensors."""
    if is_tensor(a):
        return CumSum.apply(a, axis=axis, reverse=reverse)
    if reverse:
        return np.flip(np.cumsum(np.flip(a, axis), axis), axis)
    return np.cumsum(a, axis)


def cumprod(a, axis):
    return CumProd.apply(a, axis=axis) if is_tensor(a) else np.cumprod(a, axis)


def logcumsumexp(a, axis, reverse=False):
    """log Σ_{j≤i} exp(a_j) along axis (j ≥ i when reverse), without overflow."""
    if is_tensor(a):
        return LogCumSumExp.apply(a, axis=axis, reverse=reverse)
    if reverse:
        return np.flip(np.logaddexp.accumulate(np.flip(a, axis), axis), axis)
    return np.logaddexp.accumulate(a, axis)


class CumSum(Function):
    """out_i = Σ_{j≤i} x_j; the gradient is the reversed running sum of g."""
    saved_inputs, needs_out = (), False
    reverse = False

    def forward(self, x):
        return cumsum(x, self.axis, self.reverse)

    def vjp(self, g, out, x):
        return (cumsum(g, self.axis, not self.reverse),)
    batched_vjp = vjp


class CumProd(Function):
    """out_i = Π_{j≤i} x_j; d out_i / d x_j = Π_{k≤i, k≠j} x_k, exact at zeros (PyTorch)."""
    def forward(self, x):
        return np.cumprod(x, self.axis)

    def vjp(self, g, out, x):
        xd, axis = data(x), self.axis
        zero = xd == 0
        if not zero.any():             # Σ_{i≥j} g_i out_i / x_j
            return (cumsum(g * out, axis, reverse=True) / x,)
        if is_tensor(x):               # create_graph: a form whose own derivative is exact too
            return (_cumprod_grad_op(g, x, axis),)
        # z = the first zero of each slice: before it the formula above holds; at it, the
        # gradient is Σ_{i≥z} g_i Π_{k≤i, k≠z} x_k; after it, 0
        n = xd.shape[axis]
        pos = np.arange(n).reshape((n,) + (1,) * (-axis - 1))
        z = np.where(zero.any(axis, keepdims=True), zero.argmax(axis, keepdims=True), n)
        before, at = pos < z, pos == z
        left = cumsum(where(before, g * out, 0.0), axis, reverse=True) / where(before, x, 1.0)
        others = cumprod(where(at, 1.0, x), axis)
        right = where(pos >= z, g * others, 0.0).sum(axis=axis, keepdims=True)
        return (where(before, left, 0.0) + where(at, right, 0.0),)
    batched_vjp = vjp


def _cumprod_grad_op(g, x, axis):
    """Σ_{i≥j} g_i Π_{k≤i, k≠j} x_k with Tensor ops: row j of an (n, n) stack is x with x_j
    replaced by 1, and its running product is taken (O(n²); only under create_graph with zeros)."""
    xm, gm = x.swapaxes(axis, -1), g.swapaxes(axis, -1)
    n = xm.shape[-1]
    others = where(np.eye(n, dtype=bool), 1.0, xm.reshape(tuple(xm.shape[:-1]) + (1, n)))
    terms = cumprod(others, -1) * gm.reshape(tuple(gm.shape[:-1]) + (1, n))
    return where(np.triu(np.ones((n, n), dtype=bool)), terms, 0.0).sum(axis=-1).swapaxes(axis, -1)


class LogCumSumExp(Function):
    """out_i = log Σ_{j≤i} exp(x_j); the gradient Σ_{i≥j} g_i exp(x_j - out_i) is summed in log
    space, positive and negative g apart (PyTorch's stable form)."""
    reverse = False

    def forward(self, x):
        return logcumsumexp(x, self.axis, self.reverse)

    def vjp(self, g, out, x):
        gd = data(g)
        lowest = np.finfo(gd.dtype).min    # log 0, kept finite so no inf - inf appears
        log_g = log(where(gd != 0, absolute(g), 1.0))

        def summed(part):              # Σ_{i≥j} |g_i| exp(x_j - out_i) over the i in `part`
            s = logcumsumexp(where(part, log_g, lowest) - out, self.axis, not self.reverse)
            return exp(s + x)
        pos, neg = gd > 0, gd < 0
        if not neg.any():
            return (summed(pos) if pos.any() else g * 0.0,)   # g * 0: g == 0 (or nan)
        return (summed(pos) - summed(neg) if pos.any() else -summed(neg),)
    batched_vjp = vjp


def along(indices, axis, lead_shape):
    """The fancy index that picks `indices` along `axis` of an array shaped
    lead_shape + indices.shape (take_along_axis with leading batch axes)."""
    grids = list(np.indices(indices.shape, sparse=True))
    grids[axis] = indices
    lead, nd = len(lead_shape), indices.ndim
    batch = [np.arange(n).reshape((1,) * i + (n,) + (1,) * (lead - i - 1 + nd))
             for i, n in enumerate(lead_shape)]
    return tuple(batch + [gr.reshape((1,) * lead + gr.shape) for gr in grids])


def _take(a, indices, axis):
    if is_tensor(a):
        return TakeAlong.apply(a, indices=indices, axis=axis)
    if a.ndim == indices.ndim:
        return np.take_along_axis(a, indices, axis)
    return a[along(indices, axis, a.shape[:a.ndim - indices.ndim])]


class TakeAlong(Function):
    """out = x at `indices` along axis (take_along_axis); the gradient is scattered back
    there, summed where an index repeats. `distinct`: no index repeats within a slice."""
    saved_inputs, needs_out = (), False
    distinct = False

    def forward(self, x):
        self.indices = np.array(self.indices, dtype=np.int64)
        return _take(x, self.indices, self.axis)

    def vjp(self, g, out, x):
        shape = data(x).shape
        if is_tensor(g):
            return (ScatterAlong.apply(g, indices=self.indices, axis=self.axis, shape=shape,
                                       distinct=self.distinct),)
        return (_scatter(g, self.indices, self.axis, shape, self.distinct),)
    batched_vjp = vjp


def _scatter(g, indices, axis, shape, distinct):
    lead = g.shape[:g.ndim - indices.ndim]
    out = np.zeros(lead + tuple(shape), g.dtype)
    index = along(indices, axis, lead)
    if distinct:
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


class ScatterAlong(Function):
    """The adjoint of TakeAlong: zeros of `shape` with g added at `indices` along axis."""
    saved_inputs, needs_out = (), False
    distinct = False

    def forward(self, g):
        return _scatter(g, self.indices, self.axis, self.shape, self.distinct)

    def vjp(self, gg, out, g):
        return (_take(gg, self.indices, self.axis),)
    batched_vjp = vjp


# ----- index finders (NumPy; the indices are int64, as PyTorch's) ----------------------------
def sort_indices(x, axis, descending=False):
    """Stable argsort along axis; NaN sorts as the largest value (last, or first if descending)."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable").astype(np.int64, copy=False)
    n = x.shape[axis]        # stable ascending sort of the reversed array, read backwards
    rev = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return (n - 1 - np.flip(rev, axis)).astype(np.int64, copy=False)


def running_extreme_indices(x, axis, largest):
    """For cummax (largest) / cummin: the latest index whose value reaches the running
    extreme (ties move the index forward); a NaN becomes the extreme from there on."""
    run = (np.maximum if largest else np.minimum).accumulate(x, axis)
    n = x.shape[axis]
    pos = np.arange(n).reshape((n,) + (1,) * (x.ndim - axis % x.ndim - 1))
    reached = x == run
    if x.dtype.kind in "fc":
        reached |= np.isnan(x)
    return np.maximum.accumulate(np.where(reached, pos, 0), axis).astype(np.int64)


def kth_indices(x, axis, k):
    """Index of the k-th smallest (k from 1) along axis, ties in stable sorted order."""
    return np.take(sort_indices(x, axis), k - 1, axis=axis)


def median_indices(x, axis):
    """Index of the lower median along axis (the first tied element in stable order); a
    slice with NaN gives its first NaN (PyTorch)."""
    idx = kth_indices(x, axis, (x.shape[axis] + 1) // 2)
    if x.dtype.kind in "fc":
        nan = np.isnan(x)
        idx = np.where(nan.any(axis), nan.argmax(axis), idx)
    return idx.astype(np.int64, copy=False)


def mode_indices(x, axis):
    """Index of the most frequent value along axis (the smallest of equally frequent ones),
    at its last occurrence; NaNs never equal each other (PyTorch)."""
    order = sort_indices(x, axis)
    s = np.moveaxis(np.take_along_axis(x, order, axis), axis, -1)
    n = s.shape[-1]
    pos = np.arange(n)
    ends = np.ones(s.shape, dtype=bool)        # the last element of each run of equal values
    ends[..., :-1] = s[..., :-1] != s[..., 1:]
    last_end = np.maximum.accumulate(np.where(ends, pos, -1), -1)
    prev_end = np.concatenate([np.full(s.shape[:-1] + (1,), -1), last_end[..., :-1]], -1)
    run = np.where(ends, pos - prev_end, 0)
    best = run.argmax(-1)                      # first longest run: the smallest value
    return np.take_along_axis(np.moveaxis(order, axis, -1), best[..., None], -1)[..., 0]
