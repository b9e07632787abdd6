"""tg.estimate.mle / map against closed forms and independent NumPy optimisers (Newton, KKT)."""
import math

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku import estimate, models


def _logistic_data(n=300, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = np.linspace(-1.0, 1.0, d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w + 0.3)))).astype(float)
    return X, y


def _newton_logistic(X, y, l2=0.0):
    """Independent reference: Newton's method on Σ softplus(η) − yη + l2/2 ‖θ‖², θ = (w, b)."""
    Xb = np.c_[X, np.ones(len(X))]
    th = np.zeros(Xb.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-Xb @ th))
        g = Xb.T @ (p - y) + l2 * th
        H = (Xb * (p * (1 - p))[:, None]).T @ Xb + l2 * np.eye(len(th))
        step = np.linalg.solve(H, g)
        th -= step
        if np.abs(step).max() < 1e-14:
            break
    return th


class LocalNormal:
    """A minimal prior: anything with .log_prob(tensor) works."""
    def __init__(self, loc, scale):
        self.loc, self.scale = loc, scale

    def log_prob(self, x):
        return -0.5 * ((x - self.loc) / self.scale) ** 2 - math.log(self.scale * math.sqrt(2 * math.pi))


class Laplace:
    """A local Laplace prior (recognised by name, loc and scale, like tg.distributions.Laplace)."""
    def __init__(self, loc, scale):
        self.loc, self.scale = loc, scale

    def log_prob(self, x):
        return -(x - self.loc).abs() / self.scale - math.log(2 * self.scale)


# ----- closed-form MLEs -------------------------------------------------------------------

def test_normal_mle_is_sample_mean_and_biased_std_with_stderr():
    x = np.random.default_rng(1).normal(2.0, 3.0, size=500)
    fit = estimate.mle(models.Normal(), x)
    assert fit.converged and fit.n_iter > 0
    assert fit.params["loc"] == pytest.approx(x.mean(), abs=1e-9)
    assert fit.params["scale"] == pytest.approx(x.std(), rel=1e-9)
    assert fit.stderr["loc"] == pytest.approx(x.std() / math.sqrt(len(x)), rel=1e-6)
    assert fit.stderr["scale"] == pytest.approx(x.std() / math.sqrt(2 * len(x)), rel=1e-6)
    ref_nll = 0.5 * len(x) * (1 + math.log(2 * math.pi * x.var()))
    assert fit.nll == pytest.approx(ref_nll, rel=1e-12)
    assert fit.history[0] > fit.history[-1] == pytest.approx(fit.nll, rel=1e-12)


def test_bernoulli_categorical_poisson_mles_are_the_frequencies():
    rng = np.random.default_rng(2)
    b = rng.integers(0, 2, 400)
    fit = estimate.mle(models.Bernoulli(), b)
    assert fit.params["probs"] == pytest.approx(b.mean(), abs=1e-9)
    p = b.mean()
    assert fit.stderr["probs"] == pytest.approx(math.sqrt(p * (1 - p) / len(b)), rel=1e-6)
    c = rng.integers(0, 4, 500)
    m = models.Categorical(4)
    estimate.mle(m, c)
    np.testing.assert_allclose(m.probs.data, np.bincount(c, minlength=4) / len(c), atol=1e-9)
    k = rng.poisson(3.5, 300)
    fit = estimate.mle(models.Poisson(), k)
    assert fit.params["rate"] == pytest.approx(k.mean(), rel=1e-9)


def test_multivariate_normal_mle_is_mean_and_biased_covariance():
    rng = np.random.default_rng(3)
    X = rng.multivariate_normal([1.0, -1.0, 0.5], [[2, 0.6, 0], [0.6, 1, -0.3], [0, -0.3, 0.5]], 400)
    m = models.MultivariateNormal(3)
    fit = estimate.mle(m, X)
    assert fit.converged
    np.testing.assert_allclose(m.loc.data, X.mean(0), atol=1e-8)
    np.testing.assert_allclose(m.covariance_matrix, np.cov(X.T, bias=True), atol=1e-8)


def test_linear_regression_mle_is_least_squares_with_rss_over_n():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 3))
    y = X @ [1.5, -2.0, 0.5] + 0.7 + rng.normal(scale=0.4, size=200)
    fit = estimate.mle(models.LinearRegression(3), (X, y))
    Xb = np.c_[X, np.ones(200)]
    coef, rss, *_ = np.linalg.lstsq(Xb, y, rcond=None)
    np.testing.assert_allclose(fit.params["weight"], coef[:3], atol=1e-8)
    assert fit.params["bias"] == pytest.approx(coef[3], abs=1e-8)
    assert fit.params["scale"] ** 2 == pytest.approx(rss[0] / 200, rel=1e-8)
    # OLS standard errors with the MLE noise variance: sqrt(diag(σ̂² (XᵀX)⁻¹))
    se = np.sqrt(np.diag(rss[0] / 200 * np.linalg.inv(Xb.T @ Xb)))
    np.testing.assert_allclose(fit.stderr["weight"], se[:3], rtol=1e-6)


