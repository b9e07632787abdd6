"""Fused ops for classification losses, each with a closed-form backward cheaper than its parts.

At the ends of [0, 1], BinaryCrossEntropy follows PyTorch: each log is clamped at -100 in
the value, and x (1 - x) is floored at float32(1e-12) in the input's gradient (so x = y = 0
has gradient 0 and x = 0, y = 1 a large finite one); the target's gradient -logit(x) is
infinite there."""
import numpy as np

from ..engine import Function
from ._dispatch import data, exp, is_tensor, log, sigmoid
from ._logistic import combine, exp_neg_abs, is_ones, sigmoid_from, times_cotangent
from .shape import IndexAdd


def _log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True, initial=-np.inf)   # initial: empty inputs give empty outputs
    m = np.where(np.isfinite(m), m, 0.0)
    shifted = x - m
    with np.errstate(divide="ignore"):     # an empty axis: log 0, on an empty result
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _axes_from_end(axis, g, out):
    """The softmax axis counted from the end (None: every axis of out), so leading batch
    axes of g are left alone."""
    if axis is None:
        return tuple(range(g.ndim - out.ndim, g.ndim))
    return axis - out.ndim


class LogSoftmax(Function):
    saved_inputs = ()

    def forward(self, x):
        return _log_softmax(x, self.axis)

    def vjp(self, g, out, x):          # g - softmax * Σg
        if is_tensor(g):               # create_graph: one node, with a closed-form vjp
            return (LogSoftmaxBackward.apply(g, out, axis=self.axis),)
        return (_log_softmax_vjp(g, out, self.axis),)
    batched_vjp = vjp


def _log_softmax_vjp(g, out, axis):
    """g - exp(out) Σg over the softmax axis (ndarrays), the difference in a buffer of its own."""
    t = np.exp(out) * g.sum(axis=_axes_from_end(axis, g, out), keepdims=True)
    if type(t) is np.ndarray and t.shape == g.shape:
        return np.subtract(g, t, out=t)
    return g - t


class LogSoftmaxBackward(Function):
    """h = g - s Σg with s = exp(out) = softmax(x): log_softmax's vjp recorded as one node.
    dg = gh - Σ(gh s) (summed over the softmax axis), dout = -(gh s) Σg."""
    needs_out = False

    def forward(self, g, out):
        return _log_softmax_vjp(g, out, self.axis)

    def vjp(self, gh, h, g, out):
        t = gh * exp(out)                                     # (B?, ..., K)
        dg = dout = None
        if self.needs_grad(0):
            dg = gh - t.sum(axis=_axes_from_end(self.axis, gh, out), keepdims=True)
        if self.needs_grad(1):
            minus_total = -g.sum(axis=_axes_from_end(self.axis, g, out), keepdims=True)
            dout = t * minus_total if is_tensor(t) else combine(t, np.multiply, minus_total)
        return dg, dout                # (combine: the product goes into t, our own buffer)
    batched_vjp = vjp


class Softmax(Function):
    saved_inputs = ()

    def forward(self, x):
        e = np.exp(x - x.max(axis=self.axis, keepdims=True, initial=-np.inf))
        return e / e.sum(axis=self.axis, keepdims=True)

    def vjp(self, g, out, x):          # s * (g - Σ g s)
        return (out * (g - (g * out).sum(axis=_axes_from_end(self.axis, g, out), keepdims=True)),)
    batched_vjp = vjp


