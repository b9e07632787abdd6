"""Regression tests for engine integrity: per-thread grad mode, saved outputs changed in place,
user arrays changed after the forward pass, vectorized jacobians through in-place ops, hook
shapes, failed in-place ops, PyTorch's indexing rule, and a few API contracts (sum dtype,
max keepdim, __array__).

Every expected number is a closed form worked out by hand (never the library's own output);
every expected error is the one PyTorch raises (RuntimeError, matched on its message).
"""
import math
import sys
import threading

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku.nn import functional as F
from tinygrad_ku.autograd import functional as AF

SAVED = "modified by an inplace operation"
TIMEOUT = 10.0        # seconds: a thread test that waits longer than this has failed, not hung


def val(t):
    """A tensor's values as an ndarray (detached: np.asarray of a grad tensor must raise)."""
    return t.detach().numpy()


@pytest.fixture(autouse=True)
def _restore_modes():
    """A failing thread test must not leave grad mode off / anomaly on for the tests after it."""
    yield
    if not tg.is_grad_enabled():
        tg.enable_grad().__enter__()
    tg.set_detect_anomaly(False)


class _Worker(threading.Thread):
    """A daemon thread that records its exception (so a failing thread fails the test)."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn, self.error = fn, None

    def run(self):
        try:
            self.fn()
        except BaseException as err:   # noqa: BLE001 - reported by finish()
            self.error = err

    def finish(self):
        self.join(timeout=TIMEOUT)
        assert not self.is_alive(), "thread did not finish in time"
        if self.error is not None:
            raise self.error


def _observe_while_held(context, observe):
    """Run observe() in thread B while thread A is inside `context`; return what A saw
    inside (observe's result is what B saw)."""
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def a():
        with context:
            seen["a"] = (tg.is_grad_enabled(), tg.autograd.is_anomaly_enabled())
            inside.set()
            assert release.wait(TIMEOUT)

    def b():
        assert inside.wait(TIMEOUT)
        try:
            seen["b"] = observe()
        finally:
            release.set()

    ta, tb = _Worker(a), _Worker(b)
    ta.start()
    tb.start()
    tb.finish()
    ta.finish()
    return seen["a"], seen["b"]


# ----- 1. grad mode (and anomaly mode) are per thread --------------------------------------
def test_no_grad_in_one_thread_does_not_disable_recording_in_another():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def observe():
        y = x * 2
        return tg.is_grad_enabled(), y.requires_grad, y.grad_fn is not None

    (a_grad, _), b_seen = _observe_while_held(tg.no_grad(), observe)
    assert a_grad is False
    assert b_seen == (True, True, True)


def test_backward_in_one_thread_does_not_disable_recording_in_another():
    # thread A's backward pauses in a hook (on an intermediate of a long chain) until thread B
    # has built its graph: the two overlap every time
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    in_backward, b_done = threading.Event(), threading.Event()
    seen = {}

    def hook(g):
        in_backward.set()
        assert b_done.wait(TIMEOUT)

    def a():
        h = x * 1.0
        for i in range(20000):
            h = h * 1.0
            if i == 10000:
                h.register_hook(hook)
        try:
            (h * 3.0).sum().backward()
        finally:
            in_backward.set()          # never leave B waiting

    def b():
        assert in_backward.wait(TIMEOUT)
        try:
            y = x * 2
            z = (y * y).sum()
            seen["y"], seen["z"] = y.grad_fn is not None, z.grad_fn is not None
            seen["enabled"] = tg.is_grad_enabled()
        finally:
            b_done.set()

    ta, tb = _Worker(a), _Worker(b)
    ta.start()
    tb.start()
    tb.finish()
    ta.finish()
    assert seen == {"y": True, "z": True, "enabled": True}
    np.testing.assert_allclose(val(x.grad), [3.0, 3.0, 3.0])   # d(3 Σx)/dx


def test_interleaved_no_grad_blocks_in_two_threads_leave_grad_mode_on():
    # A enters, B enters, A exits, B exits
    a_in, b_in, a_out, b_out = (threading.Event() for _ in range(4))
    seen = {}

    def a():
        with tg.no_grad():
            seen["a_inside"] = tg.is_grad_enabled()
            a_in.set()
            assert b_in.wait(TIMEOUT)
        a_out.set()
        assert b_out.wait(TIMEOUT)
        seen["a_after"] = tg.is_grad_enabled()

    def b():
        assert a_in.wait(TIMEOUT)
        try:
            with tg.no_grad():
                seen["b_inside"] = tg.is_grad_enabled()
                b_in.set()
                assert a_out.wait(TIMEOUT)
        finally:
            b_in.set()
        b_out.set()
        seen["b_after"] = tg.is_grad_enabled()

    ta, tb = _Worker(a), _Worker(b)
    ta.start()
    tb.start()
    ta.finish()
    tb.finish()
    assert seen == {"a_inside": False, "b_inside": False, "a_after": True, "b_after": True}
    assert tg.is_grad_enabled()
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert (x * 2).grad_fn is not None


def test_two_threads_backpropagating_their_own_graphs_concurrently():
    n_iter, depth = 50, 40
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    failures = []

    def work(seed):
        rng = np.random.default_rng(seed)
        barrier.wait()
        for _ in range(n_iter):
            xv = rng.standard_normal(8)
            a = float(rng.uniform(0.5, 2.0))
            x = tg.tensor(xv, requires_grad=True)
            h = x * a
            for _ in range(depth):
                h = h * 1.0 + 0.0
            (h * h).sum().backward()               # Σ (a x)²: gradient 2 a² x
            want = 2.0 * a * a * xv
            if x.grad is None or not np.allclose(val(x.grad), want, rtol=1e-12, atol=0):
                failures.append((seed, None if x.grad is None else val(x.grad), want))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)        # switch threads often: races show up every run
    try:
        workers = [_Worker(lambda s=s: work(s)) for s in (1, 2)]
        for w in workers:
            w.start()
        for w in workers:
            w.finish()
    finally:
        sys.setswitchinterval(old)
    assert not failures
    assert tg.is_grad_enabled()


