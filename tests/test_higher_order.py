"""Higher-order derivatives: create_graph to any order, gradgradcheck over the core ops, detect_anomaly."""
import numpy as np
import pytest

import tinygrad_ku as tg
import tinygrad_ku.nn.functional as NF
from tinygrad_ku.engine import Function
from tinygrad_ku.ops.special import lgamma

RNG = np.random.default_rng(0)


def _t(*shape, lo=-1.0, hi=1.0):
    return tg.tensor(RNG.uniform(lo, hi, shape), requires_grad=True)


def _derivatives(f, x0, order):
    x = tg.tensor(x0, requires_grad=True)
    y, out = f(x), []
    for k in range(order):
        (y,) = tg.grad(y, x, create_graph=k < order - 1)
        out.append(float(y))
    return out


@pytest.mark.parametrize("f, closed", [
    (lambda x: x.tanh(), lambda t: [1 - np.tanh(t) ** 2, -2 * np.tanh(t) * (1 - np.tanh(t) ** 2),
                                    -2 * (1 - np.tanh(t) ** 2) * (1 - 3 * np.tanh(t) ** 2)]),
    (lambda x: x.sigmoid(), lambda t: [(s := 1 / (1 + np.exp(-t))) * (1 - s),
                                       s * (1 - s) * (1 - 2 * s),
                                       s * (1 - s) * (1 - 6 * s + 6 * s * s)]),
    (lambda x: x.sin(), lambda t: [np.cos(t), -np.sin(t), -np.cos(t)]),
    (lambda x: x.log(), lambda t: [1 / t, -1 / t ** 2, 2 / t ** 3]),
    (lambda x: x ** 3.5, lambda t: [3.5 * t ** 2.5, 8.75 * t ** 1.5, 13.125 * t ** 0.5]),
])
def test_third_derivative_matches_closed_form(f, closed):
    np.testing.assert_allclose(_derivatives(f, 0.7, 3), closed(0.7), rtol=1e-12)


def test_fourth_derivative_of_exp_of_square():
    # d^4/dx^4 exp(x^2) = (16x^4 + 48x^2 + 12) exp(x^2)
    x = 0.3
    got = _derivatives(lambda t: (t * t).exp(), x, 4)[-1]
    np.testing.assert_allclose(got, (16 * x ** 4 + 48 * x ** 2 + 12) * np.exp(x * x), rtol=1e-12)


def test_scalar_gradient_accumulates_three_contributions():
    # regression: 0-d gradients are NumPy scalars, += on them must not be lost
    x = tg.tensor(0.5, requires_grad=True)
    t = x.exp()
    (t * t + t).backward()
    np.testing.assert_allclose(float(x.grad), 2 * np.exp(1.0) + np.exp(0.5), rtol=1e-14)


def test_grad_with_grad_outputs_several_inputs_and_allow_unused():
    a, b, c = _t(3), _t(3), _t(3)
    y1, y2 = a * b, (a * a).sum()
    v = tg.tensor([1.0, 2.0, 3.0])
    ga, gb, gc = tg.grad((y1, y2), (a, b, c), grad_outputs=(v, tg.tensor(2.0)),
                         allow_unused=True, retain_graph=True)
    np.testing.assert_allclose(ga.data, v.data * b.data + 4 * a.data)
    np.testing.assert_allclose(gb.data, v.data * a.data)
    assert gc is None
    with pytest.raises(RuntimeError, match="not used"):
        tg.grad(y1.sum(), c)


def test_backward_create_graph_then_second_backward():
    x = tg.tensor([0.5, -1.0], requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data)


def test_double_backward_through_freed_graph_raises():
    x = _t(2)
    y = (x * x).sum()
    (g,) = tg.grad(y, x, create_graph=False)
    assert not g.requires_grad
    with pytest.raises(RuntimeError, match="second time"):
        tg.grad(y, x)


