"""estimate/newton.py: trust-region Newton against closed forms and published values.

Every reference is a closed form (quadratic minimisers, Rosenbrock's (1, 1), the Normal MLE,
the log-barrier root (5 − √13)/6, ln 2), an independent long-run Newton iteration, or NIST's
certified Longley coefficients (tests/data/longley.csv).
"""
import math
import warnings

import numpy as np
import pytest
from nll_problems import LONGLEY_CERTIFIED, logistic_nll, normal_nll, read_longley

from tinygrad_ku.estimate import newton

minimize_newton = newton.minimize_newton


# ---------------------------------------------------------------- problems (closed forms)
def quadratic(H, xstar):
    """f = ½ (x − x*)ᵀ H (x − x*): minimiser x*."""
    H = np.asarray(H, dtype=float)

    def fgh(x, hess=True):
        r = x - xstar
        return 0.5 * r @ H @ r, H @ r, H
    return fgh


def rosenbrock(scale=(1.0, 1.0)):
    """f = (1 − a)² + 100 (b − a²)² with a = x₀/s₀, b = x₁/s₁: minimum at (s₀, s₁)."""
    s = np.asarray(scale, dtype=float)

    def fgh(x, hess=True):
        a, b = x / s
        f = (1 - a) ** 2 + 100 * (b - a * a) ** 2
        g = np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)]) / s
        H = np.array([[2 - 400 * (b - a * a) + 800 * a * a, -400 * a], [-400 * a, 200.0]])
        return f, g, H / np.outer(s, s)
    return fgh


def reference_newton(fgh, x, iters=60):
    """Independent reference: plain undamped Newton, run long."""
    for _ in range(iters):
        _, g, H = fgh(x)
        x = x - np.linalg.solve(H, g)
    return x




def no_warnings(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kw)


# ---------------------------------------------------------------- scale invariance
@pytest.mark.parametrize("scale", [1e-9, 1e-3, 1.0, 1e3, 1e9])
def test_quadratic_at_any_scale_in_one_step(scale):
    s = np.array([scale, 1.0, 1.0 / scale])               # parameters differing by up to 1e18
    A = np.array([[2.0, 0.6, 0.2], [0.6, 1.0, 0.3], [0.2, 0.3, 1.5]])
    H = A / np.outer(s, s)
    xstar = np.array([3.0, -2.0, 0.5]) * s
    res = minimize_newton(quadratic(H, xstar), np.zeros(3))
    assert res.converged and res.status == "converged"
    assert res.n_iter <= 2
    np.testing.assert_allclose(res.x, xstar, rtol=1e-12)


def test_diag_1e18_quadratic():
    res = minimize_newton(quadratic(np.diag([1e-18, 1.0]), np.array([4e9, -1.0])), np.zeros(2))
    assert res.converged and res.n_iter == 1
    np.testing.assert_allclose(res.x, [4e9, -1.0], rtol=1e-14)


def test_rosenbrock_and_its_invariance_to_units():
    res = minimize_newton(rosenbrock(), np.array([-1.2, 1.0]))
    assert res.converged and res.n_iter <= 40
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-9)
    s = np.array([1e6, 1e-6])                             # same problem, other units
    res2 = minimize_newton(rosenbrock(s), np.array([-1.2, 1.0]) * s)
    assert res2.converged and res2.n_iter == res.n_iter
    np.testing.assert_allclose(res2.x, s, rtol=1e-9)


def test_normal_with_data_around_1e9_location_travels_1e9():
    k = np.arange(-50, 50) % 17 - 8.0                      # exact in float64 at 1e9
    data = 1e9 + k / 8
    mean = 1e9 + k.mean() / 8
    sigma = math.sqrt(np.mean((k / 8 - k.mean() / 8) ** 2))
    res = minimize_newton(normal_nll(data), np.array([0.0, 0.0]))
    assert res.converged, res.message
    assert res.n_iter <= 12
    assert abs(res.x[0] - mean) <= 1e-6                   # SE is σ/√n ≈ 0.06
    assert abs(res.x[1] - math.log(sigma)) <= 1e-9
    for start in ([2e9, 0.0], [-1e12, 0.0], [1e9, 3.0], [1e9, -3.0]):
        res = minimize_newton(normal_nll(data), np.array(start))
        assert res.converged and res.n_iter <= 15, (start, res)
        assert abs(res.x[0] - mean) <= 1e-6