class NllLoss(Function):
    """-w[t] logp[n, t, d1, ...] per target (w = 1 without weights, 0 where t == ignore_index),
    reduced by 'mean' (divided by the summed w of the kept targets), 'sum' or 'none'.
    Params: target (N, d1, ...) class indices (copied), weight (C,) ndarray or None,
    reduction, ignore_index."""
    saved_inputs, needs_out = (), False

    def forward(self, logp):
        target = np.asarray(self.target)
        keep = target != self.ignore_index
        all_kept = bool(keep.all())
        t = np.array(target) if all_kept else np.where(keep, target, 0)   # a private copy
        if t.ndim == 1:
            self.index = (np.arange(len(t)), t)
        else:
            grid = np.indices(t.shape, sparse=True)
            self.index = (grid[0], t, *grid[1:])
        if self.weight is not None:         # w: the targets' weights, 0 where ignored
            w = self.weight.astype(logp.dtype, copy=False)[t]
            w = w if all_kept else w * keep
        else:
            w = None if all_kept else keep.astype(logp.dtype)
        picked = -logp[self.index]
        if w is not None:
            with np.errstate(invalid="ignore"):
                picked = picked * w if all_kept else np.where(keep, picked * w, 0.0)
        if self.reduction != "mean":
            self.scale = -1.0 if w is None else -w
            return picked if self.reduction == "none" else picked.sum()
        total = t.size if w is None else w.sum()
        if not total:                  # nothing kept (or zero weights): nan, as PyTorch
            self.scale = 0.0 if w is None else np.where(keep, np.nan, 0.0).astype(logp.dtype)
            return np.asarray(picked.sum() * np.nan, dtype=logp.dtype)
        self.scale = -1.0 / total if w is None else -w / total
        return np.asarray(picked.sum() / total, dtype=logp.dtype)

    def vjp(self, g, out, logp):
        shape = data(logp).shape
        value = g * self.scale
        if is_tensor(g):
            return (IndexAdd.apply(value, shape=shape, basic=(Ellipsis,), advanced=self.index),)
        full = np.zeros(shape, dtype=np.result_type(g, data(logp)))
        full[self.index] = value
        return (full,)


class BCEWithLogits(Function):
    """softplus(x) - x y per element: the Bernoulli NLL with logits x, stable for any x."""
    needs_out = False

    def forward(self, x, y):
        self.e = exp_neg_abs(x)        # e^-|x|: softplus here, sigmoid in the backward
        # max(x, 0) - x y first: exactly 0 where the label agrees with a large logit, so
        # the remaining log1p(e^-|x|) keeps its digits (a loss of 4e-18 at x = 40, y = 1)
        out = combine(np.maximum(x, 0), np.subtract, x * y)
        return combine(out, np.add, np.log1p(self.e))

    def vjp(self, g, out, x, y):       # d/dx = sigmoid(x) - y;  d/dy = -x
        gx = gy = None
        if self.needs_grad(0):
            if isinstance(g, np.ndarray) and isinstance(x, np.ndarray):
                gx = times_cotangent(combine(sigmoid_from(x, self.e), np.subtract, y), g)
            else:                      # create_graph: recorded ops, so tg.compile can trace it
                s = sigmoid(x)
                if is_tensor(g) and not g.requires_grad and is_ones(g.data, g.data) and \
                        g.dtype == np.result_type(data(x), data(y)):
                    gx = s - y         # g is ones (a sum's vjp): no product node to record
                else:
                    gx = g * (s - y)
        if self.needs_grad(1):
            gy = -g * x
        return gx, gy
    batched_vjp = vjp


_BCE_EPS = float(np.float32(1e-12))    # PyTorch's floor on x (1 - x) in the gradient (a float)


def _log1p(x):
    return x.log1p() if is_tensor(x) else np.log1p(x)


class BinaryCrossEntropy(Function):
    """-(y log x + (1 - y) log(1 - x)) per element, each log clamped at -100 (PyTorch)."""
    needs_out = False

    def forward(self, x, y):
        with np.errstate(divide="ignore"):
            log_x, log_1mx = np.log(x), np.log1p(-x)
        return -(y * np.maximum(log_x, -100.0) + (1.0 - y) * np.maximum(log_1mx, -100.0))

    def vjp(self, g, out, x, y):       # d/dx = (x - y) / max(x (1 - x), eps);  d/dy = -logit(x)
        gx = gy = None
        if self.needs_grad(0):
            gx = g * (x - y) / (x * (1.0 - x)).clip(min=_BCE_EPS)
        if self.needs_grad(1):
            with np.errstate(divide="ignore"):
                gy = g * (_log1p(-x) - log(x))
        return gx, gy
    batched_vjp = vjp
