"""`tg.linalg`: vector and matrix norms exactly as torch.linalg, with gradients.

Conventions at kinks (PyTorch's): the gradient of any norm at the zero vector
is 0; ties in the ∞-norms share the gradient evenly; the spectral norm (ord=2)
at a repeated largest singular value averages u_i v_iᵀ over the tied values.
Second derivatives through singular values (svdvals, ord=±2, 'nuc') are exact where
the singular values are distinct, inf/nan where they repeat (as PyTorch's).
"""
import numpy as np

from . import engine
from .dims import norm_axis as _norm_axis
from .ops.linalg import Svdvals
from .ops.reduce import PNorm

__all__ = ["cholesky", "det", "inv", "matrix_norm", "norm", "slogdet", "solve", "svdvals",
           "vector_norm"]


def __dir__():              # dir() lists the public names only
    return list(__all__)


_VECTOR_ORDS = "a number, inf or -inf"
_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)


def as_tensor(x):
    """x itself if it is a Tensor, else a Tensor of it (tensor.py imports this module)."""
    return x if isinstance(x, engine.Tensor) else engine.Tensor(x)


def vector_norm(x, ord=2, dim=None, keepdim=False):
    """‖x‖_ord over dim (all elements when None): (Σ|xᵢ|^ord)^(1/ord), max|xᵢ| for inf."""
    x = as_tensor(x)
    _check_float("vector_norm", x)
    if isinstance(ord, str) or not np.isscalar(ord):
        raise ValueError(f"vector_norm: ord must be {_VECTOR_ORDS}, got {ord!r}")
    axis = _norm_axis(dim, x.ndim, "vector_norm")
    if ord in (np.inf, -np.inf):
        if 0 in (x.shape if axis is None else [x.shape[a] for a in axis]):
            raise ValueError(f"vector_norm: ord={ord} of an empty tensor (shape {x.shape}) "
                             f"is undefined")
        return x.abs().amax(axis, keepdim) if ord > 0 else x.abs().amin(axis, keepdim)
    if ord == 0:
        count = (x.data != 0).sum(axis=axis, keepdims=keepdim).astype(x.dtype)
        return (x * 0.0).sum(axis, keepdim) + count
    if ord == 1:
        return x.abs().sum(axis, keepdim)
    return PNorm.apply(x, p=float(ord), axis=axis, keepdims=bool(keepdim))


def svdvals(A):
    """Singular values of each matrix in the batch, in descending order."""
    A = as_tensor(A)
    _check_float("svdvals", A)
    if A.ndim < 2:
        raise ValueError(f"svdvals: expects a matrix or a batch of matrices, got shape {A.shape}")
    return Svdvals.apply(A)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False):
    """Matrix norm over the two axes in dim: 'fro', 'nuc', ±1 (column sums), ±2 (singular values), ±inf (row sums)."""
    A = as_tensor(A)
    _check_float("matrix_norm", A)
    if ord not in _MATRIX_ORDS or isinstance(ord, bool):
        raise ValueError(f"matrix_norm: ord must be one of {_MATRIX_ORDS}, got {ord!r}")
    if A.ndim < 2:
        raise ValueError(f"matrix_norm: expects at least 2 dimensions, got shape {A.shape}")
    if len(dim) != 2:
        raise ValueError(f"matrix_norm: dim must be a pair of axes, got {dim!r}")
    r, c = (_norm_axis(d, A.ndim, "matrix_norm")[0] for d in dim)
    if r == c:
        raise ValueError(f"matrix_norm: dim {dim} names the same axis twice")
    if ord == "fro":
        return vector_norm(A, 2, dim=(r, c), keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        rest = [i for i in range(A.ndim) if i not in (r, c)]
        s = svdvals(A.permute(rest + [r, c]))
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
    else:
        abs_a = A.abs()
        if ord in (1, -1):             # max/min over columns of Σ_rows |a|
            sums, other = abs_a.sum(r, keepdim=True), c
        else:                          # max/min over rows of Σ_cols |a|
            sums, other = abs_a.sum(c, keepdim=True), r
        out = sums.amax(other, keepdim=True) if ord > 0 else sums.amin(other, keepdim=True)
        out = out.squeeze((r, c))
    if keepdim:
        for ax in sorted((r, c)):
            out = out.unsqueeze(ax)
    return out


def norm(x, ord=None, dim=None, keepdim=False):
    """torch.linalg.norm: vector norm for 1-D input or an int dim, matrix norm for 2-D or a pair of dims."""
    x = as_tensor(x)
    if isinstance(dim, (int, np.integer)):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 1:
            if isinstance(ord, str):
                raise ValueError(f"norm: ord={ord!r} is a matrix norm but dim={dim} names one axis")
            return vector_norm(x, 2 if ord is None else ord, dim=dim, keepdim=keepdim)
        if len(dim) == 2:
            return matrix_norm(x, "fro" if ord is None else ord, dim=dim, keepdim=keepdim)
        raise ValueError(f"norm: dim must name 1 or 2 axes, got {dim}")
    if ord is None:
        return vector_norm(x, 2, dim=None, keepdim=keepdim)
    if x.ndim == 1:
        if isinstance(ord, str):
            raise ValueError(f"norm: ord={ord!r} is a matrix norm but the input is 1-D")
        return vector_norm(x, ord, keepdim=keepdim)
    if x.ndim == 2:
        return matrix_norm(x, ord, keepdim=keepdim)
    raise ValueError(f"norm: with ord={ord!r} and dim=None the input must be 1-D or 2-D, "
                     f"got shape {x.shape}")


def _check_float(op, x):
    if x.dtype.kind not in "fc":
        raise TypeError(f"{op}: expects a floating point tensor, got dtype {x.dtype}")


# ----- inv, det, slogdet, solve, cholesky (ops in ops/linalg_ext.py) -----------------------
def _check_square(op, A):
    _check_float(op, A)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"{op}: expects a square matrix or a batch of square matrices, got "
                         f"shape {A.shape}")