def test_longley_raw_design_reaches_nist_certified_values():
    y, X = read_longley()

    def ols(b, hess=True):                                 # ½‖y − Xb‖²
        r = y - X @ b
        return 0.5 * r @ r, -X.T @ r, X.T @ X
    assert np.linalg.cond(X.T @ X) > 1e15                  # the raw, unscaled design
    res = minimize_newton(ols, np.zeros(7))
    assert res.converged, res.message
    assert res.n_iter <= 5
    np.testing.assert_allclose(res.x, LONGLEY_CERTIFIED, rtol=1e-7)
    assert abs(2 * res.fun - 836424.055505915) <= 1e-6 * 836424.055505915   # certified RSS


# ---------------------------------------------------------------- likelihoods
def test_logistic_regression_matches_long_run_newton():
    rng = np.random.default_rng(11)
    X = np.c_[np.ones(200), rng.normal(size=(200, 3)) * [1.0, 100.0, 0.01]]
    w_true = np.array([0.3, 1.0, -0.01, 50.0])
    y = (rng.random(200) < 1 / (1 + np.exp(-X @ w_true))).astype(float)
    fgh = logistic_nll(X, y)
    res = minimize_newton(fgh, np.zeros(4))
    assert res.converged and res.n_iter <= 10
    ref = reference_newton(fgh, np.zeros(4))
    np.testing.assert_allclose(res.x, ref, rtol=1e-10)
    assert np.abs(res.grad).max() <= 1e-8
    assert res.decrement <= 1e-10


def test_one_fgh_call_per_iteration_on_the_common_path():
    rng = np.random.default_rng(5)
    X = np.c_[np.ones(300), rng.normal(size=(300, 5))]
    y = (rng.random(300) < 1 / (1 + np.exp(-X @ np.linspace(-1, 1, 6)))).astype(float)
    calls = []
    base = logistic_nll(X, y)

    def fgh(w, hess=True):
        calls.append(hess)
        return base(w, hess)
    seen = []
    res = minimize_newton(fgh, np.zeros(6), callback=lambda it, x, f: seen.append((it, f)))
    assert res.converged
    assert len(calls) == res.n_eval == res.n_iter + 1 and all(calls)
    assert [it for it, _ in seen] == list(range(1, res.n_iter + 1))
    assert np.all(np.diff(res.history) <= 0)


def test_exp_overflow_at_trial_points_is_rejected_quietly():
    def fgh(x, hess=True):                                  # f = eˣ − 2x: minimum at ln 2
        e = np.exp(x[0])
        return e - 2 * x[0], np.array([e - 2]), np.array([[e]])
    for x0 in (-50.0, -5.0, 0.0, 50.0):
        res = no_warnings(minimize_newton, fgh, np.array([x0]))
        assert res.converged and res.n_iter <= 30, (x0, res)
        assert abs(res.x[0] - math.log(2)) <= 1e-12


def test_log_barrier_nan_outside_domain():
    def fgh(x, hess=True):                                  # −log x − log(1−x) + 3x on (0, 1)
        t = x[0]
        f = -np.log(t) - np.log(1 - t) + 3 * t
        return f, np.array([-1 / t + 1 / (1 - t) + 3]), np.array([[1 / t**2 + 1 / (1 - t) ** 2]])
    root = (5 - math.sqrt(13)) / 6                         # 3x² − 5x + 1 = 0
    for x0 in (0.999, 0.5, 1e-6):
        res = no_warnings(minimize_newton, fgh, np.array([x0]))
        assert res.converged and res.n_iter <= 20, (x0, res)
        assert abs(res.x[0] - root) <= 1e-12


# ---------------------------------------------------------------- non-convex and degenerate
def double_well(x, hess=True):
    """f = x⁴/4 − x²/2 + y²/2: saddle at 0, minima at (±1, 0)."""
    a, b = x
    return a**4 / 4 - a**2 / 2 + b**2 / 2, np.array([a**3 - a, b]), np.diag([3 * a**2 - 1, 1.0])


