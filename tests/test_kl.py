"""tg.distributions.kl_divergence / register_kl: closed forms, PyTorch's values, gradients."""
import math

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku.distributions import (
    Bernoulli, Beta, Categorical, Exponential, Gamma, Laplace, MultivariateNormal, Normal, Poisson,
    kl_divergence, register_kl)

t = tg.tensor


def _p():
    return {"Normal": Normal(t(0.3), t(1.2)), "Laplace": Laplace(t(0.3), t(1.2)),
            "Exponential": Exponential(t(1.5)), "Gamma": Gamma(t(2.0), t(1.5)),
            "Beta": Beta(t(2.0), t(3.0)), "Poisson": Poisson(t(2.5)),
            "Bernoulli": Bernoulli(t(0.3)),
            "Categorical": Categorical(t([0.2, 0.3, 0.5])),
            "MultivariateNormal": MultivariateNormal(t([0.1, -0.2]), t([[2.0, 0.3], [0.3, 1.0]]))}


def _q():
    return {"Normal": Normal(t(-0.5), t(0.7)), "Laplace": Laplace(t(-0.5), t(0.7)),
            "Exponential": Exponential(t(0.6)), "Gamma": Gamma(t(0.8), t(0.6)),
            "Beta": Beta(t(0.8), t(1.5)), "Poisson": Poisson(t(0.7)),
            "Bernoulli": Bernoulli(t(0.8)),
            "Categorical": Categorical(t([0.6, 0.1, 0.3])),
            "MultivariateNormal": MultivariateNormal(t([0.5, 0.4]), t([[1.0, -0.2], [-0.2, 0.5]]))}


# PyTorch 2.13 (float64) gives these for the distributions of _p() and _q() above
TORCH = [
    ("Normal", "Normal", 1.0834524788591502),
    ("Normal", "Laplace", 0.396193794020541),
    ("Normal", "Exponential", math.inf),
    ("Normal", "Gamma", math.inf),
    ("Normal", "Beta", math.inf),
    ("Laplace", "Normal", 2.2786315866059184),
    ("Laplace", "Laplace", 0.48400427475175656),
    ("Laplace", "Exponential", math.inf),
    ("Laplace", "Gamma", math.inf),
    ("Laplace", "Beta", math.inf),
    ("Exponential", "Normal", 1.8101323254920185),
    ("Exponential", "Exponential", 0.316290731874155),
    ("Exponential", "Gamma", 0.16964913091885525),
    ("Exponential", "Beta", math.inf),
    ("Gamma", "Normal", 3.7272477263501234),
    ("Gamma", "Exponential", 0.13907506697262206),
    ("Gamma", "Gamma", 0.19243346601732214),
    ("Gamma", "Beta", math.inf),
    ("Beta", "Normal", 1.664517177829451),
    ("Beta", "Exponential", 0.9857322735539911),
    ("Beta", "Gamma", 0.8189601605339639),
    ("Beta", "Beta", 0.1869946355929617),
    ("Poisson", "Poisson", 1.3824141895322188),
    ("Poisson", "Bernoulli", math.inf),
    ("Bernoulli", "Poisson", 0.1961381811267262),
    ("Bernoulli", "Bernoulli", 0.5826853020432397),
    ("Categorical", "Categorical", 0.3652740407498063),
    ("MultivariateNormal", "MultivariateNormal", 1.1751405059603632),
]


@pytest.mark.parametrize("a,b,value", TORCH)
def test_matches_pytorch(a, b, value):
    kl = kl_divergence(_p()[a], _q()[b])
    assert kl.shape == ()
    np.testing.assert_allclose(kl.item(), value, rtol=1e-12)


def test_unregistered_pairs_raise_not_implemented_as_torch():
    registered = {(a, b) for a, b, _ in TORCH}
    p, q = _p(), _q()
    for a in p:
        for b in q:
            if (a, b) not in registered:
                with pytest.raises(NotImplementedError, match=f"p type {a} and q type {b}"):
                    kl_divergence(p[a], q[b])


