"""tg.compile: every op of the op table compiled and compared with eager mode bit for bit,
the cache, the refusals (with the user's line), gradients through the engine, deep graphs."""
import inspect

import numpy as np
import pytest

import op_table as T
import tinygrad_ku as tg
from tinygrad_ku.compile import TracingError

# Cases whose value depends on the inputs through arrays computed outside the graph
# (comparison masks, argmax/sort indices): compiling them is refused, never silently wrong.
REFUSED = {"cummax", "cummin", "huber_loss", "huber_loss_weighted", "kthvalue", "max_dim",
           "median", "median_dim", "min_dim", "mode", "poisson_nll_loss_full", "smooth_l1_loss",
           "softplus_beta", "sort", "topk", "where"}


def _same(a, b):
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


def _check_case(case, shapes, p):
    fn, inputs = T.make(case, shapes, p)
    leaves = [x for x in inputs if isinstance(x, tg.Tensor)]
    with np.errstate(all="ignore"):
        want = fn(*inputs)
        seed = np.random.default_rng(T.seed("cot", *case.key(shapes, p))).standard_normal(
            want.shape).astype(want.dtype)
        grads = tg.autograd.grad(want, leaves, tg.tensor(seed), allow_unused=True) \
            if want.requires_grad else [None] * len(leaves)
        got = tg.compile(fn)(*inputs)
        assert _same(got.data, want.data), "forward"
        assert got.requires_grad == want.requires_grad
        if want.requires_grad:
            mine = tg.autograd.grad(got, leaves, tg.tensor(seed), allow_unused=True)
            for a, b in zip(grads, mine):
                assert (a is None) == (b is None)
                assert a is None or _same(a.data, b.data), "gradient"


@pytest.mark.parametrize("case", T.CASES, ids=[c.name for c in T.CASES])
def test_op_table_compiled_equals_eager(case):
    """Every applicable (shapes, params) of the case: outputs and first-order gradients equal
    eager mode's bit for bit. The cases in REFUSED raise TracingError (for at least one
    signature: the check runs f on other input values, which may leave a mask unchanged)."""
    refused = 0
    for _, shapes, p in T.items([case]):
        try:
            _check_case(case, shapes, p)
        except TracingError as err:
            assert case.name in REFUSED, f"{case.id(shapes, p)}: {err}"
            assert "depends on its inputs" in str(err)
            refused += 1
    assert (refused > 0) == (case.name in REFUSED)


def test_refused_cases_are_in_the_table():
    assert REFUSED <= set(T.BY_NAME)


# ----- the cache --------------------------------------------------------------------------
def test_cache_hit_and_retrace_on_a_new_signature():
    calls = []

    def f(x, scale):
        calls.append(1)
        return (x * scale).tanh().sum()
    cf = tg.compile(f)
    assert inspect.signature(cf) == inspect.signature(f)
    x3 = tg.randn(3, requires_grad=True)
    cf(x3, 2.0)
    n = len(calls)
    cf(tg.randn(3, requires_grad=True), 2.0)          # same signature: no trace
    assert len(calls) == n and cf.cache_size == 1
    cf(tg.randn(4, requires_grad=True), 2.0)          # new shape
    assert cf.cache_size == 2
    cf(tg.randn(4, requires_grad=True), 3.0)          # a non-Tensor argument by value
    assert cf.cache_size == 3
    cf(tg.randn(4), 3.0)                              # requires_grad is part of the key
    assert cf.cache_size == 4
    y = cf(x3, 2.0)
    assert np.array_equal(y.data, f(x3, 2.0).data)


def test_no_grad_call_records_nothing():
    cf = tg.compile(lambda x: (x * x).sum())
    x = tg.randn(3, requires_grad=True)
    with tg.no_grad():
        y = cf(x)
    assert y.grad_fn is None and not y.requires_grad


# ----- refusals ---------------------------------------------------------------------------
def _line_of(fn, text):
    src, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(src) if text in line)


def f_if(x):
    if x.sum() > 0:
        return x * 2
    return x


