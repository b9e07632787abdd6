"""Every differentiable op against central-difference Jacobians in float64, driven by the op
table (tests/op_table.py): each case x shapes x params, forward values against NumPy, the
gradients PyTorch defines at kinks, and that every `Function` subclass appears in the table."""
import importlib
import pkgutil
import zlib

import numpy as np
import pytest

import op_table as T
import tinygrad_ku as tg
import tinygrad_ku.nn.functional as F
from tinygrad_ku.autograd import gradcheck

ITEMS = T.items()
IDS = [c.id(s, p) for c, s, p in ITEMS]


# ----- the table ----------------------------------------------------------------------------
@pytest.mark.parametrize("case, shapes, p", ITEMS, ids=IDS)
def test_gradcheck(case, shapes, p):
    fn, inputs = T.make(case, shapes, p)
    out = fn(*inputs)
    if case.out_shape is not None:       # the shape model the fuzzer composes ops with
        assert out.shape == case.out_shape(shapes, p)
    assert gradcheck(fn, inputs, **case.tol)


REF_ITEMS = [it for it in ITEMS if it[0].ref is not None]


@pytest.mark.parametrize("case, shapes, p", REF_ITEMS, ids=[c.id(s, p) for c, s, p in REF_ITEMS])
def test_forward_matches_numpy(case, shapes, p):
    fn, inputs = T.make(case, shapes, p)
    arrays = [x.data if isinstance(x, tg.Tensor) else x for x in inputs]
    np.testing.assert_allclose(fn(*inputs).data, case.ref(*arrays, **p), rtol=1e-12, atol=1e-12)


MIXED = [(c, s) for c in T.CASES if c.mixed for s in c.shapes]


@pytest.mark.parametrize("case, shapes", MIXED, ids=[c.id(s, {}) for c, s in MIXED])
def test_binary_ops_with_a_constant_operand(case, shapes):
    """An ndarray (or a Python float) on either side: only the Tensor operand gets a gradient."""
    fn, (a, b) = T.make(case, shapes, {})
    A, B = a.data.copy(), b.data.copy()
    assert gradcheck(lambda x: fn(x, B), a, **case.tol)
    assert gradcheck(lambda y: fn(A, y), b, **case.tol)
    if case.scalars:
        assert gradcheck(lambda x: fn(x, 1.5), a, **case.tol)
        assert gradcheck(lambda y: fn(1.5, y), b, **case.tol)


CONVENTIONS = [(c, p, xs, gs) for c in T.CASES for p, xs, gs in c.conventions]


@pytest.mark.parametrize("case, p, at, want", CONVENTIONS,
                         ids=[f"{c.name}-{at}" for c, p, at, _ in CONVENTIONS])
def test_kink_conventions(case, p, at, want):
    """At a kink, the gradient PyTorch defines (the table's `conventions`)."""
    xs = [tg.tensor(np.asarray(v, np.float64), requires_grad=True) for v in at]
    with np.errstate(divide="ignore"):
        case.compile(p)(*xs).sum().backward()
    for x, w in zip(xs, want):
        np.testing.assert_array_equal(x.grad.numpy(), np.asarray(w, np.float64))


