"""Optimisers with PyTorch's interface: `SGD`, `Adam`, `AdamW`, `LBFGS` (strong-Wolfe line search);
learning-rate schedules in `lr_scheduler`.

    opt = tg.optim.Adam(model.parameters(), lr=1e-2)
    opt.zero_grad(); loss.backward(); opt.step()

Updates work on the parameters' ndarrays in place (the same Tensor objects stay
in the model) and bump each parameter's version counter, as PyTorch's in-place
updates under `no_grad` do. Hyper-parameters live in `param_groups` (a list of
dicts, one per group) and per-parameter buffers in `state`.
"""
import math

import numpy as np

from .. import grad_mode
from ..tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "LBFGS", "lr_scheduler"]


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


def _copy_state(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copy_state(v) for v in value]
    return value


class Optimizer:
    """Base class: holds `param_groups` (hyper-parameters per group) and `state` (buffers per parameter)."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors or "
                            f"dicts, got a single Tensor (wrap it in a list)")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a dict {'params': [...], **hyper-parameters}; missing ones come from the defaults."""
        name = type(self).__name__
        group = dict(param_group)
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        params = [p[1] if isinstance(p, tuple) and len(p) == 2 else p for p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, got {type(p).__name__}")
            if p.grad_fn is not None:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (shape {p.shape})")
            if p.dtype.kind not in "fc":
                raise TypeError(f"{name}: can't optimize a tensor of dtype {p.dtype}")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required "
                                 f"optimization parameter {key}")
            group.setdefault(key, default)
        group["params"] = params
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimised parameters (to None by default, as PyTorch)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad.data[...] = 0.0

    def _params(self):
        return [p for g in self.param_groups for p in g["params"]]

    def state_dict(self):
        """{'state': {index: buffers}, 'param_groups': [hyper-parameters with 'params' as indices]}."""
        index = {id(p): i for i, p in enumerate(self._params())}
        groups, start = [], 0
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            packed["params"] = list(range(start, start + len(g["params"])))
            start += len(g["params"])
            groups.append(packed)
        state = {index[id(p)]: {k: _copy_state(v) for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and buffers saved by `state_dict()` (same parameter layout)."""
        name = type(self).__name__
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the state dict has {len(saved)} parameter "
                             f"groups, the optimizer has {len(self.param_groups)}")
        for g, s in zip(self.param_groups, saved):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(f"{name}.load_state_dict: a parameter group has "
                                 f"{len(s['params'])} parameters in the state dict and "
                                 f"{len(g['params'])} in the optimizer")
        self.state = {}
        for g, s in zip(self.param_groups, saved):
            for i, p in zip(s["params"], g["params"]):
                if i in state_dict["state"]:
                    self.state[p] = {k: _copy_state(v) for k, v in state_dict["state"][i].items()}
            g.update({k: v for k, v in s.items() if k != "params"})

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        with grad_mode.no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group):
        raise NotImplementedError

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines + [")"])


def _check_hyper(name, **values):
    for key, v in values.items():
        if not v >= 0.0:
            raise ValueError(f"{name}: invalid {key} value {v!r} (must be >= 0)")


class SGD(Optimizer):
    """p ← p − lr·v, v ← μ v + (1−dampening)(∇ + λ p); Nesterov uses ∇ + λp + μ v (PyTorch's rule)."""

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, maximize=False):
        _check_hyper("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _update_group(self, group):
        lr, mu, damp = group["lr"], group["momentum"], group["dampening"]
        wd, nesterov, sign = group["weight_decay"], group["nesterov"], -1.0 if group["maximize"] else 1.0
        for p in group["params"]:
            if p.grad is None:
                continue
            d = p.grad.data if sign > 0 else -p.grad.data
            if wd:
                d = d + wd * p.data
            if mu:
                state = self.state.setdefault(p, {})
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.array(d, dtype=p.dtype)
                else:
                    buf *= mu
                    buf += (1.0 - damp) * d
                d = d + mu * buf if nesterov else buf
            p.data -= lr * d
            p._bump_version()


class Adam(Optimizer):
    """m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·m̂/(√v̂ + ε) (Kingma & Ba; g includes λp)."""

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, maximize=False):
        name = type(self).__name__
        _check_hyper(name, lr=lr, eps=eps, weight_decay=weight_decay)
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"{name}: betas must lie in [0, 1), got {betas}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))
        self._work = {}                # a scratch array per parameter: a step makes no temporaries

    def _update_group(self, group):
        lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
        wd, amsgrad = group["weight_decay"], group["amsgrad"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad.data if not group["maximize"] else -p.grad.data
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "exp_avg": np.zeros_like(p.data),
                                         "exp_avg_sq": np.zeros_like(p.data)}
                if amsgrad:
                    state["max_exp_avg_sq"] = np.zeros_like(p.data)
            if wd:
                if self.decoupled:
                    p.data *= 1.0 - lr * wd
                else:
                    g = g + wd * p.data
            state["step"] += 1
            t = state["step"]
            m, v = state["exp_avg"], state["exp_avg_sq"]
            work = self._work.get(p)
            if work is None or work.shape != m.shape:
                work = self._work[p] = np.empty_like(m)
            m *= b1
            m += np.multiply(g, 1.0 - b1, out=work)
            v *= b2
            np.multiply(g, g, out=work)
            work *= 1.0 - b2
            v += work
            if amsgrad:
                np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
                v = state["max_exp_avg_sq"]
            denom = np.sqrt(v, out=work)                  # √v̂ + ε = √v / √(1 − β₂ᵗ) + ε
            denom /= math.sqrt(1.0 - b2 ** t)
            denom += eps
            step = np.divide(m, denom, out=work)          # lr/(1 − β₁ᵗ) · (m / denom), as torch
            step *= lr / (1.0 - b1 ** t)
            p.data -= step
            p._bump_version()


class AdamW(Adam):
    """Adam with decoupled weight decay: p ← p(1 − lr·λ) before the Adam step (Loshchilov & Hutter)."""

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)


# ----- L-BFGS ------------------------------------------------------------------------

def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic through (x1, f1, g1), (x2, f2, g2), clipped to `bounds`."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    if not all(map(math.isfinite, (x1, f1, g1, x2, f2, g2))) or x1 == x2:
        return (lo + hi) / 2.0
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            denom = g2 - g1 + 2 * d2
            pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / denom) if denom else (lo + hi) / 2.0
        else:
            denom = g1 - g2 + 2 * d2
            pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / denom) if denom else (lo + hi) / 2.0
        return min(max(pos, lo), hi)
    return (lo + hi) / 2.0


