"""Issue 16 (items 6-8): seeding through tg.manual_seed, public names only in dir(), and a
`make demo` that installs no dev extras."""
import importlib
import pathlib
import re

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku import probability as P

ROOT = pathlib.Path(__file__).resolve().parents[1]
normal = lambda rng, size: rng.standard_normal(size)        # noqa: E731


# ----- seeding ----------------------------------------------------------------------------
def _mc():
    return P.monte_carlo(lambda x: x ** 2, normal, 1000)


def _ex():
    return P.expectation(tg.distributions.Normal(0.0, 1.0), lambda x: x ** 2, n=1000)


@pytest.mark.parametrize("run", [_mc, _ex], ids=["monte_carlo", "expectation"])
def test_manual_seed_makes_monte_carlo_reproducible(run):
    a, b, c = _seeded_runs(run, 123, 123, 124)
    assert a.estimate == b.estimate and a.stderr == b.stderr
    assert a.estimate != c.estimate


def test_monte_carlo_without_seed_draws_from_the_default_generator():
    # the same draws as standard_normal from a Generator seeded alike
    tg.manual_seed(7)
    est = P.monte_carlo(None, normal, 50).estimate
    expect = tg.Generator().manual_seed(7).standard_normal(50).mean()
    assert est == pytest.approx(expect, rel=0, abs=1e-15)


def test_explicit_seed_or_generator_wins_over_manual_seed():
    tg.manual_seed(1)
    a = P.monte_carlo(None, normal, 100, seed=5).estimate
    tg.manual_seed(2)
    b = P.monte_carlo(None, normal, 100, seed=5).estimate
    c = P.monte_carlo(None, normal, 100, generator=tg.Generator().manual_seed(5)).estimate
    assert a == b
    assert a == np.random.default_rng(5).standard_normal(100).mean()
    assert c == tg.Generator().manual_seed(5).standard_normal(100).mean()
    tg.manual_seed(1)
    d = P.expectation(tg.distributions.Normal(0.0, 1.0), n=100, seed=9).estimate
    tg.manual_seed(2)
    assert P.expectation(tg.distributions.Normal(0.0, 1.0), n=100, seed=9).estimate == d


def test_monte_carlo_refuses_seed_and_generator_together():
    with pytest.raises(ValueError, match="seed= or generator="):
        P.monte_carlo(None, normal, 10, seed=1, generator=tg.Generator())
    with pytest.raises(TypeError, match="generator must be"):
        P.monte_carlo(None, normal, 10, generator=3)


# ----- public names -----------------------------------------------------------------------
PUBLIC = ["tinygrad_ku", "tinygrad_ku.nn", "tinygrad_ku.nn.functional", "tinygrad_ku.optim",
          "tinygrad_ku.autograd", "tinygrad_ku.probability", "tinygrad_ku.linalg",
          "tinygrad_ku.distributions", "tinygrad_ku.decision", "tinygrad_ku.viz"]


@pytest.mark.parametrize("name", PUBLIC)
def test_dir_lists_exactly_the_public_names(name):
    mod = importlib.import_module(name)
    names = dir(mod)
    assert names == sorted(mod.__all__)
    assert all(hasattr(mod, n) for n in names)
    assert not any(n.startswith("_") for n in names)
    assert "np" not in names and "math" not in names


def test_star_import_gives_the_public_api_only():
    ns = {}
    exec("from tinygrad_ku import *", ns)
    got = set(ns) - {"__builtins__"}
    assert got == set(tg.__all__)
    assert {"tensor", "Tensor", "manual_seed", "nn", "optim", "float32", "no_grad"} <= got
    assert not got & {"np", "math", "engine", "ops", "dims", "grad_mode", "broadcast"}


def test_nn_all_names_layers_losses_and_submodules():
    assert {"Linear", "Module", "MSELoss", "CrossEntropyLoss", "ReLU", "functional", "init",
            "utils"} <= set(tg.nn.__all__)
    assert not {"layers", "losses", "module", "activations"} & set(dir(tg.nn))
    assert "lr_scheduler" in dir(tg.optim) and "functional" in dir(tg.autograd)


# ----- the Makefile's fast first run ------------------------------------------------------
def _recipe(text, target):
    m = re.search(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)*)", text, re.M)
    assert m, f"no rule for {target}"
    return m.group(0)


def test_make_demo_installs_no_dev_extras():
    text = (ROOT / "Makefile").read_text()
    variables = dict(re.findall(r"^(\w+)\s*:?=\s*(\S+)", text, re.M))
    demo = _recipe(text, "demo")
    prereq = demo.split(":", 1)[1].split("\n", 1)[0].strip()
    assert "[dev]" not in demo and "dev" not in prereq.lower()
    stamp = variables[prereq.strip("$()")]
    install = _recipe(text, "$(" + prereq.strip("$()") + ")")
    assert "pip install" in install and "[" not in install, install
    test_dep = _recipe(text, "test").split(":", 1)[1].split()[0].strip("$()")
    while re.fullmatch(r"\$\(\w+\)", variables[test_dep]):     # STAMP := $(DEV_STAMP)
        test_dep = variables[test_dep].strip("$()")
    dev_rule = _recipe(text, "$(" + test_dep + ")")
    assert "'.[dev]'" in dev_rule and variables[test_dep] != stamp


def test_numerical_jacobian_returns_what_jacobian_returns():
    """Both give float64 Tensors of shape out.shape + in.shape, nested alike."""
    import numpy as np
    import tinygrad_ku as tg
    x, y = tg.tensor([1.0, 2.0]), tg.tensor([3.0])
    f = lambda a, b: (a * b, a.sum())          # noqa: E731
    num = tg.autograd.numerical_jacobian(f, (x, y))
    ana = tg.autograd.functional.jacobian(f, (x, y))
    assert type(num) is type(ana) and len(num) == len(ana) == 2
    for rn, ra in zip(num, ana):
        assert len(rn) == len(ra) == 2
        for n, a in zip(rn, ra):
            assert isinstance(n, tg.Tensor) and isinstance(a, tg.Tensor)
            assert n.shape == a.shape
            np.testing.assert_allclose(n.numpy(), a.numpy(), atol=1e-8)
    single = tg.autograd.numerical_jacobian(lambda a: a * 2.0, x)
    assert isinstance(single, tg.Tensor) and single.shape == (2, 2)


def test_manual_seed_makes_minibatch_fits_reproducible():
    """estimate's minibatches draw from the default generator when seed=None."""
    import numpy as np
    import tinygrad_ku as tg
    X = np.random.default_rng(0).standard_normal((200, 3))
    y = (X[:, 0] > 0).astype(float)              # separable: mle says so, and the test expects it

    def fit():
        model = tg.models.LogisticRegression(n_features=3)
        with pytest.warns(tg.estimate.PerfectSeparationWarning):
            return np.asarray(tg.estimate.mle(model, (X, y), optimizer="adam", batch_size=32,
                                              max_iter=30).params["weight"])
    a, b, c = _seeded_runs(fit, 1, 1, 2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def _seeded_runs(run, *seeds):
    """run() after tg.manual_seed(s), for each seed."""
    out = []
    for s in seeds:
        tg.manual_seed(s)
        out.append(run())
    return out
