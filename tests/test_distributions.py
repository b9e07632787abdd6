"""tg.distributions against closed forms, numerical integration, finite differences and sampling.

References are independent of the code under test: textbook formulas evaluated with
`math` / NumPy (math.lgamma for Gamma functions), sums and quadratures of the density,
central differences (gradcheck), and sample moments with their standard errors.
"""
import math

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku import distributions as D

LOG_2PI = math.log(2 * math.pi)


def t(x, grad=False):
    return tg.tensor(np.asarray(x, dtype=np.float64), requires_grad=grad)


def val(x):
    return np.asarray(x.data if isinstance(x, tg.Tensor) else x, dtype=np.float64)


def integrate(f, lo, hi, n=200_001):
    """Simpson's rule for a vectorised f on [lo, hi]."""
    x = np.linspace(lo, hi, n)
    y = f(x)
    h = (hi - lo) / (n - 1)
    return h / 3 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum())


def density(dist):
    return lambda x: np.exp(val(dist.log_prob(x)))


# ----- closed forms ----------------------------------------------------------------------
def test_normal_log_density_at_known_points():
    d = D.Normal(1.0, 2.0)
    x = np.array([1.0, 3.0, -2.0])
    expected = -0.5 * ((x - 1.0) / 2.0) ** 2 - math.log(2.0) - 0.5 * LOG_2PI
    np.testing.assert_allclose(val(d.log_prob(x)), expected, rtol=1e-14)
    assert float(D.Normal(0.0, 1.0).log_prob(0.0)) == pytest.approx(-0.5 * LOG_2PI, rel=1e-15)
    assert float(d.mean) == 1.0 and float(d.variance) == 4.0 and float(d.stddev) == 2.0
    assert float(d.entropy()) == pytest.approx(0.5 + 0.5 * LOG_2PI + math.log(2.0), rel=1e-14)
    assert float(d.prob(1.0)) == pytest.approx(1 / math.sqrt(8 * math.pi), rel=1e-14)


def test_laplace_and_exponential_closed_forms_and_normalisation():
    lap = D.Laplace(0.5, 1.5)
    x = np.array([-1.0, 0.5, 2.0])
    np.testing.assert_allclose(val(lap.log_prob(x)), -np.abs(x - 0.5) / 1.5 - math.log(3.0),
                               rtol=1e-14)
    assert float(lap.variance) == pytest.approx(2 * 1.5 ** 2)
    assert float(lap.entropy()) == pytest.approx(1 + math.log(3.0))
    assert integrate(density(lap), -40, 40) == pytest.approx(1.0, abs=1e-8)
    exp = D.Exponential(2.5)
    np.testing.assert_allclose(val(exp.log_prob(x[1:])), math.log(2.5) - 2.5 * x[1:], rtol=1e-14)
    assert float(exp.mean) == pytest.approx(0.4) and float(exp.variance) == pytest.approx(0.16)
    assert float(exp.entropy()) == pytest.approx(1 - math.log(2.5))
    assert integrate(density(exp), 0, 30) == pytest.approx(1.0, abs=1e-8)


def test_poisson_pmf_sums_to_one_and_has_its_moments():
    rate = 7.5
    k = np.arange(0, 200)
    p = np.exp(val(D.Poisson(rate).log_prob(k)))
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert (k * p).sum() == pytest.approx(rate, rel=1e-12)
    assert ((k - rate) ** 2 * p).sum() == pytest.approx(rate, rel=1e-12)
    expected = [j * math.log(rate) - rate - math.lgamma(j + 1) for j in (0, 3, 50)]
    np.testing.assert_allclose(val(D.Poisson(rate).log_prob([0, 3, 50])), expected, rtol=1e-13)
    assert float(D.Poisson(0.0).log_prob(0)) == 0.0          # p(0) = 1 when the rate is 0
    assert float(D.Poisson(0.0).log_prob(2)) == -np.inf


