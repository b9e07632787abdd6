"""The inference layer of tg.estimate (FitResult, lr_test) on real fits, against closed forms.

References are formulas evaluated in NumPy here (never numbers copied from our own output):
Normal and Bernoulli standard errors, White's HC0 covariance for OLS, the LR statistic of
nested Gaussian regressions n·log(RSS_r/RSS_f), AIC/BIC by definition, profile intervals
solved by hand by bisection, and the multinomial covariance (diag p − p pᵀ)/n.
"""
import math
import warnings

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku.distributions import constraints
from tinygrad_ku.nn.module import Module, Parameter

Z_975 = 1.959963984540054          # published N(0,1) quantile
CHI2_95_DF1 = 3.841458820694124    # published χ²₁ quantile


def _rng(key):
    import zlib
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _bisect(fn, lo, hi, iters=200):
    """The root of fn in [lo, hi] (fn(lo), fn(hi) of opposite signs), by plain bisection."""
    flo = fn(lo)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        fm = fn(mid)
        if (fm < 0) == (flo < 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return 0.5 * (lo + hi)


class GaussianRegression(Module):
    """y | x ~ N(Xw + b, σ²) with per-observation log-densities (for sandwich covariances)."""
    arg_constraints = {"scale": constraints.positive}

    def __init__(self, d):
        super().__init__()
        self.weight = Parameter(np.zeros(d))
        self.bias = Parameter(np.zeros(()))
        self.scale = Parameter(np.ones(()))

    def log_prob(self, X, y):
        r = (y - (X @ self.weight + self.bias)) / self.scale
        return -0.5 * r * r - self.scale.log() - 0.5 * math.log(2 * math.pi)     # (N,)


class KnownScaleRegression(Module):
    """y | x ~ N(Xw, σ₀²) with σ₀ fixed: the log-likelihood is exactly quadratic in w."""

    def __init__(self, d, sigma):
        super().__init__()
        self.sigma = sigma
        self.weight = Parameter(np.zeros(d))

    def log_prob(self, X, y):
        r = (y - X @ self.weight) / self.sigma
        return (-0.5 * r * r).sum() - len(y) * math.log(self.sigma * math.sqrt(2 * math.pi))


@pytest.fixture(scope="module")
def normal_data():
    return _rng("normal").normal(3.0, 2.0, size=200)


@pytest.fixture(scope="module")
def normal_fit(normal_data):
    return tg.estimate.mle(tg.models.Normal(), normal_data)


@pytest.fixture(scope="module")
def regression_data():
    rng = _rng("regression")
    n = 150
    X = rng.normal(size=(n, 3))
    y = 1.0 + X @ np.array([0.5, -1.0, 0.25]) + rng.normal(size=n) * (0.5 + np.abs(X[:, 0]))
    return X, y


# ----- standard errors ----------------------------------------------------------------
def test_normal_wald_stderr_closed_form(normal_fit, normal_data):
    x, n = normal_data, normal_data.size
    sigma = np.sqrt(np.mean((x - x.mean()) ** 2))
    assert normal_fit.converged
    # the fit stops at Newton decrement λ² ≤ 1e-10: within 1e-5 standard errors
    assert normal_fit.params["loc"] == pytest.approx(x.mean(), abs=1e-5 * sigma / np.sqrt(n))
    assert normal_fit.params["scale"] == pytest.approx(sigma, abs=1e-5 * sigma / np.sqrt(n))
    assert normal_fit.stderr["loc"] == pytest.approx(sigma / np.sqrt(n), rel=1e-8)
    assert normal_fit.stderr["scale"] == pytest.approx(sigma / np.sqrt(2 * n), rel=1e-8)
    assert normal_fit.labels == ["loc", "scale"]


def test_bernoulli_stderr_closed_form():
    flips = np.array([1] * 7 + [0] * 13, dtype=np.float64)
    fit = tg.estimate.mle(tg.models.Bernoulli(), flips)
    p, n = 7 / 20, 20
    assert fit.params["probs"] == pytest.approx(p, abs=1e-5 * math.sqrt(p * (1 - p) / n))
    assert fit.stderr["probs"] == pytest.approx(math.sqrt(p * (1 - p) / n), rel=1e-8)


def test_categorical_covariance_is_multinomial():
    """Through the simplex transform: Σ = (diag p − p pᵀ)/n, singular, labelled per class."""
    x = np.array([0] * 5 + [1] * 12 + [2] * 8)
    fit = tg.estimate.mle(tg.models.Categorical(3), x)
    p = np.array([5, 12, 8]) / 25
    assert np.all(np.abs(fit.params["probs"] - p) <= 1e-5 * np.sqrt(p * (1 - p) / 25))
    cov = fit.cov()
    np.testing.assert_allclose(np.asarray(cov), (np.diag(p) - np.outer(p, p)) / 25, atol=1e-12)
    assert cov.labels == ["probs[0]", "probs[1]", "probs[2]"]
    np.testing.assert_allclose(fit.stderr["probs"], np.sqrt(p * (1 - p) / 25), rtol=1e-8)


def test_observed_covariance_of_gaussian_regression(regression_data):
    X, y = regression_data
    fit = tg.estimate.mle(GaussianRegression(3), (X, y))
    A = np.column_stack([X, np.ones(len(y))])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    sigma2 = np.mean((y - A @ coef) ** 2)
    want = sigma2 * np.linalg.inv(A.T @ A)
    got = np.asarray(fit.cov())[:4, :4]
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-12)
    assert fit.cov().labels == ["weight[0]", "weight[1]", "weight[2]", "bias", "scale"]


