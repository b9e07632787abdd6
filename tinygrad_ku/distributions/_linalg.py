"""The Cholesky factor MultivariateNormal works through."""


def cholesky(cov):
    """The lower Cholesky factor L of cov = L L^T, differentiable (tg.linalg.cholesky)."""
    from .. import linalg
    return linalg.cholesky(cov)
