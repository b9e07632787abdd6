"""Maximum-likelihood and MAP estimation with inference: `mle`, `map`, `lr_test`.

    mle:  θ̂ = argmin_θ  −Σᵢ log p_θ(xᵢ)
    map:  θ̂ = argmin_θ  −Σᵢ log p_θ(xᵢ) − log p(θ)

Models declare natural parameters with constraints; fits run on an unconstrained
transform and report estimates, standard errors and intervals on the natural scale.
"""
from .diagnostics import (BoundaryWarning, ConvergenceWarning, EstimationWarning,
                          IdentificationWarning, PerfectSeparationWarning)
from .fit import map, mle
from .result import FitResult, lr_test

__all__ = ["mle", "map", "lr_test", "FitResult", "EstimationWarning", "PerfectSeparationWarning",
           "BoundaryWarning", "ConvergenceWarning", "IdentificationWarning"]


def __dir__():
    return __all__
