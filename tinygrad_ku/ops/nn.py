"""Fused ops for classification losses, each with a closed-form backward cheaper than its parts."""
import numpy as np

from ..engine import Function
from ._dispatch import data, exp, is_tensor, sigmoid
from ._logistic import combine, exp_neg_abs, sigmoid_from, times_cotangent
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
        return (g - exp(out) * g.sum(axis=_axes_from_end(self.axis, g, out), keepdims=True),)
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
    """-logp[i, target[i]] reduced by 'mean' (over non-ignored rows), 'sum' or 'none'.
    Params: target (class indices, copied), reduction, ignore_index."""
    saved_inputs, needs_out = (), False

    def forward(self, logp):
        target = np.array(self.target)     # a private copy: the caller may change theirs
        rows = np.arange(logp.shape[0])
        keep = target != self.ignore_index
        if keep.all():                 # no ignored rows: no masking
            self.index, n_kept, keep = (rows, target), len(rows), 1.0
            picked = -logp[self.index]
        else:
            self.index, n_kept = (rows, np.where(keep, target, 0)), int(keep.sum())
            picked = -logp[self.index] * keep
        self.scale = keep * (-1.0 / max(n_kept, 1) if self.reduction == "mean" else -1.0)
        if self.reduction == "none":
            return picked
        total = picked.sum()
        return (total / n_kept).astype(logp.dtype) if self.reduction == "mean" else total

    def vjp(self, g, out, logp):
        shape = data(logp).shape
        if self.reduction != "none":
            g = g.reshape((1,))
        if is_tensor(g):
            return (IndexAdd.apply(g * self.scale, shape=shape, basic=(Ellipsis,),
                                   advanced=self.index),)
        full = np.zeros(shape, dtype=np.result_type(g, data(logp)))
        full[self.index] = g * self.scale
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
            else:
                gx = g * (sigmoid(x) - y)
        if self.needs_grad(1):
            gy = -g * x
        return gx, gy
    batched_vjp = vjp