def test_fresh_thread_has_grad_enabled_while_main_thread_is_in_no_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    seen = {}

    def fresh():
        seen["enabled"] = tg.is_grad_enabled()
        seen["records"] = (x * 2).grad_fn is not None

    with tg.no_grad():
        w = _Worker(fresh)
        w.start()
        w.finish()
        assert not tg.is_grad_enabled()
    assert seen == {"enabled": True, "records": True}
    assert tg.is_grad_enabled()


def test_detect_anomaly_in_one_thread_does_not_enable_it_in_another():
    # The API contract makes anomaly mode per thread like grad mode (PyTorch keeps it
    # process-wide: AnomalyMode::_enabled).
    (_, a_anomaly), b_anomaly = _observe_while_held(tg.autograd.detect_anomaly(),
                                                    tg.autograd.is_anomaly_enabled)
    assert a_anomaly is True and b_anomaly is False
    assert not tg.autograd.is_anomaly_enabled()
    seen = {}
    # and a fresh thread does not inherit the main thread's anomaly mode
    with tg.autograd.detect_anomaly():
        w = _Worker(lambda: seen.__setitem__("fresh", tg.autograd.is_anomaly_enabled()))
        w.start()
        w.finish()
    assert seen["fresh"] is False


# ----- 2. outputs whose backward reads them, changed in place ----------------------------
_M = [[1.0, 5.0, 3.0], [4.0, 2.0, 6.0], [-2.0, 0.5, 1.5]]   # distinct entries, row/col sums, σ's

_SAVED_OUTPUT_OPS = {
    "amax": lambda x: x.amax(0),
    "amin": lambda x: x.amin(1),
    "max_full": lambda x: x.max(),
    "min_full": lambda x: x.min(),
    "prod_full": lambda x: x.prod(),
    "prod_dim": lambda x: x.prod(0),
    "vector_norm_inf": lambda x: tg.linalg.vector_norm(x, ord=math.inf),
    "vector_norm_-inf": lambda x: tg.linalg.vector_norm(x, ord=-math.inf),
    "matrix_norm_2": lambda x: tg.linalg.matrix_norm(x, ord=2),
    "matrix_norm_1": lambda x: tg.linalg.matrix_norm(x, ord=1),
    "matrix_norm_-1": lambda x: tg.linalg.matrix_norm(x, ord=-1),
    "matrix_norm_inf": lambda x: tg.linalg.matrix_norm(x, ord=math.inf),
    "matrix_norm_-inf": lambda x: tg.linalg.matrix_norm(x, ord=-math.inf),
}
# the ±1/±inf matrix norms end in a squeeze (a view here), and this library refuses a recorded
# in-place change of a view; their output is changed under no_grad() only (also legal in PyTorch)
_VIEW_OUTPUTS = {"matrix_norm_1", "matrix_norm_-1", "matrix_norm_inf", "matrix_norm_-inf"}


