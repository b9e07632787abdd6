"""`FitResult`: estimates on the natural scale and the inference built on them; `lr_test`.

The fit lives on an unconstrained vector u with natural parameters θ = θ(u) and
J = ∂θ/∂u. With H the Hessian of the summed objective −ℓ(u) (− log prior) at û:

    observed covariance   Σθ = J H⁻¹ Jᵀ
    robust (sandwich)     Σθ = J H⁻¹ (Σᵢ sᵢ sᵢᵀ) H⁻¹ Jᵀ,   sᵢ = ∂ log p(xᵢ)/∂u
    Wald interval         θ̂_k ± z_{1−α/2} se_k
    profile interval      {θ_k : 2(ℓ̂ − max_{others} ℓ) ≤ χ²₁(1 − α)}
    delta method          g(θ̂) ± z se,  se² = diag(∇_u g H⁻¹ ∇_u gᵀ)
    LR test               2(ℓ_full − ℓ_restricted) ~ χ²(P_full − P_restricted)

Everything costly is computed on first use and cached.
"""
import math
import warnings
from collections import OrderedDict

import numpy as np

from .. import grad_mode
from ..autograd.functional import jacobian as _jacobian
from ..distributions.transforms import ExpTransform, IdentityTransform, SigmoidTransform
from ..tensor import Tensor
from . import _stats
from .diagnostics import ConvergenceWarning, EstimationWarning
from .profile import ProfileSide
from .tables import LabelledArray, Summary, _extra_lines, _fmt

__all__ = ["FitResult", "DeltaResult", "LRTestResult", "lr_test"]


def _on_data(problem, name, hook):
    """hook(*problem.data); a problem whose data live on a Dask cluster applies the hook itself
    (estimate.distributed.DaskProblem.apply_data_hook), so nothing is collected here."""
    apply = getattr(problem, "apply_data_hook", None)
    return hook(*problem.data) if apply is None else apply(name, hook)


# ----- delta method and LR test results -------------------------------------------------
class DeltaResult:
    """g(θ̂) with its delta-method standard error: estimate, stderr, cov; conf_int(alpha)."""

    def __init__(self, estimate, cov, kind):
        self.estimate = estimate
        self.cov = cov                                    # (m, m), m = estimate.size
        self.kind = kind
        with np.errstate(invalid="ignore"):
            self.stderr = np.sqrt(np.diag(cov)).reshape(estimate.shape)

    def conf_int(self, alpha=0.05):
        """g(θ̂) ± z_{1−α/2} se, shape g.shape + (2,)."""
        z = _z(alpha, "DeltaResult.conf_int")
        return np.stack([self.estimate - z * self.stderr, self.estimate + z * self.stderr], -1)

    def __repr__(self):
        return (f"DeltaResult(estimate={np.array2string(np.asarray(self.estimate), threshold=6)}, "
                f"stderr={np.array2string(np.asarray(self.stderr), threshold=6)})")


class LRTestResult:
    """A likelihood-ratio test: statistic = 2(ℓ_full − ℓ_restricted), df, pvalue = P(χ²_df > statistic)."""

    def __init__(self, statistic, df, pvalue):
        self.statistic, self.df, self.pvalue = statistic, df, pvalue

    def __iter__(self):                 # stat, p, df = lr_test(...) as statsmodels' compare_lr_test
        return iter((self.statistic, self.pvalue, self.df))

    def __repr__(self):
        return f"LRTestResult(statistic={self.statistic:.6g}, df={self.df}, pvalue={self.pvalue:.4g})"


def _z(alpha, fname):
    if not (isinstance(alpha, (int, float, np.floating)) and 0.0 < alpha < 1.0):
        raise ValueError(f"{fname}: alpha must be in (0, 1), got {alpha!r}")
    return float(_stats.norm_isf(alpha / 2.0))


def _elementwise(p):
    """True when parameter p's transform acts element by element (not simplex / cholesky)."""
    return isinstance(p.transform, (IdentityTransform, ExpTransform, SigmoidTransform)) and \
        tuple(p.ushape) == tuple(p.shape)


