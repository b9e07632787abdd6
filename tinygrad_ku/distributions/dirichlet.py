"""Dirichlet(concentration) on the probability simplex (the last axis is the event)."""
import numpy as np

from ..ops.special import digamma, lgamma
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, generator_of, param, xlogy


class _PositiveVector(constraints.Constraint):
    event_dim = 1

    def check(self, x):
        return np.all(x > 0, axis=-1)

    def explain(self, unit):
        return f" (it has entries <= 0: {unit[~(unit > 0)].tolist()})"

    def __str__(self):
        return "a vector of positive entries along the last dim"


class Dirichlet(Distribution):
    """Dir(alpha): log p(x) = sum_i (alpha_i - 1) log x_i + log Gamma(alpha_0)
    - sum_i log Gamma(alpha_i), alpha_0 = sum_i alpha_i."""
    arg_constraints = {"concentration": _PositiveVector()}
    support = constraints.simplex

    def __init__(self, concentration, validate_args=None):
        a = param(concentration, "Dirichlet", "concentration")
        if a.ndim == 0:
            raise ValueError(f"Dirichlet: argument 'concentration' must have at least one "
                             f"dimension (the K components), got shape {a.shape}")
        self.concentration = a
        super().__init__(a.shape[:-1], a.shape[-1:], validate_args=validate_args)

    @property
    def mean(self):
        """alpha / alpha_0."""
        a = self.concentration
        return a / a.sum(-1, keepdim=True)

    @property
    def mode(self):
        """(alpha - 1) / (alpha_0 - K), defined when every alpha_i > 1."""
        a = self.concentration
        return (a - 1.0) / (a.sum(-1, keepdim=True) - a.shape[-1])

    @property
    def variance(self):
        """alpha_i (alpha_0 - alpha_i) / (alpha_0^2 (alpha_0 + 1))."""
        a = self.concentration
        a0 = a.sum(-1, keepdim=True)
        return a * (a0 - a) / (a0.square() * (a0 + 1.0))

    def log_prob(self, value):
        """sum (alpha - 1) log x + log Gamma(alpha_0) - sum log Gamma(alpha)."""
        x = self._value(value)
        a = self.concentration
        return (xlogy(a - 1.0, x).sum(-1) + lgamma(a.sum(-1)) - lgamma(a).sum(-1))

    def entropy(self):
        """sum log Gamma(alpha) - log Gamma(alpha_0) + (alpha_0 - K) psi(alpha_0)
        - sum (alpha - 1) psi(alpha)."""
        a = self.concentration
        k = a.shape[-1]
        a0 = a.sum(-1)
        return (lgamma(a).sum(-1) - lgamma(a0) + (a0 - k) * digamma(a0)
                - ((a - 1.0) * digamma(a)).sum(-1))

    def sample(self, sample_shape=(), generator=None):
        """Normalised Gamma(alpha_i, 1) draws; no graph."""
        rng = generator_of(generator, "Dirichlet.sample")
        shape = self._extended_shape(sample_shape)
        g = rng.standard_gamma(np.broadcast_to(self.concentration.data, shape))
        x = g / g.sum(-1, keepdims=True)
        return Tensor(x.astype(self.concentration.dtype, copy=False))
