"""Parametric models p_θ for estimation: each a `tg.nn.Module` with `log_prob(*data)` summed over the data.

Every parameter is unconstrained, so any optimiser step gives a valid model:
scales are stored as logs, probabilities as logits, and a covariance through
the Cholesky factor of its precision with a log-diagonal. Conditional models
(p(y | x)) take `log_prob(X, y)` and give `predict_proba(X)` (shape (N, C), as
`tg.decision` expects) or `predict(X)`.

>>> m = Normal()                       # parameters: loc, log_scale
>>> fit = tg.estimate.mle(m, x)        # loc → mean(x), scale → biased std(x)
"""
import math

import numpy as np

from . import grad_mode
from .nn import functional as F
from .nn.module import Linear, Module, Parameter
from .ops.special import lgamma
from .tensor import Tensor, as_tensor, diag

__all__ = ["Bernoulli", "Categorical", "Normal", "MultivariateNormal", "Poisson",
           "LinearRegression", "LogisticRegression", "SoftmaxRegression", "MLP"]

_LOG_2PI = math.log(2 * math.pi)


def _float_data(x):
    t = as_tensor(x)
    if t.dtype.kind not in "fc":
        t = t.to(np.float64)
    return t


def _int_labels(y, model, n_classes):
    arr = np.asarray(y.data if isinstance(y, Tensor) else y)
    if arr.dtype.kind == "f":
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{model}: labels must be integers in [0, {n_classes}), got "
                             f"non-integer values")
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iub":
        raise TypeError(f"{model}: labels must be integers, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(f"{model}: labels must lie in [0, {n_classes}), got values in "
                         f"[{arr.min()}, {arr.max()}]")
    return arr.astype(np.int64)


def _binary_targets(y, model):
    arr = np.asarray(y.data if isinstance(y, Tensor) else y, dtype=np.float64)
    if arr.size and not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{model}: targets must be 0 or 1, got values such as "
                         f"{arr[(arr != 0) & (arr != 1)][:3].tolist()}")
    return arr


def _check_rows(X, y, model, n_features):
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"{model}: X must have shape (N, {n_features}), got {X.shape}")
    if y is not None and np.shape(y)[:1] != X.shape[:1]:
        raise ValueError(f"{model}: y must have {X.shape[0]} rows to match X {X.shape}, got "
                         f"shape {np.shape(y)}")


def _no_grad_tensor(fn):
    def wrapper(self, *args):
        with grad_mode.no_grad():
            return fn(self, *args)
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


# ----- unconditional models ------------------------------------------------------------

class Normal(Module):
    """x ~ N(loc, scale²), scale = exp(log_scale); log p = −½((x−μ)/σ)² − log σ − ½ log 2π, summed."""

    def __init__(self, loc=0.0, scale=1.0, shape=()):
        super().__init__()
        if not scale > 0:
            raise ValueError(f"Normal: scale must be positive, got {scale}")
        self.loc = Parameter(np.full(shape, loc, dtype=np.float64))
        self.log_scale = Parameter(np.full(shape, math.log(scale), dtype=np.float64))

    @property
    def scale(self):
        return np.exp(self.log_scale.data)

    def log_prob(self, x):
        x = _float_data(x)
        z = (x - self.loc) / self.log_scale.exp()
        n = x.data.size / max(self.loc.data.size, 1)
        return -0.5 * (z * z).sum() - n * self.log_scale.sum() - 0.5 * x.data.size * _LOG_2PI


class Bernoulli(Module):
    """x ∈ {0, 1} ~ Bernoulli(sigmoid(logits)); log p = x·logits − softplus(logits), summed."""

    def __init__(self, logits=0.0, shape=()):
        super().__init__()
        self.logits = Parameter(np.full(shape, logits, dtype=np.float64))

    @property
    def probs(self):
        return 1.0 / (1.0 + np.exp(-self.logits.data))

    def log_prob(self, x):
        x = _binary_targets(x, "Bernoulli.log_prob")
        n = x.size / max(self.logits.data.size, 1)
        sum_x = x.sum(axis=tuple(range(x.ndim - self.logits.ndim)))
        return (self.logits * sum_x).sum() - n * self.logits.softplus().sum()


