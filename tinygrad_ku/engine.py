"""The graph node (`Function`), grad mode, and the reverse-mode backward pass.

A `Function` instance is a node of the computation graph: it holds the inputs
of one op (`parents`), where each input's gradient goes (`edges`: the input's
node, a leaf, or None), their arrays (`inputs`) and its output array (`out`).
`backward` walks the nodes in reverse creation order with a loop (no
recursion): every consumer of a node was created after it, so a node's
vector-Jacobian product runs once all of its gradient has arrived.

On the first-order path every gradient is a plain ndarray. Under
`create_graph=True` the same `vjp` code runs on Tensors, so the backward pass
is itself recorded and can be differentiated again.
"""
import gc
import heapq
import itertools
import os

import numpy as np

_new, _ndarray = object.__new__, np.ndarray   # looked up once: every op calls them
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
Tensor = None          # set by tinygrad_ku.tensor (the engine and Tensor refer to each other)
_grad_enabled = True   # read on every op; a module global is the cheapest lookup
_seq = itertools.count(1)  # one sequence for node creations and in-place changes
_next_stamp = _seq.__next__   # the next number of that sequence
_clock = 0             # the sequence number of the latest in-place change
_anomaly = False       # detect_anomaly() turns on NaN/inf checks of every vjp's result
_node_hooks = False    # a non-leaf tensor has had a hook or retain_grad: backward looks for them


def is_grad_enabled():
    """Whether ops currently record the graph."""
    return _grad_enabled


class _GradMode:
    """Context manager and decorator that sets grad mode and restores it."""
    mode = True

    def __enter__(self):
        global _grad_enabled
        self._prev, _grad_enabled = _grad_enabled, self.mode

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._prev

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)
        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper


class no_grad(_GradMode):
    """Ops inside `with no_grad():` (or a function decorated with it) record no graph."""
    mode = False


class enable_grad(_GradMode):
    """Turn graph recording back on inside a `no_grad` region."""
    mode = True


def tick():
    """Advance the in-place clock and return its new value (the version of a changed tensor)."""
    global _clock
    _clock = _next_stamp()
    return _clock


class Function:
    """One op: `forward` on ndarrays and `vjp` on ndarrays or Tensors, side by side.

    Subclasses define `forward(self, *arrays, **params) -> ndarray` and
    `vjp(self, g, out, *inputs) -> tuple` with one gradient (or None) per input.
    `stamp` numbers the nodes in creation order, which is a topological order.
    """
    # the engine's per-node fields; an op's own state (axis, masks) lives in the instance dict
    __slots__ = ("parents", "edges", "inputs", "out", "stamp", "out_shape", "out_dtype", "__dict__")
    needs_out = False      # vjp reads `out`: an in-place change of the output must be caught
    hooks = None           # gradient hooks of the output tensor (non-leaf); [] after retain_grad
    retained = None        # weakref to the output tensor when it called retain_grad()
    out_modified = False   # the output was changed in place after this node was made
    saved_inputs = None    # indices of the inputs whose values vjp reads (None: all of them)
    viewed = False         # a view of the output was taken (in-place on it would go stale)
    inplace_prev = None    # for a node made by an in-place op: the tensor as it was before
    origin = None          # where in user code the output was made (detect_anomaly)
    params = {}            # keyword arguments of forward (axis, shape, ...)
    keeps_state = True     # the node may hold arrays of its own (op state, inplace_prev)

    @property
    def name(self):
        return type(self).__name__

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
        """Run the op on Tensors (or constants) and record a node if any input requires grad."""
        fn = object.__new__(cls)
        edges = tuple([_edge(a) for a in args])
        datas = tuple([a.data if isinstance(a, Tensor) else a for a in args])
        try:
            out = fn.forward(*datas, **params)
        except (ValueError, IndexError) as err:
            shapes = ", ".join(str(np.shape(d)) for d in datas)
            raise type(err)(f"{cls.__name__}: inputs of shapes {shapes}: {err}") from None
        if params:
            fn.params = params
        return _output(fn, out, any([e is not None for e in edges]), edges, args, datas)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # plain functions, not classmethods: Tensor uses them as its operator methods
        # (`__mul__ = Mul.apply2`), which saves a Python frame on every op
        cls.apply1 = staticmethod(_unary_apply(cls))
        cls.apply2 = staticmethod(_binary_apply(cls))
        forward = cls.__dict__.get("forward")
        if forward is not None:        # a NumPy function as forward stores nothing on the node
            cls.keeps_state = not isinstance(forward, staticmethod)

    def __repr__(self):
        return f"<{self.name}Backward>"