@pytest.mark.parametrize("name", [n for n in _SAVED_OUTPUT_OPS if n not in _VIEW_OUTPUTS])
def test_recorded_inplace_change_of_a_saved_output_raises_at_backward(name):
    leaf = tg.tensor(_M, requires_grad=True)
    x = leaf * 1.0
    y = _SAVED_OUTPUT_OPS[name](x)
    y.add_(100.0)                      # legal: y is not a leaf
    with pytest.raises(RuntimeError, match=SAVED):
        y.sum().backward()


@pytest.mark.parametrize("name", list(_SAVED_OUTPUT_OPS))
def test_no_grad_inplace_change_of_a_saved_output_raises_at_backward(name):
    leaf = tg.tensor(_M, requires_grad=True)
    x = leaf * 1.0
    y = _SAVED_OUTPUT_OPS[name](x)
    with tg.no_grad():
        y.add_(100.0)
    with pytest.raises(RuntimeError, match=SAVED):
        y.sum().backward()


def test_setitem_on_amax_output_raises_at_backward():
    leaf = tg.tensor(_M, requires_grad=True)
    y = (leaf * 1.0).amax(0)
    y[0] = 100.0
    with pytest.raises(RuntimeError, match=SAVED):
        y.sum().backward()


# ----- 3. arrays the user can change after the forward pass ------------------------------
def _forward_time_gradient(run, expected):
    """The ops copied what the user changed afterwards: the gradient is that of the values
    at forward time, whether the user held a Tensor or an ndarray."""
    for g, want in zip(run(), expected):
        np.testing.assert_allclose(val(g), want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kind", ["tensor", "numpy"])
def test_where_condition_changed_after_forward(kind):
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = tg.tensor([True, False, True]) if kind == "tensor" else np.array([True, False, True])

    def run():
        y = tg.where(c, x * 2, x * 0)
        c[0] = False
        y.sum().backward()
        return (x.grad,)

    expected = ([2.0, 0.0, 2.0],)
    _forward_time_gradient(run, expected)


@pytest.mark.parametrize("kind", ["tensor", "numpy"])
def test_getitem_index_changed_after_forward(kind):
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    idx = tg.tensor([0, 2]) if kind == "tensor" else np.array([0, 2])
    w = tg.tensor([1.0, 10.0])

    def run():
        y = x[idx]
        idx[0] = 1
        (y * w).sum().backward()
        return (x.grad,)

    expected = ([1.0, 0.0, 10.0],)     # y = (x0, x2)
    _forward_time_gradient(run, expected)


@pytest.mark.parametrize("kind", ["tensor", "numpy"])
def test_setitem_index_changed_after_forward(kind):
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = tg.tensor([10.0, 20.0], requires_grad=True)
    idx = tg.tensor([0, 2]) if kind == "tensor" else np.array([0, 2])
    w = tg.tensor([1.0, 2.0, 3.0])

    def run():
        z = x * 1.0
        z[idx] = v                     # z = (v0, x1, v1)
        idx[0] = 1
        np.testing.assert_array_equal(val(z), [10.0, 2.0, 20.0])
        (z * w).sum().backward()
        return x.grad, v.grad

    expected = ([0.0, 2.0, 0.0], [1.0, 3.0])
    _forward_time_gradient(run, expected)


_LOGITS = [[0.1, 0.2, 0.7], [0.3, -0.3, 0.4]]


def _softmax_rows(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("loss", ["nll_loss", "cross_entropy"])
@pytest.mark.parametrize("kind", ["tensor", "numpy"])
def test_class_targets_changed_after_forward(loss, kind):
    x = tg.tensor(_LOGITS, requires_grad=True)
    target = tg.tensor([2, 0]) if kind == "tensor" else np.array([2, 0])
    onehot = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    n = 2
    if loss == "nll_loss":             # mean of -x[i, t_i]
        expected = -onehot / n
    else:                              # mean of -log softmax(x)[i, t_i]
        expected = (_softmax_rows(np.array(_LOGITS)) - onehot) / n

    def run():
        out = getattr(F, loss)(x, target)
        target[0] = 1
        target[1] = 2
        out.backward()
        return (x.grad,)

    _forward_time_gradient(run, (expected,))


# ----- 4. vectorized jacobian / hessian through legal in-place ops ------------------------
def _f_chain(x):                       # 4 (x + 1)²: d/dx = 8 (x + 1)
    y = x * 1.0
    y += 1.0
    y *= 2.0
    return y ** 2


def _f_used_before_change(x):          # 3x + (x + 1) = 4x + 1: a value used before y += 1
    y = x * 1.0
    z = y * 3.0
    y += 1.0
    return z + y


_X0 = [0.5, -1.0, 2.0]
_JACOBIANS = {
    # the brief's example: correct on the pre-rewrite code too (kept as a guard)
    "chain_guard": (_f_chain, np.diag([8.0 * (v + 1.0) for v in _X0]), 8.0 * np.eye(3)),
    "used_before_change": (_f_used_before_change, 4.0 * np.eye(3), 32.0 * np.eye(3)),
}


@pytest.mark.parametrize("name", list(_JACOBIANS))
def test_vectorized_jacobian_through_inplace_ops(name):
    f, want, _ = _JACOBIANS[name]
    x = tg.tensor(_X0)
    looped = AF.jacobian(f, x)
    vec = AF.jacobian(f, x, vectorize=True)
    np.testing.assert_allclose(val(looped), want, rtol=1e-12)
    np.testing.assert_allclose(val(vec), want, rtol=1e-12)


@pytest.mark.parametrize("name", list(_JACOBIANS))
def test_vectorized_hessian_through_inplace_ops(name):
    # chain: Σ 4 (x + 1)²       -> H = 8 I
    # used_before_change: Σ (4x + 1)² -> H = 32 I
    f, _, want = _JACOBIANS[name]
    g = (lambda x: f(x).sum()) if name == "chain_guard" else (lambda x: (f(x) ** 2).sum())
    x = tg.tensor(_X0)
    looped = AF.hessian(g, x)
    vec = AF.hessian(g, x, vectorize=True)
    np.testing.assert_allclose(val(looped), want, rtol=1e-12)
    np.testing.assert_allclose(val(vec), want, rtol=1e-12)


# ----- 5. a hook that changes the gradient's shape ---------------------------------------
def test_leaf_hook_returning_a_different_shape_raises():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match=r"(?i)hook|shape|size"):
        (x * 2).sum().backward()


def test_nonleaf_hook_returning_a_different_shape_raises():
    # guard: raises on the pre-rewrite code too
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match=r"(?i)hook|shape|size"):
        (y * 2).sum().backward()


