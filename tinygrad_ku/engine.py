"""The graph node (`Function`), the one recorder (`_record`) and the one backward loop (`_walk`).

A node keeps its op's inputs (`parents`), where their gradients go (`edges`), their arrays
(`inputs`), the output (`out`) and the no-grad inputs (`kept`, for drawing). Backward takes nodes
newest first: every consumer of a node was made after it, so its gradient is complete when it runs.
One walk serves `backward()`, `create_graph`, `inputs=` and a vectorized Jacobian's batched pass."""
import contextlib
import heapq
import itertools

import numpy as np

from . import grad_mode
from .broadcast import sum_to_shape
from .grad_mode import modes
from .kept import keep as _keep

_new, _ndarray = object.__new__, np.ndarray   # looked up once: every op calls them
Tensor = None          # set by tinygrad_ku.tensor
_next_stamp = itertools.count(1).__next__   # one sequence for node creations and in-place changes
_clock = 0             # the stamp of the latest in-place change, in any thread
_node_hooks = False    # a non-leaf tensor has had a hook or retain_grad: backward looks for them


def tick():
    """Advance the in-place clock and return its new value (the version of a changed tensor)."""
    global _clock
    _clock = _next_stamp()
    return _clock


class Function:
    """One op: `forward` on ndarrays and `vjp` on ndarrays or Tensors, side by side.

    `apply(*inputs, **params)` keeps the parameters as attributes of the node and calls
    `forward(self, *arrays)`; `vjp(self, g, out, *inputs)` returns one gradient (or None) per input;
    `batched_vjp` takes B cotangents on axis 0 of g. What vjp reads is declared, safe by default."""
    # the engine's per-node fields (`kept`: see kept.py); op parameters and state: the instance dict
    __slots__ = ("parents", "edges", "inputs", "out", "stamp", "out_shape", "out_dtype", "kept",
                 "__dict__")
    needs_out = True       # vjp reads `out`: an in-place change of the output raises at backward
    saved_inputs = None    # indices of the inputs whose values vjp reads (None: all of them)
    hooks = None           # gradient hooks of the output tensor (non-leaf); [] after retain_grad
    retained = None        # weakref to the output tensor when it called retain_grad()
    out_modified = False   # the output was changed in place after this node was made
    viewed = False         # a view of the output was taken (in-place on it would go stale)
    origin = None          # where in user code the output was made (detect_anomaly)
    keeps_state = True     # the node may hold arrays of its own (parameters, op state)
    self_contained = False  # vjp records no op: backward needs no grad-mode switch (tg.compile)

    @property
    def freed(self):
        """True after a backward pass without retain_graph dropped what the node saved."""
        return self.out is None

    def reads(self, i):
        """Whether vjp reads input i's value (so an in-place change of it must be caught)."""
        return self.saved_inputs is None or i in self.saved_inputs

    def needs_grad(self, i):
        """Whether input i requires a gradient (lets a vjp skip work for constants)."""
        return self.edges[i] is not None

    @classmethod
    def apply(cls, *args, **params):
        """Run the op on Tensors (or constants); record a node if grad mode is on and an input needs it."""
        fn = _new(cls)
        if params:
            fn.__dict__.update(params)
        datas = tuple([a.data if isinstance(a, Tensor) else a for a in args])
        edges = tuple([(a.grad_fn or a) if isinstance(a, Tensor) and a.requires_grad else None
                       for a in args])
        try:
            out = fn.forward(*datas)
        except (ValueError, IndexError) as err:
            raise _op_error(cls, err, datas) from None
        n = len([e for e in edges if e is not None])
        if 0 < n < len(edges):
            fn.kept = [_keep(a) for a, e in zip(args, edges) if e is None]
        return _record(fn, out, args, edges if n else None, datas)

    def batched_vjp(self, g, out, *inputs):
        """The vjp of B cotangents g[0], ..., g[B-1] at once, one vjp call per row."""
        rows = [self.vjp(g[b], out, *inputs) for b in range(g.shape[0])]
        return tuple(_stack([r[i] for r in rows], x, self.name) for i, x in enumerate(inputs))

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # plain functions, not classmethods: Tensor uses them as its operator methods
        # (`__mul__ = Mul.apply2`), which saves a Python frame on every op; with a copy of _record
        # per class, as CPython caches `fn.out = out` for one type of fn (shared, it would miss)
        record = type(_record)(_record.__code__.replace(), globals())
        cls.apply1 = staticmethod(_unary_apply(cls, record))
        cls.apply2 = staticmethod(_binary_apply(cls, record))
        cls.name = cls.__name__
        forward = cls.__dict__.get("forward")
        if forward is not None:        # a NumPy function as forward stores nothing on the node
            cls.keeps_state = not isinstance(forward, staticmethod)

    def __repr__(self):
        return f"<{self.name}Backward>"


