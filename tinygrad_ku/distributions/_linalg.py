"""Triangular solves with gradients, and the Cholesky factor MultivariateNormal works through.

tri_solve(L, b) solves op(L) x = b for a batch of vectors b (..., d), where op(L)
is tril(L) or its transpose; only the lower triangle of L is read.
"""
import numpy as np

from ..engine import Function
from ..ops._dispatch import data, is_tensor


def _solve(L, b, trans):
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
    needs_out = True

    def forward(self, L, b, trans=False):
        self.trans = trans
        return _solve(L, b, trans)

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
    return _solve(L, b, trans)


def cholesky(cov):
    """The lower Cholesky factor L of cov = L L^T, differentiable (tg.linalg.cholesky)."""
    from .. import linalg
    return linalg.cholesky(cov)
