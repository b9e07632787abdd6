"""Trust-region Newton on a flat float64 vector, with the exact Hessian and an honest stop.

    minimise f(x):   step s = argmin_{‖D s‖ ≤ Δ}  gᵀs + ½ sᵀH s,   D = diag(√|Hᵢᵢ|)

Each iteration works on the *equilibrated* problem z = D x, where the Hessian
Hs = D⁻¹ H D⁻¹ has a unit diagonal and the gradient is gs = D⁻¹ g. That makes the
method blind to the units of the parameters (H = diag(1e-18, 1) is the identity to
it) and keeps the linear algebra accurate on designs like raw Longley
(cond(H) ≈ 1e19, cond(Hs) ≈ 2e9).

- The subproblem is solved exactly in the eigenbasis of Hs (Moré–Sorensen,
  including the "hard case"), so an indefinite Hessian (a saddle or concave start)
  still gives a descent step along negative curvature. There the diagonal-Newton
  step −gs (Newton on the unit-diagonal model, which moves a location 1e9 away in
  one step) is tried first, under an Armijo test.
- A full Newton step inside the region is the common path: one `fgh` per iteration.
- When f falls by more than the quadratic model promised (ρ > 1.2, the mark of an
  exponential tail, where Newton advances by a constant), the next Newton step is
  tried 2×, 4×, ... longer and kept only if it gains more than the plain step's model.
- Full Newton steps near the optimum act as iterative refinement, which is how
  ill-conditioned problems reach full accuracy: a step whose predicted gain is below
  the rounding level of f is accepted as long as f does not rise beyond that level,
  and one more step is taken after λ² first drops below gtol (unless λ² ≤ 1e-20).

Trial points where f (or g, H) is not finite — exp overflow, log of a negative —
are rejected and the region shrinks; `fgh` is evaluated there under a local
`np.errstate`, never changing NumPy's global error state.

Converged iff H is positive definite at x (smallest eigenvalue of Hs above
PD_RTOL × largest) and the Newton decrement λ² = gᵀH⁻¹g ≤ gtol (λ² is the squared
length of the remaining Newton step measured in standard errors; λ²/2 is the
objective still to gain). Status values: "converged", "max_iter", "not_minimum"
(gradient ≈ 0 but H indefinite — a saddle — or singular — a flat direction),
"stalled" (the region shrank to nothing away from a verified optimum) and
"unbounded" (f → −∞).
"""
import math

import numpy as np

__all__ = ["NewtonResult", "minimize_newton"]

PD_RTOL = 1e-12       # eigenvalues of Hs at or below PD_RTOL·λmax(Hs) count as zero
NOISE_RTOL = 1e-12    # |f| · NOISE_RTOL: the rounding level of a summed objective
UNBOUNDED = 1e15      # f below f(x0) − UNBOUNDED·(1 + |f(x0)|) is taken as f → −∞
_ETA = 1e-4           # accept a step when actual/predicted decrease > _ETA
_MAX_REJECT = 60      # consecutive rejected steps before giving up ("stalled")
_NEGLIGIBLE = 1e-20   # λ² below this (a Newton step of 1e-10 SE) needs no refinement step


class NewtonResult:
    """Outcome of `minimize_newton`: x, fun, grad, hess, n_iter, n_eval, converged, status, message, history."""

    __slots__ = ("x", "fun", "grad", "hess", "n_iter", "n_eval", "converged", "status",
                 "message", "history", "decrement", "min_eig")

    def __init__(self, **fields):
        for name in self.__slots__:
            setattr(self, name, fields.get(name))

    def __repr__(self):
        return (f"NewtonResult(status={self.status!r}, fun={self.fun:.10g}, n_iter={self.n_iter}, "
                f"n_eval={self.n_eval}, converged={self.converged})")


