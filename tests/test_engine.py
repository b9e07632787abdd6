"""The backward pass: accumulation, graph freeing, grad mode, hooks, dtypes, errors, gradcheck itself."""
import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku.autograd import GradcheckError, gradcheck, numerical_jacobian
from tinygrad_ku.engine import Function
from tinygrad_ku.ops import elementwise as E


def test_x_times_x_plus_x():
    # d(x·x + x)/dx = 2x + 1: a use twice must add, not overwrite
    x = tg.tensor(3.0, requires_grad=True)
    (x * x + x).backward()
    assert x.grad.item() == 7.0


def test_grad_accumulates_across_calls_and_resets():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    x.zero_grad()
    assert x.grad is None


def test_shared_gradient_buffers_are_not_aliased():
    # add's vjp hands the same array to both inputs; accumulating into one must not change the other
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    (a * 2).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_diamond_graph_sums_paths():
    x = tg.tensor(0.5, requires_grad=True)
    h = x.tanh()
    y = h * h.exp() + h.sin()
    y.backward()
    t = np.tanh(0.5)
    want = (np.exp(t) + t * np.exp(t) + np.cos(t)) * (1 - t**2)
    assert x.grad.item() == pytest.approx(want)


def test_second_backward_through_freed_graph_raises():
    x = tg.tensor(2.0, requires_grad=True)
    y = (x * x).exp()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = tg.tensor(2.0, requires_grad=True)
    y = x.exp() * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(2 * 3 * np.exp(2.0))


def test_backward_frees_saved_arrays():
    x = tg.tensor(np.ones(4), requires_grad=True)
    y = (x.exp() * 2).sum()
    node = y.grad_fn
    y.backward()
    assert node.freed and node.out is None and node.out_shape == ()


def test_non_scalar_backward_needs_gradient():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(2,\)"):
        (x * 2).backward()
    (x * x).backward(gradient=tg.tensor([1.0, 10.0]))   # vector-Jacobian product vᵀJ
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 40.0])
    with pytest.raises(RuntimeError, match="gradient has shape"):
        (x * 2).backward(gradient=np.ones(3))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.tensor([1.0]).sum().backward()


def test_no_grad_and_enable_grad():
    x = tg.tensor(1.0, requires_grad=True)
    with tg.no_grad():
        y = x * 2
        with tg.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @tg.no_grad()
    def f(t):
        return t * 2
    assert not f(x).requires_grad
    assert tg.is_grad_enabled()


def test_sgd_step_updates_the_same_leaf_in_place():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    data_before, p_before = p.data, p
    (p * p).sum().backward()
    with tg.no_grad():
        p -= 0.1 * p.grad
    assert p is p_before and p.data is data_before
    assert p.is_leaf and p.requires_grad
    np.testing.assert_allclose(p.numpy() if not p.requires_grad else p.data, [0.8, 1.6])


def test_in_place_on_leaf_requiring_grad_is_refused():
    p = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        p += 1


def test_requires_grad_propagation_and_leaves():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([2.0])
    c = a * b
    assert c.requires_grad and not c.is_leaf and c.grad_fn.name == "Mul"
    assert not (b * 2).requires_grad and (b * 2).is_leaf
    d = c.detach()
    assert d.is_leaf and not d.requires_grad and d.data is c.data


