"""tg.probability: joint tables, Bayes' rule, expectations and chunked Monte Carlo.

Tables are built from known factors (so marginals and conditionals have closed forms);
Monte Carlo checks use moments known in closed form and published normal quantiles.
"""
import math
import sys
import tracemalloc

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku.decision import bayes_decision
from tinygrad_ku.probability import (MonteCarloResult, bayes, conditional, expectation, marginal,
                                     monte_carlo, normal_quantile)

PA = np.array([0.2, 0.8])
PB = np.array([0.1, 0.3, 0.6])
PC = np.array([0.25, 0.25, 0.4, 0.1])
INDEP = np.einsum("a,b,c->abc", PA, PB, PC)          # p(a, b, c) = p(a) p(b) p(c)

# a dependent table p(x, y): rows x, columns y
JOINT = np.array([[0.10, 0.20, 0.05],
                  [0.30, 0.15, 0.20]])


def arr(t):
    return t.detach().numpy() if isinstance(t, tg.Tensor) else np.asarray(t)


# ----------------------------------------------------------------------------- marginal

def test_marginal_of_independent_factors():
    np.testing.assert_allclose(marginal(INDEP, keep=0), PA, rtol=1e-14)
    np.testing.assert_allclose(marginal(INDEP, keep=-1), PC, rtol=1e-14)
    np.testing.assert_allclose(marginal(INDEP, keep=(0, 2)), np.outer(PA, PC), rtol=1e-14)
    # axes come out in the order listed
    np.testing.assert_allclose(marginal(INDEP, keep=(2, 0)), np.outer(PC, PA), rtol=1e-14)
    np.testing.assert_allclose(marginal(INDEP, keep=(0, 1, 2)), INDEP)


def test_marginal_of_dependent_table():
    np.testing.assert_allclose(marginal(JOINT, keep=0), [0.35, 0.65])
    np.testing.assert_allclose(marginal(JOINT.tolist(), keep=1), [0.40, 0.35, 0.25])


def test_marginal_on_tensors_is_differentiable():
    J = tg.tensor(INDEP, requires_grad=True)
    m = marginal(J, keep=(2, 0))
    assert isinstance(m, tg.Tensor) and m.shape == (4, 2)
    np.testing.assert_allclose(arr(m), np.outer(PC, PA), rtol=1e-14)
    w = np.arange(8.0).reshape(4, 2)                 # d/dJ[a,b,c] sum(w * m) = w[c, a]
    (m * tg.tensor(w)).sum().backward()
    np.testing.assert_allclose(arr(J.grad), np.broadcast_to(w.T[:, None, :], INDEP.shape))


# ----------------------------------------------------------------------------- conditional

def test_conditional_closed_forms():
    # [x, y] = p(y | x) = p(x, y) / p(x)
    np.testing.assert_allclose(conditional(JOINT, given=0),
                               [[0.10 / 0.35, 0.20 / 0.35, 0.05 / 0.35],
                                [0.30 / 0.65, 0.15 / 0.65, 0.20 / 0.65]], rtol=1e-14)
    # [x, y] = p(x | y)
    np.testing.assert_allclose(conditional(JOINT, given=1),
                               [[0.25, 0.20 / 0.35, 0.20], [0.75, 0.15 / 0.35, 0.80]], rtol=1e-14)


def test_conditional_of_independent_factors_is_the_marginal_of_the_rest():
    c = conditional(INDEP, given=(0, 2))             # p(b | a, c) = p(b)
    np.testing.assert_allclose(c, np.broadcast_to(PB[None, :, None], INDEP.shape), rtol=1e-14)
    c = conditional(INDEP, given=1)                  # p(a, c | b) = p(a) p(c)
    np.testing.assert_allclose(c, np.broadcast_to(np.outer(PA, PC)[:, None, :], INDEP.shape), rtol=1e-14)
    assert np.allclose(c.sum(axis=(0, 2)), 1.0)


def test_chain_rule_reassembles_the_joint():
    # p(x, y) = p(y | x) p(x)
    np.testing.assert_allclose(conditional(JOINT, given=0) * marginal(JOINT, keep=0)[:, None], JOINT)


def test_conditional_on_tensors_gradcheck():
    J = tg.tensor(JOINT, requires_grad=True)
    out = conditional(J, given=0)
    assert isinstance(out, tg.Tensor) and out.requires_grad
    assert tg.autograd.gradcheck(lambda t: conditional(t, given=1), J)


