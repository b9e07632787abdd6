"""`mle` and `map`: check the arguments, choose the optimiser, fit, judge the result.

    mle:  θ̂ = argmin_θ  −Σᵢ log p_θ(xᵢ)
    map:  θ̂ = argmin_θ  −Σᵢ log p_θ(xᵢ) − log p(θ)      (priors on the natural parameters)

Small models (≤ max_stderr_params free values) are fitted by trust-region Newton
with the exact Hessian; larger ones by L-BFGS; minibatches (`batch_size`) by Adam;
Laplace (L1) priors on real parameters by proximal gradient (exact zeros).
Whatever the optimiser, `converged` is True only at a verified optimum: the
Hessian is positive definite and the Newton decrement λ² = gᵀH⁻¹g ≤ gtol (the
remaining step, measured in standard errors, is negligible). Otherwise it is
False, `message` names the reason, and a `tg.estimate.EstimationWarning` says so.
"""
import math
import warnings

import numpy as np

from .. import grad_mode, optim
from ..distributions import constraints as _constraints
from ..random import default_generator
from ..tensor import Tensor
from ..utils.progress import ProgressLine
from . import compiled as _compiled, diagnostics, distributed
from .arguments import as_data, check_number, is_laplace, priors_by_name, resolve_model
from .first_order import nan_error, run_optimizer, run_proximal
from .newton import PD_RTOL, NewtonResult, minimize_newton
from .problem import Problem
from .result import FitResult

_OPTIMIZERS = ("auto", "newton", "lbfgs", "adam", "adamw", "sgd", "proximal")


def _choose(optimizer, P, batch_size, has_l1, max_second_order, fname):
    if isinstance(optimizer, str):
        kind = optimizer.lower()
        if kind not in _OPTIMIZERS:
            raise ValueError(f"{fname}: optimizer must be one of {list(_OPTIMIZERS)}, an "
                             f"Optimizer or a factory params -> Optimizer; got {optimizer!r}")
        if kind == "auto":
            if batch_size is not None:
                return "adam"
            if has_l1:
                return "proximal"
            return "newton" if P <= max_second_order else "lbfgs"
        if batch_size is not None and kind in ("newton", "lbfgs", "proximal"):
            raise ValueError(f"{fname}: optimizer={kind!r} needs the full data (its steps assume "
                             f"a deterministic objective); use optimizer='adam' with batch_size")
        return kind
    if not (isinstance(optimizer, optim.Optimizer) or callable(optimizer)):
        raise TypeError(f"{fname}: optimizer must be a name ({', '.join(_OPTIMIZERS)}), an "
                        f"Optimizer or a factory params -> Optimizer; got {type(optimizer).__name__}")
    return optimizer


def _make_optimizer(optimizer, u_t, named, lr, fname):
    """A tg.optim optimiser over the unconstrained vector u_t."""
    if isinstance(optimizer, str):
        if optimizer == "lbfgs":
            return optim.LBFGS([u_t], lr=lr or 1.0, max_iter=1, tolerance_grad=0.0,
                               tolerance_change=0.0, history_size=20,
                               line_search_fn="strong_wolfe")
        factories = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD}
        return factories[optimizer]([u_t], lr=lr or (1e-1 if optimizer == "sgd" else 1e-2))
    if isinstance(optimizer, optim.Optimizer):
        owned = {id(p) for g in optimizer.param_groups for p in g["params"]}
        missing = [n for n, p in named if id(p) not in owned]
        if missing:
            raise ValueError(f"{fname}: the optimizer does not own the model's parameters "
                             f"{missing}; build it over model.parameters()")
        group = {k: v for k, v in optimizer.param_groups[0].items() if k != "params"}
        if lr is not None:
            group["lr"] = lr
        return type(optimizer)([u_t], **group)
    if isinstance(optimizer, type) and lr is not None:
        opt = optimizer([u_t], lr=lr)
    else:
        opt = optimizer([u_t])
    if not isinstance(opt, optim.Optimizer):
        raise TypeError(f"{fname}: the optimizer factory returned {type(opt).__name__}, not an "
                        f"Optimizer")
    return opt