def _function_subclasses():
    from tinygrad_ku.engine import Function
    for mod in pkgutil.walk_packages(tg.__path__, "tinygrad_ku."):
        importlib.import_module(mod.name)
    out, stack = set(), [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("tinygrad_ku"):   # not ops defined by tests
                out.add(sub.__name__)
    return out


def test_every_function_subclass_appears_in_the_table():
    """Each op class of tinygrad_ku is in the graph of some case: its forward graph or the graph
    a create_graph backward records (IndexAdd, Svd, ... appear only there)."""
    seen = set()
    for case, shapes, p in ITEMS:
        fn, inputs = T.make(case, shapes, p)
        out = fn(*inputs)
        seen |= T.node_classes(out)
        leaves = [x for x in inputs if isinstance(x, tg.Tensor)]
        if out.requires_grad and out.size:
            v = tg.tensor(np.random.default_rng(T.seed(*case.key(shapes, p))).uniform(
                0.5, 1.5, out.shape), requires_grad=True)
            grads = tg.grad(out, leaves, grad_outputs=v, create_graph=True, allow_unused=True)
            seen |= T.node_classes(*[g for g in grads if g is not None])
    classes = _function_subclasses()
    assert len(classes) > 50
    missing = sorted(classes - seen)
    assert not missing, f"Function subclasses in no op-table case: {missing}"


def test_table_is_well_formed():
    assert len({c.name for c in T.CASES}) == len(T.CASES)
    for case in T.CASES:
        assert any(it[0] is case for it in ITEMS), f"{case.name}: no applicable shapes"
        assert all(d in T.DOMAINS for d in case.domains)
        assert all(len(s) == case.arity for s in case.shapes), case.name
        if case.fuzz is True:
            assert case.fuzzable, f"{case.name}: fuzz=True needs out_shape, lifts, arity 1 or 2"
            if case.kink is not None:    # the fuzzer measures kinks on the values it passes
                assert all(T.DOMAINS[d].lift == "{}" for d in case.domains), case.name
        else:
            assert isinstance(case.fuzz, str) and case.fuzz, f"{case.name}: say why not fuzzed"
    assert {"add", "matmul", "sum", "softmax", "getitem"} <= {c.name for c in T.fuzz_cases()}


def test_inputs_are_seeded_deterministically():
    case, shapes, p = next(it for it in ITEMS if it[0].name == "vector_norm")
    assert T.seed(*case.key(shapes, p)) == zlib.crc32(repr(case.key(shapes, p)).encode())
    _, first = T.make(case, shapes, p)
    _, again = T.make(case, shapes, p)
    np.testing.assert_array_equal(first[0].data, again[0].data)
    other = next(it for it in ITEMS if it[0].name == "vector_norm" and it[2] != p)
    assert T.seed(*case.key(shapes, p)) != T.seed(*other[0].key(other[1], other[2]))


# ----- conventions and values the table does not express -------------------------------------
def test_reduction_axis_aliases():
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(x.sum(axis=1, keepdims=True).numpy(), [[3.0], [12.0]])
    np.testing.assert_allclose(x.mean(axis=0).numpy(), [1.5, 2.5, 3.5])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_max_with_dim_returns_values_and_indices(dim):
    rng = np.random.default_rng(2)
    x = tg.tensor(rng.uniform(-2, 2, (3, 4)), requires_grad=True)
    values, indices = x.max(dim=dim)
    np.testing.assert_array_equal(indices.numpy(), np.argmax(x.data, axis=dim))
    np.testing.assert_allclose(values.data, np.max(x.data, axis=dim))
    values, indices = x.min(dim=dim, keepdim=True)
    np.testing.assert_array_equal(indices.numpy(), np.argmin(x.data, axis=dim, keepdims=True))


def test_prod_with_zeros_is_exact():
    x = tg.tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 3.0]], requires_grad=True)
    x.prod(dim=1).sum().backward()
    # d/dx_i Π x = Π_{j≠i} x_j
    np.testing.assert_allclose(x.grad.numpy(), [[0, 6, 0], [0, 0, 0], [6, 3, 2]])
    assert gradcheck(lambda t: t.prod(dim=0), x)


def test_getitem_repeated_indices_accumulate():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_cross_entropy_matches_the_definition():
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    t = np.array([2, 0])
    want = -np.mean([z[0, 2] - np.log(np.exp(z[0]).sum()), -np.log(3.0)])
    assert F.cross_entropy(tg.tensor(z), t).item() == pytest.approx(want)


def test_numerically_stable_at_extremes():
    assert tg.tensor([1000.0, 1000.0]).logsumexp().item() == pytest.approx(1000 + np.log(2))
    assert tg.tensor([-1000.0, -1000.0]).logsumexp().item() == pytest.approx(-1000 + np.log(2))
    np.testing.assert_allclose(F.log_softmax(tg.tensor([1000.0, 0.0]), dim=0).numpy(), [0.0, -1000.0])
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
