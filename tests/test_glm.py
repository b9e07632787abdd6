"""tg.models.GLM: log-likelihoods against closed-form densities for every family and link,
tail accuracy, agreement with the dedicated regression models, derivatives through the
transforms, offsets, null models and errors."""
import math

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku import models
from tinygrad_ku.distributions import transform_to
from tinygrad_ku.distributions import constraints as C
from tinygrad_ku.nn import functional_call

RNG = np.random.default_rng(21)
N = 15
X = RNG.normal(size=(N, 2))
LGAMMA = np.vectorize(math.lgamma)
ERFC = np.vectorize(math.erfc)

MEAN = {                                    # g⁻¹(η) in NumPy
    "identity": lambda e: e,
    "log": np.exp,
    "inverse": lambda e: 1.0 / e,
    "logit": lambda e: 1.0 / (1.0 + np.exp(-e)),
    "probit": lambda e: 0.5 * ERFC(-e / math.sqrt(2.0)),
    "cloglog": lambda e: 1.0 - np.exp(-np.exp(e)),
}
MU0 = {"gaussian": 0.3, "binomial": 0.4, "poisson": 2.0, "gamma": 2.0}
LINK = {"identity": lambda m: m, "log": math.log, "inverse": lambda m: 1 / m,
        "logit": lambda m: math.log(m / (1 - m)), "probit": lambda m: -0.2533471031357997,
        "cloglog": lambda m: math.log(-math.log(1 - m))}        # Φ⁻¹(0.4) from tables


def _targets(family):
    return {"gaussian": RNG.normal(0.3, 1.0, N), "binomial": RNG.integers(0, 2, N),
            "poisson": RNG.poisson(2.0, N), "gamma": RNG.gamma(2.0, 1.0, N)}[family]


def _closed_form(family, mu, y, extra):
    if family == "gaussian":
        s = extra
        return -0.5 * ((y - mu) / s) ** 2 - math.log(s) - 0.5 * math.log(2 * math.pi)
    if family == "binomial":
        return y * np.log(mu) + (1 - y) * np.log(1 - mu)
    if family == "poisson":
        return y * np.log(mu) - mu - LGAMMA(y + 1.0)
    nu = extra
    return nu * np.log(nu / mu) + (nu - 1) * np.log(y) - nu * y / mu - math.lgamma(nu)


PAIRS = [(f, l) for f, links in models.glm.FAMILIES.items() for l in links]
IDS = [f"{f}-{l}" for f, l in PAIRS]


def _model(family, link, rng):
    m = models.GLM(2, family, link)
    m.weight.data[...] = rng.normal(scale=0.05, size=2)
    m.bias.data[...] = LINK[link](MU0[family])
    extra = None
    if family == "gaussian":
        m.scale.data[...] = extra = 1.3
    if family == "gamma":
        m.concentration.data[...] = extra = 2.5
    return m, extra


@pytest.mark.parametrize("family,link", PAIRS, ids=IDS)
def test_log_prob_matches_the_closed_form_density(family, link):
    m, extra = _model(family, link, np.random.default_rng(1))
    y = _targets(family)
    mu = MEAN[link](X @ m.weight.data + m.bias.data)
    ref = _closed_form(family, mu, y, extra)
    np.testing.assert_allclose(m.log_prob(X, y, reduction="none").data, ref, rtol=1e-12)
    assert float(m.log_prob(X, y)) == pytest.approx(ref.sum(), rel=1e-12)
    np.testing.assert_allclose(m.predict(X).data, mu, rtol=1e-13)


@pytest.mark.parametrize("family,link", PAIRS, ids=IDS)
def test_gradcheck_and_gradgradcheck_through_the_transforms(family, link):
    m, _ = _model(family, link, np.random.default_rng(2))
    y = _targets(family)
    names, ts, us = [], [], []
    for name, p in m.named_parameters():
        t = transform_to(m.arg_constraints.get(name, C.real))
        names.append(name)
        ts.append(t)
        us.append(tg.tensor(t.inv(p.data), requires_grad=True))

    def f(*u):
        return functional_call(m, {n: t(v) for n, t, v in zip(names, ts, u)}, (X, y),
                               method="log_prob")
    assert tg.autograd.gradcheck(f, tuple(us))
    assert tg.autograd.gradgradcheck(f, tuple(us))


@pytest.mark.parametrize("family,link", PAIRS, ids=IDS)
def test_data_free_start_is_inside_the_support(family, link):
    m = models.GLM(2, family, link)
    np.testing.assert_array_equal(m.weight.data, 0.0)
    assert np.isfinite(float(m.log_prob(X, _targets(family))))
    for name, c in m.arg_constraints.items():
        assert getattr(m, name).data == 1.0 and c is C.positive


