"""tg.compile: every op of the op table compiled and compared with eager mode bit for bit,
the cache, the refusals (with the user's line), gradients through the engine, deep graphs."""
import inspect

import numpy as np
import pytest

import op_table as T
import tinygrad_ku as tg
from tinygrad_ku.compile.function import UncheckedWarning
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


# ops that validate their inputs (bce: probabilities in [0, 1]) fail on the checker's changed
# values, so their programs are checked on the traced values only, and say so
@pytest.mark.filterwarnings("ignore::tinygrad_ku.compile.function.UncheckedWarning")
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


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown backend"):
        tg.compile(lambda x: x, backend="cuda")


def test_numba_backend_missing_names_the_extra(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "numba", None)      # import numba -> ImportError
    with pytest.raises(ImportError, match=r"pip install tinygrad_ku\[jit\]"):
        tg.compile(lambda x: x, backend="numba")


# ----- the numba backend (fused loops: equal to the NumPy backend to 1e-12) ---------------
def _close(a, b, rtol=1e-12):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-300)
    assert np.all(np.abs(a - b) <= rtol * scale), np.max(np.abs(a - b)) / scale


def test_numba_tiny_workload_fuses_and_equals_numpy_backend():
    pytest.importorskip("numba")

    def f(x):
        y = x
        for k in range(100):
            y = y * 1.01 if k % 3 == 0 else (y + 0.01 if k % 3 == 1 else y.tanh())
        return y.sum()
    x = tg.tensor(np.linspace(-1.0, 1.0, 8), requires_grad=True)
    cf = tg.compile(f, backend="numba")
    y = cf(x)
    y.backward()
    got = x.grad.data.copy()
    assert "@_njit" in cf.source and "fused steps" in cf.source
    x.grad = None
    want = tg.compile(f)(x)
    want.backward()
    _close(y.data, want.data)
    _close(got, x.grad.data)
    x.grad = None
    cf(x).backward()                   # a cached call
    _close(x.grad.data, got, 0)


NUMBA_CASES = ["add", "mul", "div", "exp", "log", "tanh", "sigmoid", "relu", "sqrt", "square",
               "mean", "matmul", "softplus", "mse_loss", "log_softmax", "sin"]


@pytest.mark.parametrize("name", NUMBA_CASES)
def test_numba_op_table_cases_equal_numpy_backend(name):
    pytest.importorskip("numba")
    case = T.BY_NAME[name]
    for _, shapes, p in list(T.items([case]))[:3]:
        fn, inputs = T.make(case, shapes, p)
        leaves = [x for x in inputs if isinstance(x, tg.Tensor)]

        def chained(*args):            # the op inside an elementwise chain, to give it runs
            out = fn(*args)
            return ((out * 1.5 + 0.25).tanh() * out).sum()
        with np.errstate(all="ignore"):
            want = tg.compile(chained)(*inputs)
            if not want.requires_grad:
                continue
            gw = tg.autograd.grad(want, leaves, allow_unused=True)
            got = tg.compile(chained, backend="numba")(*inputs)
            gg = tg.autograd.grad(got, leaves, allow_unused=True)
        _close(got.data, want.data)
        for a, b in zip(gg, gw):
            assert (a is None) == (b is None)
            if a is not None:
                _close(a.data, b.data)


