"""Every differentiable op against central-difference Jacobians in float64, over a table of shapes."""
import numpy as np
import pytest

import tinygrad_ku as tg
import tinygrad_ku.nn.functional as F
from tinygrad_ku.autograd import gradcheck

UNARY_SHAPES = [(), (3,), (2, 3), (1, 3), (2, 1, 3), (0, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((1, 3), (2, 1, 3)),
                 ((2, 3), ()), ((0, 3), (3,)), ((4, 1, 2), (3, 1))]


def leaf(shape, rng, low=-2.0, high=2.0):
    return tg.tensor(rng.uniform(low, high, size=shape), requires_grad=True)


def positive(shape, rng):
    return leaf(shape, rng, 0.5, 2.0)


# name -> (function of tensors, input maker)
UNARY = {
    "neg": (lambda x: -x, leaf),
    "exp": (lambda x: x.exp(), leaf),
    "log": (lambda x: x.log(), positive),
    "log1p": (lambda x: x.log1p(), positive),
    "expm1": (lambda x: x.expm1(), leaf),
    "sqrt": (lambda x: x.sqrt(), positive),
    "square": (lambda x: x.square(), leaf),
    "sin": (lambda x: x.sin(), leaf),
    "cos": (lambda x: x.cos(), leaf),
    "tanh": (lambda x: x.tanh(), leaf),
    "sigmoid": (lambda x: x.sigmoid(), leaf),
    "relu": (lambda x: x.relu(), leaf),
    "softplus": (lambda x: x.softplus(), leaf),
    "abs": (lambda x: x.abs(), leaf),
    "sign": (lambda x: x.sign() * x, leaf),
    "clip": (lambda x: x.clip(-1.0, 1.0), leaf),
    "pow_scalar": (lambda x: x ** 3, leaf),
    "pow_half": (lambda x: x ** 0.5, positive),
    "rpow": (lambda x: 2.0 ** x, leaf),
    "rsub": (lambda x: 1.0 - x, leaf),
    "rdiv": (lambda x: 1.0 / x, positive),
    "clone": (lambda x: x.clone() * 2, leaf),
    "sum": (lambda x: x.sum(), leaf),
    "mean": (lambda x: x.mean() if x.numel() else x.sum(), leaf),
    "prod": (lambda x: x.prod(), leaf),
    "logsumexp": (lambda x: x.logsumexp() if x.numel() else x.sum(), leaf),
    "amax": (lambda x: x.amax() if x.numel() else x.sum(), leaf),
    "amin": (lambda x: x.amin() if x.numel() else x.sum(), leaf),
    "max": (lambda x: x.max() if x.numel() else x.sum(), leaf),
    "var": (lambda x: x.var() if x.numel() > 1 else x.sum(), leaf),
    "std": (lambda x: x.std() if x.numel() > 1 else x.sum(), leaf),
    "norm": (lambda x: tg.linalg.norm(x), leaf),
    "reshape": (lambda x: x.reshape(-1) * 1.0, leaf),
    "flatten": (lambda x: x.flatten() * 1.0, leaf),
    "T": (lambda x: x.T * 1.0, leaf),
    "unsqueeze": (lambda x: x.unsqueeze(0) * 1.0, leaf),
}

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5),
    "pow": lambda a, b: (a * a + 0.5) ** b,
    "maximum": lambda a, b: tg.maximum(a, b),
    "minimum": lambda a, b: tg.minimum(a, b),
    "where": lambda a, b: tg.where(a.data > 0, a, b),
}


@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops(name, shape):
    rng = np.random.default_rng(abs(hash((name, shape))) % 2**32)
    fn, make = UNARY[name]
    assert gradcheck(fn, make(shape, rng))


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops_broadcast(name, shapes):
    rng = np.random.default_rng(abs(hash((name, shapes))) % 2**32)
    a, b = leaf(shapes[0], rng), leaf(shapes[1], rng)
    assert gradcheck(BINARY[name], (a, b))


@pytest.mark.parametrize("name", ["add", "mul", "div"])
def test_binary_ops_with_ndarray_and_scalar(name):
    rng = np.random.default_rng(0)
    a = leaf((2, 3), rng)
    c = rng.uniform(1, 2, size=(3,))
    assert gradcheck(lambda x: BINARY[name](x, c) + BINARY[name](c, x) * 1.0, a)
    assert gradcheck(lambda x: BINARY[name](x, 1.5) + BINARY[name](1.5, x), a)