def test_conditional_errors():
    zero_row = np.array([[0.5, 0.5], [0.0, 0.0]])
    with pytest.raises(ValueError, match=r"conditional: p\(given\) is zero at axis 0 = 1"):
        conditional(zero_row, given=0)
    with pytest.raises(ValueError, match=r"conditional: joint is not a distribution: it sums to 2\.0"):
        conditional(2 * JOINT, given=0)
    with pytest.raises(ValueError, match=r"conditional: joint is not a distribution: negative entry -0\.1"):
        conditional([[0.6, -0.1], [0.3, 0.2]], given=0)
    with pytest.raises(ValueError, match=r"conditional: given=\(0, 1\) covers every axis"):
        conditional(JOINT, given=(0, 1))
    with pytest.raises(ValueError, match=r"conditional: given axis 2 is out of range"):
        conditional(JOINT, given=2)
    with pytest.raises(ValueError, match=r"marginal: keep repeats axis 0"):
        marginal(JOINT, keep=(0, -2))


# ----------------------------------------------------------------------------- bayes

def test_bayes_medical_test():
    # prevalence 1%, sensitivity 90%, false-positive rate 20%:
    # p(disease | +) = 0.01 * 0.9 / (0.01 * 0.9 + 0.99 * 0.2) = 0.009 / 0.207 = 1/23
    post, evidence = bayes([0.9, 0.2], [0.01, 0.99], return_evidence=True)
    np.testing.assert_allclose(post, [1 / 23, 22 / 23], rtol=1e-14)
    np.testing.assert_allclose(evidence, [0.207], rtol=1e-14)


def test_bayes_batch_and_axis_agree_with_conditional():
    prior = np.array([0.5, 0.3, 0.2])                # p(h)
    lik = np.array([[0.7, 0.2, 0.1],                 # lik[h, x] = p(x | h)
                    [0.1, 0.8, 0.1],
                    [0.3, 0.3, 0.4]])
    joint = prior[:, None] * lik                     # p(h, x)
    expected = conditional(joint, given=1)           # [h, x] = p(h | x)
    np.testing.assert_allclose(bayes(lik, prior, axis=0), expected, rtol=1e-14)
    np.testing.assert_allclose(bayes(lik.T, prior), expected.T, rtol=1e-14)   # (N, K) rows
    # the posterior rows feed bayes_decision directly
    assert bayes_decision(bayes(lik.T, prior), 1 - np.eye(3)).shape == (3,)


def test_bayes_is_differentiable_in_likelihood_and_prior():
    lik = tg.tensor([[0.9, 0.2], [0.4, 0.5]], requires_grad=True)
    prior = tg.tensor([0.3, 0.7], requires_grad=True)
    assert tg.autograd.gradcheck(lambda L, p: bayes(L, p), (lik, prior))
    post = bayes(np.array([0.9, 0.2]), prior)        # ndarray likelihood, Tensor prior
    assert isinstance(post, tg.Tensor)
    np.testing.assert_allclose(arr(post), [0.27 / 0.41, 0.14 / 0.41], rtol=1e-14)


def test_bayes_errors():
    with pytest.raises(ValueError, match=r"bayes: the evidence .* is zero"):
        bayes([0.0, 0.5], [1.0, 0.0])
    with pytest.raises(ValueError, match=r"bayes: prior is not a distribution: it sums to 0\.9"):
        bayes([0.5, 0.5], [0.4, 0.5])
    with pytest.raises(ValueError, match=r"bayes: likelihood has shape \(3,\) with 3 hypotheses.*prior has shape \(2,\)"):
        bayes([0.1, 0.2, 0.3], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"bayes: likelihood must be finite and non-negative, found -1"):
        bayes([-1.0, 0.5], [0.5, 0.5])


# ----------------------------------------------------------------------------- expectation

def test_discrete_expectation_closed_forms():
    die = np.full(6, 1 / 6)
    faces = np.arange(1, 7.0)
    assert expectation(die, faces) == pytest.approx(3.5, rel=1e-15)
    assert expectation(die, faces ** 2) == pytest.approx(91 / 6, rel=1e-15)
    # E[x + y] over a joint table with values broadcast from each axis
    x, y = np.array([0.0, 1.0])[:, None], np.array([0.0, 1.0, 2.0])[None, :]
    assert expectation(JOINT, x + y) == pytest.approx(0.65 + (0.35 + 2 * 0.25), rel=1e-14)
    rows = np.array([[0.5, 0.5], [0.1, 0.9]])
    np.testing.assert_allclose(expectation(rows, [0.0, 10.0], axis=-1), [5.0, 9.0])