# ----- 6. a failed in-place op changes nothing -------------------------------------------
def _iadd_bad(z):
    z += tg.ones(5)


def _iadd_bigger(z):
    z += tg.ones(2, 3)                 # broadcasts, but the result does not fit z


def _add_bad(z):
    z.add_(tg.ones(5))


def _mul_bigger(z):
    z.mul_(tg.ones(2, 3))


def _setitem_bad_shape(z):
    z[...] = tg.ones(5)


def _setitem_bad_index(z):
    z[7] = 1.0


_FAILING_INPLACE = {"iadd": _iadd_bad, "iadd_bigger": _iadd_bigger, "add_": _add_bad,
                    "mul_bigger": _mul_bigger,
                    "setitem_shape_guard": _setitem_bad_shape,      # guards: setitem checks
                    "setitem_index_guard": _setitem_bad_index}      # before it marks anything


@pytest.mark.parametrize("grad_mode", ["recorded", "no_grad"])
@pytest.mark.parametrize("name", list(_FAILING_INPLACE))
def test_failed_inplace_on_a_saved_output_does_not_mark_it_modified(name, grad_mode):
    xv = np.array([1.0, 2.0, 3.0])
    x = tg.tensor(xv, requires_grad=True)
    z = x.exp()                        # exp's backward reads z
    with pytest.raises((ValueError, RuntimeError, IndexError)):
        if grad_mode == "no_grad":
            with tg.no_grad():
                _FAILING_INPLACE[name](z)
        else:
            _FAILING_INPLACE[name](z)
    np.testing.assert_array_equal(val(z), np.exp(xv))
    other = x * 1.0
    other += 1.0                       # a later, successful in-place op elsewhere
    z.sum().backward()
    np.testing.assert_allclose(val(x.grad), np.exp(xv), rtol=1e-12)