# ----- logistic regression and MAP ---------------------------------------------------------

@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_logistic_regression_mle_matches_newton(optimizer):
    X, y = _logistic_data()
    kw = {} if optimizer == "lbfgs" else dict(lr=0.05, max_iter=4000, gtol=1e-9)
    fit = estimate.mle(models.LogisticRegression(4), (X, y), optimizer=optimizer, **kw)
    ref = _newton_logistic(X, y)
    tol = 1e-6 if optimizer == "lbfgs" else 1e-3     # Adam with a constant lr hovers near the optimum
    np.testing.assert_allclose(fit.params["weight"], ref[:4], atol=tol)
    assert fit.params["bias"] == pytest.approx(ref[4], abs=tol)
    if optimizer == "lbfgs":
        assert fit.converged and fit.n_iter < 50
        Xb = np.c_[X, np.ones(len(X))]
        p = 1 / (1 + np.exp(-Xb @ ref))
        cov = np.linalg.inv((Xb * (p * (1 - p))[:, None]).T @ Xb)
        np.testing.assert_allclose(fit.stderr["weight"], np.sqrt(np.diag(cov))[:4], rtol=1e-6)


@pytest.mark.parametrize("prior_cls", [LocalNormal, tg.distributions.Normal],
                         ids=["local", "tg.distributions"])
def test_map_with_normal_prior_is_l2_penalised_optimum(prior_cls):
    X, y = _logistic_data(n=150)
    s = 0.5
    fit = estimate.map(models.LogisticRegression(4), (X, y), prior=prior_cls(0.0, s))
    ref = _newton_logistic(X, y, l2=1 / s ** 2)
    np.testing.assert_allclose(np.r_[fit.params["weight"], fit.params["bias"]], ref, atol=1e-6)
    Xb = np.c_[X, np.ones(len(X))]
    eta = Xb @ ref
    neg_log_post = np.sum(np.logaddexp(0, eta) - y * eta) + np.sum(ref ** 2) / (2 * s * s) \
        + 5 * math.log(s * math.sqrt(2 * math.pi))
    assert fit.nll == pytest.approx(neg_log_post, rel=1e-10)


def test_map_prior_dict_applies_only_to_named_parameters():
    X, y = _logistic_data(n=150)
    fit = estimate.map(models.LogisticRegression(4), (X, y), prior={"weight": LocalNormal(0.0, 1.0)})
    Xb = np.c_[X, np.ones(len(X))]
    th = np.r_[fit.params["weight"], fit.params["bias"]]
    p = 1 / (1 + np.exp(-Xb @ th))
    grad = Xb.T @ (p - y) + np.r_[th[:4], 0.0]          # bias unpenalised
    np.testing.assert_allclose(grad, 0.0, atol=1e-5)
    with pytest.raises(ValueError, match="unknown parameters"):
        estimate.map(models.LogisticRegression(4), (X, y), prior={"w": LocalNormal(0.0, 1.0)})


@pytest.mark.parametrize("prior_cls", [Laplace, tg.distributions.Laplace],
                         ids=["local", "tg.distributions"])
def test_map_with_laplace_prior_gives_l1_solution_with_exact_zeros(prior_cls):
    rng = np.random.default_rng(5)
    n, d = 200, 6
    X = rng.normal(size=(n, d))
    eta = X[:, 0] * 1.5 - X[:, 1]                         # features 2..5 are irrelevant
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    b = 0.05                                              # λ = 1/b = 20
    fit = estimate.map(models.LogisticRegression(d, bias=False), (X, y), prior=prior_cls(0.0, b))
    w = fit.params["weight"]
    assert fit.converged
    # KKT conditions of min Σ NLL + ‖w‖₁/b, checked independently in NumPy
    g = X.T @ (1 / (1 + np.exp(-X @ w)) - y)
    zero = w == 0.0
    assert zero.sum() >= 3 and not zero[0] and not zero[1]
    assert np.all(np.abs(g[zero]) <= 1 / b + 1e-6)
    np.testing.assert_allclose(g[~zero] + np.sign(w[~zero]) / b, 0.0, atol=1e-5)
    assert fit.converged and fit.stderr is None and fit.optimizer == "proximal"


