"""Losses as torch.nn: the functional forms (re-exported by `tg.nn.functional`) and the
loss modules (re-exported by `tg.nn`), with PyTorch's signatures, defaults and
`reduction='mean' | 'sum' | 'none'` everywhere.

Class targets (nll_loss, cross_entropy): input (C,), (N, C) or (N, C, d1, ...), target
(), (N,) or (N, d1, ...); a 'mean' divides by the summed weights of the targets that are
not ignored. Regression losses broadcast a target of another shape with a UserWarning,
as PyTorch does. The deprecated size_average / reduce flags map to a reduction as in
PyTorch, with its warning.
"""
import math
import warnings

import numpy as np

from ..grad_mode import is_grad_enabled
from ..ops import nn as N
from ..tensor import Tensor, as_tensor, where
from .activations import log_softmax
from .module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "GaussianNLLLoss", "PoissonNLLLoss"]
FUNCTIONAL = ("nll_loss", "cross_entropy", "binary_cross_entropy_with_logits", "mse_loss",
              "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "kl_div",
              "gaussian_nll_loss", "poisson_nll_loss")


# ----- shared checks ------------------------------------------------------------------------
_REDUCTIONS = ("mean", "sum", "none")


def _legacy_reduction(size_average, reduce):
    """PyTorch's reading of the deprecated size_average / reduce flags, with its warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    out = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{out}' instead.", UserWarning, stacklevel=4)
    return out


def _reduction(op, reduction, size_average=None, reduce=None, allowed=_REDUCTIONS):
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction not in allowed:
        names = ", ".join(repr(r) for r in allowed[:-1]) + f" or {allowed[-1]!r}"
        raise ValueError(f"{op}: reduction must be {names}, got {reduction!r}")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":            # of nothing: nan, as PyTorch (without NumPy's warning)
        return loss.mean() if loss.size else loss.sum() * np.nan
    return loss.sum() if reduction == "sum" else loss


def _pair(op, input, target, warn=True):
    """input and target as Tensors; a target of another shape broadcasts (with PyTorch's
    warning if `warn`), one that does not broadcast is an error."""
    x, y = as_tensor(input), as_tensor(target)
    if x.shape != y.shape:
        try:
            np.broadcast_shapes(x.shape, y.shape)
        except ValueError:
            raise RuntimeError(f"{op}: target shape {y.shape} must equal input shape "
                                 f"{x.shape} (or broadcast with it)") from None
        if warn:
            warnings.warn(f"{op}: using a target size {y.shape} that is different to the input "
                          f"size {x.shape}. This will likely lead to incorrect results due to "
                          f"broadcasting. Please ensure they have the same size.",
                          UserWarning, stacklevel=3)
    return x, y


def _same_shape(op, x, y):
    if x.shape != y.shape:
        raise ValueError(f"{op}: target shape {y.shape} must equal input shape {x.shape}")


def _constant(op, name, value, dtype):
    """A weight PyTorch does not differentiate: an ndarray of the input's float dtype."""
    if isinstance(value, Tensor):
        if value.requires_grad and is_grad_enabled():
            raise RuntimeError(f"{op}: {name} must not require grad (PyTorch's {op} is not "
                               f"differentiable with respect to {name})")
        value = value.data
    return np.asarray(value, dtype=dtype if np.dtype(dtype).kind == "f" else None)


def _fits(op, name, w, shape):
    """w broadcasts to `shape` without enlarging it."""
    try:
        ok = np.broadcast_shapes(w.shape, shape) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"{op}: {name} of shape {w.shape} does not broadcast to the input's "
                           f"shape {tuple(shape)}")


def _weighted(op, loss, x, weight, reduction, mean_over_weights):
    """loss * weight (of the input's shape), reduced; the weighted 'mean' divides by Σ weight
    (mse_loss, l1_loss) or by the element count (huber_loss), as in PyTorch."""
    if weight is None:
        return _reduce(loss, reduction)
    w = weight if isinstance(weight, Tensor) else as_tensor(np.asarray(weight, x.dtype))
    if w.shape != x.shape:
        raise ValueError(f"{op}: weight shape {w.shape} must equal input shape {x.shape}")
    loss = loss * w
    if reduction == "mean" and mean_over_weights:
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)


def _xlogx(t):
    """t log t with 0 log 0 = 0 (its value and gradient stay finite there)."""
    with np.errstate(invalid="ignore"):      # log of a negative target: nan, as PyTorch
        return t * where(t.data == 0, 1.0, t).log()