def f_float(x):
    return x * float(x.sum())


def f_item(x):
    return x * x.sum().item()


def f_asarray(x):
    return x * np.asarray(x).sum()


def f_numpy(x):
    return x * x.numpy().sum()


@pytest.mark.parametrize("fn, text, what", [
    (f_if, "if x.sum()", "bool()"), (f_float, "* float(", "float()"),
    (f_item, ".item()", "item()"), (f_asarray, "np.asarray", "np.asarray()"),
    (f_numpy, ".numpy()", "numpy()")])
def test_reading_tensor_values_while_tracing_is_refused_naming_the_line(fn, text, what):
    x = tg.randn(3, requires_grad=True)
    with pytest.raises(TracingError) as err:
        tg.compile(fn)(x)
    msg = str(err.value)
    assert what in msg and f"test_compile.py:{_line_of(fn, text)}" in msg and text in msg


def test_a_mask_from_a_comparison_is_refused_naming_the_line():
    def f(x):
        return tg.where(x > 0, x, 0.5 * x).sum()
    with pytest.raises(TracingError, match=r"Where, made at .*test_compile.py"):
        tg.compile(f)(tg.tensor([1.0, -2.0, 3.0], requires_grad=True))


def test_in_place_change_of_an_argument_is_refused():
    def f(x):
        with tg.no_grad():
            x.add_(1.0)
        return x * 2
    with pytest.raises(TracingError, match="in place"):
        tg.compile(f)(tg.randn(3, requires_grad=True))

    def g(x):
        x += 1.0                       # eager mode refuses it too (a leaf that requires grad)
        return x
    with pytest.raises(RuntimeError, match="in-place"):
        tg.compile(g)(tg.randn(3, requires_grad=True))


def test_no_grad_inside_f():
    """A no_grad block that does not depend on the inputs is a constant, as in eager mode;
    one that computes from the inputs is refused (its value would be frozen)."""
    def const(x):
        with tg.no_grad():
            c = tg.ones(3) * 2.0
        return (x * c).sum()
    x = tg.randn(3, requires_grad=True)
    tg.compile(const)(x).backward()
    assert np.array_equal(x.grad.data, np.full(3, 2.0))

    def frozen(x):
        with tg.no_grad():
            c = x * 2.0
        return (x * c).sum()
    with pytest.raises(TracingError, match="no_grad"):
        tg.compile(frozen)(tg.randn(3, requires_grad=True))


# ----- gradients through the engine -------------------------------------------------------
def _mlp(x, w, b):
    return ((x @ w + b).tanh() ** 2).mean()


def _mlp_inputs():
    rng = np.random.default_rng(0)
    return (tg.tensor(rng.standard_normal((4, 3))),
            tg.tensor(rng.standard_normal((3, 2)), requires_grad=True, name="W"),
            tg.tensor(rng.standard_normal(2), requires_grad=True, name="b"))


def test_backward_accumulates_like_eager():
    x, w, b = _mlp_inputs()
    _mlp(x, w, b).backward()
    want = w.grad.data.copy(), b.grad.data.copy()
    w.grad = b.grad = None
    cf = tg.compile(_mlp)
    cf(x, w, b).backward()
    assert np.array_equal(w.grad.data, want[0]) and np.array_equal(b.grad.data, want[1])
    cf(x, w, b).backward()             # a second call accumulates into .grad
    assert np.array_equal(w.grad.data, 2 * want[0]) and np.array_equal(b.grad.data, 2 * want[1])


def test_autograd_grad_and_retain_graph():
    x, w, b = _mlp_inputs()
    want = tg.autograd.grad(_mlp(x, w, b), [w, b])
    y = tg.compile(_mlp)(x, w, b)
    got = tg.autograd.grad(y, [w, b], retain_graph=True)
    again = tg.autograd.grad(y, [w, b])
    for a, g1, g2 in zip(want, got, again):
        assert np.array_equal(a.data, g1.data) and np.array_equal(a.data, g2.data)


