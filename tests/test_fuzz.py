"""Property-based gradient fuzzing: random programs of ops, every gradient checked numerically.

The ops are the cases of the op table (tests/op_table.py) that take one or two tensors
(`op_table.fuzz_cases()`): each case's expression, with its inputs lifted into its domains
(e.g. log's input x -> x.square() + 0.5), its parameters, shape model and kinks.
A program is a straight-line sequence of up to 8 ops over 1-3 leaves whose shapes
broadcast against each other (size-1 and size-0 axes included), in float32 or
float64. Each op takes the previous result and, for binary ops, any earlier value,
so the graph has fan-out. The engine's gradient of  L = Σ v ⊙ program(leaves)
(v fixed random weights) must equal vᵀJ with J from `tg.autograd.numerical_jacobian`.
Programs print as the Python that builds them (run it in op_table.ENV), so hypothesis's
shrunk counterexample is a minimal failing expression.

Points within 1e-3 of a kink (relu/abs/clip at their corners, ties in
max/min, `where` switching, sqrt/norm at 0) are rejected, because central
differences are meaningless there; values exactly on a kink are kept (they
come from structure that perturbations preserve, e.g. abs(x - x)).

A float32 gradient that misses the exact one is then judged against the exact derivative
along the trajectory the engine actually computed (each step's output shifted to its float32
value): rounding amplified by ill-conditioning (cos of a large argument where sin ≈ 0) is no
gradient bug, while a wrong vjp is as wrong there as anywhere.

Profiles: `ci` (the default tests: 1,500 float64 + 750 float32 programs checked
to first order and 500 to second order, derandomised so CI is reproducible,
~9 s on one core) and `long` (the slow-marked tests run by `make fuzz` with
TG_FUZZ_PROFILE=long: 20,000 mixed-dtype programs plus 5,000 second-order ones,
freshly random on every run).
"""
import os
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

import op_table as T
import tinygrad_ku as tg

