"""MultivariateNormal(loc, covariance_matrix=|scale_tril=), computed through the Cholesky factor L.

With Sigma = L L^T and z = L^-1 (x - mu) (a triangular solve, never an inverse):
log p(x) = -|z|^2 / 2 - sum_i log L_ii - d log(2 pi) / 2.
"""
import math

import numpy as np

from ..ops.linalg_ext import tri_solve
from ..tensor import Tensor
from . import constraints
from ._linalg import cholesky
from .distribution import Distribution, generator_of, lazy_property, param


def _diagonal(M):
    """The diagonal of each matrix in a batch (..., d, d) -> (..., d), differentiable."""
    return (M * np.eye(M.shape[-1], dtype=M.dtype)).sum(-1)


class MultivariateNormal(Distribution):
    """N(mu, Sigma = L L^T): log p(x) = -|L^-1 (x - mu)|^2 / 2 - log det L - d log(2 pi) / 2."""
    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, scale_tril=None, validate_args=None):
        name = "MultivariateNormal"
        if (covariance_matrix is None) == (scale_tril is None):
            raise ValueError(f"{name}: pass exactly one of covariance_matrix= or scale_tril= "
                             f"(got {'both' if scale_tril is not None else 'neither'})")
        loc = param(loc, name, "loc")
        given = "scale_tril" if scale_tril is not None else "covariance_matrix"
        M = param(scale_tril if scale_tril is not None else covariance_matrix, name, given)
        if loc.ndim < 1:
            raise ValueError(f"{name}: loc must be at least one-dimensional, got shape {loc.shape}")
        if M.ndim < 2 or M.shape[-1] != M.shape[-2]:
            raise ValueError(f"{name}: {given} must be a square matrix or a batch of them, "
                             f"got shape {M.shape}")
        d = loc.shape[-1]
        if M.shape[-1] != d:
            raise ValueError(f"{name}: loc of shape {loc.shape} has {d} dimensions but {given} "
                             f"has shape {M.shape}")
        try:
            batch = np.broadcast_shapes(loc.shape[:-1], M.shape[:-2])
        except ValueError:
            raise ValueError(f"{name}: batch shapes of loc {loc.shape} and {given} {M.shape} "
                             f"cannot be broadcast together") from None
        self.loc = loc.expand(batch + (d,))
        setattr(self, given, M)
        super().__init__(batch, (d,), validate_args=validate_args)

    @lazy_property
    def scale_tril(self):
        """L, the lower Cholesky factor of the covariance: Sigma = L L^T."""
        return cholesky(self.covariance_matrix)

    @lazy_property
    def covariance_matrix(self):
        """Sigma = L L^T."""
        L = self.scale_tril
        return L @ L.mT

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        """diag(Sigma)_i = sum_j L_ij^2, over the batch."""
        return self.scale_tril.square().sum(-1).expand(self._batch_shape + self._event_shape)

    def _half_log_det(self):
        """log det L = sum_i log L_ii = log det(Sigma) / 2."""
        return _diagonal(self.scale_tril).log().sum(-1)

    def log_prob(self, value):
        """-|L^-1 (x - mu)|^2 / 2 - sum_i log L_ii - d log(2 pi) / 2."""
        x = self._value(value)
        z = tri_solve(self.scale_tril, x - self.loc)             # (..., d)
        d = self._event_shape[0]
        return -0.5 * z.square().sum(-1) - self._half_log_det() - 0.5 * d * math.log(2 * math.pi)

    def entropy(self):
        """d (1 + log 2 pi) / 2 + sum_i log L_ii."""
        d = self._event_shape[0]
        h = self._half_log_det() + 0.5 * d * (1.0 + math.log(2 * math.pi))
        return h.expand(self._batch_shape)

    def rsample(self, sample_shape=(), generator=None):
        """mu + L eps, eps ~ N(0, I): differentiable in mu and L."""
        rng = generator_of(generator, "MultivariateNormal.sample")
        eps = rng.standard_normal(self._extended_shape(sample_shape))   # (..., d)
        eps = Tensor(eps.astype(self.loc.dtype, copy=False))
        L = self.scale_tril
        return self.loc + (L @ eps.reshape(eps.shape + (1,))).reshape(eps.shape)
