"""The estimation problem on one flat unconstrained vector u.

A model's parameters hold natural values θ (a scale, a probability) under the
constraints it declares in `arg_constraints`; the optimiser works on u with
θ = transform(u) per parameter (`tg.distributions.transform_to`), so every step
gives a valid model. The objective is on the summed scale (log-likelihood units):

    f(u) = −Σᵢ log p_θ(u)(xᵢ) − Σ_k log p_k(θ_k(u))

and `fgh` returns f with its exact gradient and Hessian from the engine.
"""
import contextlib
import inspect
from collections import OrderedDict

import numpy as np

from .. import engine, grad_mode
from ..autograd import grad as _grad
from ..autograd.functional import jacobian
from ..distributions import constraints, transform_to
from ..nn.module import Module, swap_parameters
from ..tensor import Tensor, cat


def element_labels(name, shape):
    """'w' for a scalar, 'w[0]', 'w[1]' for a vector, 'w[0,1]' for a matrix."""
    if shape == ():
        return [name]
    return [f"{name}[{','.join(map(str, idx))}]" for idx in np.ndindex(*shape)]


class _Param:
    """One parameter: its name, the model's Tensor, constraint, transform and slice of u."""
    __slots__ = ("name", "tensor", "constraint", "transform", "shape", "ushape", "start", "stop")

    def __init__(self, name, tensor, constraint, start):
        self.name, self.tensor, self.constraint = name, tensor, constraint
        self.transform = transform_to(constraint)
        self.shape = tuple(tensor.shape)
        self.ushape = tuple(self.transform.unconstrained_shape(self.shape))
        self.start = start
        self.stop = start + int(np.prod(self.ushape, dtype=np.int64))


