"""Maximum-likelihood and MAP estimation: `mle` and `map`, returning a `FitResult`.

    mle:  θ̂ = argmin_θ  −Σᵢ log p_θ(xᵢ)
    map:  θ̂ = argmin_θ  −Σᵢ log p_θ(xᵢ) − log p(θ)

The optimiser works on the objective divided by N (the number of data rows):
the same optimum, with `lr`, `tol` and `gtol` on the scale of a mean loss as in
PyTorch. Reported `nll` and `history` are on the summed scale. Standard errors
are the square roots of the diagonal of the inverse Hessian of the summed
objective at the optimum (the observed information; for `map`, the Laplace
approximation of the posterior), computed when the parameter count is at most
`max_stderr_params`.

With a Laplace prior (L1 penalty) on any parameter, the default optimiser is
proximal gradient descent (FISTA with backtracking and restarts), whose
soft-thresholding step gives exact zeros; choosing 'lbfgs' or 'adam' explicitly
treats the prior's log_prob as smooth and gives only near-zeros.
"""
import math
from collections import OrderedDict

import numpy as np

from . import grad_mode, optim
from .autograd import grad as _grad
from .nn.module import Module, Parameter
from .random import default_generator
from .tensor import Tensor, cat

__all__ = ["FitResult", "mle", "map"]