def test_two_calls_before_backward_keep_their_own_buffers():
    cf = tg.compile(lambda x: (x * x).tanh().sum())
    x1, x2 = tg.randn(5, requires_grad=True), tg.randn(5, requires_grad=True)
    y1, y2 = cf(x1), cf(x2)
    y1.backward()
    y2.backward()
    for x in (x1, x2):
        ref = tg.tensor(x.data, requires_grad=True)
        (ref * ref).tanh().sum().backward()
        assert np.array_equal(x.grad.data, ref.grad.data)


def test_the_output_of_a_compiled_call_feeds_eager_ops_and_vice_versa():
    x, w, b = _mlp_inputs()
    h = w * 3.0                        # a non-leaf argument
    cf = tg.compile(_mlp)
    (cf(x, h, b) * 2.0).backward()
    got = w.grad.data.copy()
    w.grad = None
    (_mlp(x, w * 3.0, b) * 2.0).backward()
    assert np.array_equal(got, w.grad.data)


def test_several_outputs_and_captured_parameters():
    W = tg.tensor(np.random.default_rng(1).standard_normal((3, 3)), requires_grad=True)

    def f(x):
        h = (x @ W).tanh()
        return h.sum(), (h * h).mean(), x
    cf = tg.compile(f)
    x = tg.randn(2, 3, requires_grad=True)
    a, m, same = cf(x)
    assert same is x
    (a + 3.0 * m).backward()
    got = W.grad.data.copy(), x.grad.data.copy()
    W.grad = x.grad = None
    a2, m2, _ = f(x)
    (a2 + 3.0 * m2).backward()
    assert np.array_equal(got[0], W.grad.data) and np.array_equal(got[1], x.grad.data)
    assert np.array_equal(a.data, a2.data) and np.array_equal(m.data, m2.data)


def test_create_graph_reruns_f_eagerly():
    def f(x):
        return (x * x * x).sum()
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = tg.autograd.grad(tg.compile(f)(x), [x], create_graph=True)
    (h,) = tg.autograd.grad(g.sum(), [x])
    assert np.array_equal(g.data, 3 * x.data ** 2) and np.array_equal(h.data, 6 * x.data)


def test_deep_chain_compiles_without_recursion():
    def f(x):
        y = x
        for k in range(20_000):
            y = y * 1.0001 if k % 3 == 0 else (y + 1e-6 if k % 3 == 1 else y.tanh())
        return y
    x = tg.tensor(0.5, requires_grad=True)
    cf = tg.compile(f)
    cf(x).backward()
    got = x.grad.data.copy()
    x.grad = None
    f(x).backward()
    assert np.array_equal(got, x.grad.data)


# ----- the code ---------------------------------------------------------------------------
def test_source_is_commented_and_user_strings_are_sanitised():
    x, w, b = _mlp_inputs()
    w.name = "W\nimport os; os.system('x')  # \x07"
    cf = tg.compile(_mlp)
    with pytest.raises(RuntimeError, match="call the function once"):
        cf.source
    cf(x, w, b)
    src = cf.source
    assert "def program(" in src and "MatMul" in src and "vjp" in src and "# b:" not in src
    assert "x (4, 3)" in src and "b (2,)" in src
    for line in src.splitlines():
        assert "import os" not in line.split("#")[0]
        assert "\x07" not in line
    compile(src, "<check>", "exec")     # the source as shown is valid Python


def test_show_prints_the_source(capsys):
    cf = tg.compile(lambda x: x.exp().sum())
    cf(tg.randn(2, requires_grad=True))
    cf.show()
    assert "Exp" in capsys.readouterr().out


def test_numba_backend_names_the_extra_or_is_not_built_yet():
    try:
        import numba  # noqa: F401
        expected, match = NotImplementedError, "not built yet"
    except ImportError:
        expected, match = ImportError, r"pip install tinygrad_ku\[jit\]"
    with pytest.raises(expected, match=match):
        tg.compile(lambda x: x, backend="numba")
    with pytest.raises(ValueError, match="unknown backend"):
        tg.compile(lambda x: x, backend="cuda")
