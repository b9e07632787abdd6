"""`GLM(n_features, family, link)`: generalised linear models on natural parameters.

μ = g⁻¹(η), η = X w + b + offset (+ log exposure for the log link). Families and the links
each takes (the first is canonical, the default):

    gaussian   identity, log, inverse           y ∈ ℝ;  parameter scale σ > 0
    binomial   logit, probit, cloglog, log, identity   y ∈ {0, 1}
    poisson    log, identity                    y ∈ ℕ
    gamma      inverse, log, identity           y > 0;  parameter concentration ν > 0
                                                 (shape; dispersion φ = 1/ν, Var y = μ²/ν)

log p: gaussian −½((y − μ)/σ)² − log σ − ½ log 2π; binomial y log μ + (1 − y) log(1 − μ);
poisson y log μ − μ − log y!; gamma ν log(ν/μ) + (ν − 1) log y − ν y/μ − log Γ(ν).
log μ and log(1 − μ) are computed from η directly for each link (softplus for logit,
erfc for probit, −e^η for cloglog), so the tails keep their digits.

The data-free start is w = 0 and the bias at g(μ₀) (μ₀ = 1/2 for binomial, 1 otherwise,
0 for gaussian-identity): inside the support for every link. Without a bias, η = 0
is outside the support of the inverse link and of the binomial log/identity and poisson
identity links; such a model needs starting values.
"""
import math

import numpy as np

from ..distributions import constraints
from ..nn.module import Parameter
from ..ops.special import lgamma
from ..tensor import Tensor, where
from . import _data
from .regression import _Regression

_LOG_2PI = math.log(2 * math.pi)
_SQRT_HALF = math.sqrt(0.5)


class _Link:
    """g: μ -> η. `mean(η)` = g⁻¹(η), `log_mean(η)` = log μ, `log1m_mean(η)` = log(1 − μ)."""
    name = ""

    def log_mean(self, eta):
        return self.mean(eta).log()

    def log1m_mean(self, eta):
        return (-self.mean(eta)).log1p()


class _Identity(_Link):
    name = "identity"

    def mean(self, eta):
        return eta

    def value(self, mu):
        return mu


class _Log(_Link):
    name = "log"

    def mean(self, eta):
        return eta.exp()

    def log_mean(self, eta):
        return eta

    def log1m_mean(self, eta):
        return (-eta.expm1()).log()              # log(1 − e^η), η < 0

    def value(self, mu):
        return math.log(mu)


class _Logit(_Link):
    name = "logit"

    def mean(self, eta):
        return eta.sigmoid()

    def log_mean(self, eta):
        return -(-eta).softplus()

    def log1m_mean(self, eta):
        return -eta.softplus()

    def value(self, mu):
        return math.log(mu) - math.log1p(-mu)


class _Probit(_Link):
    name = "probit"

    def mean(self, eta):
        return 0.5 * (-eta * _SQRT_HALF).erfc()               # Φ(η), accurate for η ≪ 0

    def log_mean(self, eta):
        return (0.5 * (-eta * _SQRT_HALF).erfc()).log()

    def log1m_mean(self, eta):
        return (0.5 * (eta * _SQRT_HALF).erfc()).log()       # 1 − Φ(η) = Φ(−η)

    def value(self, mu):
        from ..probability import normal_quantile
        return normal_quantile(mu)


class _CLogLog(_Link):
    name = "cloglog"

    def mean(self, eta):
        return -(-eta.exp()).expm1()                          # 1 − exp(−e^η)

    def log_mean(self, eta):
        return (-(-eta.exp()).expm1()).log()

    def log1m_mean(self, eta):
        return -eta.exp()

    def value(self, mu):
        return math.log(-math.log1p(-mu))


class _Inverse(_Link):
    name = "inverse"

    def mean(self, eta):
        return 1.0 / eta

    def log_mean(self, eta):
        return -eta.log()

    def value(self, mu):
        return 1.0 / mu


LINKS = {c.name: c() for c in (_Identity, _Log, _Logit, _Probit, _CLogLog, _Inverse)}
FAMILIES = {"gaussian": ("identity", "log", "inverse"),
            "binomial": ("logit", "probit", "cloglog", "log", "identity"),
            "poisson": ("log", "identity"),
            "gamma": ("inverse", "log", "identity")}