def _binary_apply(cls):
    """`cls.apply2(a, b)`: `apply` for two inputs and no parameters (the operators' hot path)."""
    def apply2(a, b):
        fn = _new(cls)
        if isinstance(a, Tensor):
            x, ea = a.data, ((a.grad_fn or a) if a.requires_grad else None)
        else:
            x, ea = a, None
        if isinstance(b, Tensor):
            y, eb = b.data, ((b.grad_fn or b) if b.requires_grad else None)
        else:
            y, eb = b, None
        try:
            out = fn.forward(x, y)
        except (ValueError, IndexError) as err:
            raise type(err)(f"{cls.__name__}: inputs of shapes {np.shape(x)}, {np.shape(y)}: "
                            f"{err}") from None
        if out.__class__ is not _ndarray:   # NumPy scalars from 0-d inputs
            out = np.asarray(out)
        t = _new(Tensor)               # _output, inlined
        t.data = out
        if (ea is not None or eb is not None) and _grad_enabled:
            fn.parents = (a, b)
            fn.edges = (ea, eb)
            fn.inputs = (x, y)
            fn.out = out
            fn.stamp = _next_stamp()
            if _anomaly:
                fn.origin = _user_frame()
            t.grad_fn = fn
            t.requires_grad = True
        else:
            t.grad_fn = None
            t.requires_grad = False
        return t
    apply2.__qualname__ = f"{cls.__name__}.apply2"
    return apply2


def _unary_apply(cls):
    """`cls.apply1(a)`: `apply` for one Tensor input and no parameters (Tensor.tanh, ...)."""
    def apply1(a):
        fn = _new(cls)
        x = a.data
        try:
            out = fn.forward(x)
        except (ValueError, IndexError) as err:
            raise type(err)(f"{cls.__name__}: inputs of shapes {np.shape(x)}: {err}") from None
        if out.__class__ is not _ndarray:   # NumPy scalars from 0-d inputs
            out = np.asarray(out)
        t = _new(Tensor)               # _output, inlined
        t.data = out
        if a.requires_grad and _grad_enabled:
            fn.parents = (a,)
            fn.edges = (a.grad_fn or a,)
            fn.inputs = (x,)
            fn.out = out
            fn.stamp = _next_stamp()
            if _anomaly:
                fn.origin = _user_frame()
            t.grad_fn = fn
            t.requires_grad = True
        else:
            t.grad_fn = None
            t.requires_grad = False
        return t
    apply1.__qualname__ = f"{cls.__name__}.apply1"
    return apply1


def _edge(a):
    """Where the gradient of an op's input goes: its node, the leaf itself, or None."""
    if isinstance(a, Tensor) and a.requires_grad:
        return a.grad_fn or a
    return None


def _output(fn, out, requires, edges, parents, inputs):
    """The op's output Tensor; with `fn` recorded as its node when grad is needed."""
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    t = object.__new__(Tensor)         # Tensor._make, inlined: this runs once per op
    t.data = out
    if requires and _grad_enabled:
        fn.parents = parents
        fn.edges = edges
        fn.inputs = inputs
        fn.out = out
        fn.stamp = _next_stamp()
        if _anomaly:
            fn.origin = _user_frame()
        t.grad_fn = fn
        t.requires_grad = True
    else:
        t.grad_fn = None
        t.requires_grad = False
    return t


def _user_frame():
    """The innermost stack frame outside this package: where the user made a tensor."""
    import traceback
    for frame in reversed(traceback.extract_stack()[:-2]):
        if not frame.filename.startswith(_PACKAGE_DIR):
            return f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"
    return None


