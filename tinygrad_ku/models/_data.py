"""Checks the models share: data as float Tensors, labels, 0/1 targets, counts, rows, offsets,
and the `reduction=` of log_prob. Every error names the model and the values at fault."""
import math
import operator

import numpy as np

from .. import grad_mode
from ..tensor import Tensor, as_tensor

REDUCTIONS = ("sum", "none")


def array_of(x):
    """The ndarray behind x (a Tensor or anything NumPy takes)."""
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def float_data(x):
    """x as a float Tensor (integer data become float64)."""
    t = as_tensor(x)
    if t.dtype.kind not in "fc":
        t = t.to(np.float64)
    return t


def int_labels(y, model, n_classes):
    """Class labels as an int64 array, each in [0, n_classes)."""
    arr = array_of(y)
    if arr.dtype.kind == "f":
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{model}: labels must be integers in [0, {n_classes}), got "
                             f"non-integer values such as {arr[arr != np.round(arr)][:3].tolist()}")
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iub":
        raise TypeError(f"{model}: labels must be integers, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(f"{model}: labels must lie in [0, {n_classes}), got values in "
                         f"[{arr.min()}, {arr.max()}]")
    return arr.astype(np.int64)


def binary_targets(y, model):
    """0/1 targets as a float64 array."""
    arr = np.asarray(array_of(y), dtype=np.float64)
    if arr.size and not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{model}: targets must be 0 or 1, got values such as "
                         f"{arr[(arr != 0) & (arr != 1)][:3].tolist()}")
    return arr


def counts(y, model):
    """Non-negative integer counts as a float64 array."""
    arr = np.asarray(array_of(y), dtype=np.float64)
    if arr.size and not (np.all(arr >= 0) and np.all(arr == np.round(arr))):
        bad = arr[~((arr >= 0) & (arr == np.round(arr)))]
        raise ValueError(f"{model}: counts must be non-negative integers, got values such as "
                         f"{bad[:3].tolist()}")
    return arr


def count_arg(n, model, name):
    """n as an int ≥ 1 (a size such as n_classes or dim), or a clear error."""
    try:
        value = operator.index(n)
    except TypeError:
        raise TypeError(f"{model}: {name} must be an int, got {type(n).__name__} {n!r}") from None
    if value < 1:
        raise ValueError(f"{model}: {name} must be >= 1, got {value}")
    return value


def log_factorial(k):
    """log k! for non-negative integer counts: a table of Σ log j for small counts, math.lgamma per distinct value beyond."""
    k = np.asarray(k, dtype=np.float64)
    top = int(k.max()) if k.size else 0
    if top <= 1000:
        table = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1.0, top + 1.0)))))
        return table[k.astype(np.int64)]
    values, where = np.unique(k, return_inverse=True)
    return np.array([math.lgamma(v + 1.0) for v in values])[where].reshape(k.shape)


def positive_targets(y, model):
    """Positive real targets as a float64 array."""
    arr = np.asarray(array_of(y), dtype=np.float64)
    if arr.size and not np.all(arr > 0):
        raise ValueError(f"{model}: targets must be positive, got values such as "
                         f"{arr[~(arr > 0)][:3].tolist()}")
    return arr


def finite_targets(y, model):
    """Real targets as a float64 array, no nan/inf."""
    arr = np.asarray(array_of(y), dtype=np.float64)
    if arr.size and not np.all(np.isfinite(arr)):
        raise ValueError(f"{model}: targets must be finite, got values such as "
                         f"{arr[~np.isfinite(arr)][:3].tolist()}")
    return arr


def check_rows(X, y, model, n_features):
    """X must be (N, n_features) and y, if given, must have N rows."""
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"{model}: X must have shape (N, {n_features}), got {tuple(X.shape)}")
    if y is not None and np.shape(y)[:1] != tuple(X.shape[:1]):
        raise ValueError(f"{model}: y must have {X.shape[0]} rows to match X {tuple(X.shape)}, "
                         f"got shape {np.shape(y)}")
    if y is not None and np.ndim(y) != 1:
        raise ValueError(f"{model}: y must be one-dimensional (N,), got shape {np.shape(y)}")


def check_reduction(reduction, model):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{model}: reduction must be 'sum' or 'none', got {reduction!r}")


def reduce(lp, reduction):
    """Σ lp (a scalar) for 'sum'; lp itself, one value per observation, for 'none'."""
    return lp.sum() if reduction == "sum" else lp


def column(values, model, name, n=None):
    """An optional per-row array (offset, exposure) as float64 (N,), finite; None stays None."""
    if values is None:
        return None
    arr = np.asarray(array_of(values), dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{model}: {name} must be one-dimensional (N,), got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{model}: {name} has {arr.shape[0]} rows but X has {n}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{model}: {name} must be finite, got values such as "
                         f"{arr[~np.isfinite(arr)][:3].tolist()}")
    return arr


def no_grad_tensor(fn):
    """Run a prediction method without recording a graph."""
    def wrapper(self, *args, **kwargs):
        with grad_mode.no_grad():
            return fn(self, *args, **kwargs)
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper
