"""The graph node (`Function`), grad mode, and the reverse-mode backward pass.

A `Function` instance is a node of the computation graph: it holds the inputs
of one op (`parents`), their arrays (`inputs`) and its output array (`out`).
`backward` walks the nodes in reverse topological order with a loop (no
recursion), calling each node's vector-Jacobian product once all the nodes
that consumed its output have been processed.

On the first-order path every gradient is a plain ndarray. Under
`create_graph=True` the same `vjp` code runs on Tensors, so the backward pass
is itself recorded and can be differentiated again.
"""
import gc
import os

import numpy as np

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
Tensor = None          # set by tinygrad_ku.tensor (the engine and Tensor refer to each other)
_grad_enabled = True   # read on every op; a module global is the cheapest lookup
_clock = 0             # bumped by every in-place change; nodes remember the clock at creation
_anomaly = False       # detect_anomaly() turns on NaN/inf checks of every vjp's result


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
    _clock += 1
    return _clock


class Function:
    """One op: `forward` on ndarrays and `vjp` on ndarrays or Tensors, side by side.

    Subclasses define `forward(self, *arrays, **params) -> ndarray` and
    `vjp(self, g, out, *inputs) -> tuple` with one gradient (or None) per input.
    """
    needs_out = False      # vjp reads `out`: an in-place change of the output must be caught
    differentiable = True  # False for ops whose vjp is only first-order exact
    freed = False
    hooks = None           # gradient hooks of the output tensor (non-leaf)
    retained = None        # weakref to the output tensor when it called retain_grad()
    out_modified = False   # the output was changed in place after this node was made
    saved_inputs = None    # indices of the inputs whose values vjp reads (None: all of them)
    viewed = False         # a view of the output was taken (in-place on it would go stale)
    inplace_prev = None    # for a node made by an in-place op: the tensor as it was before
    origin = None          # where in user code the output was made (detect_anomaly)
    params = {}            # keyword arguments of forward (axis, shape, ...)

    @property
    def name(self):
        return type(self).__name__

    def needs_grad(self, i):
        """Whether input i requires a gradient (lets a vjp skip work for constants)."""
        p = self.parents[i]
        return isinstance(p, Tensor) and p.requires_grad

    @classmethod
    def apply(cls, *args, **params):
        """Run the op on Tensors (or constants) and record a node if any input requires grad."""
        fn = object.__new__(cls)
        n = len(args)
        if n == 1 and isinstance(args[0], Tensor):             # unary and binary ops, unrolled
            requires, datas = args[0].requires_grad, (args[0].data,)
        elif n == 2:
            a, b = args
            requires = False
            if isinstance(a, Tensor):
                requires, a = a.requires_grad, a.data
            if isinstance(b, Tensor):
                requires, b = requires or b.requires_grad, b.data
            datas = (a, b)
        else:
            requires = any(isinstance(a, Tensor) and a.requires_grad for a in args)
            datas = tuple(a.data if isinstance(a, Tensor) else a for a in args)
        try:
            out = fn.forward(*datas, **params)
        except (ValueError, IndexError) as err:
            shapes = ", ".join(str(np.shape(d)) for d in datas)
            raise type(err)(f"{cls.__name__}: inputs of shapes {shapes}: {err}") from None
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if requires and _grad_enabled:
            fn.parents = args
            fn.inputs = datas
            fn.out = out
            fn.stamp = _clock
            if params:
                fn.params = params
            if _anomaly:
                fn.origin = _user_frame()
            return Tensor._make(out, True, fn)
        return Tensor._make(out, False, None)

    def __repr__(self):
        return f"<{self.name}Backward>"


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
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
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
    saved = node.saved_inputs
    for i, p in enumerate(node.parents):
        if saved is not None and i not in saved:
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


def _edges(parents):
    """Per parent: its node, the leaf Tensor itself, or None (a constant or no grad)."""
    return tuple((p.grad_fn or p) if isinstance(p, Tensor) and p.requires_grad else None
                 for p in parents)