def _binary_apply(cls, _record):
    """`cls.apply2(a, b)`: `apply` for two inputs and no parameters (the operators' path)."""
    def apply2(a, b):
        fn = _new(cls)
        if isinstance(a, Tensor):
            x, ea = a.data, ((a.grad_fn or a) if a.requires_grad else None)
        else:
            x, ea = a, None
        if type(b) is float:           # the common constant (first: isinstance is slow on it)
            y, eb, fn.kept = b, None, b
        elif isinstance(b, Tensor) and b.requires_grad:
            y, eb = b.data, (b.grad_fn or b)
        else:                          # kept if the node is recorded (a needs grad)
            y, eb, fn.kept = _array(b), None, (None if ea is None else _keep(b))
        try:
            out = fn.forward(x, y)
        except (ValueError, IndexError) as err:
            raise _op_error(cls, err, (x, y)) from None
        if ea is None and eb is not None:
            fn.kept = _keep(a)
        return _record(fn, out, (a, b), None if ea is None and eb is None else (ea, eb), (x, y))
    apply2.__qualname__ = f"{cls.__name__}.apply2"
    apply2.__code__ = apply2.__code__.replace()     # its own code too (see __init_subclass__)
    return apply2


def _unary_apply(cls, _record):
    """`cls.apply1(a)`: `apply` for one Tensor input and no parameters (Tensor.tanh, ...)."""
    def apply1(a):
        fn = _new(cls)
        x = a.data
        try:
            out = fn.forward(x)
        except (ValueError, IndexError) as err:
            raise _op_error(cls, err, (x,)) from None
        return _record(fn, out, (a,), ((a.grad_fn or a),) if a.requires_grad else None, (x,))
    apply1.__qualname__ = f"{cls.__name__}.apply1"
    return apply1


def _record(fn, out, parents, edges, inputs):
    """The recorder: the op's output Tensor, with `fn` as its node if `edges` and grad mode say so."""
    if out.__class__ is not _ndarray:   # NumPy scalars from 0-d inputs
        out = np.asarray(out)
    t = _new(Tensor)
    t.data = out                       # (all_enabled: a measured fast path, see grad_mode)
    if edges is not None and (grad_mode.all_enabled or modes.grad_enabled):
        fn.parents = parents
        fn.edges = edges
        fn.inputs = inputs
        fn.out = out
        fn.stamp = _next_stamp()
        if grad_mode.anomaly_threads and modes.anomaly:
            fn.origin = grad_mode.user_frame()
        t.grad_fn = fn
        t.requires_grad = True
    else:
        t.grad_fn = None
        t.requires_grad = False
    return t


def _op_error(cls, err, datas):    # NumPy's ValueError (shapes) becomes PyTorch's RuntimeError
    msg = f"{cls.__name__}: inputs of shapes {', '.join(str(np.shape(d)) for d in datas)}: {err}"
    return (RuntimeError if type(err) is ValueError else type(err))(msg)


def _array(x):
    return x.data if isinstance(x, Tensor) else x


