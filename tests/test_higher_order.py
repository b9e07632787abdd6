"""Higher-order derivatives: create_graph to any order, gradgradcheck over the op table
(tests/op_table.py), detect_anomaly."""
import numpy as np
import pytest

import op_table as T
import tinygrad_ku as tg
from tinygrad_ku.engine import Function


def _t(*shape, key, lo=-1.0, hi=1.0):
    rng = np.random.default_rng(T.seed(key, shape))
    return tg.tensor(rng.uniform(lo, hi, shape), requires_grad=True)


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
    a, b, c = (_t(3, key=("grad_outputs", k)) for k in "abc")
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
    x = _t(2, key="freed graph")
    y = (x * x).sum()
    (g,) = tg.grad(y, x, create_graph=False)
    assert not g.requires_grad
    with pytest.raises(RuntimeError, match="second time"):
        tg.grad(y, x)


# ----- second derivatives of every op-table case, via gradgradcheck -------------------------
SECOND = T.second_order_items()


@pytest.mark.parametrize("case, shapes, p", SECOND, ids=[c.id(s, p) for c, s, p in SECOND])
def test_second_derivatives(case, shapes, p):
    fn, inputs = T.make(case, shapes, p)
    assert tg.gradgradcheck(fn, inputs, **(case.tol2 or dict(atol=1e-5, rtol=1e-4)))


def test_second_order_covers_the_table():
    checked = {c.name for c, _, _ in T.second_order_items()}
    skipped = {c.name: c.second_order for c in T.CASES if c.second_order is not True}
    assert all(isinstance(why, str) and why for why in skipped.values()), skipped
    assert checked | set(skipped) == {c.name for c in T.CASES}


def test_gradgradcheck_catches_a_first_order_only_vjp():
    class FrozenSquare(Function):   # vjp uses a constant copy of x: right once, wrong twice
        def forward(self, x):
            return x * x

        def vjp(self, g, out, x):
            return (g * 2.0 * np.array(x.data if isinstance(x, tg.Tensor) else x),)

    x = _t(3, key="frozen square")
    assert tg.gradcheck(lambda t: FrozenSquare.apply(t), x)
    with pytest.raises(tg.GradcheckError, match="second derivatives"):
        tg.gradgradcheck(lambda t: FrozenSquare.apply(t), x)
    assert tg.autograd.gradgradcheck(lambda t: FrozenSquare.apply(t), x,
                                     raise_exception=False) is False


def test_spectral_norm_jvp_is_exact():
    rng = np.random.default_rng(T.seed("spectral norm jvp"))
    a = rng.standard_normal((3, 2))
    u = rng.standard_normal((3, 2))
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