def sum_to_shape(g, shape, op_name):
    """Sum a gradient over the axes that broadcasting added, so it has `shape`."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra < 0:
        raise RuntimeError(f"{op_name} backward: gradient of shape {g.shape} is smaller than "
                           f"its input's shape {shape}")
    kept = tuple(extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1)
    if not kept:                       # only leading axes: one sum, a fresh array of `shape`
        g = g.sum(axis=tuple(range(extra)))
    else:
        g = g.sum(axis=tuple(range(extra)) + kept, keepdims=True)
        if extra:
            g = g.reshape(shape)
    if g.shape != shape:
        raise RuntimeError(f"{op_name} backward: gradient of shape {g.shape} does not match "
                           f"its input's shape {shape}")
    return g


def _check_versions(node):
    if node.out_modified:
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: the output of {node.name} was changed in place after it was "
            f"computed; its backward needs the original value")
    for i, p in enumerate(node.parents):
        if not node.reads(i):
            continue
        if isinstance(p, Tensor) and (p._version > node.stamp or (
                p._base is not None and p._base._version > node.stamp)):
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: an input of {node.name} with shape {p.shape} was changed "
                f"in place after {node.name} used it")


def _parents_as_used(node):
    """node.parents, each as it was when node used it: an in-place op later gives the
    same Tensor a new grad_fn, and this follows `inplace_prev` back past those changes."""
    out = []
    for p in node.parents:
        if isinstance(p, Tensor) and p._version > node.stamp:
            fn = p.grad_fn
            while fn is not None and fn.inplace_prev is not None and fn.stamp >= node.stamp:
                p = fn.inplace_prev
                fn = p.grad_fn
        out.append(p)
    return tuple(out)


def _collect(roots):
    """Count, for every node reachable from `roots`, how many graph edges point at it."""
    deps = {}
    stack = list(roots)
    for n in roots:
        deps.setdefault(n, 0)
    while stack:
        node = stack.pop()
        if node.freed:
            _raise_freed(node)
        for p in (_parents_as_used(node) if _clock > node.stamp else node.parents):
            if isinstance(p, Tensor):
                child = p.grad_fn
                if child is not None:
                    if child in deps:
                        deps[child] += 1
                    else:
                        deps[child] = 1
                        stack.append(child)
    return deps


def _run_hooks(hooks, g, create_graph):
    for hook in hooks:
        wrapped = g if create_graph else Tensor._make(g, False, None)
        result = hook(wrapped)
        if result is not None:
            g = result if create_graph else np.asarray(result.data if isinstance(result, Tensor) else result)
    return g


def _accumulate_leaf(leaf, g, owned, create_graph):
    if leaf._hooks:
        g = _run_hooks(leaf._hooks, g, create_graph)
    if create_graph:
        if g.dtype != leaf.data.dtype:
            g = g.to(leaf.data.dtype)
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    if g.dtype != leaf.data.dtype:
        g, owned = g.astype(leaf.data.dtype), True
    if leaf.grad is None:
        if not owned or type(g) is not np.ndarray:
            g = np.array(g)
        leaf.grad = Tensor._make(g, False, None)
    elif leaf.grad.grad_fn is None and leaf.grad.data.flags.writeable:
        leaf.grad.data += g
    else:
        leaf.grad = Tensor._make(leaf.grad.data + g, False, None)


def _raise_freed(node):
    raise RuntimeError(
        f"Trying to backward through the graph a second time (or directly access saved "
        f"tensors after they have already been freed): the node {node.name} was freed by "
        f"an earlier backward(). Specify retain_graph=True on the first backward() call.")


def _node_extras(node, g, node_targets, results, create_graph):
    """A node's gradient hooks, retain_grad, and recording it when it is a requested input."""
    if node.hooks:
        g = _run_hooks(node.hooks, g, create_graph)
    if node.retained is not None and results is None:
        t = node.retained()
        if t is not None:
            gt = g if create_graph else Tensor._make(np.array(g), False, None)
            t.grad = gt if t.grad is None else t.grad + gt
    if node_targets is not None and id(node) in node_targets:
        results[node_targets[id(node)]] = g
    return g


