"""`transform_to(constraint)`: a map from unconstrained values onto a constraint's region, as in
torch.distributions.transform_to.

An optimiser works on u ∈ ℝᴾ; `t = transform_to(c)` gives the natural value θ = t(u)
(a differentiable Tensor function, so the engine differentiates through it to any
order), `t.inv(θ)` the way back on ndarrays (accurate at extreme values), and
`t.unconstrained_shape(shape)` the shape of u for a parameter of that shape.

    real, real_vector   θ = u
    positive            θ = exp u                          u = log θ
    greater_than(c)     θ = c + exp u                      u = log(θ − c)
    unit_interval       θ = sigmoid u                      u = log θ − log1p(−θ)
    interval(a, b)      θ = a + (b − a) sigmoid u          u = log(θ − a) − log(b − θ)
    simplex             θ = softmax([u, 0]) (last axis)    u = log θ[:-1] − log θ[-1]
    lower_cholesky      L from D(D+1)/2 values row by row, exp on the diagonal

The simplex map is the multinomial logit with the LAST category as reference, so a
K-vector has K − 1 free (identified) values.

>>> t = transform_to(constraints.positive)
>>> float(t(Tensor(0.0)))
1.0
"""
import numpy as np

from ..tensor import Tensor, as_tensor, cat
from . import constraints

__all__ = ["Transform", "IdentityTransform", "ExpTransform", "SigmoidTransform",
           "SoftmaxRefTransform", "LowerCholeskyTransform", "transform_to"]


class Transform:
    """θ = t(u) onto `constraint`; `inv(θ)` back; `unconstrained_shape(shape)` the shape of u."""
    constraint = constraints.real

    def __call__(self, u):
        raise NotImplementedError

    def inv(self, x):
        raise NotImplementedError

    def unconstrained_shape(self, shape):
        """The shape of u for a natural value of `shape` (the same, except simplex/cholesky)."""
        return tuple(shape)

    def _inside(self, x, what):
        """x as float64, or a ValueError if any unit lies outside (or on the edge of) the region."""
        x = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
        ok = np.asarray(self.constraint.check(x)) & np.asarray(self._interior(x))
        if not np.all(ok):
            bad = x[~ok] if self.constraint.event_dim == 0 else x.reshape(
                (-1,) + x.shape[x.ndim - self.constraint.event_dim:])[~ok.reshape(-1)][0]
            raise ValueError(f"{type(self).__name__}.inv: {what} must be {self.constraint} and "
                             f"strictly inside (its unconstrained value is infinite on the "
                             f"edge), got {np.array2string(np.asarray(bad), threshold=6)}")
        return x

    def _interior(self, x):
        return True

    def __repr__(self):
        return f"{type(self).__name__}()"


class IdentityTransform(Transform):
    """θ = u (real)."""

    def __init__(self, constraint=constraints.real):
        self.constraint = constraint

    def __call__(self, u):
        return as_tensor(u)

    def inv(self, x):
        return self._inside(x, "the value").copy()


class ExpTransform(Transform):
    """θ = lower + exp u (positive: lower = 0); inv θ = log(θ − lower)."""

    def __init__(self, lower=0.0, constraint=None):
        self.lower = float(lower)
        self.constraint = constraint or (constraints.positive if self.lower == 0
                                         else constraints.greater_than(self.lower))

    def __call__(self, u):
        e = as_tensor(u).exp()
        return e if self.lower == 0 else e + self.lower

    def inv(self, x):
        x = self._inside(x, "the value")
        return np.log(x - self.lower)

    def _interior(self, x):
        return x > self.lower

    def __repr__(self):
        return f"ExpTransform(lower={self.lower:g})"


class SigmoidTransform(Transform):
    """θ = a + (b − a) sigmoid u (unit_interval: a, b = 0, 1); inv θ = log(θ − a) − log(b − θ)."""

    def __init__(self, lower=0.0, upper=1.0, constraint=None):
        self.lower, self.upper = float(lower), float(upper)
        if not self.lower < self.upper:
            raise ValueError(f"SigmoidTransform: needs lower < upper, got [{lower}, {upper}]")
        self.constraint = constraint or (constraints.unit_interval if (self.lower, self.upper)
                                         == (0.0, 1.0) else constraints.interval(lower, upper))

    def __call__(self, u):
        s = as_tensor(u).sigmoid()
        if (self.lower, self.upper) == (0.0, 1.0):
            return s
        return self.lower + (self.upper - self.lower) * s

    def inv(self, x):
        x = self._inside(x, "the value")
        if (self.lower, self.upper) == (0.0, 1.0):
            return np.log(x) - np.log1p(-x)      # 1 − x is exact for x ≥ 1/2, log1p exact-ish below
        return np.log(x - self.lower) - np.log(self.upper - x)

    def _interior(self, x):
        return (x > self.lower) & (x < self.upper)

    def __repr__(self):
        return f"SigmoidTransform(lower={self.lower:g}, upper={self.upper:g})"