class Categorical(Module):
    """x ∈ {0..K−1} ~ Categorical(softmax(logits)); log p = logits[x] − logsumexp(logits), summed."""

    def __init__(self, n_classes, logits=None):
        super().__init__()
        if n_classes < 1:
            raise ValueError(f"Categorical: n_classes must be >= 1, got {n_classes}")
        self.n_classes = int(n_classes)
        init = np.zeros(n_classes) if logits is None else np.asarray(logits, dtype=np.float64)
        if init.shape != (n_classes,):
            raise ValueError(f"Categorical: logits must have shape ({n_classes},), got {init.shape}")
        self.logits = Parameter(init)

    @property
    def probs(self):
        e = np.exp(self.logits.data - self.logits.data.max())
        return e / e.sum()

    def log_prob(self, x):
        x = _int_labels(x, "Categorical.log_prob", self.n_classes).reshape(-1)
        counts = np.bincount(x, minlength=self.n_classes).astype(np.float64)
        return (F.log_softmax(self.logits, dim=0) * counts).sum()


class Poisson(Module):
    """x ∈ ℕ ~ Poisson(exp(log_rate)); log p = x·log λ − λ − log x!, summed."""

    def __init__(self, rate=1.0, shape=()):
        super().__init__()
        if not rate > 0:
            raise ValueError(f"Poisson: rate must be positive, got {rate}")
        self.log_rate = Parameter(np.full(shape, math.log(rate), dtype=np.float64))

    @property
    def rate(self):
        return np.exp(self.log_rate.data)

    def log_prob(self, x):
        arr = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
        if arr.size and (arr.min() < 0 or not np.all(arr == np.round(arr))):
            raise ValueError("Poisson.log_prob: counts must be non-negative integers")
        n = arr.size / max(self.log_rate.data.size, 1)
        const = float(np.sum(lgamma(arr + 1.0))) if arr.size else 0.0
        sum_x = arr.sum(axis=tuple(range(arr.ndim - self.log_rate.ndim)))
        return (self.log_rate * sum_x).sum() - n * self.log_rate.exp().sum() - const


class MultivariateNormal(Module):
    """x ∈ ℝᴰ ~ N(loc, Λ⁻¹), Λ = L Lᵀ with L lower-triangular, diag(L) = exp(log_diag).

    log p = Σᵢ log diag L − ½‖Lᵀ(x − μ)‖² − (D/2) log 2π per row; L is the Cholesky
    factor of the precision, so no solve is needed. Parameters: loc (D,),
    log_diag (D,), tril (D(D−1)/2,) the strictly-lower entries of L row by row.
    """

    def __init__(self, dim, loc=None):
        super().__init__()
        if dim < 1:
            raise ValueError(f"MultivariateNormal: dim must be >= 1, got {dim}")
        self.dim = int(dim)
        self.loc = Parameter(np.zeros(dim) if loc is None else np.asarray(loc, dtype=np.float64))
        self.log_diag = Parameter(np.zeros(dim))
        rows, cols = np.tril_indices(dim, -1)
        self.tril = Parameter(np.zeros(rows.size))
        embed = np.zeros((rows.size, dim * dim))           # (K, D·D): tril entry k -> cell (r, c)
        embed[np.arange(rows.size), rows * dim + cols] = 1.0
        self._embed = embed

    def precision_tril(self):
        """L (D, D) as a Tensor: the Cholesky factor of the precision matrix."""
        D = self.dim
        L = diag(self.log_diag.exp())
        if D > 1:
            L = L + (self.tril @ self._embed).reshape(D, D)
        return L

    @property
    def precision_matrix(self):
        with grad_mode.no_grad():
            L = self.precision_tril().data
        return L @ L.T

    @property
    def covariance_matrix(self):
        return np.linalg.inv(self.precision_matrix)

    @property
    def scale_tril(self):
        return np.linalg.cholesky(self.covariance_matrix)

    def log_prob(self, x):
        x = _float_data(x)
        if x.ndim == 1:
            x = x.reshape(1, -1)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"MultivariateNormal.log_prob: data must have shape (N, {self.dim}), "
                             f"got {x.shape}")
        n = x.shape[0]
        z = (x - self.loc) @ self.precision_tril()       # (N, D) @ (D, D): rows are Lᵀ(xᵢ − μ)
        return n * self.log_diag.sum() - 0.5 * (z * z).sum() - 0.5 * n * self.dim * _LOG_2PI