def test_canonical_links_are_the_defaults():
    assert [models.GLM(1, f).link for f in ("gaussian", "binomial", "poisson", "gamma")] == \
        ["identity", "logit", "log", "inverse"]
    assert [n for n, _ in models.GLM(1, "gaussian").named_parameters()] == ["weight", "bias", "scale"]
    assert [n for n, _ in models.GLM(1, "gamma").named_parameters()] == \
        ["weight", "bias", "concentration"]
    assert [n for n, _ in models.GLM(1, "poisson", bias=False).named_parameters()] == ["weight"]


def test_gamma_matches_tg_distributions_gamma():
    m, nu = _model("gamma", "log", np.random.default_rng(3))
    y = _targets("gamma")
    mu = np.exp(X @ m.weight.data + m.bias.data)
    ref = tg.distributions.Gamma(np.full(N, nu), nu / mu).log_prob(y).data
    np.testing.assert_allclose(m.log_prob(X, y, reduction="none").data, ref, rtol=1e-12)


def test_canonical_glms_equal_the_dedicated_models():
    w, b = np.array([0.4, -0.7]), 0.2
    yb, yc, yn = _targets("binomial"), _targets("poisson"), _targets("gaussian")
    pairs = [(models.GLM(2, "binomial"), models.LogisticRegression(2), yb),
             (models.GLM(2, "poisson"), models.PoissonRegression(2), yc),
             (models.GLM(2, "gaussian"), models.LinearRegression(2), yn)]
    for glm, ref, y in pairs:
        for m in (glm, ref):
            m.weight.data[...], m.bias.data[...] = w, b
        np.testing.assert_allclose(glm.log_prob(X, y, reduction="none").data,
                                   ref.log_prob(X, y, reduction="none").data, rtol=1e-13)


def test_binomial_tails_keep_their_digits():
    m = models.GLM(1, "binomial", "probit", bias=False)
    m.weight.data[...] = 1.0
    eta = np.array([[-30.0], [30.0], [-3.0]])
    lp = m.log_prob(eta, [1, 0, 0], reduction="none").data
    ref = math.log(0.5 * math.erfc(30 / math.sqrt(2)))           # log Φ(−30) ≈ −454.3
    np.testing.assert_allclose(lp, [ref, ref, math.log(0.5 * math.erfc(-3 / math.sqrt(2)))],
                               rtol=1e-13)
    c = models.GLM(1, "binomial", "cloglog", bias=False)
    c.weight.data[...] = 1.0
    lp = c.log_prob(np.array([[3.0], [-40.0]]), [0, 1], reduction="none").data
    np.testing.assert_allclose(lp, [-math.exp(3.0), math.log(-math.expm1(-math.exp(-40.0)))],
                               rtol=1e-14)
    g = models.GLM(1, "binomial", bias=False)
    g.weight.data[...] = 1.0
    lp = g.log_prob(np.array([[-800.0], [800.0]]), [1, 0])
    lp.backward()
    assert float(lp) == pytest.approx(-1600.0, rel=1e-15)
    assert np.isfinite(g.weight.grad.data).all()


def test_poisson_zero_counts_with_identity_link_and_offsets():
    m = models.GLM(1, "poisson", "identity", bias=False)
    m.weight.data[...] = 1.0
    assert float(m.log_prob(np.array([[0.5], [2.0]]), [0, 3])) == pytest.approx(
        -0.5 + 3 * math.log(2.0) - 2.0 - math.log(6.0), rel=1e-14)
    off, expo = RNG.normal(size=N), RNG.uniform(1, 3, N)
    g = models.GLM(2, "poisson", "log", offset=off, exposure=expo)
    p = models.PoissonRegression(2, offset=off, exposure=expo)
    y = _targets("poisson")
    assert float(g.log_prob(X, y)) == pytest.approx(float(p.log_prob(X, y)), rel=1e-14)
    null, data = g.null_model(X, y)
    assert (null.family, null.link, null.n_features) == ("poisson", "log", 0)
    np.testing.assert_array_equal(null.offset, off)
    np.testing.assert_array_equal(null.exposure, expo)
    assert float(null.log_prob(*data)) == pytest.approx(
        float(models.PoissonRegression(0, offset=off, exposure=expo).log_prob(*data)), rel=1e-14)