REDUCTIONS = ["sum", "mean", "prod", "amax", "amin", "logsumexp", "var", "std"]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1, (0, 2), None])
@pytest.mark.parametrize("op", REDUCTIONS)
def test_reductions_over_dims(op, dim, keepdim):
    rng = np.random.default_rng(1)
    x = leaf((3, 4, 2), rng)
    assert gradcheck(lambda t: getattr(t, op)(dim=dim, keepdim=keepdim), x)


def test_reduction_axis_aliases():
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(x.sum(axis=1, keepdims=True).numpy(), [[3.0], [12.0]])
    np.testing.assert_allclose(x.mean(axis=0).numpy(), [1.5, 2.5, 3.5])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_max_with_dim_returns_values_and_indices(dim):
    rng = np.random.default_rng(2)
    x = leaf((3, 4), rng)
    values, indices = x.max(dim=dim)
    np.testing.assert_array_equal(indices.numpy(), np.argmax(x.data, axis=dim))
    np.testing.assert_allclose(values.data, np.max(x.data, axis=dim))
    assert gradcheck(lambda t: t.max(dim=dim).values, x)
    assert gradcheck(lambda t: t.min(dim=dim, keepdim=True)[0], x)


def test_prod_with_zeros_is_exact():
    x = tg.tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 3.0]], requires_grad=True)
    x.prod(dim=1).sum().backward()
    # d/dx_i Π x = Π_{j≠i} x_j
    np.testing.assert_allclose(x.grad.numpy(), [[0, 6, 0], [0, 0, 0], [6, 3, 2]])
    assert gradcheck(lambda t: t.prod(dim=0), x)


MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)),
                 ((3,), (5, 3, 2)), ((5, 2, 3), (3,)), ((0, 3), (3, 2)), ((2, 0), (0, 3))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    rng = np.random.default_rng(3)
    a, b = leaf(shapes[0], rng), leaf(shapes[1], rng)
    out = a @ b
    np.testing.assert_allclose(out.data, a.data @ b.data)
    assert gradcheck(lambda x, y: x @ y, (a, b))


def test_matmul_with_constant_operand():
    rng = np.random.default_rng(4)
    A = rng.normal(size=(3, 4))
    x = leaf((4,), rng)
    assert gradcheck(lambda v: A @ v, x)
    assert gradcheck(lambda v: v @ A.T, x)


def test_dot_outer_trace_diag():
    rng = np.random.default_rng(5)
    x, y = leaf((4,), rng), leaf((4,), rng)
    assert tg.dot(x, y).item() == pytest.approx(float(x.data @ y.data))
    assert gradcheck(lambda a, b: tg.dot(a, b), (x, y))
    assert gradcheck(lambda a, b: tg.outer(a, b), (x, y))
    M = leaf((3, 3), rng)
    assert gradcheck(lambda m: tg.trace(m), M)
    assert gradcheck(lambda v: tg.diag(v), x)
    assert gradcheck(lambda m: tg.diag(m), M)
    assert gradcheck(lambda m: tg.diag(m, 1), leaf((3, 4), rng))
    assert gradcheck(lambda m: tg.diag(m, -1), leaf((4, 3), rng))


EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("i,i->", [(3,), (3,)]), ("ij->j", [(2, 3)]),
           ("ii->", [(3, 3)]), ("ii->i", [(3, 3)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
           ("i,j->ij", [(2,), (3,)]), ("ij,ij->", [(2, 3), (2, 3)]), ("ijk->kji", [(2, 3, 4)])]


@pytest.mark.parametrize("spec,shapes", EINSUMS, ids=[e[0] for e in EINSUMS])
def test_einsum(spec, shapes):
    rng = np.random.default_rng(6)
    xs = tuple(leaf(s, rng) for s in shapes)
    np.testing.assert_allclose(tg.einsum(spec, *xs).data, np.einsum(spec, *[x.data for x in xs]))
    assert gradcheck(lambda *ts: tg.einsum(spec, *ts), xs)


INDICES = [(1,), (slice(1, 3),), (Ellipsis, 0), (None, 1), ([0, 2, 2],), (np.array([1, 1, 0]), 2),
           (slice(None), [0, 0, 3]), (np.array([[True, False, True, False]] * 3),)]


@pytest.mark.parametrize("index", INDICES, ids=str)
def test_getitem(index):
    rng = np.random.default_rng(7)
    x = leaf((3, 4), rng)
    idx = index[0] if len(index) == 1 else index
    np.testing.assert_allclose(x[idx].data, x.data[idx])
    assert gradcheck(lambda t: t[idx], x)


def test_getitem_repeated_indices_accumulate():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 0.0, 1.0])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_and_stack(dim):
    rng = np.random.default_rng(8)
    a, b = leaf((2, 3), rng), leaf((2, 3), rng)
    np.testing.assert_allclose(tg.cat([a, b], dim).data, np.concatenate([a.data, b.data], dim))
    np.testing.assert_allclose(tg.stack([a, b], dim).data, np.stack([a.data, b.data], dim))
    assert gradcheck(lambda x, y: tg.cat([x, y * 2], dim), (a, b))
    assert gradcheck(lambda x, y: tg.stack([x, y * 2], dim), (a, b))


def test_shape_ops():
    rng = np.random.default_rng(9)
    x = leaf((2, 1, 3), rng)
    assert gradcheck(lambda t: t.squeeze(), x)
    assert gradcheck(lambda t: t.squeeze(1) * 1.0, x)
    assert gradcheck(lambda t: t.permute(2, 0, 1), x)
    assert gradcheck(lambda t: t.transpose(0, 2), x)
    assert gradcheck(lambda t: t.expand(4, 2, 5, 3), x)
    assert gradcheck(lambda t: t.view(3, 2), x)
    assert gradcheck(lambda t: t.mT, x)
    assert x.permute(2, 0, 1).shape == (3, 2, 1)
    assert x.expand(4, 2, 5, 3).shape == (4, 2, 5, 3)


VECTOR_ORDS = [None, 1, 2, 3, 0.5, np.inf, -np.inf, 0]
MATRIX_ORDS = ["fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


def _np_norm(x, ord, dim=None):
    return np.linalg.norm(x, ord=ord, axis=dim)


@pytest.mark.parametrize("ord", VECTOR_ORDS, ids=str)
def test_vector_norms(ord):
    rng = np.random.default_rng(10)
    x = leaf((5,), rng)
    np.testing.assert_allclose(tg.linalg.norm(x, ord=ord).item(), _np_norm(x.data, ord))
    if ord != 0:
        assert gradcheck(lambda t: tg.linalg.norm(t, ord=ord), x)
    X = leaf((3, 4), rng)
    for dim in (0, 1):
        got = tg.linalg.vector_norm(X, ord=2 if ord is None else ord, dim=dim)
        np.testing.assert_allclose(got.data, _np_norm(X.data, ord, dim))


@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=str)
def test_matrix_norms(ord):
    rng = np.random.default_rng(11)
    A = leaf((3, 4), rng)
    np.testing.assert_allclose(tg.linalg.norm(A, ord=ord).item(), _np_norm(A.data, ord))
    assert gradcheck(lambda t: tg.linalg.norm(t, ord=ord), A)
    batch = leaf((2, 3, 3), rng)
    got = tg.linalg.matrix_norm(batch, ord=ord, keepdim=True)
    want = np.stack([_np_norm(m, ord) for m in batch.data]).reshape(2, 1, 1)
    np.testing.assert_allclose(got.data, want)


def test_norm_of_zero_vector_has_zero_gradient():
    # PyTorch's convention: the subgradient 0 at the kink of ‖x‖.
    for ord in (2, 3, 1, np.inf):
        x = tg.zeros(3, requires_grad=True)
        tg.linalg.norm(x, ord=ord).backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3))


