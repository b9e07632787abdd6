"""Conditional models p_θ(y | x) on natural parameters: LinearRegression, LogisticRegression,
PoissonRegression, SoftmaxRegression, MultinomialLogit, MLP.

`log_prob(X, y[, offset], reduction="sum")` is Σᵢ log p(yᵢ | xᵢ) ('none': the (N,) values).
The linear predictor is η = X w + b + offset: an offset (and, for log links, an exposure,
log μ = η + log exposure) is given to the constructor as in statsmodels -- it must then
match the rows of the data -- or as a third data column, which minibatches slice
with X and y; not both. Hooks for `tg.estimate`: `null_model(*data)` (the intercept-only
model of the same family, same offset), `may_separate` (discrete outcomes: boundary
estimates mean separation), `extra_results(X, y)` (LinearRegression's OLS quantities).
"""
import math

import numpy as np

from .. import grad_mode
from ..distributions import constraints
from ..nn import functional as F
from ..nn.module import Linear, Module, Parameter
from ..tensor import Tensor, cat
from . import _data

_LOG_2PI = math.log(2 * math.pi)


class _Regression(Module):
    """Weight (D,) and an optional bias, with the offset/exposure bookkeeping of η = Xw + b + o."""
    log_link = False            # True where an exposure is allowed (log μ = η)

    def __init__(self, n_features, bias=True, offset=None, exposure=None, log_link=None):
        super().__init__()
        if log_link is not None:
            self.log_link = bool(log_link)
        name = type(self).__name__
        if int(n_features) < 0:
            raise ValueError(f"{name}: n_features must be >= 0, got {n_features}")
        self.n_features = int(n_features)
        self.weight = Parameter(np.zeros(self.n_features))
        self.bias = Parameter(np.zeros(())) if bias else None
        self._init_offset(offset, exposure)

    def _init_offset(self, offset, exposure):
        name = type(self).__name__
        if exposure is not None and not self.log_link:
            raise ValueError(f"{name}: exposure= needs a log link (log μ = η + log exposure); "
                             f"use offset= for this model")
        self.offset = _data.column(offset, name, "offset")
        self.exposure = _data.column(exposure, name, "exposure")
        if self.exposure is not None and not np.all(self.exposure > 0):
            raise ValueError(f"{name}: exposure must be positive, got values such as "
                             f"{self.exposure[~(self.exposure > 0)][:3].tolist()}")
        if self.offset is not None and self.exposure is not None \
                and self.offset.shape != self.exposure.shape:
            raise ValueError(f"{name}: offset has {self.offset.size} rows but exposure has "
                             f"{self.exposure.size}")
        parts = [a for a in (self.offset, None if self.exposure is None else
                             np.log(self.exposure)) if a is not None]
        self._fixed_offset = sum(parts) if parts else None

    def _data_offset(self, n, offset, where):
        """The offset for n rows: the data column if given, else the constructor's, else None."""
        name = type(self).__name__
        if offset is not None:
            if self._fixed_offset is not None:
                raise ValueError(f"{name}.{where}: an offset was given both to the constructor "
                                 f"and as data; pass it one way only")
            return _data.column(offset, f"{name}.{where}", "offset (third data column)", n)
        if self._fixed_offset is not None and self._fixed_offset.shape[0] != n:
            raise ValueError(f"{name}.{where}: the constructor's offset/exposure has "
                             f"{self._fixed_offset.shape[0]} rows but X has {n}; to fit on "
                             f"minibatches pass the offset as a third data column instead")
        return self._fixed_offset

    def _eta(self, X, offset):
        """η = X w + b + offset, shape (N,)."""
        eta = X @ self.weight                   # (N, D) @ (D,) -> (N,)
        if self.bias is not None:
            eta = eta + self.bias
        return eta if offset is None else eta + offset

    def _predict_offset(self, n, offset, exposure):
        """Offsets for predictions: given ones, else the constructor's when X has its rows."""
        name = type(self).__name__
        if exposure is not None and not self.log_link:
            raise ValueError(f"{name}: exposure= needs a log link; use offset=")
        parts = [_data.column(offset, name, "offset", n)] if offset is not None else []
        if exposure is not None:
            ex = _data.column(exposure, name, "exposure", n)
            if not np.all(ex > 0):
                raise ValueError(f"{name}: exposure must be positive")
            parts.append(np.log(ex))
        if parts:
            return sum(parts)
        if self._fixed_offset is None:
            return None
        if self._fixed_offset.shape[0] != n:
            raise ValueError(f"{name}: the model has an offset/exposure of "
                             f"{self._fixed_offset.shape[0]} rows but X has {n}; pass offset= "
                             f"(or exposure=) for these rows")
        return self._fixed_offset

    def forward(self, X, offset=None, exposure=None):
        """The linear predictor η = X w + b + offset (+ log exposure), differentiable, (N,)."""
        X = _data.float_data(X)
        _data.check_rows(X, None, type(self).__name__, self.n_features)
        return self._eta(X, self._predict_offset(X.shape[0], offset, exposure))

    def _prepare(self, X, y, offset, where):
        """(X as a float Tensor, the offset or None) after the row checks on X and y."""
        name = f"{type(self).__name__}.{where}"
        X = _data.float_data(X)
        _data.check_rows(X, _data.array_of(y), name, self.n_features)
        return X, self._data_offset(X.shape[0], offset, where)

    def _null(self):
        """An intercept-only model of this class, carrying this model's constructor offset
        (and exposure, for a log link)."""
        exposure = {"exposure": self.exposure} if self.log_link else {}
        return type(self)(0, bias=True, offset=self.offset, **exposure)

    def null_model(self, X, y, *offset):
        """(the intercept-only model with the same offset, its data): for llnull and pseudo-R²."""
        X = _data.array_of(X)
        return self._null(), (np.zeros((X.shape[0], 0)), y, *offset)