def _apply_transform(p, values):
    """The natural values of p's elementwise transform at the unconstrained `values` (ndarray)."""
    with grad_mode.no_grad(), np.errstate(over="ignore", under="ignore"):
        return np.asarray(p.transform(Tensor(np.asarray(values, dtype=np.float64))).data,
                          dtype=np.float64)


# ----- the result -----------------------------------------------------------------------
class FitResult:
    """The outcome of `mle`/`map`: natural estimates, standard errors, intervals, tests, summary.

    Attributes: params, stderr (OrderedDict name -> ndarray, natural scale), labels,
    nll, llf, aic, bic, nobs, df_model, llnull, converged, n_iter, message, history,
    optimizer, model, problem, u (the unconstrained optimum). Methods: cov(kind),
    conf_int(alpha, method), hessian, summary(), delta(g), predict(...).
    `df_model` is the number of free parameters k = P (statsmodels' df_model leaves
    out the constant; ours counts every estimated value, as AIC does).
    """

    def __init__(self, problem, u, *, nll, history, n_iter, converged, message, optimizer,
                 hessian_u, model=None, refit=None):
        self.problem = problem
        self._refit = refit                      # mle, for the null model
        self.u = np.array(u, dtype=np.float64)
        self.nll = float(nll)
        self.history = list(history)
        self.n_iter = int(n_iter)
        self.converged = bool(converged)
        self.message = message
        self.optimizer = optimizer
        self.model = model
        self.labels = list(problem.labels)
        self.nobs = int(problem.nobs)
        self._hessian_u = None if hessian_u is None else np.array(hessian_u, dtype=np.float64)
        self._cache = {}
        self.params = problem.natural(self.u)
        sizes = [int(np.prod(s, dtype=np.int64)) for s in problem.shapes]
        offsets = np.cumsum([0] + sizes)
        self._nat_slices = [(p, int(a), int(b)) for p, a, b in
                            zip(problem.params, offsets[:-1], offsets[1:])]

    # ----- basic quantities ---------------------------------------------------------------
    @property
    def is_map(self):
        """True for a fit with a prior (map): the covariance is then a Laplace approximation."""
        return bool(self.problem.has_prior)

    @property
    def df_model(self):
        """k = the number of free (unconstrained) parameter values."""
        return int(self.problem.P)

    @property
    def llf(self):
        """ℓ(θ̂) = Σᵢ log p_θ̂(xᵢ), without the prior."""
        if "llf" not in self._cache:
            self._cache["llf"] = self.problem.loglik(self.u)
        return self._cache["llf"]

    @property
    def aic(self):
        """2k − 2ℓ(θ̂)."""
        return 2.0 * self.df_model - 2.0 * self.llf

    @property
    def bic(self):
        """k log n − 2ℓ(θ̂)."""
        return self.df_model * math.log(self.nobs) - 2.0 * self.llf

    @property
    def null_fit(self):
        """The mle fit of model.null_model(*data) (the intercept-only model), or None without one."""
        if "null_fit" not in self._cache:
            hook = getattr(self.model, "null_model", None)
            if hook is None:
                self._cache["null_fit"] = None
            else:
                null_model, null_data = _on_data(self.problem, "null_model", hook)
                fit = self._refit(null_model, null_data)
                if not fit.converged:
                    warnings.warn(f"FitResult.llnull: the null model did not converge "
                                  f"({fit.message}); llnull and pseudo R² are unreliable",
                                  ConvergenceWarning, stacklevel=3)
                self._cache["null_fit"] = fit
        return self._cache["null_fit"]

    @property
    def llnull(self):
        """ℓ of the null model (model.null_model), refitted on first use; None without the hook."""
        fit = self.null_fit
        return None if fit is None else fit.llf

    @property
    def prsquared(self):
        """McFadden's pseudo R² = 1 − ℓ(θ̂)/ℓ_null; None without a null model."""
        ll0 = self.llnull
        return None if ll0 is None else 1.0 - self.llf / ll0

    @property
    def llr(self):
        """2(ℓ(θ̂) − ℓ_null), the LR statistic against the null model; None without one."""
        ll0 = self.llnull
        return None if ll0 is None else 2.0 * (self.llf - ll0)

    @property
    def llr_pvalue(self):
        """P(χ²_{k − k_null} > llr); None without a null model."""
        fit = self.null_fit
        if fit is None:
            return None
        df = self.df_model - fit.df_model
        return float(_stats.chi2_sf(max(self.llr, 0.0), df)) if df > 0 else math.nan

    # ----- covariance ---------------------------------------------------------------------
    def _jac(self):
        if "J" not in self._cache:
            self._cache["J"] = np.asarray(self.problem.jacobian(self.u), dtype=np.float64)
        return self._cache["J"]

    def _inv_hessian(self):
        """H⁻¹ on the u scale (equilibrated: D (D H D)⁻¹ D, D = diag(H)^−½), or NaN with a reason."""
        if "Hinv" in self._cache:
            return self._cache["Hinv"]
        H = self._hessian_u
        P = self.problem.P
        if H is None:
            raise ValueError(f"FitResult: no Hessian was computed for this fit ({P} parameters, "
                             f"optimizer {self.optimizer!r}), so there are no standard errors or "
                             f"covariance; refit with stderr=True and max_stderr_params >= {P}")
        reason = None
        Hinv = np.full((P, P), np.nan)
        d = np.diag(H)
        if not np.all(np.isfinite(H)):
            reason = "the Hessian has non-finite entries"
        elif np.any(d <= 0):
            bad = [self._u_label(i) for i in np.flatnonzero(d <= 0)]
            reason = f"the Hessian is not positive definite (zero or negative curvature in {bad})"
        else:
            s = 1.0 / np.sqrt(d)
            Hs = H * s[:, None] * s[None, :]
            try:
                np.linalg.cholesky(Hs)
                Hinv = np.linalg.inv(Hs) * s[:, None] * s[None, :]
                Hinv = 0.5 * (Hinv + Hinv.T)
            except np.linalg.LinAlgError:
                w = np.linalg.eigvalsh(Hs)
                reason = (f"the Hessian is not positive definite (smallest eigenvalue of the "
                          f"scaled Hessian {w[0]:.3g}): the model is not identified or the fit "
                          f"is not at a maximum")
        self._cache["Hinv"] = Hinv
        self._cache["Hinv_reason"] = reason
        return Hinv

    def _u_label(self, i):
        for p in self.problem.params:
            if p.start <= i < p.stop:
                if p.stop - p.start == 1 and p.ushape == ():
                    return p.name
                idx = np.unravel_index(i - p.start, p.ushape)
                return f"{p.name}(u)[{','.join(map(str, idx))}]"
        return str(i)

    def _cov_u(self, kind):
        """The covariance of û: H⁻¹ (observed) or H⁻¹ B H⁻¹ with B = Σᵢ sᵢsᵢᵀ (robust)."""
        if kind == "observed":
            return self._inv_hessian()
        if kind != "robust":
            raise ValueError(f"FitResult.cov: kind must be 'observed' or 'robust', got {kind!r}")
        if "cov_u_robust" not in self._cache:
            if self.is_map:
                raise ValueError("FitResult.cov(kind='robust'): the sandwich covariance is for "
                                 "maximum-likelihood fits; this fit has a prior (map), whose "
                                 "Hessian includes the prior while the scores do not, so "
                                 "H⁻¹BH⁻¹ estimates nothing. Use kind='observed' (the Laplace "
                                 "approximation) or refit with mle")
            try:
                B = np.asarray(self.problem.score_outer(self.u), dtype=np.float64)  # Σ sᵢsᵢᵀ
            except ValueError as e:
                raise ValueError(f"FitResult.cov(kind='robust') needs per-observation "
                                 f"log-likelihoods: {e}") from None
            A = self._inv_hessian()                                                          # (P, P)
            R = A @ B @ A
            self._cache["cov_u_robust"] = 0.5 * (R + R.T)
        return self._cache["cov_u_robust"]

    def cov(self, kind="observed"):
        """Σθ = J Σu Jᵀ on the natural scale, labelled; Σu = H⁻¹ (observed) or H⁻¹BH⁻¹ (robust)."""
        key = ("cov", kind)
        if key not in self._cache:
            J = self._jac()
            C = J @ self._cov_u(kind) @ J.T
            self._cache[key] = LabelledArray(0.5 * (C + C.T), self.labels, self.labels)
        return self._cache[key].copy()

    @property
    def cov_problem(self):
        """Why the covariance is NaN (a Hessian that is not positive definite), or None."""
        if self._hessian_u is None:
            return "no Hessian was computed"
        self._inv_hessian()
        return self._cache["Hinv_reason"]

    @property
    def stderr(self):
        """OrderedDict name -> √diag(Σθ) in each parameter's shape; None when no Hessian was computed."""
        if self._hessian_u is None:
            return None
        if "stderr" not in self._cache:
            with np.errstate(invalid="ignore"):
                se = np.sqrt(np.diag(np.asarray(self.cov("observed"))))
            self._cache["stderr"] = OrderedDict(
                (p.name, se[a:b].reshape(p.shape)) for p, a, b in self._nat_slices)
        return OrderedDict((k, v.copy()) for k, v in self._cache["stderr"].items())

    def _se_flat(self, kind="observed"):
        with np.errstate(invalid="ignore"):
            return np.sqrt(np.diag(np.asarray(self.cov(kind))))

    @property
    def hessian(self):
        """The observed information on the natural scale, J⁻ᵀ H J⁻¹ (elementwise transforms only)."""
        if self._hessian_u is None:
            raise ValueError("FitResult.hessian: no Hessian was computed for this fit")
        bad = [p.name for p in self.problem.params if not _elementwise(p)]
        if bad:
            raise ValueError(f"FitResult.hessian: the natural parameters {bad} have fewer free "
                             f"values than entries (simplex / Cholesky), so ∂θ/∂u is not "
                             f"invertible and the natural-scale Hessian is undefined; use "
                             f"fit.cov() for their covariance")
        J = self._jac()
        Jinv = np.linalg.inv(J)
        Hn = Jinv.T @ self._hessian_u @ Jinv
        return LabelledArray(0.5 * (Hn + Hn.T), self.labels, self.labels)

    # ----- intervals ----------------------------------------------------------------------
    def conf_int(self, alpha=0.05, method="wald", kind="observed", scale="natural"):
        """(Pθ, 2) labelled [lower, upper] at level 1 − α: Wald θ̂ ± z se, or the profile likelihood.

        method="wald": scale="natural" gives θ̂ ± z·se (se from cov(kind)); scale=
        "unconstrained" gives θ(û ± z·se_u) instead, which stays inside the parameter
        space (e.g. a positive scale keeps a positive lower end); NaN rows for simplex
        and Cholesky parameters, which have no elementwise transform.
        method="profile": the values where 2(ℓ̂ − ℓ_p(θ_k)) = χ²₁(1 − α), ℓ_p maximised
        over the other parameters (for map fits: the log-posterior, profiled); exact
        under reparametrisation; NaN rows for simplex / Cholesky parameters.
        """
        z = _z(alpha, "FitResult.conf_int")
        cols = [f"{100 * alpha / 2:g}%", f"{100 * (1 - alpha / 2):g}%"]
        if method == "profile":
            return LabelledArray(self._profile_intervals(alpha), self.labels, cols)
        if method != "wald":
            raise ValueError(f"FitResult.conf_int: method must be 'wald' or 'profile', got "
                             f"{method!r}")
        if scale == "natural":
            theta = self.problem.natural_flat(self.u)
            se = self._se_flat(kind)
            return LabelledArray(np.stack([theta - z * se, theta + z * se], 1), self.labels, cols)
        if scale != "unconstrained":
            raise ValueError(f"FitResult.conf_int: scale must be 'natural' or 'unconstrained', "
                             f"got {scale!r}")
        cov_u = self._cov_u(kind)
        with np.errstate(invalid="ignore"):
            se_u = np.sqrt(np.diag(cov_u))
        out = np.full((len(self.labels), 2), np.nan)
        for p, a, b in self._nat_slices:
            if not _elementwise(p):
                continue
            uu = self.u[p.start:p.stop]
            ends = np.stack([_apply_transform(p, (uu - z * se_u[p.start:p.stop]).reshape(p.shape)),
                             _apply_transform(p, (uu + z * se_u[p.start:p.stop]).reshape(p.shape))])
            out[a:b] = np.sort(ends.reshape(2, -1), axis=0).T
        return LabelledArray(out, self.labels, cols)

    def _profile_intervals(self, alpha):
        z = _z(alpha, "FitResult.conf_int")
        Hinv = self._inv_hessian()
        if self._cache.get("Hinv_reason"):
            raise ValueError(f"FitResult.conf_int(method='profile'): {self._cache['Hinv_reason']}; "
                             f"the profile needs a fit at a proper maximum")
        f_hat = self.problem.f(self.u)
        out = np.full((len(self.labels), 2), np.nan)
        skipped = []
        for p, a, b in self._nat_slices:
            if not _elementwise(p):
                skipped.append(p.name)
                continue
            for i in range(b - a):
                j = p.start + i
                label = self.labels[a + i]
                ends_u = [ProfileSide(self, j, label, f_hat, z, Hinv, side).solve()
                          for side in (-1, 1)]
                ends = [_apply_transform(p, np.full(p.shape, t)).reshape(-1)[i] for t in ends_u]
                out[a + i] = sorted(ends)
        if skipped:
            warnings.warn(f"FitResult.conf_int(method='profile'): no profile interval for "
                          f"{skipped} (simplex / Cholesky parameters have no elementwise "
                          f"transform); their rows are NaN", EstimationWarning,
                          stacklevel=3)
        return out

    # ----- delta method and prediction ----------------------------------------------------
    def delta(self, g, kind="observed"):
        """g(θ̂) ± se by the delta method: Σ_g = G Σu Gᵀ with G = ∂g(θ(u))/∂u by autodiff.

        g takes {name: natural Tensor} and returns a Tensor (any shape), built from
        differentiable operations. Returns a DeltaResult (estimate, stderr, cov,
        conf_int(alpha)) with estimate and stderr in g's shape.
        """
        if not callable(g):
            raise TypeError(f"FitResult.delta: g must be a function of the parameter dict, got "
                            f"{type(g).__name__}")
        cov_u = self._cov_u(kind)
        shape_box = {}

        def composed(ut):
            out = g(self.problem.natural_tensors(ut))
            if not isinstance(out, Tensor):
                raise TypeError(f"FitResult.delta: g must return a Tensor built from the "
                                f"parameter Tensors it receives, got {type(out).__name__}")
            shape_box["shape"] = tuple(out.shape)
            shape_box["value"] = np.array(out.data, dtype=np.float64)
            return out.reshape(-1)

        with grad_mode.enable_grad():
            G = np.asarray(_jacobian(composed, Tensor(self.u.copy()), vectorize=True).data,
                           dtype=np.float64).reshape(-1, self.problem.P)        # (m, P)
        C = G @ cov_u @ G.T
        return DeltaResult(shape_box["value"].reshape(shape_box["shape"]), 0.5 * (C + C.T), kind)

    def predict(self, *args, **kwargs):
        """model.predict(*args, **kwargs) with this fit's estimates (regression models)."""
        model = self.model
        if model is None or not callable(getattr(model, "predict", None)):
            name = "a log_prob function" if model is None else type(model).__name__
            raise AttributeError(f"FitResult.predict: the fitted model ({name}) has no predict "
                                 f"method; predict is for regression and classification models")
        binder = getattr(self.problem, "_binder", None)
        if binder is None:
            return model.predict(*args, **kwargs)
        with grad_mode.no_grad():
            tensors = self.problem.natural_tensors(Tensor(self.u.copy()))
            with binder(tensors):
                return model.predict(*args, **kwargs)

    # ----- text -----------------------------------------------------------------------------
    def summary(self, alpha=0.05, kind="observed"):
        """The estimates table (estimate, std err, z, P>|z|, Wald CI) with a header of fit statistics.

        kind="robust" uses the sandwich standard errors (cov(kind="robust")) throughout.
        """
        z = _z(alpha, "FitResult.summary")
        name = type(self.model).__name__ if self.model is not None else "log_prob function"
        method = "Maximum a posteriori (MAP)" if self.is_map else "Maximum likelihood"
        header = [("Model", name), ("Method", method), ("No. observations", str(self.nobs)),
                  ("Df model", str(self.df_model)), ("Log-likelihood", _fmt(self.llf, 10))]
        if self.model is not None and getattr(self.model, "null_model", None) is not None:
            header += [("LL-Null", _fmt(self.llnull, 10)),
                       ("Pseudo R-squ.", _fmt(self.prsquared, 5)),
                       ("LLR p-value", _fmt(self.llr_pvalue, 4))]
        header += [("AIC", _fmt(self.aic, 10)), ("BIC", _fmt(self.bic, 10)),
                   ("Converged", str(self.converged)), ("Iterations", str(self.n_iter)),
                   ("Optimizer", str(self.optimizer)), ("Covariance", kind)]
        theta = self.problem.natural_flat(self.u)
        notes = []
        if self._hessian_u is None:
            se = np.full(theta.shape, np.nan)
            notes.append("No standard errors: the Hessian was not computed for this fit.")
        else:
            se = self._se_flat(kind)
            if self.cov_problem:
                notes.append(f"Standard errors are NaN: {self.cov_problem}.")
        lo, hi = f"[{alpha / 2:g}", f"{1 - alpha / 2:g}]"
        columns = ["coef", "std err", "z", "P>|z|", lo, hi]
        rows = []
        with np.errstate(invalid="ignore", divide="ignore"):
            zs = theta / se
        pv = _stats.two_sided_p(zs)
        for k, label in enumerate(self.labels):
            rows.append((label, [_fmt(theta[k]), _fmt(se[k], 4), _fmt(zs[k], 4),
                                 _fmt(pv[k], 3), _fmt(theta[k] - z * se[k]),
                                 _fmt(theta[k] + z * se[k])]))
        notes.insert(0, f"Message: {self.message}")
        if self.is_map:
            notes.append("Standard errors are from the Laplace approximation of the posterior "
                         "(the Hessian includes the prior); llf, AIC and BIC exclude the prior.")
        extra = getattr(self.model, "extra_results", None) if self.model is not None else None
        if callable(extra):
            notes.extend(_extra_lines(_on_data(self.problem, "extra_results", extra)))
        return Summary(f"{method} estimates: {name}", header, columns, rows, notes)

    def _repr_html_(self):
        return self.summary()._repr_html_()

    def __repr__(self):
        se = "" if self._hessian_u is None else ", stderr=available"
        return (f"FitResult(nll={self.nll:.6g}, converged={self.converged}, n_iter={self.n_iter}, "
                f"params={list(self.params)}{se})")