def _stack(rows, x, op_name):
    """Per-row gradients of input x (None: zero), summed to x's shape, stacked on a new axis 0."""
    if all(r is None for r in rows):
        return None
    shape = np.shape(_array(x))
    out = np.zeros((len(rows),) + shape, _array(next(r for r in rows if r is not None)).dtype)
    if any(isinstance(r, Tensor) for r in rows):
        out = Tensor._make(out, False, None)   # setitem records: create_graph sees the stack
    for b, r in enumerate(rows):
        if r is not None:
            out[b] = sum_to_shape(r, shape, op_name)
    return out


def _check_versions(node):
    modified = ("one of the variables needed for gradient computation has been modified by an "
                "inplace operation: ")
    if node.out_modified:
        raise RuntimeError(modified + f"the output of {node.name} was changed in place after it "
                           f"was computed; its backward needs the original value")
    for i, p in enumerate(node.parents):
        if isinstance(p, Tensor) and node.reads(i) and (p._version > node.stamp or (
                p._base is not None and p._base._version > node.stamp)):
            raise RuntimeError(modified + f"an input of {node.name} with shape {p.shape} was "
                               f"changed in place after {node.name} used it")


def _graph_inputs(node):
    """The node's inputs as Tensors wired to the graph as it was when node ran (create_graph)."""
    args = []
    for p, edge, x in zip(node.parents, node.edges, node.inputs):
        if edge is None:
            args.append(Tensor._make(x, False, None) if isinstance(p, Tensor) else p)
        else:                          # a leaf is its own edge; a node gets a Tensor of its output
            args.append(edge if isinstance(edge, Tensor) else
                        (p if p.grad_fn is edge else Tensor._make(x, True, edge)))
    return args


def backward(roots, root_grads, retain_graph=False, create_graph=False, inputs=None, batched=False):
    """Reverse mode from `roots` seeded with `root_grads`, into the leaves' `.grad`; or, given
    `inputs`, the gradients for them as a list (None: unreachable), accumulating nothing.
    `batched`: B cotangents along axis 0 of each root gradient."""
    results = targets = node_targets = None
    if inputs is not None:
        targets = {id(t): i for i, t in enumerate(inputs)}
        node_targets = {id(t.grad_fn): i for i, t in enumerate(inputs) if t.grad_fn} or None
        results = [None] * len(inputs)
    grads, heap = {}, []
    for root, g in zip(roots, root_grads):
        node = root.grad_fn
        if node is None:               # a leaf as its own output
            _to_leaf(root, g, False, create_graph, targets, results)
        elif node in grads:
            grads[node] = grads[node] + g
        else:
            grads[node] = g
            heap.append((-node.stamp, node))
    if not heap:
        return results
    heapq.heapify(heap)
    node = heap[0][1]      # measured fast path: a lone node that records no op (tg.compile's call)
    lone = len(heap) == 1 and node.self_contained and node.hooks is None and not create_graph \
        and all(e is None or e.__class__ is Tensor for e in node.edges)    # on leaves only
    with (contextlib.nullcontext() if lone else grad_mode.set_grad_enabled(create_graph)), \
            np.errstate(divide="ignore", invalid="ignore", over="ignore"):   # inf/nan are values
        _walk(grads, heap, retain_graph, create_graph, batched, targets, results, node_targets)
    return results


def _to_leaf(leaf, g, owned, create_graph, targets, results):
    if targets is None:
        if leaf.requires_grad:
            leaf._accumulate_grad(g, owned, create_graph)
    elif id(leaf) in targets:
        i = targets[id(leaf)]
        results[i] = g if results[i] is None else results[i] + g