@pytest.mark.parametrize("name", list(_p()))
def test_divergence_of_a_distribution_from_itself_is_zero(name):
    d = _p()[name]
    np.testing.assert_allclose(kl_divergence(d, d).item(), 0.0, atol=1e-14)


def test_closed_forms():
    # Normal: log(s2/s1) + (s1^2 + (m1-m2)^2) / (2 s2^2) - 1/2
    assert kl_divergence(Normal(0.0, 1.0), Normal(1.0, 2.0)).item() == pytest.approx(
        math.log(2.0) + 2.0 / 8.0 - 0.5, rel=1e-14)
    # Exponential: r - log r - 1 with r = lambda_q / lambda_p
    assert kl_divergence(Exponential(1.0), Exponential(2.0)).item() == pytest.approx(
        1.0 - math.log(2.0), rel=1e-14)
    # Gamma with equal shapes a: a (log(b1/b2) + b2/b1 - 1)
    assert kl_divergence(Gamma(3.0, 2.0), Gamma(3.0, 0.5)).item() == pytest.approx(
        3.0 * (math.log(4.0) + 0.25 - 1.0), rel=1e-13)
    # Beta(1, 1) is U(0, 1): KL(U || Beta(a, b)) = log B(a, b) + (a - 1) + (b - 1)
    a, b = 2.5, 0.7
    log_b = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    assert kl_divergence(Beta(1.0, 1.0), Beta(a, b)).item() == pytest.approx(
        log_b + (a - 1) + (b - 1), rel=1e-13)
    # U(0, 1) against Exp(lam): -log lam + lam / 2;
    # against N(m, s^2): log(2 pi s^2) / 2 + (1/12 + (1/2 - m)^2) / (2 s^2)
    assert kl_divergence(Beta(1.0, 1.0), Exponential(3.0)).item() == pytest.approx(
        -math.log(3.0) + 1.5, rel=1e-13)
    assert kl_divergence(Beta(1.0, 1.0), Normal(0.2, 0.5)).item() == pytest.approx(
        0.5 * math.log(2 * math.pi * 0.25) + (1 / 12 + 0.09) / 0.5, rel=1e-13)
    # Laplace with equal locations: r - log r - 1, r = b_p / b_q
    assert kl_divergence(Laplace(1.0, 3.0), Laplace(1.0, 2.0)).item() == pytest.approx(
        1.5 - math.log(1.5) - 1.0, rel=1e-14)
    # Poisson: l1 log(l1/l2) - l1 + l2
    assert kl_divergence(Poisson(3.0), Poisson(2.0)).item() == pytest.approx(
        3.0 * math.log(1.5) - 1.0, rel=1e-14)
    # Bernoulli and Categorical: sum p log(p/q)
    assert kl_divergence(Bernoulli(0.2), Bernoulli(0.6)).item() == pytest.approx(
        0.2 * math.log(0.2 / 0.6) + 0.8 * math.log(0.8 / 0.4), rel=1e-13)
    p, q = [0.1, 0.2, 0.7], [0.3, 0.3, 0.4]
    assert kl_divergence(Categorical(t(p)), Categorical(logits=t(np.log(q)) + 5.0)).item() == \
        pytest.approx(sum(a * math.log(a / b) for a, b in zip(p, q)), rel=1e-13)


def test_special_cases_agree_across_families():
    # Gamma(1, rate) is Exponential(rate); Beta(1, 1) against Gamma(1, rate) is against Exp(rate)
    e1, e2, g1, g2 = Exponential(1.7), Exponential(0.4), Gamma(1.0, 1.7), Gamma(1.0, 0.4)
    ref = kl_divergence(e1, e2).item()
    for p, q in [(e1, g2), (g1, e2), (g1, g2)]:
        assert kl_divergence(p, q).item() == pytest.approx(ref, rel=1e-13)
    u = Beta(1.0, 1.0)
    assert kl_divergence(u, g2).item() == pytest.approx(kl_divergence(u, e2).item(), rel=1e-13)
    # a diagonal MultivariateNormal is a batch of independent Normals
    m1, s1 = np.array([0.1, -1.0, 2.0]), np.array([0.5, 1.0, 2.0])
    m2, s2 = np.zeros(3), np.ones(3) * 1.5
    mvn = kl_divergence(MultivariateNormal(t(m1), t(np.diag(s1 ** 2))),
                        MultivariateNormal(t(m2), scale_tril=t(np.diag(s2))))
    assert mvn.item() == pytest.approx(kl_divergence(Normal(t(m1), t(s1)), Normal(t(m2), t(s2)))
                                       .sum().item(), rel=1e-13)