@pytest.mark.parametrize("a,b", [(2.0, 3.0), (1.0, 1.0), (5.5, 3.0)])
def test_beta_density_integrates_to_one_and_matches_moments(a, b):
    d = D.Beta(a, b)
    f = density(d)
    assert integrate(f, 0, 1) == pytest.approx(1.0, abs=1e-9)
    mean = integrate(lambda x: x * f(x), 0, 1)
    var = integrate(lambda x: (x - mean) ** 2 * f(x), 0, 1)
    assert float(d.mean) == pytest.approx(mean, abs=1e-9)
    assert float(d.variance) == pytest.approx(var, abs=1e-9)
    lbeta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    assert float(d.log_prob(0.3)) == pytest.approx(
        (a - 1) * math.log(0.3) + (b - 1) * math.log(0.7) - lbeta, rel=1e-13)
    h = -integrate(lambda x: f(x) * val(d.log_prob(x)), 1e-12, 1 - 1e-12)
    assert float(d.entropy()) == pytest.approx(h, abs=1e-8)


def test_gamma_density_moments_and_entropy_numerically():
    d = D.Gamma(3.5, 2.0)
    f = density(d)
    assert integrate(f, 0, 40) == pytest.approx(1.0, abs=1e-9)
    assert integrate(lambda x: x * f(x), 0, 40) == pytest.approx(float(d.mean), rel=1e-9)
    assert float(d.mean) == 1.75 and float(d.variance) == pytest.approx(3.5 / 4)
    h = -integrate(lambda x: f(x) * val(d.log_prob(x)), 1e-12, 40)
    assert float(d.entropy()) == pytest.approx(h, abs=1e-7)
    expected = 3.5 * math.log(2) + 2.5 * math.log(1.3) - 2.6 - math.lgamma(3.5)
    assert float(d.log_prob(1.3)) == pytest.approx(expected, rel=1e-13)
    assert float(D.Gamma(1.0, 2.0).log_prob(0.0)) == pytest.approx(math.log(2.0))   # 0 log 0 = 0


def test_bernoulli_probs_and_logits_agree_and_are_stable():
    p = np.array([0.1, 0.5, 0.9])
    x = np.array([1.0, 0.0, 0.0])
    expected = x * np.log(p) + (1 - x) * np.log1p(-p)
    by_p, by_l = D.Bernoulli(probs=p), D.Bernoulli(logits=np.log(p / (1 - p)))
    np.testing.assert_allclose(val(by_p.log_prob(x)), expected, rtol=1e-13)
    np.testing.assert_allclose(val(by_l.log_prob(x)), expected, rtol=1e-13)
    h = -(p * np.log(p) + (1 - p) * np.log1p(-p))
    np.testing.assert_allclose(val(by_p.entropy()), h, rtol=1e-13)
    np.testing.assert_allclose(val(by_l.entropy()), h, rtol=1e-13)
    np.testing.assert_allclose(val(by_l.mean), p, rtol=1e-13)
    np.testing.assert_allclose(val(by_p.variance), p * (1 - p), rtol=1e-13)
    logits = t([800.0, -800.0], grad=True)                   # sigmoid saturates: no log(0)
    lp = D.Bernoulli(logits=logits).log_prob([0.0, 1.0])
    np.testing.assert_array_equal(val(lp), [-800.0, -800.0])
    lp.sum().backward()
    np.testing.assert_array_equal(val(logits.grad), [-1.0, 1.0])  # x - sigmoid(l)
    edge = D.Bernoulli(probs=[0.0, 1.0])                     # log p(x) = 0 for the sure outcome
    np.testing.assert_array_equal(val(edge.log_prob([0.0, 1.0])), [0.0, 0.0])
    np.testing.assert_array_equal(val(edge.entropy()), [0.0, 0.0])


