"""Functional activations and layer helpers, as torch.nn.functional: softmax, log_softmax,
relu, sigmoid, tanh, softplus(beta, threshold), silu, gelu, elu, selu, leaky_relu, hardtanh,
relu6, hardsigmoid, hardswish, softsign, logsigmoid, mish, tanhshrink, dropout, pad, one_hot,
normalize, layer_norm, batch_norm, embedding. Re-exported by `tg.nn.functional`.

Kink conventions (PyTorch's): relu'(0) = 0; elu, selu and leaky_relu take the negative branch
at 0; hardtanh, relu6 and hardsigmoid pass the gradient only strictly inside their linear
piece; hardswish'(-3) = 0, hardswish'(3) = 1; softplus is x itself (gradient 1) where
beta·x > threshold.
`inplace=True` writes the result into the input and returns it, as PyTorch does.
"""
import warnings

import numpy as np

from .. import linalg
from ..ops import activation as A, linalg as L, nn as N
from ..random import default_generator
from ..tensor import Tensor, _norm_axis, as_tensor, where

__all__ = ["linear", "log_softmax", "softmax", "relu", "sigmoid", "tanh", "softplus", "silu", "gelu", "elu",
           "selu", "leaky_relu", "hardtanh", "relu6", "hardsigmoid", "hardswish", "softsign",
           "logsigmoid", "mish", "tanhshrink", "dropout", "pad", "one_hot", "normalize",
           "layer_norm", "batch_norm", "embedding"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946



def linear(input, weight, bias=None):
    """x Wᵀ + b, as torch.nn.functional.linear: input (..., in), weight (out, in), bias (out,)."""
    x, w = as_tensor(input), as_tensor(weight)
    if w.ndim != 2 or x.ndim < 1 or x.shape[-1] != w.shape[1] or (
            bias is not None and as_tensor(bias).shape not in ((w.shape[0],), ())):
        raise RuntimeError(f"linear: input of shape {x.shape}, weight of shape {w.shape} and "
                           f"bias of shape {None if bias is None else as_tensor(bias).shape} "
                           f"do not fit: expected (..., in), (out, in), (out,)")
    if x.ndim == 1:                    # one sample
        return L.Linear.apply(x.reshape(1, -1), w, bias).reshape(-1)
    return L.Linear.apply(x, w, bias)


def _apply(input, inplace, name, fn):
    """fn(input), or with inplace=True written into input, which is returned."""
    x = as_tensor(input)
    if inplace:
        return x._inplace(name + "_", lambda a, _: fn(a))
    return fn(x)


# ----- softmax ------------------------------------------------------------------------------
def _softmax_axis(op, dim, ndim, stacklevel):
    if dim is None:                    # PyTorch's legacy choice, with its warning
        warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call "
                      f"to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
        dim = 0 if ndim in (0, 1, 3) else 1
    return _norm_axis(dim, ndim, op)[0] if ndim else None


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) along dim."""
    x = as_tensor(input, dtype)
    return N.LogSoftmax.apply(x, axis=_softmax_axis("log_softmax", dim, x.ndim, _stacklevel))


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / Σ exp(x) along dim."""
    x = as_tensor(input, dtype)
    return N.Softmax.apply(x, axis=_softmax_axis("softmax", dim, x.ndim, _stacklevel))


# ----- elementwise activations --------------------------------------------------------------
def relu(input, inplace=False):
    """max(x, 0)."""
    return _apply(input, inplace, "relu", Tensor.relu)


def sigmoid(input):
    """1 / (1 + e⁻ˣ)."""
    return as_tensor(input).sigmoid()


