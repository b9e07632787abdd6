"""Matrix functions with gradients: inv, det, slogdet, solve, cholesky (batched over leading axes).

Every vjp is written with operators, `mT` and the differentiable ops of this
module, so under create_graph it records Tensor ops and second derivatives are
exact. The formulas (A square, invertible where needed; G the incoming gradient):
    Inv       X = A⁻¹            dA = -Xᵀ G Xᵀ
    Det       d = det A          dA = g d A⁻ᵀ
    Slogdet   l = log|det A|     dA = g A⁻ᵀ
    Solve     X = A⁻¹ B          dB = A⁻ᵀ G,  dA = -dB Xᵀ
    Cholesky  A = L Lᵀ           dA = sym(L⁻ᵀ Φ(Lᵀ G) L⁻¹), Φ = lower triangle with halved diagonal,
                                 sym(S) = (S + Sᵀ)/2 (the gradient of a function of a symmetric A)
Det's and Slogdet's gradients need A invertible (at a singular A they are nan/inf).
"""
import numpy as np

from ..engine import Function
from ._dispatch import data, is_tensor, mT


def _inv(x):
    return Inv.apply(x) if is_tensor(x) else np.linalg.inv(x)


def _solve(a, b):
    return Solve.apply(a, b) if is_tensor(a) or is_tensor(b) else _np_solve(a, b)


def _np_solve(a, b):
    if b.ndim == a.ndim - 1:           # a batch of vectors
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


def _unsqueeze(x, axis):
    return x.unsqueeze(axis) if is_tensor(x) else np.expand_dims(x, axis)


class Inv(Function):
    saved_inputs = ()
    needs_out = True

    def forward(self, a):
        return np.linalg.inv(a)

    def vjp(self, g, out, a):          # d(A⁻¹) = -A⁻¹ dA A⁻¹
        xt = mT(out)
        return (-(xt @ g @ xt),)


class Det(Function):
    needs_out = True

    def forward(self, a):
        return np.linalg.det(a)

    def vjp(self, g, out, a):          # d det A = det A tr(A⁻¹ dA)
        scale = _unsqueeze(_unsqueeze(g * out, -1), -1)
        return (scale * mT(_inv(a)),)


class Slogdet(Function):
    """log|det A| (the sign is returned separately, without a gradient)."""
    def forward(self, a):
        self.sign, logabs = np.linalg.slogdet(a)
        return logabs

    def vjp(self, g, out, a):          # d log|det A| = tr(A⁻¹ dA)
        return (_unsqueeze(_unsqueeze(g, -1), -1) * mT(_inv(a)),)


class Solve(Function):
    """X with A X = B; B is a matrix (..., n, k) or a batch of vectors (..., n)."""
    saved_inputs = (0,)
    needs_out = True

    def forward(self, a, b):
        return _np_solve(a, b)

    def vjp(self, g, out, a, b):
        gb = _solve(mT(a), g)          # Aᵀ dB = G
        ga = None
        if self.needs_grad(0):
            if data(b).ndim == data(a).ndim - 1:    # vectors: -dB xᵀ
                ga = -(_unsqueeze(gb, -1) * _unsqueeze(out, -2))
            else:
                ga = -(gb @ mT(out))
        return ga, (gb if self.needs_grad(1) else None)


class Cholesky(Function):
    """Lower-triangular L with A = L Lᵀ (reads the lower triangle of A, like LAPACK)."""
    saved_inputs = ()
    needs_out = True

    def forward(self, a):
        return np.linalg.cholesky(a)

    def vjp(self, g, out, a):
        n = data(out).shape[-1]
        phi = np.tril(np.ones((n, n), dtype=data(out).dtype), -1) + 0.5 * np.eye(n)
        linv = _inv(out)
        s = mT(linv) @ ((mT(out) @ g) * phi) @ linv
        return (0.5 * (s + mT(s)),)
