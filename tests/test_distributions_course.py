"""The course distributions (Uniform, Binomial, Geometric, StudentT, Cauchy, LogNormal,
Dirichlet) and cdf / icdf (Normal, Laplace, Exponential, Uniform, Cauchy).

Literal values were computed with PyTorch 2.13 (CPU, float64, torch.distributions with
validation on) in a separate venv; torch is never imported here. Gradients are checked
by central differences (gradcheck, float64), samples by their moments within a few
standard errors, and errors by their messages.
"""
import math

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku import distributions as D
from tinygrad_ku.distributions.normal import erfinv
from test_distributions import assert_sample_moments

NAN, INF = math.nan, math.inf


def t(x, grad=False):
    return tg.tensor(np.asarray(x, dtype=np.float64), requires_grad=grad)


def val(x):
    return np.asarray(x.data if isinstance(x, tg.Tensor) else x, dtype=np.float64)


def make(name, kwargs):
    return getattr(D, name.rstrip("L"))(**kwargs)     # "BinomialL": Binomial from logits


# ----- values against PyTorch ------------------------------------------------------------
TORCH = {     # name: (arguments, log_prob at, cdf at, icdf at, PyTorch 2.13 float64 results)
    'Normal': (
        {'loc': [0.5, -1.0], 'scale': [1.5, 0.3]},
        [[0.1, -1.2], [3.0, -0.4]], [[0.1, -1.2], [3.0, -0.4]], [[0.01, 0.3], [0.5, 0.999]],
        {'log_prob': [[-1.3599591968683926, 0.06281204889904135], [-2.713292530201726, -1.7149657288787366]],
         'mean': [0.5, -1.0],
         'variance': [2.25, 0.09],
         'entropy': [1.824403641312837, 0.21496572887873655],
         'cdf': [[0.39486291046402516, 0.25249253754692297], [0.9522096477271853, 0.9772498680518208]],
         'icdf': [[-2.989521811061261, -1.1573201538124123], [0.5, -0.07293030814965595]]}),
    'Laplace': (
        {'loc': [0.5, -1.0], 'scale': [1.5, 0.3]},
        [[0.1, -1.2], [3.0, -0.4]], [[0.1, -1.2], [3.0, -0.4]], [[0.01, 0.3], [0.5, 0.999]],
        {'log_prob': [[-1.3652789553347764, -0.1558410429006758], [-2.7652789553347765, -1.4891743762340093]],
         'mean': [0.5, -1.0],
         'variance': [4.5, 0.18],
         'entropy': [2.09861228866811, 0.4891743762340093],
         'cdf': [[0.38296416918232434, 0.25670855951629606], [0.9055621985812191, 0.9323323583816936]],
         'icdf': [[-5.368034508142218, -1.1532476871297972], [0.5, 0.8643824295266571]]}),
    'Exponential': (
        {'rate': [0.5, 2.0]},
        [0.3, 1.7], [0.3, 1.7], [0.2, 0.95],
        {'log_prob': [-0.8431471805599453, -2.7068528194400545],
         'mean': [2.0, 0.5],
         'variance': [4.0, 0.25],
         'entropy': [1.6931471805599454, 0.3068528194400547],
         'cdf': [0.1392920235749422, 0.9666267300396739],
         'icdf': [0.44628710262841953, 1.497866136776995]}),
    'Uniform': (
        {'low': [-1.0, 2.0], 'high': [3.0, 2.5]},
        [0.5, 2.2], [0.5, 2.2], [0.25, 0.9],
        {'log_prob': [-1.3862943611198906, 0.6931471805599453],
         'mean': [1.0, 2.25],
         'variance': [1.3333333333333333, 0.020833333333333332],
         'entropy': [1.3862943611198906, -0.6931471805599453],
         'cdf': [0.375, 0.40000000000000036],
         'icdf': [0.0, 2.45]}),
    'Cauchy': (
        {'loc': [0.5, -1.0], 'scale': [1.5, 0.3]},
        [0.1, 2.0], [0.1, 2.0], [0.1, 0.75],
        {'log_prob': [-1.6188915252437994, -4.555877598364724],
         'mean': [NAN, NAN],
         'variance': [INF, INF],
         'entropy': [2.9364893550774553, 1.3270514426433546],
         'cdf': [0.4170476823436803, 0.9682744825694465],
         'icdf': [-4.116525305762879, -0.7000000000000001]}),
    'StudentT': (
        {'df': [0.8, 1.5, 5.0], 'loc': [0.5, -1.0, 0.0], 'scale': [1.5, 0.3, 2.0]},
        [0.1, 2.0, -3.0], None, None,
        {'log_prob': [-1.6732018808490765, -5.140919593473052, -2.7764574389121184],
         'mean': [NAN, -1.0, 0.0],
         'variance': [NAN, INF, 6.666666666666667],
         'entropy': [3.2223716885170584, 0.945686663518713, 2.3206498529743413]}),
    'LogNormal': (
        {'loc': [0.5, -1.0], 'scale': [1.5, 0.3]},
        [0.1, 2.0], None, None,
        {'log_prob': [-0.7672592602015564, -16.33448721520586],
         'mean': [5.0784190371800815, 0.3848121445529786],
         'variance': [218.90159234702733, 0.01394536433841831],
         'entropy': [2.324403641312837, -0.7850342711212634]}),
    'Binomial': (
        {'total_count': [10.0, 4.0], 'probs': [0.3, 0.85]},
        [3.0, 4.0], None, None,
        {'log_prob': [-1.321151277766889, -0.6500757179910992],
         'mean': [3.0, 3.4],
         'variance': [2.0999999999999996, 0.51]}),
    'BinomialL': (
        {'total_count': [10.0, 4.0], 'logits': [-0.7, 1.2]},
        [0.0, 2.0], None, None,
        {'log_prob': [-4.031860488854578, -1.6613704001240697],
         'mean': [3.318122278318339, 3.07409913399607],
         'variance': [2.2171287329310907, 0.711577762587223]}),
    'Geometric': (
        {'probs': [0.3, 0.85]},
        [0.0, 4.0], None, None,
        {'log_prob': [-1.2039728043259361, -7.750998869041299],
         'mean': [2.3333333333333335, 0.17647058823529416],
         'variance': [7.777777777777779, 0.2076124567474049],
         'entropy': [2.0362143401829784, 0.49730480918351877]}),
    'GeometricL': (
        {'logits': [-0.7, 1.2]},
        [2.0, 7.0], None, None,
        {'log_prob': [-1.9095581466563738, -10.506259738704246],
         'mean': [2.0137527074704766, 0.3011942119122022],
         'variance': [6.068952674315152, 0.39191216520161476],
         'entropy': [1.9151030464428729, 0.7040146768928524]}),
    'Dirichlet': (
        {'concentration': [[0.7, 2.0, 3.5], [1.0, 1.0, 1.0]]},
        [[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]], None, None,
        {'log_prob': [1.2164485569629842, 0.6931471805599453],
         'mean': [[0.1129032258064516, 0.3225806451612903, 0.564516129032258], [0.3333333333333333, 0.3333333333333333, 0.3333333333333333]],
         'variance': [[0.01391056769568736, 0.030350329517863334, 0.03414412070759625], [0.05555555555555555, 0.05555555555555555, 0.05555555555555555]],
         'entropy': [-1.6435671123730131, -0.6931471805599453]}),
}


