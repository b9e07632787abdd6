"""Warnings for estimation problems, and checks on a finished optimisation (pure NumPy).

    recession(f, x, H):   is the optimum at infinity?  f(x + t·e) ≤ f(x) for t → ∞
    identification(H):    is H singular?               λmin(D⁻¹HD⁻¹) ≤ SINGULAR_RTOL·λmax
    verdict(result, f):   (converged, message, warning class) for the driver to report

All checks work on the *equilibrated* Hessian Hs = D⁻¹ H D⁻¹ with newton's scaling
D = √|diag H| (|gᵢ| where Hᵢᵢ = 0), so
they do not depend on the units of the parameters: a design with columns of order
1e5 (raw Longley) or data offset by 1e9 looks like any other well-posed fit. A
direction in Hs-space with eigenvalue λ is one standard error long at 1/√λ, so the
probes of `recession` step in standard errors, where a proper optimum always shows
an increase of about ½t² at t standard errors.
"""
import math
from collections import namedtuple

import numpy as np

from .newton import PD_RTOL, _scaling

__all__ = ["EstimationWarning", "PerfectSeparationWarning", "BoundaryWarning",
           "ConvergenceWarning", "IdentificationWarning", "recession", "identification",
           "verdict", "Verdict"]

SINGULAR_RTOL = PD_RTOL  # λmin(Hs) ≤ SINGULAR_RTOL·λmax(Hs): singular, as in newton.py
FLAT_SLOPE = 1e-5       # a null direction along which |∂f/∂z| exceeds this is a slope, not flat
NOISE_RTOL = 1e-12      # f changes below NOISE_RTOL·max(1, |f|) are rounding
RISE_RTOL = 1e-3        # a clear rise of f: RISE_RTOL·max(1, |f|)
EARLY_ITER = 25         # unbounded within this many iterations: suspect a sign error
_PROBES = (1.0, 10.0, 100.0, 1000.0)   # probe distances, in standard errors
_N_DIRECTIONS = 3       # flattest directions probed by `recession`


class EstimationWarning(UserWarning):
    """Base class of the warnings issued by tg.estimate."""


class PerfectSeparationWarning(EstimationWarning):
    """Perfect or quasi-separation: a discrete-outcome regression whose MLE is at infinity."""


class BoundaryWarning(EstimationWarning):
    """The estimate runs off to the edge of the parameter space, or the likelihood is unbounded."""


class ConvergenceWarning(EstimationWarning):
    """The optimiser stopped away from a verified optimum."""


class IdentificationWarning(EstimationWarning):
    """A singular Hessian: some parameter combination is not determined by the data."""


Verdict = namedtuple("Verdict", ["converged", "message", "warning"])


def _labels(labels, P):
    if labels is None or len(labels) != P:
        return [f"x[{i}]" for i in range(P)]
    return [str(s) for s in labels]


def _equilibrate(H, g=None):
    """(d, eigenvalues, eigenvectors, gs) of Hs = D⁻¹HD⁻¹ with newton's scaling D (gs = D⁻¹g)."""
    H = np.asarray(H, dtype=np.float64)
    g = np.zeros(H.shape[0]) if g is None else np.asarray(g, dtype=np.float64).reshape(-1)
    if not np.isfinite(g).all():
        g = np.zeros(H.shape[0])
    d = _scaling(H, g)
    Hs = H / d[:, None] / d[None, :]
    lam, V = np.linalg.eigh(0.5 * (Hs + Hs.T))
    return d, lam, V, g / d


def _fmt(x):
    return f"{x:.3g}"


def _sparse_basis(B):
    """Reduced row-echelon form of the rows of B (k, P), full pivoting: the sparsest readable basis
    of the same space (a softmax's flat directions come out one per feature, not mixed)."""
    B = B.copy()
    for r in range(B.shape[0]):
        c = int(np.argmax(np.abs(B[r])))
        B[r] /= B[r, c]
        for o in range(B.shape[0]):
            if o != r:
                B[o] -= B[o, c] * B[r]
    B[np.abs(B) < 1e-9 * np.abs(B).max(axis=1, keepdims=True)] = 0.0
    return B


