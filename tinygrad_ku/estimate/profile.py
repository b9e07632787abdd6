"""Profile-likelihood intervals: {θ_k : 2(ℓ̂ − max over the other parameters of ℓ) ≤ χ²₁(1 − α)}."""
import math
import warnings

import numpy as np

from .diagnostics import BoundaryWarning, ConvergenceWarning
from .newton import minimize_newton


class ProfileSide:
    """One end of a profile interval for coordinate j of u: the t where r(t) = z on one side.

    r(t) = √(2(f_p(t) − f̂)), f_p(t) = min over the other coordinates of f with u_j = t;
    r is close to linear in t (exactly so for a Gaussian likelihood), so the root is
    bracketed by steps of one standard error and found by the Illinois method.
    """

    MAX_DOUBLINGS = 40

    def __init__(self, fit, j, label, f_hat, z, Hinv, side):
        self.fit, self.problem, self.j, self.f_hat, self.z = fit, fit.problem, j, f_hat, z
        self.side = side
        self.u_hat = fit.u
        self.others = np.array([k for k in range(fit.problem.P) if k != j], dtype=np.int64)
        self.h = math.sqrt(Hinv[j, j])
        # d v*/d t ≈ Σ_{−j, j} / Σ_jj: where the other coordinates move as u_j is fixed
        self.slope = Hinv[self.others, j] / Hinv[j, j]
        self.points = [(float(self.u_hat[j]), self.u_hat[self.others].copy())]
        self.label = label

    def _fp(self, t):
        """(r(t) − z, v*(t)): the profiled objective at u_j = t as a signed distance."""
        t0, v0 = min(self.points, key=lambda pv: abs(pv[0] - t))
        v_start = v0 + self.slope * (t - t0)
        if self.others.size == 0:
            u = self.u_hat.copy()
            u[self.j] = t
            f, v = self.problem.f(u), v_start
        else:
            res = minimize_newton(self._restricted(t), v_start, max_iter=200, gtol=1e-12)
            f, v = float(res.fun), np.asarray(res.x, dtype=np.float64)
            if not res.converged and math.isfinite(f):
                warnings.warn(f"FitResult.conf_int(method='profile'): maximising over the other "
                              f"parameters with {self.label} fixed at {t:.6g} did not converge "
                              f"({getattr(res, 'message', '')}); that end may be inaccurate",
                              ConvergenceWarning, stacklevel=5)
        if not math.isfinite(f):
            return None, v
        d = f - self.f_hat
        if d < -1e-6 * max(1.0, abs(self.f_hat)):
            raise RuntimeError(f"FitResult.conf_int(method='profile'): with {self.label} fixed "
                               f"at {t:.6g} the objective is {f:.12g}, lower than at the "
                               f"estimate ({self.f_hat:.12g}): the fit did not reach the maximum; "
                               f"refit before computing profile intervals")
        self.points.append((t, v))
        return math.sqrt(2.0 * max(d, 0.0)) - self.z, v

    def _restricted(self, t):
        problem, j, others = self.problem, self.j, self.others
        base = self.u_hat.copy()
        base[j] = t

        def fgh(v, hess=True):
            u = base.copy()
            u[others] = v
            f, g, H = problem.fgh(u, hess=hess)
            g = np.asarray(g)[others]
            return f, g, (None if H is None else np.asarray(H)[np.ix_(others, others)])
        return fgh

    def solve(self):
        """The end of the interval on this side, in u (±inf when the profile never reaches z)."""
        t_hat = float(self.u_hat[self.j])
        t_in, r_in = t_hat, -self.z
        step = self.z * self.h
        for _ in range(self.MAX_DOUBLINGS):
            t = t_hat + self.side * step
            r, _ = self._fp(t)
            if r is None:             # outside the model's domain: look closer
                step_out = step
                break
            if r >= 0.0:
                return self._illinois(t_in, r_in, t, r)
            t_in, r_in = t, r
            step *= 2.0
        else:
            step_out = None
        if step_out is not None:      # bisect between the last finite point and the domain edge
            lo, hi = t_in, t_hat + self.side * step_out
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                r, _ = self._fp(mid)
                if r is None:
                    hi = mid
                elif r >= 0.0:
                    return self._illinois(t_in, r_in, mid, r)
                else:
                    lo = t_in = mid
                    r_in = r
        warnings.warn(f"FitResult.conf_int(method='profile'): the profile likelihood of "
                      f"{self.label} stays within the χ² threshold as far as u = {t_in:.6g}; "
                      f"that end of the interval is the edge of the parameter space",
                      BoundaryWarning, stacklevel=4)
        return self.side * math.inf

    def _illinois(self, t_in, r_in, t_out, r_out):
        """The root of r(t) between t_in (r < 0) and t_out (r ≥ 0) by regula falsi (Illinois)."""
        last = 0
        for _ in range(200):
            if r_out == 0.0 or abs(t_out - t_in) <= 1e-13 * max(1.0, abs(t_out)):
                return t_out
            t = t_out - r_out * (t_out - t_in) / (r_out - r_in)
            if not (min(t_in, t_out) < t < max(t_in, t_out)):
                t = 0.5 * (t_in + t_out)
            r, _ = self._fp(t)
            if r is None:
                r = math.inf
            if abs(r) <= 1e-12:
                return t
            if r >= 0.0:
                t_out, r_out = t, r
                if last == 1:
                    r_in *= 0.5
                last = 1
            else:
                t_in, r_in = t, r
                if last == -1:
                    r_out *= 0.5
                last = -1
        return 0.5 * (t_in + t_out)