# ----- class targets ------------------------------------------------------------------------
def _class_targets(input, target, weight, ignore_index):
    """(input Tensor, integer targets, weight ndarray or None), checked as PyTorch checks
    them: input (C,), (N, C) or (N, C, d1, ...), target (), (N,) or (N, d1, ...)."""
    op = "nll_loss"
    x = as_tensor(input)
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: target must hold integer class indices, got dtype "
                           f"{t.dtype}")
    if x.ndim == 0:
        raise ValueError(f"{op}: expected an input of shape (C,), (N, C) or (N, C, d1, ...), "
                         f"got a 0-d input")
    if x.ndim == 1:
        if t.ndim > 1 or t.size != 1:
            err = RuntimeError if t.ndim > 1 else ValueError   # (as torch)
            raise err(f"{op}: an input of shape {x.shape} takes one class index (a target of "
                      f"shape () or (1,)), got a target of shape {t.shape}")
    else:
        batch = t.shape[0] if t.ndim else 0
        if batch != x.shape[0]:
            raise ValueError(f"{op}: input batch size {x.shape[0]} must match target batch "
                             f"size {batch} (input shape {x.shape}, target shape {t.shape})")
        if t.shape[1:] != x.shape[2:]:
            raise RuntimeError(f"{op}: an input of shape {x.shape} takes a target of shape "
                                 f"{(x.shape[0],) + x.shape[2:]}, got {t.shape}")
    n_classes = x.shape[0 if x.ndim == 1 else 1]
    if t.size and (t.min() < 0 or t.max() >= n_classes):    # one pass each in the common case
        bad = ((t < 0) | (t >= n_classes)) & (t != ignore_index)
        if bad.any():
            raise IndexError(f"{op}: target {t[bad].flat[0]} is out of range for "
                                   f"{n_classes} classes")
    if weight is not None:
        weight = _constant(op, "weight", weight, x.dtype)
        if weight.shape != (n_classes,):
            raise RuntimeError(f"{op}: weight must hold one entry per class, shape "
                               f"({n_classes},), got shape {weight.shape}")
    return x, t, weight


def _nll(logp, t, weight, ignore_index, reduction):
    if logp.ndim == 1:                 # one sample, unbatched
        out = N.NllLoss.apply(logp.reshape(1, -1), target=t.reshape(1), weight=weight,
                              reduction=reduction, ignore_index=ignore_index)
        return out.reshape(()) if reduction == "none" else out
    return N.NllLoss.apply(logp, target=t, weight=weight, reduction=reduction,
                           ignore_index=ignore_index)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-Σᵢ w[tᵢ] input[i, tᵢ] / Σᵢ w[tᵢ] over the targets not ignored (w = 1 by default)."""
    reduction = _reduction("nll_loss", reduction, size_average, reduce)
    logp, t, weight = _class_targets(input, target, weight, ignore_index)
    return _nll(logp, t, weight, ignore_index, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """-Σ_c w_c q_c log softmax(input)_c per sample, q the one-hot class target (or the given
    probabilities, the input's shape) smoothed to (1 - ε) q + ε / C; reduced as nll_loss."""
    reduction = _reduction("cross_entropy", reduction, size_average, reduce)
    if label_smoothing > 1.0:
        raise RuntimeError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got "
                           f"{label_smoothing}")
    x = as_tensor(input)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if x.ndim and t.shape == x.shape:
        return _cross_entropy_probs(x, target, weight, ignore_index, reduction, label_smoothing)
    if t.dtype.kind == "f" and x.ndim and t.shape != (x.shape[:1] + x.shape[2:] if x.ndim > 1
                                                      else ()):
        raise RuntimeError(f"cross_entropy: probability targets must have the input's shape "
                             f"{x.shape}, got {t.shape}")
    x, t, w = _class_targets(x, t, weight, ignore_index)
    dim = 0 if x.ndim == 1 else 1
    logp = log_softmax(x, dim=dim)
    nll = _nll(logp, t, w, ignore_index, reduction)
    if not label_smoothing > 0.0:      # PyTorch skips smoothing <= 0 (and nan)
        return nll
    n_classes = x.shape[dim]
    weighted = logp if w is None else logp * w.reshape((n_classes,) + (1,) * (x.ndim - 2))
    smooth = -weighted.sum(dim=dim)    # -Σ_c w_c log p_c per sample
    keep = t != ignore_index
    if not keep.all():
        smooth = where(keep, smooth, 0.0)
    if reduction == "mean":
        total = float(keep.sum() if w is None else w[t[keep]].sum())
        smooth = smooth.sum() * (1.0 / total if total else np.nan)    # nothing kept: nan
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1.0 - label_smoothing) + smooth * (label_smoothing / n_classes)


