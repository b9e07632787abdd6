"""Unconditional models p_θ(x) on natural parameters: Normal, Bernoulli, Categorical, Poisson,
MultivariateNormal.

Each is a `tg.nn.Module` whose Parameters hold the values users think in (σ, p, λ, L) and
whose `arg_constraints` say where they live (as torch.distributions); `tg.estimate` fits
them on an unconstrained scale through `tg.distributions.transform_to`.
`log_prob(x, reduction="sum")` is Σ log p(xᵢ); `reduction="none"` gives one value per
observation, i.e. per row of x (its leading axis; the other axes of a row are summed).
"""
import math

import numpy as np

from ..distributions import constraints
from ..distributions.distribution import xlogy
from ..nn.module import Module, Parameter
from ..ops.linalg_ext import tri_solve
from ..tensor import where
from . import _data

_LOG_2PI = math.log(2 * math.pi)


def _filled(value, shape, model, name):
    """value broadcast to `shape` as a float64 array."""
    try:
        return np.array(np.broadcast_to(np.asarray(value, dtype=np.float64), shape))
    except ValueError:
        raise ValueError(f"{model}: {name} of shape {np.shape(value)} does not fit the parameter "
                         f"shape {tuple(shape)}") from None


def _trailing(x, shape, model):
    """Check that the trailing axes of the data match a vector parameter's shape."""
    nd = len(shape)
    if nd and tuple(np.shape(x)[-nd:]) != tuple(shape):
        raise ValueError(f"{model}: data must have trailing shape {tuple(shape)} (one row per "
                         f"observation), got shape {np.shape(x)}")


def _per_obs(lp):
    """Elementwise log-densities -> one value per observation: the leading axis of the data,
    every other axis summed (a single observation gives shape (1,))."""
    if lp.ndim == 0:
        return lp.reshape(1)
    return lp.sum(tuple(range(1, lp.ndim))) if lp.ndim > 1 else lp