class SoftmaxRefTransform(Transform):
    """θ = softmax([u, 0]) along the last axis (K − 1 values -> K probabilities; the last is the
    reference); inv θ = log θ[..., :-1] − log θ[..., -1]."""
    constraint = constraints.simplex

    def __call__(self, u):
        u = as_tensor(u)
        zero = Tensor(np.zeros(u.shape[:-1] + (1,), dtype=u.dtype))
        return cat([u, zero], dim=-1).softmax(-1)

    def inv(self, x):
        x = self._inside(x, "the probability vector")
        return np.log(x[..., :-1]) - np.log(x[..., -1:])

    def _interior(self, x):
        return np.all(x > 0, axis=-1)

    def unconstrained_shape(self, shape):
        shape = tuple(shape)
        if not shape or shape[-1] < 1:
            raise ValueError(f"SoftmaxRefTransform: a simplex parameter needs a last axis of "
                             f"length >= 1, got shape {shape}")
        return shape[:-1] + (shape[-1] - 1,)


class LowerCholeskyTransform(Transform):
    """A vector of D(D+1)/2 values -> lower-triangular L (D, D), filled row by row
    (L[0,0], L[1,0], L[1,1], L[2,0], ...) with exp on the diagonal; inv reads them back."""
    constraint = constraints.lower_cholesky

    @staticmethod
    def _dim(m):
        d = int(round((np.sqrt(8 * m + 1) - 1) / 2))
        if d * (d + 1) // 2 != m:
            raise ValueError(f"LowerCholeskyTransform: the last axis must hold D(D+1)/2 values, "
                             f"got {m}")
        return d

    @staticmethod
    def _layout(d):
        rows, cols = np.tril_indices(d)                    # row by row
        diag = np.flatnonzero(rows == cols)
        off = np.flatnonzero(rows != cols)
        embed_diag = np.zeros((diag.size, d * d))          # (D, D·D): diagonal entry -> cell
        embed_diag[np.arange(diag.size), rows[diag] * d + cols[diag]] = 1.0
        embed_off = np.zeros((off.size, d * d))            # (M − D, D·D)
        embed_off[np.arange(off.size), rows[off] * d + cols[off]] = 1.0
        return rows, cols, diag, off, embed_diag, embed_off

    def __call__(self, u):
        u = as_tensor(u)
        d = self._dim(u.shape[-1])
        _, _, diag, off, embed_diag, embed_off = self._layout(d)
        flat = u[..., diag].exp() @ embed_diag             # (..., D) @ (D, D·D)
        if off.size:
            flat = flat + u[..., off] @ embed_off
        return flat.reshape(u.shape[:-1] + (d, d))

    def inv(self, x):
        x = self._inside(x, "the matrix")
        d = x.shape[-1]
        rows, cols, diag, _, _, _ = self._layout(d)
        v = x[..., rows, cols].copy()
        v[..., diag] = np.log(v[..., diag])
        return v

    def unconstrained_shape(self, shape):
        shape = tuple(shape)
        if len(shape) < 2 or shape[-1] != shape[-2]:
            raise ValueError(f"LowerCholeskyTransform: needs square matrices (..., D, D), got "
                             f"shape {shape}")
        d = shape[-1]
        return shape[:-2] + (d * (d + 1) // 2,)


def transform_to(constraint):
    """The Transform from ℝᴾ onto `constraint` (torch.distributions.transform_to)."""
    if isinstance(constraint, (constraints._Real, constraints._RealVector)):
        return IdentityTransform(constraint)
    if isinstance(constraint, (constraints._GreaterThan, constraints._GreaterThanEq)):
        return ExpTransform(constraint.lower, constraint)
    if isinstance(constraint, constraints._Interval):
        return SigmoidTransform(constraint.lower, constraint.upper, constraint)
    if isinstance(constraint, constraints._Simplex):
        return SoftmaxRefTransform()
    if isinstance(constraint, constraints._LowerCholesky):
        return LowerCholeskyTransform()
    raise NotImplementedError(
        f"transform_to: no transform onto {constraint!r} (supported: real, real_vector, positive, "
        f"greater_than(c), unit_interval, interval(a, b), simplex, lower_cholesky)")