# ----- tg.estimate through compiled programs ------------------------------------------------
class _Logit(tg.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = tg.nn.Parameter(tg.zeros(3))
        self.b = tg.nn.Parameter(tg.zeros(()))

    def log_prob(self, X, y):
        z = X @ self.w + self.b
        return (y * z - tg.nn.functional.softplus(z)).sum()


class _Weibull(tg.nn.Module):
    """y ~ Weibull(shape k, scale exp(X b)): a Weibull regression."""
    arg_constraints = {"k": "positive"}

    def __init__(self):
        super().__init__()
        self.b = tg.nn.Parameter(tg.zeros(2))
        self.k = tg.nn.Parameter(tg.ones(()))

    def log_prob(self, X, y):
        eta = X @ self.b
        z = y * (-eta).exp()
        return (self.k.log() - eta + (self.k - 1.0) * z.log() - z ** self.k).sum()


class _Branchy(_Logit):
    def log_prob(self, X, y):
        z = X @ self.w + self.b
        if float(z.sum()) > 1e9:       # value-dependent Python: compile refuses it
            z = z * 0.5
        return (y * z - tg.nn.functional.softplus(z)).sum()


def _fit_data(kind):
    rng = np.random.default_rng(3)
    if kind == "weibull":
        X = np.column_stack([np.ones(60), rng.standard_normal(60)])
        y = np.exp(X @ [0.5, 0.3]) * rng.weibull(1.7, 60)
        return X, y
    X = rng.standard_normal((32, 3))
    y = (X @ [1.0, -0.5, 0.3] + 0.2 + rng.standard_normal(32) > 0).astype(float)
    return X, y


def _fit(model_cls, kind, compile, **kw):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_fn = tg.estimate.map if "prior" in kw else tg.estimate.mle
        return fit_fn(model_cls(), _fit_data(kind), compile=compile, **kw)


@pytest.mark.parametrize("model_cls, kind, kw", [
    (_Logit, "logit", dict(optimizer="newton")),
    (_Logit, "logit", dict(optimizer="lbfgs")),
    (_Logit, "logit", dict(optimizer="adam", max_iter=300)),
    (_Weibull, "weibull", dict(optimizer="lbfgs")),
    (_Weibull, "weibull", dict(optimizer="newton")),
    (_Logit, "logit", dict(optimizer="lbfgs", prior=tg.distributions.Normal(0.0, 3.0)))],
    ids=["logit-newton", "logit-lbfgs", "logit-adam", "weibull-lbfgs", "weibull-newton",
         "logit-map"])
def test_compiled_fit_equals_eager_fit(model_cls, kind, kw):
    eager = _fit(model_cls, kind, False, **kw)
    comp = _fit(model_cls, kind, True, **kw)
    from tinygrad_ku.estimate.compiled import CompiledProblem
    assert isinstance(comp.problem, CompiledProblem) and comp.problem.compiled
    assert comp.n_iter == eager.n_iter and comp.converged == eager.converged
    np.testing.assert_allclose(comp.u, eager.u, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(comp.nll, eager.nll, rtol=1e-12)
    np.testing.assert_allclose(comp.history, eager.history, rtol=1e-12)
    assert comp.message == eager.message


def test_compiled_fit_falls_back_to_eager_with_a_note():
    eager = _fit(_Branchy, "logit", False, optimizer="lbfgs")
    comp = _fit(_Branchy, "logit", True, optimizer="lbfgs")
    assert not comp.problem.compiled
    assert comp.message.startswith(eager.message) and "evaluated eagerly" in comp.message \
        and "float()" in comp.message
    np.testing.assert_allclose(comp.u, eager.u, rtol=1e-12)


def test_compile_default_follows_the_optimiser():
    from tinygrad_ku.estimate.compiled import CompiledProblem
    assert isinstance(_fit(_Logit, "logit", None, optimizer="adam", max_iter=5).problem,
                      CompiledProblem)
    for opt in ("newton", "lbfgs"):
        assert not isinstance(_fit(_Logit, "logit", None, optimizer=opt).problem,
                              CompiledProblem)


# ----- tg.autograd.functional on compiled functions -----------------------------------------
@pytest.mark.parametrize("vectorize", [False, True])
def test_functional_jacobian_and_hessian_of_compiled_functions(vectorize):
    from tinygrad_ku.autograd.functional import hessian, jacobian

    def vec(x):
        return (x * x).tanh() * x.exp() + x.sum() * 0.5

    def scalar(x):
        return ((x * x).tanh() * x.exp()).sum() + (x ** 3).sum()
    x = tg.tensor(np.linspace(-0.7, 0.9, 4))
    cv, cs = tg.compile(vec), tg.compile(scalar)
    J_e = jacobian(vec, x, vectorize=vectorize).data
    J_c = jacobian(cv, x, vectorize=vectorize).data
    np.testing.assert_allclose(J_c, J_e, rtol=1e-12, atol=1e-15)
    H_e = hessian(scalar, x, vectorize=vectorize).data
    H_c = hessian(cs, x, vectorize=vectorize).data
    np.testing.assert_allclose(H_c, H_e, rtol=1e-12, atol=1e-15)
    assert cv.cache_size >= 1 and cs.cache_size >= 1


def test_a_program_that_could_not_be_checked_on_other_values_says_so():
    def log_p0(p):                           # the checker's changed probs do not sum to one
        return tg.distributions.Categorical(probs=p).log_prob(tg.tensor(0))
    cf = tg.compile(log_p0)
    p = tg.tensor([0.2, 0.3, 0.5], requires_grad=True)
    with pytest.warns(UncheckedWarning, match="checked on the traced values only"):
        out = cf(p)
    out.backward()
    assert cf.source.startswith("# (not checked on other input values")
    q = p.detach().requires_grad_(True)
    log_p0(q).backward()
    np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_the_jacobian_of_a_compiled_gradient_is_the_hessian():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), (rng.random(30) < 0.5).astype(float)

    def nll(w):
        return tg.nn.functional.binary_cross_entropy_with_logits(X @ w, tg.tensor(y),
                                                                  reduction="sum")

    def gradient(w):                        # the gradient graph is recorded, so it compiles
        (g,) = tg.autograd.grad(nll(w), [w], create_graph=True)
        return g

    w = tg.tensor([0.3, -0.2, 0.1])
    H = tg.autograd.functional.jacobian(tg.compile(gradient), w, vectorize=True).numpy()
    p = 1 / (1 + np.exp(-X @ w.numpy()))
    np.testing.assert_allclose(H, (X * (p * (1 - p))[:, None]).T @ X, rtol=1e-12)