@pytest.mark.parametrize("x0", [[0.0, 0.5], [0.0, 0.0], [0.1, -2.0]])
def test_saddle_start_descends_to_a_minimum(x0):
    res = minimize_newton(double_well, np.array(x0))
    assert res.converged, res.message
    np.testing.assert_allclose(np.abs(res.x), [1.0, 0.0], atol=1e-10)
    assert res.fun < double_well(np.array(x0))[0]


def test_concave_start():
    def fgh(x, hess=True):                                  # −exp(−x²): concave for |x| > 1/√2
        e = math.exp(-x[0] ** 2)
        return -e, np.array([2 * x[0] * e]), np.array([[(2 - 4 * x[0] ** 2) * e]])
    res = minimize_newton(fgh, np.array([1.5]))
    assert res.converged and abs(res.x[0]) <= 1e-8


def test_singular_quadratic_is_not_claimed_converged():
    A = np.array([[1.0, 1.0], [1.0, 1.0]])                 # only x₀ + x₁ is determined
    res = minimize_newton(quadratic(A, np.array([1.0, 2.0])), np.zeros(2))
    assert not res.converged and res.status == "not_minimum"
    assert "singular" in res.message
    assert abs(res.x.sum() - 3.0) <= 1e-12 and np.abs(res.x).max() <= 10   # no drift


def test_unbounded_objective():
    res = minimize_newton(lambda x, hess=True: (-x[0], np.array([-1.0]), np.zeros((1, 1))),
                          np.array([0.0]))
    assert res.status == "unbounded" and not res.converged
    assert res.n_iter <= 20 and res.fun < -1e12
    assert "unbounded" in res.message


def test_nonsmooth_objective_never_claims_convergence():
    res = minimize_newton(lambda x, hess=True: (abs(x[0] - 1), np.array([np.sign(x[0] - 1)]),
                                                np.zeros((1, 1))), np.array([0.3]))
    assert not res.converged and res.status in ("stalled", "max_iter")
    assert "λ²" in res.message and "max|g|" in res.message


def test_max_iter_is_reported_with_numbers():
    res = minimize_newton(rosenbrock(), np.array([-1.2, 1.0]), max_iter=3)
    assert res.status == "max_iter" and not res.converged and res.n_iter == 3
    assert "max_iter = 3" in res.message and "λ²" in res.message


def test_argument_errors_name_the_value():
    fgh = quadratic(np.eye(2), np.zeros(2))
    with pytest.raises(ValueError, match="max_iter"):
        minimize_newton(fgh, np.ones(2), max_iter=-1)
    with pytest.raises(ValueError, match="gtol"):
        minimize_newton(fgh, np.ones(2), gtol=0.0)
    with pytest.raises(ValueError, match="not finite at the starting point"):
        minimize_newton(lambda x, hess=True: (math.nan, x, np.eye(2)), np.ones(2))
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        minimize_newton(lambda x, hess=True: (0.0, x, np.eye(3)), np.ones(2))


@pytest.mark.parametrize("lam, a, delta", [
    ([1.0, 3.0], [-4.0, 1.0], 0.5),          # positive definite, Newton step outside the region
    ([1.0, 3.0], [-0.2, 0.1], 5.0),          # positive definite, Newton step inside
    ([-2.0, 1.0], [0.5, -1.0], 1.5),         # indefinite
    ([-1.0, 2.0], [0.0, 1.0], 2.0),          # the hard case: no gradient along λmin
    ([0.0, 1.0], [-1.0, 0.5], 3.0),          # singular with a slope along the flat direction
])
def test_trust_region_subproblem_is_the_global_minimiser(lam, a, delta):
    lam, a = np.array(lam), np.array(a)
    c, _ = newton._tr_subproblem(lam, a, delta, 1e-12, 1e-5)
    model = lambda z: z @ a + 0.5 * (lam * z * z).sum(-1)   # noqa: E731
    assert np.linalg.norm(c) <= delta * (1 + 1e-6)
    r, t = np.meshgrid(np.linspace(0, delta, 400), np.linspace(0, 2 * np.pi, 720))
    grid = np.stack([r * np.cos(t), r * np.sin(t)], -1).reshape(-1, 2)
    assert model(c) <= model(grid).min() + 1e-9
