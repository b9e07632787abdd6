"""The performance paths keep exact semantics: fused softplus / BCE-with-logits at extreme
logits, dtype-preserving losses, and the backward pass restoring the garbage collector."""
import gc
import math

import numpy as np
import pytest

import tinygrad_ku as tg
import tinygrad_ku.nn.functional as F

LOGITS = [-800.0, -30.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 30.0, 800.0]


def _sigmoid(x):
    """Independent reference in Python floats: the stable branch for each sign."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    return math.exp(x) / (1.0 + math.exp(x))


def _softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-14), (np.float32, 1e-6)])
def test_softplus_value_and_gradient_at_extreme_logits(dtype, rtol):
    x = tg.tensor(np.array(LOGITS, dtype=dtype), requires_grad=True)
    y = x.softplus()
    y.sum().backward()
    assert y.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(y.data, [_softplus(v) for v in x.data.astype(float)], rtol=rtol)
    # the left tail keeps its relative precision: sigmoid(-30) = 9.36e-14, not 0
    np.testing.assert_allclose(x.grad.data, [_sigmoid(v) for v in x.data.astype(float)],
                               rtol=rtol, atol=0)


def test_softplus_of_infinities_nan_scalar_and_integers():
    x = tg.tensor([-np.inf, np.inf, np.nan], requires_grad=True)
    y = x.softplus()
    y.backward(np.ones(3))
    np.testing.assert_array_equal(y.data[:2], [0.0, np.inf])
    np.testing.assert_array_equal(x.grad.data[:2], [0.0, 1.0])
    assert np.isnan(y.data[2]) and np.isnan(x.grad.data[2])
    s = tg.tensor(-0.3, requires_grad=True)
    s.softplus().backward()
    assert s.grad.item() == pytest.approx(_sigmoid(-0.3), rel=1e-15)
    np.testing.assert_allclose(tg.tensor([1, 2]).softplus().data, [_softplus(1), _softplus(2)])


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-13), (np.float32, 1e-5)])
def test_bce_with_logits_matches_closed_form_at_extreme_logits(dtype, rtol):
    x = tg.tensor(np.array(LOGITS, dtype=dtype), requires_grad=True)
    t = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0], dtype=dtype)
    loss = F.binary_cross_entropy_with_logits(x, tg.tensor(t), reduction="sum")
    loss.backward()
    xs = x.data.astype(float)
    expected = sum(_softplus(v) - v * y for v, y in zip(xs, t.astype(float)))
    assert loss.item() == pytest.approx(expected, rel=rtol)
    np.testing.assert_allclose(x.grad.data, [_sigmoid(v) - y for v, y in zip(xs, t)],
                               rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_with_logits_keeps_tiny_losses_of_confident_correct_logits(dtype):
    """softplus(x) - x y = log1p(e^-|x|) when the label agrees with the logit's sign:
    4.2e-18 at |x| = 40, below the spacing of floats near 40, so it must not cancel to 0."""
    x = tg.tensor(np.array([40.0, -40.0, 30.0, -30.0], dtype=dtype))
    t = tg.tensor(np.array([1.0, 0.0, 1.0, 0.0], dtype=dtype))
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    expected = [math.log1p(math.exp(-abs(v))) for v in (40.0, -40.0, 30.0, -30.0)]
    np.testing.assert_allclose(loss.data, expected, rtol=1e-6 if dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("scale", [1.0, 2.5])
def test_large_summed_softplus_and_bce_gradients(scale):
    """Past a few thousand elements sum() passes its cotangent as one broadcast number;
    a cotangent of 1 skips the multiply, any other still scales the gradient."""
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.normal(size=6000) * 3, requires_grad=True)
    t = (rng.random(6000) < 0.5).astype(float)
    (x.softplus().sum() * scale).backward()
    expected = np.array([_sigmoid(v) for v in x.data])
    np.testing.assert_allclose(x.grad.data, scale * expected, rtol=1e-13)
    x.grad = None
    (F.binary_cross_entropy_with_logits(x, tg.tensor(t), reduction="sum") * scale).backward()
    np.testing.assert_allclose(x.grad.data, scale * (expected - t), rtol=1e-12, atol=1e-15)


def test_bce_with_logits_gradient_of_target_and_second_order():
    x = tg.tensor([0.7, -1.2, 3.0], requires_grad=True)
    y = tg.tensor([0.2, 0.9, 0.5], requires_grad=True)
    assert tg.gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b), (x, y))
    assert tg.autograd.gradgradcheck(
        lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="sum"), (x, y))


def test_cross_entropy_keeps_float32():
    """A float32 model gets a float32 loss and float32 gradients, as in PyTorch."""
    z = tg.tensor(np.linspace(-2, 2, 12, dtype=np.float32).reshape(4, 3), requires_grad=True)
    loss = F.cross_entropy(z, np.array([0, 2, 1, 2]))
    assert loss.dtype == np.float32
    loss.backward()
    assert z.grad.dtype == np.float32
    zd = z.data.astype(np.float64)
    p = np.exp(zd - zd.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(4), [0, 2, 1, 2]] -= 1.0
    np.testing.assert_allclose(z.grad.data, p / 4, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("enabled", [True, False])
def test_backward_restores_the_garbage_collector_even_when_a_hook_raises(enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        x = tg.tensor([1.0, 2.0], requires_grad=True)
        (x * 3.0).sum().backward()
        assert gc.isenabled() is enabled
        y = x * 2.0

        def boom(g):
            raise KeyError("hook failed")
        y.register_hook(boom)
        with pytest.raises(KeyError):
            y.sum().backward()
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
