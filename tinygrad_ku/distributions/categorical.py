"""Categorical(probs=|logits=) on {0, ..., K-1}, K the size of the last parameter axis."""
import numpy as np

from ..nn.functional import log_softmax, softmax
from ..tensor import Tensor, where
from . import constraints
from .bernoulli import _one_of
from .distribution import Distribution, generator_of, lazy_property, param, xlogy


class Categorical(Distribution):
    """Categorical(p): log p(k) = log p_k = logits_k - logsumexp(logits)."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of("Categorical", probs, logits)
        self._given = "probs" if probs is not None else "logits"
        given = param(probs if probs is not None else logits, "Categorical", self._given)
        if given.ndim == 0:
            raise ValueError(f"Categorical: argument '{self._given}' must have at least one "
                             f"dimension (the K categories), got shape {given.shape}")
        if given.shape[-1] == 0:
            raise ValueError(f"Categorical: argument '{self._given}' has zero categories "
                             f"(shape {given.shape})")
        setattr(self, self._given, given)
        self.support = constraints.integer_interval(0, given.shape[-1] - 1)
        super().__init__(given.shape[:-1], validate_args=validate_args)

    @property
    def num_events(self):
        return self.__dict__[self._given].shape[-1]

    @lazy_property
    def probs(self):
        """softmax(logits) along the last dim."""
        return softmax(self.logits, dim=-1)

    @lazy_property
    def logits(self):
        """log p, normalised (log_softmax(logits) = logits - logsumexp(logits))."""
        with np.errstate(divide="ignore"):
            return self._normalised_probs().log()

    def _normalised_probs(self):
        p = self.probs
        return p / p.sum(-1, keepdim=True)

    def _log_probs(self):
        return log_softmax(self.logits, dim=-1)

    @property
    def mean(self):
        """Undefined for categories (NaN, as in torch)."""
        return Tensor(np.full(self._batch_shape, np.nan))

    @property
    def variance(self):
        return Tensor(np.full(self._batch_shape, np.nan))

    def log_prob(self, value):
        """log p_k for each category index k in value (value broadcasts with batch_shape)."""
        k = self._value(value)
        shape = np.broadcast_shapes(k.shape, self._batch_shape)
        idx = np.broadcast_to(k.data, shape).astype(np.int64).reshape(-1)
        K = self.num_events
        table = self._log_probs() if self._given == "logits" else self._normalised_probs()
        rows = table.expand(shape + (K,)).reshape(-1, K)[np.arange(idx.size), idx]
        if self._given == "probs":
            with np.errstate(divide="ignore"):
                rows = rows.log()
        return rows.reshape(shape)

    def entropy(self):
        """-sum_k p_k log p_k (0 log 0 = 0); log K for the uniform distribution."""
        if self._given == "logits":
            logp = self._log_probs()
            p = logp.exp()
            zero = p.data == 0
            return -(p * where(zero, 0.0, logp)).sum(-1)
        p = self._normalised_probs()
        return -xlogy(p, p).sum(-1)

    def sample(self, sample_shape=(), generator=None):
        """Category indices (int64) by inverting the CDF at u ~ U[0, 1); no graph."""
        rng = generator_of(generator, "Categorical.sample")
        shape = self._extended_shape(sample_shape)
        p = self.probs.data if self._given == "logits" else self._normalised_probs().data
        cdf = np.cumsum(p, axis=-1)
        u = rng.random(shape + (1,)) * cdf[..., -1:]
        k = (u >= cdf).sum(-1)
        return Tensor(np.minimum(k, self.num_events - 1).astype(np.int64))