def test_categorical_log_prob_entropy_and_broadcasting():
    K = 5
    assert float(D.Categorical(logits=np.zeros(K)).entropy()) == pytest.approx(math.log(K))
    assert float(D.Categorical(probs=np.full(K, 1 / K)).entropy()) == pytest.approx(math.log(K))
    p = np.array([[0.2, 0.3, 0.5], [0.6, 0.4, 0.0]])
    d = D.Categorical(probs=p)
    assert d.batch_shape == (2,) and d.event_shape == ()
    value = np.array([[2], [0], [1]])                        # (3, 1) with batch (2,) -> (3, 2)
    with np.errstate(divide="ignore"):
        expected = np.log(p[np.arange(2), value])
    np.testing.assert_allclose(val(d.log_prob(value)), expected, rtol=1e-14)
    assert float(d.log_prob([0, 2])[1]) == -np.inf           # zero-probability category
    h = [-(r[r > 0] * np.log(r[r > 0])).sum() for r in p]
    np.testing.assert_allclose(val(d.entropy()), h, rtol=1e-13)
    logits = np.log(p[0]) + 3.0                  # unnormalised logits of the same distribution
    dl = D.Categorical(logits=logits)
    np.testing.assert_allclose(val(dl.log_prob([0, 1, 2])), np.log(p[0]), rtol=1e-13)
    np.testing.assert_allclose(val(dl.probs), p[0], rtol=1e-13)
    assert float(dl.entropy()) == pytest.approx(h[0], rel=1e-13)
    big = D.Categorical(logits=[1000.0, 0.0, -1000.0])       # no overflow in softmax or entropy
    assert float(big.log_prob(0)) == 0.0 and float(big.entropy()) == pytest.approx(0.0, abs=1e-300)


def _mvn_reference(x, mu, S):
    d = len(mu)
    diff = x - mu
    maha = np.einsum("...i,ij,...j->...", diff, np.linalg.inv(S), diff)
    return -0.5 * (d * LOG_2PI + np.linalg.slogdet(S)[1] + maha)


def test_multivariate_normal_matches_hand_formula():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 3))
    S = A @ A.T + 0.5 * np.eye(3)
    mu = np.array([0.5, -1.0, 2.0])
    x = rng.standard_normal((4, 3))
    ref = _mvn_reference(x, mu, S)
    by_cov = D.MultivariateNormal(mu, covariance_matrix=S)
    by_tril = D.MultivariateNormal(mu, scale_tril=np.linalg.cholesky(S))
    np.testing.assert_allclose(val(by_cov.log_prob(x)), ref, rtol=1e-12)
    np.testing.assert_allclose(val(by_tril.log_prob(x)), ref, rtol=1e-12)
    np.testing.assert_allclose(val(by_tril.covariance_matrix), S, rtol=1e-12)
    np.testing.assert_allclose(val(by_cov.variance), np.diag(S), rtol=1e-12)
    h = 0.5 * np.linalg.slogdet(2 * math.pi * math.e * S)[1]
    assert float(by_cov.entropy()) == pytest.approx(h, rel=1e-12)
    # batched: two locations share one covariance; value broadcasts over the batch
    locs = np.stack([mu, -mu])
    batched = D.MultivariateNormal(locs, scale_tril=np.linalg.cholesky(S))
    assert batched.batch_shape == (2,) and batched.event_shape == (3,)
    out = val(batched.log_prob(x[:, None, :]))
    assert out.shape == (4, 2)
    np.testing.assert_allclose(out[:, 1], _mvn_reference(x, -mu, S), rtol=1e-12)


def test_batch_shapes_broadcast_like_torch():
    d = D.Normal(np.zeros((3, 1)), np.ones(4))
    assert d.batch_shape == (3, 4) and d.event_shape == ()
    assert d.log_prob(np.zeros((2, 1, 1))).shape == (2, 3, 4)
    assert d.sample((5,), generator=0).shape == (5, 3, 4)
    assert D.Gamma([1.0, 2.0], 1.0).sample((7,), generator=0).shape == (7, 2)
    assert D.Categorical(probs=np.full((2, 3, 4), 0.25)).sample(6, generator=0).shape == (6, 2, 3)
    assert D.MultivariateNormal(np.zeros((2, 3)), scale_tril=np.eye(3)).sample(
        (4,), generator=0).shape == (4, 2, 3)
    assert D.Bernoulli(logits=[[0.0], [1.0]]).entropy().shape == (2, 1)
    with pytest.raises(ValueError, match=r"Normal.log_prob: value of shape \(5,\)"):
        d.log_prob(np.zeros(5))


