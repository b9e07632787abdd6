"""Functions a vjp calls that work on ndarrays (first-order path) and Tensors (create_graph).

A vjp written with operators, the methods ndarray and Tensor share, and these
helpers runs unchanged on both, so higher-order derivatives need no second
copy of any vjp.
"""
import numpy as np

from .. import engine


def is_tensor(x):
    return isinstance(x, engine.Tensor)


def data(x):
    """The raw array behind x (for constants such as masks and signs)."""
    return x.data if isinstance(x, engine.Tensor) else x


def exp(x):
    return x.exp() if isinstance(x, engine.Tensor) else np.exp(x)


def log(x):
    return x.log() if isinstance(x, engine.Tensor) else np.log(x)


def absolute(x):
    return x.abs() if isinstance(x, engine.Tensor) else np.abs(x)


def sin(x):
    return x.sin() if isinstance(x, engine.Tensor) else np.sin(x)


def cos(x):
    return x.cos() if isinstance(x, engine.Tensor) else np.cos(x)


def sinh(x):
    return x.sinh() if isinstance(x, engine.Tensor) else np.sinh(x)


def cosh(x):
    return x.cosh() if isinstance(x, engine.Tensor) else np.cosh(x)


def sqrt(x):
    return x.sqrt() if isinstance(x, engine.Tensor) else np.sqrt(x)


def sigmoid(x):
    return x.sigmoid() if isinstance(x, engine.Tensor) else 0.5 * (1.0 + np.tanh(0.5 * x))


def broadcast_to(x, shape):
    return x.expand(shape) if isinstance(x, engine.Tensor) else np.broadcast_to(x, shape)


def permute(x, axes):
    return x.permute(axes) if isinstance(x, engine.Tensor) else x.transpose(axes)


def mT(x):
    """Swap the last two axes (matrix transpose of a batch)."""
    return x.swapaxes(-1, -2)