class Normal(Module):
    """x ~ N(loc, scale²): log p = −½((x − μ)/σ)² − log σ − ½ log 2π."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}

    def __init__(self, loc=0.0, scale=1.0, shape=()):
        super().__init__()
        scale = _filled(scale, shape, "Normal", "scale")
        if not np.all(scale > 0):
            raise ValueError(f"Normal: scale must be positive, got {scale.tolist()}")
        self.shape = tuple(shape)
        self.loc = Parameter(_filled(loc, shape, "Normal", "loc"))
        self.scale = Parameter(scale)

    def log_prob(self, x, *, reduction="sum"):
        """Σᵢ [−½((xᵢ − μ)/σ)² − log σ − ½ log 2π] (reduction='none': per observation)."""
        _data.check_reduction(reduction, "Normal.log_prob")
        x = _data.float_data(x)
        _trailing(x, self.shape, "Normal.log_prob")
        z = (x - self.loc) / self.scale
        lp = -0.5 * (z * z) - self.scale.log() - 0.5 * _LOG_2PI
        return _data.reduce(_per_obs(lp), reduction)


class Bernoulli(Module):
    """x ∈ {0, 1} ~ Bernoulli(probs): log p = x log p + (1 − x) log(1 − p)."""
    arg_constraints = {"probs": constraints.unit_interval}

    def __init__(self, probs=0.5, shape=()):
        super().__init__()
        probs = _filled(probs, shape, "Bernoulli", "probs")
        if not np.all((probs > 0) & (probs < 1)):
            raise ValueError(f"Bernoulli: probs must lie strictly between 0 and 1, got "
                             f"{probs.tolist()}")
        self.shape = tuple(shape)
        self.probs = Parameter(probs)

    def log_prob(self, x, *, reduction="sum"):
        """Σᵢ [xᵢ log p + (1 − xᵢ) log1p(−p)], each term only where its count is non-zero."""
        _data.check_reduction(reduction, "Bernoulli.log_prob")
        x = _data.binary_targets(x, "Bernoulli.log_prob")
        _trailing(x, self.shape, "Bernoulli.log_prob")
        ones = np.broadcast_to(x == 1, np.broadcast_shapes(x.shape, self.shape))
        p = self.probs          # each branch sees p only where it is used: no 0·(−inf) at p = 1
        lp = where(ones, where(ones, p, 0.5).log(), (-where(ones, 0.5, p)).log1p())
        return _data.reduce(_per_obs(lp), reduction)


class Categorical(Module):
    """x ∈ {0..K−1} ~ Categorical(probs), probs on the simplex: log p = log probs[x]."""
    arg_constraints = {"probs": constraints.simplex}

    def __init__(self, n_classes, probs=None):
        super().__init__()
        n_classes = _data.count_arg(n_classes, "Categorical", "n_classes")
        self.n_classes = n_classes
        init = np.full(n_classes, 1.0 / n_classes) if probs is None else \
            np.asarray(probs, dtype=np.float64)
        if init.shape != (n_classes,):
            raise ValueError(f"Categorical: probs must have shape ({n_classes},), got {init.shape}")
        if not (np.all(init > 0) and abs(init.sum() - 1.0) <= constraints.SIMPLEX_TOL):
            raise ValueError(f"Categorical: probs must be positive and sum to 1, got "
                             f"{init.tolist()} (sum {init.sum():.10g})")
        self.probs = Parameter(init)

    def log_prob(self, x, *, reduction="sum"):
        """Σᵢ log probs[xᵢ] (only the observed classes enter the graph)."""
        _data.check_reduction(reduction, "Categorical.log_prob")
        x = _data.int_labels(x, "Categorical.log_prob", self.n_classes).reshape(-1)
        if reduction == "sum":
            n = np.bincount(x, minlength=self.n_classes)
            seen = np.flatnonzero(n)
            return (self.probs[seen].log() * n[seen].astype(np.float64)).sum()
        return self.probs[x].log()


class Poisson(Module):
    """x ∈ ℕ ~ Poisson(rate): log p = x log λ − λ − log x!."""
    arg_constraints = {"rate": constraints.positive}

    def __init__(self, rate=1.0, shape=()):
        super().__init__()
        rate = _filled(rate, shape, "Poisson", "rate")
        if not np.all(rate > 0):
            raise ValueError(f"Poisson: rate must be positive, got {rate.tolist()}")
        self.shape = tuple(shape)
        self.rate = Parameter(rate)

    def log_prob(self, x, *, reduction="sum"):
        """Σᵢ [xᵢ log λ − λ − log xᵢ!] (0 log 0 = 0)."""
        _data.check_reduction(reduction, "Poisson.log_prob")
        x = _data.counts(x, "Poisson.log_prob")
        _trailing(x, self.shape, "Poisson.log_prob")
        lp = xlogy(x, self.rate) - self.rate - _data.log_factorial(x)
        return _data.reduce(_per_obs(lp), reduction)


class MultivariateNormal(Module):
    """x ∈ ℝᴰ ~ N(loc, L Lᵀ), L = scale_tril lower-triangular with a positive diagonal:
    log p = −½‖L⁻¹(x − μ)‖² − Σᵢ log Lᵢᵢ − (D/2) log 2π (a triangular solve, no inverse).
    Only the lower triangle of `scale_tril` is read."""
    arg_constraints = {"loc": constraints.real, "scale_tril": constraints.lower_cholesky}

    def __init__(self, dim, loc=None, scale_tril=None):
        super().__init__()
        self.dim = D = _data.count_arg(dim, "MultivariateNormal", "dim")
        loc = np.zeros(D) if loc is None else np.asarray(loc, dtype=np.float64)
        L = np.eye(D) if scale_tril is None else np.asarray(scale_tril, dtype=np.float64)
        if loc.shape != (D,) or L.shape != (D, D):
            raise ValueError(f"MultivariateNormal: loc must have shape ({D},) and scale_tril "
                             f"({D}, {D}), got {loc.shape} and {L.shape}")
        if not constraints.lower_cholesky.check(L):
            raise ValueError(f"MultivariateNormal: scale_tril must be "
                             f"{constraints.lower_cholesky}, got {L.tolist()}")
        self.loc = Parameter(loc)
        self.scale_tril = Parameter(L)

    @property
    def covariance_matrix(self):
        """Σ = L Lᵀ as an ndarray."""
        L = np.tril(self.scale_tril.data)
        return L @ L.T

    @property
    def precision_matrix(self):
        """Σ⁻¹ as an ndarray."""
        Linv = np.linalg.inv(np.tril(self.scale_tril.data))
        return Linv.T @ Linv

    def log_prob(self, x, *, reduction="sum"):
        """Σᵢ [−½‖L⁻¹(xᵢ − μ)‖² − Σⱼ log Lⱼⱼ − (D/2) log 2π]."""
        _data.check_reduction(reduction, "MultivariateNormal.log_prob")
        x = _data.float_data(x)
        if x.ndim == 1:
            x = x.reshape(1, -1)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"MultivariateNormal.log_prob: data must have shape (N, {self.dim}), "
                             f"got {tuple(x.shape)}")
        L = self.scale_tril
        z = tri_solve(L, x - self.loc)                      # (N, D): rows L⁻¹(xᵢ − μ)
        half_log_det = (L * np.eye(self.dim)).sum(-1).log().sum()
        lp = -0.5 * (z * z).sum(-1) - half_log_det - 0.5 * self.dim * _LOG_2PI
        return _data.reduce(lp, reduction)