def test_discrete_expectation_on_tensors():
    p = tg.tensor([0.2, 0.3, 0.5], requires_grad=True)
    e = expectation(p, [1.0, 2.0, 4.0])
    assert isinstance(e, tg.Tensor)
    assert float(e) == pytest.approx(0.2 + 0.6 + 2.0)
    e.backward()
    np.testing.assert_allclose(arr(p.grad), [1.0, 2.0, 4.0])   # d/dp sum p v = v


def test_discrete_expectation_errors():
    with pytest.raises(ValueError, match=r"expectation: probs is not a distribution: it sums to 0\.5"):
        expectation([0.2, 0.3], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"expectation: values of shape \(3,\) do not broadcast against probs of shape \(2,\)"):
        expectation([0.5, 0.5], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"expectation: probs is not a distribution: it sums to 0\.6 over axis \(1,\)"):
        expectation([[0.5, 0.5], [0.3, 0.3]], [1.0, 2.0], axis=1)


class Exponential:
    """A minimal distribution: anything with .sample(shape) works with expectation()."""

    def __init__(self, rate):
        self.rate = rate

    def sample(self, shape, generator=None):
        rng = generator if generator is not None else np.random.default_rng()
        return rng.exponential(1 / self.rate, size=shape)


class NoGeneratorUniform:
    def sample(self, shape):
        return np.random.default_rng(0).random(shape)


def test_monte_carlo_expectation_of_a_distribution():
    d = Exponential(rate=2.0)
    est, se = expectation(d, n=200_000, seed=1)                  # E[X] = 1/rate
    assert abs(est - 0.5) < 4 * se
    assert se == pytest.approx(0.5 / math.sqrt(200_000), rel=0.02)   # sd = 1/rate
    r = expectation(d, lambda x: x ** 2, n=200_000, seed=1)      # E[X^2] = 2/rate^2
    assert isinstance(r, MonteCarloResult) and abs(r.estimate - 0.5) < 4 * r.stderr
    again = expectation(d, lambda x: x ** 2, n=200_000, seed=1)
    assert again.estimate == r.estimate                          # same seed, same bits
    est, _ = expectation(NoGeneratorUniform(), n=1000)
    assert 0.4 < est < 0.6
    with pytest.warns(UserWarning, match="NoGeneratorUniform.sample accepts no generator"):
        expectation(NoGeneratorUniform(), n=1000, seed=0)


# ----------------------------------------------------------------------------- monte_carlo

def uniform(rng, size):
    return rng.random(size)


def test_chunked_merge_equals_one_pass_statistics():
    n, seed = 10_001, 7
    draws = np.random.default_rng(seed).random(n)              # the same stream, in one go
    values = np.exp(draws)
    for chunk in (1, 7, 1000, n, 10 * n):
        r = monte_carlo(np.exp, uniform, n, seed=seed, chunk_size=chunk)
        assert r.estimate == pytest.approx(values.mean(), rel=1e-13)
        assert r.std == pytest.approx(values.std(ddof=1), rel=1e-11)
        assert r.stderr == pytest.approx(values.std(ddof=1) / math.sqrt(n), rel=1e-11)
        assert r.n == n


def test_monte_carlo_normal_second_moment():
    r = monte_carlo(lambda x: x ** 2, lambda rng, k: rng.standard_normal(k), 400_000, seed=0)
    assert abs(r.estimate - 1.0) < 4 * r.stderr                # E[X^2] = 1
    assert r.stderr == pytest.approx(math.sqrt(2 / 400_000), rel=0.03)   # Var[X^2] = 2
    z = 1.959963984540054                                      # published Phi^-1(0.975)
    assert r.ci[0] == pytest.approx(r.estimate - z * r.stderr, rel=1e-12)
    assert r.ci[1] == pytest.approx(r.estimate + z * r.stderr, rel=1e-12)
    est, se = r                                                # unpacks as (estimate, stderr)
    assert (est, se) == (r.estimate, r.stderr)


def test_confidence_interval_coverage():
    # 95% intervals for E[U] = 1/2 should cover it in about 95% of 300 independent runs
    hits = sum(lo <= 0.5 <= hi for lo, hi in
               (monte_carlo(None, uniform, 500, seed=s).ci for s in range(300)))
    assert 0.90 <= hits / 300 <= 0.99     # binomial sd of the rate: 0.013
    narrow = monte_carlo(None, uniform, 500, seed=0, confidence=0.5)
    wide = monte_carlo(None, uniform, 500, seed=0, confidence=0.99)
    ratio = (wide.ci[1] - wide.ci[0]) / (narrow.ci[1] - narrow.ci[0])
    assert ratio == pytest.approx(2.5758293035489004 / 0.6744897501960817, rel=1e-10)