def _collect(roots):
    """Count, for every node reachable from `roots`, how many graph edges point at it."""
    deps = {}
    stack = list(roots)
    for n in roots:
        deps.setdefault(n, 0)
    while stack:
        node = stack.pop()
        if node.freed:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (or directly access saved "
                f"tensors after they have already been freed): the node {node.name} was freed by "
                f"an earlier backward(). Specify retain_graph=True on the first backward() call.")
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


def backward(roots, root_grads, retain_graph=False, create_graph=False, inputs=None):
    """Reverse-mode pass from `roots` (Tensors) seeded with `root_grads`.

    With `inputs=None` gradients are accumulated into the `.grad` of the leaves.
    Otherwise nothing is accumulated and the gradients with respect to `inputs`
    (Tensors, leaves or not) are returned as a list (None where unreachable).
    """
    global _grad_enabled
    grads, owned, ready, roots_nodes = {}, set(), [], []
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
        if n in grads:
            grads[n] = grads[n] + g
        else:
            grads[n] = g
            roots_nodes.append(n)
    deps = _collect(roots_nodes)
    for n in roots_nodes:
        if deps[n] == 0:
            ready.append(n)
    node_targets = None
    if targets is not None:
        node_targets = {id(t.grad_fn): i for t, i in zip(inputs, range(len(inputs)))
                        if t.grad_fn is not None}
    prev_mode = _grad_enabled
    gc_was_enabled = gc.isenabled()
    gc.disable()               # the pass makes no reference cycles; collections only cost time
    _grad_enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            g = grads.pop(node)
            if node.hooks:
                g = _run_hooks(node.hooks, g, create_graph)
            if node.retained is not None and inputs is None:
                t = node.retained()
                if t is not None:
                    gt = g if create_graph else Tensor._make(np.array(g), False, None)
                    t.grad = gt if t.grad is None else t.grad + gt
            if node_targets is not None and id(node) in node_targets:
                results[node_targets[id(node)]] = g
            parents = node.parents
            if _clock > node.stamp or node.out_modified:
                _check_versions(node)
                parents = _parents_as_used(node)
            if create_graph:
                out = Tensor._make(node.out, True, node)
                input_grads = node.vjp(g, out, *parents)
            else:
                input_grads = node.vjp(g, node.out, *node.inputs)
            if _anomaly:
                _check_finite(node, input_grads)
            edges = []
            for p, gp in zip(parents, input_grads):
                if not isinstance(p, Tensor) or not p.requires_grad:
                    edges.append(None)
                    continue
                child = p.grad_fn
                edges.append(child or p)
                if gp is None:
                    if child is None:
                        continue
                    gp = np.zeros(p.data.shape, p.data.dtype)   # keep the walk's counts right
                    if create_graph:
                        gp = Tensor._make(gp, False, None)
                if gp.shape != p.data.shape:
                    gp = sum_to_shape(gp, p.data.shape, node.name)
                if child is None:
                    if targets is None:
                        fresh = create_graph or (
                            type(gp) is np.ndarray and gp.base is None and gp is not g)
                        _accumulate_leaf(p, gp, fresh, create_graph)
                    elif id(p) in targets:
                        i = targets[id(p)]
                        results[i] = gp if results[i] is None else results[i] + gp
                    continue
                if child in grads:
                    if child in owned and not create_graph:
                        acc = grads[child]
                        acc += gp
                        grads[child] = acc     # 0-d results are NumPy scalars: += rebinds
                    else:
                        grads[child] = grads[child] + gp
                        owned.add(child)
                else:
                    grads[child] = gp
                n = deps[child] - 1
                deps[child] = n
                if not n:
                    ready.append(child)
            if not retain_graph:       # drop what the node saved; keep the graph's shape
                if len(edges) != len(parents):
                    edges = _edges(parents)
                out = node.out
                node.__dict__ = {"freed": True, "parents": tuple(edges), "out": None,
                                 "out_shape": out.shape, "out_dtype": out.dtype}
    finally:
        _grad_enabled = prev_mode
        if gc_was_enabled:
            gc.enable()
    return results


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
