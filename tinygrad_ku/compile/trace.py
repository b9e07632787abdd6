"""Tracing: run f once, eagerly, on stand-in leaves, and read the graph it recorded.

While a thread traces (`state.active`, in guard.py), Tensor's conversions to Python
values and arrays (bool(), float(), int(), item(), tolist(), numpy(), np.asarray) called
from user code raise `TracingError` naming the user's line, as JAX does: the compiled code
runs without Python, so a branch on a tensor's value would be frozen into it.

Every floating-point Tensor argument is replaced by a leaf that requires grad, so that
every op that depends on an argument is recorded (an op records a node only when one of
its inputs requires grad). The graph is then walked, without recursion, from the outputs
to those leaves: `Graph.steps` are the nodes in the order they ran.
"""
import numpy as np

from .guard import TracingError, state  # noqa: F401  (function.py reads trace.state)


class Graph:
    """What one trace recorded.

    steps      the nodes that lead to the outputs, in the order they ran (by stamp)
    leaves     the stand-in leaves, one per Tensor argument (None for a non-float one)
    outputs    the output Tensors, flat
    structure  how to rebuild f's result from `outputs`: 'one', 'tuple' or 'list'
    """

    def __init__(self, steps, leaves, outputs, structure):
        self.steps, self.leaves, self.outputs, self.structure = steps, leaves, outputs, structure


def stand_in(t, name):
    """A leaf with t's data (the same array) that records every op using it."""
    from ..tensor import Tensor
    s = Tensor._make(t.data, t.data.dtype.kind in "fc", None)
    s._name = name
    return s


def run(f, args, kwargs, slots, names, arrays=None):
    """Trace f: call it with every Tensor argument at `slots` (positions and keyword names)
    replaced by a stand-in leaf (holding `arrays[i]` if given), grad mode on, the guards up."""
    from ..autograd.gradcheck import _graph_nodes
    from ..grad_mode import set_grad
    from ..tensor import Tensor
    args, kwargs = list(args), dict(kwargs)
    leaves = []
    for i, slot in enumerate(slots):
        src = args if isinstance(slot, int) else kwargs
        t = src[slot]
        if arrays is not None:
            t = Tensor._make(arrays[i], False, None)
        leaf = stand_in(t, names[i])
        leaves.append(leaf)
        src[slot] = leaf
    prev_grad, prev_active = set_grad(True), state.active
    state.active = True
    try:
        result = f(*args, **kwargs)
    finally:
        state.active = prev_active
        set_grad(prev_grad)
    if isinstance(result, Tensor):
        outputs, structure = [result], "one"
    elif isinstance(result, (tuple, list)) and all(isinstance(r, Tensor) for r in result):
        outputs, structure = list(result), type(result).__name__
    else:
        raise TypeError(f"tg.compile: f must return a Tensor or a tuple/list of Tensors, got "
                        f"{type(result).__name__}")
    for leaf in leaves:
        if leaf._version:
            raise TracingError(
                f"tg.compile: f changed its argument {leaf._name!r} in place; the compiled code "
                f"cannot repeat that on the caller's tensor. Work on a copy (x = x.clone()).")
    steps = sorted(_graph_nodes(outputs), key=lambda n: n.stamp)    # (found without recursion)
    return Graph(steps, leaves, outputs, structure)


def perturbed(arrays, attempt):
    """Other values for the float arguments, to check that the compiled program follows f
    when the inputs change: permuted and negated (every sign, so every `x > 0`, flips), then
    permuted and rescaled (signs kept, for functions of positive inputs), then shifted."""
    rng = np.random.default_rng(attempt)
    out = []
    for a in arrays:
        if a.dtype.kind != "f" or a.size == 0:
            out.append(a)
            continue
        flat = a.reshape(-1)[rng.permutation(a.size)]
        scale = rng.choice(np.array([0.75, 1.5], a.dtype), a.size)
        if attempt == 0:
            flat = -flat * scale
        elif attempt == 1:
            flat = flat * scale
        else:
            flat = flat * a.dtype.type(1.125) + a.dtype.type(0.0625)
        out.append(flat.reshape(a.shape).copy())
    return out