class LinearRegression(_Regression):
    """y | x ~ N(x·w + b + offset, σ²): log p = −½((y − η)/σ)² − log σ − ½ log 2π."""
    arg_constraints = {"scale": constraints.positive}

    def __init__(self, n_features, bias=True, scale=1.0, offset=None):
        super().__init__(n_features, bias, offset)
        if not scale > 0:
            raise ValueError(f"LinearRegression: scale must be positive, got {scale}")
        self.scale = Parameter(np.full((), float(scale)))

    def log_prob(self, X, y, offset=None, *, reduction="sum"):
        """Σᵢ [−½((yᵢ − ηᵢ)/σ)² − log σ − ½ log 2π]."""
        _data.check_reduction(reduction, "LinearRegression.log_prob")
        X, off = self._prepare(X, y, offset, "log_prob")
        y = _data.finite_targets(y, "LinearRegression.log_prob")
        r = (y - self._eta(X, off)) / self.scale
        return _data.reduce(-0.5 * (r * r) - self.scale.log() - 0.5 * _LOG_2PI, reduction)

    @_data.no_grad_tensor
    def predict(self, X, offset=None):
        """E[y | x] = η as a Tensor that does not require grad."""
        return self.forward(X, offset)

    def extra_results(self, X, y, offset=None):
        """OLS by QR: {'scale_unbiased': √(RSS/(n − p)), 'stderr_ols': {'weight', 'bias'}} with
        se = s·‖row j of R⁻¹‖ (columns equilibrated first; p counts weight and bias)."""
        X = np.asarray(_data.array_of(X), dtype=np.float64)
        y = _data.finite_targets(y, "LinearRegression.extra_results")
        _data.check_rows(X, y, "LinearRegression.extra_results", self.n_features)
        off = self._data_offset(X.shape[0], offset, "extra_results")
        target = y if off is None else y - off
        A = X if self.bias is None else np.column_stack([X, np.ones(X.shape[0])])
        n, p = A.shape
        norms = np.linalg.norm(A, axis=0)
        norms[norms == 0] = 1.0
        Q, R = np.linalg.qr(A / norms)                    # (n, p), (p, p)
        nan = np.full(p, np.nan)
        full_rank = p <= n and np.all(np.abs(np.diag(R)) > 1e-13 * np.abs(np.diag(R)).max())
        if full_rank:
            coef = np.linalg.solve(R, Q.T @ target)        # in the equilibrated columns
            rss = float(np.sum((target - (A / norms) @ coef) ** 2))
            s = math.sqrt(rss / (n - p)) if n > p else math.nan
            Rinv = np.linalg.solve(R, np.eye(p))
            se = s * np.sqrt(np.sum(Rinv * Rinv, axis=1)) / norms
        else:
            s, se = math.nan, nan
        stderr = {"weight": se[:self.n_features]}
        if self.bias is not None:
            stderr["bias"] = np.asarray(se[-1])
        return {"scale_unbiased": s, "stderr_ols": stderr}