def test_softmax_family_and_losses():
    rng = np.random.default_rng(12)
    logits = leaf((4, 3), rng)
    target = np.array([0, 2, 1, 2])
    assert gradcheck(lambda z: F.log_softmax(z, dim=1), logits)
    assert gradcheck(lambda z: F.softmax(z, dim=0), logits)
    assert gradcheck(lambda z: F.cross_entropy(z, target), logits)
    assert gradcheck(lambda z: F.cross_entropy(z, target, reduction="none"), logits)
    assert gradcheck(lambda z: F.nll_loss(F.log_softmax(z, 1), target, reduction="sum"), logits)
    probs = rng.dirichlet(np.ones(3), size=4)
    assert gradcheck(lambda z: F.cross_entropy(z, probs), logits)
    y = rng.integers(0, 2, size=(4, 3)).astype(float)
    assert gradcheck(lambda z: F.binary_cross_entropy_with_logits(z, y), logits)
    other = leaf((4, 3), rng)
    assert gradcheck(lambda a, b: F.mse_loss(a, b), (logits, other))


def test_cross_entropy_matches_the_definition():
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    t = np.array([2, 0])
    want = -np.mean([z[0, 2] - np.log(np.exp(z[0]).sum()), -np.log(3.0)])
    assert F.cross_entropy(tg.tensor(z), t).item() == pytest.approx(want)


def test_numerically_stable_at_extremes():
    assert tg.tensor([1000.0, 1000.0]).logsumexp().item() == pytest.approx(1000 + np.log(2))
    assert tg.tensor([-1000.0, -1000.0]).logsumexp().item() == pytest.approx(-1000 + np.log(2))
    np.testing.assert_allclose(F.log_softmax(tg.tensor([1000.0, 0.0])).numpy(), [0.0, -1000.0])
    big = tg.tensor([800.0, -800.0], requires_grad=True)
    bce = F.binary_cross_entropy_with_logits(big, tg.tensor([0.0, 1.0]), reduction="sum")
    assert bce.item() == pytest.approx(1600.0)
    bce.backward()
    np.testing.assert_allclose(big.grad.numpy(), [1.0, -1.0])
    np.testing.assert_allclose(tg.tensor([-800.0, 800.0]).sigmoid().numpy(), [0.0, 1.0])
    np.testing.assert_allclose(tg.tensor([-800.0, 800.0]).softplus().numpy(), [0.0, 800.0])


def test_float32_gradients_match_float64():
    rng = np.random.default_rng(13)
    W64 = rng.normal(size=(4, 3))
    x64 = rng.normal(size=(3,))
    grads = {}
    for dtype in (np.float32, np.float64):
        W = tg.Tensor(W64.astype(dtype), requires_grad=True)
        x = tg.Tensor(x64.astype(dtype), requires_grad=True)
        y = ((W @ x).tanh() * (W @ x).sigmoid()).sum() + tg.linalg.norm(W) + (x.exp().log1p()).mean()
        y.backward()
        assert W.grad.dtype == dtype and x.grad.dtype == dtype
        grads[dtype] = (W.grad.numpy(), x.grad.numpy())
    for g32, g64 in zip(grads[np.float32], grads[np.float64]):
        np.testing.assert_allclose(g32, g64, rtol=1e-5, atol=1e-6)


KINKS = [  # (function, input, gradient PyTorch gives at the kink)
    (lambda x: x.abs(), 0.0, 0.0),
    (lambda x: x.relu(), 0.0, 0.0),
    (lambda x: x.clip(0.0, 1.0), 0.0, 1.0),
    (lambda x: x.clip(0.0, 1.0), 1.0, 1.0),
    (lambda x: tg.maximum(x, tg.tensor(0.0)), 0.0, 0.5),
    (lambda x: x.sqrt(), 0.0, np.inf),
]


@pytest.mark.parametrize("case", range(len(KINKS)))
def test_kink_conventions(case):
    fn, at, want = KINKS[case]
    x = tg.tensor(at, requires_grad=True)
    with np.errstate(divide="ignore"):
        fn(x).backward()
    assert x.grad.item() == want


def test_max_ties_share_gradient_evenly():
    x = tg.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.5, 0.5, 0.0])
    y = tg.tensor([[3.0, 3.0], [1.0, 2.0]], requires_grad=True)
    y.max(dim=1).values.sum().backward()    # max(dim): the gradient goes to the returned index
    np.testing.assert_allclose(y.grad.numpy(), [[1.0, 0.0], [0.0, 1.0]])