class GLM(_Regression):
    """y | x from an exponential family with mean μ = g⁻¹(x·w + b + offset); see the module
    docstring for the families, links and log-densities."""

    def __init__(self, n_features, family, link=None, bias=True, offset=None, exposure=None):
        if family not in FAMILIES:
            raise ValueError(f"GLM: family must be one of {list(FAMILIES)}, got {family!r}")
        link = FAMILIES[family][0] if link is None else link
        if link not in FAMILIES[family]:
            raise ValueError(f"GLM: the {family} family takes the links {list(FAMILIES[family])}, "
                             f"got link={link!r}")
        super().__init__(n_features, bias, offset, exposure, log_link=link == "log")
        self.family, self.link = family, link
        self._link = LINKS[link]
        self.may_separate = family == "binomial"
        mu0 = 0.5 if family == "binomial" else (0.0 if link == "identity" and
                                                  family == "gaussian" else 1.0)
        self._eta0 = float(self._link.value(mu0))             # η at the data-free start
        if self.bias is not None:
            self.bias.data[...] = self._eta0
        if family == "gaussian":
            self.scale = Parameter(np.ones(()))
            self.arg_constraints = {"scale": constraints.positive}
        elif family == "gamma":
            self.concentration = Parameter(np.ones(()))
            self.arg_constraints = {"concentration": constraints.positive}
        else:
            self.arg_constraints = {}

    def extra_repr(self):
        return f"n_features={self.n_features}, family={self.family!r}, link={self.link!r}"

    def _null(self):
        return GLM(0, self.family, self.link, bias=True, offset=self.offset,
                   exposure=self.exposure)

    def _targets(self, y):
        name = "GLM.log_prob"
        if self.family == "binomial":
            return _data.binary_targets(y, f"{name} (binomial)")
        if self.family == "poisson":
            return _data.counts(y, f"{name} (poisson)")
        if self.family == "gamma":
            return _data.positive_targets(y, f"{name} (gamma)")
        return _data.finite_targets(y, f"{name} (gaussian)")

    def log_prob(self, X, y, offset=None, *, reduction="sum"):
        """Σᵢ log p(yᵢ | μᵢ) of the family (module docstring), μᵢ = g⁻¹(ηᵢ)."""
        _data.check_reduction(reduction, "GLM.log_prob")
        X, off = self._prepare(X, y, offset, "log_prob")
        y = self._targets(y)
        eta = self._eta(X, off)
        link = self._link
        if self.family == "gaussian":
            r = (y - link.mean(eta)) / self.scale
            lp = -0.5 * (r * r) - self.scale.log() - 0.5 * _LOG_2PI
        elif self.family == "binomial":
            one = y == 1                   # each branch evaluated only on its own rows
            lp = where(one, link.log_mean(where(one, eta, self._eta0)),
                       link.log1m_mean(where(one, self._eta0, eta)))
        elif self.family == "poisson":
            pos = y > 0                    # y log μ only where y > 0 (0 log 0 = 0)
            lp = link.log_mean(where(pos, eta, self._eta0)) * y - link.mean(eta) \
                - _data.log_factorial(y)
        else:
            nu = self.concentration
            log_mu = link.log_mean(eta)
            lp = nu * (nu.log() - log_mu) + (nu - 1.0) * np.log(y) - nu * y * (-log_mu).exp() \
                - lgamma(nu)
        return _data.reduce(lp, reduction)

    @_data.no_grad_tensor
    def predict(self, X, offset=None, exposure=None):
        """E[y | x] = g⁻¹(η) as a Tensor without grad."""
        return self._link.mean(self.forward(X, offset, exposure))

    @_data.no_grad_tensor
    def predict_proba(self, X, offset=None):
        """binomial only: [1 − μ, μ] per row, shape (N, 2)."""
        if self.family != "binomial":
            raise TypeError(f"GLM.predict_proba: only the binomial family has class "
                            f"probabilities, this is {self.family!r}; use predict(X)")
        eta = self.forward(X, offset)
        return Tensor(np.stack([np.exp(self._link.log1m_mean(eta).data),
                                np.exp(self._link.log_mean(eta).data)], axis=1))
