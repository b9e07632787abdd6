"""Function transforms with torch.autograd.functional's signatures: vjp, jvp, jacobian, hessian, vhp, hvp.

`f` takes Tensors and returns a Tensor or a tuple of Tensors; `inputs` is a
Tensor or a tuple of Tensors. Results mirror that structure: a Tensor for a
single input/output, tuples (outputs first, then inputs) otherwise.

Costs, for f: R^n -> R^m costing one forward pass F:
- vjp: one forward and one reverse pass (~2-3 F).
- jvp: the double-VJP construction (no forward mode): u(w) = wᵀJ is recorded with
  create_graph, then Jv = ∂(u·v)/∂w; one forward and two reverse passes (~4-5 F).
- jacobian: m reverse passes, one per output element (row by row), or with
  vectorize=True ONE reverse pass in which every node's vjp receives all m
  basis cotangents at once along a leading batch axis (each op's `batched_vjp`).
- hessian: the jacobian of the create_graph gradient: n reverse passes through the
  recorded backward (one batched pass with vectorize=True).
- hvp / vhp: two reverse passes (∂(∇f·v)/∂x); the Hessian is never formed.
"""
import numpy as np

from .. import engine, grad_mode
from ..tensor import Tensor, stack, zeros

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


# ----- input / output plumbing ---------------------------------------------------------
def _as_tuple(x, arg, fn):
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}: {arg} must be a Tensor or a tuple of Tensors, but "
                            f"element {i} is a {type(t).__name__}")
    return is_tuple, items


def _prepare_inputs(inputs, create_graph):
    """Fresh leaves that require grad (or the inputs themselves when the caller wants a graph)."""
    out = []
    for x in inputs:
        if x.dtype.kind not in "fc":
            raise TypeError(f"autograd.functional: inputs must be floating point, got dtype "
                            f"{x.dtype} (shape {x.shape})")
        if create_graph and x.requires_grad:
            out.append(x * 1.0)          # a non-leaf that still reaches the caller's graph
        else:
            out.append(Tensor._make(x.data, True, None))
    return tuple(out)


def _call(func, inputs, fn):
    with grad_mode.enable_grad():
        out = func(*inputs)
    is_tuple, outs = _as_tuple(out, "the output of func", fn)
    return is_tuple, outs


def _finish(t, create_graph):
    if t is None:
        return None
    return t if create_graph else t.detach()


