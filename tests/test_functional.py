"""tg.autograd.functional: vjp, jvp, jacobian (row by row and vectorize=True), hessian, hvp, vhp."""
import numpy as np
import pytest

import tinygrad_ku as tg
import tinygrad_ku.nn.functional as NF
from tinygrad_ku.autograd import functional as F
from tinygrad_ku.autograd import numerical_jacobian

RNG = np.random.default_rng(1)
W = tg.tensor(RNG.standard_normal((4, 3)))


def _x(*shape):
    return tg.tensor(RNG.uniform(-1, 1, shape))


FUNCS = [   # (name, f, input shapes)
    ("tanh_Wx", lambda x: (W @ x).tanh(), [(3,)]),
    ("R_ab_to_R_c", lambda x: (x * x).sum(1).exp(), [(3, 2)]),
    ("scalar_out", lambda x: (x.sin() * x).sum(), [(2, 3)]),
    ("scalar_in", lambda x: tg.stack([x, x * x, x.exp()]), [()]),
    ("reductions", lambda x: tg.cat([x.mean(0), x.amax(1), x.logsumexp(1)]), [(2, 3)]),
    ("shape_ops", lambda x: x.permute(1, 0).reshape(6)[1:4] * 2.0, [(2, 3)]),
    ("fancy_index", lambda x: x[[0, 2, 2]] ** 2, [(3,)]),
    ("softmax", lambda x: NF.softmax(x, 1) * NF.log_softmax(x, 0), [(2, 3)]),
    ("dot_trace", lambda x, y: tg.dot(x, y) * tg.trace(tg.outer(x, y)), [(3,), (3,)]),
    ("einsum_broadcast", lambda x, y: tg.einsum("ij,j->i", x, y) + y[:2], [(2, 3), (3,)]),
    ("max_dim", lambda x: x.max(1).values * x.var(1), [(2, 3)]),
]


def _inputs(shapes):
    xs = tuple(_x(*s) for s in shapes)
    return xs if len(xs) > 1 else xs[0]


@pytest.mark.parametrize("vectorize", [False, True])
@pytest.mark.parametrize("name, f, shapes", FUNCS, ids=[c[0] for c in FUNCS])
def test_jacobian_equals_numerical(name, f, shapes, vectorize):
    xs = _inputs(shapes)
    J = F.jacobian(f, xs, vectorize=vectorize)
    N = numerical_jacobian(f, xs)
    if isinstance(xs, tg.Tensor):
        J, N = (J,), (N,)
    for j, n in zip(J, N):
        assert j.shape == n.shape
        np.testing.assert_allclose(j.data, n, atol=1e-7, rtol=1e-6)


def test_jacobian_shape_and_closed_form():
    x = _x(3, 2)
    J = F.jacobian(lambda t: (t * t).sum(1), x)      # R^(3,2) -> R^(3,)
    assert J.shape == (3, 3, 2)
    expected = np.zeros((3, 3, 2))
    for i in range(3):
        expected[i, i] = 2 * x.data[i]
    np.testing.assert_allclose(J.data, expected)
    x = _x(3)
    Jv = F.jacobian(lambda t: (W @ t).tanh(), x, vectorize=True)
    np.testing.assert_allclose(Jv.data, (1 - np.tanh(W.data @ x.data) ** 2)[:, None] * W.data)


def test_jacobian_tuple_structure_and_unused_input():
    a, b, c = _x(2), _x(3), _x(2)
    for vec in (False, True):
        J = F.jacobian(lambda p, q, r: (p * 2.0, q.sum()), (a, b, c), vectorize=vec)
        assert isinstance(J, tuple) and len(J) == 2 and all(len(r) == 3 for r in J)
        assert [t.shape for t in J[0]] == [(2, 2), (2, 3), (2, 2)]
        assert [t.shape for t in J[1]] == [(2,), (3,), (2,)]
        np.testing.assert_allclose(J[0][0].data, 2 * np.eye(2))
        np.testing.assert_allclose(J[1][1].data, np.ones(3))
        assert not J[0][2].data.any() and not J[1][0].data.any()
    with pytest.raises(RuntimeError, match="strict"):
        F.jacobian(lambda p: tg.zeros(2), a, strict=True)


def test_chain_rule_of_composed_functions():
    g = lambda x: (W @ x).sin()                # R^3 -> R^4
    f = lambda y: tg.stack([(y * y).sum(), y.prod(), y[0] * y[3]])   # R^4 -> R^3
    x = _x(3)
    Jfg = F.jacobian(lambda t: f(g(t)), x)
    Jf = F.jacobian(f, g(x))
    Jg = F.jacobian(g, x, vectorize=True)
    np.testing.assert_allclose(Jfg.data, Jf.data @ Jg.data, rtol=1e-12, atol=1e-14)


def test_vjp_identity_and_jvp():
    f = lambda x, y: (W @ x).tanh() * y.sum()
    x, y = _x(3), _x(2)
    v = _x(4)
    out, (gx, gy) = F.vjp(f, (x, y), v)
    np.testing.assert_allclose(out.data, f(x, y).data)
    Jx, Jy = F.jacobian(f, (x, y))
    np.testing.assert_allclose(gx.data, v.data @ Jx.data)      # vᵀ J
    np.testing.assert_allclose(gy.data, v.data @ Jy.data)
    u = (_x(3), _x(2))
    _, jv = F.jvp(f, (x, y), u)
    np.testing.assert_allclose(jv.data, Jx.data @ u[0].data + Jy.data @ u[1].data)
    assert not jv.requires_grad and not gx.requires_grad