@pytest.mark.parametrize("name", list(TORCH))
def test_values_match_pytorch(name):
    kwargs, at_lp, at_cdf, at_icdf, ref = TORCH[name]
    d = make(name, kwargs)
    got = {"log_prob": d.log_prob(at_lp), "mean": d.mean, "variance": d.variance}
    if "entropy" in ref:
        got["entropy"] = d.entropy()
    if at_cdf is not None:
        got["cdf"], got["icdf"] = d.cdf(at_cdf), d.icdf(at_icdf)
    assert set(got) == set(ref)
    for key, expected in ref.items():
        np.testing.assert_allclose(val(got[key]), expected, rtol=1e-13, atol=0, err_msg=key)


def test_shapes_of_batches_and_events():
    assert D.Uniform(np.zeros((3, 1)), np.ones(4)).batch_shape == (3, 4)
    d = D.Dirichlet(np.ones((2, 3)))
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    assert d.sample((5,), generator=0).shape == (5, 2, 3)
    assert d.log_prob([0.2, 0.3, 0.5]).shape == (2,)
    assert D.StudentT([3.0, 4.0]).sample((6,), generator=0).shape == (6, 2)
    assert D.Binomial(np.array([[5.0], [7.0]]), probs=[0.2, 0.5, 0.9]).batch_shape == (2, 3)
    assert D.Normal(0.0, 1.0).cdf(np.zeros((2, 3))).shape == (2, 3)