# ----- second derivatives of every differentiable core op, via gradgradcheck -----------------
def _pos(*shape):
    return _t(*shape, lo=0.5, hi=1.5)


OPS = [
    ("add", lambda x, y: x + y, [(3,), (2, 3)]),
    ("sub", lambda x, y: x - y, [(2, 1), (3,)]),
    ("mul", lambda x, y: x * y, [(2, 3), (3,)]),
    ("div", lambda x, y: x / y, [(3,), "pos3"]),
    ("pow", lambda x, y: x ** y, ["pos3", (3,)]),
    ("pow_scalar", lambda x: x ** 3, [(2, 2)]),
    ("neg", lambda x: -x, [(3,)]),
    ("exp", lambda x: x.exp(), [(2, 2)]),
    ("log", lambda x: x.log(), ["pos3"]),
    ("log1p", lambda x: x.log1p(), ["pos3"]),
    ("expm1", lambda x: x.expm1(), [(3,)]),
    ("sqrt", lambda x: x.sqrt(), ["pos3"]),
    ("square", lambda x: x.square(), [(3,)]),
    ("sin", lambda x: x.sin(), [(3,)]),
    ("cos", lambda x: x.cos(), [(3,)]),
    ("tanh", lambda x: x.tanh(), [(2, 3)]),
    ("sigmoid", lambda x: x.sigmoid(), [(3,)]),
    ("softplus", lambda x: x.softplus(), [(3,)]),
    ("relu", lambda x: x.relu() * x, [(4,)]),
    ("abs", lambda x: x.abs() * x, [(4,)]),
    ("clip", lambda x: x.clip(-0.5, 0.5) * x, [(4,)]),
    ("maximum", lambda x, y: tg.maximum(x, y) * x, [(3,), (3,)]),
    ("minimum", lambda x, y: tg.minimum(x, y) * y, [(3,), (3,)]),
    ("where", lambda x, y: tg.where(x.data > 0, x * x, y * y), [(4,), (4,)]),
    ("sum", lambda x: x.sum(1) ** 2, [(2, 3)]),
    ("mean", lambda x: x.mean(0, keepdim=True) ** 2, [(2, 3)]),
    ("var", lambda x: x.var(1), [(2, 4)]),
    ("std", lambda x: x.std(), [(5,)]),
    ("prod", lambda x: x.prod(1), [(2, 3)]),
    ("amax", lambda x: x.amax(1) ** 2, [(2, 3)]),
    ("max_dim", lambda x: x.max(1).values ** 2, [(2, 3)]),
    ("logsumexp", lambda x: x.logsumexp(1), [(2, 3)]),
    ("matmul", lambda a, b: a @ b, [(2, 3), (3, 2)]),
    ("matvec", lambda a, b: a @ b, [(2, 3), (3,)]),
    ("dot", lambda a, b: tg.dot(a, b) ** 2, [(3,), (3,)]),
    ("batched_matmul", lambda a, b: a @ b, [(2, 2, 3), (3, 2)]),
    ("trace", lambda x: tg.trace(x * x), [(3, 3)]),
    ("diag", lambda x: tg.diag(x * x), [(3,)]),
    ("einsum", lambda a, b: tg.einsum("ij,jk->ik", a * a, b), [(2, 3), (3, 2)]),
    ("einsum_trace", lambda x: tg.einsum("ii->", x) ** 2, [(3, 3)]),
    ("einsum_diagonal", lambda x, v: tg.einsum("ii,i->i", x, v) ** 2, [(3, 3), (3,)]),
    ("einsum_repeated_batch", lambda x: tg.einsum("iij->j", x * x), [(2, 2, 3)]),
    ("reshape", lambda x: (x * x).reshape(3, 2), [(2, 3)]),
    ("permute", lambda x: (x * x).permute(1, 0), [(2, 3)]),
    ("expand", lambda x: (x * x).expand(2, 3), [(1, 3)]),
    ("getitem", lambda x: (x * x)[1:, [0, 2]], [(3, 3)]),
    ("cat", lambda x, y: tg.cat([x * y, y], 0), [(2,), (2,)]),
    ("stack", lambda x, y: tg.stack([x * y, x], 1), [(2,), (2,)]),
    ("setitem", lambda x: _setitem(x), [(4,)]),
    ("log_softmax", lambda x: NF.log_softmax(x, 1), [(2, 3)]),
    ("softmax", lambda x: NF.softmax(x, 0), [(3, 2)]),
    ("cross_entropy", lambda x: NF.cross_entropy(x, np.array([0, 2])), [(2, 3)]),
    ("bce_logits", lambda x, y: NF.binary_cross_entropy_with_logits(x, y.sigmoid()), [(3,), (3,)]),
    ("vector_norm", lambda x: tg.linalg.vector_norm(x, 3), [(4,)]),
    ("norm2", lambda x: tg.linalg.norm(x), [(2, 3)]),
    ("lgamma", lambda x: lgamma(x), ["pos3"]),
    ("float64_cast", lambda x: (x.to("float64") * 2).to("float64") ** 2, [(3,)]),
]