# ----- gradients through gradcheck ---------------------------------------------------------
TRIL = np.tril(np.ones((3, 3)))   # gradcheck perturbs every entry; L's upper part must stay 0
GRAD_CASES = {
    "Normal": (lambda loc, scale, x: D.Normal(loc, scale).log_prob(x),
               ([0.3, -1.0], [1.5, 0.7], [[0.1, 0.2], [-2.0, 1.0]])),
    "Laplace": (lambda loc, scale, x: D.Laplace(loc, scale).log_prob(x),
                ([0.3, -1.0], [1.5, 0.7], [[0.1, 0.2], [-2.0, 1.0]])),
    "Exponential": (lambda rate, x: D.Exponential(rate).log_prob(x), ([0.5, 2.0], [0.3, 1.7])),
    "Gamma": (lambda a, b, x: D.Gamma(a, b).log_prob(x), ([0.7, 3.0], [1.5, 0.4], [0.3, 2.5])),
    "Beta": (lambda a, b, x: D.Beta(a, b).log_prob(x), ([0.7, 3.0], [1.5, 2.0], [0.3, 0.8])),
    "Poisson": (lambda rate: D.Poisson(rate).log_prob([0.0, 3.0, 7.0]), ([0.5, 2.0, 6.5],)),
    "Bernoulli-probs": (lambda p: D.Bernoulli(probs=p).log_prob([[1.0, 0.0], [0.0, 1.0]]),
                        ([0.3, 0.8],)),
    "Bernoulli-logits": (lambda l: D.Bernoulli(logits=l).log_prob([[1.0, 0.0], [0.0, 1.0]]),
                         ([-2.0, 0.7],)),
    "Categorical-probs": (lambda p: D.Categorical(probs=p).log_prob([[0, 2], [1, 1]]),
                          ([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]],)),
    "Categorical-logits": (lambda l: D.Categorical(logits=l).log_prob([[0, 2], [1, 1]]),
                           ([[0.2, -1.0, 0.5], [3.0, 0.6, 0.3]],)),
    "MVN-scale_tril": (lambda mu, L, x: D.MultivariateNormal(mu, scale_tril=L * TRIL).log_prob(x),
                       ([0.2, -0.4, 1.0], [[1.2, 0.0, 0.0], [0.3, 0.8, 0.0], [-0.5, 0.2, 1.5]],
                        [[0.1, 0.2, 0.3], [-1.0, 2.0, 0.5]])),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_log_prob_gradcheck_wrt_parameters_and_value(name):
    f, args = GRAD_CASES[name]
    inputs = tuple(t(a, grad=True) for a in args)
    assert tg.autograd.gradcheck(f, inputs)


ENTROPY_CASES = {
    "Normal": (lambda s: D.Normal(0.0, s).entropy(), [0.5, 2.0]),
    "Laplace": (lambda s: D.Laplace(0.0, s).entropy(), [0.5, 2.0]),
    "Exponential": (lambda r: D.Exponential(r).entropy(), [0.5, 2.0]),
    "Gamma": (lambda a: D.Gamma(a, 1.5).entropy(), [0.7, 4.0]),
    "Beta": (lambda a: D.Beta(a, 2.5).entropy(), [0.7, 4.0]),
    "Bernoulli-probs": (lambda p: D.Bernoulli(probs=p).entropy(), [0.2, 0.7]),
    "Bernoulli-logits": (lambda l: D.Bernoulli(logits=l).entropy(), [-3.0, 0.5]),
    "Categorical-logits": (lambda l: D.Categorical(logits=l).entropy(), [0.2, -1.0, 0.5]),
    "MVN": (lambda L: D.MultivariateNormal([0.0, 0.0], scale_tril=L * TRIL[:2, :2]).entropy(),
            [[1.2, 0.0], [0.3, 0.8]]),
}


@pytest.mark.parametrize("name", list(ENTROPY_CASES))
def test_entropy_gradcheck(name):
    f, arg = ENTROPY_CASES[name]
    assert tg.autograd.gradcheck(f, t(arg, grad=True))


