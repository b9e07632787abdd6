"""Binomial(total_count, probs=|logits=): successes in total_count Bernoulli trials."""
import numpy as np

from ..ops.special import lgamma
from ..tensor import Tensor
from . import constraints
from ._support import check_values
from .bernoulli import ProbsOrLogits, _one_of
from .distribution import Distribution, broadcast_all, generator_of, param, xlogy


class Binomial(ProbsOrLogits, Distribution):
    """Bin(n, p): log p(k) = log C(n, k) + k log p + (n - k) log(1 - p)
    = log C(n, k) + k l - n softplus(l), l = logit p."""
    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer     # and k <= total_count, checked in log_prob

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        _one_of("Binomial", probs, logits)
        self._given = "probs" if probs is not None else "logits"
        n = param(total_count, "Binomial", "total_count").detach()
        (self.total_count, given), shape = broadcast_all(
            "Binomial", total_count=n, **{self._given: probs if probs is not None else logits})
        setattr(self, self._given, given)
        super().__init__(shape, validate_args=validate_args)

    @property
    def mean(self):
        """n p."""
        return self.total_count * self.probs

    @property
    def variance(self):
        """n p (1 - p)."""
        return self.total_count * self.probs * (1.0 - self.probs)

    def log_prob(self, value):
        """log C(n, k) + k l - n softplus(l) from logits; + xlogy terms from probs."""
        k = self._value(value)
        n = self.total_count
        check_values(self, k, k.data <= n.data, "at most total_count", "log_prob")
        log_binom = lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0)
        if self._given == "logits":
            l = self.logits
            return log_binom + k * l - n * l.softplus()
        p = self.probs
        return log_binom + xlogy(k, p) + xlogy(n - k, 1.0 - p)

    def sample(self, sample_shape=(), generator=None):
        """Counts (as floats, like torch) drawn by numpy's binomial sampler; no graph."""
        rng = generator_of(generator, "Binomial.sample")
        p = self.probs.data
        k = rng.binomial(self.total_count.data.astype(np.int64), p,
                         self._extended_shape(sample_shape))
        return Tensor(k.astype(p.dtype))