def _grads(outputs, inputs, grad_outputs, create_graph):
    """∂(Σ_k g_kᵀ out_k)/∂inputs, zeros where an input is unreachable (strict=False)."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs:
        return tuple(zeros(*x.shape, dtype=x.dtype) for x in inputs)
    seeds = []
    for o, g in pairs:
        if create_graph:
            seeds.append(g if isinstance(g, Tensor) else Tensor._make(np.asarray(g), False, None))
        else:
            seeds.append(np.asarray(g.data if isinstance(g, Tensor) else g, dtype=o.dtype))
    res = engine.backward([o for o, _ in pairs], seeds, True, create_graph, list(inputs))
    out = []
    for x, g in zip(inputs, res):
        if g is None:
            out.append(zeros(*x.shape, dtype=x.dtype))
        elif isinstance(g, Tensor):
            out.append(g)
        else:
            out.append(Tensor._make(np.array(g, dtype=x.dtype), False, None))
    return tuple(out)


def _check_v(v, like, fn, what):
    _, vs = _as_tuple(v, "v", fn)
    if len(vs) != len(like):
        raise ValueError(f"{fn}: v has {len(vs)} entries but {what} has {len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if a.shape != b.shape:
            raise ValueError(f"{fn}: entry {i} of v has shape {a.shape} but entry {i} of "
                             f"{what} has shape {b.shape}")
    return vs


def _default_v(ts, fn, what):
    for t in ts:
        if t.data.size != 1:
            raise RuntimeError(f"{fn}: v can be omitted only when {what} has a single element; "
                               f"got shape {t.shape}")
    return tuple(Tensor._make(np.ones(t.shape, dtype=t.dtype), False, None) for t in ts)


def _pack(items, is_tuple):
    return tuple(items) if is_tuple else items[0]


# ----- vjp / jvp ---------------------------------------------------------------------
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(f(x), vᵀ J_f(x)): the vector-Jacobian product, one reverse pass."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    xs = _prepare_inputs(inputs, create_graph)
    out_tuple, outs = _call(func, xs, "vjp")
    vs = _default_v(outs, "vjp", "the output") if v is None else _check_v(v, outs, "vjp", "the output")
    _strict(strict, outs, "vjp")
    g = _grads(outs, xs, vs, create_graph)
    return (_pack([_finish(o, create_graph) for o in outs], out_tuple),
            _pack([_finish(t, create_graph) for t in g], in_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(f(x), J_f(x) v) by double VJP: Jv = ∂/∂w [wᵀ J v] with w a dummy cotangent."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    vs = _default_v(inputs, "jvp", "the input") if v is None else _check_v(v, inputs, "jvp", "inputs")
    xs = _prepare_inputs(inputs, create_graph)
    out_tuple, outs = _call(func, xs, "jvp")
    _strict(strict, outs, "jvp")
    ws = tuple(Tensor._make(np.zeros(o.shape, dtype=o.dtype), True, None) for o in outs)
    with grad_mode.enable_grad():
        u = _grads(outs, xs, ws, True)                   # u(w) = wᵀ J, linear in w
        dots = [(ui * vi).sum() for ui, vi in zip(u, vs) if ui.requires_grad]
    if dots:
        total = dots[0]
        for d in dots[1:]:
            total = total + d
        jv = _grads([total], ws, [np.ones((), dtype=total.dtype)], create_graph)
    else:
        jv = tuple(zeros(*o.shape, dtype=o.dtype) for o in outs)
    return (_pack([_finish(o, create_graph) for o in outs], out_tuple),
            _pack([_finish(t, create_graph) for t in jv], out_tuple))


def _strict(strict, outs, fn):
    if strict:
        for i, o in enumerate(outs):
            if not o.requires_grad:
                raise RuntimeError(f"{fn}: strict=True but output {i} (shape {o.shape}) does "
                                   f"not depend on the inputs")


# ----- jacobian ----------------------------------------------------------------------
def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """J[i..., j...] = ∂f(x)[i...] / ∂x[j...], of shape f(x).shape + x.shape (nested tuples as torch)."""
    if strategy != "reverse-mode":
        raise ValueError(f"jacobian: only strategy='reverse-mode' is implemented, got {strategy!r}")
    in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    xs = _prepare_inputs(inputs, create_graph)
    out_tuple, outs = _call(func, xs, "jacobian")
    _strict(strict, outs, "jacobian")
    rows = []
    for o in outs:
        if not o.requires_grad or o.data.size == 0:
            blocks = [zeros(*(o.shape + x.shape), dtype=x.dtype) for x in xs]
        elif vectorize:
            blocks = _jacobian_batched(o, xs, create_graph)
        else:
            blocks = _jacobian_rows(o, xs, create_graph)
        rows.append(_pack([_finish(b, create_graph) for b in blocks], in_tuple))
    return _pack(rows, out_tuple)


def _jacobian_rows(o, xs, create_graph):
    """One reverse pass per output element k, seeded with the basis vector e_k."""
    m = o.data.size
    per_input = [[] for _ in xs]
    for k in range(m):
        seed = np.zeros(m, dtype=o.dtype)
        seed[k] = 1.0
        g = _grads([o], xs, [seed.reshape(o.shape)], create_graph)
        for j, gj in enumerate(g):
            per_input[j].append(gj)
    blocks = []
    for x, gs in zip(xs, per_input):
        if create_graph:
            blocks.append(stack(gs).reshape(o.shape + x.shape))
        else:
            blocks.append(Tensor._make(np.stack([g.data for g in gs]).reshape(o.shape + x.shape),
                                       False, None))
    return blocks


def _jacobian_batched(o, xs, create_graph):
    """One reverse pass carrying all m basis cotangents along a leading axis (`batched`)."""
    m = o.data.size
    seed = np.eye(m, dtype=o.dtype).reshape((m,) + o.shape)
    if create_graph:
        seed = Tensor._make(seed, False, None)
    res = engine.backward([o], [seed], True, create_graph, list(xs), batched=True)
    blocks = []
    for x, g in zip(xs, res):
        if g is None:
            blocks.append(zeros(*(o.shape + x.shape), dtype=x.dtype))
        elif isinstance(g, Tensor):
            blocks.append(g.reshape(o.shape + x.shape))
        else:
            blocks.append(Tensor._make(np.asarray(g, dtype=x.dtype).reshape(o.shape + x.shape),
                                       False, None))
    return blocks


# ----- second order ------------------------------------------------------------------
def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """H[i..., j...] = ∂²f / ∂x[i...] ∂x[j...] for a scalar f; shape x.shape + x.shape."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def scalar_f(*xs):
        out = func(*xs)
        _, outs = _as_tuple(out, "the output of func", "hessian")
        if len(outs) != 1 or outs[0].data.size != 1:
            raise RuntimeError(f"hessian: func must return a single Tensor with one element, "
                               f"got shapes {[o.shape for o in outs]}")
        return outs[0].reshape(())

    def gradient(*xs):
        return jacobian(scalar_f, xs, create_graph=True, strict=strict, vectorize=vectorize)

    res = jacobian(gradient, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return res if in_tuple else res[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(f(x), vᵀ H): ∂(∇f · v)/∂x, two reverse passes (H symmetric, so this equals hvp)."""
    return _second_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(f(x), H v): ∂(∇f · v)/∂x by double backward, two reverse passes."""
    return _second_product(func, inputs, v, create_graph, strict, "hvp")


def _second_product(func, inputs, v, create_graph, strict, fn):
    in_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    vs = _default_v(inputs, fn, "the input") if v is None else _check_v(v, inputs, fn, "inputs")
    xs = _prepare_inputs(inputs, create_graph)
    _, outs = _call(func, xs, fn)
    if len(outs) != 1 or outs[0].data.size != 1:
        raise RuntimeError(f"{fn}: func must return a single Tensor with one element, got "
                           f"shapes {[o.shape for o in outs]}")
    out = outs[0]
    _strict(strict, outs, fn)
    with grad_mode.enable_grad():
        gs = _grads([out], xs, [np.ones(out.shape, dtype=out.dtype)], True)
        dots = [(gi * vi).sum() for gi, vi in zip(gs, vs) if gi.requires_grad]
    if dots:
        total = dots[0]
        for d in dots[1:]:
            total = total + d
        res = _grads([total], xs, [np.ones((), dtype=total.dtype)], create_graph)
    else:
        res = tuple(zeros(*x.shape, dtype=x.dtype) for x in xs)
    return (_finish(out, create_graph), _pack([_finish(r, create_graph) for r in res], in_tuple))