def test_gamma_log_prob_gradient_matches_closed_form():
    a, b = t(2.5, grad=True), t(1.5, grad=True)
    D.Gamma(a, b).log_prob(2.0).backward()
    digamma_2_5 = -0.5772156649015329 - 2 * math.log(2) + 2 + 2 / 3   # psi(n + 1/2), n = 2
    assert float(a.grad) == pytest.approx(math.log(1.5) + math.log(2.0) - digamma_2_5, rel=1e-12)
    assert float(b.grad) == pytest.approx(2.5 / 1.5 - 2.0, rel=1e-12)


def test_mvn_covariance_gradient_closed_form_and_gradcheck():
    S = np.array([[2.0, 0.3], [0.3, 1.0]])
    cov = t(S, grad=True)
    x = np.array([0.4, -0.2])
    D.MultivariateNormal([0.0, 0.0], covariance_matrix=cov).log_prob(x).backward()
    Si = np.linalg.inv(S)                     # d log N / d Sigma = (Si x x^T Si - Si) / 2
    np.testing.assert_allclose(val(cov.grad), 0.5 * (Si @ np.outer(x, x) @ Si - Si), rtol=1e-10)

    def f(mu, M, value):                      # a symmetric parametrisation of Sigma
        return D.MultivariateNormal(mu, covariance_matrix=(M + M.mT) * 0.5).log_prob(value)
    assert tg.autograd.gradcheck(f, (t([0.1, -0.3], grad=True), t(S, grad=True),
                                     t([[0.4, -0.2], [1.0, 0.5]], grad=True)))


# ----- sampling ----------------------------------------------------------------------------
SAMPLERS = {
    "Normal": D.Normal([0.5, -2.0], [1.0, 3.0]),
    "Laplace": D.Laplace(1.0, 2.0),
    "Exponential": D.Exponential([0.5, 4.0]),
    "Gamma": D.Gamma([0.6, 5.0], [2.0, 0.5]),
    "Beta": D.Beta([0.5, 2.0], [0.5, 5.0]),
    "Poisson": D.Poisson([0.3, 12.0]),
    "Bernoulli": D.Bernoulli(logits=[-2.0, 1.0]),
    "MVN": D.MultivariateNormal([1.0, -1.0], covariance_matrix=[[2.0, 0.8], [0.8, 1.0]]),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_sample_moments_within_standard_errors(name):
    assert_sample_moments(SAMPLERS[name])


def assert_sample_moments(d, n=40_000):
    """The mean and variance of n seeded samples of d lie within 5 standard errors."""
    x = val(d.sample((n,), generator=123))
    assert x.shape == (n,) + d.batch_shape + d.event_shape
    mean, var = val(d.mean), val(d.variance)
    se_mean = np.sqrt(var / n)
    assert np.all(np.abs(x.mean(0) - mean) < 5 * se_mean)
    sq = (x - mean) ** 2
    se_var = sq.std(0) / np.sqrt(n)
    assert np.all(np.abs(sq.mean(0) - var) < 5 * se_var)


def test_mvn_sample_covariance_and_categorical_frequencies():
    S = np.array([[2.0, 0.8], [0.8, 1.0]])
    x = val(D.MultivariateNormal([0.0, 0.0], covariance_matrix=S).sample(50_000, generator=1))
    prod = x[:, 0] * x[:, 1]
    assert abs(prod.mean() - 0.8) < 5 * prod.std() / math.sqrt(len(prod))
    p = np.array([0.1, 0.0, 0.6, 0.3])
    k = val(D.Categorical(probs=p).sample(50_000, generator=2)).astype(int)
    freq = np.bincount(k, minlength=4) / len(k)
    assert freq[1] == 0.0
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / len(k)) + 1e-12)


