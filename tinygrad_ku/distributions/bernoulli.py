"""Bernoulli(probs=|logits=) on {0, 1}; with logits every formula goes through softplus."""
import numpy as np

from ..tensor import Tensor, where
from . import constraints
from .distribution import Distribution, generator_of, lazy_property, param, xlogy


def _one_of(dist, probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError(f"{dist}: pass exactly one of probs= or logits= "
                         f"(got {'both' if probs is not None else 'neither'})")


class ProbsOrLogits:
    """A success probability given as `probs` or `logits`: the other one, computed on first use."""

    @lazy_property
    def probs(self):
        """sigmoid(logits)."""
        return self.logits.sigmoid()

    @lazy_property
    def logits(self):
        """log p - log(1 - p) (+-inf at p = 0 or 1)."""
        p = self.probs
        with np.errstate(divide="ignore"):
            return p.log() - (1.0 - p).log()


class Bernoulli(ProbsOrLogits, Distribution):
    """Bernoulli(p): log p(x) = x log p + (1 - x) log(1 - p) = x l - softplus(l), l = logit p."""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of("Bernoulli", probs, logits)
        self._given = "probs" if probs is not None else "logits"
        if probs is not None:
            self.probs = param(probs, "Bernoulli", "probs")
            shape = self.probs.shape
        else:
            self.logits = param(logits, "Bernoulli", "logits")
            shape = self.logits.shape
        super().__init__(shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1.0 - self.probs)

    def log_prob(self, value):
        """x l - softplus(l) from logits; log p or log(1 - p), whichever x picks, from probs."""
        x = self._value(value)
        if self._given == "logits":
            return x * self.logits - self.logits.softplus()
        ones = x.data == 1
        p = self.probs
        return where(ones, where(ones, p, 1.0).log(), (1.0 - where(ones, 0.0, p)).log())

    def entropy(self):
        """softplus(l) - l sigmoid(l) from logits; -p log p - (1 - p) log(1 - p) from probs."""
        if self._given == "logits":
            l = self.logits
            return l.softplus() - l * l.sigmoid()
        p = self.probs
        return -(xlogy(p, p) + xlogy(1.0 - p, 1.0 - p))

    def sample(self, sample_shape=(), generator=None):
        """0.0 / 1.0 draws (floats, like torch): u < p with u ~ U[0, 1); no graph."""
        rng = generator_of(generator, "Bernoulli.sample")
        u = rng.random(self._extended_shape(sample_shape))
        p = self.probs.data
        return Tensor((u < p).astype(p.dtype))
