"""StudentT(df, loc=0, scale=1) on the real line."""
import math

import numpy as np

from ..ops.special import digamma, lgamma
from ..tensor import Tensor, where
from . import constraints
from .distribution import Distribution, broadcast_all, generator_of

_HALF_LOG_PI = 0.5 * math.log(math.pi)
_LGAMMA_HALF = math.lgamma(0.5)


class StudentT(Distribution):
    """t_nu(mu, sigma): log p(x) = log Gamma((nu + 1)/2) - log Gamma(nu/2) - log(nu pi)/2
    - log sigma - (nu + 1)/2 log(1 + z^2 / nu), z = (x - mu) / sigma."""
    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        (self.df, self.loc, self.scale), shape = broadcast_all(
            "StudentT", df=df, loc=loc, scale=scale)
        super().__init__(shape, validate_args=validate_args)

    @property
    def mean(self):
        """mu for nu > 1, NaN otherwise (as torch)."""
        return where(self.df.data > 1, self.loc, np.nan)

    @property
    def variance(self):
        """sigma^2 nu / (nu - 2) for nu > 2, inf for 1 < nu <= 2, NaN for nu <= 1 (as torch)."""
        nu = self.df.data
        big = nu > 2
        v = self.scale.square() * self.df / where(big, self.df - 2.0, 1.0)
        return where(big, v, np.where(nu > 1, np.inf, np.nan))

    def log_prob(self, value):
        """-(nu + 1)/2 log1p(z^2 / nu) - log sigma - log(nu)/2 - log(pi)/2 + log Gamma((nu+1)/2)
        - log Gamma(nu/2)."""
        x = self._value(value)
        nu = self.df
        z = (x - self.loc) / self.scale
        return (-(nu + 1.0) * 0.5 * (z.square() / nu).log1p() - self.scale.log()
                - nu.log() * 0.5 - _HALF_LOG_PI + lgamma((nu + 1.0) * 0.5) - lgamma(nu * 0.5))

    def entropy(self):
        """log sigma + (nu+1)/2 (psi((nu+1)/2) - psi(nu/2)) + log(nu)/2 + log B(nu/2, 1/2)."""
        nu = self.df
        half, half1 = nu * 0.5, (nu + 1.0) * 0.5
        lbeta = lgamma(half) + _LGAMMA_HALF - lgamma(half1)
        return (self.scale.log() + half1 * (digamma(half1) - digamma(half))
                + nu.log() * 0.5 + lbeta)

    def sample(self, sample_shape=(), generator=None):
        """mu + sigma t, t drawn by numpy's Student t sampler; no graph."""
        rng = generator_of(generator, "StudentT.sample")
        shape = self._extended_shape(sample_shape)
        t = rng.standard_t(np.broadcast_to(self.df.data, shape))
        out = self.loc.data + self.scale.data * t
        return Tensor(np.asarray(out).astype(self.loc.dtype, copy=False))
