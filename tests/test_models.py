"""tg.nn.Module / Linear and tg.models: natural parameters and their constraints, log densities
against closed forms and tg.distributions, per-observation values, gradcheck and
gradgradcheck of every log-likelihood, offsets, the tg.estimate hooks, input errors."""
import math

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku import models
from tinygrad_ku.distributions import constraints as C
from tinygrad_ku.distributions import transform_to
from tinygrad_ku.nn import functional_call

D = tg.distributions
RNG = np.random.default_rng(7)
X3 = RNG.normal(size=(12, 3))


def _constraint(model, name):
    return getattr(model, "arg_constraints", {}).get(name, C.real)


def _randomise(model, rng):
    """Give every parameter a random value inside its support (through its transform)."""
    for name, p in model.named_parameters():
        t = transform_to(_constraint(model, name))
        p.data[...] = t(tg.tensor(rng.normal(scale=0.5, size=t.unconstrained_shape(p.shape)))).data
    return model


CASES = [
    ("Normal", lambda: models.Normal(), (RNG.normal(size=10),)),
    ("Normal-vector", lambda: models.Normal(shape=(2,)), (RNG.normal(size=(6, 2)),)),
    ("Bernoulli", lambda: models.Bernoulli(), (RNG.integers(0, 2, 10),)),
    ("Categorical", lambda: models.Categorical(4), (RNG.integers(0, 4, 15),)),
    ("Poisson", lambda: models.Poisson(), (RNG.poisson(3.0, 10),)),
    ("MultivariateNormal", lambda: models.MultivariateNormal(3), (X3,)),
    ("LinearRegression", lambda: models.LinearRegression(3), (X3, RNG.normal(size=12))),
    ("LogisticRegression", lambda: models.LogisticRegression(3), (X3, RNG.integers(0, 2, 12))),
    ("PoissonRegression", lambda: models.PoissonRegression(3), (X3, RNG.poisson(2.0, 12))),
    ("SoftmaxRegression", lambda: models.SoftmaxRegression(3, 4), (X3, RNG.integers(0, 4, 12))),
    ("MultinomialLogit", lambda: models.MultinomialLogit(3, 4), (X3, RNG.integers(0, 4, 12))),
    ("GLM-gamma-log", lambda: models.GLM(3, "gamma", "log"), (X3, RNG.gamma(2.0, 1.0, 12))),
    ("MLP-categorical", lambda: models.MLP(3, (4,), 3, generator=np.random.default_rng(0)),
     (X3, RNG.integers(0, 3, 12))),
    ("MLP-bernoulli", lambda: models.MLP(3, (4,), 1, activation="softplus",
                                         likelihood="bernoulli", generator=np.random.default_rng(0)),
     (X3, RNG.integers(0, 2, 12))),
    ("MLP-normal", lambda: models.MLP(3, (4, 2), 1, likelihood="normal",
                                      generator=np.random.default_rng(0)),
     (X3, RNG.normal(size=12))),
]
IDS = [c[0] for c in CASES]


def _through_transforms(model, data):
    """(f(u...), u leaves): the summed log-likelihood as the fitter sees it, in unconstrained u."""
    names, ts, us = [], [], []
    for name, p in model.named_parameters():
        t = transform_to(_constraint(model, name))
        names.append(name)
        ts.append(t)
        us.append(tg.tensor(t.inv(p.data), requires_grad=True))

    def f(*u):
        return functional_call(model, {n: t(v) for n, t, v in zip(names, ts, u)}, data,
                               method="log_prob")
    return f, tuple(us)


@pytest.mark.parametrize("name,make,data", CASES, ids=IDS)
def test_every_model_log_prob_passes_gradcheck_through_its_transforms(name, make, data):
    model = _randomise(make(), np.random.default_rng(1))
    f, us = _through_transforms(model, data)
    assert tg.autograd.gradcheck(f, us)