def test_seeded_sampling_is_reproducible():
    d = D.Gamma(2.0, 1.0)
    a, b = d.sample((5,), generator=7), d.sample((5,), generator=7)
    np.testing.assert_array_equal(val(a), val(b))
    assert not np.array_equal(val(a), val(d.sample((5,), generator=8)))
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(val(D.Normal(0.0, 1.0).sample(4, generator=g1)),
                                  val(D.Normal(0.0, 1.0).sample(4, generator=g2)))
    tg.manual_seed(11)
    first = val(D.Categorical(logits=[0.0, 1.0, 2.0]).sample((20,)))
    tg.manual_seed(11)
    second = val(D.Categorical(logits=[0.0, 1.0, 2.0]).sample((20,)))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(val(D.Normal(0.0, 1.0).sample(3, generator=5)),
                                  np.random.default_rng(5).standard_normal(3))


def test_sample_is_outside_the_graph_and_rsample_is_differentiable():
    loc, scale = t(1.0, grad=True), t(2.0, grad=True)
    d = D.Normal(loc, scale)
    s = d.sample((3,), generator=0)
    assert not s.requires_grad and s.grad_fn is None
    r = d.rsample((1000,), generator=0)
    r.mean().backward()
    eps = np.random.default_rng(0).standard_normal(1000)
    assert float(loc.grad) == pytest.approx(1.0)
    assert float(scale.grad) == pytest.approx(eps.mean(), rel=1e-12)   # d(mu + sigma eps)/d sigma
    L = t([[1.0, 0.0], [0.5, 2.0]], grad=True)
    D.MultivariateNormal([0.0, 0.0], scale_tril=L).rsample((2,), generator=0).sum().backward()
    e = np.random.default_rng(0).standard_normal((2, 2))
    np.testing.assert_allclose(val(L.grad), np.tile(e.sum(0), (2, 1)), rtol=1e-12)
    with pytest.raises(NotImplementedError, match="Gamma: rsample"):
        D.Gamma(1.0, 1.0).rsample()


# ----- validation ------------------------------------------------------------------------
BAD = [
    (lambda: D.Normal(0.0, -1.0), r"Normal: argument 'scale' must be positive.*got -1\.0"),
    (lambda: D.Normal([0.0, 0.0], [1.0, 0.0]), r"Normal: argument 'scale'.*0\.0 at index \(1,\)"),
    (lambda: D.Laplace(np.nan, 1.0), r"Laplace: argument 'loc' must be real.*nan"),
    (lambda: D.Exponential(0.0), r"Exponential: argument 'rate' must be positive"),
    (lambda: D.Gamma(-2.0, 1.0), r"Gamma: argument 'concentration'.*-2\.0"),
    (lambda: D.Beta(1.0, 0.0), r"Beta: argument 'concentration0'.*0\.0"),
    (lambda: D.Poisson(-0.5), r"Poisson: argument 'rate' must be non-negative.*-0\.5"),
    (lambda: D.Bernoulli(probs=1.5), r"Bernoulli: argument 'probs'.*\[0\.0, 1\.0\].*1\.5"),
    (lambda: D.Bernoulli(), r"Bernoulli: pass exactly one of probs= or logits="),
    (lambda: D.Bernoulli(probs=0.5, logits=0.0), r"Bernoulli: pass exactly one"),
    (lambda: D.Categorical(probs=[0.3, 0.3]), r"Categorical: argument 'probs'.*sums to 0\.6"),
    (lambda: D.Categorical(probs=[[0.5, 0.5], [1.2, -0.2]]),
     r"Categorical: argument 'probs'.*at index \(1,\).*negative entries"),
    (lambda: D.MultivariateNormal([0.0, 0.0], covariance_matrix=[[1.0, 2.0], [2.0, 1.0]]),
     r"MultivariateNormal: argument 'covariance_matrix' must be a symmetric positive-definite"
     r".*smallest eigenvalue is -1"),
    (lambda: D.MultivariateNormal([0.0, 0.0], covariance_matrix=[[1.0, 0.5], [0.0, 1.0]]),
     r"covariance_matrix.*not symmetric"),
    (lambda: D.MultivariateNormal([0.0, 0.0], scale_tril=[[1.0, 0.0], [0.3, -1.0]]),
     r"MultivariateNormal: argument 'scale_tril' must be lower triangular"),
    (lambda: D.MultivariateNormal([0.0, 0.0, 0.0], scale_tril=np.eye(2)),
     r"MultivariateNormal: loc of shape \(3,\)"),
    (lambda: D.Normal([0.0, 1.0], [1.0, 1.0, 1.0]),
     r"Normal: parameter shapes loc \(2,\), scale \(3,\) cannot be broadcast"),
    (lambda: D.Bernoulli(probs=0.3).log_prob(0.5),
     r"Bernoulli: value passed to log_prob must be 0 or 1, got 0\.5"),
    (lambda: D.Poisson(2.0).log_prob([1.0, -1.0]),
     r"Poisson: value passed to log_prob must be a non-negative integer, "
     r"got -1\.0 at index \(1,\)"),
    (lambda: D.Poisson(2.0).log_prob(1.5), r"Poisson: value.*non-negative integer, got 1\.5"),
    (lambda: D.Categorical(logits=[0.0, 0.0]).log_prob(2), r"Categorical: value.*\{0, \.\.\., 1\}"),
    (lambda: D.Normal(0.0, 1.0).log_prob(np.nan),
     r"Normal: value passed to log_prob must be finite, got nan"),
    (lambda: D.Normal(0.0, 1.0).log_prob([0.0, np.inf]), r"Normal: value.*finite, got inf"),
    (lambda: D.Exponential(1.0).log_prob(-2.0), r"Exponential: value.*non-negative.*-2\.0"),
    (lambda: D.Beta(2.0, 2.0).log_prob(1.5), r"Beta: value.*\[0\.0, 1\.0\].*1\.5"),
]


