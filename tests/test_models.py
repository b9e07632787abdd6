"""tg.nn.Module / Linear and tg.models: log densities against closed forms, gradcheck of every NLL."""
import math

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku import models
from tinygrad_ku.nn import functional_call

RNG = np.random.default_rng(7)
X3 = RNG.normal(size=(12, 3))


def _randomise(model, rng):
    """Give every parameter a random (unconstrained, hence valid) value."""
    for _, p in model.named_parameters():
        p.data[...] = rng.normal(scale=0.5, size=p.shape)
    return model


CASES = [
    ("Normal", lambda: models.Normal(), (RNG.normal(size=10),)),
    ("Bernoulli", lambda: models.Bernoulli(), (RNG.integers(0, 2, 10),)),
    ("Categorical", lambda: models.Categorical(4), (RNG.integers(0, 4, 15),)),
    ("Poisson", lambda: models.Poisson(), (RNG.poisson(3.0, 10),)),
    ("MultivariateNormal", lambda: models.MultivariateNormal(3), (X3,)),
    ("LinearRegression", lambda: models.LinearRegression(3), (X3, RNG.normal(size=12))),
    ("LogisticRegression", lambda: models.LogisticRegression(3), (X3, RNG.integers(0, 2, 12))),
    ("SoftmaxRegression", lambda: models.SoftmaxRegression(3, 4), (X3, RNG.integers(0, 4, 12))),
    ("MLP-categorical", lambda: models.MLP(3, (4,), 3, generator=np.random.default_rng(0)),
     (X3, RNG.integers(0, 3, 12))),
    ("MLP-bernoulli", lambda: models.MLP(3, (4,), 1, activation="softplus",
                                         likelihood="bernoulli", generator=np.random.default_rng(0)),
     (X3, RNG.integers(0, 2, 12))),
    ("MLP-normal", lambda: models.MLP(3, (4, 2), 1, likelihood="normal",
                                      generator=np.random.default_rng(0)),
     (X3, RNG.normal(size=12))),
]


@pytest.mark.parametrize("name,make,data", CASES, ids=[c[0] for c in CASES])
def test_every_model_nll_passes_gradcheck(name, make, data):
    model = _randomise(make(), np.random.default_rng(1))
    names = [n for n, _ in model.named_parameters()]
    values = tuple(tg.tensor(p.data, requires_grad=True) for _, p in model.named_parameters())

    def nll(*ps):
        return -functional_call(model, dict(zip(names, ps)), data, method="log_prob")
    assert tg.autograd.gradcheck(nll, values)


def test_normal_log_prob_closed_form():
    x = RNG.normal(size=20)
    m = models.Normal(loc=0.3, scale=1.7)
    ref = np.sum(-0.5 * ((x - 0.3) / 1.7) ** 2 - math.log(1.7) - 0.5 * math.log(2 * math.pi))
    assert float(m.log_prob(x)) == pytest.approx(ref, rel=1e-13)
    assert m.scale == pytest.approx(1.7)


def test_bernoulli_categorical_poisson_log_prob_closed_forms():
    x = np.array([1, 0, 1, 1])
    b = models.Bernoulli(logits=math.log(0.7 / 0.3))
    assert float(b.log_prob(x)) == pytest.approx(3 * math.log(0.7) + math.log(0.3), rel=1e-12)
    c = models.Categorical(3, logits=np.log([0.2, 0.5, 0.3]))
    assert float(c.log_prob([1, 1, 2, 0])) == pytest.approx(
        2 * math.log(0.5) + math.log(0.3) + math.log(0.2), rel=1e-12)
    p = models.Poisson(rate=2.5)
    k = np.array([0, 3, 7])
    ref = sum(kk * math.log(2.5) - 2.5 - math.lgamma(kk + 1) for kk in k)
    assert float(p.log_prob(k)) == pytest.approx(ref, rel=1e-12)


def test_multivariate_normal_log_prob_and_covariance():
    m = _randomise(models.MultivariateNormal(3), np.random.default_rng(3))
    L = np.tril(np.zeros((3, 3)))
    L[np.tril_indices(3, -1)] = m.tril.data
    L[np.diag_indices(3)] = np.exp(m.log_diag.data)
    cov = np.linalg.inv(L @ L.T)
    d = X3 - m.loc.data
    ref = np.sum(-0.5 * np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
                 - 0.5 * np.linalg.slogdet(2 * np.pi * cov)[1])
    assert float(m.log_prob(X3)) == pytest.approx(ref, rel=1e-12)
    np.testing.assert_allclose(m.covariance_matrix, cov, rtol=1e-12)
    np.testing.assert_allclose(m.scale_tril @ m.scale_tril.T, cov, rtol=1e-10)


def test_unconstrained_parameters_always_give_valid_models():
    m = models.MultivariateNormal(4)
    _randomise(m, np.random.default_rng(5))
    m.log_diag.data[...] = [-30.0, 5.0, 0.0, -3.0]
    assert np.all(np.linalg.eigvalsh(m.precision_matrix) > 0)
    n = models.Normal()
    n.log_scale.data[...] = -50.0
    assert n.scale > 0


def test_conditional_models_predict_proba_feeds_decision():
    clf = _randomise(models.LogisticRegression(3), np.random.default_rng(2))
    P = clf.predict_proba(X3)
    eta = X3 @ clf.weight.data + clf.bias.data
    np.testing.assert_allclose(P.data[:, 1], 1 / (1 + np.exp(-eta)), rtol=1e-12)
    assert not P.requires_grad
    loss = [[0, 1], [100, 0]]
    from tinygrad_ku import decision
    d = decision.bayes_decision(P, loss)
    np.testing.assert_array_equal(d, (P.data[:, 1] > 1 / 101).astype(int))
    soft = _randomise(models.SoftmaxRegression(3, 4), np.random.default_rng(2))
    Q = soft.predict_proba(X3).data
    np.testing.assert_allclose(Q.sum(1), 1.0)
    assert Q.shape == (12, 4)
    np.testing.assert_array_equal(soft.predict(X3), Q.argmax(1))
    mlp = models.MLP(3, (5,), 1, likelihood="bernoulli", generator=np.random.default_rng(0))
    assert mlp.predict_proba(X3).shape == (12, 2)


def test_model_input_errors():
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\)"):
        models.LogisticRegression(3).log_prob(np.ones((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="targets must be 0 or 1"):
        models.LogisticRegression(2).log_prob(np.ones((2, 2)), [0, 2])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        models.Categorical(3).log_prob([0, 3])
    with pytest.raises(ValueError, match="non-negative integers"):
        models.Poisson().log_prob([1.5])
    with pytest.raises(ValueError, match="activation"):
        models.MLP(2, activation="swish")


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
