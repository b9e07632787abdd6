"""Ops at the edge of their domain give PyTorch's values and gradients (docs/edge_values.md).

Every expected value below was produced by torch 2.13.0 (CPU, float64): for each
row, `out = fn(*inputs)` with inputs that require grad, then
`torch.autograd.grad(out.sum(), inputs)`. They are written here as literals so
the suite needs no torch; the table in docs/edge_values.md lists the same rows.
"""
import math

import numpy as np
import pytest

import tinygrad_ku as tg
import tinygrad_ku.nn.functional as F

inf, nan = math.inf, math.nan
vnorm = tg.linalg.vector_norm

# name, function, inputs, PyTorch's value, PyTorch's gradient of out.sum() per input
CASES = [
    ("log(0)", lambda x: x.log(), [0.0], -inf, [inf]),
    ("log(-1)", lambda x: x.log(), [-1.0], nan, [-1.0]),
    ("log(inf)", lambda x: x.log(), [inf], inf, [0.0]),
    ("log1p(-1)", lambda x: x.log1p(), [-1.0], -inf, [inf]),
    ("sqrt(0)", lambda x: x.sqrt(), [0.0], 0.0, [inf]),
    ("sqrt(-1)", lambda x: x.sqrt(), [-1.0], nan, [nan]),
    ("sqrt(x*x) at 0", lambda x: (x * x).sqrt(), [0.0], 0.0, [nan]),
    ("0 ** 0 (tensor exponent)", lambda x, y: x ** y, [0.0, 0.0], 1.0, [0.0, 0.0]),
    ("0 ** 0 (int exponent)", lambda x: x ** 0, [0.0], 1.0, [0.0]),
    ("0 ** 0.0", lambda x: x ** 0.0, [0.0], 1.0, [0.0]),
    ("0 ** 1", lambda x: x ** 1, [0.0], 0.0, [1.0]),
    ("0 ** 2", lambda x: x ** 2, [0.0], 0.0, [0.0]),
    ("0 ** 0.5", lambda x: x ** 0.5, [0.0], 0.0, [inf]),
    ("0 ** -1", lambda x: x ** -1, [0.0], inf, [-inf]),
    ("0 ** y, y=2", lambda x, y: x ** y, [0.0, 2.0], 0.0, [0.0, 0.0]),
    ("0 ** y, y=0.5", lambda x, y: x ** y, [0.0, 0.5], 0.0, [inf, 0.0]),
    ("0.0 ** x, x=0", lambda x: 0.0 ** x, [0.0], 1.0, [0.0]),
    ("0.0 ** x, x=2", lambda x: 0.0 ** x, [2.0], 0.0, [0.0]),
    ("(-8) ** (1/3)", lambda x: x ** (1 / 3), [-8.0], nan, [nan]),
    ("1 / 0", lambda x: 1.0 / x, [0.0], inf, [-inf]),
    ("x / y, 1 / 0", lambda x, y: x / y, [1.0, 0.0], inf, [inf, -inf]),
    ("x / y, 0 / 0", lambda x, y: x / y, [0.0, 0.0], nan, [inf, nan]),
    ("inf * 0", lambda x: x * 0.0, [inf], nan, [0.0]),
    ("norm (ord 2) of zero vector", lambda x: vnorm(x), [[0.0, 0.0, 0.0]], 0.0, [[0.0] * 3]),
    ("norm (ord 1) of zero vector", lambda x: vnorm(x, 1), [[0.0, 0.0, 0.0]], 0.0, [[0.0] * 3]),
    ("norm (ord 3) of zero vector", lambda x: vnorm(x, 3), [[0.0, 0.0, 0.0]], 0.0, [[0.0] * 3]),
    ("norm (ord 0.5) of zero vector", lambda x: vnorm(x, 0.5), [[0.0, 0.0]], 0.0, [[0.0] * 2]),
    ("norm (ord 0.5) with a zero entry", lambda x: vnorm(x, 0.5), [[0.0, 1.0]], 1.0, [[0.0, 1.0]]),
    ("norm (ord -1) with a zero entry", lambda x: vnorm(x, -1), [[0.0, 1.0]], 0.0, [[0.0, 0.0]]),
    ("norm (ord inf) over the size-2 dim of a (0, 2) tensor", lambda x: vnorm(x, inf, dim=1),
     [np.zeros((0, 2))], np.zeros(0), [np.zeros((0, 2))]),
    ("norm (ord inf) of zero vector", lambda x: vnorm(x, inf), [[0.0, 0.0, 0.0]], 0.0,
     [[0.0] * 3]),
    ("Frobenius norm of zero matrix", lambda x: tg.linalg.matrix_norm(x), [[[0.0, 0.0]] * 2],
     0.0, [[[0.0, 0.0]] * 2]),
    ("Tensor.norm of zero vector", lambda x: x.norm(), [[0.0, 0.0]], 0.0, [[0.0, 0.0]]),
    ("norm of [1e-200, 1e-200]", lambda x: vnorm(x), [[1e-200, 1e-200]], 0.0, [[0.0, 0.0]]),
    ("logsumexp of all -inf", lambda x: x.logsumexp(0), [[-inf, -inf]], -inf, [[nan, nan]]),
    ("logsumexp of [-inf, 0]", lambda x: x.logsumexp(0), [[-inf, 0.0]], 0.0, [[0.0, 1.0]]),
    ("logsumexp of [inf, 0]", lambda x: x.logsumexp(0), [[inf, 0.0]], inf, [[nan, 0.0]]),
    ("logsumexp rows, one all -inf", lambda x: x.logsumexp(1), [[[-inf, -inf], [0.0, 0.0]]],
     [-inf, math.log(2)], [[[nan, nan], [0.5, 0.5]]]),
    ("logsumexp of empty", lambda x: x.logsumexp(0), [np.zeros(0)], -inf, [np.zeros(0)]),
    ("relu(0)", lambda x: x.relu(), [0.0], 0.0, [0.0]),
    ("abs(0)", lambda x: x.abs(), [0.0], 0.0, [0.0]),
    ("abs(-0.0)", lambda x: x.abs(), [-0.0], 0.0, [0.0]),
    ("sign(0)", lambda x: x.sign(), [0.0], 0.0, [0.0]),
    ("clamp(0, 1) at both ends", lambda x: x.clamp(0.0, 1.0), [[0.0, 1.0]], [0.0, 1.0],
     [[1.0, 1.0]]),
    ("clamp(0, 1) of nan", lambda x: x.clamp(0.0, 1.0), [nan], nan, [0.0]),
    ("max() with ties", lambda x: x.max(), [[1.0, 3.0, 3.0]], 3.0, [[0.0, 0.5, 0.5]]),
    ("min() with ties", lambda x: x.min(), [[2.0, 1.0, 1.0]], 1.0, [[0.0, 0.5, 0.5]]),
    ("amax() with ties", lambda x: x.amax(), [[1.0, 3.0, 3.0]], 3.0, [[0.0, 0.5, 0.5]]),
    ("amax(dim) with ties", lambda x: x.amax(1), [[[3.0, 3.0, 3.0], [1.0, 2.0, 2.0]]],
     [3.0, 2.0], [[[1 / 3] * 3, [0.0, 0.5, 0.5]]]),
    ("max(dim).values with ties", lambda x: x.max(0).values, [[1.0, 3.0, 3.0]], 3.0,
     [[0.0, 1.0, 0.0]]),
    ("amax with nan", lambda x: x.amax(), [[nan, 1.0]], nan, [[nan, nan]]),
    ("maximum(x, x)", lambda x, y: tg.maximum(x, y), [[1.0], [1.0]], [1.0], [[0.5], [0.5]]),
    ("minimum(x, x)", lambda x, y: tg.minimum(x, y), [[1.0], [1.0]], [1.0], [[0.5], [0.5]]),
    ("exp(-inf)", lambda x: x.exp(), [-inf], 0.0, [0.0]),
    ("exp(inf)", lambda x: x.exp(), [inf], inf, [inf]),
    ("exp(1000)", lambda x: x.exp(), [1000.0], inf, [inf]),
    ("expm1(-inf)", lambda x: x.expm1(), [-inf], -1.0, [0.0]),
    ("log(exp(-1000))", lambda x: x.exp().log(), [-1000.0], -inf, [nan]),
    ("sin(inf)", lambda x: x.sin(), [inf], nan, [nan]),
    ("sigmoid(-1000)", lambda x: x.sigmoid(), [-1000.0], 0.0, [0.0]),
    ("sigmoid(inf)", lambda x: x.sigmoid(), [inf], 1.0, [0.0]),
    ("tanh(inf)", lambda x: x.tanh(), [inf], 1.0, [0.0]),
    ("softplus(1000)", lambda x: x.softplus(), [1000.0], 1000.0, [1.0]),
    ("softplus(-1000)", lambda x: x.softplus(), [-1000.0], 0.0, [0.0]),
    ("nan + 1", lambda x: x + 1.0, [nan], nan, [1.0]),
    ("relu(nan)", lambda x: x.relu(), [nan], nan, [1.0]),
    ("abs(nan)", lambda x: x.abs(), [nan], nan, [0.0]),
    ("maximum(nan, 1)", lambda x, y: tg.maximum(x, y), [nan, 1.0], nan, [1.0, 1.0]),
    ("minimum(nan, 1)", lambda x, y: tg.minimum(x, y), [nan, 1.0], nan, [1.0, 1.0]),
    ("softmax of [-inf, 0]", lambda x: F.softmax(x, 0), [[-inf, 0.0]], [0.0, 1.0], [[0.0, 0.0]]),
    ("log_softmax of [-inf, 0]", lambda x: F.log_softmax(x, 0), [[-inf, 0.0]], [-inf, 0.0],
     [[1.0, -1.0]]),
    ("softmax of all -inf", lambda x: F.softmax(x, 0), [[-inf, -inf]], [nan, nan], [[nan, nan]]),
    ("log_softmax of all -inf", lambda x: F.log_softmax(x, 0), [[-inf, -inf]], [nan, nan],
     [[nan, nan]]),
    ("softmax of empty", lambda x: F.softmax(x, 0), [np.zeros(0)], np.zeros(0), [np.zeros(0)]),
    ("log_softmax of empty", lambda x: F.log_softmax(x, 0), [np.zeros(0)], np.zeros(0),
     [np.zeros(0)]),
    ("cross_entropy with a -inf logit", lambda x: F.cross_entropy(x.reshape(1, 2), [1]),
     [[-inf, 0.0]], 0.0, [[0.0, 0.0]]),
    ("bce_with_logits(1000, 0)",
     lambda x: F.binary_cross_entropy_with_logits(x, tg.tensor([0.0])), [[1000.0]], 1000.0,
     [[1.0]]),
    ("mean of empty", lambda x: x.mean(), [np.zeros(0)], nan, [np.zeros(0)]),
    ("sum of empty", lambda x: x.sum(), [np.zeros(0)], 0.0, [np.zeros(0)]),
    ("prod of empty", lambda x: x.prod(), [np.zeros(0)], 1.0, [np.zeros(0)]),
    ("prod with one zero", lambda x: x.prod(), [[0.0, 2.0, 3.0]], 0.0, [[6.0, 0.0, 0.0]]),
    ("prod with two zeros", lambda x: x.prod(), [[0.0, 2.0, 0.0]], 0.0, [[0.0, 0.0, 0.0]]),
    ("var of one element", lambda x: x.var(), [[2.0]], nan, [[nan]]),
    ("var of a constant", lambda x: x.var(), [[2.0, 2.0]], 0.0, [[0.0, 0.0]]),
    ("std of a constant", lambda x: x.std(), [[2.0, 2.0]], 0.0, [[0.0, 0.0]]),
    ("where(x > 0, sqrt(x), 0) at 0", lambda x: tg.where(x > 0, x.sqrt(), tg.tensor(0.0)),
     [0.0], 0.0, [nan]),
    ("where(x > 0, log(x), 0) at -1", lambda x: tg.where(x > 0, x.log(), tg.tensor(0.0)),
     [-1.0], 0.0, [0.0]),
]