def tanh(input):
    """(eˣ - e⁻ˣ) / (eˣ + e⁻ˣ)."""
    return as_tensor(input).tanh()


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(βx)) / β, and x itself where βx > threshold."""
    x = as_tensor(input)
    y = x.softplus() if beta == 1 else (x * beta).softplus() / beta
    big = x.data * beta > threshold
    return where(big, x, y) if big.any() else y


def silu(input, inplace=False):
    """x · sigmoid(x)."""
    return _apply(input, inplace, "silu", lambda x: x * x.sigmoid())


def gelu(input, approximate="none"):
    """x Φ(x) (Φ the standard normal cdf), or with approximate='tanh'
    0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return A.Gelu.apply(as_tensor(input), approximate=approximate)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, else α (eˣ - 1)."""
    return _apply(input, inplace, "elu", lambda x: A.Elu.apply(x, alpha=alpha, scale=1.0))


def selu(input, inplace=False):
    """scale · elu(x, α) with PyTorch's constants α ≈ 1.6733, scale ≈ 1.0507."""
    return _apply(input, inplace, "selu",
                  lambda x: A.Elu.apply(x, alpha=_SELU_ALPHA, scale=_SELU_SCALE))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, else negative_slope · x."""
    return _apply(input, inplace, "leaky_relu",
                  lambda x: A.LeakyRelu.apply(x, negative_slope=negative_slope))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clipped to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val="
                         f"{min_val} > max_val={max_val}")
    return _apply(input, inplace, "hardtanh",
                  lambda x: A.Hardtanh.apply(x, min_val=min_val, max_val=max_val))


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _hardsigmoid(x):
    return A.Hardtanh.apply(x + 3.0, min_val=0.0, max_val=6.0) / 6.0


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    return _apply(input, inplace, "hardsigmoid", _hardsigmoid)


def hardswish(input, inplace=False):
    """x · relu6(x + 3) / 6."""
    return _apply(input, inplace, "hardswish",
                  lambda x: x * A.Hardtanh.apply(x + 3.0, min_val=0.0, max_val=6.0) / 6.0)


def softsign(input):
    """x / (1 + |x|)."""
    x = as_tensor(input)
    return x / (x.abs() + 1.0)


def logsigmoid(input):
    """log sigmoid(x) = -softplus(-x)."""
    return -(-as_tensor(input)).softplus()


def mish(input, inplace=False):
    """x · tanh(softplus(x))."""
    return _apply(input, inplace, "mish", lambda x: x * x.softplus().tanh())


def tanhshrink(input):
    """x - tanh(x)."""
    x = as_tensor(input)
    return x - x.tanh()


# ----- dropout ------------------------------------------------------------------------------
def _check_p(p, op="dropout"):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """x · m / (1 - p) with m ~ Bernoulli(1 - p) per element (inverted dropout); x itself when
    not training. Draws from the library's generator (`tg.manual_seed`)."""
    _check_p(p)
    x = as_tensor(input)
    if not training or p == 0 or x.size == 0:
        return x
    dtype = x.dtype if x.dtype.kind in "fc" else np.float64
    if p == 1:
        scale = np.zeros((), dtype)
    else:
        draws = default_generator().random(x.shape, np.float32 if dtype == np.float32 else None)
        scale = (draws >= p).astype(dtype)
        scale *= dtype.type(1.0 / (1.0 - p))
    return _apply(x, inplace, "dropout", lambda a: a * scale)


# ----- pad ----------------------------------------------------------------------------------
_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode="constant", value=None):
    """input with pad = (left, right, top, bottom, ...) elements added to its last, second-to-last,
    ... dims (negative entries crop): filled with value (constant), mirrored without the edge
    (reflect), repeating the edge (replicate) or wrapped around (circular)."""
    x = as_tensor(input)
    pad = tuple(pad)
    if not all(isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in pad):
        raise TypeError(f"pad: pad must be a tuple of ints, got {pad!r}")
    if len(pad) % 2:
        raise RuntimeError(f"pad: the padding length must be divisible by 2, got {len(pad)} "
                           f"entries {pad}")
    k = len(pad) // 2
    if k > x.ndim:
        raise RuntimeError(f"pad: padding length {len(pad)} pads {k} dimensions, but the input "
                           f"of shape {x.shape} has {x.ndim}")
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"pad: unrecognised padding mode {mode!r}; expected one of "
                                  f"{', '.join(map(repr, _PAD_MODES))}")
    sides = []                         # (axis, before, after), last axis first
    for i in range(k):
        axis, before, after = x.ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])
        if x.shape[axis] - max(-before, 0) - max(-after, 0) < 0:
            raise RuntimeError(f"pad: padding ({before}, {after}) crops more than the "
                               f"{x.shape[axis]} elements of dim {axis} of shape {x.shape}")
        sides.append((axis, before, after))
    if mode == "constant":
        return _pad_constant(x, sides, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'pad: padding mode "{mode}" doesn\'t take in value argument')
    _check_nonconstant(x, mode, k, sides)
    for axis, before, after in sides:
        x = x[(slice(None),) * axis + (_source_index(mode, x.shape[axis], before, after),)]
    return x


