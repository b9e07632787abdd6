"""The triangular solve and Cholesky factor MultivariateNormal works through."""
from ..ops.linalg_ext import tri_solve  # noqa: F401


def cholesky(cov):
    """The lower Cholesky factor L of cov = L L^T, differentiable (tg.linalg.cholesky)."""
    from .. import linalg
    return linalg.cholesky(cov)
