"""What a vjp reads is declared, and the declarations are honest.

Every node of every op-table case runs its vjp twice: once as the engine would,
and once with everything the node says it does NOT read replaced by NaN arrays
of the same shape and dtype (its output when `needs_out` is False, input i when
`reads(i)` is False). An honest declaration gives the same gradients; a vjp that
reads undeclared state gives NaN. The engine's in-place checks cover exactly the
declared state, so a dishonest declaration would let an in-place change through
as a silently wrong gradient.
"""
import numpy as np
import pytest

import op_table as T
import tinygrad_ku as tg
from tinygrad_ku.engine import Function

ITEMS = T.items()


def _nodes(outs):
    """Every node reachable from outs (through node.edges)."""
    stack = [o.grad_fn for o in outs if o.grad_fn is not None]
    seen = {}
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(e for e in node.edges if isinstance(e, Function))
    return list(seen.values())


def _poison(a):
    return np.full(a.shape, np.nan, a.dtype) if isinstance(a, np.ndarray) and \
        a.dtype.kind == "f" else a


def _as_arrays(grads):
    return [None if g is None else np.asarray(g, dtype=np.float64) for g in grads]


@pytest.mark.parametrize("case, shapes, p", ITEMS, ids=[c.id(s, q) for c, s, q in ITEMS])
def test_vjp_reads_only_what_it_declares(case, shapes, p):
    fn, inputs = T.make(case, shapes, p)
    out = fn(*inputs)
    outs = out if isinstance(out, tuple) else (out,)
    rng = np.random.default_rng(T.seed("saved", case.key(shapes, p)))
    for node in _nodes(outs):
        g = rng.standard_normal(node.out.shape).astype(node.out.dtype)
        honest = _as_arrays(node.vjp(g, node.out, *node.inputs))
        out_arg = node.out if node.needs_out else _poison(node.out)
        args = [x if node.reads(i) or not isinstance(node.parents[i], tg.Tensor)
                else _poison(x) for i, x in enumerate(node.inputs)]
        with np.errstate(all="ignore"):
            poisoned = _as_arrays(node.vjp(g, out_arg, *args))
        for i, (a, b) in enumerate(zip(honest, poisoned)):
            if a is None:
                continue
            assert b is not None and np.array_equal(np.isnan(a), np.isnan(b)) and \
                np.allclose(a, b, equal_nan=True), (
                    f"{node.name}.vjp reads state it does not declare (needs_out="
                    f"{node.needs_out}, saved_inputs={node.saved_inputs}): gradient {i} "
                    f"changes when the undeclared state is replaced")


def test_the_check_catches_an_undeclared_read():
    """An op that reads its output but says it does not is caught by the same comparison."""
    class Dishonest(Function):
        needs_out = False              # wrong: vjp reads out

        def forward(self, x):
            return np.exp(x)

        def vjp(self, g, out, x):
            return (g * out,)

    x = tg.tensor([0.5, -1.0], requires_grad=True)
    node = Dishonest.apply(x).grad_fn
    g = np.ones(2)
    honest = node.vjp(g, node.out, *node.inputs)[0]
    poisoned = node.vjp(g, _poison(node.out), *node.inputs)[0]
    assert not np.allclose(honest, poisoned, equal_nan=True)


def test_safe_default_catches_an_inplace_change_of_an_undeclared_output():
    """A new op that says nothing about what it saves is checked as reading everything."""
    class Forgetful(Function):
        def forward(self, x):
            return np.exp(x)

        def vjp(self, g, out, x):
            return (g * out,)

    x = tg.tensor([0.5, -1.0], requires_grad=True)
    y = Forgetful.apply(x * 1.0)
    with tg.no_grad():
        y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_gradcheck_names_a_mismatch_where_the_vjp_gives_nan():
    """A vjp that returns nan everywhere is a GradcheckError, not a NumPy error."""
    class NanVjp(Function):
        needs_out = False

        def forward(self, x):
            return 2.0 * x

        def vjp(self, g, out, x):
            return (g * np.nan,)

    x = tg.tensor([0.5, -1.0], requires_grad=True)
    with pytest.raises(tg.autograd.GradcheckError, match="analytical nan"):
        tg.autograd.gradcheck(lambda t: NanVjp.apply(t), x)