@pytest.mark.parametrize("name,make,data", [c for c in CASES if not c[0].startswith("MLP")],
                         ids=[i for i in IDS if not i.startswith("MLP")])
def test_every_model_log_prob_passes_gradgradcheck(name, make, data):
    model = _randomise(make(), np.random.default_rng(2))
    f, us = _through_transforms(model, data)
    assert tg.autograd.gradgradcheck(f, us)


@pytest.mark.parametrize("name,make,data", CASES, ids=IDS)
def test_reduction_none_gives_one_value_per_observation_summing_to_the_total(name, make, data):
    model = _randomise(make(), np.random.default_rng(3))
    total = float(model.log_prob(*data))
    each = model.log_prob(*data, reduction="none")
    n = len(data[0]) if name != "Normal-vector" else 6
    assert each.shape == (n,)
    assert float(each.sum()) == pytest.approx(total, rel=1e-12)
    with pytest.raises(ValueError, match="reduction must be 'sum' or 'none'"):
        model.log_prob(*data, reduction="mean")


@pytest.mark.parametrize("name,make,data", CASES, ids=IDS)
def test_default_parameters_lie_inside_their_supports(name, make, data):
    model = make()
    for pname, p in model.named_parameters():
        c = _constraint(model, pname)
        assert np.all(c.check(p.data)), (pname, c)
        transform_to(c).inv(p.data)                 # strictly inside: finite unconstrained value
    assert np.isfinite(float(model.log_prob(*data)))


def test_natural_parameters_and_constraints_are_declared():
    assert models.Normal().arg_constraints == {"loc": C.real, "scale": C.positive}
    assert models.Normal(scale=2.0).scale.data == 2.0
    assert models.Bernoulli().probs.data == 0.5
    assert models.Bernoulli.arg_constraints["probs"] is C.unit_interval
    np.testing.assert_allclose(models.Categorical(4).probs.data, 0.25)
    assert models.Categorical.arg_constraints["probs"] is C.simplex
    assert models.Poisson().rate.data == 1.0 and models.Poisson.arg_constraints["rate"] is C.positive
    m = models.MultivariateNormal(2)
    np.testing.assert_array_equal(m.scale_tril.data, np.eye(2))
    assert m.arg_constraints["scale_tril"] is C.lower_cholesky
    assert [n for n, _ in models.LinearRegression(2).named_parameters()] == ["weight", "bias", "scale"]
    assert models.LinearRegression(2).scale.data == 1.0
    mlp = models.MLP(2, (3,), 1, likelihood="normal", generator=np.random.default_rng(0))
    assert mlp.scale.data == 1.0 and mlp.arg_constraints == {"scale": C.positive}
    assert not hasattr(models.MLP(2, generator=np.random.default_rng(0)), "log_scale")
    for m in (models.Normal(), models.Bernoulli(), models.Poisson(), models.LinearRegression(1)):
        assert not any("log" in n for n, _ in m.named_parameters())


def test_normal_bernoulli_categorical_poisson_match_tg_distributions():
    x = RNG.normal(size=20)
    m = models.Normal(loc=0.3, scale=1.7)
    ref = np.sum(-0.5 * ((x - 0.3) / 1.7) ** 2 - math.log(1.7) - 0.5 * math.log(2 * math.pi))
    assert float(m.log_prob(x)) == pytest.approx(ref, rel=1e-13)
    np.testing.assert_allclose(m.log_prob(x, reduction="none").data,
                               D.Normal(0.3, 1.7).log_prob(x).data, rtol=1e-13)
    xb = np.array([1, 0, 1, 1])
    b = models.Bernoulli(probs=0.7)
    assert float(b.log_prob(xb)) == pytest.approx(3 * math.log(0.7) + math.log(0.3), rel=1e-13)
    np.testing.assert_allclose(b.log_prob(xb, reduction="none").data,
                               D.Bernoulli(probs=0.7).log_prob(xb.astype(float)).data, rtol=1e-13)
    c = models.Categorical(3, probs=[0.2, 0.5, 0.3])
    xc = [1, 1, 2, 0]
    assert float(c.log_prob(xc)) == pytest.approx(
        2 * math.log(0.5) + math.log(0.3) + math.log(0.2), rel=1e-13)
    np.testing.assert_allclose(c.log_prob(xc, reduction="none").data,
                               D.Categorical(probs=np.array([0.2, 0.5, 0.3])).log_prob(
                                   np.array(xc)).data, rtol=1e-13)
    p = models.Poisson(rate=2.5)
    k = np.array([0, 3, 7])
    ref = sum(kk * math.log(2.5) - 2.5 - math.lgamma(kk + 1) for kk in k)
    assert float(p.log_prob(k)) == pytest.approx(ref, rel=1e-13)
    np.testing.assert_allclose(p.log_prob(k, reduction="none").data,
                               D.Poisson(2.5).log_prob(k.astype(float)).data, rtol=1e-13)