def test_glm_errors():
    with pytest.raises(ValueError, match="GLM: family must be one of"):
        models.GLM(2, "tweedie")
    with pytest.raises(ValueError, match=r"the poisson family takes the links \['log', "
                                         r"'identity'\], got link='logit'"):
        models.GLM(2, "poisson", "logit")
    with pytest.raises(ValueError, match="binomial family takes the links"):
        models.GLM(2, "binomial", "inverse")
    with pytest.raises(ValueError, match="gamma family takes"):
        models.GLM(2, "gamma", "probit")
    with pytest.raises(ValueError, match=r"GLM.log_prob \(gamma\): targets must be positive"):
        models.GLM(2, "gamma").log_prob(X[:2], [1.0, 0.0])
    with pytest.raises(ValueError, match=r"GLM.log_prob \(binomial\): targets must be 0 or 1"):
        models.GLM(2, "binomial").log_prob(X[:2], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"GLM.log_prob \(poisson\): counts must be"):
        models.GLM(2, "poisson").log_prob(X[:2], [1.0, 2.5])
    with pytest.raises(ValueError, match=r"GLM.log_prob: X must have shape \(N, 2\)"):
        models.GLM(2, "poisson").log_prob(np.ones((2, 3)), [1, 2])
    with pytest.raises(TypeError, match="only the binomial family"):
        models.GLM(2, "poisson").predict_proba(X)
    P = models.GLM(2, "binomial", "cloglog").predict_proba(X).data
    np.testing.assert_allclose(P.sum(1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(P[:, 1], 0.5, rtol=1e-15)


# ----- fits with known answers (tg.estimate) -----------------------------------------------

def test_fit_gaussian_identity_glm_is_ols():
    rng = np.random.default_rng(41)
    Xf = rng.normal(size=(80, 3))
    y = Xf @ [0.5, -1.0, 2.0] - 0.3 + rng.normal(scale=0.7, size=80)
    fit = tg.estimate.mle(models.GLM(3, "gaussian"), (Xf, y))
    assert fit.converged
    coef, rss, *_ = np.linalg.lstsq(np.c_[Xf, np.ones(80)], y, rcond=None)
    np.testing.assert_allclose(fit.params["weight"], coef[:3], rtol=1e-9)
    assert fit.params["bias"] == pytest.approx(coef[3], rel=1e-9)
    assert fit.params["scale"] == pytest.approx(math.sqrt(rss[0] / 80), rel=1e-9)


def test_fit_binomial_logit_glm_equals_logistic_regression():
    rng = np.random.default_rng(42)
    Xf = rng.normal(size=(120, 2))
    y = (rng.random(120) < 1 / (1 + np.exp(-(Xf @ [1.0, -0.5] + 0.2)))).astype(int)
    g = tg.estimate.mle(models.GLM(2, "binomial"), (Xf, y))
    lr = tg.estimate.mle(models.LogisticRegression(2), (Xf, y))
    assert g.converged and lr.converged
    np.testing.assert_allclose(g.params["weight"], lr.params["weight"], rtol=1e-8)
    assert g.params["bias"] == pytest.approx(lr.params["bias"], rel=1e-8)
    np.testing.assert_allclose(g.stderr["weight"], lr.stderr["weight"], rtol=1e-6)


def test_fit_intercept_only_gamma_glm_has_closed_form_mean_and_shape_equation():
    """μ̂ = ȳ, and ν̂ solves log ν − ψ(ν) = log ȳ − mean(log y)."""
    y = np.random.default_rng(43).gamma(3.0, 2.0, 300)
    fit = tg.estimate.mle(models.GLM(0, "gamma", "log"), (np.zeros((300, 0)), y))
    assert fit.converged
    assert math.exp(fit.params["bias"]) == pytest.approx(y.mean(), rel=1e-9)
    nu = float(fit.params["concentration"])
    assert math.log(nu) - float(tg.digamma(nu)) == pytest.approx(
        math.log(y.mean()) - np.log(y).mean(), rel=1e-8)


def test_fit_poisson_glm_with_offset_column_matches_constructor_offset():
    rng = np.random.default_rng(44)
    Xf = rng.normal(size=(100, 2))
    off = rng.normal(scale=0.3, size=100)
    y = rng.poisson(np.exp(0.2 + Xf @ [0.3, 0.1] + off))
    a = tg.estimate.mle(models.GLM(2, "poisson", offset=off), (Xf, y))
    b = tg.estimate.mle(models.GLM(2, "poisson"), (Xf, y, off))
    np.testing.assert_allclose(a.params["weight"], b.params["weight"], rtol=1e-9)
    assert float(a.model.predict(Xf).data.sum()) == pytest.approx(y.sum(), rel=1e-9)