def identification(H, labels=None, g=None, *, eq=None):
    """Describe the flat directions of a (near-)singular Hessian, λmin(Hs) ≤ 1e-12·λmax(Hs), or None.

    With the gradient g, a zero-curvature direction along which f still has a slope is left
    out: f is not flat there but falling (a matter for `recession`). eq: `_equilibrate(H, g)`
    when the caller has it already.
    """
    H = np.asarray(H, dtype=np.float64)
    P = H.shape[0]
    if P == 0 or not np.isfinite(H).all():
        return None
    names = _labels(labels, P)
    d, lam, V, gs = _equilibrate(H, g) if eq is None else eq
    top = max(abs(lam[-1]), abs(lam[0]))
    tol = SINGULAR_RTOL * top if top > 0 else math.inf
    null = np.flatnonzero((np.abs(lam) <= tol) & (np.abs(V.T @ gs) <= FLAT_SLOPE))
    if null.size == 0:
        return None
    parts = []
    for v in _sparse_basis(V[:, null].T)[:3]:
        idx = np.flatnonzero(np.abs(v) >= 0.1 * np.abs(v).max())
        idx = np.sort(idx[np.argsort(-np.abs(v[idx]))][:6])
        w = v[idx] / d[idx]                        # the flat move in the parameters' own units
        w = w / w[np.argmax(np.abs(w))]
        parts.append("Δ(" + ", ".join(names[i] for i in idx) + ") ∝ ("
                     + ", ".join(f"{c:+.3g}" for c in w) + ")")
    more = f" (and {null.size - 3} more)" if null.size > 3 else ""
    return (f"the Hessian is singular ({null.size} flat direction{'s' if null.size > 1 else ''}; "
            f"smallest eigenvalue of the scaled Hessian {_fmt(lam[0])} vs largest {_fmt(lam[-1])}): "
            f"the objective does not change along " + "; ".join(parts) + more
            + ", so these parameters are not separately identified (collinear or duplicated "
            "columns, or an over-parametrised model such as a softmax with a weight row per class)")


def _probe(f, x, e, f0, noise):
    """f at x + t·e for t in _PROBES; (never rose above f0 + noise, values seen).

    Stops at the first rise (+inf counts as one), at −inf (a fall) and at nan (no information
    beyond this point: the earlier probes decide).
    """
    vals = []
    for t in _PROBES:
        xt = x + t * e
        if not np.isfinite(xt).all():
            break
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                ft = float(f(xt))
        except (FloatingPointError, OverflowError, ZeroDivisionError):
            break
        if math.isnan(ft):
            break
        vals.append(ft)
        if ft > f0 + noise:
            return False, vals
        if ft == -math.inf:
            break
    return bool(vals), vals


def _as_quadratic(probes, f0, lin):
    """Both probes rose at the first step (1 SE) by ±lin + ½, the quadratic model's rise,
    within a factor of 2 (lin: the linear term, se · ∂f/∂z along the direction)."""
    for sign in (1.0, -1.0):
        vals = probes[sign][1]
        pred = sign * lin + 0.5
        if len(vals) != 1 or pred < 0.25 or not 0.5 * pred <= vals[0] - f0 <= 2.0 * pred:
            return False
    return True