def test_support_edges_as_torch():
    # PyTorch 2.13 gives log 2, inf, 0, inf for these Bernoulli pairs and log 2, inf for the
    # Categorical ones (0 log 0 = 0; +inf where q puts no mass on an outcome of p)
    cases = [(Bernoulli(0.0), Bernoulli(0.5), math.log(2)),
             (Bernoulli(0.5), Bernoulli(0.0), math.inf),
             (Bernoulli(1.0), Bernoulli(1.0), 0.0), (Bernoulli(1.0), Bernoulli(0.0), math.inf),
             (Categorical(t([0.5, 0.5, 0.0])), Categorical(t([0.25, 0.25, 0.5])), math.log(2)),
             (Categorical(t([0.5, 0.5, 0.0])), Categorical(t([1.0, 0.0, 0.0])), math.inf)]
    for p, q, value in cases:
        assert kl_divergence(p, q).item() == pytest.approx(value, rel=1e-14)
    # Poisson(0) is the point mass at 0: KL = lambda_q (PyTorch 2.13 gives nan here)
    assert kl_divergence(Poisson(0.0), Poisson(1.5)).item() == pytest.approx(1.5, rel=1e-14)


def test_batch_shapes_broadcast():
    # PyTorch 2.13 gives [[0.125, 0.125, 1.125], [0.3494, 0.3494, 0.5994]] (rounded)
    kl = kl_divergence(Normal(t([0.0, 1.0, 2.0]), 1.0), Normal(t(0.5), t([[1.0], [2.0]])))
    assert kl.shape == (2, 3)
    c = math.log(2.0) + 1 / 8 - 0.5           # the sigma = 2 row: log 2 + (1 + d^2) / 8 - 1/2
    np.testing.assert_allclose(kl.data, [[0.125, 0.125, 1.125], [c + 0.25 / 8, c + 0.25 / 8,
                                                                 c + 2.25 / 8]], rtol=1e-13)
    kl = kl_divergence(MultivariateNormal(tg.zeros(4, 2), tg.eye(2)),
                       MultivariateNormal(tg.ones(2), scale_tril=tg.eye(2) * 2.0))
    np.testing.assert_allclose(kl.data, np.full(4, 2 * math.log(2) + 0.5 * (0.5 + 0.5 - 2)),
                               rtol=1e-13)
    with pytest.raises(ValueError, match=r"batch shapes \(3,\) of Normal and \(4,\) of Normal"):
        kl_divergence(Normal(tg.zeros(3), 1.0), Normal(tg.zeros(4), 1.0))


def test_shape_errors():
    with pytest.raises(ValueError, match="different event shapes"):
        kl_divergence(MultivariateNormal(tg.zeros(3), tg.eye(3)),
                      MultivariateNormal(tg.zeros(2), tg.eye(2)))
    with pytest.raises(ValueError, match="3 categories and q has 4"):
        kl_divergence(Categorical(logits=tg.ones(3)), Categorical(logits=tg.ones(4)))


def _leaves(*values):
    return [tg.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in values]


def _tril(n, seed):
    rng = np.random.default_rng(seed)
    L = np.tril(rng.uniform(-0.5, 0.5, (n, n)))
    L[np.arange(n), np.arange(n)] = rng.uniform(1.0, 2.0, n)
    return L


