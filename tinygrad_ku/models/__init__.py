"""tg.models: parametric models p_θ for `tg.estimate`, each a `tg.nn.Module` on NATURAL parameters.

Parameters hold the values users think in -- `Normal().scale` is σ, `Bernoulli().probs` is p --
and each model declares where they live in `arg_constraints` (as torch.distributions;
a parameter not listed is real). `tg.estimate` fits on an unconstrained scale through
`tg.distributions.transform_to` and reports estimates, standard errors and priors on the
natural scale. `log_prob(*data)` is the summed log-likelihood; `reduction="none"` gives
one value per observation. Conditional models take `log_prob(X, y)` and give `predict(X)`
and (classifiers) `predict_proba(X)` of shape (N, C) as `tg.decision` expects.

    m = tg.models.Normal()                 # parameters: loc, scale (σ > 0)
    fit = tg.estimate.mle(m, x)            # loc → mean(x), scale → biased std(x)
"""
from .glm import GLM
from .regression import (LinearRegression, LogisticRegression, MLP, MultinomialLogit,
                         PoissonRegression, SoftmaxRegression)
from .unconditional import Bernoulli, Categorical, MultivariateNormal, Normal, Poisson

__all__ = ["Bernoulli", "Categorical", "Normal", "MultivariateNormal", "Poisson",
           "LinearRegression", "LogisticRegression", "PoissonRegression", "SoftmaxRegression",
           "MultinomialLogit", "GLM", "MLP"]


def __dir__():              # dir() lists the public names only
    return list(__all__)
