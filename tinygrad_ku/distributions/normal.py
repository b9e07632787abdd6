"""Normal(loc, scale) and Laplace(loc, scale): location-scale families on the real line.

Both have `cdf(value)` and `icdf(p)` with torch's formulas; Normal.icdf uses `erfinv`
below (an accurate inverse of erf, differentiable in p).
"""
import math

import numpy as np

from ..ops.math import erf as _np_erf, erfc as _np_erfc
from ..tensor import Tensor
from . import constraints
from ._support import prob_value
from .distribution import Distribution, broadcast_all, generator_of

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_SQRT2 = math.sqrt(2.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _erfinv_array(y):
    """erfinv of an ndarray to a few ulp: Giles' start (2010), then three Halley steps.

    The steps solve erfc(x) = 1 - |y| for |y| near 1 (where erf loses digits); +-1 give
    +-inf, |y| > 1 and NaN give NaN.
    """
    y = np.asarray(y, dtype=np.float64)
    a = np.abs(y)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w = -np.log((1.0 - a) * (1.0 + a))
        small = w < 5.0
        ws = w - 2.5
        p1 = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            p1 = c + p1 * ws
        wl = np.sqrt(w) - 3.0
        p2 = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
            p2 = c + p2 * wl
        x = np.where(small, p1, p2) * a
        for _ in range(3):
            f = np.where(a < 0.5, _np_erf(x) - a, (1.0 - a) - _np_erfc(x))
            step = f / (_TWO_OVER_SQRT_PI * np.exp(-x * x))
            x = x - step / (1.0 + x * step)
        x = np.where(a == 1.0, np.inf, np.where(a > 1.0, np.nan, x))
    return np.copysign(x, y)


def erfinv(y):
    """The inverse of erf on [-1, 1] as a Tensor, differentiable in y.

    x0 = erfinv(y) is found outside the graph; the value returned is the Newton step
    x0 - (erf(x0) - y) / erf'(x0), equal to x0 to rounding, whose derivative in y is the
    exact 1 / erf'(x) = (sqrt(pi) / 2) exp(x^2).
    """
    y = y if isinstance(y, Tensor) else Tensor(np.asarray(y, dtype=np.float64))
    x0 = _erfinv_array(y.data)
    if not y.requires_grad:
        return Tensor(x0.astype(y.dtype, copy=False))
    # At y = +-1 (x0 = +-inf) the same form gives the value +-inf and the derivative inf:
    # there the slope is inf, the residual y - (y - sign y) = sign y and x0 is replaced by 0.
    inf = np.isinf(x0)
    with np.errstate(over="ignore", invalid="ignore"):
        inv_slope = np.where(inf, np.inf, np.exp(x0 * x0) / _TWO_OVER_SQRT_PI)
        resid = np.where(inf, y.data - np.sign(y.data), _np_erf(x0))
    return (y - resid) * Tensor(inv_slope.astype(y.dtype, copy=False)) + \
        Tensor(np.where(inf, 0.0, x0).astype(y.dtype, copy=False))


class _LocationScale(Distribution):
    """A family on the real line with a location `loc` and a positive `scale`."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        name = type(self).__name__
        (self.loc, self.scale), shape = broadcast_all(name, loc=loc, scale=scale)
        super().__init__(shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.loc


class Normal(_LocationScale):
    """N(loc, scale^2): log p(x) = -(x - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2."""

    @property
    def variance(self):
        return self.scale.square()

    @property
    def stddev(self):
        return self.scale

    def log_prob(self, value):
        """-(x - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2."""
        x = self._value(value)
        return -((x - self.loc) / self.scale).square() * 0.5 - self.scale.log() - _HALF_LOG_2PI

    def entropy(self):
        """1/2 + log(2 pi)/2 + log sigma."""
        return self.scale.log() + (0.5 + _HALF_LOG_2PI)

    def cdf(self, value):
        """Phi((x - mu) / sigma) = erfc(-(x - mu) / (sigma sqrt 2)) / 2 (accurate in the
        left tail, where torch's (1 + erf(...)) / 2 loses digits)."""
        x = self._value(value, "cdf")
        return (-(x - self.loc) / (self.scale * _SQRT2)).erfc() * 0.5

    def icdf(self, value):
        """mu + sigma sqrt(2) erfinv(2 p - 1), as torch; -inf at p = 0, inf at p = 1."""
        p = prob_value(self, value)
        return self.loc + self.scale * _SQRT2 * erfinv(p * 2.0 - 1.0)

    def rsample(self, sample_shape=(), generator=None):
        """mu + sigma eps, eps ~ N(0, 1): differentiable in mu and sigma."""
        rng = generator_of(generator, "Normal.sample")
        eps = rng.standard_normal(self._extended_shape(sample_shape))
        return self.loc + self.scale * Tensor(eps.astype(self.loc.dtype, copy=False))


class Laplace(_LocationScale):
    """Laplace(loc, scale): log p(x) = -|x - mu| / b - log(2 b)."""

    @property
    def variance(self):
        return self.scale.square() * 2.0

    def log_prob(self, value):
        """-|x - mu| / b - log(2 b); d/dx at x = mu is 0 (sign(0) = 0)."""
        x = self._value(value)
        return -(x - self.loc).abs() / self.scale - (self.scale * 2.0).log()

    def entropy(self):
        """1 + log(2 b)."""
        return (self.scale * 2.0).log() + 1.0

    def cdf(self, value):
        """1/2 - sign(x - mu) expm1(-|x - mu| / b) / 2."""
        d = self._value(value, "cdf") - self.loc
        return 0.5 - d.sign() * (-d.abs() / self.scale).expm1() * 0.5

    def icdf(self, value):
        """mu - b sign(p - 1/2) log1p(-2 |p - 1/2|); -inf at p = 0, inf at p = 1."""
        q = prob_value(self, value) - 0.5
        with np.errstate(divide="ignore"):
            return self.loc - self.scale * q.sign() * (q.abs() * -2.0).log1p()

    def rsample(self, sample_shape=(), generator=None):
        """mu - b sign(u) log(1 - |u|), u ~ U(-1, 1) (inverse CDF): differentiable in mu, b."""
        rng = generator_of(generator, "Laplace.sample")
        u = rng.uniform(np.nextafter(-1.0, 0.0), 1.0, self._extended_shape(sample_shape))
        eps = -np.sign(u) * np.log1p(-np.abs(u))
        return self.loc + self.scale * Tensor(eps.astype(self.loc.dtype, copy=False))