class _Bar(ProgressLine):
    """The fit's progress line: iterations and the current objective."""

    def __init__(self, fname, max_iter):
        super().__init__(fname, max_iter, unit="iterations")

    def update(self, objective):
        super().update(1, note=f"objective {objective:.10g}")


def _l1_terms(problem, priors):
    """(loc, λ) over u for Laplace priors on real parameters: λ = 1/(b·N)."""
    loc, lam = np.zeros(problem.P), np.zeros(problem.P)
    for p in problem.params:
        d = priors.get(p.name)
        if d is None or not is_laplace(d):
            continue
        if p.constraint is not _constraints.real:
            raise ValueError(f"{problem.fname}: a Laplace prior on {p.name!r} needs a real "
                             f"parameter (its constraint is {p.constraint}); choose "
                             f"optimizer='newton' to treat the prior as smooth")
        as_arr = lambda x: np.asarray(getattr(x, "data", x), dtype=np.float64)   # noqa: E731
        loc[p.start:p.stop] = np.broadcast_to(as_arr(d.loc), p.shape).reshape(-1)
        lam[p.start:p.stop] = np.broadcast_to(1.0 / (as_arr(d.scale) * problem.nobs),
                                              p.shape).reshape(-1)
    return loc, lam


def _check_point(problem, u, f, history, n_iter, reason, gtol, kind, max_params, priors):
    """Judge a point reached by another optimiser by Newton's rule: (NewtonResult, H or None)."""
    common = dict(x=u, fun=f, n_iter=n_iter, n_eval=n_iter, history=history)
    if kind == "proximal":
        ok, detail = _l1_optimal(problem, priors, u)
        return NewtonResult(grad=None, hess=None, converged=ok, status="converged" if ok else
                            "max_iter", message=f"{reason}; {detail}", **common), None
    if problem.P > max_params:
        _, g, _ = problem.fgh(u, hess=False)
        return NewtonResult(grad=g, hess=None, converged=False, status="max_iter",
                            message=f"{reason}; not verified as an optimum: {problem.P} free "
                            f"values > max_stderr_params={max_params}, so no Hessian (max|g| = "
                            f"{np.abs(g).max():.3g})", **common), None
    _, g, H = problem.fgh(u)
    d = np.sqrt(np.abs(np.diag(H)))
    d[~(d > 0)] = 1.0
    lam, V = np.linalg.eigh(H / d[:, None] / d[None, :])
    a = V.T @ (g / d)
    pd = lam[0] > PD_RTOL * max(abs(lam[-1]), 1e-300)
    lam2 = float(np.sum(a * a / lam)) if pd else math.inf
    ok = bool(pd and lam2 <= gtol)
    nums = (f"Newton decrement λ² = gᵀH⁻¹g = {lam2:.3g} (gtol {gtol:.3g}), smallest eigenvalue "
            f"of the scaled Hessian {lam[0]:.3g}")
    message = (f"converged ({kind}: {reason}); verified: {nums}" if ok else
               f"not converged: {kind} stopped ({reason}) away from a verified optimum: {nums}; "
               f"optimizer='newton' finishes the job")
    return NewtonResult(grad=g, hess=H, converged=ok, status="converged" if ok else "max_iter",
                        message=message, **common), H


def _without_l1(problem, priors):
    """The problem without its Laplace priors (the proximal step handles them); a problem on a
    Dask cluster rebuilds itself (its `without_priors`) rather than pull its data here."""
    skip = {n for n, d in priors.items() if d is not None and is_laplace(d)}
    if hasattr(problem, "without_priors"):
        return problem.without_priors(skip)
    return Problem(problem.fname, problem.model, [(p.name, p.tensor) for p in problem.params],
                   problem.data, priors, skip_prior=skip)


def _l1_optimal(problem, priors, u):
    """KKT check of min f(u)/N + Σ λ|u − loc|: |∇f + λ sign| small off the kink, |∇f| ≤ λ on it."""
    loc, lam = _l1_terms(problem, priors)
    smooth = _without_l1(problem, priors)
    _, g, _ = smooth.fgh(u, hess=False)
    g = g / problem.nobs
    at_kink = (u == loc) & (lam > 0)
    viol = np.where(at_kink, np.maximum(np.abs(g) - lam, 0.0),
                    np.abs(g + lam * np.sign(u - loc)))
    worst = float(viol.max(initial=0.0))
    ok = worst <= 1e-6 * max(1.0, float(np.abs(g).max(initial=0.0)))
    return ok, (f"optimality (KKT) violation {worst:.3g} on the mean scale"
                + ("" if ok else ": not at the optimum"))


