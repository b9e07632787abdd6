"""Numerical Jacobians by central differences, and `gradcheck`, which compares them with the engine's.

On a mismatch `gradcheck` re-checks every node of the graph on its own (the
op's forward differentiated numerically against its vjp), so the error names
the op whose backward is wrong.
"""
import numpy as np

from .. import engine, grad_mode
from ..tensor import Tensor


class GradcheckError(RuntimeError):
    """Analytical and numerical Jacobians disagree."""


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) or not isinstance(x, (tuple, list)) else tuple(x)


def _float64_leaves(inputs):
    return tuple(Tensor(np.array(t.data, dtype=np.float64), requires_grad=t.requires_grad)
                 if isinstance(t, Tensor) and t.dtype.kind == "f" else t for t in inputs)


def _outputs(f, inputs):
    out = f(*inputs)
    return _as_tuple(out), not isinstance(out, (tuple, list))


def numerical_jacobian(f, inputs, eps=1e-6):
    """J[i..., j...] = (f(x + eps e_j) - f(x - eps e_j))[i...] / 2eps, in float64.

    Returned as tg.autograd.functional.jacobian returns (and torch.autograd.functional.jacobian):
    float64 Tensors of shape out.shape + in.shape, nested in tuples (over outputs, then
    inputs) when f returns or takes a tuple.
    """
    jac = _numerical_jacobian_arrays(f, inputs, eps)
    wrap = lambda a: Tensor._make(a, False, None)      # noqa: E731
    if isinstance(jac, np.ndarray):
        return wrap(jac)
    return tuple(wrap(r) if isinstance(r, np.ndarray) else tuple(map(wrap, r)) for r in jac)


def _numerical_jacobian_arrays(f, inputs, eps=1e-6):
    """numerical_jacobian with ndarrays in place of Tensors (what gradcheck compares)."""
    single_in = isinstance(inputs, Tensor)
    inputs = _float64_leaves(_as_tuple(inputs))
    jac, single_out = _numerical_rows(f, inputs, eps)
    return _shape_result(jac, single_in, single_out)


def _numerical_rows(f, inputs, eps):
    with grad_mode.no_grad():
        outs, single_out = _outputs(f, inputs)
        jac = [[np.zeros(o.shape + np.shape(x.data)) for x in inputs] for o in outs]
        for j, x in enumerate(inputs):
            if not isinstance(x, Tensor) or x.dtype.kind != "f":
                continue
            flat = x.data.reshape(-1)
            for k in range(flat.size):
                orig = flat[k]
                flat[k] = orig + eps
                plus = [np.array(o.data, np.float64) for o in _outputs(f, inputs)[0]]
                flat[k] = orig - eps
                minus = [np.array(o.data, np.float64) for o in _outputs(f, inputs)[0]]
                flat[k] = orig
                for i, (p, m) in enumerate(zip(plus, minus)):
                    col = (p - m) / (2 * eps)
                    jac[i][j].reshape(outs[i].shape + (flat.size,))[..., k] = col
    return jac, single_out


def _shape_result(jac, single_in, single_out):
    rows = [r[0] if single_in else tuple(r) for r in jac]
    return rows[0] if single_out else tuple(rows)


def analytical_jacobian(f, inputs):
    """The engine's Jacobian, one vector-Jacobian product per output element (float64)."""
    single_in = isinstance(inputs, Tensor)
    inputs = _float64_leaves(_as_tuple(inputs))
    outs, single_out = _outputs(f, inputs)
    return _shape_result(_vjp_rows(outs, inputs), single_in, single_out)