def _evaluate(fgh, x, P, hess=True):
    """(f, g, H) at x as float64 (H None without hess), or (nan, None, None) if anything is non-finite."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        f, g, H = fgh(x, hess=hess)
        f = float(f)
        g = np.asarray(g, dtype=np.float64).reshape(-1)
        H = np.asarray(H, dtype=np.float64) if hess else None
    if g.shape != (P,) or (hess and H.shape != (P, P)):
        raise ValueError(f"minimize_newton: fgh must return f, g of shape ({P},) and H of shape "
                         f"({P}, {P}); got g {g.shape}, H {None if H is None else H.shape}")
    if f == -math.inf:
        return f, g, H
    if not (math.isfinite(f) and np.isfinite(g).all() and (H is None or np.isfinite(H).all())):
        return math.nan, None, None
    if H is not None:
        with np.errstate(over="ignore"):
            H = 0.5 * (H + H.T)
        if not np.isfinite(H).all():
            return math.nan, None, None
    return f, g, H


def _scaling(H, g):
    """D = √|diag H|. Where Hᵢᵢ = 0: |gᵢ| (a unit step in z changes f by one unit), else the
    largest other entry, or 1."""
    d = np.sqrt(np.abs(np.diag(H)))
    bad = ~(d > 0) | ~np.isfinite(d)
    if bad.any():
        slope = np.abs(g)
        d[bad] = slope[bad]
        bad &= ~(slope > 0)
        if bad.any():
            good = d[~bad]
            d[bad] = good.max() if good.size else 1.0
    return d


def _decrement(lam, a, tol):
    """λ² = Σ aᵢ²/λᵢ over the eigenvalues above tol (the pseudo-inverse decrement), and Σ a² over the rest."""
    big = lam > tol
    return float(np.sum(a[big] ** 2 / lam[big])), float(np.sum(a[~big] ** 2))


def _tr_subproblem(lam, a, delta, tol, flat_tol):
    """argmin_{‖c‖≤Δ} aᵀc + ½ Σ λᵢcᵢ² in the eigenbasis; returns (c, full_newton)."""
    lam_c = np.where(np.abs(lam) <= tol, 0.0, lam)           # rounding-level eigenvalues are zero
    a = np.where((lam_c == 0.0) & (np.abs(a) <= flat_tol), 0.0, a)  # and so is noise along them
    lmin = lam_c[0]
    if lmin >= 0.0:                                           # PSD: try the (pseudo-)Newton step
        pos = lam_c > 0.0
        if not a[~pos].any():
            c = np.zeros_like(a)
            c[pos] = -a[pos] / lam_c[pos]
            if math.sqrt(c @ c) <= delta:
                return c, True
    lo = max(0.0, -lmin)
    edge = lam_c <= lmin + tol
    if not a[edge].any() and lmin <= 0.0:                    # hard case: no pole at μ = −λmin
        c = np.zeros_like(a)
        rest = ~edge
        c[rest] = -a[rest] / (lam_c[rest] + lo)
        nrm = math.sqrt(c @ c)
        if nrm <= delta:
            if lmin < 0.0:                                    # move along negative curvature
                i = int(np.flatnonzero(edge)[0])
                c[i] = math.sqrt(max(delta * delta - nrm * nrm, 0.0))
            return c, False
    # secular equation ‖c(μ)‖ = Δ for μ > lo, c(μ) = −a/(λ + μ): Newton on 1/‖c‖, bracketed
    mu_lo = lo
    mu_hi = max(lo, math.sqrt(a @ a) / delta - lmin)         # ‖c(μ)‖ ≤ ‖a‖/(λmin + μ) ≤ Δ
    mu_hi += 1e-15 * max(1.0, abs(lam_c).max(), mu_hi)
    best = None                                               # the last c with ‖c‖ ≤ Δ
    mu = mu_hi
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(100):
            w = lam_c + mu
            c = -a / w
            nrm = math.sqrt(c @ c)
            if nrm <= delta:
                best = c
                if nrm >= (1 - 1e-6) * delta:
                    break
                mu_hi = mu
            else:                                             # includes nrm = inf at the pole
                mu_lo = mu
            dpsi = (c @ (c / w)) / nrm ** 3 if math.isfinite(nrm) and nrm > 0 else 0.0
            mu_new = mu - (1.0 / nrm - 1.0 / delta) / dpsi if dpsi > 0 else math.nan
            if not (mu_lo < mu_new < mu_hi):                  # ψ' = Σ aᵢ²/wᵢ³ / ‖c‖³
                mu_new = 0.5 * (mu_lo + mu_hi)
            if mu_new == mu or mu_hi - mu_lo <= 1e-15 * mu_hi:
                break
            mu = mu_new
    if best is None:
        best = -a / (lam_c + mu_hi)
        best *= min(1.0, delta / max(math.sqrt(best @ best), 1e-300))
    return best, False


def minimize_newton(fgh, x0, *, max_iter=100, gtol=1e-10, callback=None):
    """Trust-region Newton minimisation of f with the exact Hessian: s = argmin_{‖Ds‖≤Δ} gᵀs + ½sᵀHs.

    fgh(x, hess=True) -> (f, g, H): f float, g (P,), H (P, P); f may be +inf/nan at a trial
    point (the step is rejected). gtol bounds the Newton decrement λ² = gᵀH⁻¹g at the answer.
    callback(n_iter, x, f) is called after every accepted step.
    """
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"minimize_newton: max_iter must be a non-negative integer, got {max_iter!r}")
    if not (isinstance(gtol, (int, float, np.floating)) and gtol > 0 and math.isfinite(gtol)):
        raise ValueError(f"minimize_newton: gtol must be a positive finite number, got {gtol!r}")
    x = np.array(x0, dtype=np.float64).reshape(-1)
    P = x.size
    if not np.isfinite(x).all():
        raise ValueError(f"minimize_newton: x0 must be finite, got {x}")
    f, g, H = _evaluate(fgh, x, P)
    if not math.isfinite(f):
        raise ValueError(f"minimize_newton: the objective is not finite at the starting point "
                         f"(f(x0) = {f}); choose initial values inside the model's domain")
    f0 = f
    history = [f]
    if P == 0:
        return NewtonResult(x=x, fun=f, grad=g, hess=H, n_iter=0, n_eval=1, converged=True,
                            status="converged", message="converged: no parameters to optimise",
                            history=history, decrement=0.0, min_eig=math.inf)
    n_iter = 0
    delta = None
    grow = 2.0                     # expansion factor, doubled after each very successful edge step
    boost = 1.0                    # extrapolation factor for full Newton steps (exponential tails)
    jacobi_ok = True               # the diagonal-Newton trial, until it first fails
    prev_small = False             # the previous iterate already satisfied λ² ≤ gtol
    rejects = 0
    blowups = 0                    # consecutive non-finite trial points
    n_eval = 1
    status = None
    lam2 = math.nan
    lmin = math.nan
    while status is None:
        d = _scaling(H, g)
        gs = g / d
        Hs = H / d[:, None] / d[None, :]
        lam, V = np.linalg.eigh(Hs)
        a = V.T @ gs
        tol = PD_RTOL * max(abs(lam[-1]), abs(lam[0]), 1e-300)
        lmin = float(lam[0])
        lam2, null2 = _decrement(lam, a, tol)
        pd = lmin > tol                     # positive definite
        psd = lmin >= -tol                  # no negative curvature (possibly singular)
        small = lam2 <= gtol and null2 <= gtol
        if psd and small and (prev_small or lam2 <= _NEGLIGIBLE):
            status = "converged" if pd else "not_minimum"   # singular: a flat direction
            break
        refine = prev_small = small and psd  # verified stationary: one more Newton step refines it
        pos = lam > tol
        newton_len = math.sqrt(float(np.sum((a[pos] / lam[pos]) ** 2))) if pd else math.inf
        if delta is None:
            delta = newton_len if pd else max(1.0, math.sqrt(a @ a))   # first region
            delta = min(max(delta, 1e-8), 1e300)
        noise = NOISE_RTOL * max(1.0, abs(f))
        flat_tol = math.sqrt(gtol)
        jacobi = jacobi_ok and not psd and a @ a > 0.0   # indefinite H: diagonal Newton first
        while True:                                       # trial steps at this x
            if jacobi:                    # c = −gs (Newton on the unit-diagonal model); to the
                norm_a = math.sqrt(a @ a)     # edge of the region if H has no upward curvature along it
                t = 1.0 if lam @ (a * a) > 0.0 else math.inf
                c, full = -a * min(t, delta / norm_a), False
            else:
                c, full = _tr_subproblem(lam, a, delta, tol, flat_tol)
            pred = -(a @ c + 0.5 * (lam @ (c * c)))
            boosting = full and psd and boost > 1.0       # try boost × the Newton step first
            if boosting:
                c = boost * c
            step = (V @ c) / d
            xt = x + step
            snorm = math.sqrt(c @ c)
            if n_iter >= max_iter:
                status = "max_iter"
                break
            ft = math.nan
            if not np.isfinite(xt).all() or not (np.abs(step) > 2.3e-16 * np.abs(x)).any():
                accept = False
                if np.isfinite(xt).all() and not jacobi:  # the step no longer changes x
                    status = "stalled"
                    break
            else:
                n_iter += 1
                n_eval += 1
                # after a rejection at this x the next trial is likely rejected too: skip H
                ft, gt, Ht = _evaluate(fgh, xt, P, hess=rejects == 0)
                if ft == -math.inf or (math.isfinite(ft) and ft < f0 - UNBOUNDED * (1 + abs(f0))):
                    x, f = xt, ft
                    if gt is not None and np.isfinite(gt).all():
                        g = gt
                    history.append(f)
                    status = "unbounded"
                    break
                actual = f - ft if math.isfinite(ft) else -math.inf
                if jacobi:                                # Armijo on the linear decrease −gsᵀc
                    rho = 0.5
                    accept = actual >= -1e-4 * (a @ c) and actual > noise
                elif boosting:                            # must beat the plain step's model gain
                    rho = 1.0
                    accept = pred > noise and actual >= pred
                elif pred > noise:
                    rho = actual / pred
                    accept = rho > _ETA
                else:                                     # below rounding: refinement step
                    rho = 1.0
                    accept = full and psd and actual >= -noise
            if accept:
                # f fell by more than the model promised on a full Newton step: an exponential
                # tail (Newton moves by a constant there); extrapolate next time
                boost = min(2.0 * boost, 1e6) if (full and psd and rho > 1.2 or boosting) else 1.0
                if boosting:
                    pass
                elif jacobi and snorm < 0.99 * delta:
                    delta = max(delta, 2.0 * snorm)
                elif rho < 0.25 and not jacobi:
                    delta = 0.25 * snorm
                    grow = 2.0
                elif (jacobi or rho > 0.75) and not full and snorm >= 0.99 * delta:
                    delta *= grow               # accelerate only where the model's bottom
                    far = lam @ (c * c) <= 0.0 or (pd and newton_len > 4.0 * delta)
                    grow = min(grow * 2.0, 1e3) if far else 2.0       # is absent or far away
                else:
                    grow = 2.0
                    if full and rho > 0.75:
                        delta = max(delta, 2.0 * snorm)
                if Ht is None:
                    ft, gt, Ht = _evaluate(fgh, xt, P)
                    n_eval += 1
                    if not math.isfinite(ft):             # g or H not finite where f is
                        status = "stalled"
                        break
                x, f, g, H = xt, ft, gt, Ht
                history.append(f)
                rejects = 0
                blowups = 0
                if callback is not None:
                    callback(n_iter, x, f)
                break
            if jacobi or boosting:                        # fall back to the trust-region step
                jacobi_ok = jacobi_ok and not jacobi
                jacobi = False
                boost = 1.0
                continue
            if refine:                                    # x itself was verified: keep it
                status = "converged" if pd else "not_minimum"
                break
            rejects += 1
            grow = 2.0
            prev_small = False
            if math.isfinite(ft):
                delta = 0.25 * min(delta, snorm)
            else:                                         # 0.1, 0.01, 0.001, ... in a row
                blowups += 1
                delta = 0.1 ** blowups * min(delta, snorm)
            if rejects >= _MAX_REJECT or delta <= 1e-300:
                status = "stalled"
                break
    converged = status == "converged"
    if status == "stalled" and lmin < 0.0:
        gs = g / _scaling(H, g)
        if gs @ gs <= gtol:                                # stuck at a saddle point
            status = "not_minimum"
    message = _message(status, lam2, lmin, g, H, gtol, n_iter, max_iter, f0, f)
    return NewtonResult(x=x, fun=f, grad=g, hess=H, n_iter=n_iter, n_eval=n_eval,
                        converged=converged, status=status, message=message, history=history,
                        decrement=lam2, min_eig=lmin)


def _message(status, lam2, lmin, g, H, gtol, n_iter, max_iter, f0, f):
    """One sentence naming the reason and the numbers: λ², smallest scaled eigenvalue, |g|."""
    gnorm = float(np.abs(g).max()) if g.size else 0.0
    nums = (f"Newton decrement λ² = gᵀH⁻¹g = {lam2:.3g} (gtol {gtol:.3g}), smallest eigenvalue "
            f"of the scaled Hessian {lmin:.3g}, max|g| = {gnorm:.3g}")
    if status == "converged":
        return f"converged after {n_iter} iterations: {nums}; the Hessian is positive definite"
    if status == "max_iter":
        return f"not converged: reached max_iter = {max_iter} with {nums}"
    if status == "not_minimum":
        if lmin < 0 and abs(lmin) > PD_RTOL:
            return (f"not a minimum: the gradient is ≈ 0 but the Hessian is indefinite (a saddle "
                    f"point) after {n_iter} iterations; {nums}")
        return (f"not a strict minimum: the gradient is ≈ 0 but the Hessian is singular (a flat "
                f"direction: some parameters are not identified) after {n_iter} iterations; {nums}")
    if status == "stalled":
        return (f"stalled: the trust region shrank to nothing after {n_iter} iterations at a point "
                f"that is not a verified minimum; {nums}")
    return (f"unbounded: the objective fell from {f0 + 0.0:.6g} to {f:.6g} in {n_iter} iterations "
            f"(f → −∞); {nums}")