def _walk(grads, heap, retain_graph, create_graph, batched, targets, results, node_targets):
    """The backward loop: pop the newest node, run its vjp, send each gradient along its edge."""
    heappush, heappop = heapq.heappush, heapq.heappop
    anomaly = modes.anomaly
    plain = not (create_graph or batched or anomaly)   # ndarray gradients, one cotangent
    extras = node_targets is not None or _node_hooks    # hooks, retain_grad, inputs= to look for
    lead = 1 if batched else 0
    owned = set()                      # nodes whose pending gradient is a sum the walk made
    node = heappop(heap)[1]
    g = grads.pop(node)
    while True:
        out = node.out
        if out is None:
            raise RuntimeError(f"Trying to backward through the graph a second time (or directly "
                               f"access saved tensors after they have already been freed): the node "
                               f"{node.name} was freed by an earlier backward(). Specify "
                               f"retain_graph=True on the first backward() call.")
        if extras and (node.hooks is not None or node_targets is not None):
            g = _node_extras(node, g, node_targets, results, create_graph, batched)
        if _clock > node.stamp:        # something changed in place since node was made
            _check_versions(node)
        inputs = node.inputs
        if plain:                      # fast path: fixed arities (a *inputs call is slower)
            if len(inputs) == 1:
                input_grads = node.vjp(g, out, inputs[0])
            elif len(inputs) == 2:
                input_grads = node.vjp(g, out, inputs[0], inputs[1])
            else:
                input_grads = node.vjp(g, out, *inputs)
        else:
            args = _graph_inputs(node) if create_graph else inputs
            o = Tensor._make(out, True, node) if create_graph else out
            input_grads = (node.batched_vjp if batched else node.vjp)(g, o, *args)
            if anomaly:
                grad_mode.check_finite(node, [_array(gp) for gp in input_grads])
        nxt = None                     # fast path: a chain's only pending node skips the heap
        for child, x, gp in zip(node.edges, inputs, input_grads):
            if child is None:
                continue
            if gp is None:
                if isinstance(child, Tensor):
                    continue
                gp = np.zeros(g.shape[:lead] + x.shape, x.dtype)   # the node still runs, is freed
                if create_graph:
                    gp = Tensor._make(gp, False, None)
            elif gp.shape != x.shape:  # (always, with a batch axis: sum_to_shape sees to it)
                gp = sum_to_shape(gp, x.shape, node.name, lead)
            if isinstance(child, Tensor):      # a leaf
                _to_leaf(child, gp, plain and type(gp) is np.ndarray and gp.base is None
                         and gp is not g, create_graph, targets, results)
            elif nxt is None and not heap:
                nxt, nxt_g = child, gp
            elif child in grads or child is nxt:
                if child is nxt:       # one input taken twice: pending like the others
                    grads[nxt] = nxt_g
                    heappush(heap, (-nxt.stamp, nxt))
                    nxt = None
                if child in owned:     # a sum this walk made, which no one else holds
                    acc = grads[child]
                    acc += gp          # (0-d results are NumPy scalars: += rebinds)
                    grads[child] = acc
                else:
                    grads[child] = grads[child] + gp
                    if not create_graph:
                        owned.add(child)
            else:
                grads[child] = gp
                heappush(heap, (-child.stamp, child))
        if not retain_graph:           # free what the node saved; keep edges, kept, shape, dtype
            node.out_shape, node.out_dtype = out.shape, out.dtype
            node.parents = node.edges
            node.out = node.inputs = None
            if node.keeps_state and node.__dict__:   # (a stateless node makes no empty __dict__)
                node.__dict__.clear()
        if nxt is not None:
            if not heap:
                node, g = nxt, nxt_g
                continue
            grads[nxt] = nxt_g         # several pending: the heap orders them
            heappush(heap, (-nxt.stamp, nxt))
        if not heap:
            return
        node = heappop(heap)[1]
        g = grads.pop(node)


def _node_extras(node, g, node_targets, results, create_graph, batched):
    """A node's hooks and retain_grad (not on a batched pass); its gradient if it is an input."""
    if node.hooks and not batched:
        g = Tensor._run_hooks(node.hooks, g, create_graph, f"the output of {node.name}")
    t = node.retained() if node.retained is not None and results is None else None
    if t is not None:
        t._accumulate_grad(g, False, create_graph)
    if node_targets is not None and id(node) in node_targets:
        results[node_targets[id(node)]] = g
    return g