def test_normal_tails_icdf_gradient_and_erfinv_match_pytorch():
    p = t([1e-10, 1e-3, 0.3, 0.7, 1 - 1e-9], grad=True)
    x = D.Normal(0.5, 2.0).icdf(p)
    x.sum().backward()
    # PyTorch 2.13: Normal(0.5, 2.0).icdf(p) and its gradient dx/dp = 1 / pdf(x)
    np.testing.assert_allclose(val(x), [-12.222681779394845, -5.680464612335627,
                                        -0.5488010254160818, 1.5488010254160813,
                                        12.495614039203277], rtol=1e-13)
    np.testing.assert_allclose(val(p.grad), [3071447148.12391, 593.9847031784625,
                                             5.752207318528585, 5.752207318528585,
                                             324868237.8070087], rtol=1e-12)
    np.testing.assert_array_equal(val(D.Normal(0.0, 1.0).icdf([0.0, 0.5, 1.0])), [-INF, 0.0, INF])
    p = t([0.0, 0.5, 1.0], grad=True)          # PyTorch 2.13: [-inf, 0, inf], grad [inf, 2.5066, inf]
    x = D.Normal(0.0, 1.0).icdf(p)
    x.backward(tg.ones(3, dtype=tg.float64))
    np.testing.assert_array_equal(val(x), [-INF, 0.0, INF])
    np.testing.assert_allclose(val(p.grad), [INF, math.sqrt(2 * math.pi), INF], rtol=1e-15)
    # cdf far in the left tail: Phi(-4.75) = 1.01708324256871e-06 (torch, through 1 + erf,
    # gives 1.0170832425715481e-06: it loses ~11 digits there; erfc keeps them)
    v = t([-9.0, -1.0, 0.2, 4.0], grad=True)
    c = D.Normal(0.5, 2.0).cdf(v)
    c.sum().backward()
    np.testing.assert_allclose(val(c), [1.0170832425715481e-06, 0.2266273523768682,
                                        0.4403823076297575, 0.9599408431361829], rtol=1e-11)
    np.testing.assert_allclose(val(v.grad), [2.514753644296231e-06, 0.1505687160774022,
                                             0.19723966545394445, 0.04313865941325576],
                               rtol=1e-13)
    # torch.erfinv (PyTorch 2.13, float64)
    np.testing.assert_allclose(val(erfinv(t([0.5, -0.9, 0.999999, 1e-8]))),
                               [0.4769362762044699, -1.1630871536766743, 3.458910737275499,
                                8.86226925452758e-09], rtol=1e-15)
    y = np.concatenate([np.linspace(-0.999, 0.999, 2001), 1 - np.logspace(-15, -2, 40)])
    np.testing.assert_allclose(val(t(val(erfinv(t(y)))).erf()), y, rtol=2e-15, atol=0)
    np.testing.assert_array_equal(val(erfinv(t(-y))), -val(erfinv(t(y))))     # odd
    np.testing.assert_array_equal(val(erfinv(t([1.0, -1.0]))), [INF, -INF])


