"""tg.distributions: distributions with differentiable log densities, like torch.distributions.

>>> import tinygrad_ku as tg
>>> d = tg.distributions.Normal(0.0, 1.0)
>>> round(float(d.log_prob(0.0)), 6)          # -log(2 pi) / 2
-0.918939
"""
from . import constraints  # noqa: F401
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .cauchy import Cauchy
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .gamma import Exponential, Gamma
from .geometric import Geometric
from .kl import kl_divergence, register_kl
from .lognormal import LogNormal
from .multivariate_normal import MultivariateNormal
from .normal import Laplace, Normal
from .poisson import Poisson
from .studentt import StudentT
from .uniform import Uniform
from .transforms import (IdentityTransform, ExpTransform, SigmoidTransform,  # noqa: F401
                         SoftmaxRefTransform, LowerCholeskyTransform, Transform, transform_to)

__all__ = ["Distribution", "Bernoulli", "Categorical", "Normal", "Laplace", "MultivariateNormal",
           "Poisson", "Exponential", "Beta", "Gamma", "Uniform", "Binomial", "Geometric",
           "StudentT", "Cauchy", "LogNormal", "Dirichlet", "constraints", "kl_divergence",
           "register_kl", "transform_to", "Transform", "IdentityTransform", "ExpTransform",
           "SigmoidTransform", "SoftmaxRefTransform", "LowerCholeskyTransform"]


def __dir__():              # dir() lists the public names only
    return list(__all__)