def _pad_constant(x, sides, value):
    crop, widths = [slice(None)] * x.ndim, [(0, 0)] * x.ndim
    for axis, before, after in sides:
        crop[axis] = slice(max(-before, 0), x.shape[axis] - max(-after, 0))
        widths[axis] = (max(before, 0), max(after, 0))
    if any(s != slice(None) for s in crop):
        x = x[tuple(crop)]
    return A.Pad.apply(x, widths=tuple(widths), value=value)


def _check_nonconstant(x, mode, k, sides):
    if not 1 <= k <= 3 or x.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"pad: {mode} padding of {k} dimension(s) needs a {k + 1}-D or {k + 2}-D input "
            f"(PyTorch pads the last 1, 2 or 3 dims of an input with channels and an optional "
            f"batch dim), got shape {x.shape}")
    if 0 in x.shape[x.ndim - k - 1:]:
        raise RuntimeError(f"pad: {mode} padding needs non-empty dims (except the batch dim), "
                           f"got shape {x.shape}")
    for axis, before, after in sides:
        n = x.shape[axis]
        if mode == "reflect" and (before >= n or after >= n):
            raise RuntimeError(f"pad: reflect padding ({before}, {after}) must be less than the "
                               f"size {n} of dim {axis} of shape {x.shape}")
        kept = n - max(-before, 0) - max(-after, 0)
        if mode == "circular" and (before > kept or after > kept):
            raise RuntimeError(f"pad: circular padding ({before}, {after}) of dim {axis} of "
                               f"shape {x.shape} wraps around more than once")


def _source_index(mode, n, before, after):
    """For each position of the padded dim, the input element it copies."""
    if mode == "circular":             # crop first, then wrap around what is left
        lo = max(-before, 0)
        kept = n - lo - max(-after, 0)
        return lo + np.arange(-max(before, 0), kept + max(after, 0)) % kept
    j = np.arange(-before, n + after)  # pad, then crop
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    j = np.abs(j)
    return np.where(j > n - 1, 2 * (n - 1) - j, j)