def _white_hc0(X, y):
    """White's HC0 covariance of OLS with an intercept, by hand: (AᵀA)⁻¹ Aᵀ diag(e²) A (AᵀA)⁻¹."""
    A = np.column_stack([X, np.ones(len(y))])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    e = y - A @ coef
    bread = np.linalg.inv(A.T @ A)
    return bread @ (A.T * e**2) @ A @ bread


def test_robust_covariance_is_white_hc0(regression_data):
    X, y = regression_data
    fit = tg.estimate.mle(GaussianRegression(3), (X, y))
    hc0 = _white_hc0(X, y)
    got = np.asarray(fit.cov("robust"))[:4, :4]
    np.testing.assert_allclose(got, hc0, rtol=1e-7, atol=1e-12)


def test_robust_covariance_of_linear_regression_model(regression_data):
    X, y = regression_data
    fit = tg.estimate.mle(tg.models.LinearRegression(3), (X, y))
    hc0 = _white_hc0(X, y)
    np.testing.assert_allclose(np.asarray(fit.cov("robust"))[:4, :4], hc0, rtol=1e-7, atol=1e-12)


def test_robust_covariance_errors():
    flips = np.array([1.0, 0, 0, 1, 1, 0, 1, 1])
    post = tg.estimate.map(tg.models.Bernoulli(), flips,
                           prior={"probs": tg.distributions.Beta(2.0, 2.0)})
    with pytest.raises(ValueError, match="prior"):
        post.cov("robust")
    rng = _rng("known")
    X = rng.normal(size=(30, 2))
    fit = tg.estimate.mle(KnownScaleRegression(2, 1.0), (X, X @ [1.0, 2.0] + rng.normal(size=30)))
    with pytest.raises(ValueError, match="per-observation"):
        fit.cov("robust")
    with pytest.raises(ValueError, match="'observed' or 'robust'"):
        fit.cov("sandwich")


def test_natural_hessian_is_observed_information(normal_fit, normal_data):
    n = normal_data.size
    sigma = float(normal_fit.params["scale"])
    H = normal_fit.hessian
    np.testing.assert_allclose(np.asarray(H), np.diag([n / sigma**2, 2 * n / sigma**2]),
                               rtol=1e-8, atol=1e-8 * n / sigma**2)
    assert H.labels == ["loc", "scale"]
    assert "scale" in repr(H)


# ----- intervals ----------------------------------------------------------------------
def test_wald_interval(normal_fit):
    ci = normal_fit.conf_int()
    theta = np.array([normal_fit.params["loc"], normal_fit.params["scale"]])
    se = np.array([normal_fit.stderr["loc"], normal_fit.stderr["scale"]])
    np.testing.assert_allclose(np.asarray(ci), np.stack([theta - Z_975 * se,
                                                         theta + Z_975 * se], 1), rtol=1e-14)
    assert ci.labels == ["loc", "scale"] and ci.col_labels == ["2.5%", "97.5%"]
    ci90 = normal_fit.conf_int(alpha=0.1)
    assert ci90[0, 1] - ci90[0, 0] < ci[0, 1] - ci[0, 0]
    with pytest.raises(ValueError, match="alpha"):
        normal_fit.conf_int(alpha=1.5)
    with pytest.raises(ValueError, match="method"):
        normal_fit.conf_int(method="bootstrap")