rng = np.random.default_rng(7)
POS = lambda *s: rng.uniform(0.6, 2.0, s)     # noqa: E731
REAL = lambda *s: rng.normal(size=s)          # noqa: E731
# family -> (constructor from leaves, parameter values); batch shapes (3,) and () broadcast
FAMILIES = {
    "Normal": (lambda m, s: Normal(m, s), (REAL(3), POS())),
    "Laplace": (lambda m, s: Laplace(m, s), (REAL(3), POS(3))),
    "Exponential": (lambda r: Exponential(r), (POS(3),)),
    "Gamma": (lambda a, b: Gamma(a, b), (POS(3), POS(3))),
    "Beta": (lambda a, b: Beta(a, b), (POS(3), POS())),
    "Poisson": (lambda r: Poisson(r), (POS(3),)),
    "Bernoulli": (lambda p: Bernoulli(p), (rng.uniform(0.2, 0.8, 3),)),
    "BernoulliLogits": (lambda l: Bernoulli(logits=l), (REAL(3),)),
    "Categorical": (lambda p: Categorical(p, validate_args=False), (POS(3, 4),)),
    "CategoricalLogits": (lambda l: Categorical(logits=l), (REAL(3, 4),)),
    "MultivariateNormal": (lambda m, L: MultivariateNormal(m, scale_tril=L, validate_args=False),
                           (REAL(3, 2), _tril(2, 1))),
}
FINITE = [(a, b) for a, b, v in TORCH if math.isfinite(v)] + [
    ("BernoulliLogits", "Bernoulli"), ("Bernoulli", "BernoulliLogits"),
    ("BernoulliLogits", "Poisson"), ("CategoricalLogits", "Categorical"),
    ("Categorical", "CategoricalLogits")]


@pytest.mark.parametrize("a,b", FINITE)
def test_gradients_in_both_distributions(a, b):
    make_p, p_values = FAMILIES[a]
    make_q, q_values = FAMILIES[b]
    n = len(p_values)

    def f(*params):
        return kl_divergence(make_p(*params[:n]), make_q(*params[n:]))

    assert tg.gradcheck(f, _leaves(*p_values, *q_values))


@pytest.mark.parametrize("a,b", [("Normal", "Normal"), ("Gamma", "Gamma"), ("Beta", "Normal"),
                                 ("MultivariateNormal", "MultivariateNormal")])
def test_second_derivatives(a, b):
    make_p, p_values = FAMILIES[a]
    make_q, q_values = FAMILIES[b]
    n = len(p_values)
    assert tg.gradgradcheck(lambda *ps: kl_divergence(make_p(*ps[:n]), make_q(*ps[n:])),
                            _leaves(*p_values, *q_values))


def test_register_kl_picks_the_most_specific_pair():
    class MyNormal(Normal):
        pass

    # a subclass uses its base's registration until it has its own
    assert kl_divergence(MyNormal(0.0, 1.0), Normal(1.0, 2.0)).item() == pytest.approx(
        kl_divergence(Normal(0.0, 1.0), Normal(1.0, 2.0)).item(), rel=1e-15)

    @register_kl(MyNormal, Normal)
    def _mine(p, q):
        return tg.tensor(42.0)

    assert kl_divergence(MyNormal(0.0, 1.0), Normal(1.0, 2.0)).item() == 42.0
    assert kl_divergence(MyNormal(0.0, 1.0), MyNormal(1.0, 2.0)).item() == 42.0
    assert kl_divergence(Normal(0.0, 1.0), MyNormal(1.0, 2.0)).item() != 42.0
    with pytest.raises(TypeError, match="Distribution subclass"):
        register_kl(Normal, float)


def test_an_ambiguous_match_warns_and_takes_the_more_specific_p():
    class NormalP(Normal):
        pass

    class NormalQ(Normal):
        pass

    register_kl(NormalP, Normal)(lambda p, q: tg.tensor(1.0))
    register_kl(Normal, NormalQ)(lambda p, q: tg.tensor(2.0))
    with pytest.warns(RuntimeWarning, match=r"register_kl\(NormalP, NormalQ\)"):
        assert kl_divergence(NormalP(0.0, 1.0), NormalQ(0.0, 1.0)).item() == 1.0