def test_cdf_and_icdf_invert_each_other():
    ps = np.array([0.001, 0.1, 0.37, 0.5, 0.8, 0.999])
    for d in (D.Normal(0.3, 1.7), D.Laplace(-1.0, 0.5), D.Exponential(1.5),
              D.Uniform(-2.0, 5.0), D.Cauchy(1.0, 2.5)):
        np.testing.assert_allclose(val(d.cdf(d.icdf(ps))), ps, rtol=1e-12, err_msg=d.name)


def test_pmfs_sum_to_one_and_give_their_moments():
    k = np.arange(0, 11)
    for d in (D.Binomial(10, probs=0.3), D.Binomial(10, logits=-0.4)):
        p = np.exp(val(d.log_prob(k)))
        assert p.sum() == pytest.approx(1.0, abs=1e-13)
        assert (k * p).sum() == pytest.approx(float(d.mean), rel=1e-13)
        assert ((k - float(d.mean)) ** 2 * p).sum() == pytest.approx(float(d.variance), rel=1e-12)
    k = np.arange(0, 400)
    g = D.Geometric(probs=0.2)
    p = np.exp(val(g.log_prob(k)))
    assert p.sum() == pytest.approx(1.0, abs=1e-13)
    assert (k * p).sum() == pytest.approx(4.0, rel=1e-12)           # (1 - p) / p
    assert -(p * np.log(p)).sum() == pytest.approx(float(g.entropy()), rel=1e-12)
    assert float(D.Geometric(probs=1.0).log_prob(0.0)) == 0.0        # all mass on 0 failures
    np.testing.assert_array_equal(val(D.Binomial(5, probs=[0.0, 1.0]).log_prob([0.0, 5.0])),
                                  [0.0, 0.0])


def test_uniform_outside_its_support_without_validation():
    d = D.Uniform(0.0, 1.0, validate_args=False)
    np.testing.assert_array_equal(val(d.log_prob([1.0, -0.5, 0.5])), [-INF, -INF, 0.0])
    np.testing.assert_array_equal(val(d.cdf([1.0, -0.5, 1.5])), [1.0, 0.0, 1.0])