def _cross_entropy_probs(x, target, weight, ignore_index, reduction, label_smoothing):
    """cross_entropy with class probabilities of the input's shape; 'mean' divides by the
    number of samples N d1 ... (not by the weights)."""
    op = "cross_entropy"
    q = as_tensor(target)
    if q.dtype.kind != "f":
        raise RuntimeError(f"{op}: probability targets (of the input's shape {x.shape}) "
                               f"must be floating point, got dtype {q.dtype}")
    if ignore_index != -100:
        raise RuntimeError(f"{op}: ignore_index={ignore_index} is not supported for "
                           f"probability targets")
    dim = 0 if x.ndim == 1 else 1
    n_classes = x.shape[dim]
    if label_smoothing > 0.0:
        q = q * (1.0 - label_smoothing) + label_smoothing / n_classes
    terms = log_softmax(x, dim=dim) * q
    if weight is not None:
        w = weight if isinstance(weight, Tensor) else as_tensor(np.asarray(weight, x.dtype))
        if w.shape != (n_classes,):
            raise RuntimeError(f"{op}: weight must hold one entry per class, shape "
                               f"({n_classes},), got shape {w.shape}")
        terms = terms * w.reshape((n_classes,) + (1,) * (x.ndim - dim - 1))
    if reduction == "none":
        return -terms.sum(dim=dim)
    total = -terms.sum()
    if reduction == "sum":
        return total
    samples = x.size // n_classes if n_classes else 0
    return total * (1.0 / samples if samples else np.nan)