# ----- conditional models --------------------------------------------------------------

class LinearRegression(Module):
    """y | x ~ N(x·w + b, σ²), σ = exp(log_scale); log p summed over rows."""

    def __init__(self, n_features, bias=True, scale=1.0):
        super().__init__()
        self.n_features = int(n_features)
        self.weight = Parameter(np.zeros(n_features))
        self.bias = Parameter(np.zeros(())) if bias else None
        self.log_scale = Parameter(np.full((), math.log(scale)))

    @property
    def scale(self):
        return float(np.exp(self.log_scale.data))

    def forward(self, X):
        """The predicted mean x·w + b (differentiable), shape (N,)."""
        X = _float_data(X)
        _check_rows(X, None, "LinearRegression", self.n_features)
        mu = X @ self.weight
        return mu if self.bias is None else mu + self.bias

    def log_prob(self, X, y):
        X, y = _float_data(X), _float_data(y)
        _check_rows(X, y, "LinearRegression.log_prob", self.n_features)
        r = (y - self.forward(X)) / self.log_scale.exp()
        n = y.shape[0]
        return -0.5 * (r * r).sum() - n * self.log_scale - 0.5 * n * _LOG_2PI

    @_no_grad_tensor
    def predict(self, X):
        """E[y | x] as a Tensor that does not require grad."""
        return self.forward(X)


class LogisticRegression(Module):
    """y ∈ {0, 1} | x ~ Bernoulli(sigmoid(x·w + b)); log p = y·η − softplus(η), summed."""

    def __init__(self, n_features, bias=True):
        super().__init__()
        self.n_features = int(n_features)
        self.weight = Parameter(np.zeros(n_features))
        self.bias = Parameter(np.zeros(())) if bias else None

    def forward(self, X):
        """The logits η = x·w + b, shape (N,)."""
        X = _float_data(X)
        _check_rows(X, None, "LogisticRegression", self.n_features)
        eta = X @ self.weight
        return eta if self.bias is None else eta + self.bias

    def log_prob(self, X, y):
        y = _binary_targets(y, "LogisticRegression.log_prob")
        eta = self.forward(X)
        if y.shape != eta.shape:
            raise ValueError(f"LogisticRegression.log_prob: y must have shape {eta.shape}, got "
                             f"{y.shape}")
        return -F.binary_cross_entropy_with_logits(eta, Tensor(y), reduction="sum")

    @_no_grad_tensor
    def predict_proba(self, X):
        """[p(y=0 | x), p(y=1 | x)] per row, shape (N, 2)."""
        p = self.forward(X).sigmoid().data
        return Tensor(np.stack([1.0 - p, p], axis=1))

    def predict(self, X):
        """The most probable class per row (0/1)."""
        return (self.predict_proba(X).data[:, 1] > 0.5).astype(np.int64)


class SoftmaxRegression(Module):
    """y ∈ {0..K−1} | x ~ Categorical(softmax(W x + b)), W (K, D); log p = η_y − logsumexp(η), summed."""

    def __init__(self, n_features, n_classes, bias=True):
        super().__init__()
        self.n_features, self.n_classes = int(n_features), int(n_classes)
        self.weight = Parameter(np.zeros((n_classes, n_features)))
        self.bias = Parameter(np.zeros(n_classes)) if bias else None

    def forward(self, X):
        """The logits, shape (N, K)."""
        X = _float_data(X)
        _check_rows(X, None, "SoftmaxRegression", self.n_features)
        eta = X @ self.weight.T
        return eta if self.bias is None else eta + self.bias

    def log_prob(self, X, y):
        y = _int_labels(y, "SoftmaxRegression.log_prob", self.n_classes)
        return -F.cross_entropy(self.forward(X), y, reduction="sum")

    @_no_grad_tensor
    def predict_proba(self, X):
        """softmax(η) per row, shape (N, K)."""
        return F.softmax(self.forward(X), dim=1)

    def predict(self, X):
        return self.predict_proba(X).data.argmax(axis=1)