# ----- gradients through gradcheck ---------------------------------------------------------
GRAD_CASES = {
    "Uniform": (lambda a, b, x: D.Uniform(a, b).log_prob(x),
                ([-1.0, 0.5], [2.0, 3.0], [0.3, 1.1])),
    "Uniform-cdf": (lambda a, b, x: D.Uniform(a, b).cdf(x), ([-1.0, 0.5], [2.0, 3.0], [0.3, 1.1])),
    "Uniform-icdf": (lambda a, b, p: D.Uniform(a, b).icdf(p), ([-1.0, 0.5], [2.0, 3.0], [0.3, 0.9])),
    "Binomial-probs": (lambda p: D.Binomial([10.0, 4.0], probs=p).log_prob([3.0, 4.0]),
                       ([0.3, 0.85],)),
    "Binomial-logits": (lambda l: D.Binomial([10.0, 4.0], logits=l).log_prob([0.0, 2.0]),
                        ([-0.7, 1.2],)),
    "Geometric-probs": (lambda p: D.Geometric(probs=p).log_prob([0.0, 4.0]), ([0.3, 0.85],)),
    "Geometric-logits": (lambda l: D.Geometric(logits=l).log_prob([2.0, 7.0]), ([-0.7, 1.2],)),
    "StudentT": (lambda df, m, s, x: D.StudentT(df, m, s).log_prob(x),
                 ([0.8, 5.0], [0.5, -1.0], [1.5, 0.3], [0.1, 2.0])),
    "Cauchy": (lambda m, s, x: D.Cauchy(m, s).log_prob(x), ([0.5, -1.0], [1.5, 0.3], [0.1, 2.0])),
    "Cauchy-cdf": (lambda m, s, x: D.Cauchy(m, s).cdf(x), ([0.5, -1.0], [1.5, 0.3], [0.1, 2.0])),
    "Cauchy-icdf": (lambda m, s, p: D.Cauchy(m, s).icdf(p), ([0.5, -1.0], [1.5, 0.3], [0.1, 0.75])),
    "LogNormal": (lambda m, s, x: D.LogNormal(m, s).log_prob(x),
                  ([0.5, -1.0], [1.5, 0.3], [0.1, 2.0])),
    "Dirichlet": (lambda a, x: D.Dirichlet(a).log_prob(x),
                  ([[0.7, 2.0, 3.5], [1.5, 1.0, 4.0]], [[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]])),
    "Normal-cdf": (lambda m, s, x: D.Normal(m, s).cdf(x), ([0.5, -1.0], [1.5, 0.3], [0.1, -1.2])),
    "Normal-icdf": (lambda m, s, p: D.Normal(m, s).icdf(p), ([0.5, -1.0], [1.5, 0.3], [0.01, 0.7])),
    "Laplace-cdf": (lambda m, s, x: D.Laplace(m, s).cdf(x), ([0.5, -1.0], [1.5, 0.3], [0.1, -0.4])),
    "Laplace-icdf": (lambda m, s, p: D.Laplace(m, s).icdf(p),
                     ([0.5, -1.0], [1.5, 0.3], [0.01, 0.7])),
    "Exponential-cdf": (lambda r, x: D.Exponential(r).cdf(x), ([0.5, 2.0], [0.3, 1.7])),
    "Exponential-icdf": (lambda r, p: D.Exponential(r).icdf(p), ([0.5, 2.0], [0.2, 0.95])),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradcheck_log_prob_cdf_icdf(name):
    f, args = GRAD_CASES[name]
    assert tg.autograd.gradcheck(f, tuple(t(a, grad=True) for a in args))


ENTROPY_CASES = {
    "Uniform": (lambda b: D.Uniform(-1.0, b).entropy(), [0.5, 2.0]),
    "Geometric-probs": (lambda p: D.Geometric(probs=p).entropy(), [0.2, 0.7]),
    "Geometric-logits": (lambda l: D.Geometric(logits=l).entropy(), [-3.0, 0.5]),
    "StudentT": (lambda df: D.StudentT(df, 0.0, 2.0).entropy(), [0.7, 4.0]),
    "Cauchy": (lambda s: D.Cauchy(0.0, s).entropy(), [0.5, 2.0]),
    "LogNormal": (lambda m: D.LogNormal(m, 0.7).entropy(), [0.5, -2.0]),
    "Dirichlet": (lambda a: D.Dirichlet(a).entropy(), [0.7, 2.0, 3.5]),
}


@pytest.mark.parametrize("name", list(ENTROPY_CASES))
def test_entropy_gradcheck(name):
    f, arg = ENTROPY_CASES[name]
    assert tg.autograd.gradcheck(f, t(arg, grad=True))


def test_normal_icdf_gradient_is_one_over_the_density():
    p = t([0.02, 0.5, 0.9], grad=True)
    x = D.Normal(0.0, 1.0).icdf(p)
    x.sum().backward()
    pdf = np.exp(-val(x) ** 2 / 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(val(p.grad), 1 / pdf, rtol=1e-13)


# ----- sampling ----------------------------------------------------------------------------
SAMPLERS = {
    "Uniform": D.Uniform([-1.0, 2.0], [3.0, 2.5]),
    "Binomial": D.Binomial([10.0, 4.0], probs=[0.3, 0.85]),
    "Geometric": D.Geometric(logits=[-0.7, 1.2]),
    "StudentT": D.StudentT(10.0, [0.5, -1.0], [1.5, 0.3]),
    "LogNormal": D.LogNormal([0.5, -1.0], [0.4, 0.3]),
    "Dirichlet": D.Dirichlet([[0.7, 2.0, 3.5], [1.0, 1.0, 1.0]]),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_sample_moments_within_standard_errors(name):
    assert_sample_moments(SAMPLERS[name])


def test_samples_follow_the_cdf():
    """The fraction of draws below the q-quantile is q, within 5 binomial standard errors
    (also for Cauchy, which has no moments)."""
    n, qs = 40_000, np.array([0.05, 0.3, 0.5, 0.9])
    for d in (D.Cauchy(1.0, 2.5), D.Normal(0.3, 1.7), D.Laplace(-1.0, 0.5), D.Exponential(1.5),
              D.Uniform(-2.0, 5.0)):
        x = val(d.sample((n,), generator=7))
        frac = (x[:, None] < val(d.icdf(qs))).mean(0)
        assert np.all(np.abs(frac - qs) < 5 * np.sqrt(qs * (1 - qs) / n)), d.name
    k = val(D.Geometric(probs=0.3).sample((n,), generator=3))
    assert k.min() == 0.0 and np.all(k == np.floor(k))               # failures, not trials
    assert abs(np.mean(k == 0) - 0.3) < 5 * math.sqrt(0.21 / n)
    s = val(D.Dirichlet([0.7, 2.0, 3.5]).sample((100,), generator=1))
    np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-14)


def test_seeded_sampling_is_reproducible():
    for d in (D.Uniform(0.0, 1.0), D.Binomial(8, probs=0.4), D.Geometric(probs=0.3),
              D.StudentT(3.0), D.Cauchy(0.0, 1.0), D.LogNormal(0.0, 1.0),
              D.Dirichlet([1.0, 2.0, 3.0])):
        tg.manual_seed(11)
        first = val(d.sample((20,)))
        tg.manual_seed(11)
        np.testing.assert_array_equal(val(d.sample((20,))), first, err_msg=d.name)
        np.testing.assert_array_equal(val(d.sample((5,), generator=4)),
                                      val(d.sample((5,), generator=4)), err_msg=d.name)
        assert not np.array_equal(val(d.sample((20,), generator=4)), first), d.name


def test_rsample_is_differentiable_where_reparameterisable():
    lo, hi = t(1.0, grad=True), t(3.0, grad=True)
    D.Uniform(lo, hi).rsample((1000,), generator=0).mean().backward()
    u = np.random.default_rng(0).random(1000)
    assert float(lo.grad) == pytest.approx(1 - u.mean(), rel=1e-12)   # d(a + (b - a) u)/da
    assert float(hi.grad) == pytest.approx(u.mean(), rel=1e-12)
    m, s = t(0.2, grad=True), t(0.5, grad=True)
    r = D.LogNormal(m, s).rsample((100,), generator=0)
    r.sum().backward()
    assert float(m.grad) == pytest.approx(val(r).sum(), rel=1e-12)    # d exp(m + s e)/dm
    m, s = t(0.2, grad=True), t(0.5, grad=True)
    D.Cauchy(m, s).rsample((10,), generator=0).sum().backward()
    assert float(m.grad) == 10.0
    assert float(s.grad) == pytest.approx(np.random.default_rng(0).standard_cauchy(10).sum(),
                                          rel=1e-12)
    assert D.Uniform(0.0, 1.0).sample().grad_fn is None
    for d in (D.Binomial(3, probs=0.5), D.StudentT(3.0), D.Dirichlet([1.0, 1.0])):
        with pytest.raises(NotImplementedError, match=f"{d.name}: rsample"):
            d.rsample()


# ----- validation ------------------------------------------------------------------------
BAD = [
    (lambda: D.Uniform(1.0, 1.0), r"Uniform: argument 'low' must be less than 'high', "
                                  r"got low=1\.0, high=1\.0"),
    (lambda: D.Uniform([0.0, 2.0], [1.0, 1.0]), r"Uniform: .*low=2\.0, high=1\.0 at index \(1,\)"),
    (lambda: D.Uniform(0.0, 1.0).log_prob([0.5, 1.0]),
     r"Uniform: value passed to log_prob must be in the half-open interval \[low, high\), "
     r"got 1\.0 at index \(1,\)"),
    (lambda: D.Uniform([0.0, 5.0], 6.0).cdf(2.0), r"Uniform: value passed to cdf.*got 2\.0 "
                                                  r"at index \(1,\)"),
    (lambda: D.Uniform(0.0, 1.0).icdf(1.5), r"Uniform: value passed to icdf must be in the "
                                            r"closed interval \[0\.0, 1\.0\], got 1\.5"),
    (lambda: D.Binomial(2.5, probs=0.5), r"Binomial: argument 'total_count' must be a "
                                         r"non-negative integer, got 2\.5"),
    (lambda: D.Binomial(5, probs=1.2), r"Binomial: argument 'probs'.*1\.2"),
    (lambda: D.Binomial(5), r"Binomial: pass exactly one of probs= or logits="),
    (lambda: D.Binomial(5, probs=0.5).log_prob(6.0),
     r"Binomial: value passed to log_prob must be at most total_count, got 6\.0"),
    (lambda: D.Binomial(5, probs=0.5).log_prob(1.5), r"Binomial: value.*non-negative integer"),
    (lambda: D.Geometric(probs=0.0), r"Geometric: argument 'probs' must be in the half-open "
                                     r"interval \(0\.0, 1\.0\], got 0\.0"),
    (lambda: D.Geometric(logits=0.0).log_prob(-1.0), r"Geometric: value.*non-negative integer"),
    (lambda: D.StudentT(0.0), r"StudentT: argument 'df' must be positive"),
    (lambda: D.StudentT(3.0, 0.0, -1.0), r"StudentT: argument 'scale' must be positive"),
    (lambda: D.Cauchy(0.0, 0.0), r"Cauchy: argument 'scale' must be positive"),
    (lambda: D.Cauchy(0.0, 1.0).icdf(-0.1), r"Cauchy: value passed to icdf.*-0\.1"),
    (lambda: D.LogNormal(0.0, 1.0).log_prob(0.0), r"LogNormal: value passed to log_prob must "
                                                  r"be positive"),
    (lambda: D.LogNormal(np.nan, 1.0), r"LogNormal: argument 'loc' must be real"),
    (lambda: D.Dirichlet([1.0, -2.0]), r"Dirichlet: argument 'concentration'.*entries <= 0"),
    (lambda: D.Dirichlet(1.0), r"Dirichlet: argument 'concentration' must have at least one"),
    (lambda: D.Dirichlet([1.0, 2.0]).log_prob([0.3, 0.3]), r"Dirichlet: value.*sums to 0\.6"),
    (lambda: D.Dirichlet([1.0, 2.0]).log_prob([0.3, 0.3, 0.4]), r"Dirichlet.log_prob: value "
                                                               r"of shape \(3,\)"),
    (lambda: D.Normal(0.0, 1.0).icdf([0.5, 2.0]), r"Normal: value passed to icdf.*2\.0 at "
                                                  r"index \(1,\)"),
    (lambda: D.Normal(0.0, 1.0).cdf(np.nan), r"Normal: value passed to cdf must be finite"),
    (lambda: D.Laplace(0.0, 1.0).icdf(-1.0), r"Laplace: value passed to icdf"),
    (lambda: D.Exponential(1.0).cdf(-1.0), r"Exponential: value passed to cdf.*non-negative"),
    (lambda: D.Exponential(1.0).icdf(1.5), r"Exponential: value passed to icdf.*1\.5"),
]


@pytest.mark.parametrize("make_bad,pattern", BAD)
def test_validation_errors_name_distribution_argument_and_value(make_bad, pattern):
    with pytest.raises(ValueError, match=pattern):
        make_bad()


def test_entropy_without_closed_form_is_refused():
    with pytest.raises(NotImplementedError, match="Binomial: entropy"):
        D.Binomial(10, probs=0.3).entropy()