def test_no_cancellation_with_a_large_offset():
    # values 1e9 + U(0, 1): sum-of-squares formulas lose every digit of the variance
    r = monte_carlo(lambda u: 1e9 + u, uniform, 200_000, seed=3, chunk_size=4096)
    assert r.std == pytest.approx(1 / math.sqrt(12), rel=0.01)
    assert abs(r.estimate - (1e9 + 0.5)) < 4 * r.stderr


def test_vector_valued_f():
    r = monte_carlo(lambda u: np.stack([u, u ** 2], axis=1), uniform, 100_000, seed=4, chunk_size=3000)
    assert r.estimate.shape == (2,) and r.stderr.shape == (2,)
    assert np.all(np.abs(r.estimate - [1 / 2, 1 / 3]) < 4 * r.stderr)


def test_tensor_valued_f():
    r = monte_carlo(lambda u: tg.tensor(u) * 2.0, uniform, 10_000, seed=5)
    assert abs(r.estimate - 1.0) < 4 * r.stderr


def test_memory_is_bounded_by_the_chunk():
    sizes = []

    def sampler(rng, size):
        sizes.append(size)
        return rng.random(size)

    n, chunk = 3_000_000, 50_000
    tracemalloc.start()
    try:
        r = monte_carlo(None, sampler, n, seed=0, chunk_size=chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert max(sizes) == chunk and sum(sizes) == n
    assert peak < 4 * 8 * chunk + 1_000_000          # a handful of chunk arrays, not 24 MB of draws
    assert abs(r.estimate - 0.5) < 4 * r.stderr


def test_seeding():
    a = monte_carlo(None, uniform, 1000, seed=11)
    b = monte_carlo(None, uniform, 1000, seed=11)
    c = monte_carlo(None, uniform, 1000, seed=12)
    assert a.estimate == b.estimate and a.estimate != c.estimate
    g = np.random.default_rng(11)
    assert monte_carlo(None, uniform, 1000, seed=g).estimate == a.estimate   # a Generator is accepted


def test_progress_line_needs_nothing_installed(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)     # as if tqdm were not installed
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    r = monte_carlo(None, uniform, 10_000, seed=0, chunk_size=1000, progress=True)
    assert abs(r.estimate - 0.5) < 4 * r.stderr
    err = capsys.readouterr().err
    assert "monte_carlo: 10000/10000 draws" in err and err.endswith("\n")
    monte_carlo(None, uniform, 100, seed=0)
    assert capsys.readouterr().err == ""                 # progress=False prints nothing


def test_monte_carlo_errors():
    with pytest.raises(ValueError, match=r"monte_carlo: n must be an int >= 2"):
        monte_carlo(None, uniform, 1)
    with pytest.raises(ValueError, match=r"monte_carlo: chunk_size must be a positive int"):
        monte_carlo(None, uniform, 10, chunk_size=0)
    with pytest.raises(ValueError, match=r"monte_carlo: f\(sampler\(rng, 10\)\) must have 10 values.*\(\)"):
        monte_carlo(lambda u: u.sum(), uniform, 10)
    with pytest.raises(ValueError, match=r"monte_carlo: confidence must lie in \(0, 1\)"):
        monte_carlo(None, uniform, 10, confidence=95)


@pytest.mark.parametrize("q, z", [
    (0.975, 1.959963984540054),
    (0.995, 2.5758293035489004),
    (0.75, 0.6744897501960817),
    (0.8413447460685429, 1.0),        # Phi(1)
    (0.5, 0.0),
    (1e-10, -6.361340902404056),
])
def test_normal_quantile_published_values(q, z):
    assert normal_quantile(q) == pytest.approx(z, rel=1e-13, abs=1e-15)


def test_expectation_with_a_library_distribution():
    from tinygrad_ku.distributions import Normal
    r = expectation(Normal(1.0, 2.0), lambda x: x ** 2, n=200_000, seed=0)   # E[X^2] = mu^2 + sigma^2
    assert abs(r.estimate - 5.0) < 4 * r.stderr
    assert expectation(Normal(1.0, 2.0), lambda x: x ** 2, n=200_000, seed=0).estimate == r.estimate