def _strong_wolfe(obj_func, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Step t along d meeting the strong Wolfe conditions (Nocedal & Wright, Alg. 3.5/3.6; as PyTorch)."""
    d_norm = np.abs(d).max()
    f_new, g_new = obj_func(t, d)
    evals, ls_iter = 1, 0
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    while ls_iter < max_ls:
        if not f_new <= f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bf, bg, bgtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bf, bg, bgtd = [t], [f_new], [g_new], [gtd_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bf, bg, bgtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        lo, hi = t + 0.01 * (t - t_prev), t * 10
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (lo, hi))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = obj_func(t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bf, bg, bgtd = [0.0, t], [f, f_new], [g, g_new], [gtd, gtd_new]

    insuf_progress = False
    low, high = (0, 1) if bf[0] <= bf[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bf[0], bgtd[0], bracket[1], bf[1], bgtd[1])
        b_lo, b_hi = min(bracket), max(bracket)
        eps = 0.1 * (b_hi - b_lo)
        if min(b_hi - t, t - b_lo) < eps:
            if insuf_progress or t >= b_hi or t <= b_lo:
                t = b_hi - eps if abs(t - b_hi) < abs(t - b_lo) else b_lo + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if not f_new <= f + c1 * t * gtd or f_new >= bf[low]:
            bracket[high], bf[high], bg[high], bgtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bf[0] <= bf[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bf[high], bg[high], bgtd[high] = (
                    bracket[low], bf[low], bg[low], bgtd[low])
            bracket[low], bf[low], bg[low], bgtd[low] = t, f_new, g_new, gtd_new
    return bf[low], bg[low], bracket[low], evals


class LBFGS(Optimizer):
    """Limited-memory BFGS (two-loop recursion, Nocedal & Wright Alg. 7.4) with optional strong-Wolfe search.

    As PyTorch: one parameter group, `step(closure)` where the closure zeroes the
    gradients, computes the loss, calls `backward()` and returns the loss; one
    `step` runs up to `max_iter` iterations. One deliberate difference: a curvature
    pair (s, y) is kept when yᵀs > 1e-10·‖y‖‖s‖ (PyTorch: yᵀs > 1e-10), so that
    convergence does not stall on losses of small scale.
    """

    def __init__(self, params, lr=1.0, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        _check_hyper("LBFGS", lr=lr)
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{line_search_fn!r}")
        max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._plist = self.param_groups[0]["params"]
        self._sizes = [p.data.size for p in self._plist]

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _gather_flat_grad(self):
        return np.concatenate([np.zeros(p.data.size) if p.grad is None else
                               p.grad.data.reshape(-1) for p in self._plist]).astype(np.float64)

    def _add_grad(self, step, direction):
        offset = 0
        for p, n in zip(self._plist, self._sizes):
            p.data += step * direction[offset:offset + n].reshape(p.data.shape)
            p._bump_version()
            offset += n

    def _set_params(self, values):
        for p, v in zip(self._plist, values):
            np.copyto(p.data, v)
            p._bump_version()

    def _evaluate(self, closure):
        with grad_mode.enable_grad():
            loss = float(closure())
        return loss, self._gather_flat_grad()

    def step(self, closure=None):
        """Run up to max_iter L-BFGS iterations; returns the loss before them (as PyTorch)."""
        if closure is None:
            raise RuntimeError("LBFGS.step requires a closure that recomputes the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]
        state = self.state.setdefault(self._plist[0], {"func_evals": 0, "n_iter": 0})

        with grad_mode.enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        flat_grad = self._gather_flat_grad()
        evals = 1
        state["func_evals"] += 1
        state["last_loss"], state["last_grad"] = loss, flat_grad
        if np.abs(flat_grad).max(initial=0.0) <= tol_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag, prev_flat_grad = state.get("H_diag"), state.get("prev_flat_grad")
        n_iter = 0
        with grad_mode.no_grad():
            while n_iter < max_iter:
                n_iter += 1
                state["n_iter"] += 1
                if state["n_iter"] == 1:
                    d = -flat_grad
                    old_dirs, old_stps, ro, H_diag = [], [], [], 1.0
                else:
                    y = flat_grad - prev_flat_grad
                    s = d * t
                    ys, yy = float(y @ s), float(y @ y)
                    if ys > 1e-10 * math.sqrt(yy * float(s @ s)):   # scale-free curvature test
                        if len(old_dirs) == history:
                            old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                        old_dirs.append(y), old_stps.append(s), ro.append(1.0 / ys)
                        H_diag = ys / yy
                    al = [0.0] * len(old_dirs)
                    q = -flat_grad
                    for i in range(len(old_dirs) - 1, -1, -1):
                        al[i] = float(old_stps[i] @ q) * ro[i]
                        q -= al[i] * old_dirs[i]
                    d = r = q * H_diag
                    for i in range(len(old_dirs)):
                        be_i = float(old_dirs[i] @ r) * ro[i]
                        r += (al[i] - be_i) * old_stps[i]
                prev_flat_grad, prev_loss = flat_grad.copy(), loss
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
                gtd = float(flat_grad @ d)
                if gtd > -tol_change:
                    break
                if group["line_search_fn"] is not None:
                    x_init = [p.data.copy() for p in self._plist]

                    def obj_func(step, direction):
                        self._add_grad(step, direction)
                        out = self._evaluate(closure)
                        self._set_params(x_init)
                        return out

                    loss, flat_grad, t, ls_evals = _strong_wolfe(obj_func, t, d, loss, flat_grad, gtd)
                    self._add_grad(t, d)
                else:
                    self._add_grad(t, d)
                    ls_evals = 0
                    if n_iter != max_iter:
                        loss, flat_grad = self._evaluate(closure)
                        ls_evals = 1
                fresh = group["line_search_fn"] is not None or ls_evals
                state["last_loss"], state["last_grad"] = (loss, flat_grad) if fresh else (None, None)
                opt_cond = np.abs(flat_grad).max() <= tol_grad
                evals += ls_evals
                state["func_evals"] += ls_evals
                if n_iter == max_iter or evals >= max_eval or opt_cond:
                    break
                if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                    break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss if n_iter else None)
        return orig_loss


from . import lr_scheduler  # noqa: E402,F401  (after Optimizer, which it imports)


def __dir__():
    return list(__all__)
