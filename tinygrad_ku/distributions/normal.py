"""Normal(loc, scale) and Laplace(loc, scale): location-scale families on the real line."""
import math

import numpy as np

from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, broadcast_all, generator_of, param

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class _LocationScale(Distribution):
    """A family on the real line with a location `loc` and a positive `scale`."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        name = type(self).__name__
        (self.loc, self.scale), shape = broadcast_all(
            name, loc=param(loc, name, "loc"), scale=param(scale, name, "scale"))
        super().__init__(shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.loc


class Normal(_LocationScale):
    """N(loc, scale^2): log p(x) = -(x - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2."""

    @property
    def variance(self):
        return self.scale.square()

    @property
    def stddev(self):
        return self.scale

    def log_prob(self, value):
        """-(x - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2."""
        x = self._value(value)
        return -((x - self.loc) / self.scale).square() * 0.5 - self.scale.log() - _HALF_LOG_2PI

    def entropy(self):
        """1/2 + log(2 pi)/2 + log sigma."""
        return self.scale.log() + (0.5 + _HALF_LOG_2PI)

    def rsample(self, sample_shape=(), generator=None):
        """mu + sigma eps, eps ~ N(0, 1): differentiable in mu and sigma."""
        rng = generator_of(generator, "Normal.sample")
        eps = rng.standard_normal(self._extended_shape(sample_shape))
        return self.loc + self.scale * Tensor(eps.astype(self.loc.dtype, copy=False))


class Laplace(_LocationScale):
    """Laplace(loc, scale): log p(x) = -|x - mu| / b - log(2 b)."""

    @property
    def variance(self):
        return self.scale.square() * 2.0

    def log_prob(self, value):
        """-|x - mu| / b - log(2 b); d/dx at x = mu is 0 (sign(0) = 0)."""
        x = self._value(value)
        return -(x - self.loc).abs() / self.scale - (self.scale * 2.0).log()

    def entropy(self):
        """1 + log(2 b)."""
        return (self.scale * 2.0).log() + 1.0

    def rsample(self, sample_shape=(), generator=None):
        """mu - b sign(u) log(1 - |u|), u ~ U(-1, 1) (inverse CDF): differentiable in mu, b."""
        rng = generator_of(generator, "Laplace.sample")
        u = rng.uniform(np.nextafter(-1.0, 0.0), 1.0, self._extended_shape(sample_shape))
        eps = -np.sign(u) * np.log1p(-np.abs(u))
        return self.loc + self.scale * Tensor(eps.astype(self.loc.dtype, copy=False))
