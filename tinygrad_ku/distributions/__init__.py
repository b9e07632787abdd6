"""tg.distributions: distributions with differentiable log densities, like torch.distributions.

>>> import tinygrad_ku as tg
>>> d = tg.distributions.Normal(0.0, 1.0)
>>> round(float(d.log_prob(0.0)), 6)          # -log(2 pi) / 2
-0.918939
"""
from . import constraints  # noqa: F401
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .distribution import Distribution
from .gamma import Exponential, Gamma
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Laplace, Normal
from .poisson import Poisson

__all__ = ["Distribution", "Bernoulli", "Categorical", "Normal", "Laplace", "MultivariateNormal",
           "Poisson", "Exponential", "Beta", "Gamma", "constraints", "kl_divergence", "register_kl"]
