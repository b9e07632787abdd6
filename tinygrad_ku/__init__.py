"""tinygrad_ku: reverse-mode automatic differentiation on NumPy, with a PyTorch-like API.

>>> import tinygrad_ku as tg
>>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4., 6.])
"""
import builtins as _builtins
import math as _math

from . import autograd, linalg, nn  # noqa: F401
from . import estimate, models, optim  # noqa: F401
from . import decision, distributions, probability, utils, viz  # noqa: F401
from .ops.special import digamma, lgamma, polygamma  # noqa: F401
from .methods import indexing as _methods_indexing, math as _methods_math, scan as _methods_scan
from .compile import compile  # noqa: F401,E402  (tg.compile: the function, not the subpackage)
from .autograd import GradcheckError, gradcheck, grad, numerical_jacobian  # noqa: F401
from .autograd import detect_anomaly, gradgradcheck, set_detect_anomaly  # noqa: F401
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from .grad_mode import inference_mode, is_inference_mode_enabled  # noqa: F401
from .dtypes import cuda, device, get_default_dtype, set_default_dtype  # noqa: F401
from .serialization import load, save  # noqa: F401
from .random import (  # noqa: F401
    Generator, initial_seed, manual_seed, rand, rand_like, randint, randint_like, randn,
    randn_like, randperm, seed,
)
from .tensor import (  # noqa: F401
    Tensor, arange, as_tensor, cat, concatenate, diag, dot, einsum, empty, empty_like, eye,
    from_numpy, full, full_like, is_complex, is_floating_point, is_tensor, linspace, logspace,
    matmul, maximum, minimum, norm, numel, ones, ones_like, outer, stack, tensor, trace, where,
    zeros, zeros_like,
)
from .tensor import (  # noqa: F401
    BoolTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor, argwhere, bincount, bmm,
    count_nonzero, log_softmax, meshgrid, mm, nonzero, softmax, tril, triu,
)

inf, nan, pi, e = _math.inf, _math.nan, _math.pi, _math.e
# dtypes as PyTorch names them (NumPy dtype objects: x.dtype == tg.float32); from here on
# float, int and bool in this module are dtypes, not the builtins
from .dtypes import (  # noqa: E402, F401
    bool_, bool_ as bool, complex64, complex64 as cfloat, complex128, complex128 as cdouble,
    float16, float16 as half, float32, float32 as float, float64, float64 as double, int8,
    int16, int16 as short, int32, int32 as int, int64, int64 as long, uint8,
)


def _scalar_first(x, other):
    """A Python number before a Tensor, as PyTorch types it: it takes the tensor's dtype unless
    it is a float and the tensor is not (then the default float dtype)."""
    if _builtins.isinstance(x, _builtins.float) and other.dtype.kind not in "fc":
        return as_tensor(x)
    return as_tensor(x, dtype=other.dtype)


def _elementwise(name):
    def fn(x, *args, **kwargs):
        if _builtins.isinstance(x, (_builtins.int, _builtins.float)) and args and \
                _builtins.isinstance(args[0], Tensor):        # tg.add(2, x): x's dtype, as torch
            return getattr(_scalar_first(x, args[0]), name)(*args, **kwargs)
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

# The public names: what `from tinygrad_ku import *` gives and what dir(tg) lists (as torch,
# that includes the dtypes float, int and bool). Internal modules (engine, ops, dims, ...) stay
# importable by their full names but are not listed.
_PUBLIC_MODULES = {"autograd", "decision", "distributions", "estimate", "linalg", "models", "nn",
                   "optim", "probability", "utils", "viz"}
__all__ = sorted(_n for _n, _v in globals().items()
                 if not _n.startswith("_") and (type(_v).__name__ != "module"
                                                or _n in _PUBLIC_MODULES))


def __dir__():
    return list(__all__)