def test_vector_parameters_take_trailing_axes_as_one_observation():
    x = RNG.normal(size=(5, 2))
    m = models.Normal(loc=[0.1, -0.2], scale=[1.5, 0.5], shape=(2,))
    ref = D.Normal(np.array([0.1, -0.2]), np.array([1.5, 0.5])).log_prob(x).data.sum(1)
    np.testing.assert_allclose(m.log_prob(x, reduction="none").data, ref, rtol=1e-13)
    with pytest.raises(ValueError, match=r"trailing shape \(2,\)"):
        m.log_prob(np.zeros((5, 3)))


def test_bernoulli_stays_finite_next_to_the_boundary():
    """All ones: log p only (no 0·log 0 = nan), value and gradient finite as p → 1."""
    m = models.Bernoulli(probs=1 - 1e-12)
    lp = m.log_prob(np.ones(20))
    lp.backward()
    assert float(lp) == pytest.approx(20 * math.log1p(-1e-12), rel=1e-10)
    assert float(m.probs.grad) == pytest.approx(20 / (1 - 1e-12), rel=1e-12)
    m = models.Bernoulli(probs=0.5)
    with tg.no_grad():
        m.probs.data[...] = 1.0                      # the boundary itself: 20 log 1 = 0
        assert float(m.log_prob(np.ones(20))) == 0.0


def test_multivariate_normal_matches_tg_distributions_and_closed_form():
    m = _randomise(models.MultivariateNormal(3), np.random.default_rng(3))
    L = np.tril(m.scale_tril.data)
    ref = D.MultivariateNormal(m.loc.data, scale_tril=L).log_prob(X3).data
    np.testing.assert_allclose(m.log_prob(X3, reduction="none").data, ref, rtol=1e-12)
    cov = L @ L.T
    d = X3 - m.loc.data
    closed = np.sum(-0.5 * np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
                    - 0.5 * np.linalg.slogdet(2 * np.pi * cov)[1])
    assert float(m.log_prob(X3)) == pytest.approx(closed, rel=1e-12)
    np.testing.assert_allclose(m.covariance_matrix, cov, rtol=1e-12)
    np.testing.assert_allclose(m.precision_matrix, np.linalg.inv(cov), rtol=1e-10)


def test_linear_logistic_poisson_regression_match_tg_distributions():
    y = RNG.normal(size=12)
    lin = _randomise(models.LinearRegression(3), np.random.default_rng(4))
    mu = X3 @ lin.weight.data + lin.bias.data
    np.testing.assert_allclose(lin.log_prob(X3, y, reduction="none").data,
                               D.Normal(mu, float(lin.scale.data)).log_prob(y).data, rtol=1e-13)
    yb = RNG.integers(0, 2, 12)
    logit = _randomise(models.LogisticRegression(3), np.random.default_rng(4))
    eta = X3 @ logit.weight.data + logit.bias.data
    np.testing.assert_allclose(logit.log_prob(X3, yb, reduction="none").data,
                               D.Bernoulli(logits=eta).log_prob(yb.astype(float)).data, rtol=1e-13)
    yc = RNG.poisson(2.0, 12)
    pois = _randomise(models.PoissonRegression(3), np.random.default_rng(4))
    eta = X3 @ pois.weight.data + pois.bias.data
    np.testing.assert_allclose(pois.log_prob(X3, yc, reduction="none").data,
                               D.Poisson(np.exp(eta)).log_prob(yc.astype(float)).data, rtol=1e-13)
    np.testing.assert_allclose(pois.predict(X3).data, np.exp(eta), rtol=1e-14)


