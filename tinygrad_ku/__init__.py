"""tinygrad_ku: reverse-mode automatic differentiation on NumPy, with a PyTorch-like API.

>>> import tinygrad_ku as tg
>>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4., 6.])
"""
import math as _math

from . import autograd, linalg, nn  # noqa: F401
from . import estimate, models, optim  # noqa: F401
from . import decision, distributions, probability, utils, viz  # noqa: F401
from .ops.special import digamma, lgamma, polygamma  # noqa: F401
from .methods import indexing as _methods_indexing, math as _methods_math, scan as _methods_scan
from .autograd import GradcheckError, gradcheck, grad, numerical_jacobian  # noqa: F401
from .autograd import detect_anomaly, gradgradcheck, set_detect_anomaly  # noqa: F401
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from .tensor import (  # noqa: F401
    Tensor, arange, as_tensor, cat, concatenate, diag, dot, einsum, eye, full, linspace,
    manual_seed, matmul, maximum, minimum, ones, ones_like, outer, rand, randn, stack, tensor,
    trace, where, zeros, zeros_like,
)

inf, nan, pi, e = _math.inf, _math.nan, _math.pi, _math.e
float32, float64, int64, bool_ = "float32", "float64", "int64", "bool"


def _elementwise(name):
    def fn(x, *args, **kwargs):
        return getattr(as_tensor(x), name)(*args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"tg.{name}(x) = x.{name}()"
    return fn


for _name in ("exp", "log", "log1p", "expm1", "sqrt", "square", "sin", "cos", "tanh", "sigmoid",
              "relu", "softplus", "abs", "sign", "clip", "clamp", "sum", "mean", "var", "std",
              "prod", "max", "min", "amax", "amin", "logsumexp", "argmax", "argmin", "reshape",
              "flatten", "squeeze", "unsqueeze", "transpose", "permute"):
    globals()[_name] = _elementwise(_name)
for _name in _methods_math.FUNCTIONS + _methods_indexing.FUNCTIONS + _methods_scan.FUNCTIONS:
    globals()[_name] = _elementwise(_name)
del _name
