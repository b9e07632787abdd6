"""estimate/diagnostics.py: boundary (recession), identification and the final verdict.

Each case has a known answer: separable data and an all-success Bernoulli have no MLE (it is at
infinity); duplicated columns, a singular quadratic and a K×D softmax are not identified; raw
Longley (cond(XᵀX) ≈ 1e19), data offset by 1e9 and ordinary logistic fits are well posed and
must raise nothing.
"""
import math
import warnings

import numpy as np
import pytest
from nll_problems import logistic_nll, normal_nll, read_longley

from tinygrad_ku.estimate import diagnostics as diag, newton

minimize_newton = newton.minimize_newton


def fit(fgh, x0, labels=None, may_separate=False, **kw):
    """Newton, then the verdict, as the driver does."""
    res = minimize_newton(fgh, np.asarray(x0, dtype=float), **kw)
    return res, diag.verdict(res, lambda x: fgh(x)[0], labels, may_separate=may_separate)


def bernoulli_logit(k, n):
    """f(u) = −k log σ(u) − (n−k) log σ(−u): MLE logit(k/n), none when k = n."""
    def fgh(u, hess=True):
        p = 1 / (1 + np.exp(-u[0]))
        f = k * np.logaddexp(0, -u[0]) + (n - k) * np.logaddexp(0, u[0])
        return f, np.array([n * p - k]), np.array([[n * p * (1 - p)]])
    return fgh


def softmax_nll(X, Y):
    """Multinomial logit with a weight row per class, W (K, D): invariant to W + 1 cᵀ."""
    N, D = X.shape
    K = Y.shape[1]

    def fgh(w, hess=True):
        W = w.reshape(K, D)
        eta = X @ W.T                                         # (N, K)
        lse = np.logaddexp.reduce(eta, axis=1)
        P = np.exp(eta - lse[:, None])
        f = np.sum(lse - np.sum(Y * eta, axis=1))
        g = ((P - Y).T @ X).ravel()
        C = np.einsum("nk,kl->nkl", P, np.eye(K)) - np.einsum("nk,nl->nkl", P, P)
        H = np.einsum("nkl,nd,ne->kdle", C, X, X).reshape(K * D, K * D)
        return f, g, H
    return fgh


def _design(seed=1, n=60):
    rng = np.random.default_rng(seed)
    return rng, np.c_[np.ones(n), rng.normal(size=(n, 2))]


# ---------------------------------------------------------------- warning classes
def test_warning_hierarchy():
    for cls in (diag.PerfectSeparationWarning, diag.BoundaryWarning, diag.ConvergenceWarning,
                diag.IdentificationWarning):
        assert issubclass(cls, diag.EstimationWarning)
    assert issubclass(diag.EstimationWarning, UserWarning)


# ---------------------------------------------------------------- well posed: silent
def test_well_posed_fits_raise_nothing():
    y, X = read_longley()

    def ols(b, hess=True):
        r = y - X @ b
        return 0.5 * r @ r, -X.T @ r, X.T @ X
    names = ["const", "x1", "x2", "x3", "x4", "x5", "x6"]
    res, v = fit(ols, np.zeros(7), names)
    assert v == (True, res.message, None)
    assert diag.recession(lambda b: ols(b)[0], res.x, res.hess, names) is None
    assert diag.identification(res.hess, names) is None     # cond(Hs) ≈ 2e9 is identified

    k = np.arange(-50, 50) % 17 - 8.0
    res, v = fit(normal_nll(1e9 + k / 8), [0.0, 0.0], ["loc", "log scale"])
    assert v.converged and v.warning is None, v.message

    rng, X = _design()
    y = (rng.random(60) < 1 / (1 + np.exp(-X @ [0.3, 1.0, -1.0]))).astype(float)
    res, v = fit(logistic_nll(X, y), np.zeros(3), may_separate=True)
    assert v.converged and v.warning is None, v.message

    res, v = fit(bernoulli_logit(15, 20), [0.0], ["logit"])
    assert v.converged and v.warning is None
    assert abs(res.x[0] - math.log(15 / 5)) <= 1e-12


def test_badly_scaled_quadratic_is_not_a_boundary():
    s = np.array([1e-9, 1.0, 1e9])
    H = np.array([[2.0, 0.6, 0.2], [0.6, 1.0, 0.3], [0.2, 0.3, 1.5]]) / np.outer(s, s)
    xstar = np.array([3.0, -2.0, 0.5]) * s

    def fgh(x, hess=True):
        r = x - xstar
        return 0.5 * r @ H @ r, H @ r, H
    res, v = fit(fgh, np.zeros(3))
    assert v.converged and v.warning is None


# ---------------------------------------------------------------- optimum at infinity
def test_separable_logistic_is_perfect_separation():
    rng, X = _design()
    y = (X[:, 1] + 0.5 * X[:, 2] > 0).astype(float)
    labels = ["bias", "w[0]", "w[1]"]
    res, v = fit(logistic_nll(X, y), np.zeros(3), labels, may_separate=True)
    assert not v.converged and v.warning is diag.PerfectSeparationWarning
    assert "separation" in v.message and "w[0] → +∞" in v.message and "w[1] → +∞" in v.message
    with pytest.warns(diag.PerfectSeparationWarning, match="separation"):
        warnings.warn(v.message, v.warning)
    # without the model's may_separate flag the same finding is a boundary estimate
    res, v = fit(logistic_nll(X, y), np.zeros(3), labels)
    assert v.warning is diag.BoundaryWarning