class LogisticRegression(_Regression):
    """y ∈ {0, 1} | x ~ Bernoulli(sigmoid(η)), η = x·w + b + offset: log p = y η − softplus(η)."""
    may_separate = True

    def __init__(self, n_features, bias=True, offset=None):
        super().__init__(n_features, bias, offset)

    def log_prob(self, X, y, offset=None, *, reduction="sum"):
        """Σᵢ [yᵢ ηᵢ − softplus(ηᵢ)]."""
        _data.check_reduction(reduction, "LogisticRegression.log_prob")
        X, off = self._prepare(X, y, offset, "log_prob")
        y = _data.binary_targets(y, "LogisticRegression.log_prob")
        eta = self._eta(X, off)
        return -F.binary_cross_entropy_with_logits(eta, Tensor(y), reduction=reduction)

    @_data.no_grad_tensor
    def predict_proba(self, X, offset=None):
        """[p(y=0 | x), p(y=1 | x)] per row, shape (N, 2)."""
        eta = self.forward(X, offset)
        return F.softmax(cat([eta.reshape(-1, 1) * 0.0, eta.reshape(-1, 1)], dim=1), dim=1)

    def predict(self, X, offset=None):
        """The most probable class per row (0/1)."""
        return (self.predict_proba(X, offset).data[:, 1] > 0.5).astype(np.int64)


class PoissonRegression(_Regression):
    """y ∈ ℕ | x ~ Poisson(μ), log μ = x·w + b + offset + log exposure:
    log p = y η − e^η − log y!."""
    log_link = True

    def __init__(self, n_features, bias=True, offset=None, exposure=None):
        super().__init__(n_features, bias, offset, exposure)

    def log_prob(self, X, y, offset=None, *, reduction="sum"):
        """Σᵢ [yᵢ ηᵢ − exp ηᵢ − log yᵢ!]."""
        _data.check_reduction(reduction, "PoissonRegression.log_prob")
        X, off = self._prepare(X, y, offset, "log_prob")
        y = _data.counts(y, "PoissonRegression.log_prob")
        eta = self._eta(X, off)
        return _data.reduce(eta * y - eta.exp() - _data.log_factorial(y), reduction)

    @_data.no_grad_tensor
    def predict(self, X, offset=None, exposure=None):
        """E[y | x] = exp η (with the offset/exposure) as a Tensor without grad."""
        return self.forward(X, offset, exposure).exp()


class _Classes(Module):
    """Shared checks of the multi-class linear models."""

    def _check_classes(self, n_features, n_classes, least):
        name = type(self).__name__
        if int(n_classes) < least or int(n_features) < 0:
            raise ValueError(f"{name}: needs n_classes >= {least} and n_features >= 0, got "
                             f"n_classes={n_classes}, n_features={n_features}")
        self.n_features, self.n_classes = int(n_features), int(n_classes)

    def _logits(self, X):
        raise NotImplementedError

    def forward(self, X):
        """The logits, shape (N, K)."""
        X = _data.float_data(X)
        _data.check_rows(X, None, type(self).__name__, self.n_features)
        return self._logits(X)

    def log_prob(self, X, y, *, reduction="sum"):
        """Σᵢ [η_{i,yᵢ} − logsumexp_k η_{ik}]."""
        name = f"{type(self).__name__}.log_prob"
        _data.check_reduction(reduction, name)
        X = _data.float_data(X)
        _data.check_rows(X, _data.array_of(y), name, self.n_features)
        y = _data.int_labels(y, name, self.n_classes)
        return -F.cross_entropy(self._logits(X), y, reduction=reduction)

    @_data.no_grad_tensor
    def predict_proba(self, X):
        """softmax(η) per row, shape (N, K)."""
        return F.softmax(self.forward(X), dim=1)

    def predict(self, X):
        """The most probable class per row."""
        return self.predict_proba(X).data.argmax(axis=1)

    def null_model(self, X, y):
        """(MultinomialLogit(0, K): class frequencies only, identified; its data)."""
        X = _data.array_of(X)
        return MultinomialLogit(0, self.n_classes), (np.zeros((X.shape[0], 0)), y)