def test_where_gradients_go_is_fixed_when_the_op_runs():
    """As in PyTorch: requires_grad changed on a leaf after an op does not rewire that op."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    x.requires_grad_(False)                # turned off after use: no gradient accumulates
    y.backward()
    assert x.grad is None
    a, b = tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0], requires_grad=True)
    z = (a * b).sum()
    a.requires_grad_(True)                 # turned on after use: the op did not record it
    z.backward()
    assert a.grad is None
    np.testing.assert_array_equal(b.grad.data, [1.0, 2.0])
    assert z.grad_fn.parents == z.grad_fn.edges and z.grad_fn.edges[0].name == "Mul"


@pytest.mark.parametrize("seed", range(20))
def test_random_graphs_with_shared_nodes_match_central_differences(seed):
    """Graphs where values feed several later ops, twice into one op, and through
    constants: the backward scheduling (heap, chains, accumulation) against numerics."""
    rng = np.random.default_rng(seed)
    plan = [(int(rng.integers(4)), int(rng.integers(k + 2)), int(rng.integers(k + 2)))
            for k in range(12)]

    def f(x, w):
        vals = [x, w]
        for op, i, j in plan:
            a, b = vals[i], vals[j]
            vals.append([a + b, a * b, (a * 0.5).tanh(), a - 0.3 * b][op])
        return sum(vals[2:], tg.tensor(0.0)).sum()

    x = tg.tensor(rng.normal(size=3) * 0.5, requires_grad=True)
    w = tg.tensor(rng.normal(size=3) * 0.5, requires_grad=True)
    f(x, w).backward()
    num = numerical_jacobian(lambda x, w: f(x, w), (x, w))
    np.testing.assert_allclose(x.grad.data, num[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(w.grad.data, num[1], rtol=1e-6, atol=1e-8)


def test_chain_of_ops_that_use_one_value_twice():
    """y·y and y + y in a chain: both gradients of a node reach the same next node, with
    nothing else pending (the chain path) and with other nodes pending (the heap path)."""
    x = tg.tensor([0.3, -0.2], requires_grad=True)
    y = x
    for _ in range(3):
        y = (y * y) * 0.5 + (y + y) * 0.25
    y.sum().backward()
    expected = np.ones(2)
    v = x.data.copy()
    for _ in range(3):                     # d/dv of v²/2 + v/2 = v + 1/2, chained
        expected, v = expected * (v + 0.5), v * v * 0.5 + v * 0.5
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12)
    x.grad = None
    z = x
    for _ in range(3):
        z = (z * z) * 0.5                  # each Mul's two edges: the only pending node
    z.sum().backward()                     # z = x⁸ / 2⁷
    np.testing.assert_allclose(x.grad.data, x.data ** 7 / 16, rtol=1e-12)


def test_dtype_rules():
    assert tg.tensor([1.0, 2.0]).dtype == np.float64
    assert tg.tensor([1, 2]).dtype == np.int64
    w = tg.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    assert w.dtype == np.float32
    y = (w * 2.5).sum()
    assert y.dtype == np.float32
    y.backward()
    assert w.grad.dtype == np.float32
    with pytest.raises(RuntimeError, match="floating point"):      # as torch
        tg.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        tg.tensor([True]).requires_grad_()


def test_tensor_copies_and_Tensor_wraps():
    arr = np.ones(2)
    assert tg.tensor(arr).data is not arr
    assert tg.Tensor(arr).data is arr


def test_mixed_with_ndarrays_and_scalars_on_either_side():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    arr = np.array([10.0, 20.0])
    y = arr * x + 1.0 - x / arr + 2.0 ** x
    assert isinstance(y, tg.Tensor)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), arr - 1 / arr + np.log(2) * 2.0 ** x.data)


def test_comparisons_are_not_differentiable():
    x = tg.tensor([1.0, 3.0], requires_grad=True)
    m = x > 2
    assert m.dtype == np.bool_ and not m.requires_grad
    np.testing.assert_array_equal(m.numpy(), [False, True])


def test_hooks_and_retain_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    handle = x.register_hook(lambda g: g * 10)
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.data)
    np.testing.assert_allclose(seen[0], 2 * h.data)
    np.testing.assert_allclose(x.grad.numpy(), 10 * 3 * 2 * h.data)
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_deep_chain_has_no_recursion_limit():
    x = tg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_conversion():
    t = tg.tensor([[1.0, 2.0]])
    assert t.tolist() == [[1.0, 2.0]]
    assert float(tg.tensor([3.0])) == 3.0
    assert t.size == 2 and t.size() == (1, 2) and t.numel() == 2
    assert np.asarray(t).shape == (1, 2)
    with pytest.raises(RuntimeError, match="item"):
        t.item()
    with pytest.raises(RuntimeError, match="detach"):
        tg.tensor([1.0], requires_grad=True).numpy()


BAD_INPUT = [      # the exception classes PyTorch raises
    (lambda: tg.ones(2, 3) @ tg.ones(2, 3), RuntimeError, r"matmul.*\(2, 3\).*\(2, 3\)"),
    (lambda: tg.ones(2, 3) + tg.ones(4), RuntimeError, r"Add.*\(2, 3\).*\(4,\)"),
    (lambda: tg.ones(2, 3) * np.ones((3, 2)), RuntimeError, r"Mul.*\(2, 3\).*\(3, 2\)"),
    (lambda: tg.ones(5) @ tg.ones(4), RuntimeError, r"matmul.*\(5,\).*\(4,\)"),
    (lambda: tg.ones(2, 3).sum(dim=2), IndexError, r"sum: dim 2 is out of range"),
    (lambda: tg.ones(2, 3).mean(dim=-3), IndexError, r"mean: dim -3"),
    (lambda: tg.linalg.norm(tg.ones(3), ord="fro"), ValueError, r"norm: ord='fro'"),
    (lambda: tg.linalg.matrix_norm(tg.ones(3, 3), ord=3), ValueError, r"matrix_norm: ord"),
    (lambda: tg.linalg.vector_norm(tg.ones(3), ord="nuc"), ValueError, r"vector_norm: ord"),
    (lambda: tg.ones(2, 3).reshape(4, 2), RuntimeError, r"reshape: shape \(4, 2\)"),
    (lambda: tg.dot(tg.ones(2, 2), tg.ones(2)), RuntimeError, r"dot:.*\(2, 2\)"),
    (lambda: tg.cat([tg.ones(2, 3), tg.ones(3, 2)]), RuntimeError, r"cat: shapes"),
    (lambda: tg.ones(3)[5], IndexError, r"getitem.*\(3,\)"),
    (lambda: tg.einsum("ij,jk->ik", tg.ones(2, 3), tg.ones(2, 3)), RuntimeError, r"einsum"),
    (lambda: tg.ones(2).expand(3, 3), RuntimeError, r"expand: a tensor of shape \(2,\)"),
]


@pytest.mark.parametrize("case", range(len(BAD_INPUT)))
def test_bad_input_gets_a_clear_error(case):
    fn, exc, pattern = BAD_INPUT[case]
    with pytest.raises(exc, match=pattern):
        fn()


class BrokenTanh(Function):
    """tanh with a wrong vjp (1 + tanh² instead of 1 − tanh²)."""
    needs_out = True

    def forward(self, x):
        return np.tanh(x)

    def vjp(self, g, out, x):
        return (g * (1.0 + out * out),)


def test_gradcheck_catches_a_broken_vjp_and_names_the_op():
    x = tg.tensor([0.3, -0.7, 1.1], requires_grad=True)
    W = tg.tensor(np.random.default_rng(0).normal(size=(2, 3)), requires_grad=True)

    def f(W, x):
        return BrokenTanh.apply(W @ x).exp().sum()
    with pytest.raises(GradcheckError, match=r"'BrokenTanh'") as info:
        gradcheck(f, (W, x))
    assert "analytical" in str(info.value) and "numerical" in str(info.value)
    assert gradcheck(lambda W, x: (W @ x).tanh().exp().sum(), (W, x))
    assert gradcheck(f, (W, x), raise_exception=False) is False


def test_numerical_jacobian_shapes_and_values():
    A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    x = tg.tensor([0.5, -1.0], requires_grad=True)
    J = numerical_jacobian(lambda v: A @ v, x)
    np.testing.assert_allclose(J, A, atol=1e-8)
    M = tg.tensor(np.ones((2, 2)), requires_grad=True)
    J2 = numerical_jacobian(lambda m, v: m @ v, (M, x))
    assert J2[0].shape == (2, 2, 2) and J2[1].shape == (2, 2)
    assert E.Mul.__name__ == "Mul"