def test_vjp_jvp_default_v_and_errors():
    x = _x(3)
    _, g = F.vjp(lambda t: (t * t).sum(), x)
    np.testing.assert_allclose(g.data, 2 * x.data)
    _, jv = F.jvp(lambda t: t * tg.tensor([1.0, 2.0]), tg.tensor(0.5))
    np.testing.assert_allclose(jv.data, [1.0, 2.0])
    with pytest.raises(RuntimeError, match="single element"):
        F.vjp(lambda t: t * 2.0, x)
    with pytest.raises(ValueError, match="shape"):
        F.jvp(lambda t: t * 2.0, x, _x(4))
    with pytest.raises(TypeError, match="Tensor"):
        F.jacobian(lambda t: t, [1.0, 2.0])


def _rosenbrock(x):
    return ((1.0 - x[:-1]) ** 2 + 100.0 * (x[1:] - x[:-1] ** 2) ** 2).sum()


def _rosenbrock_hessian(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 2 - 400 * (x[i + 1] - x[i] ** 2) + 800 * x[i] ** 2
        H[i + 1, i + 1] += 200
        H[i, i + 1] += -400 * x[i]
        H[i + 1, i] += -400 * x[i]
    return H


@pytest.mark.parametrize("vectorize", [False, True])
def test_hessian_closed_form_symmetric_and_numerical(vectorize):
    x = _x(4)
    H = F.hessian(_rosenbrock, x, vectorize=vectorize)
    np.testing.assert_allclose(H.data, _rosenbrock_hessian(x.data), rtol=1e-12)
    np.testing.assert_allclose(H.data, H.data.T)
    f = lambda t: (t.tanh() * t.sum()).logsumexp() + t.prod()
    x = _x(2, 2)
    Hn = numerical_jacobian(lambda t: _grad_of(f, t), x)
    np.testing.assert_allclose(F.hessian(f, x, vectorize=vectorize).data, Hn, atol=1e-7)


def _grad_of(f, t):
    """∇f at t by one first-order backward pass (numerical_jacobian calls this under no_grad)."""
    with tg.enable_grad():
        leaf = tg.tensor(t.data, requires_grad=True)
        (g,) = tg.grad(f(leaf), leaf)
    return g


def test_hessian_of_two_inputs_is_nested():
    a, b = _x(2), _x(3)
    H = F.hessian(lambda p, q: (p.sum() * q * q).sum(), (a, b))
    assert [[h.shape for h in row] for row in H] == [[(2, 2), (2, 3)], [(3, 2), (3, 3)]]
    np.testing.assert_allclose(H[0][0].data, 0.0)
    np.testing.assert_allclose(H[0][1].data, np.tile(2 * b.data, (2, 1)))
    np.testing.assert_allclose(H[1][1].data, 2 * a.data.sum() * np.eye(3))
    np.testing.assert_allclose(H[1][0].data, H[0][1].data.T)


def test_hvp_and_vhp_match_hessian_times_v():
    x, v = _x(4), _x(4)
    out, hv = F.hvp(_rosenbrock, x, v)
    np.testing.assert_allclose(float(out), float(_rosenbrock(x)))
    np.testing.assert_allclose(hv.data, _rosenbrock_hessian(x.data) @ v.data, rtol=1e-12)
    _, vh = F.vhp(_rosenbrock, x, v)
    np.testing.assert_allclose(vh.data, hv.data, rtol=1e-12)
    with pytest.raises(RuntimeError, match="single Tensor with one element"):
        F.hvp(lambda t: t * 2.0, x, v)


def test_create_graph_jacobian_is_differentiable():
    x = tg.tensor(RNG.uniform(-1, 1, 3), requires_grad=True)
    for vec in (False, True):
        J = F.jacobian(lambda t: t.sin() * t.sum(), x, create_graph=True, vectorize=vec)
        assert J.requires_grad
        (g,) = tg.grad(tg.trace(J), x)
        # tr J = Σ_i (cos x_i S + sin x_i), S = Σ x:  d/dx_k = -sin x_k S + Σ cos x_i + cos x_k
        s, c = x.data.sum(), np.cos(x.data)
        np.testing.assert_allclose(g.data, -np.sin(x.data) * s + c.sum() + c)


def test_vectorized_jacobian_falls_back_for_ops_without_batch_rule():
    x = _x(2, 2)
    f = lambda t: tg.diag(t) * tg.cat([t[0], t[1]])[:2]
    np.testing.assert_allclose(F.jacobian(f, x, vectorize=True).data, numerical_jacobian(f, x),
                               atol=1e-8)


def test_public_names():
    assert tg.autograd.functional.jacobian is F.jacobian
    assert tg.detect_anomaly is tg.autograd.detect_anomaly
    assert tg.gradgradcheck is tg.autograd.gradgradcheck