@pytest.mark.parametrize("name", list(_FAILING_INPLACE))
def test_failed_inplace_on_an_input_keeps_its_consumers_valid(name):
    # guard (the brief's form): passes on the pre-rewrite code too
    xv = np.array([1.0, 2.0, 3.0])
    x = tg.tensor(xv, requires_grad=True)
    z = x * 1.0
    y = z.exp() + z * z
    with pytest.raises((ValueError, RuntimeError, IndexError)):
        _FAILING_INPLACE[name](z)
    other = x * 1.0
    other += 1.0
    y.sum().backward()
    np.testing.assert_allclose(val(x.grad), np.exp(xv) + 2.0 * xv, rtol=1e-12)


# ----- 7. PyTorch's indexing rule: integers are basic indices ----------------------------
_IDX = {"tensor": lambda: tg.tensor([1, 3]), "numpy": lambda: np.array([1, 3]),
        "list": lambda: [1, 3]}


@pytest.mark.parametrize("kind", list(_IDX))
def test_int_slice_array_index_follows_pytorch(kind):
    base = np.arange(24.0).reshape(2, 3, 4)    # t[a, i, j] = 12 a + 4 i + j
    t = tg.tensor(base, requires_grad=True)
    y = t[0, :, _IDX[kind]()]
    assert tuple(y.shape) == (3, 2)
    want = [[4.0 * i + 1.0, 4.0 * i + 3.0] for i in range(3)]
    np.testing.assert_array_equal(val(y), want)

    y.sum().backward()
    g = np.zeros((2, 3, 4))
    g[0, :, 1] = g[0, :, 3] = 1.0
    np.testing.assert_array_equal(val(t.grad), g)

    t.grad = None
    w = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    (t[0, :, _IDX[kind]()] * tg.tensor(w)).sum().backward()
    g = np.zeros((2, 3, 4))
    g[0, :, 1], g[0, :, 3] = w[:, 0], w[:, 1]
    np.testing.assert_array_equal(val(t.grad), g)


def test_int_slice_array_setitem_follows_pytorch():
    # extra (not in the brief): assignment must use the same rule as reading
    t = tg.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    v = tg.tensor([[100.0, 200.0], [300.0, 400.0], [500.0, 600.0]], requires_grad=True)
    z = t * 1.0
    z[0, :, tg.tensor([1, 3])] = v
    want = np.arange(24.0).reshape(2, 3, 4)
    want[0, :, 1], want[0, :, 3] = val(v)[:, 0], val(v)[:, 1]
    np.testing.assert_array_equal(val(z), want)
    w = np.arange(1.0, 25.0).reshape(2, 3, 4)
    (z * tg.tensor(w)).sum().backward()
    np.testing.assert_array_equal(val(v.grad), np.stack([w[0, :, 1], w[0, :, 3]], axis=1))
    gt = w.copy()
    gt[0, :, 1] = gt[0, :, 3] = 0.0
    np.testing.assert_array_equal(val(t.grad), gt)


# ----- 8. d/dy 0**y ---------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_zero_to_a_negative_power_has_gradient_minus_inf_in_the_exponent():
    # d/dy x^y = x^y log x; at x = 0, y < 0: inf * (-inf) = -inf (PyTorch)
    x = tg.tensor(0.0)
    y = tg.tensor(-2.0, requires_grad=True)
    (x ** y).backward()
    assert val(y.grad) == -np.inf


def test_zero_to_a_positive_power_has_gradient_zero_in_the_exponent():
    # guard: PyTorch masks x == 0, y >= 0 to 0
    x = tg.tensor(0.0)
    y = tg.tensor(2.0, requires_grad=True)
    (x ** y).backward()
    assert val(y.grad) == 0.0


# ----- 9. sum(dtype=...) and max/min(keepdim=...) without dim -----------------------------
@pytest.mark.parametrize("dtype", [tg.float32, np.float32, "float32"], ids=["tg", "np", "str"])
def test_sum_dtype_is_honoured(dtype):
    xv = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    x = tg.tensor(xv, requires_grad=True)
    s = x.sum(dtype=dtype)
    assert s.dtype == np.float32
    assert val(s) == np.float32(21.0)
    s0 = x.sum(0, dtype=dtype)
    assert s0.dtype == np.float32
    np.testing.assert_array_equal(val(s0), np.array([5.0, 7.0, 9.0], np.float32))
    s.backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(val(x.grad), np.ones((2, 3)))