def recession(f, x, H, labels=None, g=None, *, eq=None, f0=None):
    """Describe parameters running off to infinity — f(x + t·e) ≤ f(x) for all probed t ≫ 1 SE — or None.

    Probes the flattest directions of the equilibrated Hessian, the gradient (if g is given)
    and the ray from the origin through x, both signs, at 1, 10, 100, 1000 standard errors. A direction counts when f never
    rises along it (beyond rounding) while it clearly rises the opposite way (by more than
    RISE_RTOL·max(1, |f|)): separation, an all-success Bernoulli (logit → ∞), a scale → 0 at a
    point mass, an unbounded likelihood. A direction that is flat both ways is a matter for
    `identification`, not this check. A positive-definite H whose flattest direction rises at
    1 standard error both ways as its quadratic model predicts is a proper optimum: the other
    directions are not probed. eq: `_equilibrate(H, g)` and f0: f(x), when the caller has them.
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    H = np.asarray(H, dtype=np.float64)
    P = x.size
    if P == 0 or H.shape != (P, P) or not np.isfinite(H).all():
        return None
    if f0 is None:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            f0 = float(f(x))
    if not math.isfinite(f0):
        return None
    names = _labels(labels, P)
    d, lam, V, gs = _equilibrate(H, g) if eq is None else eq
    Hs = (V * lam) @ V.T
    top = max(abs(lam[-1]), abs(lam[0]), 1.0)
    noise = NOISE_RTOL * max(1.0, abs(f0))
    rise = RISE_RTOL * max(1.0, abs(f0))
    directions = [V[:, j] for j in np.argsort(lam)[:_N_DIRECTIONS]]
    for z in (gs, d * x):                                  # the gradient; the ray through x
        if np.isfinite(z).all() and np.any(z != 0):
            z = z / np.abs(z).max()
            directions.append(z / math.sqrt(z @ z))
    pd = lam[0] > SINGULAR_RTOL * max(abs(lam[-1]), abs(lam[0]))
    for i, v in enumerate(directions):
        curv = abs(float(v @ Hs @ v))
        slope = abs(float(v @ gs))
        if curv > 1e-8 * top:                              # one standard error along v (Hs units)
            se = 1.0 / math.sqrt(curv)
        elif slope > 0:                                    # no curvature: f changes by 1 unit
            se = 1.0 / slope
        else:
            se = 1.0 / math.sqrt(1e-8 * top)
        probes = {sign: _probe(f, x, sign * se * v / d, f0, noise) for sign in (1.0, -1.0)}
        if i == 0 and pd and curv > 1e-8 * top and _as_quadratic(probes, f0, se * float(v @ gs)):
            return None
        for sign in (1.0, -1.0):
            low, vals = probes[sign]
            back = probes[-sign][1]
            if not low or not back or max(back) <= f0 + rise:
                continue
            w = sign * v
            idx = np.flatnonzero(np.abs(w) >= 0.25 * np.abs(w).max())
            idx = idx[np.argsort(-np.abs(w[idx]))][:6]
            who = ", ".join(f"{names[i]} → {'+' if w[i] > 0 else '−'}∞" for i in idx)
            how = (f"falls by {f0 - min(vals):.3g} (from {f0:.10g})" if min(vals) < f0 - noise
                   else f"stays at {f0:.10g} within rounding")
            return (f"{who}: the objective {how} over {_PROBES[len(vals) - 1]:g} standard errors "
                    f"along this direction and rises the other way, so the optimum is at infinity")
    return None


def verdict(result, f=None, labels=None, *, may_separate=False):
    """(converged, message, warning class or None) for a NewtonResult plus the recession and identification checks.

    Order: unbounded (with the sign-error question when it happened within EARLY_ITER
    iterations) → optimum at infinity (PerfectSeparationWarning if may_separate, else
    BoundaryWarning) → singular Hessian (IdentificationWarning) → converged, or
    ConvergenceWarning. f is the objective alone (x -> float); without it no probe is made.
    """
    status = result.status
    x = np.asarray(result.x, dtype=np.float64)
    H = result.hess
    ok_H = H is not None and np.isfinite(np.asarray(H, dtype=np.float64)).all()
    if status == "unbounded":
        f0 = result.history[0] if result.history else math.nan
        msg = (f"the objective is unbounded below: it fell from {f0 + 0.0:.6g} to {result.fun:.6g} "
               f"in {result.n_iter} iterations")
        if result.n_iter <= EARLY_ITER:
            msg += (". mle MAXIMISES the log-likelihood Σ log p(x | θ) (it minimises the negative "
                    "for you): does your function return the NEGATIVE log-likelihood? If so, "
                    "return the log-likelihood instead (drop the minus sign). Otherwise the "
                    "likelihood itself has no maximum")
        else:
            msg += ". The likelihood has no maximum"
        msg += (" (e.g. a scale → 0 at a repeated data value, or a mixture component collapsing "
                "onto one point)")
        return Verdict(False, msg, BoundaryWarning)
    g = result.grad
    eq = _equilibrate(H, g) if ok_H else None          # one eigendecomposition for both checks
    f0 = None if result.fun is None else float(result.fun)     # f at result.x, known already
    rec = recession(f, x, H, labels, g, eq=eq, f0=f0) if (f is not None and ok_H) else None
    if rec is not None:
        if may_separate:
            msg = ("perfect or quasi-separation: " + rec + ". The maximum-likelihood estimate does "
                   "not exist; the reported values are where the optimiser stopped. Remove the "
                   "separating variable or add a prior (tg.estimate.map)")
            return Verdict(False, msg, PerfectSeparationWarning)
        msg = ("the estimate runs off to the boundary of the parameter space: " + rec + ". The "
               "maximum-likelihood estimate does not exist (or is on the boundary); the reported "
               "values are where the optimiser stopped. A prior (tg.estimate.map) keeps it finite")
        return Verdict(False, msg, BoundaryWarning)
    ident = identification(H, labels, g, eq=eq) if ok_H else None
    if ident is not None:
        return Verdict(False, f"not identified: {ident}. {result.message}", IdentificationWarning)
    if status == "converged":
        return Verdict(True, result.message, None)
    msg = result.message
    if status == "stalled":
        msg += (". This happens when the objective cannot be evaluated accurately enough to make "
                "progress, e.g. a parameter at the limits of floating point (a scale → 0 at a "
                "repeated data value) or an objective that is not smooth")
    return Verdict(False, msg, ConvergenceWarning)