def _linalg_error(op, A, err):
    from numpy.linalg import LinAlgError
    return LinAlgError(f"{op}: the matrix of shape {A.shape} is singular or not positive "
                       f"definite ({err})")


def _apply_ext(cls, op, A, *rest):
    from numpy.linalg import LinAlgError
    try:
        return cls.apply(A, *rest)
    except LinAlgError as err:
        raise _linalg_error(op, A, str(err).split(": ")[-1]) from None


def inv(A):
    """A⁻¹ (batched); dA = -A⁻ᵀ G A⁻ᵀ."""
    from .ops.linalg_ext import Inv
    A = as_tensor(A)
    _check_square("inv", A)
    return _apply_ext(Inv, "inv", A)


def det(A):
    """det A (batched); d det A = det A · A⁻ᵀ (needs A invertible)."""
    from .ops.linalg_ext import Det
    A = as_tensor(A)
    _check_square("det", A)
    return Det.apply(A)


def slogdet(A):
    """(sign, log|det A|) as a named tuple; only logabsdet has a gradient, A⁻ᵀ."""
    from collections import namedtuple
    from .ops.linalg_ext import Slogdet
    A = as_tensor(A)
    _check_square("slogdet", A)
    logabs = Slogdet.apply(A)
    sign = engine.Tensor(np.linalg.slogdet(A.data)[0])
    return namedtuple("SlogdetResult", ["sign", "logabsdet"])(sign, logabs)


def solve(A, B, left=True):
    """X with A X = B (left=True) or X A = B (left=False); B a matrix (..., n, k) or vector (..., n)."""
    from .ops.linalg_ext import Solve
    A, B = as_tensor(A), as_tensor(B)
    _check_square("solve", A)
    _check_float("solve", B)
    if not left:
        return solve(A.mT, B.mT).mT
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    n = A.shape[-1]
    if B.ndim == 0 or B.shape[-1 if vector else -2] != n:
        raise ValueError(f"solve: A of shape {A.shape} and B of shape {B.shape} do not fit "
                         f"(B needs {n} rows)")
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-1] if vector else B.shape[:-2])
    A = A.expand(batch + A.shape[-2:])
    B = B.expand(batch + (B.shape[-1:] if vector else B.shape[-2:]))
    return _apply_ext(Solve, "solve", A, B)


def cholesky(A, upper=False):
    """Lower-triangular L with A = L Lᵀ (Lᵀ if upper=True); reads the lower triangle of A."""
    from .ops.linalg_ext import Cholesky
    A = as_tensor(A)
    _check_square("cholesky", A)
    L = _apply_ext(Cholesky, "cholesky", A)
    return L.mT if upper else L