def test_models_without_bias():
    lin = _randomise(models.LinearRegression(3, bias=False), np.random.default_rng(5))
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight", "scale"]
    np.testing.assert_allclose(lin.predict(X3).data, X3 @ lin.weight.data, rtol=1e-14)


def test_poisson_offset_and_exposure_statsmodels_style():
    """log μ = Xw + b + offset + log(exposure); constructor arrays or a third data column."""
    y = RNG.poisson(3.0, 12)
    off, expo = RNG.normal(size=12), RNG.uniform(0.5, 2.0, 12)
    a = _randomise(models.PoissonRegression(3, offset=off, exposure=expo), np.random.default_rng(6))
    eta = X3 @ a.weight.data + a.bias.data + off + np.log(expo)
    ref = D.Poisson(np.exp(eta)).log_prob(y.astype(float)).data
    np.testing.assert_allclose(a.log_prob(X3, y, reduction="none").data, ref, rtol=1e-13)
    b = models.PoissonRegression(3)
    b.load_state_dict(a.state_dict())
    np.testing.assert_allclose(b.log_prob(X3, y, off + np.log(expo), reduction="none").data, ref,
                               rtol=1e-13)
    np.testing.assert_allclose(a.predict(X3).data, np.exp(eta), rtol=1e-13)
    np.testing.assert_allclose(a.predict(X3[:2], exposure=[1.0, 2.0]).data,
                               np.exp(eta[:2] - off[:2] - np.log(expo[:2]) + np.log([1, 2])),
                               rtol=1e-13)
    with pytest.raises(ValueError, match="both to the constructor and as data"):
        a.log_prob(X3, y, off)
    with pytest.raises(ValueError, match="has 12 rows but X has 5.*third data column"):
        a.log_prob(X3[:5], y[:5])
    with pytest.raises(ValueError, match="offset \\(third data column\\) has 3 rows but X has 12"):
        b.log_prob(X3, y, off[:3])
    with pytest.raises(ValueError, match="pass offset= \\(or exposure=\\)"):
        a.predict(X3[:5])
    with pytest.raises(ValueError, match="exposure must be positive"):
        models.PoissonRegression(3, exposure=[1.0, 0.0])
    with pytest.raises(ValueError, match="exposure= needs a log link"):
        models.GLM(3, "binomial", exposure=np.ones(12))


def test_offsets_on_linear_and_logistic_regression():
    off = RNG.normal(size=12)
    yb = RNG.integers(0, 2, 12)
    a = _randomise(models.LogisticRegression(3, offset=off), np.random.default_rng(6))
    eta = X3 @ a.weight.data + a.bias.data + off
    np.testing.assert_allclose(a.log_prob(X3, yb, reduction="none").data,
                               D.Bernoulli(logits=eta).log_prob(yb.astype(float)).data, rtol=1e-13)
    np.testing.assert_allclose(a.predict_proba(X3).data[:, 1], 1 / (1 + np.exp(-eta)), rtol=1e-13)


