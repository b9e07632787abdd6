"""Losses as torch.nn: the functional forms (re-exported by `tg.nn.functional`) and the
loss modules (re-exported by `tg.nn`), with `reduction=` everywhere."""
import numpy as np

from ..ops import nn as N
from ..tensor import Tensor, as_tensor
from .activations import log_softmax

__all__ = []          # the loss modules
FUNCTIONAL = ("nll_loss", "cross_entropy", "binary_cross_entropy_with_logits", "mse_loss")


def _reduce(loss, reduction, op):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _class_targets(op, logits, target, ignore_index=None):
    """The integer class indices of `target`, checked against logits of shape (N, C)."""
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class indices, got dtype {t.dtype}")
    if logits.ndim != 2 or t.shape != logits.shape[:1]:
        raise ValueError(f"{op}: expects input of shape (N, C) and target of shape (N,), "
                         f"got {logits.shape} and {t.shape}")
    n_classes = logits.shape[1]
    if t.size and (t.min() < 0 or t.max() >= n_classes):    # one pass each in the common case
        bad = ((t < 0) | (t >= n_classes)) & (t != ignore_index)
        if bad.any():
            raise ValueError(f"{op}: target {t[bad][0]} is out of range for {n_classes} classes")
    return t


def nll_loss(input, target, reduction="mean", ignore_index=-100):
    """-Σ log p[i, target_i], averaged over the rows by default."""
    logp = as_tensor(input)
    squeeze = logp.ndim == 1
    if squeeze:
        logp = logp.reshape(1, -1)
        target = np.asarray(target.data if isinstance(target, Tensor) else target).reshape(1)
    t = _class_targets("nll_loss", logp, target, ignore_index)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"nll_loss: reduction must be 'mean', 'sum' or 'none', got "
                         f"{reduction!r}")
    out = N.NllLoss.apply(logp, target=t, reduction=reduction, ignore_index=ignore_index)
    return out.reshape(()) if squeeze and reduction == "none" else out


def cross_entropy(input, target, reduction="mean", ignore_index=-100):
    """nll_loss(log_softmax(input), target); target may also be class probabilities (same shape)."""
    x = as_tensor(input)
    t = target if isinstance(target, Tensor) else np.asarray(target)
    if np.asarray(t.data if isinstance(t, Tensor) else t).dtype.kind == "f":
        if t.shape != x.shape:
            raise ValueError(f"cross_entropy: probability targets must have the input's shape "
                             f"{x.shape}, got {t.shape}")
        return _reduce(-(log_softmax(x, dim=-1 if x.ndim == 1 else 1) * t).sum(
            dim=-1 if x.ndim == 1 else 1), reduction, "cross_entropy")
    return nll_loss(log_softmax(x, dim=-1 if x.ndim == 1 else 1), t, reduction, ignore_index)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """softplus(x) - x y: the Bernoulli NLL of y given logits x, stable for any x."""
    x, y = as_tensor(input), as_tensor(target)
    if x.shape != y.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: target shape {y.shape} must "
                         f"equal input shape {x.shape}")
    return _reduce(N.BCEWithLogits.apply(x, y), reduction, "binary_cross_entropy_with_logits")


def mse_loss(input, target, reduction="mean"):
    """mean of (input - target)²."""
    x, y = as_tensor(input), as_tensor(target)
    if x.shape != y.shape:
        raise ValueError(f"mse_loss: target shape {y.shape} must equal input shape {x.shape}")
    return _reduce((x - y).square(), reduction, "mse_loss")
