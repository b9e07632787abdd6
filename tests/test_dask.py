"""Fits and monte_carlo on a Dask cluster agree with the in-memory ones (issue #17).

One LocalCluster of 2 worker processes serves the module; each test makes its client current
only inside `with client.as_current():`, so nothing process-wide changes.
"""
import math
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku import estimate, models

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
from tinygrad_ku.estimate import distributed as tgdist   # noqa: E402

TOL = 1e-8


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", memory_limit="1GiB")
    c = distributed.Client(cluster, set_as_default=False)
    yield c
    c.close()
    cluster.close()


def _logistic(n=2000, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ np.linspace(-1, 1, d) + 0.3)))).astype(float)
    return X, y


def _poisson(n=2000, d=3, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * 0.5
    return X, rng.poisson(np.exp(X @ np.linspace(-0.5, 0.5, d) + 0.2)).astype(float)


def _chunked(*arrays, rows=450):
    """Dask arrays with uneven row chunks (the last one shorter)."""
    return tuple(da.from_array(a, chunks=(rows,) + a.shape[1:]) for a in arrays)


def _normal_regression(params, X, y):
    """A custom model: y ~ N(X β, σ²) as a log_prob function."""
    r = (y - X @ params["beta"]) / params["sigma"]
    return (-0.5 * r * r - params["sigma"].log() - 0.5 * math.log(2 * math.pi)).sum()


def _agree(a, b, robust=False):
    assert a.converged and b.converged
    assert b.llf == pytest.approx(a.llf, abs=TOL)
    for k in a.params:
        np.testing.assert_allclose(b.params[k], a.params[k], rtol=0, atol=TOL)
        np.testing.assert_allclose(b.stderr[k], a.stderr[k], rtol=0, atol=TOL)
    if robust:
        np.testing.assert_allclose(b.cov("robust"), a.cov("robust"), rtol=0, atol=TOL)


CASES = {
    "logistic": (lambda: models.LogisticRegression(n_features=3), _logistic, {}),
    "poisson": (lambda: models.PoissonRegression(n_features=3), _poisson, {}),
    "custom": (lambda: _normal_regression, lambda: _linear(), dict(
        params={"beta": np.zeros(3), "sigma": 1.0}, constraints={"sigma": "positive"})),
}


def _linear(n=1500, seed=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X @ np.array([0.5, -1.0, 2.0]) + rng.normal(scale=0.7, size=n)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("with_prior", [False, True])
def test_cluster_fit_equals_in_memory_fit(client, case, with_prior):
    make, data, kw = CASES[case]
    X, y = data()
    prior = {"beta" if case == "custom" else "weight": tg.distributions.Normal(0.0, 0.5)}
    fit = (lambda m, d: estimate.map(m, d, prior, **kw)) if with_prior else \
        (lambda m, d: estimate.mle(m, d, **kw))
    ref = fit(make(), (X, y))
    with client.as_current():
        got = fit(make(), _chunked(X, y))
    assert got.problem.client is client and got.problem.persisted
    assert len(got.problem.row_chunks) == math.ceil(len(X) / 450) and got.is_map == with_prior
    _agree(ref, got, robust=case != "custom" and not with_prior)
    if case == "logistic" and not with_prior:        # the null model runs chunkwise on the workers
        assert got.llnull == pytest.approx(ref.llnull, abs=TOL)    # on the data's own cluster
        assert isinstance(got.null_fit.problem.data[0], da.Array)
        assert got.null_fit.problem.client is client


def test_local_scheduler_without_client_and_laplace_prior():
    X, y = _logistic(n=600)
    prior = {"weight": tg.distributions.Laplace(0.0, 0.05)}      # proximal gradient, exact zeros
    ref = estimate.map(models.LogisticRegression(n_features=3), (X, y), prior)
    got = estimate.map(models.LogisticRegression(n_features=3), _chunked(X, y, rows=200), prior)
    assert got.problem.client is None and got.optimizer == "proximal"
    np.testing.assert_allclose(got.params["weight"], ref.params["weight"], atol=1e-7)
    assert np.array_equal(got.params["weight"] == 0, ref.params["weight"] == 0)


@pytest.mark.filterwarnings("ignore::tinygrad_ku.estimate.ConvergenceWarning")   # 150 Adam steps
def test_minibatch_adam_matches_in_memory_and_is_reproducible(client):
    X, y = _logistic(n=900)
    kw = dict(optimizer="adam", batch_size=64, seed=3, max_iter=150, lr=0.05)
    ref = estimate.mle(models.LogisticRegression(n_features=3), (X, y), **kw)
    with client.as_current():
        a = estimate.mle(models.LogisticRegression(n_features=3), _chunked(X, y, rows=200), **kw)
        b = estimate.mle(models.LogisticRegression(n_features=3), _chunked(X, y, rows=300), **kw)
    for k in ref.params:
        np.testing.assert_allclose(a.params[k], ref.params[k], atol=TOL)
        np.testing.assert_allclose(b.params[k], a.params[k], atol=TOL)


def test_monte_carlo_same_result_on_one_and_two_workers(client):
    f = lambda x: np.exp(-x * x)                                  # noqa: E731
    normal = lambda rng, size: rng.standard_normal(size)          # noqa: E731
    two = tg.probability.monte_carlo(f, normal, 50_001, seed=7, chunk_size=4096, client=client)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as one_cluster, \
            distributed.Client(one_cluster, set_as_default=False) as one:
        solo = tg.probability.monte_carlo(f, normal, 50_001, seed=7, chunk_size=4096, client=one)
    assert (two.estimate, two.stderr, two.ci) == (solo.estimate, solo.stderr, solo.ci)
    assert abs(two.estimate - 1 / math.sqrt(3)) < 4 * two.stderr   # E exp(−X²) = 1/√3
    with pytest.raises(ValueError, match="Generator"):
        tg.probability.monte_carlo(f, normal, 100, seed=np.random.default_rng(0), client=client)


def test_errors_name_the_argument_or_chunk(client):
    X, y = _logistic(n=600)
    m = models.LogisticRegression(n_features=3)
    Xd, yd = _chunked(X, y, rows=200)
    with pytest.raises(TypeError, match="data argument 1 is a ndarray"):
        estimate.mle(m, (Xd, y))
    with pytest.raises(ValueError, match="different row chunks"):
        estimate.mle(m, (Xd, da.from_array(y, chunks=150)))
    with pytest.raises(ValueError, match="different rows"):
        estimate.mle(m, (Xd, da.from_array(y[:500], chunks=200)))
    with pytest.raises(TypeError, match="data argument 1 must be numeric"):
        estimate.mle(m, (Xd, da.from_array(y.astype(str), chunks=200)))
    bad = X.copy()
    bad[437, 1] = np.nan
    with client.as_current(), pytest.raises(ValueError, match=r"argument 0 .*nan in chunk 2 "
                                                              r"\(global row 437"):
        estimate.mle(m, _chunked(bad, y, rows=200))


def test_import_never_imports_dask():
    code = "import sys, tinygrad_ku; print(sorted(m for m in sys.modules if 'dask' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_worker_killed_mid_fit_gives_the_same_answer(client, monkeypatch):
    X, y = _logistic(n=3000, d=4, seed=5)
    ref = estimate.mle(models.LogisticRegression(n_features=4), (X, y))
    calls, killed, original = [], [], tgdist.DaskProblem.fgh

    def fgh(self, u, hess=True):                     # kill a worker before the third evaluation
        calls.append(1)
        if len(calls) == 3:
            killed.append(next(iter(client.run(os.getpid).values())))
            os.kill(killed[0], signal.SIGKILL)
        return original(self, u, hess)

    monkeypatch.setattr(tgdist.DaskProblem, "fgh", fgh)
    with client.as_current():
        got = estimate.mle(models.LogisticRegression(n_features=4), _chunked(X, y, rows=400))
    assert len(calls) > 3
    _agree(ref, got)
    client.wait_for_workers(2, timeout=30)
    assert killed and killed[0] not in client.run(os.getpid).values()   # the nanny restarted it
