"""Training loops keep memory flat: each step's graph and saved arrays are freed.

A two-layer MLP written with raw tensors (no tg.nn) is trained for 1,000 SGD
steps; tracemalloc (exact NumPy and Python allocations) must show the same peak
in the last 100 steps as in the first 100 after warm-up, and no growth in what
stays allocated between steps.
"""
import gc
import tracemalloc

import numpy as np
import pytest

import tinygrad_ku as tg


def make_problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(64, 8))
    y = np.sin(X @ rng.normal(size=(8, 1)))
    params = [tg.tensor(rng.normal(size=(8, 32)) / np.sqrt(8), requires_grad=True),
              tg.tensor(np.zeros(32), requires_grad=True),
              tg.tensor(rng.normal(size=(32, 1)) / np.sqrt(32), requires_grad=True),
              tg.tensor(np.zeros(1), requires_grad=True)]
    return tg.tensor(X), tg.tensor(y), params


def step(X, y, params, lr=0.05, retain_graph=False):
    """One SGD step on the mean squared error of tanh(X W1 + b1) W2 + b2."""
    W1, b1, W2, b2 = params
    pred = (X @ W1 + b1).tanh() @ W2 + b2
    loss = ((pred - y) ** 2).mean()
    loss.backward(retain_graph=retain_graph)
    with tg.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss.item()


@pytest.mark.parametrize("retain_graph", [False, True])
def test_thousand_training_steps_keep_memory_flat(retain_graph):
    X, y, params = make_problem()
    first = [step(X, y, params, retain_graph=retain_graph) for _ in range(20)][0]   # warm-up
    gc.collect()
    tracemalloc.start()
    windows, resident = [], []
    for window in range(10):
        tracemalloc.reset_peak()
        for _ in range(100):
            last = step(X, y, params, retain_graph=retain_graph)
        current, peak = tracemalloc.get_traced_memory()
        windows.append(peak)
        resident.append(current)
    tracemalloc.stop()
    assert last < 0.5 * first, "the MLP did not train: the loop is not a real workload"
    assert max(windows) - min(windows) < 32 * 1024, f"peak per 100 steps drifted: {windows}"
    assert resident[-1] - resident[0] < 16 * 1024, f"memory kept between steps grew: {resident}"


def test_a_step_frees_its_graph_before_the_next_begins():
    """After backward and the update, nothing of the step's graph is still allocated."""
    X, y, params = make_problem(1)
    for _ in range(3):
        step(X, y, params)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    step(X, y, params)
    after = tracemalloc.get_traced_memory()[0] - base
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    hidden = 64 * 32 * 8                  # one (64, 32) float64 activation
    assert after < 8 * 1024, f"{after} bytes survived one step"
    assert peak - base > 2 * hidden, "the step did not allocate its activations (test is vacuous)"