def test_softmax_regression_and_multinomial_logit():
    y = RNG.integers(0, 4, 12)
    soft = _randomise(models.SoftmaxRegression(3, 4), np.random.default_rng(8))
    eta = X3 @ soft.weight.data.T + soft.bias.data
    np.testing.assert_allclose(soft.log_prob(X3, y, reduction="none").data,
                               D.Categorical(logits=eta).log_prob(y).data, rtol=1e-13)
    mn = models.MultinomialLogit(3, 4)
    assert mn.weight.shape == (3, 3) and mn.bias.shape == (3,)
    # the same probabilities with class 0 as the reference: W_k − W_0, b_k − b_0
    mn.weight.data[...] = soft.weight.data[1:] - soft.weight.data[0]
    mn.bias.data[...] = soft.bias.data[1:] - soft.bias.data[0]
    np.testing.assert_allclose(mn.predict_proba(X3).data, soft.predict_proba(X3).data, rtol=1e-13)
    assert float(mn.log_prob(X3, y)) == pytest.approx(float(soft.log_prob(X3, y)), rel=1e-13)
    np.testing.assert_allclose(mn.forward(X3).data[:, 0], 0.0)
    assert "not identified" in models.SoftmaxRegression.__doc__.lower()
    with pytest.raises(ValueError, match="n_classes >= 2"):
        models.MultinomialLogit(3, 1)


def test_null_models_are_intercept_only_with_the_same_offset():
    y = RNG.poisson(2.0, 12)
    off = RNG.normal(size=12)
    pois = models.PoissonRegression(3, offset=off)
    null, data = pois.null_model(X3, y)
    assert isinstance(null, models.PoissonRegression) and null.n_features == 0
    assert data[0].shape == (12, 0) and data[1] is y
    null.bias.data[...] = 0.4
    ref = D.Poisson(np.exp(0.4 + off)).log_prob(y.astype(float)).data.sum()
    assert float(null.log_prob(*data)) == pytest.approx(ref, rel=1e-13)
    null2, data2 = models.PoissonRegression(3).null_model(X3, y, off)     # offset as data
    assert len(data2) == 3 and data2[2] is off
    yb = RNG.integers(0, 2, 12)
    nl, dl = models.LogisticRegression(3, bias=False).null_model(X3, yb)
    assert nl.bias is not None and nl.n_features == 0
    nl.bias.data[...] = -0.3
    k = yb.sum()
    assert float(nl.log_prob(*dl)) == pytest.approx(k * -0.3 - 12 * math.log1p(math.exp(-0.3)),
                                                    rel=1e-13)
    lin_null, _ = models.LinearRegression(3).null_model(X3, RNG.normal(size=12))
    assert [n for n, _ in lin_null.named_parameters()] == ["weight", "bias", "scale"]
    yc = RNG.integers(0, 4, 12)
    for m in (models.SoftmaxRegression(3, 4), models.MultinomialLogit(3, 4)):
        n, d = m.null_model(X3, yc)
        assert isinstance(n, models.MultinomialLogit) and n.n_features == 0 and n.n_classes == 4
        assert float(n.log_prob(*d)) == pytest.approx(-12 * math.log(4), rel=1e-13)


def test_separation_flags():
    assert models.LogisticRegression.may_separate
    assert models.MultinomialLogit.may_separate and models.SoftmaxRegression.may_separate
    assert models.GLM(2, "binomial", "probit").may_separate
    assert not models.GLM(2, "poisson").may_separate
    assert not getattr(models.LinearRegression, "may_separate", False)
    assert not getattr(models.PoissonRegression, "may_separate", False)


