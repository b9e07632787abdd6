"""tg.estimate says when a fit cannot be trusted, and reports natural parameters.

Each failure mode here once returned converged=True at a wrong or non-existent answer,
or raised a raw error; the references are closed forms.
"""
import math
import sys
import warnings

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku import estimate, models
from tinygrad_ku.estimate import (BoundaryWarning, EstimationWarning, IdentificationWarning,
                                  PerfectSeparationWarning)


def _logistic_data(n=300, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ np.linspace(-1, 1, d) + 0.3)))).astype(float)
    return X, y


def _newton_logistic(X, y):
    """Independent reference: Newton's method on Σ softplus(η) − yη in NumPy."""
    Xb = np.c_[X, np.ones(len(X))]
    th = np.zeros(Xb.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-Xb @ th))
        step = np.linalg.solve((Xb * (p * (1 - p))[:, None]).T @ Xb, Xb.T @ (p - y))
        th -= step
        if np.abs(step).max() < 1e-15:
            break
    return th


def _quiet_fit(*args, **kw):
    """A fit that must not warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimationWarning)
        return estimate.mle(*args, **kw)


# ----- honest convergence ---------------------------------------------------------------------

def test_default_fit_is_newton_at_full_precision():
    X, y = _logistic_data()
    fit = _quiet_fit(models.LogisticRegression(4), (X, y))
    ref = _newton_logistic(X, y)
    assert fit.optimizer == "newton" and fit.converged and fit.n_iter <= 10
    np.testing.assert_allclose(np.r_[fit.params["weight"], fit.params["bias"]], ref,
                               rtol=1e-11, atol=1e-12)


def test_separable_data_is_not_converged_and_warns():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)          # perfectly separable
    with pytest.warns(PerfectSeparationWarning):
        fit = estimate.mle(models.LogisticRegression(2), (X, y))
    assert not fit.converged
    assert "separat" in fit.message


def test_all_heads_runs_to_the_boundary():
    flips = np.ones(20)
    with pytest.warns(BoundaryWarning, match="probs"):
        fit = estimate.mle(models.Bernoulli(), flips)
    assert not fit.converged and "probs" in fit.message


def test_unbounded_likelihood_is_reported():
    # one observation: N(x | μ, σ) → ∞ as μ → x and σ → 0
    with pytest.warns(BoundaryWarning, match="scale"):
        fit = estimate.mle(models.Normal(), np.array([1.5]))
    assert not fit.converged


def test_sign_trap_asks_about_the_negative_log_likelihood():
    x = np.random.default_rng(2).normal(1.0, 2.0, size=40)

    def nll(params, data):                        # the lecture's NLL, passed where log p belongs
        z = (data - params["loc"]) / params["scale"]
        return (0.5 * z * z + params["scale"].log()).sum()

    with pytest.warns(EstimationWarning, match="(?i)negative log-likelihood"):
        fit = estimate.mle(nll, x, params={"loc": 0.0, "scale": 1.0},
                           constraints={"scale": "positive"})
    assert not fit.converged


def test_non_identified_model_warns():
    X, y = _logistic_data()
    X2 = np.c_[X, X[:, 0]]                        # a duplicated column
    with pytest.warns(IdentificationWarning):
        fit = estimate.mle(models.LogisticRegression(5), (X2, y))
    assert not fit.converged


def test_data_offset_by_1e9_is_fitted_exactly():
    x = 1.7e9 + np.random.default_rng(3).normal(0.0, 3600.0, size=500)    # Unix timestamps
    fit = _quiet_fit(models.Normal(), x)
    assert fit.converged, fit.message
    assert fit.params["loc"] == pytest.approx(x.mean(), rel=1e-14)
    assert fit.params["scale"] == pytest.approx(x.std(), rel=1e-8)


def test_stopping_early_is_not_called_converged():
    X, y = _logistic_data()
    with pytest.warns(EstimationWarning):
        fit = estimate.mle(models.LogisticRegression(4), (X, y), optimizer="lbfgs", max_iter=2)
    assert not fit.converged and fit.message


def test_lbfgs_result_is_verified_by_the_hessian():
    X, y = _logistic_data()
    fit = estimate.mle(models.LogisticRegression(4), (X, y), optimizer="lbfgs")
    accurate = np.allclose(np.r_[fit.params["weight"], fit.params["bias"]],
                           _newton_logistic(X, y), rtol=1e-6, atol=1e-9)
    assert accurate or not fit.converged          # converged=True only at a verified optimum


def test_optimizer_over_other_tensors_is_refused():
    X, y = _logistic_data()
    other = tg.zeros(4, requires_grad=True)
    with pytest.raises(ValueError, match="does not own"):
        estimate.mle(models.LogisticRegression(4), (X, y), optimizer=tg.optim.Adam([other]))
    m = models.LogisticRegression(4)
    fit = estimate.mle(m, (X, y), optimizer=tg.optim.Adam(m.parameters(), lr=0.05),
                       max_iter=3000, stderr=False)
    ref = _newton_logistic(X, y)
    np.testing.assert_allclose(fit.params["weight"], ref[:4], atol=1e-3)


# ----- natural parameters -------------------------------------------------------------------

def test_bernoulli_reports_probs_and_its_standard_error():
    b = np.random.default_rng(4).integers(0, 2, 400)
    fit = _quiet_fit(models.Bernoulli(), b)
    p = b.mean()
    assert fit.params["probs"] == pytest.approx(p, rel=1e-12)
    assert fit.stderr["probs"] == pytest.approx(math.sqrt(p * (1 - p) / len(b)), rel=1e-8)


def test_normal_reports_scale_and_standard_errors():
    x = np.random.default_rng(5).normal(2.0, 3.0, size=500)
    fit = _quiet_fit(models.Normal(), x)
    s = x.std()
    assert fit.params["scale"] == pytest.approx(s, rel=1e-10)
    assert fit.stderr["loc"] == pytest.approx(s / math.sqrt(500), rel=1e-8)
    assert fit.stderr["scale"] == pytest.approx(s / math.sqrt(2 * 500), rel=1e-8)


def test_poisson_reports_rate():
    k = np.random.default_rng(6).poisson(3.5, 300)
    fit = _quiet_fit(models.Poisson(), k)
    assert fit.params["rate"] == pytest.approx(k.mean(), rel=1e-12)
    assert fit.stderr["rate"] == pytest.approx(math.sqrt(k.mean() / 300), rel=1e-8)


@pytest.mark.parametrize("a,b", [(2.0, 2.0), (5.0, 1.5), (1.0, 1.0)])
def test_beta_bernoulli_map_is_the_closed_form(a, b):
    flips = np.array([1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1])
    k, n = flips.sum(), len(flips)
    fit = estimate.map(models.Bernoulli(), flips, prior={"probs": tg.distributions.Beta(a, b)})
    assert fit.converged
    assert fit.params["probs"] == pytest.approx((k + a - 1) / (n + a + b - 2), rel=1e-9)


def test_custom_function_model_with_constraints():
    x = np.random.default_rng(7).exponential(2.0, size=300)

    def log_prob(params, data):                                   # Exponential(rate)
        r = params["rate"]
        return data.shape[0] * r.log() - r * data.sum()

    fit = _quiet_fit(log_prob, x, params={"rate": 1.0}, constraints={"rate": "positive"})
    assert fit.params["rate"] == pytest.approx(1 / x.mean(), rel=1e-12)
    assert fit.stderr["rate"] == pytest.approx((1 / x.mean()) / math.sqrt(300), rel=1e-8)


# ----- smaller items ----------------------------------------------------------------------------

def test_per_observation_log_densities_are_summed():
    x = np.random.default_rng(8).normal(1.0, 2.0, size=200)

    def log_prob(params, data):                                   # one value per observation
        return tg.distributions.Normal(params["loc"], params["scale"]).log_prob(data)

    fit = _quiet_fit(log_prob, x, params={"loc": 0.0, "scale": 1.0},
                     constraints={"scale": "positive"})
    assert fit.params["loc"] == pytest.approx(x.mean(), rel=1e-12)
    assert fit.params["scale"] == pytest.approx(x.std(), rel=1e-10)


def test_parameters_may_be_a_dict():
    class Exponential:
        def __init__(self):
            self.rate = tg.tensor(1.0, requires_grad=True)

        def parameters(self):
            return {"rate": self.rate}

        def log_prob(self, x):
            return x.shape[0] * self.rate.log() - self.rate * x.sum()

    x = np.random.default_rng(9).exponential(0.5, size=100)
    fit = estimate.mle(Exponential(), x, stderr=False)
    assert fit.params["rate"] == pytest.approx(1 / x.mean(), rel=1e-10)


def test_progress_needs_nothing_installed(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    fit = estimate.mle(models.Normal(), np.arange(10.0), progress=True)
    assert fit.converged and "mle:" in capsys.readouterr().err


def test_prior_with_a_larger_batch_shape_is_refused():
    X, y = _logistic_data()
    prior = {"weight": tg.distributions.Normal(tg.zeros(3, 4), 1.0)}
    with pytest.raises(ValueError, match="prior for 'weight'.*shape"):
        estimate.map(models.LogisticRegression(4), (X, y), prior=prior)


@pytest.mark.parametrize("kw,match", [({"lr": 0.0}, "lr must be"), ({"max_iter": -1}, "max_iter"),
                                      ({"max_iter": 2.5}, "max_iter"), ({"lr": float("nan")}, "lr")])
def test_numeric_arguments_are_validated(kw, match):
    with pytest.raises(ValueError, match=match):
        estimate.mle(models.Normal(), np.arange(5.0), **kw)


def test_data_argument_mistakes_get_clear_errors():
    X, y = _logistic_data(n=20)
    clf = models.LogisticRegression(4)
    with pytest.raises(TypeError, match="tuple"):
        estimate.mle(clf, [X, y])
    with pytest.raises(TypeError, match="one tuple"):
        estimate.mle(clf, X, y)
    with pytest.raises(TypeError, match="one tuple"):
        estimate.map(clf, X, y, prior=tg.distributions.Normal(0.0, 1.0))
    with pytest.raises(TypeError, match=r"instance.*Normal\(\)"):
        estimate.mle(models.Normal, np.arange(5.0))
    with pytest.raises(ValueError, match="non-finite"):
        estimate.mle(models.Normal(), np.array([1.0, np.nan]))