def _fit(fname, model, data, prior, *, params, constraints, optimizer, lr, max_iter, tol, gtol,
         batch_size, seed, progress, stderr, max_stderr_params, compile=None):
    what = "negative log-likelihood" if fname == "mle" else "negative log-posterior"
    check_number(lr, "lr", fname, positive=True)
    check_number(max_iter, "max_iter", fname, positive=True, integer=True)
    check_number(tol, "tol", fname, positive=False)
    check_number(gtol, "gtol", fname, positive=True)
    check_number(max_stderr_params, "max_stderr_params", fname, positive=False, integer=True)
    check_number(batch_size, "batch_size", fname, positive=True, integer=True)
    model, named, plain = resolve_model(model, params, constraints, fname)
    priors = priors_by_name(prior, [n for n, _ in named], fname)
    has_l1 = any(is_laplace(d) for d in priors.values() if d is not None)
    if distributed.has_dask_arrays(data):
        problem = distributed.make_problem(fname, model, named, data, priors)
    else:
        problem = Problem(fname, model, named, as_data(data, model, fname), priors)
    kind = _choose(optimizer, problem.P, batch_size, has_l1, max_stderr_params, fname)
    problem = _compiled.wrap(problem, compile, kind, batch_size)   # f, ∇f by tg.compile
    if max_iter is None:
        max_iter = {"newton": 100, "lbfgs": 500}.get(kind, 5000)
    f0 = problem.f(problem.u0)
    if not math.isfinite(f0):
        raise ValueError(f"{fname}: the {what} is {f0} at the initial values "
                         f"{dict(problem.natural(problem.u0))}; start inside the support")
    bar = _Bar(fname, max_iter) if progress else None
    rng = default_generator() if seed is None else np.random.default_rng(seed)   # tg.manual_seed
    hessian_u = None
    try:
        if kind == "newton":
            callback = (lambda it, x, f: bar.update(f)) if bar is not None else None
            res = minimize_newton(problem.fgh, problem.u0, max_iter=max_iter, gtol=gtol,
                                  callback=callback)
            u, history, n_iter, reason = res.x, list(res.history), res.n_iter, res.message
            if res.hess is not None and np.all(np.isfinite(res.hess)):
                hessian_u = res.hess
            newton_res = res
        else:
            newton_res = None
            if kind == "proximal":
                smooth = _without_l1(problem, priors)
                history, u, n_iter, reason = run_proximal(
                    smooth, _l1_terms(problem, priors), problem.u0, max_iter, tol, lr, bar, what)
            else:
                u_t = Tensor(problem.u0.copy(), requires_grad=True)
                opt = _make_optimizer(kind, u_t, named, lr, fname)
                with grad_mode.enable_grad():
                    history, n_iter, reason = run_optimizer(
                        problem, opt, u_t, max_iter, tol, batch_size, rng, bar, what)
                u = u_t.data.copy()
            history = [h * problem.nobs for h in history]
    finally:
        if bar is not None:
            bar.close()
    final = problem.f(u)
    unbounded = newton_res is not None and newton_res.status == "unbounded"
    if not math.isfinite(final) and not unbounded:
        nan_error(problem, what, n_iter, u)
    if newton_res is None:
        newton_res, hessian_u = _check_point(problem, u, final, history, n_iter, reason, gtol,
                                             kind, max_stderr_params, priors)
    may_separate = bool(getattr(model, "may_separate", False))
    verdict = diagnostics.verdict(newton_res, problem.f, problem.u_labels,
                                  may_separate=may_separate) if newton_res.hess is not None \
        else diagnostics.Verdict(newton_res.converged, newton_res.message,
                                 None if newton_res.converged else diagnostics.ConvergenceWarning)
    if verdict.warning is not None:
        warnings.warn(f"{fname}: {verdict.message}", verdict.warning, stacklevel=3)
    natural = problem.natural(u)
    for name, t in named:                        # the model holds the estimate afterwards
        t.data[...] = natural[name]
        t._bump_version()
    return FitResult(problem, u, nll=final, history=history, n_iter=int(n_iter),
                     converged=bool(verdict.converged),
                     message=_compiled.note(problem, verdict.message),
                     optimizer=kind if isinstance(kind, str) else type(kind).__name__,
                     hessian_u=hessian_u if stderr and kind != "proximal" else None,
                     model=None if plain else model, refit=mle)