# ----- indices and normalisation ------------------------------------------------------------
def one_hot(tensor, num_classes=-1):
    """e_t for each class index t: a new last dim of length num_classes (int64)."""
    t = np.asarray(tensor.data if isinstance(tensor, Tensor) else tensor)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot: expects a tensor of integer class indices (int64), got "
                           f"dtype {t.dtype}")
    if num_classes == -1:
        if not t.size:
            raise RuntimeError("one_hot: can not infer the number of classes from an empty "
                               "tensor; pass num_classes")
        num_classes = int(t.max()) + 1
    if num_classes < 0:
        raise RuntimeError(f"one_hot: num_classes must be -1 (inferred) or non-negative, got "
                           f"{num_classes}")
    if t.size and t.min() < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, got {t.min()}")
    if t.size and t.max() >= num_classes:
        raise RuntimeError(f"one_hot: class values must be smaller than num_classes="
                           f"{num_classes}, got {t.max()}")
    return Tensor((t[..., None] == np.arange(num_classes)).astype(np.int64))


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """x / max(‖x‖_p, eps), the norm taken along dim."""
    x = as_tensor(input)
    _norm_axis(dim, x.ndim, "normalize")
    norm = linalg.vector_norm(x, p, dim=dim, keepdim=True)
    return x / norm.clip(min=eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - mean) / √(var + eps) · weight + bias, mean and (biased) var over the last
    len(normalized_shape) dims."""
    x = as_tensor(input)
    if isinstance(normalized_shape, (int, np.integer)):
        raise TypeError(f"layer_norm: normalized_shape must be a tuple of ints, got the int "
                        f"{normalized_shape}; write ({normalized_shape},)")
    shape = tuple(int(n) for n in normalized_shape)
    k = len(shape)
    if not k:
        raise RuntimeError("layer_norm: normalized_shape must have at least one element, got ()")
    if x.shape[x.ndim - k:] != shape or x.ndim < k:
        raise RuntimeError(f"layer_norm: given normalized_shape={shape}, expected input with "
                           f"shape (*, {', '.join(map(str, shape))}), but got input of shape "
                           f"{x.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(np.shape(t.data if isinstance(t, Tensor) else t)) != shape:
            raise RuntimeError(f"layer_norm: {name} must have normalized_shape {shape}, got "
                               f"shape {np.shape(t.data if isinstance(t, Tensor) else t)}")
    out = A.Standardize.apply(x, axes=tuple(range(-k, 0)), eps=eps)
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """(x - mean) / √(var + eps) · weight + bias per channel (dim 1) of x (N, C, *): batch
    statistics when training (then running ← (1 - momentum) running + momentum batch, the
    variance unbiased), else the running ones."""
    x = as_tensor(input)
    if x.ndim < 2:                     # (PyTorch: dim 1 is out of range)
        raise IndexError(f"batch_norm: expects input of shape (N, C) or (N, C, L, ...) with "
                         f"channels on dim 1, got shape {x.shape}")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        size = None if t is None else int(np.size(t.data if isinstance(t, Tensor) else t))
        if size is not None and size != c:
            raise RuntimeError(f"batch_norm: {name} should contain {c} elements (the channels "
                               f"of input of shape {x.shape}), not {size}")
    shape = (c,) + (1,) * (x.ndim - 2)       # a per-channel vector against (N, C, *)
    axes = (0,) + tuple(range(2, x.ndim))
    if training:
        if x.size // max(c, 1) == 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {x.shape}")
        out = A.Standardize.apply(x, axes=tuple(a - x.ndim for a in axes), eps=eps)
        if x.size:
            _update_running(running_mean, running_var, x.data, axes, momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be given when "
                               "not training")
        mean = as_tensor(running_mean).reshape(shape)
        out = (x - mean) / (as_tensor(running_var).reshape(shape) + eps).sqrt()
    if weight is not None:
        out = out * as_tensor(weight).reshape(shape)
    return out if bias is None else out + as_tensor(bias).reshape(shape)


def _update_running(running_mean, running_var, x, axes, momentum):
    """running ← (1 - momentum) running + momentum · batch statistic, in place."""
    n = x.size // x.shape[1]
    for run, stat in ((running_mean, lambda: x.mean(axis=axes)),
                      (running_var, lambda: x.var(axis=axes) * (n / (n - 1)))):
        if run is None:
            continue
        if not isinstance(run, Tensor):
            raise TypeError(f"batch_norm: running statistics must be Tensors (updated in "
                            f"place), got {type(run).__name__}")
        new = (1.0 - momentum) * run.data.reshape(-1) + momentum * stat()
        run.data[...] = new.reshape(run.shape)
        run._bump_version()


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """weight[input]: the rows of weight at the integer indices; no gradient reaches row
    padding_idx."""
    w = as_tensor(weight)
    if w.ndim != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D (num_embeddings, embedding_dim), got "
                           f"shape {w.shape}")
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not "
                                  "supported")
    idx = np.asarray(input.data if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: indices must be integers (int64 or int32), got dtype "
                           f"{idx.dtype}")
    n = w.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].flat[0]
        raise IndexError(f"embedding: index {bad} is out of range for {n} embeddings "
                         f"(expected 0 <= index < {n})")
    padding_idx = _padding_idx(padding_idx, n)
    out = w[idx]
    if padding_idx is not None and out.requires_grad:
        pad_rows = idx == padding_idx
        if pad_rows.any():             # the same values, cut from the graph
            out = where(~pad_rows[..., None], out, out.detach())
    return out


def _padding_idx(padding_idx, n):
    """padding_idx counted from 0 (a negative one from the end), checked against n rows."""
    if padding_idx is None:
        return None
    if not -n <= padding_idx < n:
        raise AssertionError(f"embedding: padding_idx must be within num_embeddings, got "
                             f"padding_idx={padding_idx} for {n} embeddings")
    return padding_idx % n