def test_extra_results_ols_closed_form():
    """s² = RSS/(n − p) and se = s·sqrt(diag((AᵀA)⁻¹)), A = [X, 1], against the normal equations
    on a well-conditioned design (Longley's raw design is checked against NIST elsewhere)."""
    y = X3 @ [1.0, -2.0, 0.5] + 0.3 + RNG.normal(size=12)
    out = models.LinearRegression(3).extra_results(X3, y)
    A = np.column_stack([X3, np.ones(12)])
    beta = np.linalg.solve(A.T @ A, A.T @ y)
    s2 = np.sum((y - A @ beta) ** 2) / (12 - 4)
    se = np.sqrt(s2 * np.diag(np.linalg.inv(A.T @ A)))
    assert out["scale_unbiased"] == pytest.approx(math.sqrt(s2), rel=1e-12)
    np.testing.assert_allclose(out["stderr_ols"]["weight"], se[:3], rtol=1e-11)
    assert float(out["stderr_ols"]["bias"]) == pytest.approx(se[3], rel=1e-11)
    nob = models.LinearRegression(3, bias=False).extra_results(X3, y)
    assert set(nob["stderr_ols"]) == {"weight"}
    assert nob["scale_unbiased"] == pytest.approx(
        math.sqrt(np.linalg.lstsq(X3, y, rcond=None)[1][0] / 9), rel=1e-12)


def test_conditional_models_predict_proba_feeds_decision():
    clf = _randomise(models.LogisticRegression(3), np.random.default_rng(2))
    P = clf.predict_proba(X3)
    eta = X3 @ clf.weight.data + clf.bias.data
    np.testing.assert_allclose(P.data[:, 1], 1 / (1 + np.exp(-eta)), rtol=1e-12)
    assert not P.requires_grad
    from tinygrad_ku import decision
    d = decision.bayes_decision(P, [[0, 1], [100, 0]])
    np.testing.assert_array_equal(d, (P.data[:, 1] > 1 / 101).astype(int))
    soft = _randomise(models.SoftmaxRegression(3, 4), np.random.default_rng(2))
    Q = soft.predict_proba(X3).data
    np.testing.assert_allclose(Q.sum(1), 1.0)
    assert Q.shape == (12, 4)
    np.testing.assert_array_equal(soft.predict(X3), Q.argmax(1))
    mlp = models.MLP(3, (5,), 1, likelihood="bernoulli", generator=np.random.default_rng(0))
    assert mlp.predict_proba(X3).shape == (12, 2)


def test_mlp_normal_likelihood_uses_scale():
    mlp = _randomise(models.MLP(3, (4,), 1, likelihood="normal",
                                generator=np.random.default_rng(0)), np.random.default_rng(9))
    y = RNG.normal(size=12)
    mean = mlp.predict(X3).data
    np.testing.assert_allclose(mlp.log_prob(X3, y, reduction="none").data,
                               D.Normal(mean, float(mlp.scale.data)).log_prob(y).data, rtol=1e-13)


