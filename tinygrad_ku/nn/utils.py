"""torch.nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters.

The clipping functions change the parameters' `.grad` tensors in place (under no_grad),
as PyTorch's do.
"""
import math

import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor, cat

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _params(parameters, op):
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: parameters must be Tensors, got {type(p).__name__}")
    return params


def _vector_norm(x, p):
    """‖x‖_p of a flat array as torch.linalg.vector_norm: max|x| (inf), min|x| (-inf), #x≠0 (0)."""
    a = np.abs(x)
    if p == math.inf:
        return a.max(initial=0.0)
    if p == -math.inf:
        return a.min(initial=math.inf)
    if p == 0:
        return np.asarray(np.count_nonzero(a), dtype=a.dtype)
    return (a ** p).sum() ** (1.0 / p)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients by min(1, max_norm / (‖g‖ + 1e-6)), ‖g‖ = the p-norm of the
    per-parameter gradient norms (the norm of all gradients together for p > 0); returns ‖g‖."""
    grads = [p.grad for p in _params(parameters, "clip_grad_norm_") if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0))
    dtype = grads[0].dtype
    norms = np.array([_vector_norm(g.data.reshape(-1), norm_type) for g in grads], dtype=dtype)
    total = np.asarray(_vector_norm(norms, norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` "
                           f"is non-finite, so it cannot be clipped. To disable this error and "
                           f"scale the gradients by the non-finite norm anyway, set "
                           f"`error_if_nonfinite=False`")
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)     # a nan total stays nan
    with no_grad():
        for g in grads:
            g.mul_(coef)
    return Tensor(total)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient elementwise into [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _params(parameters, "clip_grad_value_"):
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)


def parameters_to_vector(parameters):
    """The parameters flattened and concatenated into one vector (differentiable, a cat)."""
    return cat([p.reshape(-1) for p in _params(parameters, "parameters_to_vector")])


def vector_to_parameters(vec, parameters):
    """Replace each parameter's values by the next p.numel() entries of vec, in order."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected Tensor, but got: {type(vec).__name__}")
    params = _params(parameters, "vector_to_parameters")
    flat, start = vec.data.reshape(-1), 0
    for p in params:
        n = p.data.size
        if start + n > flat.size:
            need = sum(q.data.size for q in params)
            shapes = [tuple(q.shape) for q in params]
            raise RuntimeError(f"vector_to_parameters: the vector has {flat.size} elements, the "
                               f"parameters need {need} (shapes {shapes})")
        p.data = flat[start:start + n].reshape(p.shape).copy()
        start += n
