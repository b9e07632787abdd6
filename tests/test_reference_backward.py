"""backward() against a plain reference backward, on random graphs of op-table ops (float64).

The reference walks the graph the way the engine's docstring describes it and nothing more:
a topological order of the nodes (iterative depth-first search), each node's vjp run once
with all of its gradient summed, broadcasting undone by sum_to_shape, gradients in a dict.
No heap, no chain fast path, no buffer reuse; it only reads the graph, so it runs first and
the real backward() then runs on the same graph.
"""
import numpy as np
import pytest

import op_table as T
import tinygrad_ku as tg
from tinygrad_ku.engine import sum_to_shape


def reference_backward(root, seed_grad):
    """{id(leaf): d<seed_grad, root>/d leaf} for the leaves reached from root."""
    order, seen, stack = [], set(), [(root.grad_fn, False)]
    while stack:                       # depth-first, post-order: a node after all its inputs
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack += [(e, False) for e in node.edges
                      if e is not None and not isinstance(e, tg.Tensor)]
    grads, leaves = {id(root.grad_fn): seed_grad}, {}
    for node in reversed(order):       # every consumer of a node comes before it
        g = grads.pop(id(node), None)
        if g is None:                  # reached only through inputs that got no gradient
            continue
        for edge, x, gx in zip(node.edges, node.inputs, node.vjp(g, node.out, *node.inputs)):
            if edge is None or gx is None:
                continue
            gx = sum_to_shape(np.asarray(gx), np.shape(x), node.name)
            acc = leaves if isinstance(edge, tg.Tensor) else grads
            acc[id(edge)] = acc[id(edge)] + gx if id(edge) in acc else gx
    return leaves


def _compare(leaves, ref):
    for i, x in enumerate(leaves):
        want = ref.get(id(x), np.zeros(x.shape))
        got = np.zeros(x.shape) if x.grad is None else x.grad.data
        scale = max(1.0, float(np.abs(want).max(initial=0.0)))
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * scale,
                                   err_msg=f"gradient of leaf {i}")


# ----- random graphs ------------------------------------------------------------------------
OPS = [c for c in T.fuzz_cases() if "float64" in c.fuzz_dtypes]
BASES = [(), (3,), (2, 3), (2, 1, 3), (4, 1, 2)]


def _tame(t):
    return bool(np.all(np.isfinite(t.data)) and np.all(np.abs(t.data) < 1e4))


def random_graph(rng):
    """Leaves of broadcasting shapes; ops applied to any earlier values (shared subexpressions,
    a value used several times) or to the latest one (chains); the root sums several values."""
    base = BASES[rng.integers(len(BASES))]
    shapes = [tuple(1 if rng.random() < 0.25 else n for n in base[rng.integers(len(base) + 1):])
              for _ in range(rng.integers(1, 4))]
    leaves = [tg.tensor(rng.uniform(-2, 2, s), requires_grad=True) for s in shapes]
    vals = list(leaves)
    for _ in range(rng.integers(4, 14)):
        op = OPS[rng.integers(len(OPS))]
        pick = [len(vals) - 1 if rng.random() < 0.5 else rng.integers(len(vals))
                for _ in range(op.arity)]
        args = [vals[k] for k in pick]
        params = op.param_list(tuple(a.shape for a in args))
        if not params:
            continue
        p = params[rng.integers(len(params))]
        shape = op.out_shape(tuple(a.shape for a in args), p)
        if shape is None or int(np.prod(shape)) > 64:
            continue
        with np.errstate(all="ignore"):
            out = op.compile(p, lifted=True)(*args)
        if _tame(out):
            vals.append(out)
    used = [v for v in vals[len(leaves):] if v.requires_grad]
    if not used:
        return None
    terms = [used[-1]] + [v for v in used[:-1] if rng.random() < 0.4]
    root = sum((v * rng.uniform(0.5, 1.5, v.shape)).sum() for v in terms)
    return leaves, root


def _fan_out(root):
    """The largest number of consumers of one node or leaf in root's graph."""
    uses, seen, stack = {}, set(), [root.grad_fn]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for e in node.edges:
            if e is not None:
                uses[id(e)] = uses.get(id(e), 0) + 1
                if not isinstance(e, tg.Tensor):
                    stack.append(e)
    return max(uses.values())


def test_backward_matches_the_reference_on_random_graphs():
    stats = {"graphs": 0, "fan_out": 0, "broadcast": 0}
    for k in range(400):
        rng = np.random.default_rng(T.seed("reference backward", k))
        graph = random_graph(rng)
        if graph is None:
            continue
        leaves, root = graph
        stats["graphs"] += 1
        stats["fan_out"] += _fan_out(root) > 1
        stats["broadcast"] += len({x.shape for x in leaves}) > 1
        with np.errstate(all="ignore"):
            ref = reference_backward(root, np.ones(root.shape))
            root.backward()
        _compare(leaves, ref)
        if stats["graphs"] == 50:
            break
    assert stats["graphs"] == 50
    assert stats["fan_out"] >= 25 and stats["broadcast"] >= 10, stats


@pytest.mark.parametrize("case", T.CASES, ids=[c.name for c in T.CASES])
def test_backward_matches_the_reference_on_every_case(case):
    checked = 0
    for c, shapes, p in T.items([case]):
        fn, inputs = T.make(c, shapes, p)
        out = fn(*inputs)
        if out.grad_fn is None:        # the identity (x.double() of a float64 x): no graph
            continue
        v = np.random.default_rng(T.seed("cotangent", *c.key(shapes, p))).uniform(
            0.5, 1.5, out.shape)
        leaves = [x for x in inputs if isinstance(x, tg.Tensor)]
        with np.errstate(divide="ignore", invalid="ignore"):
            ref = reference_backward(out, v)
            out.backward(tg.tensor(v))
        _compare(leaves, ref)
        checked += 1
    assert checked or case.name == "double"