def test_wald_interval_on_the_unconstrained_scale(normal_fit, normal_data):
    """For σ: exp(log σ̂ ± z/√(2n)) (se of log σ̂ is 1/√(2n)); loc is unchanged."""
    n = normal_data.size
    sigma = float(normal_fit.params["scale"])
    ci = normal_fit.conf_int(scale="unconstrained")
    np.testing.assert_allclose(ci[1], sigma * np.exp([-Z_975 / np.sqrt(2 * n),
                                                      Z_975 / np.sqrt(2 * n)]), rtol=1e-8)
    np.testing.assert_allclose(ci[0], normal_fit.conf_int()[0], rtol=1e-12)


def test_profile_equals_wald_when_the_likelihood_is_quadratic():
    """Gaussian regression with known σ: ℓ is quadratic in w, so profile = Wald exactly."""
    rng = _rng("profile-quadratic")
    X = rng.normal(size=(40, 3))
    y = X @ [1.0, -2.0, 0.5] + 1.5 * rng.normal(size=40)
    fit = tg.estimate.mle(KnownScaleRegression(3, 1.5), (X, y))
    w = np.linalg.solve(X.T @ X, X.T @ y)
    se = 1.5 * np.sqrt(np.diag(np.linalg.inv(X.T @ X)))
    want = np.stack([w - Z_975 * se, w + Z_975 * se], 1)
    np.testing.assert_allclose(np.asarray(fit.conf_int(method="profile")), want,
                               rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(np.asarray(fit.conf_int()), want, rtol=1e-8)


def test_profile_interval_of_bernoulli_is_the_likelihood_ratio_interval():
    k, n = 7, 20
    flips = np.array([1.0] * k + [0.0] * (n - k))
    fit = tg.estimate.mle(tg.models.Bernoulli(), flips)
    ll = lambda p: k * np.log(p) + (n - k) * np.log1p(-p)                      # noqa: E731
    p_hat = k / n
    target = ll(p_hat) - CHI2_95_DF1 / 2
    lo = _bisect(lambda p: ll(p) - target, 1e-12, p_hat)
    hi = _bisect(lambda p: ll(p) - target, p_hat, 1 - 1e-12)
    ci = fit.conf_int(method="profile")
    np.testing.assert_allclose(ci[0], [lo, hi], rtol=1e-8)
    assert ci.labels == ["probs"]


def test_profile_interval_of_normal_scale(normal_fit, normal_data):
    """μ profiled out: ℓ_p(σ) = −n log σ − S/(2σ²) + const, S = Σ(x − x̄)²."""
    x, n = normal_data, normal_data.size
    S = np.sum((x - x.mean()) ** 2)
    ll = lambda s: -n * np.log(s) - S / (2 * s * s)                         # noqa: E731
    s_hat = np.sqrt(S / n)
    target = ll(s_hat) - CHI2_95_DF1 / 2
    lo = _bisect(lambda s: ll(s) - target, 0.5 * s_hat, s_hat)
    hi = _bisect(lambda s: ll(s) - target, s_hat, 2 * s_hat)
    ci = normal_fit.conf_int(method="profile")
    np.testing.assert_allclose(ci[1], [lo, hi], rtol=1e-8)
    # the profile of μ: ℓ_p(μ) = −(n/2) log((S + n(μ − x̄)²)/n) + const
    llm = lambda m: -0.5 * n * np.log((S + n * (m - x.mean()) ** 2) / n)      # noqa: E731
    tm = llm(x.mean()) - CHI2_95_DF1 / 2
    m_lo = _bisect(lambda m: llm(m) - tm, x.mean() - 5 * s_hat, x.mean())
    m_hi = _bisect(lambda m: llm(m) - tm, x.mean(), x.mean() + 5 * s_hat)
    np.testing.assert_allclose(ci[0], [m_lo, m_hi], rtol=1e-8)


def test_profile_has_no_rows_for_simplex_parameters():
    x = np.array([0] * 5 + [1] * 12 + [2] * 8)
    fit = tg.estimate.mle(tg.models.Categorical(3), x)
    with pytest.warns(tg.estimate.EstimationWarning, match="simplex"):
        ci = fit.conf_int(method="profile")
    assert np.all(np.isnan(np.asarray(ci)))


# ----- fit statistics ------------------------------------------------------------------
def test_llf_aic_bic(normal_fit, normal_data):
    n = normal_data.size
    s2 = np.mean((normal_data - normal_data.mean()) ** 2)
    llf = -0.5 * n * (np.log(2 * np.pi * s2) + 1)
    assert normal_fit.llf == pytest.approx(llf, rel=1e-12)
    assert normal_fit.nobs == n and normal_fit.df_model == 2
    assert normal_fit.aic == pytest.approx(2 * 2 - 2 * llf, rel=1e-12)
    assert normal_fit.bic == pytest.approx(2 * np.log(n) - 2 * llf, rel=1e-12)
    assert normal_fit.nll == pytest.approx(-llf, rel=1e-12)


def test_llnull_and_pseudo_r2(regression_data):
    X, y = regression_data
    n = len(y)
    fit = tg.estimate.mle(tg.models.LinearRegression(3), (X, y))
    ll0 = -0.5 * n * (np.log(2 * np.pi * np.var(y)) + 1)
    assert fit.llnull == pytest.approx(ll0, rel=1e-10)
    assert fit.prsquared == pytest.approx(1 - fit.llf / ll0, rel=1e-10)
    assert fit.llr == pytest.approx(2 * (fit.llf - ll0), rel=1e-9)
    assert tg.estimate.mle(tg.models.Normal(), y).llnull is None


def test_lr_test_of_nested_gaussian_regressions(regression_data):
    X, y = regression_data
    n = len(y)
    full = tg.estimate.mle(tg.models.LinearRegression(3), (X, y))
    restricted = tg.estimate.mle(tg.models.LinearRegression(1), (X[:, :1], y))
    rss = lambda A: np.sum((y - A @ np.linalg.lstsq(A, y, rcond=None)[0]) ** 2)  # noqa: E731
    one = np.ones((n, 1))
    stat = n * np.log(rss(np.hstack([X[:, :1], one])) / rss(np.hstack([X, one])))
    res = tg.estimate.lr_test(restricted, full)
    assert res.df == 2
    assert res.statistic == pytest.approx(stat, rel=1e-8)
    assert res.pvalue == pytest.approx(np.exp(-stat / 2), rel=1e-7)     # χ²₂ survival: e^{−x/2}
    statistic, pvalue, df = res
    assert (statistic, pvalue, df) == (res.statistic, res.pvalue, res.df)


def test_lr_test_validates_its_arguments(regression_data):
    X, y = regression_data
    full = tg.estimate.mle(tg.models.LinearRegression(3), (X, y))
    restricted = tg.estimate.mle(tg.models.LinearRegression(1), (X[:, :1], y))
    with pytest.raises(ValueError, match="fewer parameters"):
        tg.estimate.lr_test(full, restricted)
    short = tg.estimate.mle(tg.models.LinearRegression(1), (X[:50, :1], y[:50]))
    with pytest.raises(ValueError, match="nobs"):
        tg.estimate.lr_test(short, full)
    post = tg.estimate.map(tg.models.LinearRegression(1), (X[:, :1], y),
                           prior={"weight": tg.distributions.Normal(0.0, 1.0)})
    with pytest.raises(ValueError, match="prior"):
        tg.estimate.lr_test(post, full)
    with pytest.raises(TypeError, match="FitResult"):
        tg.estimate.lr_test(1.0, full)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rough = tg.estimate.mle(tg.models.LinearRegression(1), (X[:, :1], y), max_iter=1)
    assert not rough.converged
    with pytest.warns(tg.estimate.ConvergenceWarning, match="did not converge"):
        tg.estimate.lr_test(rough, full)


# ----- delta method ---------------------------------------------------------------------
def test_delta_method_sum_of_two_means():
    x = _rng("two means").normal([1.0, -2.0], [0.5, 3.0], size=(120, 2))
    fit = tg.estimate.mle(tg.models.Normal(shape=(2,)), x)
    s = np.sqrt(np.mean((x - x.mean(0)) ** 2, axis=0))
    res = fit.delta(lambda p: p["loc"].sum())
    se = np.sqrt((s**2).sum() / 120)
    assert res.estimate == pytest.approx(x.mean(0).sum(), abs=1e-5 * se)
    assert res.stderr == pytest.approx(se, rel=1e-8)
    np.testing.assert_allclose(res.conf_int(), res.estimate + Z_975 * res.stderr * np.array([-1, 1]),
                               rtol=1e-14)
    doubled = fit.delta(lambda p: 2 * p["loc"])
    assert doubled.estimate.shape == (2,) and doubled.stderr.shape == (2,)
    np.testing.assert_allclose(doubled.stderr, 2 * s / np.sqrt(120), rtol=1e-8)
    assert doubled.conf_int().shape == (2, 2)
    with pytest.raises(TypeError, match="Tensor"):
        fit.delta(lambda p: 1.0)


def test_delta_method_through_a_transform(normal_fit, normal_data):
    """Var of σ̂² by the delta method: (2σ̂)² σ̂²/(2n) = 2σ̂⁴/n."""
    n = normal_data.size
    sigma = float(normal_fit.params["scale"])
    res = normal_fit.delta(lambda p: p["scale"] ** 2)
    assert res.estimate == pytest.approx(sigma**2, rel=1e-12)
    assert res.stderr == pytest.approx(np.sqrt(2 / n) * sigma**2, rel=1e-8)


# ----- prediction and text ---------------------------------------------------------------
def test_predict_uses_the_fitted_values(regression_data):
    X, y = regression_data
    fit = tg.estimate.mle(tg.models.LinearRegression(3), (X, y))
    A = np.column_stack([X, np.ones(len(y))])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    pred = fit.predict(X[:5])
    np.testing.assert_allclose(np.asarray(getattr(pred, "data", pred)), A[:5] @ coef, rtol=1e-8)


def test_predict_without_a_predict_method(normal_fit):
    with pytest.raises(AttributeError, match="no predict"):
        normal_fit.predict(np.zeros(3))


def test_summary_lists_every_label_and_statistic(regression_data):
    X, y = regression_data
    fit = tg.estimate.mle(tg.models.LinearRegression(3), (X, y))
    text = str(fit.summary())
    for label in ["weight[0]", "weight[1]", "weight[2]", "bias", "scale"]:
        assert label in text
    for key in ["LinearRegression", "No. observations", "Log-likelihood", "AIC", "BIC",
                "LL-Null", "Pseudo R-squ.", "Converged", "Iterations", "std err", "P>|z|",
                "[0.025", "0.975]", "scale_unbiased"]:
        assert key in text, key
    assert f"{fit.aic:.10g}" in text and f"{fit.llf:.10g}" in text
    html_text = fit._repr_html_()
    assert "<table>" in html_text and "weight[2]" in html_text
    assert "<table>" not in str(fit.summary())


def test_html_escapes_parameter_names():
    x = _rng("html").normal(size=30)

    def log_prob(params, x):
        return -0.5 * ((x - params["<b>"]) ** 2).sum()

    fit = tg.estimate.mle(log_prob, x, params={"<b>": 0.0})
    assert fit.labels == ["<b>"]
    page = fit._repr_html_()
    assert "&lt;b&gt;" in page and "<b>" not in page
    assert "<b>" in str(fit.summary())


def test_repr_is_short(normal_fit):
    r = repr(normal_fit)
    assert r.startswith("FitResult(") and "loc" in r and "converged=True" in r
    assert "\n" not in r


def test_summary_with_robust_standard_errors(regression_data):
    X, y = regression_data
    fit = tg.estimate.mle(GaussianRegression(3), (X, y))
    se_hc0 = np.sqrt(np.diag(_white_hc0(X, y)))
    text = str(fit.summary(kind="robust"))
    for label, se in zip(["weight[0]", "weight[1]", "weight[2]", "bias"], se_hc0):
        row = next(line for line in text.splitlines() if line.startswith(label + " "))
        assert float(row.split()[2]) == pytest.approx(se, rel=1e-3)     # printed to 4 digits


def test_profile_interval_at_the_boundary():
    """20 heads in 20 flips: ℓ(p) = 20 log p, so the interval is [exp(−χ²₁/40), 1]."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                  # the fit itself warns of the boundary
        fit = tg.estimate.mle(tg.models.Bernoulli(), np.ones(20))
        ci = fit.conf_int(method="profile")
    assert ci[0, 0] == pytest.approx(math.exp(-CHI2_95_DF1 / 40), rel=1e-8)
    assert ci[0, 1] == 1.0


def test_labelled_array_keeps_labels_only_while_shapes_match(normal_fit):
    cov = normal_fit.cov()
    assert (2 * cov).labels == ["loc", "scale"]
    assert cov[0].labels is None and cov[:1].labels is None
    assert cov.to_dict()["loc"]["scale"] == cov[0, 1]
    text = str(normal_fit.conf_int())
    assert text.splitlines()[0].split() == ["2.5%", "97.5%"]
    assert text.splitlines()[1].split()[0] == "loc"
