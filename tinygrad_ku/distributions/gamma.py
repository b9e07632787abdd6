"""Gamma(concentration, rate) and its special case Exponential(rate), on x >= 0."""
import numpy as np

from ..ops.special import digamma, lgamma
from ..tensor import Tensor
from . import constraints
from ._support import prob_value
from .distribution import Distribution, broadcast_all, generator_of, param, xlogy


class Gamma(Distribution):
    """Gamma(alpha, beta): log p(x) = alpha log beta + (alpha-1) log x - beta x - log Gamma(alpha)."""
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, concentration, rate, validate_args=None):
        (self.concentration, self.rate), shape = broadcast_all(
            "Gamma", concentration=concentration, rate=rate)
        super().__init__(shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def variance(self):
        return self.concentration / self.rate.square()

    def log_prob(self, value):
        """alpha log beta + (alpha - 1) log x - beta x - log Gamma(alpha)."""
        x = self._value(value)
        a, b = self.concentration, self.rate
        return a * b.log() + xlogy(a - 1.0, x) - b * x - lgamma(a)

    def entropy(self):
        """alpha - log beta + log Gamma(alpha) + (1 - alpha) psi(alpha)."""
        a = self.concentration
        return a - self.rate.log() + lgamma(a) + (1.0 - a) * digamma(a)

    def sample(self, sample_shape=(), generator=None):
        """Draws by numpy's Gamma sampler (shape alpha, scale 1 / beta); no graph."""
        rng = generator_of(generator, "Gamma.sample")
        shape = self._extended_shape(sample_shape)
        x = rng.gamma(self.concentration.data, 1.0 / self.rate.data, shape)
        return Tensor(x.astype(self.rate.dtype, copy=False))


class Exponential(Distribution):
    """Exponential(lambda): log p(x) = log lambda - lambda x, x >= 0."""
    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        self.rate = param(rate, "Exponential", "rate")
        super().__init__(self.rate.shape, validate_args=validate_args)

    @property
    def mean(self):
        return 1.0 / self.rate

    @property
    def variance(self):
        return 1.0 / self.rate.square()

    @property
    def stddev(self):
        return 1.0 / self.rate

    def log_prob(self, value):
        """log lambda - lambda x."""
        x = self._value(value)
        return self.rate.log() - self.rate * x

    def entropy(self):
        """1 - log lambda."""
        return 1.0 - self.rate.log()

    def cdf(self, value):
        """1 - exp(-lambda x), as -expm1(-lambda x)."""
        x = self._value(value, "cdf")
        return -(-self.rate * x).expm1()

    def icdf(self, value):
        """-log1p(-p) / lambda; inf at p = 1."""
        p = prob_value(self, value)
        with np.errstate(divide="ignore"):
            return -(-p).log1p() / self.rate

    def rsample(self, sample_shape=(), generator=None):
        """e / lambda with e ~ Exp(1): differentiable in lambda."""
        rng = generator_of(generator, "Exponential.sample")
        e = rng.standard_exponential(self._extended_shape(sample_shape))
        return Tensor(e.astype(self.rate.dtype, copy=False)) / self.rate
