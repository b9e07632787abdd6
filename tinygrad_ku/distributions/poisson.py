"""Poisson(rate) on the non-negative integers."""
from ..ops.special import lgamma
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, generator_of, param, xlogy


class Poisson(Distribution):
    """Poisson(lambda): log p(k) = k log lambda - lambda - log k!."""
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        self.rate = param(rate, "Poisson", "rate")
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.rate

    @property
    def variance(self):
        return self.rate

    def log_prob(self, value):
        """k log lambda - lambda - log Gamma(k + 1), with 0 log 0 = 0 (p(0) = 1 if lambda = 0)."""
        k = self._value(value)
        return xlogy(k, self.rate) - self.rate - lgamma(k + 1.0)

    def sample(self, sample_shape=(), generator=None):
        """Counts (as floats, like torch) drawn by numpy's Poisson sampler; no graph."""
        rng = generator_of(generator, "Poisson.sample")
        k = rng.poisson(self.rate.data, self._extended_shape(sample_shape))
        return Tensor(k.astype(self.rate.dtype))