# ----- regression ---------------------------------------------------------------------------
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean of (input - target)²; with weights w, Σ w (input - target)² / Σ w."""
    reduction = _reduction("mse_loss", reduction, size_average, reduce)
    x, y = _pair("mse_loss", input, target)
    return _weighted("mse_loss", (x - y).square(), x, weight, reduction, True)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean of |input - target|; with weights w, Σ w |input - target| / Σ w."""
    reduction = _reduction("l1_loss", reduction, size_average, reduce)
    x, y = _pair("l1_loss", input, target)
    return _weighted("l1_loss", (x - y).abs(), x, weight, reduction, True)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """mean of d² / (2β) where |d| < β, else |d| - β/2 (d = input - target; β = 0: |d|)."""
    reduction = _reduction("smooth_l1_loss", reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    x, y = _pair("smooth_l1_loss", input, target)
    d = x - y
    a = d.abs()
    if beta == 0:
        return _reduce(a, reduction)
    return _reduce(where(a.data < beta, d.square() * (0.5 / beta), a - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """mean of d² / 2 where |d| < δ, else δ (|d| - δ/2) (d = input - target)."""
    reduction = _reduction("huber_loss", reduction)
    if delta <= 0:
        raise RuntimeError(f"huber_loss: delta must be positive, got {delta}")
    x, y = _pair("huber_loss", input, target)
    d = x - y
    a = d.abs()
    loss = where(a.data < delta, d.square() * 0.5, (a - 0.5 * delta) * delta)
    return _weighted("huber_loss", loss, x, weight, reduction, False)


# ----- binary targets -----------------------------------------------------------------------
def _unit_interval(op, name, t):
    bad = ~((t.data >= 0) & (t.data <= 1))
    if bad.any():
        raise RuntimeError(f"{op}: all elements of {name} should be between 0 and 1, got "
                           f"{t.data[bad].flat[0]}")


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-w (y log x + (1 - y) log(1 - x)), each log clamped at -100 as PyTorch."""
    op = "binary_cross_entropy"
    reduction = _reduction(op, reduction, size_average, reduce)
    x, y = as_tensor(input), as_tensor(target)
    _same_shape(op, x, y)
    _unit_interval(op, "input", x)
    _unit_interval(op, "target", y)
    loss = N.BinaryCrossEntropy.apply(x, y)
    if weight is not None:
        w = _constant(op, "weight", weight, x.dtype)
        _fits(op, "weight", w, x.shape)
        loss = loss * w
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """w ((1 - y) x + (1 + (p - 1) y) softplus(-x)): the Bernoulli NLL of y given logits x,
    positives weighted by p; stable for any x."""
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction(op, reduction, size_average, reduce)
    x, y = as_tensor(input), as_tensor(target)
    _same_shape(op, x, y)
    loss = N.BCEWithLogits.apply(x, y)          # softplus(x) - x y = (1 - y) x + softplus(-x)
    if pos_weight is not None:
        p = _constant(op, "pos_weight", pos_weight, x.dtype)
        _fits(op, "pos_weight", p, x.shape)
        loss = loss + y * (p - 1.0) * (-x).softplus()
    if weight is not None:
        w = _constant(op, "weight", weight, x.dtype)
        _fits(op, "weight", w, x.shape)
        loss = loss * w
    return _reduce(loss, reduction)


# ----- distributions ------------------------------------------------------------------------
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """target (log target - input) pointwise (input holds log-probabilities); 'batchmean'
    divides the sum by the batch size (the KL divergence), 'mean' by the element count."""
    op = "kl_div"
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    else:
        reduction = _reduction(op, reduction, allowed=("mean", "batchmean", "sum", "none"))
        if reduction == "mean":
            warnings.warn("kl_div: reduction 'mean' divides the total loss by both the batch "
                          "size and the support size. 'batchmean' divides only by the batch "
                          "size, and aligns with the KL div math definition. 'mean' will be "
                          "changed to behave the same as 'batchmean' in the next major "
                          "release.", UserWarning, stacklevel=2)
    x, t = _pair(op, input, target, warn=False)
    loss = t.exp() * (t - x) if log_target else _xlogx(t) - t * x
    if reduction != "batchmean":
        return _reduce(loss, reduction)
    if x.ndim == 0:
        return loss.sum()
    with np.errstate(invalid="ignore"):        # an empty batch: nan
        return loss.sum() * (1.0 / x.shape[0] if x.shape[0] else np.nan)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """(log max(var, eps) + (input - target)² / max(var, eps)) / 2 (+ log(2π) / 2 if full);
    var of the input's shape, or one dimension short of it or of size 1 there."""
    op = "gaussian_nll_loss"
    x, y = _pair(op, input, target, warn=False)
    if isinstance(var, (int, float, np.number)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries, got {var}")
        v = as_tensor(np.full(x.shape, var, dtype=x.dtype))
    else:
        v = as_tensor(var)
        if (v.data < 0).any():
            raise ValueError(f"{op}: var has negative entry/entries, got {v.data.min()}")
    if v.shape != x.shape:
        if x.shape[:-1] == v.shape:    # one variance per row: homoscedastic
            v = v.unsqueeze(-1)
        elif not (x.ndim == v.ndim and
                  sum(b for a, b in zip(x.shape, v.shape) if a != b) == 1):
            raise ValueError(f"{op}: var is of incorrect size: shape {v.shape} for input shape "
                             f"{x.shape} (use the input's shape, the input's shape without its "
                             f"last dimension, or size 1 in one dimension)")
    reduction = _reduction(op, reduction)
    # PyTorch clamps var in place under no_grad: the value is clamped, the gradient is not
    v = v + (np.maximum(v.data, eps) - v.data)
    loss = ((x - y).square() / v + v.log()) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """exp(input) - target input (log_input), else input - target log(input + eps); full adds
    Stirling's target log target - target + log(2π target) / 2 where target > 1."""
    op = "poisson_nll_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    x, t = _pair(op, input, target, warn=False)
    loss = x.exp() - t * x if log_input else x - t * (x + eps).log()
    if full:
        big = t.data > 1
        if big.any():
            s = where(big, t, 1.0)     # a harmless stand-in where the term is masked
            loss = loss + where(big, s * s.log() - s + (s * (2 * math.pi)).log() * 0.5, 0.0)
    return _reduce(loss, reduction)


# ----- modules ------------------------------------------------------------------------------
class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", None if weight is None else as_tensor(weight))


class CrossEntropyLoss(_WeightedLoss):
    """cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """nll_loss(input, target, weight, ignore_index, reduction)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                        reduction=self.reduction)


class MSELoss(_Loss):
    """mse_loss(input, target, reduction)."""

    def forward(self, input, target):
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """l1_loss(input, target, reduction)."""

    def forward(self, input, target):
        return l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """smooth_l1_loss(input, target, reduction, beta)."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """huber_loss(input, target, reduction, delta)."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """binary_cross_entropy(input, target, weight, reduction)."""

    def forward(self, input, target):
        return binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", None if weight is None else as_tensor(weight))
        self.register_buffer("pos_weight", None if pos_weight is None else as_tensor(pos_weight))

    def forward(self, input, target):
        return binary_cross_entropy_with_logits(input, target, self.weight,
                                                pos_weight=self.pos_weight,
                                                reduction=self.reduction)


class KLDivLoss(_Loss):
    """kl_div(input, target, reduction, log_target)."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class GaussianNLLLoss(_Loss):
    """gaussian_nll_loss(input, target, var, full, eps, reduction)."""

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                 reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """poisson_nll_loss(input, target, log_input, full, eps, reduction)."""

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                eps=self.eps, reduction=self.reduction)
