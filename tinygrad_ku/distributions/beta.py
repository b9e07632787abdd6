"""Beta(concentration1, concentration0) on [0, 1] (a = concentration1, b = concentration0)."""
from ..ops.special import digamma, lgamma
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, broadcast_all, generator_of, xlogy


def _lbeta(a, b):
    """log B(a, b) = log Gamma(a) + log Gamma(b) - log Gamma(a + b)."""
    return lgamma(a) + lgamma(b) - lgamma(a + b)


class Beta(Distribution):
    """Beta(a, b): log p(x) = (a - 1) log x + (b - 1) log(1 - x) - log B(a, b)."""
    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval

    def __init__(self, concentration1, concentration0, validate_args=None):
        (self.concentration1, self.concentration0), shape = broadcast_all(
            "Beta", concentration1=concentration1, concentration0=concentration0)
        super().__init__(shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def variance(self):
        """a b / ((a + b)^2 (a + b + 1))."""
        a, b = self.concentration1, self.concentration0
        total = a + b
        return a * b / (total.square() * (total + 1.0))

    def log_prob(self, value):
        """(a - 1) log x + (b - 1) log(1 - x) - log B(a, b)."""
        x = self._value(value)
        a, b = self.concentration1, self.concentration0
        return xlogy(a - 1.0, x) + xlogy(b - 1.0, 1.0 - x) - _lbeta(a, b)

    def entropy(self):
        """log B(a, b) - (a - 1) psi(a) - (b - 1) psi(b) + (a + b - 2) psi(a + b)."""
        a, b = self.concentration1, self.concentration0
        return (_lbeta(a, b) - (a - 1.0) * digamma(a) - (b - 1.0) * digamma(b)
                + (a + b - 2.0) * digamma(a + b))

    def sample(self, sample_shape=(), generator=None):
        """Draws by numpy's Beta sampler; no graph."""
        rng = generator_of(generator, "Beta.sample")
        a, b = self.concentration1.data, self.concentration0.data
        x = rng.beta(a, b, self._extended_shape(sample_shape))
        return Tensor(x.astype(self.concentration1.dtype, copy=False))
