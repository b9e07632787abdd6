"""Fused ops for classification losses, each with a closed-form backward cheaper than its parts."""
import numpy as np

from ..engine import Function
from ._dispatch import exp, is_tensor, sigmoid
from ._logistic import combine, exp_neg_abs, sigmoid_from, times_cotangent


def _log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True, initial=-np.inf)   # initial: empty inputs give empty outputs
    m = np.where(np.isfinite(m), m, 0.0)
    shifted = x - m
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class LogSoftmax(Function):
    saved_inputs = ()
    needs_out = True

    def forward(self, x, axis):
        self.axis = axis
        return _log_softmax(x, axis)

    def vjp(self, g, out, x, axis):    # g - softmax * Σg
        return g - exp(out) * g.sum(axis=self.axis, keepdims=True), None


class Softmax(Function):
    saved_inputs = ()
    needs_out = True

    def forward(self, x, axis):
        self.axis = axis
        e = np.exp(x - x.max(axis=axis, keepdims=True, initial=-np.inf))
        return e / e.sum(axis=axis, keepdims=True)

    def vjp(self, g, out, x, axis):    # s * (g - Σ g s)
        return out * (g - (g * out).sum(axis=self.axis, keepdims=True)), None


class NllLoss(Function):
    """-logp[i, target[i]] reduced by 'mean' (over non-ignored rows), 'sum' or 'none'."""
    def forward(self, logp, target, reduction, ignore_index):
        rows = np.arange(logp.shape[0])
        keep = target != ignore_index
        if keep.all():                 # no ignored rows: no masking
            self.index, n_kept, keep = (rows, target), len(rows), 1.0
            picked = -logp[self.index]
        else:
            self.index, n_kept = (rows, np.where(keep, target, 0)), int(keep.sum())
            picked = -logp[self.index] * keep
        self.reduction = reduction
        self.scale = keep * (-1.0 / max(n_kept, 1) if reduction == "mean" else -1.0)
        if reduction == "none":
            return picked
        total = picked.sum()
        return (total / n_kept).astype(logp.dtype) if reduction == "mean" else total

    def vjp(self, g, out, logp, target, reduction, ignore_index):
        shape = logp.shape
        if self.reduction != "none":
            g = g.reshape((1,)) if not is_tensor(g) else g.reshape(1)
        if is_tensor(g):
            from .shape import IndexAdd
            return IndexAdd.apply(g * self.scale, shape, self.index), None, None, None
        full = np.zeros(shape, dtype=np.result_type(g, logp))
        full[self.index] = g * self.scale
        return full, None, None, None


class BCEWithLogits(Function):
    """softplus(x) - x y per element: the Bernoulli NLL with logits x, stable for any x."""
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