def mle(model, data, *extra, params=None, constraints=None, optimizer="auto", lr=None,
        max_iter=None, tol=1e-14, gtol=1e-10, batch_size=None, seed=None, progress=False,
        stderr=True, max_stderr_params=300, compile=None):
    """θ̂ = argmin_θ −Σᵢ log p_θ(xᵢ); `model` has .parameters() and .log_prob(*data), or is log_prob(params, *data).

    data: one array, or a tuple of arrays with the same number of rows (e.g. (X, y)).
    log_prob may return the sum or one value per observation. optimizer: 'auto'
    (Newton for ≤ max_stderr_params free values, else L-BFGS; Adam with batch_size;
    proximal gradient with a Laplace prior), 'newton', 'lbfgs', 'adam', 'adamw',
    'sgd', 'proximal', an Optimizer built over model.parameters(), or a factory.
    constraints: for a log_prob function, {name: constraint} ('positive',
    'unit_interval', 'simplex' or a tg.distributions.constraints object).
    converged is True only at a verified optimum (positive-definite Hessian, Newton
    decrement ≤ gtol); tol stops first-order loops (relative change of the objective).
    compile: evaluate the objective and its gradient through tg.compile (bit for bit the
    same numbers; the Hessian stays eager); None: for Adam/AdamW/SGD or your own optimiser
    on the full data (many cheap steps), where it pays. A model that cannot be compiled is
    fitted eagerly and the message says why.
    """
    if extra:
        raise TypeError(f"mle: pass the data as one tuple, mle(model, (X, y)), not "
                        f"{len(extra) + 2} positional arguments")
    return _fit("mle", model, data, None, params=params, constraints=constraints,
                optimizer=optimizer, lr=lr, max_iter=max_iter, tol=tol, gtol=gtol,
                batch_size=batch_size, seed=seed, progress=progress, stderr=stderr,
                max_stderr_params=max_stderr_params, compile=compile)


def map(model, data, *extra, prior=None, params=None, constraints=None, optimizer="auto",
        lr=None, max_iter=None, tol=1e-14, gtol=1e-10, batch_size=None, seed=None,
        progress=False, stderr=True, max_stderr_params=300, compile=None):
    """θ̂ = argmin_θ −Σᵢ log p_θ(xᵢ) − Σ_k log p_k(θ_k); prior: one distribution for every parameter or {name: dist}.

    Priors apply to the natural parameters (probs, scale, rate, weight): with
    Bernoulli and prior={"probs": Beta(a, b)} the estimate is (k + a − 1)/(n + a + b − 2).
    A MAP estimate depends on the parametrisation; this is the one of the model's
    natural parameters. Laplace priors on real parameters are fitted by proximal
    gradient (exact zeros) unless another optimizer is chosen. Other arguments as `mle`.
    """
    if len(extra) == 1 and prior is None and (extra[0] is None or isinstance(extra[0], dict)
                                              or hasattr(extra[0], "log_prob")):
        prior, extra = extra[0], ()                  # map(model, data, prior)
    if extra or (prior is not None and not isinstance(prior, dict)
                 and not hasattr(prior, "log_prob")
                 and np.ndim(getattr(prior, "data", prior)) >= 1):
        raise TypeError("map: pass the data as one tuple and the prior after it, "
                        "map(model, (X, y), prior)")
    if prior is None:
        raise ValueError("map: prior is required (use mle for a flat prior)")
    return _fit("map", model, data, prior, params=params, constraints=constraints,
                optimizer=optimizer, lr=lr, max_iter=max_iter, tol=tol, gtol=gtol,
                batch_size=batch_size, seed=seed, progress=progress, stderr=stderr,
                max_stderr_params=max_stderr_params, compile=compile)