def _vjp_rows(outs, inputs):
    jac = [[np.zeros(o.shape + np.shape(x.data)) for x in inputs] for o in outs]
    wrt = [(j, x) for j, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for i, o in enumerate(outs):
        if not o.requires_grad or not wrt:
            continue
        for k in range(o.data.size):
            seed = np.zeros(o.shape)
            seed.reshape(-1)[k] = 1.0
            grads = engine.backward([o], [seed], True, False, [x for _, x in wrt])
            for (j, x), g in zip(wrt, grads):
                if g is not None:
                    jac[i][j].reshape((o.data.size,) + x.shape)[k] = g
    return jac


def gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check the engine's Jacobian of f at inputs against central differences (float64)."""
    inputs = _float64_leaves(_as_tuple(inputs))
    if not any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
        raise ValueError("gradcheck: at least one input must be a Tensor with requires_grad=True")
    outs, _ = _outputs(f, inputs)
    analytical = _vjp_rows(outs, inputs)
    numerical, _ = _numerical_rows(f, inputs, eps)
    for i, o in enumerate(outs):
        for j, x in enumerate(inputs):
            if not (isinstance(x, Tensor) and x.requires_grad):
                continue
            a, n = analytical[i][j], numerical[i][j]
            bad = ~np.isclose(a, n, atol=atol, rtol=rtol, equal_nan=True)
            if bad.any():
                err = np.where(bad, np.abs(a - n), -1).reshape(-1)
                worst = int(np.argmax(np.where(np.isnan(err), np.inf, err)))   # nan: worst
                pos = np.unravel_index(worst, a.shape)
                out_idx, in_idx = pos[:o.ndim], pos[o.ndim:]
                culprit = _find_wrong_node(outs, eps, atol, rtol)
                msg = (f"Jacobian mismatch for output {i} with respect to input {j}: at output "
                       f"element {tuple(int(v) for v in out_idx)} and input element "
                       f"{tuple(int(v) for v in in_idx)}, analytical {float(a[pos])!r} vs numerical "
                       f"{float(n[pos])!r} (atol={atol}, rtol={rtol}). ")
                msg += (f"The backward of op '{culprit}' disagrees with its forward."
                        if culprit else "Every op checked on its own agrees with its forward.")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def _graph_nodes(outs):
    """Nodes reachable from outs, inputs before the ops that use them."""
    order, seen, stack = [], set(), [o.grad_fn for o in outs if o.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(e for e in node.edges if e is not None and not isinstance(e, Tensor))
    return order[::-1]


def check_node(node, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Whether one node's vjp matches the numerical Jacobian of its own forward."""
    cls, params = type(node), dict(vars(node))    # the op's parameters (and state it remakes)
    inputs = [np.array(x, dtype=np.float64) if isinstance(x, np.ndarray) and x.dtype.kind == "f"
              else x for x in node.inputs]

    def run(args):
        fn = cls.__new__(cls)
        fn.__dict__.update(params)
        out = np.array(fn.forward(*args), dtype=np.float64)
        return fn, out

    fn, out = run(inputs)
    for j, p in enumerate(node.parents):
        if not (isinstance(p, Tensor) and p.requires_grad):
            continue
        x = inputs[j]
        analytical = np.zeros(out.shape + x.shape)
        fn.parents, fn.edges = node.parents, node.edges
        for k in range(out.size):
            seed = np.zeros(out.shape)
            seed.reshape(-1)[k] = 1.0
            g = fn.vjp(seed, out, *inputs)[j]
            if g is not None:
                g = engine.sum_to_shape(np.asarray(g, dtype=np.float64), x.shape, node.name) \
                    if np.shape(g) != x.shape else g
                analytical.reshape((out.size,) + x.shape)[k] = g
        numerical = np.zeros_like(analytical)
        flat = x.reshape(-1)
        for k in range(flat.size):
            orig = flat[k]
            flat[k] = orig + eps
            plus = run(inputs)[1]
            flat[k] = orig - eps
            minus = run(inputs)[1]
            flat[k] = orig
            numerical.reshape(out.shape + (flat.size,))[..., k] = (plus - minus) / (2 * eps)
        if not np.allclose(analytical, numerical, atol=atol, rtol=rtol, equal_nan=True):
            return False
    return True


def _find_wrong_node(outs, eps, atol, rtol):
    for node in _graph_nodes(outs):
        if node.freed:
            continue
        try:
            ok = check_node(node, eps, atol, rtol)
        except Exception:              # an op that can't be re-run alone is not the culprit
            continue
        if not ok:
            return node.name
    return None
