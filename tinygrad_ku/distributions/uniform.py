"""Uniform(low, high) on the half-open interval [low, high), as torch.distributions.Uniform."""
import numpy as np

from ..tensor import Tensor, where
from . import constraints
from ._support import check_values, prob_value
from .distribution import Distribution, broadcast_all, generator_of


class Uniform(Distribution):
    """U(a, b): log p(x) = -log(b - a) on a <= x < b (-inf outside, when validation is off)."""
    arg_constraints = {"low": constraints.real, "high": constraints.real}
    support = constraints.real          # the value is further checked to lie in [low, high)
    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        (self.low, self.high), shape = broadcast_all("Uniform", low=low, high=high)
        super().__init__(shape, validate_args=validate_args)
        if self._validate_args:
            bad = ~(self.low.data < self.high.data)
            if np.any(bad):
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                where_ = f" at index {idx}" if idx else ""
                raise ValueError(f"Uniform: argument 'low' must be less than 'high', got low="
                                 f"{self.low.data[idx].item()!r}, high="
                                 f"{self.high.data[idx].item()!r}{where_}")

    @property
    def mean(self):
        return (self.low + self.high) * 0.5

    @property
    def variance(self):
        """(b - a)^2 / 12."""
        return (self.high - self.low).square() / 12.0

    def _in_support(self, value, op):
        x = self._value(value, op)
        ok = (self.low.data <= x.data) & (x.data < self.high.data)
        check_values(self, x, ok, "in the half-open interval [low, high)", op)
        return x, ok

    def log_prob(self, value):
        """-log(b - a) inside [a, b), -inf outside."""
        x, ok = self._in_support(value, "log_prob")
        lp = -(self.high - self.low).log()
        if np.all(ok):
            return lp.expand(np.broadcast_shapes(x.shape, lp.shape))
        return where(ok, lp, -np.inf)

    def cdf(self, value):
        """(x - a) / (b - a), clamped to [0, 1]."""
        x, _ = self._in_support(value, "cdf")
        return ((x - self.low) / (self.high - self.low)).clamp(0.0, 1.0)

    def icdf(self, value):
        """a + p (b - a)."""
        p = prob_value(self, value)
        return p * (self.high - self.low) + self.low

    def entropy(self):
        """log(b - a)."""
        return (self.high - self.low).log()

    def rsample(self, sample_shape=(), generator=None):
        """a + (b - a) u, u ~ U[0, 1): differentiable in a and b."""
        rng = generator_of(generator, "Uniform.sample")
        u = rng.random(self._extended_shape(sample_shape))
        return self.low + (self.high - self.low) * Tensor(u.astype(self.low.dtype, copy=False))