settings.register_profile(
    "ci", max_examples=1500, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.register_profile(
    "long", max_examples=20000, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
LONG = settings.get_profile(os.environ.get("TG_FUZZ_PROFILE", "long"))  # for the slow tests
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow etc. is assume()d away
MARGIN = 1e-3            # distance to a kink below which a point is rejected
BIG = 1e4                # values beyond this are rejected (overflow, not a gradient bug)


# ----- the ops: the cases of tests/op_table.py that random programs can compose --------------
# (one or two tensor inputs, a lift of every domain, a shape model; see op_table.Case)
OPS = T.fuzz_cases()
# second order: the cases whose second derivative is checked and that have no kinks
SMOOTH_OPS = [op.name for op in OPS if op.second_order is True and op.kink is None]


# ----- programs ----------------------------------------------------------------------------
@dataclass
class Step:
    op: T.Case
    b: int            # index of the second operand among the earlier values (binary ops)
    p: dict

    def __post_init__(self):
        self.fn = self.op.compile(self.p, lifted=True)

    def args(self, vals):
        return (vals[-1], vals[self.b])[:self.op.arity]


class Program:
    """A straight-line program over leaves x0, x1, ...; repr() is the Python that builds it."""
    def __init__(self, dtype, shapes, seed):
        self.dtype, self.shapes, self.seed, self.steps = dtype, shapes, seed, []

    def leaves(self):
        rng = np.random.default_rng(self.seed)
        return [tg.tensor(rng.uniform(-2, 2, s).astype(self.dtype), requires_grad=True)
                for s in self.shapes]

    def run(self, *xs, kinks=None, hook=None):
        """The program's output; hook(k, op, value) may replace value k (leaves: op None)."""
        hook = hook or (lambda k, op, t: t)
        vals = [hook(i, None, x) for i, x in enumerate(xs)]
        for st_ in self.steps:
            args = st_.args(vals)
            if kinks is not None and st_.op.kink:
                kinks.append(st_.op.kink([t.data for t in args], st_.p))
            vals.append(hook(len(vals), st_.op, st_.fn(*args)))
            if kinks is not None and not _finite_and_tame(vals[-1]):
                kinks.append(-1.0)     # overflow or cancellation-prone magnitudes: not a test
        return vals[-1]

    def names(self):
        return [f"x{i}" for i in range(len(self.shapes))] + \
            [f"t{i + 1}" for i in range(len(self.steps))]

    def __repr__(self):
        n = self.names()
        lines = [f"rng = np.random.default_rng({self.seed})"]
        lines += [f"{n[i]} = tg.tensor(rng.uniform(-2, 2, {s}).astype('{self.dtype}'), "
                  f"requires_grad=True)" for i, s in enumerate(self.shapes)]
        for i, s in enumerate(self.steps):
            names = (n[len(self.shapes) + i - 1], n[s.b])[:s.op.arity]
            lines.append(f"{n[len(self.shapes) + i]} = {s.op.show(names, s.p)}")
        return "\n" + "\n".join(lines)


DIM = st.sampled_from([2, 1, 3, 2, 1, 3, 2, 3, 1, 0])


@st.composite
def programs(draw, dtype=None, ops=None, max_depth=8):
    """Random programs of the op-table cases named in `ops` (default: every fuzzable case)."""
    ops = [T.BY_NAME[name] for name in ops] if ops else OPS
    dtype = dtype or draw(st.sampled_from(["float64", "float32"]))
    base = tuple(draw(st.lists(DIM, min_size=0, max_size=3)))
    shapes = []
    for _ in range(draw(st.integers(1, 3))):
        drop = draw(st.integers(0, len(base)))
        shapes.append(tuple(1 if draw(st.integers(0, 3)) == 0 else n for n in base[drop:]))
    prog = Program(dtype, shapes, draw(st.integers(0, 2 ** 16)))
    cur = list(shapes)
    for _ in range(draw(st.integers(1, max_depth))):
        candidates = []
        for op in ops:
            if dtype not in op.fuzz_dtypes:
                continue
            for b in ([len(cur) - 1] if op.arity == 1 else range(len(cur))):
                candidates.append((op, b))
        op, b = draw(st.sampled_from(candidates))
        shapes = (cur[-1], cur[b])[:op.arity]
        params = op.param_list(shapes)
        if not params:
            continue
        p = draw(st.sampled_from(params))
        shape = op.out_shape(shapes, p)
        if shape is None or int(np.prod(shape)) > 64:
            continue
        prog.steps.append(Step(op, b, p))
        cur.append(tuple(int(n) for n in shape))
    assume(prog.steps)
    return prog


def _finite_and_tame(t):
    d = np.asarray(t.data, np.float64)
    return bool(np.all(np.isfinite(d)) and np.all(np.abs(d) < BIG))


def _oracle_is_stable(f, xs, rtol, atol):
    """Whether central differences agree with themselves at two step sizes (else f is too
    ill-conditioned here, e.g. sin of a huge argument, for the numerical oracle to judge)."""
    coarse = tg.autograd.numerical_jacobian(f, tuple(xs), eps=1e-5)
    fine = tg.autograd.numerical_jacobian(f, tuple(xs), eps=1e-7)
    return all(np.allclose(a, b, rtol=rtol, atol=atol) for a, b in zip(coarse, fine))


def _trajectory_jacobian(f, prog, x64, computed):
    """vᵀJ of the float64 program shifted, at each step k, by the constant r_k = t_k(computed) -
    t_k(float64) at the test point: it passes through exactly the values the engine computed in
    its dtype, so its exact derivative is what a correct reverse pass returns there, whatever
    the conditioning (e.g. ∂cos t/∂t = -sin t at t ≈ 1247: rounding t to float32 moves it 0.5%)."""
    shift = {}

    def record(k, op, t):
        if op is not None:
            shift[k] = np.asarray(computed[k], np.float64) - t.data
        return shift_(k, op, t)

    def shift_(k, op, t):
        return t if op is None else t + shift[k]

    with tg.no_grad():
        prog.run(*x64, hook=record)
    return tg.autograd.numerical_jacobian(lambda *a: f(*a, hook=shift_), tuple(x64))


def check_program(prog):
    """Engine gradient of Σ v ⊙ prog(leaves) vs vᵀ · numerical_jacobian, for every leaf."""
    note(repr(prog))
    xs = prog.leaves()
    kinks, computed = [], []
    out = prog.run(*xs, kinks=kinks, hook=lambda k, op, t: computed.append(t.data.copy()) or t)
    assume(all(k >= MARGIN for k in kinks))
    assume(_finite_and_tame(out))
    v = np.random.default_rng(prog.seed + 1).uniform(0.5, 1.5, out.shape).astype(out.dtype)
    loss = (out * v).sum()
    assume(_finite_and_tame(loss))
    if not out.requires_grad:          # e.g. only non-differentiable paths: nothing to check
        return
    loss.backward()

    x64 = [tg.tensor(x.data.astype(np.float64)) for x in xs]
    f = lambda *a, hook=None: (prog.run(*a, hook=hook) * v).sum()    # noqa: E731
    jac = tg.autograd.numerical_jacobian(f, tuple(x64))
    f32 = prog.dtype == "float32"
    scale = max([1.0] + [float(np.abs(j.numpy()).max()) for j in jac if j.numel()])
    rtol, atol = (2e-3, 2e-3 * scale) if f32 else (1e-5, 1e-6 * scale)
    grads = [np.zeros(x.shape) if x.grad is None else x.grad.data for x in xs]
    if not all(np.allclose(g, j, rtol=rtol, atol=atol) for g, j in zip(grads, jac)):
        assume(_oracle_is_stable(f, x64, rtol, atol))
        if f32:                        # float32 forward rounding, amplified, is not a gradient bug
            event("float32 gradient judged on its computed trajectory")
            jac = _trajectory_jacobian(f, prog, x64, computed)
    for i, (x, g, j) in enumerate(zip(xs, grads, jac)):
        assert x.grad is None or x.grad.dtype == x.dtype, \
            f"x{i}.grad has dtype {x.grad.dtype}, leaf has {x.dtype}"
        assert g.shape == x.shape, f"x{i}.grad has shape {g.shape}, leaf has {x.shape}"
        np.testing.assert_allclose(g, j, rtol=rtol, atol=atol, err_msg=f"gradient of x{i}")


def check_second_order(prog):
    """d/dx of (∇L · w) by the engine (create_graph) vs central differences of the engine's ∇L."""
    note(repr(prog))
    xs = prog.leaves()
    kinks = []
    out = prog.run(*xs, kinks=kinks)
    assume(all(k >= MARGIN for k in kinks))
    assume(_finite_and_tame(out) and out.requires_grad)
    rng = np.random.default_rng(prog.seed + 2)
    v = rng.uniform(0.5, 1.5, out.shape)
    w = [rng.uniform(0.5, 1.5, x.shape) for x in xs]

    def first(*a):
        grads = tg.autograd.grad((prog.run(*a) * v).sum(), a, create_graph=True,
                                 allow_unused=True)
        total = tg.tensor(0.0)
        for g, wi in zip(grads, w):
            if g is not None:
                total = total + (g * wi).sum()
        return total

    s = first(*xs)
    assume(_finite_and_tame(s))
    if not s.requires_grad:            # linear program: the second derivative is zero
        hess = [None] * len(xs)
    else:
        hess = tg.autograd.grad(s, xs, allow_unused=True)
    def first_detached(*a):
        with tg.enable_grad():
            return first(*[tg.tensor(t.data, requires_grad=True) for t in a]).detach()

    x64 = [tg.tensor(x.data) for x in xs]
    jac = tg.autograd.numerical_jacobian(first_detached, tuple(x64))
    scale = max([1.0] + [float(np.abs(j.numpy()).max()) for j in jac if j.numel()])
    hs = [np.zeros(x.shape) if h is None else h.data for x, h in zip(xs, hess)]
    if not all(np.allclose(h, j, rtol=1e-4, atol=1e-5 * scale) for h, j in zip(hs, jac)):
        assume(_oracle_is_stable(first_detached, x64, 1e-4, 1e-5 * scale))
    for i, (h, j) in enumerate(zip(hess, jac)):
        h = np.zeros(xs[i].shape) if h is None else h.data
        np.testing.assert_allclose(h, j, rtol=1e-4, atol=1e-5 * scale,
                                   err_msg=f"second derivative wrt x{i}")


# ----- the tests ---------------------------------------------------------------------------
CI = settings.get_profile("ci")


@settings(CI)
@given(programs(dtype="float64"))
def test_random_programs_float64(prog):
    check_program(prog)


@settings(CI, max_examples=max(CI.max_examples // 2, 1))
@given(programs(dtype="float32"))
def test_random_programs_float32(prog):
    check_program(prog)


@settings(CI, max_examples=max(CI.max_examples // 3, 1))
@given(programs(dtype="float64", ops=SMOOTH_OPS, max_depth=5))
def test_random_programs_second_order(prog):
    check_second_order(prog)


@pytest.mark.slow
@settings(LONG)
@given(programs())
def test_random_programs_long(prog):
    check_program(prog)


@pytest.mark.slow
@settings(LONG, max_examples=max(LONG.max_examples // 4, 1))
@given(programs(dtype="float64", ops=SMOOTH_OPS, max_depth=6))
def test_random_programs_second_order_long(prog):
    check_second_order(prog)


def test_program_prints_as_runnable_python():
    """The shrunk counterexample is useful only if its printout rebuilds the same values."""
    prog = Program("float64", [(2, 3), (3,)], 7)
    ops = {op.name: op for op in OPS}
    prog.steps = [Step(ops["mul"], 0, {}), Step(ops["tanh"], 0, {}),
                  Step(ops["sum"], 0, {"dim": 1, "keep": False})]
    env = dict(T.ENV)
    exec(repr(prog), env)
    expected = np.tanh(prog.leaves()[0].data * prog.leaves()[1].data).sum(1)
    np.testing.assert_allclose(env["t3"].data, expected, rtol=1e-15)
    assert "t1 = (x1 * x0)\nt2 = t1.tanh()\nt3 = t2.sum(1, keepdim=False)" in repr(prog)


def _cos_pow_program():
    """cos((exp(2x)² + 0.5)^x) in float32 at x ≈ 1.335: t = (…)^x ≈ 1247, where sin t ≈ 0.014."""
    ops = T.BY_NAME
    prog = Program("float32", [(), ()], 50)
    prog.steps = [Step(ops["add"], 1, {}), Step(ops["exp"], 0, {}), Step(ops["pow"], 1, {}),
                  Step(ops["cos"], 0, {})]
    return prog


def test_float32_gradient_is_judged_on_its_own_trajectory():
    """A correct float32 gradient is -sin(t₃₂)·dt/dx·v at the rounded t₃₂, 0.5% off the exact
    -sin(t)·dt/dx·v; the trajectory reference reproduces the former, so check_program passes."""
    prog = _cos_pow_program()
    xs, computed = prog.leaves(), []
    out = prog.run(*xs, hook=lambda k, op, t: computed.append(t.data.copy()) or t)
    v = np.random.default_rng(51).uniform(0.5, 1.5, ()).astype(np.float32)
    (out * v).sum().backward()
    x = np.float64(xs[1].data)
    b = np.exp(4 * x) + 0.5
    t = b ** x
    dt = t * (np.log(b) + x * 4 * np.exp(4 * x) / b)
    exact = -np.sin(t) * dt * np.float64(v)
    rounded = -np.sin(np.float64(computed[4])) * dt * np.float64(v)
    assert abs(rounded / exact - 1) > 2e-3                 # beyond the float32 tolerance
    np.testing.assert_allclose(xs[1].grad.data, rounded, rtol=1e-4)
    x64 = [tg.tensor(x.data.astype(np.float64)) for x in xs]
    f = lambda *a, hook=None: (prog.run(*a, hook=hook) * v).sum()    # noqa: E731
    traj = _trajectory_jacobian(f, prog, x64, computed)[1]   # central differences: O(h²f''')
    np.testing.assert_allclose(traj, rounded, rtol=1e-4)
    given(st.just(prog))(check_program)()