# ----- likelihood-ratio test ------------------------------------------------------------
def lr_test(restricted, full):
    """LR = 2(ℓ_full − ℓ_restricted) ~ χ²(k_full − k_restricted) under the restricted model (nested mle fits)."""
    for name, fit in (("restricted", restricted), ("full", full)):
        if not isinstance(fit, FitResult):
            raise TypeError(f"lr_test: {name} must be a FitResult from tg.estimate.mle, got "
                            f"{type(fit).__name__}")
        if fit.is_map:
            raise ValueError(f"lr_test: the {name} fit has a prior (map); the likelihood-ratio "
                             f"test compares maximum-likelihood fits, refit it with mle")
    if restricted.nobs != full.nobs:
        raise ValueError(f"lr_test: the fits use different data sizes (restricted nobs="
                         f"{restricted.nobs}, full nobs={full.nobs}); both must be fitted to the "
                         f"same observations")
    df = full.df_model - restricted.df_model
    if df <= 0:
        raise ValueError(f"lr_test: the restricted model must have fewer parameters than the "
                         f"full one; got restricted k={restricted.df_model}, full "
                         f"k={full.df_model} (did you swap the arguments? "
                         f"lr_test(restricted, full))")
    for name, fit in (("restricted", restricted), ("full", full)):
        if not fit.converged:
            warnings.warn(f"lr_test: the {name} fit did not converge ({fit.message}); the "
                          f"statistic may be wrong", ConvergenceWarning,
                          stacklevel=2)
    stat = 2.0 * (full.llf - restricted.llf)
    if stat < -1e-6 * max(1.0, abs(full.llf)):
        warnings.warn(f"lr_test: the restricted model fits better than the full one "
                      f"(statistic {stat:.6g} < 0): the models are not nested or the full fit "
                      f"missed its maximum", EstimationWarning, stacklevel=2)
    return LRTestResult(float(stat), int(df), float(_stats.chi2_sf(max(stat, 0.0), df)))