class FitResult:
    """The outcome of a fit: params, nll, history, converged, n_iter, stderr, cov, hessian, message."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __repr__(self):
        se = "" if self.stderr is None else ", stderr=available"
        return (f"FitResult(nll={self.nll:.6g}, converged={self.converged}, n_iter={self.n_iter}, "
                f"params={list(self.params)}{se})")


class _FunctionModel(Module):
    """Adapter making `log_prob(params, *data)` with an initial params dict look like a model."""

    def __init__(self, fn, params):
        super().__init__()
        object.__setattr__(self, "_fn", fn)
        for name, value in params.items():
            arr = value.data if isinstance(value, Tensor) else value
            self._parameters[str(name)] = Parameter(np.array(arr, dtype=np.float64))

    def log_prob(self, *data):
        return self._fn(dict(self._parameters), *data)


def _named_params(model, fname):
    if hasattr(model, "named_parameters"):
        named = list(model.named_parameters())
    elif hasattr(model, "parameters"):
        named = [(f"param{i}", p) for i, p in enumerate(model.parameters())]
    else:
        raise TypeError(f"{fname}: the model must have .parameters() and .log_prob(*data), or "
                        f"be a function log_prob(params, *data) with params= given; got "
                        f"{type(model).__name__}")
    if not named:
        raise ValueError(f"{fname}: the model {type(model).__name__} has no parameters")
    for name, p in named:
        if not isinstance(p, Tensor) or not p.requires_grad or p.grad_fn is not None:
            raise TypeError(f"{fname}: parameter {name!r} must be a leaf Tensor that requires grad")
    return named


def _as_data(data, fname):
    args = data if isinstance(data, tuple) else (data,)
    out = []
    for a in args:
        arr = np.asarray(a.data if isinstance(a, Tensor) else a)
        if arr.dtype == object:
            raise TypeError(f"{fname}: data must be arrays (got an object array)")
        out.append(arr)
    n = out[0].shape[0] if out[0].ndim else 1
    if n == 0:
        raise ValueError(f"{fname}: the data is empty (argument 0 has shape {out[0].shape}); "
                         f"there is nothing to fit")
    for i, arr in enumerate(out):
        if (arr.shape[0] if arr.ndim else 1) != n:
            raise ValueError(f"{fname}: every data array must have the same number of rows; "
                             f"argument 0 has {n}, argument {i} has shape {arr.shape}")
    return out, n


def _is_laplace(dist):
    return type(dist).__name__ == "Laplace" and hasattr(dist, "loc") and hasattr(dist, "scale")


def _scalar(x):
    arr = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    return arr


def _priors(prior, named, fname):
    """name -> distribution (or None) for every parameter."""
    names = [n for n, _ in named]
    if prior is None:
        return dict.fromkeys(names)
    if isinstance(prior, dict):
        unknown = [k for k in prior if k not in names]
        if unknown:
            raise ValueError(f"{fname}: prior given for unknown parameters {unknown}; the model's "
                             f"parameters are {names}")
        priors = {n: prior.get(n) for n in names}
    else:
        priors = dict.fromkeys(names, prior)
    for n, d in priors.items():
        if d is not None and not hasattr(d, "log_prob"):
            raise TypeError(f"{fname}: the prior for {n!r} must have .log_prob(tensor), got "
                            f"{type(d).__name__}")
    return priors


def _non_finite(named):
    bad_p = [n for n, p in named if not np.all(np.isfinite(p.data))]
    bad_g = [n for n, p in named if p.grad is not None and not np.all(np.isfinite(p.grad.data))]
    return bad_p, bad_g


def _nan_error(fname, what, it, named):
    bad_p, bad_g = _non_finite(named)
    values = ", ".join(f"{n}={np.array2string(p.data, threshold=6, precision=4)}" for n, p in named)
    detail = ""
    if bad_p:
        detail += f"; parameters that went non-finite: {bad_p}"
    if bad_g:
        detail += f"; parameters with non-finite gradients: {bad_g}"
    if not bad_p and not bad_g:
        detail += ("; every parameter is finite, so the model is undefined there (e.g. the log "
                   "of a negative value: use an unconstrained parametrisation such as a log scale)")
    raise RuntimeError(f"{fname}: the {what} became non-finite at iteration {it}, at {values}"
                       f"{detail}. Try a smaller lr, other initial values, or check the data.")


def _make_optimizer(optimizer, params, lr, fname):
    if isinstance(optimizer, str):
        kind = optimizer.lower()
        if kind == "lbfgs":
            return optim.LBFGS(params, lr=lr or 1.0, max_iter=1, tolerance_grad=0.0,
                               tolerance_change=0.0, history_size=20,
                               line_search_fn="strong_wolfe")
        factories = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD}
        if kind not in factories:
            raise ValueError(f"{fname}: optimizer must be 'lbfgs', 'adam', 'adamw', 'sgd', "
                             f"'proximal', an Optimizer class or a factory, got {optimizer!r}")
        return factories[kind](params, lr=lr or (1e-1 if kind == "sgd" else 1e-2))
    if isinstance(optimizer, optim.Optimizer):
        return optimizer
    opt = optimizer(params, lr=lr) if (isinstance(optimizer, type) and lr) else optimizer(params)
    if not isinstance(opt, optim.Optimizer):
        raise TypeError(f"{fname}: optimizer factory returned {type(opt).__name__}, not an "
                        f"Optimizer")
    return opt


def _progress(progress, total, fname):
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ImportError(f"{fname}: progress=True needs tqdm (pip install tqdm, or "
                          f"tinygrad_ku[progress])") from None
    return tqdm(total=total, desc=fname, leave=False)


class _Objective:
    """−(log p_θ(data) + log p(θ)) / N and its parts, on the full data or a batch."""

    def __init__(self, model, data, n, priors, smooth_only):
        self.model, self.data, self.n = model, data, n
        self.tensors = [Tensor(a) for a in data]
        self.priors = [(p, d) for (name, p), d in zip(model._named, priors.values())
                       if d is not None and not (smooth_only and _is_laplace(d))]

    def log_prior(self):
        total = 0.0
        for p, d in self.priors:
            lp = d.log_prob(p)
            total = total + (lp.sum() if isinstance(lp, Tensor) else float(np.sum(lp)))
        return total

    def __call__(self, batch=None):
        data = self.tensors if batch is None else [Tensor(a[batch]) for a in self.data]
        scale = self.n if batch is None else len(batch)
        lp = self.model.log_prob(*data)
        if not isinstance(lp, Tensor) or lp.ndim != 0:
            shape = getattr(lp, "shape", type(lp).__name__)
            raise ValueError(f"log_prob must return a scalar Tensor (summed over the data), got "
                             f"{shape}")
        obj = -lp / scale
        if self.priors:
            obj = obj - self.log_prior() / self.n
        return obj


def _flat_grad(named):
    return np.concatenate([np.zeros(p.data.size) if p.grad is None else p.grad.data.reshape(-1)
                           for _, p in named])


def _fit_smooth(obj, named, opt, max_iter, tol, gtol, batch_size, rng, bar, fname, what):
    """Run `opt`; returns (history on the mean scale, converged, n_iter)."""
    params = [p for _, p in named]
    history, calm, converged, it = [], 0, False, 0
    is_lbfgs = isinstance(opt, optim.LBFGS)

    def closure():
        opt.zero_grad()
        loss = obj()
        loss.backward()
        return loss

    if is_lbfgs:
        f = float(closure())
        if not math.isfinite(f):
            _nan_error(fname, what, 0, named)
        history.append(f)
        if np.abs(_flat_grad(named)).max() <= gtol:
            return history, True, 0
        for it in range(1, max_iter + 1):
            opt.step(closure)
            state = opt.state[params[0]]
            f_new, g = state.get("last_loss"), state.get("last_grad")
            if f_new is None:
                f_new, g = float(closure()), _flat_grad(named)
            if not (math.isfinite(f_new) and np.all(np.isfinite(g))):
                closure()
                _nan_error(fname, what, it, named)
            history.append(f_new)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(nll=f_new * obj.n, refresh=False)
            calm = calm + 1 if abs(f - f_new) <= tol * max(abs(f_new), 1.0) else 0
            f = f_new
            if np.abs(g).max() <= gtol or calm >= 3:
                converged = True
                break
        return history, converged, it

    n, epoch_losses, prev_epoch = obj.n, [], None
    order, pos = None, 0
    for it in range(1, max_iter + 1):
        batch = None
        if batch_size is not None:
            if order is None or pos >= n:
                if order is not None:
                    mean = float(np.mean(epoch_losses))
                    if prev_epoch is not None and abs(prev_epoch - mean) <= tol * max(abs(mean), 1.0):
                        converged = True
                        it -= 1
                        break
                    prev_epoch, epoch_losses = mean, []
                order, pos = rng.permutation(n), 0
            batch = order[pos:pos + batch_size]
            pos += batch_size
        opt.zero_grad()
        loss = obj(batch)
        loss.backward()
        f = float(loss)
        if not (math.isfinite(f) and all(p.grad is None or np.all(np.isfinite(p.grad.data))
                                         for p in params)):
            _nan_error(fname, what, it, named)
        history.append(f)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(nll=f * n, refresh=False)
        if batch is None:
            if np.abs(_flat_grad(named)).max() <= gtol:
                converged, it = True, it - 1
                break
            if len(history) > 1:
                calm = calm + 1 if abs(history[-2] - f) <= tol * max(abs(f), 1.0) else 0
                if calm >= 3:
                    converged = True
                    break
        else:
            epoch_losses.append(f)
        opt.step()
    else:
        it = max_iter
    return history, converged, it


def _fit_proximal(obj, named, priors, max_iter, tol, gtol, lr, bar, fname, what):
    """FISTA on f(θ)/N + Σ|θ − loc|/(b N): prox = soft-thresholding, backtracking, adaptive restart."""
    params = [p for _, p in named]
    l1 = []                                          # per parameter: (loc, threshold weight) or None
    for (name, p), d in zip(named, priors.values()):
        if d is not None and _is_laplace(d):
            loc = np.broadcast_to(_scalar(d.loc), p.shape)
            l1.append((loc, np.broadcast_to(1.0 / (_scalar(d.scale) * obj.n), p.shape)))
        else:
            l1.append(None)

    def smooth(values):
        for p, v in zip(params, values):
            np.copyto(p.data, v)
            p._bump_version()
            p.grad = None
        loss = obj()
        loss.backward()
        return float(loss), [np.zeros_like(p.data) if p.grad is None else p.grad.data.copy()
                             for p in params]

    def penalty(values):
        return sum(float(np.sum(w * np.abs(v - loc))) for v, c in zip(values, l1)
                   if c is not None for loc, w in [c])

    def prox(values, t):
        out = []
        for v, c in zip(values, l1):
            if c is None:
                out.append(v)
            else:
                loc, w = c
                z = v - loc
                out.append(loc + np.sign(z) * np.maximum(np.abs(z) - t * w, 0.0))
        return out

    x = [p.data.copy() for p in params]
    fx, _ = smooth(x)
    F = fx + penalty(x)
    if not math.isfinite(F):
        _nan_error(fname, what, 0, named)
    history, y, t_mom, step = [F], x, 1.0, lr or 1.0
    converged, calm, it = False, 0, 0
    for it in range(1, max_iter + 1):
        fy, gy = smooth(y)
        while True:
            x_new = prox([yi - step * gi for yi, gi in zip(y, gy)], step)
            f_new, _ = smooth(x_new)
            diff = [a - b for a, b in zip(x_new, y)]
            bound = fy + sum(float(np.sum(g * d)) for g, d in zip(gy, diff)) + \
                sum(float(np.sum(d * d)) for d in diff) / (2 * step)
            if math.isfinite(f_new) and f_new <= bound + 1e-15 * abs(fy):
                break
            step *= 0.5
            if step < 1e-20:
                if not math.isfinite(f_new):
                    _nan_error(fname, what, it, named)
                break
        F_new = f_new + penalty(x_new)
        if not math.isfinite(F_new):
            _nan_error(fname, what, it, named)
        grad_map = max(np.abs(d).max(initial=0.0) for d in diff) / step
        if F_new > F:                                # adaptive restart (O'Donoghue & Candès)
            t_mom, y = 1.0, x
            if F_new - F <= max(tol, 1e-13) * max(abs(F), 1.0):
                calm += 1                            # a rise within rounding: at the optimum
            if grad_map <= gtol or calm >= 3:
                converged = True
                break
            continue
        t_next = (1 + math.sqrt(1 + 4 * t_mom * t_mom)) / 2
        y = [a + ((t_mom - 1) / t_next) * (a - b) for a, b in zip(x_new, x)]
        t_mom = t_next
        calm = calm + 1 if abs(F - F_new) <= tol * max(abs(F_new), 1.0) else 0
        x, F = x_new, F_new
        history.append(F)
        step *= 1.1
        if bar is not None:
            bar.update(1)
            bar.set_postfix(nll=F * obj.n, refresh=False)
        if grad_map <= gtol or calm >= 3:
            converged = True
            break
    smooth(x)
    return history, converged, it


def _hessian(obj, named):
    """Hessian of N·obj() in the flattened parameters: exact by double backward, else central differences."""
    params = [p for _, p in named]
    sizes = [p.data.size for p in params]
    P = sum(sizes)
    try:
        with grad_mode.enable_grad():
            loss = obj() * obj.n
            grads = _grad(loss, params, create_graph=True, allow_unused=True)
            flat = cat([g.reshape(-1) if g is not None else Tensor(np.zeros(n))
                        for g, n in zip(grads, sizes)])
            if not flat.requires_grad:
                raise RuntimeError("gradient is constant")
            H = np.zeros((P, P))
            for k in range(P):
                rows = _grad(flat[k], params, retain_graph=True, allow_unused=True)
                H[k] = np.concatenate([np.zeros(n) if r is None else r.data.reshape(-1)
                                       for r, n in zip(rows, sizes)])
        return 0.5 * (H + H.T)
    except (RuntimeError, TypeError, NotImplementedError, AttributeError):
        return _hessian_fd(obj, named)


def _hessian_fd(obj, named):
    params = [p for _, p in named]
    theta = np.concatenate([p.data.reshape(-1) for p in params])

    def grad_at(vec):
        off = 0
        for p in params:
            p.data[...] = vec[off:off + p.data.size].reshape(p.shape)
            off += p.data.size
            p.grad = None
        with grad_mode.enable_grad():
            (obj() * obj.n).backward()
        return _flat_grad(named)

    H = np.zeros((theta.size, theta.size))
    for k in range(theta.size):
        h = 1e-5 * max(1.0, abs(theta[k]))
        e = np.zeros_like(theta)
        e[k] = h
        H[:, k] = (grad_at(theta + e) - grad_at(theta - e)) / (2 * h)
    grad_at(theta)
    return 0.5 * (H + H.T)


def _stderr(obj, named, max_params):
    P = sum(p.data.size for _, p in named)
    if P > max_params:
        return None, None, None, f"standard errors skipped: {P} parameters > max_stderr_params"
    H = _hessian(obj, named)
    for _, p in named:
        p.grad = None
    try:
        np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        return None, None, H, "standard errors unavailable: the Hessian is not positive definite"
    cov = np.linalg.inv(H)
    se, off = OrderedDict(), 0
    sd = np.sqrt(np.diag(cov))
    for name, p in named:
        se[name] = sd[off:off + p.data.size].reshape(p.shape)
        off += p.data.size
    return se, cov, H, ""


def _fit(fname, model, data, prior, params, optimizer, lr, max_iter, tol, gtol, batch_size,
         seed, progress, stderr, max_stderr_params):
    what = "negative log-likelihood" if fname == "mle" else "negative log-posterior"
    if callable(model) and not hasattr(model, "log_prob"):
        if params is None:
            raise TypeError(f"{fname}: a log_prob(params, *data) function needs the initial "
                            f"params= dict")
        model = _FunctionModel(model, params)
        plain = True
    else:
        if params is not None:
            raise TypeError(f"{fname}: params= is only for log_prob functions; the model "
                            f"{type(model).__name__} holds its own parameters")
        if not hasattr(model, "log_prob"):
            raise TypeError(f"{fname}: the model {type(model).__name__} has no log_prob(*data)")
        plain = False
    named = _named_params(model, fname)
    arrays, n = _as_data(data, fname)
    priors = _priors(prior, named, fname)
    has_l1 = any(d is not None and _is_laplace(d) for d in priors.values())
    if batch_size is not None and not (isinstance(batch_size, int) and 0 < batch_size):
        raise ValueError(f"{fname}: batch_size must be a positive int, got {batch_size!r}")
    if optimizer is None or optimizer == "auto":
        optimizer = "proximal" if has_l1 and batch_size is None else (
            "adam" if batch_size is not None else "lbfgs")
    proximal = optimizer == "proximal"
    if proximal and batch_size is not None:
        raise ValueError(f"{fname}: the proximal optimizer runs on the full data; drop batch_size")
    if batch_size is not None and isinstance(optimizer, (str, optim.LBFGS)) and \
            (optimizer == "lbfgs" or isinstance(optimizer, optim.LBFGS)):
        raise ValueError(f"{fname}: LBFGS needs the full data (its line search assumes a "
                         f"deterministic objective); use optimizer='adam' with batch_size")
    if max_iter is None:
        max_iter = 500 if optimizer == "lbfgs" else 5000
    holder = _Holder(model, named)
    obj = _Objective(holder, arrays, n, priors, smooth_only=proximal)
    rng = default_generator() if seed is None else np.random.default_rng(seed)   # tg.manual_seed
    bar = _progress(progress, max_iter, fname)
    try:
        with grad_mode.enable_grad():
            if proximal:
                history, converged, n_iter = _fit_proximal(
                    obj, named, priors, max_iter, tol, gtol, lr, bar, fname, what)
            else:
                opt = _make_optimizer(optimizer, [p for _, p in named], lr, fname)
                history, converged, n_iter = _fit_smooth(
                    obj, named, opt, max_iter, tol, gtol, batch_size, rng, bar, fname, what)
    finally:
        if bar is not None:
            bar.close()
    for _, p in named:
        p.grad = None
    full = _Objective(holder, arrays, n, priors, smooth_only=False)
    with grad_mode.no_grad():
        final = float(full()) * n
    if not math.isfinite(final):
        _nan_error(fname, what, n_iter, named)
    se = cov = H = None
    message = "converged" if converged else f"stopped after max_iter={max_iter} iterations"
    if stderr and not (proximal and has_l1):
        se, cov, H, note = _stderr(full, named, max_stderr_params)
        message += ("; " + note) if note else ""
    elif stderr:
        message += "; standard errors skipped: the L1 (Laplace) prior is not smooth"
    return FitResult(
        params=OrderedDict((name, p.data.copy()) for name, p in named),
        nll=final, history=[h * n for h in history], converged=bool(converged), n_iter=int(n_iter),
        stderr=se, cov=cov, hessian=H, message=message, model=None if plain else model,
        optimizer=optimizer if isinstance(optimizer, str) else type(optimizer).__name__)


class _Holder:
    """The model plus its (name, parameter) list, read once."""

    def __init__(self, model, named):
        self.log_prob = model.log_prob
        self._named = named


def mle(model, data, *, params=None, optimizer="auto", lr=None, max_iter=None, tol=1e-14,
        gtol=1e-10, batch_size=None, seed=None, progress=False, stderr=True,
        max_stderr_params=300):
    """θ̂ = argmin_θ −Σᵢ log p_θ(xᵢ); `model` has .parameters() and .log_prob(*data), or is log_prob(params, *data).

    data: one array, or a tuple of arrays with the same number of rows (e.g. (X, y)).
    optimizer: 'auto' (LBFGS on the full data, Adam with batch_size), 'lbfgs', 'adam',
    'adamw', 'sgd', an Optimizer instance, or a factory `params -> Optimizer`.
    Stops when max|∇| ≤ gtol or the mean objective changes by ≤ tol (relative) three
    times running (per epoch with batch_size); first-order optimisers with a constant lr
    rarely meet either and run max_iter steps. Raises RuntimeError naming the iteration and the
    parameters when the objective becomes non-finite.
    """
    return _fit("mle", model, data, None, params, optimizer, lr, max_iter, tol, gtol,
                batch_size, seed, progress, stderr, max_stderr_params)


def map(model, data, prior, *, params=None, optimizer="auto", lr=None, max_iter=None,
        tol=1e-14, gtol=1e-10, batch_size=None, seed=None, progress=False, stderr=True,
        max_stderr_params=300):
    """θ̂ = argmin_θ −Σᵢ log p_θ(xᵢ) − Σ_θ log p(θ); prior: one distribution for every parameter or {name: dist}.

    A prior is any object with .log_prob(tensor) (elementwise, summed here). Laplace priors
    are fitted by proximal gradient (exact zeros) unless another optimizer is chosen.
    Other arguments as `mle`.
    """
    if prior is None:
        raise ValueError("map: prior is required (use mle for a flat prior)")
    return _fit("map", model, data, prior, params, optimizer, lr, max_iter, tol, gtol,
                batch_size, seed, progress, stderr, max_stderr_params)

