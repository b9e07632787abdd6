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
    TriSolve  x = op(L)⁻¹ b      db = op(L)⁻ᵀ g, dL = tril(-db xᵀ) (op(L) = tril L) or tril(-x dbᵀ) (its transpose)
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

    def forward(self, a):
        return np.linalg.inv(a)

    def vjp(self, g, out, a):          # d(A⁻¹) = -A⁻¹ dA A⁻¹
        xt = mT(out)
        return (-(xt @ g @ xt),)


class Det(Function):

    def forward(self, a):
        return np.linalg.det(a)

    def vjp(self, g, out, a):          # d det A = det A tr(A⁻¹ dA)
        scale = _unsqueeze(_unsqueeze(g * out, -1), -1)
        return (scale * mT(_inv(a)),)


class Slogdet(Function):
    """log|det A| (the sign is returned separately, without a gradient)."""
    needs_out = False

    def forward(self, a):
        self.sign, logabs = np.linalg.slogdet(a)
        return logabs

    def vjp(self, g, out, a):          # d log|det A| = tr(A⁻¹ dA)
        return (_unsqueeze(_unsqueeze(g, -1), -1) * mT(_inv(a)),)


class Solve(Function):
    """X with A X = B; B is a matrix (..., n, k) or a batch of vectors (..., n)."""
    saved_inputs = (0,)

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

    def forward(self, a):
        return np.linalg.cholesky(a)

    def vjp(self, g, out, a):
        n = data(out).shape[-1]
        phi = np.tril(np.ones((n, n), dtype=data(out).dtype), -1) + 0.5 * np.eye(n)
        linv = _inv(out)
        s = mT(linv) @ ((mT(out) @ g) * phi) @ linv
        return (0.5 * (s + mT(s)),)


def _tri_solve(L, b, trans):
    """op(tril L)^-1 b on ndarrays; (d, d) with (..., d) or broadcast batches (..., d, d)."""
    A = np.tril(L)
    if trans:
        A = np.swapaxes(A, -1, -2)
    d = A.shape[-1]
    if A.ndim == 2:                                   # one matrix, many vectors: one solve
        flat = b.reshape(-1, d).T                     # (d, N)
        return np.linalg.solve(A, flat).T.reshape(b.shape)
    batch = np.broadcast_shapes(A.shape[:-2], b.shape[:-1])
    A = np.broadcast_to(A, batch + (d, d))
    b = np.broadcast_to(b, batch + (d,))
    return np.linalg.solve(A, b[..., None])[..., 0]


class TriSolve(Function):
    """x = op(L)^-1 b with op(L) = tril(L) (trans=False) or tril(L)^T (trans=True)."""
    saved_inputs = (0,)

    def forward(self, L, b):
        return _tri_solve(L, b, self.trans)

    def vjp(self, g, out, L, b):
        # x = A^-1 b:  db = A^-T g,  dA = -db x^T
        # A = tril L -> dL = tril(dA);  A = tril(L)^T -> dL = tril(dA^T)
        db = tri_solve(L, g, not self.trans)
        gL = None
        if self.needs_grad(0):
            u, v = (db, out) if not self.trans else (out, db)   # dL = tril(-u v^T)
            outer = -(u.reshape(u.shape + (1,)) * v.reshape(v.shape[:-1] + (1,) + v.shape[-1:]))
            gL = outer * np.tril(np.ones(data(L).shape[-2:], dtype=data(L).dtype))
        return gL, (db if self.needs_grad(1) else None)


def tri_solve(L, b, trans=False):
    """op(tril L)^-1 b; differentiable in L and b when either is a Tensor."""
    if is_tensor(L) or is_tensor(b):
        return TriSolve.apply(L, b, trans=trans)
    return _tri_solve(L, b, trans)