@pytest.mark.parametrize("make,pattern", BAD)
def test_validation_errors_name_distribution_argument_and_value(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_validation_can_be_turned_off_and_bad_generators_are_refused():
    d = D.Normal(0.0, -1.0, validate_args=False)
    with np.errstate(invalid="ignore"):
        assert np.isnan(float(d.log_prob(0.0)))
    with pytest.raises(TypeError, match="Normal.sample: generator must be"):
        D.Normal(0.0, 1.0).sample(generator="seed")
    with pytest.raises(NotImplementedError, match="Poisson: entropy"):
        D.Poisson(1.0).entropy()


def test_parameters_accept_floats_lists_arrays_and_tensors():
    ref = val(D.Normal(0.5, 2.0).log_prob(1.0))
    for loc, scale in [(0.5, 2.0), ([0.5], [2.0]), (np.array(0.5), np.array(2.0)),
                       (tg.tensor(0.5), tg.tensor(2.0)), (0.5, 2)]:
        np.testing.assert_allclose(val(D.Normal(loc, scale).log_prob(1.0)).reshape(()), ref)
    assert D.Poisson(tg.tensor([1, 2])).rate.dtype == np.float64


def test_mvn_gradients_closed_form_and_second_order():
    S = np.array([[2.0, 0.5], [0.5, 1.0]])
    Lnp = np.linalg.cholesky(S)
    L, x = t(Lnp, grad=True), t([0.3, -0.2], grad=True)
    lp = D.MultivariateNormal([0.0, 0.0], scale_tril=L).log_prob(x)
    gx, gL = tg.grad(lp, [x, L], create_graph=True)
    Si = np.linalg.inv(S)
    np.testing.assert_allclose(val(gx), -Si @ val(x), rtol=1e-12)       # -Sigma^-1 (x - mu)
    z = np.linalg.solve(Lnp, val(x))                   # d/dL = tril(L^-T z z^T) - diag(1 / L_ii)
    expected = np.tril(np.linalg.solve(Lnp.T, np.outer(z, z))) - np.diag(1 / np.diag(Lnp))
    np.testing.assert_allclose(val(gL), expected, rtol=1e-12, atol=1e-15)
    hessian = np.stack([val(tg.grad(gx[i], [x], retain_graph=True)[0]) for i in range(2)])
    np.testing.assert_allclose(hessian, -Si, rtol=1e-12)                 # built by create_graph
