"""First-order fitting loops on the flat unconstrained vector u.

`run_optimizer` drives a `tg.optim` optimiser (L-BFGS on the full data, Adam/SGD on
the full data or on minibatches) on the mean objective; `run_proximal` is FISTA for
Laplace (L1) priors, whose soft-thresholding step gives exact zeros:
    u ← prox_{t·λ|·−loc|}(y − t ∇f(y)),  prox(z) = loc + sign(z − loc)·max(|z − loc| − tλ, 0).
`run_optimizer` returns (history of the mean objective, n_iter, stop reason), `run_proximal`
(history, u, n_iter, stop reason).
"""
import math

import numpy as np

from .. import optim
from ..tensor import Tensor


def nan_error(problem, what, it, u, grad=None):
    """Raise a RuntimeError naming the iteration and the natural parameter values."""
    with np.errstate(all="ignore"):
        theta = problem.natural(u) if np.all(np.isfinite(u)) else {"u": u}
    values = ", ".join(f"{k}={np.array2string(v, threshold=6, precision=4)}"
                       for k, v in theta.items())
    detail = "every parameter is finite, so the model is undefined there"
    if not np.all(np.isfinite(u)):
        detail = "the parameters went non-finite"
    elif grad is not None and not np.all(np.isfinite(grad)):
        detail = "the gradient went non-finite"
    raise RuntimeError(f"{problem.fname}: the {what} became non-finite at iteration {it}, at "
                       f"{values} ({detail}). Try a smaller lr, other initial values, or check "
                       f"the data.")


def run_optimizer(problem, opt, u_t, max_iter, tol, batch_size, rng, bar, what):
    """Step `opt` (which owns u_t) until the relative change of the mean objective ≤ tol three times running.

    The objective and its gradient come from problem.mean_fg as numbers (the gradient is put
    in u_t.grad), so any problem with that method — in memory or spread over a cluster —
    drives the same loop.
    """
    if isinstance(opt, optim.LBFGS):
        return _run_lbfgs(problem, opt, u_t, max_iter, tol, bar, what)
    n, history, calm = problem.nobs, [], 0
    order, pos, epoch_losses, prev_epoch = None, 0, [], None
    for it in range(1, max_iter + 1):
        batch = None
        if batch_size is not None:
            if order is None or pos >= n:
                if order is not None:
                    mean = float(np.mean(epoch_losses))
                    if prev_epoch is not None and abs(prev_epoch - mean) <= tol * max(abs(mean), 1):
                        return history, it - 1, "the mean loss per epoch stopped changing"
                    prev_epoch, epoch_losses = mean, []
                order, pos = rng.permutation(n), 0
            batch = order[pos:pos + batch_size]
            pos += batch_size
        f, g = problem.mean_fg(u_t.data, batch)
        if not (math.isfinite(f) and np.all(np.isfinite(g))):
            nan_error(problem, what, it, u_t.data, g)
        u_t.grad = Tensor(g)
        history.append(f)
        if bar is not None:
            bar.update(f * n)
        if batch is None:
            if len(history) > 1:
                calm = calm + 1 if abs(history[-2] - f) <= tol * max(abs(f), 1.0) else 0
                if calm >= 3:
                    return history, it, "the objective stopped changing"
        else:
            epoch_losses.append(f)
        opt.step()
        if not np.all(np.isfinite(u_t.data)):
            nan_error(problem, what, it, u_t.data)
    return history, max_iter, f"max_iter={max_iter} reached"


def _run_lbfgs(problem, opt, u_t, max_iter, tol, bar, what):
    def closure():
        f, g = problem.mean_fg(u_t.data)
        u_t.grad = Tensor(g)
        return Tensor(np.float64(f))

    f = float(closure().data)
    if not math.isfinite(f):
        nan_error(problem, what, 0, u_t.data)
    history, calm = [f], 0
    for it in range(1, max_iter + 1):
        opt.step(closure)
        state = opt.state[u_t]
        f_new, g = state.get("last_loss"), state.get("last_grad")
        if f_new is None:
            f_new = float(closure().data)
            g = u_t.grad.data
        if not (math.isfinite(f_new) and np.all(np.isfinite(g))):
            nan_error(problem, what, it, u_t.data, g)
        history.append(f_new)
        if bar is not None:
            bar.update(f_new * problem.nobs)
        calm = calm + 1 if abs(f - f_new) <= tol * max(abs(f_new), 1.0) else 0
        f = f_new
        if calm >= 3 or not np.any(g):
            return history, it, "the objective stopped changing"
    return history, max_iter, f"max_iter={max_iter} reached"


def run_proximal(problem, l1, u0, max_iter, tol, lr, bar, what):
    """FISTA with backtracking and adaptive restart on f(u)/N + Σ_k λ_k|u_k − loc_k|; l1 = (loc, λ) arrays over u."""
    loc, lam = l1
    nobs = problem.nobs
    smooth = problem.mean_fg                         # u -> (mean objective, its gradient)

    def penalty(u):
        return float(np.sum(lam * np.abs(u - loc)))

    def prox(z, t):
        d = z - loc
        return loc + np.sign(d) * np.maximum(np.abs(d) - t * lam, 0.0)

    x = u0.copy()
    fx, _ = smooth(x)
    F = fx + penalty(x)
    if not math.isfinite(F):
        nan_error(problem, what, 0, x)
    history, y, t_mom, step, calm = [F], x, 1.0, lr or 1.0, 0
    for it in range(1, max_iter + 1):
        fy, gy = smooth(y)
        while True:
            x_new = prox(y - step * gy, step)
            f_new, _ = smooth(x_new)
            diff = x_new - y
            bound = fy + float(gy @ diff) + float(diff @ diff) / (2 * step)
            if math.isfinite(f_new) and f_new <= bound + 1e-15 * abs(fy):
                break
            step *= 0.5
            if step < 1e-20:
                if not math.isfinite(f_new):
                    nan_error(problem, what, it, x_new)
                break
        F_new = f_new + penalty(x_new)
        grad_map = np.abs(diff).max(initial=0.0) / step
        if F_new > F:                                # adaptive restart (O'Donoghue & Candès)
            t_mom, y = 1.0, x
            if F_new - F <= max(tol, 1e-13) * max(abs(F), 1.0):
                calm += 1                            # a rise within rounding: at the optimum
            if calm >= 3:
                return history, x, it, "the objective stopped changing"
            continue
        t_next = (1 + math.sqrt(1 + 4 * t_mom * t_mom)) / 2
        y = x_new + ((t_mom - 1) / t_next) * (x_new - x)
        t_mom = t_next
        calm = calm + 1 if abs(F - F_new) <= tol * max(abs(F_new), 1.0) else 0
        x, F = x_new, F_new
        history.append(F)
        step *= 1.1
        if bar is not None:
            bar.update(F * nobs)
        if grad_map <= 1e-12 or calm >= 3:
            return history, x, it, "the proximal gradient map vanished"
    return history, x, max_iter, f"max_iter={max_iter} reached"
