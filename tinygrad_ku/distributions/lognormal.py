"""LogNormal(loc, scale): exp of a Normal(loc, scale) draw, on x > 0."""
import math

from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, broadcast_all, generator_of

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class LogNormal(Distribution):
    """log p(x) = -(log x - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2 - log x."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        (self.loc, self.scale), shape = broadcast_all("LogNormal", loc=loc, scale=scale)
        super().__init__(shape, validate_args=validate_args)

    @property
    def mean(self):
        """exp(mu + sigma^2 / 2)."""
        return (self.loc + self.scale.square() * 0.5).exp()

    @property
    def mode(self):
        """exp(mu - sigma^2)."""
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self):
        """(exp(sigma^2) - 1) exp(2 mu + sigma^2)."""
        s2 = self.scale.square()
        return s2.expm1() * (self.loc * 2.0 + s2).exp()

    def log_prob(self, value):
        """The Normal log density at log x, minus log x (the Jacobian)."""
        x = self._value(value)
        y = x.log()
        return -((y - self.loc) / self.scale).square() * 0.5 - self.scale.log() - \
            _HALF_LOG_2PI - y

    def entropy(self):
        """1/2 + log(2 pi)/2 + log sigma + mu."""
        return self.scale.log() + self.loc + (0.5 + _HALF_LOG_2PI)

    def rsample(self, sample_shape=(), generator=None):
        """exp(mu + sigma eps), eps ~ N(0, 1): differentiable in mu and sigma."""
        rng = generator_of(generator, "LogNormal.sample")
        eps = rng.standard_normal(self._extended_shape(sample_shape))
        return (self.loc + self.scale * Tensor(eps.astype(self.loc.dtype, copy=False))).exp()