def test_model_input_errors():
    with pytest.raises(ValueError, match=r"LogisticRegression.log_prob: X must have shape \(N, 3\)"):
        models.LogisticRegression(3).log_prob(np.ones((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="LogisticRegression.log_prob: targets must be 0 or 1"):
        models.LogisticRegression(2).log_prob(np.ones((2, 2)), [0, 2])
    with pytest.raises(ValueError, match=r"y must have 2 rows to match X"):
        models.LinearRegression(2).log_prob(np.ones((2, 2)), [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"Categorical.log_prob: labels must lie in \[0, 3\)"):
        models.Categorical(3).log_prob([0, 3])
    with pytest.raises(ValueError, match="Poisson.log_prob: counts must be non-negative integers"):
        models.Poisson().log_prob([1.5])
    with pytest.raises(ValueError, match="PoissonRegression.log_prob: counts must be non-negative"):
        models.PoissonRegression(1).log_prob(np.ones((2, 1)), [-1, 2])
    with pytest.raises(ValueError, match="Bernoulli.log_prob: targets must be 0 or 1"):
        models.Bernoulli().log_prob([0.5])
    with pytest.raises(ValueError, match="activation"):
        models.MLP(2, activation="swish")
    with pytest.raises(ValueError, match="Normal: scale must be positive"):
        models.Normal(scale=0.0)
    with pytest.raises(ValueError, match="Bernoulli: probs must lie strictly between 0 and 1"):
        models.Bernoulli(probs=1.0)
    with pytest.raises(ValueError, match="Categorical: probs must be positive and sum to 1"):
        models.Categorical(2, probs=[0.5, 0.6])
    with pytest.raises(ValueError, match="Poisson: rate must be positive"):
        models.Poisson(rate=-1.0)
    with pytest.raises(ValueError, match="MultivariateNormal: scale_tril must be lower triangular"):
        models.MultivariateNormal(2, scale_tril=[[1.0, 1.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="LogisticRegression: exposure= needs a log link"):
        models.LogisticRegression(1).forward(np.ones((2, 1)), exposure=[1.0, 2.0])


# ----- Module and Linear -------------------------------------------------------------------

class _Net(tg.nn.Module):
    def __init__(self):
        super().__init__()
        self.first = tg.nn.Linear(3, 4, generator=np.random.default_rng(0))
        self.scale = tg.nn.Parameter([2.0])
        self.plain = tg.tensor([1.0], requires_grad=True)    # not a Parameter: not registered
        self.second = tg.nn.Linear(4, 2, bias=False, generator=np.random.default_rng(1))

    def forward(self, x):
        return self.second(self.first(x).tanh()) * self.scale


def test_module_registers_named_parameters_in_order():
    net = _Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "first.weight", "first.bias", "second.weight"]
    assert net.num_parameters() == 1 + 12 + 4 + 8
    y = net(tg.tensor(X3)).sum()
    y.backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_state_dict_round_trip_copies_values():
    a, b = _Net(), _Net()
    b.first.weight.data[...] = 0.0
    sd = a.state_dict()
    sd_before = {k: v.copy() for k, v in sd.items()}
    b.load_state_dict(sd)
    for (n, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    a.scale.data[...] = 9.0                       # the state dict holds copies
    np.testing.assert_array_equal(sd["scale"], sd_before["scale"])
    with pytest.raises(RuntimeError, match="missing keys"):
        b.load_state_dict({"scale": np.ones(1)})
    with pytest.raises(ValueError, match="shape"):
        b.load_state_dict({**sd, "scale": np.ones(2)})


def test_linear_matches_pytorch_init_bounds_and_formula():
    lin = tg.nn.Linear(25, 40, generator=np.random.default_rng(0))
    bound = 1 / math.sqrt(25)
    assert lin.weight.shape == (40, 25) and lin.bias.shape == (40,)
    assert np.abs(lin.weight.data).max() <= bound and np.abs(lin.weight.data).max() > 0.9 * bound
    assert np.abs(lin.bias.data).max() <= bound
    x = RNG.normal(size=(5, 25))
    np.testing.assert_allclose(lin(tg.tensor(x)).data, x @ lin.weight.data.T + lin.bias.data,
                               rtol=1e-13)


# ----- fits with known answers (tg.estimate) -----------------------------------------------

def _quiet(fn, *args, **kwargs):
    """A fit whose estimation warnings are expected (a non-identified model)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tg.estimate.EstimationWarning)
        return fn(*args, **kwargs)


def test_fit_normal_mle_is_mean_and_biased_std():
    x = np.random.default_rng(31).normal(2.0, 3.0, size=300)
    fit = tg.estimate.mle(models.Normal(), x)
    assert fit.converged
    assert fit.params["loc"] == pytest.approx(x.mean(), rel=1e-10)
    assert fit.params["scale"] == pytest.approx(x.std(), rel=1e-10)
    assert fit.stderr["scale"] == pytest.approx(x.std() / math.sqrt(2 * len(x)), rel=1e-6)


def test_fit_bernoulli_categorical_poisson_are_the_frequencies():
    rng = np.random.default_rng(32)
    b = rng.integers(0, 2, 250)
    fit = tg.estimate.mle(models.Bernoulli(), b)
    k, n = b.sum(), b.size
    assert fit.params["probs"] == pytest.approx(k / n, rel=1e-10)
    assert fit.stderr["probs"] == pytest.approx(math.sqrt(k / n * (1 - k / n) / n), rel=1e-6)
    c = rng.integers(0, 4, 300)
    fit = tg.estimate.mle(models.Categorical(4), c)
    np.testing.assert_allclose(fit.params["probs"], np.bincount(c, minlength=4) / c.size, rtol=1e-9)
    counts = rng.poisson(3.5, 200)
    fit = tg.estimate.mle(models.Poisson(), counts)
    assert fit.params["rate"] == pytest.approx(counts.mean(), rel=1e-10)


def test_fit_beta_bernoulli_map_is_the_posterior_mode():
    flips = np.array([1, 1, 0, 1, 1, 1, 0, 1, 1, 1])
    k, n = flips.sum(), flips.size
    for a, b in [(2.0, 2.0), (3.0, 1.5)]:
        fit = tg.estimate.map(models.Bernoulli(), flips, prior={"probs": D.Beta(a, b)})
        assert fit.params["probs"] == pytest.approx((k + a - 1) / (n + a + b - 2), rel=1e-10)


def test_fit_multivariate_normal_is_mean_and_biased_covariance():
    rng = np.random.default_rng(33)
    X = rng.multivariate_normal([1.0, -1.0], [[2.0, 0.6], [0.6, 1.0]], 300)
    fit = tg.estimate.mle(models.MultivariateNormal(2), X)
    assert fit.converged
    np.testing.assert_allclose(fit.params["loc"], X.mean(0), rtol=1e-9)
    L = np.tril(fit.params["scale_tril"])
    np.testing.assert_allclose(L @ L.T, np.cov(X.T, bias=True), rtol=1e-8)


def test_fit_poisson_regression_with_intercept_matches_totals():
    """The intercept's score equation: Σ yᵢ = Σ μ̂ᵢ (also with an offset and an exposure)."""
    rng = np.random.default_rng(34)
    X = rng.normal(size=(200, 2))
    expo = rng.uniform(0.5, 3.0, 200)
    y = rng.poisson(np.exp(0.3 + X @ [0.5, -0.4]) * expo)
    for m in (models.PoissonRegression(2), models.PoissonRegression(2, exposure=expo)):
        fit = tg.estimate.mle(m, (X, y))
        assert fit.converged
        mu = fit.model.predict(X).data
        assert mu.sum() == pytest.approx(y.sum(), rel=1e-9)
        np.testing.assert_allclose(X.T @ (y - mu), 0.0, atol=1e-6 * y.sum())


def test_fit_multinomial_logit_probabilities_equal_softmax_regression():
    rng = np.random.default_rng(35)
    X = rng.normal(size=(150, 2))
    y = rng.integers(0, 3, 150)
    mn = tg.estimate.mle(models.MultinomialLogit(2, 3), (X, y))
    assert mn.converged
    soft = _quiet(tg.estimate.mle, models.SoftmaxRegression(2, 3), (X, y))
    np.testing.assert_allclose(mn.model.predict_proba(X).data, soft.model.predict_proba(X).data,
                               atol=1e-6)
    Y = np.eye(3)[y]
    P = mn.model.predict_proba(X).data
    np.testing.assert_allclose((P - Y).sum(0), 0.0, atol=1e-8)          # bias scores
    assert mn.llf == pytest.approx(soft.llf, abs=1e-8)


def test_fit_linear_regression_is_least_squares():
    rng = np.random.default_rng(36)
    X = rng.normal(size=(100, 3))
    y = X @ [1.5, -2.0, 0.5] + 0.7 + rng.normal(scale=0.4, size=100)
    fit = tg.estimate.mle(models.LinearRegression(3), (X, y))
    coef, rss, *_ = np.linalg.lstsq(np.c_[X, np.ones(100)], y, rcond=None)
    np.testing.assert_allclose(fit.params["weight"], coef[:3], rtol=1e-9)
    assert fit.params["bias"] == pytest.approx(coef[3], rel=1e-9)
    assert fit.params["scale"] == pytest.approx(math.sqrt(rss[0] / 100), rel=1e-9)