def backward(roots, root_grads, retain_graph=False, create_graph=False, inputs=None):
    """Reverse-mode pass from `roots` (Tensors) seeded with `root_grads`.

    With `inputs=None` gradients are accumulated into the `.grad` of the leaves.
    Otherwise nothing is accumulated and the gradients with respect to `inputs`
    (Tensors, leaves or not) are returned as a list (None where unreachable).

    Nodes are processed newest first (a heap keyed on -stamp): every consumer of a
    node was created after it, so all of a node's gradient has arrived when it is popped.
    On the first-order path, when a node's input is the only pending node (a chain), it
    runs next without the heap.
    """
    global _grad_enabled
    grads, heap = {}, []
    targets = None if inputs is None else {id(t): i for i, t in enumerate(inputs)}
    results = None if inputs is None else [None] * len(inputs)
    for root, g in zip(roots, root_grads):
        if root.grad_fn is None:
            if inputs is None:
                if root.requires_grad:
                    _accumulate_leaf(root, g, False, create_graph)
            elif id(root) in targets:
                i = targets[id(root)]
                results[i] = g if results[i] is None else results[i] + g
            continue
        n = root.grad_fn
        if n.out is None:
            _raise_freed(n)
        if n in grads:
            grads[n] = grads[n] + g
        else:
            grads[n] = g
            heap.append((-n.stamp, n))
    heapq.heapify(heap)
    node_targets = None
    if targets is not None:
        node_targets = {id(t.grad_fn): i for t, i in zip(inputs, range(len(inputs)))
                        if t.grad_fn is not None}
    prev_mode = _grad_enabled
    gc_was_enabled = gc.isenabled()
    gc.disable()               # the pass makes no reference cycles; collections only cost time
    _grad_enabled = create_graph
    quiet = np.errstate(divide="ignore", invalid="ignore", over="ignore")
    quiet.__enter__()          # inf/nan gradients are values, as in PyTorch (detect_anomaly finds them)
    try:
        if create_graph or targets is not None or _anomaly:
            _run(grads, heap, retain_graph, create_graph, targets, node_targets, results)
        elif heap:
            _run_first_order(grads, heap, retain_graph)
    finally:
        quiet.__exit__(None, None, None)
        _grad_enabled = prev_mode
        if gc_was_enabled:
            gc.enable()
    return results


def _free(node, out):
    """Drop what a node saved (arrays, the op's own state); keep its edges, shape and dtype."""
    node.out_shape, node.out_dtype = out.shape, out.dtype
    node.parents = node.edges
    node.out = node.inputs = None
    if node.keeps_state:               # (a stateless node makes no empty __dict__)
        state = node.__dict__
        if state:
            state.clear()


