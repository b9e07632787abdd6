"""Deep and wide graphs: no recursion anywhere, correct accumulation, memory released.

References are closed forms (products of the chain's constant factors, Σ of the
fan-out weights) or an independent forward-mode derivative computed in NumPy.
Memory is measured with tracemalloc (exact Python/NumPy allocations) where the
graph is small enough, and with the process's resident set size for the
million-op chain (tracemalloc would triple its run time).
"""
import gc
import math
import tracemalloc
import weakref

import numpy as np
import pytest

import tinygrad_ku as tg

MB = 1 << 20


def rss():
    """Resident set size of this process in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_million_op_scalar_chain_backward_without_recursion_and_frees_memory():
    n, c, d = 1_000_000, 1.000001, 0.5
    gc.collect()
    before = rss()
    x = tg.tensor(0.25, requires_grad=True)
    y = x
    for i in range(n // 2):
        y = y * c
        y = y + d
        if i == n // 4:
            middle = weakref.ref(y)
            middle_node = weakref.ref(y.grad_fn)
    peak = rss() - before
    y.backward()
    assert middle() is None, "an intermediate tensor outlived the backward pass"
    assert middle_node().out is None, "a node kept its saved output after backward"
    # y = c^(n/2) x + ..., so dy/dx = c^(n/2)
    assert x.grad.item() == pytest.approx(c ** (n // 2), rel=1e-9)
    del y
    gc.collect()
    assert middle_node() is None, "the graph outlived its root"
    assert peak < 2_000 * n, f"{peak / MB:.0f} MB for a {n}-op graph"
    assert rss() - before < 0.25 * peak + 64 * MB, \
        f"{(rss() - before) / MB:.0f} MB still resident of a {peak / MB:.0f} MB graph"


def test_hundred_thousand_op_tensor_chain_matches_forward_mode_reference():
    n = 100_000
    rng = np.random.default_rng(0)
    x0 = rng.uniform(-1, 1, 16)
    w = rng.uniform(0.9, 1.1, 16)
    steps = [lambda t: t.sin(), lambda t: t * w, lambda t: t + 0.1, lambda t: t.tanh()]
    derivs = [np.cos, lambda v: w, lambda v: 1.0, lambda v: 1 - np.tanh(v) ** 2]
    values = [np.sin, lambda v: v * w, lambda v: v + 0.1, np.tanh]

    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    x = tg.tensor(x0, requires_grad=True)
    y = x
    for i in range(n):
        y = steps[i % 4](y)
    loss = y.sum()
    built = tracemalloc.get_traced_memory()[0] - base
    loss.backward()
    grad = x.grad.numpy().copy()
    del y, loss
    gc.collect()
    left = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()

    v, dv = x0.copy(), np.ones(16)     # forward mode: dv = d y_i / d x0 (elementwise chain)
    for i in range(n):
        dv = dv * derivs[i % 4](v)
        v = values[i % 4](v)
    np.testing.assert_allclose(grad, dv, rtol=1e-9, atol=1e-300)
    assert built < 3_000 * n, f"{built / MB:.0f} MB for a {n}-op graph"
    assert left < 64 * 1024, f"{left} bytes still allocated after backward and del"


def test_create_graph_through_a_deep_chain():
    """Second derivative of a 20,000-op chain: the recorded backward is itself deep."""
    x = tg.tensor(0.3, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = (y * 1.0001).sin()
    (g,) = tg.autograd.grad(y, x, create_graph=True)
    (h,) = tg.autograd.grad(g, x)
    v, d1, d2 = 0.3, 1.0, 0.0             # forward mode with second derivatives
    for _ in range(10_000):
        u = v * 1.0001
        d1u, d2u = d1 * 1.0001, d2 * 1.0001
        v, d1, d2 = math.sin(u), math.cos(u) * d1u, -math.sin(u) * d1u ** 2 + math.cos(u) * d2u
    assert g.item() == pytest.approx(d1, rel=1e-9)
    assert h.item() == pytest.approx(d2, rel=1e-8)


def test_leaf_used_ten_thousand_times_accumulates():
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    total = tg.tensor(0.0)
    for i in range(10_000):
        total = total + (x * float(i)).sum()
    total.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full(3, sum(range(10_000)), float))


def test_intermediate_node_used_ten_thousand_times_accumulates():
    """One node with 10,000 consumers of different shapes (broadcast, index views, reductions)."""
    x0 = np.array([0.5, -1.0, 2.0])
    x = tg.tensor(x0, requires_grad=True)
    h = x.tanh()
    parts = []
    for i in range(10_000):
        kind = i % 4
        if kind == 0:
            parts.append((h * float(i)).sum())
        elif kind == 1:
            parts.append((h.reshape(3, 1) + tg.zeros(3, 2)).sum())   # broadcast: 2 copies
        elif kind == 2:
            parts.append(h[i % 3])
        else:
            parts.append(h.sum())
    loss = tg.stack(parts).sum()
    loss.backward()
    weights = np.zeros(3)
    for i in range(10_000):
        kind = i % 4
        weights += [float(i), 2.0, 0.0, 1.0][kind]
        if kind == 2:
            weights[i % 3] += 1.0
    np.testing.assert_allclose(x.grad.numpy(), weights * (1 - np.tanh(x0) ** 2), rtol=1e-12)


def test_accumulation_never_writes_into_a_shared_array():
    """x + x and x * x + x: every path adds into its own buffer (tinygrad's first bug)."""
    x = tg.tensor([2.0, 3.0], requires_grad=True)
    (x * x + x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 7.0])
    g_seed = np.ones(2)
    y = tg.tensor([1.0, 1.0], requires_grad=True)
    z = y + y
    z.backward(gradient=g_seed)
    np.testing.assert_array_equal(g_seed, [1.0, 1.0])
    np.testing.assert_array_equal(y.grad.numpy(), [2.0, 2.0])