def test_laplace_prior_with_lbfgs_gives_only_near_zeros():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 4))
    y = (rng.random(200) < 1 / (1 + np.exp(-2 * X[:, 0]))).astype(float)
    prox = estimate.map(models.LogisticRegression(4, bias=False), (X, y), prior=Laplace(0.0, 0.05))
    with pytest.warns(estimate.ConvergenceWarning):      # L-BFGS cannot settle on the kink
        smooth = estimate.map(models.LogisticRegression(4, bias=False), (X, y),
                              prior=Laplace(0.0, 0.05), optimizer="lbfgs", max_iter=200,
                              stderr=False)
    assert prox.nll <= smooth.nll + 1e-6
    np.testing.assert_allclose(smooth.params["weight"], prox.params["weight"], atol=1e-2)


# ----- interface ----------------------------------------------------------------------------

def test_plain_log_prob_function_with_initial_params():
    x = np.random.default_rng(6).exponential(2.0, size=300)

    def log_prob(params, data):                        # Exponential with rate exp(log_rate)
        r = params["log_rate"]
        return data.shape[0] * r - r.exp() * float(np.sum(data.data))
    fit = estimate.mle(log_prob, x, params={"log_rate": 0.0})
    assert math.exp(fit.params["log_rate"]) == pytest.approx(1 / x.mean(), rel=1e-8)
    assert fit.model is None
    with pytest.raises(TypeError, match="params="):
        estimate.mle(log_prob, x)


def test_minibatch_adam_is_reproducible_and_close():
    X, y = _logistic_data(n=400)
    kw = dict(optimizer="adam", lr=0.02, batch_size=64, seed=3, max_iter=1500, stderr=False)
    with pytest.warns(estimate.ConvergenceWarning):      # a constant lr hovers near the optimum
        a = estimate.mle(models.LogisticRegression(4), (X, y), **kw)
        b = estimate.mle(models.LogisticRegression(4), (X, y), **kw)
    np.testing.assert_array_equal(a.params["weight"], b.params["weight"])
    ref = _newton_logistic(X, y)
    np.testing.assert_allclose(a.params["weight"], ref[:4], atol=0.1)
    assert len(a.history) == a.n_iter
    with pytest.raises(ValueError, match="needs the full data"):
        estimate.mle(models.LogisticRegression(4), (X, y), optimizer="lbfgs", batch_size=10)


def test_softmax_regression_and_mlp_fits_satisfy_score_equations():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(150, 2))
    y = rng.integers(0, 3, 150)
    m = models.SoftmaxRegression(2, 3)
    with pytest.warns(estimate.IdentificationWarning):             # softmax: one row too many
        fit = estimate.mle(m, (X, y))
    P = m.predict_proba(X).data
    Y = np.eye(3)[y]
    np.testing.assert_allclose((P - Y).sum(0), 0.0, atol=1e-5)       # bias score
    np.testing.assert_allclose(X.T @ (P - Y), 0.0, atol=1e-5)         # weight score
    assert not fit.converged and "not identified" in fit.message
    mlp = models.MLP(2, (8,), 3, generator=np.random.default_rng(0))
    start = -float(mlp.log_prob(X, y))
    with pytest.warns(estimate.IdentificationWarning):   # hidden units can be permuted
        fit = estimate.mle(mlp, (X, y), max_iter=100, stderr=False)
    assert fit.nll < start - 5


def test_nan_objective_raises_naming_iteration_and_parameter():
    x = np.random.default_rng(9).normal(size=50)

    def log_prob(params, data):                        # sigma itself, not its log: goes negative
        s = params["sigma"]
        return -(data * data).sum() / (2 * s * s) - data.shape[0] * s.log()
    with np.errstate(invalid="ignore"), pytest.raises(RuntimeError, match=r"iteration \d+.*sigma"):
        estimate.mle(log_prob, x, params={"sigma": 1.0}, optimizer="sgd", lr=5.0, max_iter=50)


def test_progress_bar_and_argument_errors(capsys):
    x = np.random.default_rng(10).normal(size=30)
    fit = estimate.mle(models.Normal(), x, progress=True)
    assert fit.converged
    with pytest.raises(ValueError, match="optimizer must be"):
        estimate.mle(models.Normal(), x, optimizer="bfgs")
    with pytest.raises(ValueError, match="same number of rows"):
        estimate.mle(models.LogisticRegression(2), (np.ones((3, 2)), np.ones(4)))
    with pytest.raises(ValueError, match="prior is required"):
        estimate.map(models.Normal(), x, prior=None)
    with pytest.raises(TypeError, match="log_prob"):
        estimate.mle(object(), x)