def _same(actual, expected):
    """Equal with nan == nan and inf == inf (and exact zeros)."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=0, equal_nan=True)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name,fn,inputs,value,grads", CASES, ids=[c[0] for c in CASES])
def test_edge_value_matches_pytorch(name, fn, inputs, value, grads):
    xs = [tg.tensor(np.asarray(x, np.float64), requires_grad=True) for x in inputs]
    out = fn(*xs)
    _same(out.data, value)
    got = tg.autograd.grad(out.sum(), xs, allow_unused=True)
    for x, g, want in zip(xs, got, grads):
        _same(np.zeros(x.shape) if g is None else g.data, want)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_backward_accumulates_the_same_edge_gradients():
    """The .backward() path (not only autograd.grad) gives the same inf/nan gradients."""
    x = tg.tensor([0.0, 4.0], requires_grad=True)
    x.sqrt().sum().backward()
    _same(x.grad.data, [inf, 0.25])
    y = tg.tensor([-inf, -inf], requires_grad=True)
    y.logsumexp(0).backward()
    _same(y.grad.data, [nan, nan])


def test_edge_values_table_lists_every_case():
    """docs/edge_values.md has one row per case here, so the documented table is the tested one."""
    import pathlib
    doc = (pathlib.Path(__file__).parent.parent / "docs" / "edge_values.md").read_text()
    missing = [c[0] for c in CASES if f"| {c[0]} |" not in doc]
    assert not missing, f"rows missing from docs/edge_values.md: {missing}"