def _run_first_order(grads, heap, retain_graph):
    """The backward loop of a plain `backward()`: ndarray gradients into the leaves' .grad.

    The same steps as `_run` without create_graph, inputs= and anomaly checks, and a
    chain's gradient passes to the next node in a local instead of through `grads`.
    """
    heappush, heappop = heapq.heappush, heapq.heappop
    owned = set()
    node = heappop(heap)[1]
    g = grads.pop(node)
    while True:
        out = node.out
        if out is None:
            _raise_freed(node)
        if _node_hooks and node.hooks is not None:     # hooks, retain_grad
            g = _node_extras(node, g, None, None, False)
        inputs = node.inputs
        if _clock > node.stamp:        # something changed in place since node was made
            _check_versions(node)
        nxt = None                     # the only pending node: a chain's next step skips the heap
        if len(inputs) == 1:           # fixed arities: a *inputs call is markedly slower
            input_grads = node.vjp(g, out, inputs[0])
        elif len(inputs) == 2:
            input_grads = node.vjp(g, out, inputs[0], inputs[1])
        else:
            input_grads = node.vjp(g, out, *inputs)
        for child, x, gp in zip(node.edges, inputs, input_grads):
            if child is None:
                continue
            if gp is None:
                if isinstance(child, Tensor):
                    continue
                gp = np.zeros(x.shape, x.dtype)   # the node still runs (and is freed)
            elif gp.shape != x.shape:
                gp = sum_to_shape(gp, x.shape, node.name)
            if isinstance(child, Tensor):          # a leaf
                if child.requires_grad:
                    _accumulate_leaf(child, gp, type(gp) is np.ndarray and gp.base is None
                                     and gp is not g, False)
            elif nxt is None and not heap:     # nothing else pending (so child is not in grads)
                nxt, nxt_g = child, gp
            elif child is nxt:
                nxt_g = nxt_g + gp
            elif child in grads:
                if child in owned:
                    acc = grads[child]
                    acc += gp
                    grads[child] = acc         # 0-d results are NumPy scalars: += rebinds
                else:
                    grads[child] = grads[child] + gp
                    owned.add(child)
            else:
                grads[child] = gp
                heappush(heap, (-child.stamp, child))
        if not retain_graph:           # _free(node, out), inlined
            node.out_shape, node.out_dtype = out.shape, out.dtype
            node.parents = node.edges
            node.out = node.inputs = None
            if node.keeps_state:
                state = node.__dict__
                if state:
                    state.clear()
        if nxt is not None:
            if not heap:
                node, g = nxt, nxt_g
                continue
            grads[nxt] = nxt_g                 # several pending: the heap orders them
            heappush(heap, (-nxt.stamp, nxt))
        if not heap:
            return
        node = heappop(heap)[1]
        g = grads.pop(node)


def _run(grads, heap, retain_graph, create_graph, targets, node_targets, results):
    """The general backward loop: create_graph, inputs=, detect_anomaly."""
    heappush, heappop = heapq.heappush, heapq.heappop
    owned = set()
    while heap:
        node = heappop(heap)[1]
        g = grads.pop(node)
        if node.out is None:
            _raise_freed(node)
        if node.hooks is not None or node_targets is not None:   # hooks, retain_grad, inputs=
            g = _node_extras(node, g, node_targets, results, create_graph)
        inputs = node.inputs
        if _clock > node.stamp:        # something changed in place since node was made
            _check_versions(node)
        if create_graph:
            parents = _parents_as_used(node) if _clock > node.stamp else node.parents
            input_grads = node.vjp(g, Tensor._make(node.out, True, node), *parents)
        else:
            input_grads = node.vjp(g, node.out, *inputs)
        if _anomaly:
            _check_finite(node, input_grads)
        for child, x, gp in zip(node.edges, inputs, input_grads):
            if child is None:
                continue
            if gp is None:
                if isinstance(child, Tensor):
                    continue
                gp = np.zeros(x.shape, x.dtype)   # the node still runs (and is freed)
                if create_graph:
                    gp = Tensor._make(gp, False, None)
            elif gp.shape != x.shape:
                gp = sum_to_shape(gp, x.shape, node.name)
            if isinstance(child, Tensor):          # a leaf
                if targets is None:
                    if child.requires_grad:
                        fresh = create_graph or (
                            type(gp) is np.ndarray and gp.base is None and gp is not g)
                        _accumulate_leaf(child, gp, fresh, create_graph)
                elif id(child) in targets:
                    i = targets[id(child)]
                    results[i] = gp if results[i] is None else results[i] + gp
            elif child in grads:
                if child in owned and not create_graph:
                    acc = grads[child]
                    acc += gp
                    grads[child] = acc         # 0-d results are NumPy scalars: += rebinds
                else:
                    grads[child] = grads[child] + gp
                    owned.add(child)
            else:
                grads[child] = gp
                heappush(heap, (-child.stamp, child))
        if not retain_graph:
            _free(node, node.out)


def _check_finite(node, input_grads):
    for i, gp in enumerate(input_grads):
        if gp is None:
            continue
        arr = gp.data if isinstance(gp, Tensor) else np.asarray(gp)
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            where = f" (the tensor was created at {node.origin})" if node.origin else ""
            raise RuntimeError(
                f"Function '{node.name}Backward' returned nan or inf values in its "
                f"{i}th output{where}")
