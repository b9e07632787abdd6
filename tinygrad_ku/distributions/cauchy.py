"""Cauchy(loc, scale) on the real line: no mean, no variance (NaN and inf, as torch)."""
import math

import numpy as np

from ..tensor import Tensor
from . import constraints
from ._support import prob_value
from .distribution import Distribution, broadcast_all, generator_of

_LOG_PI = math.log(math.pi)


class Cauchy(Distribution):
    """Cauchy(x0, gamma): log p(x) = -log pi - log gamma - log(1 + ((x - x0) / gamma)^2)."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        (self.loc, self.scale), shape = broadcast_all("Cauchy", loc=loc, scale=scale)
        super().__init__(shape, validate_args=validate_args)

    @property
    def mean(self):
        """Undefined: NaN (as torch)."""
        return Tensor(np.full(self._batch_shape, np.nan, dtype=self.loc.dtype))

    @property
    def variance(self):
        """Infinite (as torch)."""
        return Tensor(np.full(self._batch_shape, np.inf, dtype=self.loc.dtype))

    def log_prob(self, value):
        """-log pi - log gamma - log1p(z^2), z = (x - x0) / gamma."""
        x = self._value(value)
        z = (x - self.loc) / self.scale
        return -z.square().log1p() - self.scale.log() - _LOG_PI

    def cdf(self, value):
        """atan(z) / pi + 1/2."""
        x = self._value(value, "cdf")
        return ((x - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value):
        """x0 + gamma tan(pi (p - 1/2))."""
        p = prob_value(self, value)
        return ((p - 0.5) * math.pi).tan() * self.scale + self.loc

    def entropy(self):
        """log(4 pi gamma)."""
        return self.scale.log() + math.log(4 * math.pi)

    def rsample(self, sample_shape=(), generator=None):
        """x0 + gamma e, e ~ Cauchy(0, 1): differentiable in x0 and gamma."""
        rng = generator_of(generator, "Cauchy.sample")
        e = rng.standard_cauchy(self._extended_shape(sample_shape))
        return self.loc + self.scale * Tensor(e.astype(self.loc.dtype, copy=False))