class SoftmaxRegression(_Classes):
    """y ∈ {0..K−1} | x ~ Categorical(softmax(W x + b)), W (K, D), b (K,).

    NOT identified: adding one vector to every row of W (and one number to every b) leaves
    the likelihood unchanged, so the Hessian is singular and the estimates have no standard
    errors. Use MultinomialLogit (class 0 as the reference) for inference; its fitted
    probabilities are the same.
    """
    may_separate = True

    def __init__(self, n_features, n_classes, bias=True):
        super().__init__()
        self._check_classes(n_features, n_classes, 1)
        self.weight = Parameter(np.zeros((self.n_classes, self.n_features)))
        self.bias = Parameter(np.zeros(self.n_classes)) if bias else None

    def _logits(self, X):
        eta = X @ self.weight.T                 # (N, D) @ (D, K) -> (N, K)
        return eta if self.bias is None else eta + self.bias


class MultinomialLogit(_Classes):
    """The identified multinomial logit (statsmodels' MNLogit): class 0 is the reference,
    η = [0, X Wᵀ + b] with W (K−1, D), b (K−1,); p(y = k | x) = softmax(η)_k."""
    may_separate = True

    def __init__(self, n_features, n_classes, bias=True):
        super().__init__()
        self._check_classes(n_features, n_classes, 2)
        self.weight = Parameter(np.zeros((self.n_classes - 1, self.n_features)))
        self.bias = Parameter(np.zeros(self.n_classes - 1)) if bias else None

    def _logits(self, X):
        eta = X @ self.weight.T                 # (N, D) @ (D, K−1) -> (N, K−1)
        if self.bias is not None:
            eta = eta + self.bias
        return cat([Tensor(np.zeros((X.shape[0], 1), dtype=eta.dtype)), eta], dim=1)


_ACTIVATIONS = {"tanh": Tensor.tanh, "relu": Tensor.relu, "sigmoid": Tensor.sigmoid,
                "softplus": Tensor.softplus}


class MLP(Module):
    """A multilayer perceptron of `tg.nn.Linear` layers with a likelihood on its output.

    likelihood='categorical': y | x ~ Categorical(softmax(f(x))), out_features = K classes;
    'bernoulli': y | x ~ Bernoulli(sigmoid(f(x))), out_features = 1;
    'normal': y | x ~ N(f(x), scale²) with a learned positive `scale`.
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
            self.scale = Parameter(np.ones(()))
            self.arg_constraints = {"scale": constraints.positive}
        else:
            self.arg_constraints = {}

    def forward(self, X):
        """f(x): logits (categorical; bernoulli: shape (N,)) or the mean (normal)."""
        h = _data.float_data(X)
        _data.check_rows(h, None, "MLP", self.n_features)
        act = _ACTIVATIONS[self.activation]
        for i in range(self.n_layers):
            h = self._modules[f"layer{i}"](h)
            if i < self.n_layers - 1:
                h = act(h)
        return h.reshape(-1) if self.out_features == 1 and self.likelihood != "categorical" else h

    def log_prob(self, X, y, *, reduction="sum"):
        """Σᵢ log p(yᵢ | f(xᵢ)) under the chosen likelihood."""
        _data.check_reduction(reduction, "MLP.log_prob")
        X = _data.float_data(X)
        _data.check_rows(X, _data.array_of(y), "MLP.log_prob", self.n_features)
        out = self.forward(X)
        if self.likelihood == "categorical":
            return -F.cross_entropy(out, _data.int_labels(y, "MLP.log_prob", self.out_features),
                                    reduction=reduction)
        if self.likelihood == "bernoulli":
            return -F.binary_cross_entropy_with_logits(
                out, Tensor(_data.binary_targets(y, "MLP.log_prob")), reduction=reduction)
        y = _data.float_data(y)
        if out.ndim == 2 and y.ndim == 1:
            y = y.reshape(-1, 1)
        r = (y - out) / self.scale
        lp = -0.5 * (r * r) - self.scale.log() - 0.5 * _LOG_2PI
        return _data.reduce(lp if lp.ndim == 1 else lp.sum(1), reduction)

    @_data.no_grad_tensor
    def predict_proba(self, X):
        """Class probabilities per row, shape (N, K) ((N, 2) for bernoulli)."""
        if self.likelihood == "normal":
            raise TypeError("MLP.predict_proba: a 'normal' likelihood has no class "
                            "probabilities; use predict(X)")
        out = self.forward(X)
        if self.likelihood == "categorical":
            return F.softmax(out, dim=1)
        col = out.reshape(-1, 1)
        return F.softmax(cat([col * 0.0, col], dim=1), dim=1)

    def predict(self, X):
        """The most probable class (classification) or the predicted mean (normal)."""
        if self.likelihood == "normal":
            with grad_mode.no_grad():
                return self.forward(X)
        return self.predict_proba(X).data.argmax(axis=1)