def test_retain_graph_allows_a_second_backward_and_accumulates():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    y.backward()
    expected = 3 * (np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-14)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_keeps_saved_tensors_and_nothing_else():
    """Exactly measured: retain_graph keeps the forward's arrays; neither mode keeps gradients."""
    n = 250_000                          # 2 MB per float64 array
    size = 8 * n
    x = tg.tensor(np.linspace(-1, 1, n), requires_grad=True)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    y = x
    for _ in range(6):
        y = (y * 0.9).tanh()
    loss = y.sum()
    graph = tracemalloc.get_traced_memory()[0] - base
    loss.backward(retain_graph=True)
    after_retained = tracemalloc.get_traced_memory()[0] - base
    loss.backward()
    after_freed = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert graph >= 12 * size                      # 12 intermediate arrays were made
    # retained: the graph plus x.grad, no intermediate gradient
    assert after_retained - graph == pytest.approx(size, abs=64 * 1024)
    # freed: only y's data (still referenced by `y`) and x.grad survive
    assert after_freed == pytest.approx(2 * size, abs=64 * 1024)
    assert y.grad_fn.out is None


def test_freed_graph_keeps_no_temporary_input_that_needed_no_grad():
    """A freed node still says what its inputs that needed no grad were (for tg.viz), but holds
    a large one only by weak reference: a temporary mask (Tensor or ndarray) is released with the
    graph's arrays, while the user's data tensor is the same object as before."""
    n = 250_000                          # 2 MB per float64 array
    size = 8 * n
    x = tg.tensor(np.linspace(-1, 1, n), requires_grad=True)
    data = tg.tensor(np.ones(n), name="data")
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    mask = tg.tensor(np.full(n, 0.5))                    # temporaries, dropped by the user
    scale = np.full(n, 2.0)
    loss = ((x * mask) * scale * data).sum()
    mask_ref, scale_ref = weakref.ref(mask), weakref.ref(scale)
    del mask, scale
    loss.backward()
    after_freed = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    # freed: only x.grad survives (the graph keeps no array of the masks or products)
    assert after_freed == pytest.approx(size, abs=64 * 1024)
    assert mask_ref() is None and scale_ref() is None
    node = loss.grad_fn.parents[0]       # Sum <- Mul(., data)
    assert node.parents[1] is None and node.kept() is data and node.kept.name == "data"
    assert node.parents[0].kept.shape == (n,) and node.parents[0].kept() is None     # scale