def test_quasi_separation():
    x = np.array([-2.0, -1.0, 0.0, 0.0, 1.0, 2.0])          # the tie at 0 overlaps
    y = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    X = np.c_[np.ones(6), x]
    res, v = fit(logistic_nll(X, y), np.zeros(2), ["bias", "slope"], may_separate=True)
    assert v.warning is diag.PerfectSeparationWarning and not v.converged
    assert "slope → +∞" in v.message
    assert abs(res.fun - 2 * math.log(2)) <= 1e-8            # the supremum: the tie costs 2 log 2


def test_all_ones_bernoulli_logit_runs_to_infinity():
    res, v = fit(bernoulli_logit(20, 20), [0.0], ["logit"])
    assert not v.converged and v.warning is diag.BoundaryWarning
    assert "logit → +∞" in v.message and "boundary" in v.message
    res, v = fit(bernoulli_logit(0, 20), [0.0], ["logit"])
    assert not v.converged and "logit → −∞" in v.message


def test_recession_after_max_iter_on_a_linear_objective():
    def fgh(x, hess=True):
        return -2.0 * x[0] + (x[1] - 1) ** 2, np.array([-2.0, 2 * (x[1] - 1)]), np.diag([0.0, 2.0])
    res, v = fit(fgh, [0.0, 0.0], ["a", "b"], max_iter=3)
    assert res.status == "max_iter"
    assert v.warning is diag.BoundaryWarning and "a → +∞" in v.message and "b →" not in v.message


# ---------------------------------------------------------------- unbounded and the sign trap
def test_sign_trap_negative_log_likelihood_maximised():
    rng = np.random.default_rng(2)
    data = rng.normal(3.0, 2.0, size=30)
    nll = normal_nll(data)

    def user_returned_nll(p, hess=True):                   # mle minimises −(user's function)
        f, g, H = nll(p)
        return -f, -g, -H
    res, v = fit(user_returned_nll, [0.0, 0.0], ["loc", "log scale"])
    assert res.status == "unbounded" and not v.converged
    assert v.warning is diag.BoundaryWarning
    assert "NEGATIVE log-likelihood" in v.message and "maximises" in v.message.lower()


def test_unbounded_linear_objective():
    res, v = fit(lambda x, hess=True: (-x[0], np.array([-1.0]), np.zeros((1, 1))), [0.0])
    assert res.status == "unbounded" and not v.converged
    assert "unbounded below" in v.message and "NEGATIVE log-likelihood" in v.message


# ---------------------------------------------------------------- identification
def test_duplicated_column_is_not_identified():
    rng, X = _design(3)
    X = np.c_[X, X[:, 1]]
    y = (rng.random(60) < 1 / (1 + np.exp(-X[:, :3] @ [0.3, 1.0, -1.0]))).astype(float)
    labels = ["bias", "w[0]", "w[1]", "w[0] copy"]
    res, v = fit(logistic_nll(X, y), np.zeros(4), labels, may_separate=True)
    assert not v.converged and v.warning is diag.IdentificationWarning
    assert "w[0]" in v.message and "w[0] copy" in v.message and "w[1]" not in v.message
    assert np.abs(res.x).max() < 10                          # no drift along the flat direction
    assert res.n_iter <= 10 and np.abs(res.grad).max() <= 1e-9
    text = diag.identification(res.hess, labels)
    assert "(+1, -1)" in text or "(-1, +1)" in text


def test_singular_quadratic_names_the_combination():
    A = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 4.0]])
    text = diag.identification(A, ["a", "b", "c"])
    assert text is not None and "Δ(" in text and "a" in text and "b" in text
    assert "c" not in text.split("Δ(")[1].split(")")[0]
    assert diag.identification(np.diag([1e-18, 1.0, 1e18])) is None   # scale alone is fine


def test_softmax_with_a_weight_row_per_class():
    rng = np.random.default_rng(4)
    N, D, K = 90, 3, 3
    X = np.c_[np.ones(N), rng.normal(size=(N, D - 1))]
    logits = X @ rng.normal(size=(D, K))
    Y = np.eye(K)[[rng.choice(K, p=np.exp(r - np.logaddexp.reduce(r))) for r in logits]]
    labels = [f"W[{k},{j}]" for k in range(K) for j in range(D)]
    res, v = fit(softmax_nll(X, Y), np.zeros(K * D), labels)
    assert res.status == "not_minimum" and res.n_iter <= 10
    W = res.x.reshape(K, D)
    P = np.exp(X @ W.T - np.logaddexp.reduce(X @ W.T, axis=1)[:, None])
    np.testing.assert_allclose((P - Y).T @ X, 0.0, atol=1e-9)   # the score equations hold
    assert not v.converged and v.warning is diag.IdentificationWarning
    assert f"{D} flat directions" in v.message
    for j in range(D):                                       # one flat move per feature: W + 1 cᵀ
        assert f"Δ(W[0,{j}], W[1,{j}], W[2,{j}]) ∝ (+1, +1, +1)" in v.message


# ---------------------------------------------------------------- other verdicts
def test_max_iter_is_a_convergence_warning():
    def fgh(x, hess=True):                                   # Rosenbrock
        a, b = x
        g = np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])
        H = np.array([[2 - 400 * (b - a * a) + 800 * a * a, -400 * a], [-400 * a, 200.0]])
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2, g, H
    res, v = fit(fgh, [-1.2, 1.0], max_iter=3)
    assert v == (False, res.message, diag.ConvergenceWarning)
    assert "max_iter" in v.message


def test_verdict_without_f_skips_the_probe():
    res = minimize_newton(bernoulli_logit(20, 20), np.zeros(1))
    v = diag.verdict(res)                                    # nothing to probe with
    assert v.converged == res.converged