def _setitem(x):
    y = x * 1.0
    y[1] = x[0] * x[2]
    return y * y


def _inputs(shapes):
    return tuple(_pos(3) if s == "pos3" else _t(*s) for s in shapes)


@pytest.mark.parametrize("name, f, shapes", OPS, ids=[o[0] for o in OPS])
def test_second_derivatives_of_core_ops(name, f, shapes):
    inputs = _inputs(shapes)
    assert tg.gradgradcheck(f, inputs, atol=1e-5, rtol=1e-4)


def test_gradgradcheck_catches_a_first_order_only_vjp():
    class FrozenSquare(Function):   # vjp uses a constant copy of x: right once, wrong twice
        def forward(self, x):
            return x * x

        def vjp(self, g, out, x):
            return (g * 2.0 * np.array(x.data if isinstance(x, tg.Tensor) else x),)

    x = _t(3)
    assert tg.gradcheck(lambda t: FrozenSquare.apply(t), x)
    with pytest.raises(tg.GradcheckError, match="second derivatives"):
        tg.gradgradcheck(lambda t: FrozenSquare.apply(t), x)
    assert tg.autograd.gradgradcheck(lambda t: FrozenSquare.apply(t), x,
                                     raise_exception=False) is False


def test_spectral_norm_jvp_is_exact():
    a = RNG.standard_normal((3, 2))
    u = RNG.standard_normal((3, 2))
    _, jv = tg.autograd.functional.jvp(lambda x: tg.linalg.norm(x, 2), tg.tensor(a), tg.tensor(u))
    num = tg.autograd.numerical_jacobian(lambda x: tg.linalg.norm(x, 2), tg.tensor(a))
    np.testing.assert_allclose(float(jv), (num * u).sum(), rtol=1e-6)


# ----- detect_anomaly --------------------------------------------------------------------
def test_detect_anomaly_names_op_and_user_line():
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with tg.detect_anomaly():
        y = x.sqrt()        # d sqrt / dx = inf at 0
        with pytest.raises(RuntimeError, match=r"SqrtBackward.*test_higher_order.py:\d+.*x\.sqrt"):
            y.sum().backward()
    assert not tg.autograd.is_anomaly_enabled()


def test_without_detect_anomaly_nan_passes_silently():
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()
    assert np.isinf(x.grad.data[0])


def test_detect_anomaly_as_decorator_and_nan_in_middle_op():
    @tg.autograd.detect_anomaly()
    def run():
        x = tg.tensor([-1.0, 2.0], requires_grad=True)
        z = (x * 0.0).log()   # log(0): the backward of Log gives inf, Mul gives nan
        z.sum().backward()

    with np.errstate(all="ignore"), pytest.raises(RuntimeError, match="LogBackward"):
        run()