_ACTIVATIONS = {"tanh": Tensor.tanh, "relu": Tensor.relu, "sigmoid": Tensor.sigmoid,
                "softplus": Tensor.softplus}


class MLP(Module):
    """A multilayer perceptron of `tg.nn.Linear` layers with a likelihood on its output.

    likelihood='categorical': y | x ~ Categorical(softmax(f(x))), out_features = K classes;
    'bernoulli': y | x ~ Bernoulli(sigmoid(f(x))), out_features = 1;
    'normal': y | x ~ N(f(x), σ²) with a learned log_scale.
    """

    def __init__(self, in_features, hidden=(32,), out_features=2, activation="tanh",
                 likelihood="categorical", generator=None):
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"MLP: activation must be one of {sorted(_ACTIVATIONS)}, got "
                             f"{activation!r}")
        if likelihood not in ("categorical", "bernoulli", "normal"):
            raise ValueError(f"MLP: likelihood must be 'categorical', 'bernoulli' or 'normal', "
                             f"got {likelihood!r}")
        if likelihood == "bernoulli" and out_features != 1:
            raise ValueError(f"MLP: a bernoulli likelihood needs out_features=1, got {out_features}")
        sizes = [int(in_features), *map(int, hidden), int(out_features)]
        self.n_layers = len(sizes) - 1
        for i in range(self.n_layers):
            setattr(self, f"layer{i}", Linear(sizes[i], sizes[i + 1], generator=generator))
        self.activation, self.likelihood = activation, likelihood
        self.n_features, self.out_features = sizes[0], sizes[-1]
        if likelihood == "normal":
            self.log_scale = Parameter(np.zeros(()))

    def forward(self, X):
        """f(x): logits (categorical, bernoulli: shape (N,)) or the mean (normal)."""
        h = _float_data(X)
        _check_rows(h, None, "MLP", self.n_features)
        act = _ACTIVATIONS[self.activation]
        for i in range(self.n_layers):
            h = self._modules[f"layer{i}"](h)
            if i < self.n_layers - 1:
                h = act(h)
        return h.reshape(-1) if self.out_features == 1 and self.likelihood != "categorical" else h

    def log_prob(self, X, y):
        out = self.forward(X)
        if self.likelihood == "categorical":
            return -F.cross_entropy(out, _int_labels(y, "MLP.log_prob", self.out_features),
                                    reduction="sum")
        if self.likelihood == "bernoulli":
            return -F.binary_cross_entropy_with_logits(
                out, Tensor(_binary_targets(y, "MLP.log_prob")), reduction="sum")
        y = _float_data(y)
        r = (y - out) / self.log_scale.exp()
        return -0.5 * (r * r).sum() - y.data.size * (self.log_scale + 0.5 * _LOG_2PI)

    @_no_grad_tensor
    def predict_proba(self, X):
        """Class probabilities per row, shape (N, K) ((N, 2) for bernoulli)."""
        if self.likelihood == "normal":
            raise TypeError("MLP.predict_proba: a 'normal' likelihood has no class "
                            "probabilities; use predict(X)")
        out = self.forward(X)
        if self.likelihood == "categorical":
            return F.softmax(out, dim=1)
        p = out.sigmoid().data
        return Tensor(np.stack([1.0 - p, p], axis=1))

    def predict(self, X):
        """The most probable class (classification) or the predicted mean (normal)."""
        if self.likelihood == "normal":
            with grad_mode.no_grad():
                return self.forward(X)
        return self.predict_proba(X).data.argmax(axis=1)