@pytest.mark.parametrize("op", ["max", "min"])
def test_full_max_min_with_keepdim_but_no_dim_raises(op):
    x = tg.tensor([[1.0, 5.0], [3.0, 2.0]])
    with pytest.raises((TypeError, RuntimeError)):
        getattr(x, op)(keepdim=True)


# ----- 10. np.asarray of a tensor that requires grad --------------------------------------
def test_asarray_of_a_tensor_that_requires_grad_raises():
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"(?i)requires.grad|numpy"):
        np.asarray(t)
    with pytest.raises(RuntimeError, match=r"(?i)requires.grad|numpy"):
        np.asarray(t * 2.0)
    np.testing.assert_array_equal(np.asarray(t.detach()), [1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(tg.tensor([3.0])), [3.0])


# ----- 11. guards: ops whose backward reads their output (already raising before) ---------
_READS_OUTPUT = {
    "exp": lambda x: x.exp(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "sqrt": lambda x: x.sqrt(),
    "softmax": lambda x: F.softmax(x, dim=-1),
    "logsumexp": lambda x: x.logsumexp(1),
    "std": lambda x: x.std(),
    "relu": lambda x: x.relu(),
}


@pytest.mark.parametrize("grad_mode", ["recorded", "no_grad"])
@pytest.mark.parametrize("name", list(_READS_OUTPUT))
def test_guard_inplace_change_of_output_raises(name, grad_mode):
    leaf = tg.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], requires_grad=True)
    y = _READS_OUTPUT[name](leaf * 1.0)
    if grad_mode == "no_grad":
        with tg.no_grad():
            y.add_(1.0)
    else:
        y.add_(1.0)
    with pytest.raises(RuntimeError, match=SAVED):
        y.sum().backward()


def test_sign_of_nan_is_zero_as_pytorch():
    np.testing.assert_array_equal(val(tg.tensor([np.nan, -2.0, 0.0, 3.0]).sign()), [0, -1, 0, 1])


def test_clamp_with_a_bound_that_broadcasts_the_input():
    """lo of shape (2, 1) broadcasts x of shape (3,) to (2, 3): x's gradient sums the rows
    where lo <= x (PyTorch 2.13 gives [1, 2, 0])."""
    x = tg.tensor([0.5, 2.0, -1.0], requires_grad=True)
    x.clamp(min=tg.tensor([[0.0], [1.0]])).sum().backward()
    np.testing.assert_array_equal(val(x.grad), [1.0, 2.0, 0.0])


def test_zero_fill_and_copy_overwrite_inf_and_nan():
    for method, arg, want in (("zero_", (), [0.0, 0.0]), ("fill_", (2.5,), [2.5, 2.5]),
                              ("copy_", (tg.tensor([1.0, -1.0]),), [1.0, -1.0])):
        t = tg.tensor([np.inf, np.nan])
        getattr(t, method)(*arg)
        np.testing.assert_array_equal(val(t), want)
    i = tg.tensor([3, 4])
    i.zero_()
    assert i.dtype == np.int64 and val(i).tolist() == [0, 0]


def test_fill_passes_the_gradient_to_the_value_and_none_to_the_old_values():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    v = tg.tensor(3.0, requires_grad=True)
    y = x * 1.0
    y.fill_(v)
    (y * tg.tensor([2.0, 5.0])).sum().backward()
    assert v.grad.item() == 7.0
    np.testing.assert_array_equal(val(x.grad), [0.0, 0.0])


def test_gradient_sums_never_write_into_an_array_a_hook_kept():
    """A pass-through gradient (Add sends g itself) that a hook kept is summed into a new
    array, never in place: the walk adds in place only into sums it made itself."""
    x0 = np.array([0.5, -1.0])
    x = tg.tensor(x0, requires_grad=True)
    v = x.exp()
    h = v + v.sin()                     # v's gradient arrives twice: g itself, then g·cos v
    kept, copies = [], []

    def hook(g):
        kept.append(g)
        copies.append(np.array(g.data, copy=True))
        return g
    h.register_hook(hook)
    (h * tg.tensor([2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(kept[0].data, copies[0])
    np.testing.assert_allclose(x.grad.numpy(),
                               np.array([2.0, 3.0]) * np.exp(x0) * (1 + np.cos(np.exp(x0))))