class Problem:
    """Parameters, data, priors and the objective of one fit; see the module docstring."""

    def __init__(self, fname, model, named, data, priors, skip_prior=()):
        self.fname, self.model, self.data = fname, model, tuple(data)
        self.nobs = int(self.data[0].shape[0]) if self.data[0].ndim else 1
        self.tensors = tuple(Tensor(a) for a in self.data)
        declared = dict(getattr(model, "arg_constraints", None) or {})
        names = [n for n, _ in named]
        unknown = [k for k in declared if k not in names]
        if unknown:
            raise ValueError(f"{fname}: arg_constraints names {unknown}, which are not parameters "
                             f"of {type(model).__name__} (its parameters: {names})")
        self.params, start = [], 0
        for name, t in named:
            c = declared.get(name, constraints.real)
            c = _named_constraint(c, name, fname) if isinstance(c, str) else c
            try:
                p = _Param(name, t, c, start)
            except NotImplementedError as e:
                raise ValueError(f"{fname}: parameter {name!r} has constraint {c}, which fitting "
                                 f"cannot handle: {e}") from None
            bad = ~np.asarray(c.check(t.data), dtype=bool)
            if np.any(bad):
                raise ValueError(f"{fname}: the initial value of {name!r} breaks its constraint "
                                 f"({c}): {np.array2string(t.data, threshold=6)}")
            self.params.append(p)
            start = p.stop
        self.P = start
        self.names = names
        self.shapes = [p.shape for p in self.params]
        self.constraints = [p.constraint for p in self.params]
        self.labels = [lab for p in self.params for lab in element_labels(p.name, p.shape)]
        self.u_labels = [lab for p in self.params for lab in _u_labels(p)]
        self._per_obs = _accepts_reduction(model)
        self.priors = [(p, priors[p.name]) for p in self.params
                       if priors.get(p.name) is not None and p.name not in skip_prior]
        self.has_prior = any(priors.get(p.name) is not None for p in self.params)
        self._binder = _binder(model, named, fname)
        self.u0 = self.u_of({p.name: p.tensor.data for p in self.params})
        self._check_priors()

    # ----- θ(u) -------------------------------------------------------------------------
    def natural_tensors(self, u):
        """{name: θ Tensor} from the flat unconstrained Tensor u (differentiable)."""
        return OrderedDict((p.name, p.transform(_piece(u, p))) for p in self.params)

    def natural(self, u):
        """{name: θ ndarray} at the flat ndarray u."""
        with grad_mode.no_grad():
            return OrderedDict((k, v.data.copy())
                               for k, v in self.natural_tensors(Tensor(u)).items())

    def natural_flat(self, u):
        return np.concatenate([v.reshape(-1) for v in self.natural(u).values()])

    def jacobian(self, u):
        """∂θ/∂u, shape (Pθ, P)."""
        J = jacobian(lambda ut: cat([t.reshape(-1) for t in self.natural_tensors(ut).values()]),
                     Tensor(np.asarray(u, dtype=np.float64)), vectorize=True)
        return J.data

    def u_of(self, natural):
        """The flat u whose transform gives `natural` ({name: ndarray})."""
        u = np.empty(self.P)
        for p in self.params:
            value = np.broadcast_to(np.asarray(natural[p.name], dtype=np.float64), p.shape)
            u[p.start:p.stop] = np.asarray(p.transform.inv(value), dtype=np.float64).reshape(-1)
        return u

    # ----- objective --------------------------------------------------------------------
    def log_lik_terms(self, u, batch=None, per_obs=False):
        """log p_θ(u)(x) as a Tensor: a scalar, or one value per observation when the model gives them."""
        data = self.tensors if batch is None else tuple(Tensor(a[batch]) for a in self.data)
        kw = {"reduction": "none"} if per_obs and self._per_obs else {}
        with self._binder(self.natural_tensors(u)):
            lp = self.model.log_prob(*data, **kw)
        if not isinstance(lp, Tensor):
            raise TypeError(f"{self.fname}: log_prob must return a Tensor, got "
                            f"{type(lp).__name__}")
        rows = self.nobs if batch is None else len(batch)
        if lp.ndim and lp.shape[0] != rows:
            raise ValueError(f"{self.fname}: log_prob must return the summed log-likelihood (a "
                             f"scalar) or one value per observation (leading axis {rows}); got "
                             f"shape {lp.shape}")
        return lp

    def log_prior(self, u):
        total = 0.0
        if not self.priors:
            return total
        theta = self.natural_tensors(u)
        for p, dist in self.priors:
            total = total + dist.log_prob(theta[p.name]).sum()
        return total

    def objective(self, u, batch=None):
        """The mean objective Tensor: −Σ_batch log p / |batch| − log p(θ) / N (the full mean when batch is None)."""
        rows = self.nobs if batch is None else len(batch)
        obj = -self.log_lik_terms(u, batch).sum() / rows
        if self.priors:
            obj = obj - self.log_prior(u) / self.nobs
        return obj

    def mean_fg(self, u, batch=None):
        """(objective, gradient) of `objective` at the ndarray u as numbers: what a first-order step needs."""
        u_t = Tensor(np.array(u, dtype=np.float64), requires_grad=True)
        with grad_mode.enable_grad(), np.errstate(over="ignore", invalid="ignore",
                                                  divide="ignore"):
            obj = self.objective(u_t, batch)
            (g,) = _grad(obj, [u_t], allow_unused=True)
        return float(obj.data), (np.zeros(self.P) if g is None else g.data)

    def _summed(self, u):
        lp = self.log_lik_terms(u)
        obj = -(lp if lp.ndim == 0 else lp.sum())      # (a summed log_prob needs no Sum node)
        return obj - self.log_prior(u) if self.priors else obj

    def f(self, u):
        """The summed objective at the ndarray u (no graph)."""
        with grad_mode.no_grad(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return float(self._summed(Tensor(np.asarray(u, dtype=np.float64))).data)

    def fgh(self, u, hess=True):
        """(f, ∇f, ∇²f) of the summed objective at u; the Hessian by one batched reverse pass:
        ∇f is recorded (create_graph) and all P basis cotangents go back through it at once."""
        u_t = Tensor._make(np.array(u, dtype=np.float64), True, None)
        with grad_mode.enable_grad(), np.errstate(over="ignore", invalid="ignore",
                                                  divide="ignore"):
            f = self._summed(u_t)
            if not (isinstance(f, Tensor) and f.requires_grad):
                _grad(f, [u_t], allow_unused=True)          # raises: f does not depend on u
            seed = np.ones((), f.dtype)
            (g,) = engine.backward([f], [Tensor._make(seed, False, None) if hess else seed],
                                   hess, hess, [u_t])
            if g is None:                                   # u unused: f is constant
                return float(f.data), np.zeros(self.P), (np.zeros((self.P, self.P)) if hess
                                                         else None)
            g_data = np.array(g.data if isinstance(g, Tensor) else g, dtype=np.float64)
            if not hess:
                return float(f.data), g_data, None
            H = None
            if g.requires_grad:                             # else ∇f is constant: H = 0
                (H,) = engine.backward([g], [np.eye(self.P)], False, False, [u_t], batched=True)
            H = np.zeros((self.P, self.P)) if H is None else np.asarray(H, dtype=np.float64)
        return float(f.data), g_data, 0.5 * (H + H.T)

    def loglik(self, u):
        """Σᵢ log p_θ(u)(xᵢ) at the ndarray u (no prior)."""
        with grad_mode.no_grad():
            return float(self.log_lik_terms(Tensor(np.asarray(u, dtype=np.float64))).sum().data)

    def scores(self, u):
        """Per-observation scores ∂ log p_i / ∂u, shape (nobs, P), by one batched pass."""
        u_t = Tensor(np.array(u, dtype=np.float64), requires_grad=True)
        with grad_mode.enable_grad():
            lp = self.log_lik_terms(u_t, per_obs=True)
        if lp.ndim == 0:
            raise ValueError(f"{self.fname}: per-observation scores need a log_prob that returns "
                             f"one value per observation; {type(self.model).__name__}.log_prob "
                             f"returns only the sum")

        def weighted(w):
            with grad_mode.enable_grad():
                terms = self.log_lik_terms(u_t, per_obs=True)
                if terms.ndim > 1:
                    terms = terms.reshape(self.nobs, -1).sum(1)
                (g,) = _grad(terms, [u_t], grad_outputs=w, create_graph=True, allow_unused=True)
            return g

        S = jacobian(weighted, Tensor(np.ones(self.nobs)), vectorize=True).data   # (P, nobs)
        return S.T

    def score_outer(self, u):
        """Σᵢ sᵢ sᵢᵀ over observations (P, P), the middle of the sandwich covariance."""
        S = self.scores(u)
        return S.T @ S

    def _check_priors(self):
        """Each prior's log_prob must have the parameter's shape (or broadcast to it), not more."""
        with grad_mode.no_grad():
            theta = self.natural_tensors(Tensor(self.u0))
            for p, dist in self.priors:
                lp = dist.log_prob(theta[p.name])
                shape = tuple(getattr(lp, "shape", ()))
                event = p.constraint.event_dim
                target = p.shape[:len(p.shape) - event] if event else p.shape
                if np.broadcast_shapes(shape, target) != target:
                    raise ValueError(
                        f"{self.fname}: the prior for {p.name!r} gives log-densities of shape "
                        f"{shape}, but the parameter has shape {p.shape}; a prior with a larger "
                        f"batch shape would count the parameter several times")
                if not np.all(np.isfinite(np.asarray(lp.data if isinstance(lp, Tensor) else lp))):
                    raise ValueError(f"{self.fname}: the prior for {p.name!r} has zero density at "
                                     f"the initial value {np.array2string(p.tensor.data)}")


def _piece(u, p):
    """p's slice of u in its unconstrained shape: one indexing op for a scalar or a vector."""
    if p.ushape == ():
        return u[p.start]
    piece = u[p.start:p.stop]
    return piece if len(p.ushape) == 1 else piece.reshape(p.ushape)


_CONSTRAINT_NAMES = ("real", "positive", "nonnegative", "unit_interval", "simplex",
                     "lower_cholesky")


def _named_constraint(c, name, fname):
    """constraints.<c> for a constraint given by name ('positive', ...)."""
    if c not in _CONSTRAINT_NAMES:
        raise ValueError(f"{fname}: the constraint of {name!r} must be a constraint object or "
                         f"one of {list(_CONSTRAINT_NAMES)}, got {c!r}")
    return getattr(constraints, c)


_U_NAMES = {"ExpTransform": "log", "SigmoidTransform": "logit"}


def _u_labels(p):
    """Names of the unconstrained values: 'log scale', 'logit probs[0]', 'probs (unconstrained 0)'."""
    kind = type(p.transform).__name__
    if p.ushape != p.shape:
        return [f"{p.name} (unconstrained {i})" for i in range(p.stop - p.start)]
    standard = getattr(p.transform, "lower", 0.0) == 0.0 and getattr(p.transform, "upper", 1.0) == 1.0
    prefix = _U_NAMES.get(kind) if standard else "unconstrained"
    labels = element_labels(p.name, p.shape)
    return [f"{prefix} {lab}" for lab in labels] if prefix else labels


def _accepts_reduction(model):
    """True when model.log_prob takes reduction='none' (per-observation values), as tg.models do."""
    try:
        return "reduction" in inspect.signature(model.log_prob).parameters
    except (TypeError, ValueError):
        return False


def _binder(model, named, fname):
    """A context manager factory putting natural Tensors where the model reads its parameters."""
    if isinstance(model, Module):
        return lambda tensors: swap_parameters(model, tensors)
    attrs = {}
    for name, t in named:
        hits = [k for k, v in vars(model).items() if v is t]
        if not hits:
            raise TypeError(f"{fname}: parameter {name!r} of {type(model).__name__} is not an "
                            f"attribute of the model, so it cannot be fitted; make the model a "
                            f"tg.nn.Module")
        attrs[name] = hits[0]

    @contextlib.contextmanager
    def bind(tensors):
        saved = {a: getattr(model, a) for a in attrs.values()}
        try:
            for name, t in tensors.items():
                setattr(model, attrs[name], t)
            yield model
        finally:
            for a, t in saved.items():
                setattr(model, a, t)
    return bind
