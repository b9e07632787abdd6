"""In-place ops and PyTorch's version-counter rule: a value the graph saved for backward must not change."""
import numpy as np
import pytest

import tinygrad_ku as tg

SAVED = "modified by an inplace operation"


def _leaf():
    return tg.tensor([0.5, -1.0, 2.0], requires_grad=True)


@pytest.mark.parametrize("op", [
    lambda t: t.add_(1.0), lambda t: t.sub_(1.0), lambda t: t.mul_(2.0), lambda t: t.div_(2.0),
    lambda t: t.zero_(), lambda t: t.copy_(np.ones(3)), lambda t: t.clamp_(-0.5, 0.5),
    lambda t: t.__iadd__(1.0), lambda t: t.__imul__(3.0), lambda t: t.__setitem__(0, 7.0),
])
def test_changing_a_saved_input_raises_at_backward_naming_the_op(op):
    x = _leaf()
    a = x * 2.0
    y = a * a                  # Mul saves a
    op(a)
    with pytest.raises(RuntimeError, match=SAVED + ".*Mul"):
        y.sum().backward()


def test_changing_a_saved_output_raises():
    x = _leaf()
    y = x.exp()                # exp's backward reads its output
    y.add_(1.0)
    with pytest.raises(RuntimeError, match=SAVED + ".*Exp"):
        y.sum().backward()
    x = _leaf()
    y = x.tanh()
    with tg.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match=SAVED + ".*Tanh"):
        y.sum().backward()


def test_ops_that_save_nothing_allow_the_change_like_pytorch():
    # PyTorch: add and exp do not save their input, so changing it afterwards is fine
    x = _leaf()
    a = x * 2.0
    y = (a + 1.0).sum() + a.exp().sum()
    a.mul_(10.0)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2.0 + 2.0 * np.exp(2.0 * np.array([0.5, -1.0, 2.0])))


def test_inplace_ops_are_differentiated():
    x = _leaf()
    a = x * 1.0
    a *= x                     # a = x²
    a += 3.0 * x               # a = x² + 3x
    a.sub_(x, alpha=2.0)       # a = x² + x
    a /= 2.0                   # a = (x² + x) / 2
    a.clamp_(-10.0, 1.5)       # clips x = 2 (value 3)
    a.sum().backward()
    np.testing.assert_allclose(x.grad.data, [(2 * 0.5 + 1) / 2, (2 * -1.0 + 1) / 2, 0.0])


def test_setitem_routes_gradients():
    x, v = _leaf(), tg.tensor(3.0, requires_grad=True)
    y = x * 1.0
    y[1] = v * v
    (y * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0, 0.0, 3.0])
    np.testing.assert_allclose(float(v.grad), 2.0 * 2 * 3.0)


def test_copy_and_zero_cut_the_old_value():
    x, s = _leaf(), tg.tensor([1.0, 1.0, 1.0], requires_grad=True)
    y = x * 2.0
    y.copy_(s * 5.0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 0.0)
    np.testing.assert_allclose(s.grad.data, 5.0)
    x = _leaf()
    y = x * 2.0
    y.zero_()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 0.0)


def test_leaf_requiring_grad_refused_outside_no_grad():
    x = _leaf()
    for op in (lambda: x.add_(1.0), lambda: x.__isub__(1.0), lambda: x.__setitem__(0, 1.0),
               lambda: x.zero_()):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            op()
    with tg.no_grad():
        x -= 0.5
        x.mul_(2.0)
    np.testing.assert_allclose(x.data, [0.0, -3.0, 3.0])
    assert x.is_leaf and x.requires_grad
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)


def test_version_counter_advances():
    x = tg.tensor([1.0, 2.0])
    v0 = x._version
    x += 1.0
    x.mul_(2.0)
    assert x._version > v0
    np.testing.assert_allclose(x.data, [4.0, 6.0])


def test_inplace_with_create_graph_second_derivative():
    x = tg.tensor([0.3, -0.7], requires_grad=True)
    a = x * 1.0
    a *= x
    a *= x                       # a = x³
    (g,) = tg.grad(a.sum(), x, create_graph=True)
    (h,) = tg.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, 6 * x.data)


def test_mismatched_inplace_shapes_and_dtypes():
    y = tg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="add_"):
        y.add_(tg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    i = tg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="mul_"):
        i.mul_(0.5)


# ----- aliases: views and detached tensors share memory and version ----------------------

def test_in_place_on_a_view_of_a_recorded_tensor_is_refused():
    x = tg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 2
    z = y.reshape(2, 2)
    with pytest.raises(RuntimeError, match="view"):
        z += 1
    with pytest.raises(RuntimeError, match="view"):
        y[1:3].mul_(3)


def test_in_place_on_a_tensor_with_a_recorded_view_is_refused():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y[0:1]
    with pytest.raises(RuntimeError, match="view was taken"):
        y.mul_(3)
    w = y.clone()
    w.mul_(3)                                  # a clone is a separate copy: allowed
    (w.sum() + z.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 6.0])


def test_changing_a_detached_alias_is_caught_at_backward():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    loss = (y * y).sum()                       # Mul saves y
    d = y.detach()
    d += 1                                     # changes y's memory too, as in PyTorch
    np.testing.assert_allclose(y.data, [4.0, 7.0])
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_changing_a_base_is_seen_by_nodes_that_saved_its_view():
    W = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = tg.tensor([1.0, 1.0], requires_grad=True)
    out = (W.T @ x).sum()                      # MatMul saves the view W.T
    with tg.no_grad():
        W -= 0.5                               # an SGD step before backward
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()


def test_changing_a_view_of_an_untracked_tensor_updates_its_base():
    buf = tg.zeros(4)
    v = buf[1:3]
    v += 5.0
    np.testing.assert_allclose(buf.numpy(), [0.0, 5.0, 5.0, 0.0])


def test_changing_an_input_whose_value_backward_does_not_need_is_allowed():
    # PyTorch's rule: h * 2.0 needs only the constant for dh, so changing h is fine
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = (h * 2.0).sum() + (np.ones((3, 2)) @ h).sum()
    h.mul_(3)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    h2 = x * 1.0
    z = (h2 * w).sum()                         # dw needs h2's value
    h2.mul_(3)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()
