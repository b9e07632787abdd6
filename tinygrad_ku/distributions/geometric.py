"""Geometric(probs=|logits=): the number of failures before the first success, on {0, 1, ...}.

This is torch's convention (numpy's `geometric` counts trials, one more).
"""
from ..tensor import Tensor
from . import constraints
from .bernoulli import ProbsOrLogits, _one_of
from .distribution import Distribution, generator_of, param, xlogy


class _HalfOpenUnit(constraints.Constraint):
    def check(self, x):
        return (x > 0) & (x <= 1)

    def __str__(self):
        return "in the half-open interval (0.0, 1.0]"


class Geometric(ProbsOrLogits, Distribution):
    """Geom(p): log p(k) = k log(1 - p) + log p = -k softplus(l) - softplus(-l), l = logit p."""
    arg_constraints = {"probs": _HalfOpenUnit(), "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of("Geometric", probs, logits)
        self._given = "probs" if probs is not None else "logits"
        given = param(probs if probs is not None else logits, "Geometric", self._given)
        setattr(self, self._given, given)
        super().__init__(given.shape, validate_args=validate_args)

    @property
    def mean(self):
        """(1 - p) / p."""
        return 1.0 / self.probs - 1.0

    @property
    def variance(self):
        """(1 - p) / p^2."""
        return (1.0 / self.probs - 1.0) / self.probs

    def log_prob(self, value):
        """k log(1 - p) + log p, with 0 log 0 = 0 (p = 1 puts all mass on 0)."""
        k = self._value(value)
        if self._given == "logits":
            l = self.logits
            return -k * l.softplus() - (-l).softplus()
        p = self.probs
        return xlogy(k, 1.0 - p) + p.log()

    def entropy(self):
        """(-p log p - (1 - p) log(1 - p)) / p: the Bernoulli entropy over p."""
        if self._given == "logits":
            l = self.logits
            return (l.softplus() - l * l.sigmoid()) / l.sigmoid()
        p = self.probs
        return -(xlogy(p, p) + xlogy(1.0 - p, 1.0 - p)) / p

    def sample(self, sample_shape=(), generator=None):
        """Failure counts (as floats, like torch): numpy's trial count minus one; no graph."""
        rng = generator_of(generator, "Geometric.sample")
        p = self.probs.data
        k = rng.geometric(p, self._extended_shape(sample_shape)) - 1
        return Tensor(k.astype(p.dtype))
