"""Computation graphs you can look at: `draw_graph(y)` returns a `graphviz.Digraph`.

    >>> import tinygrad_ku as tg
    >>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> dot = tg.viz.draw_graph(y)          # displays inline (SVG) in a notebook
    >>> dot.render("graph", format="svg")   # writes graph.svg  # doctest: +SKIP

What is drawn (forward graph, the default):
  - one node per op: its name with the simple arguments a student wrote, as PyTorch
    names them (`Sum(dim=1)`, `NllLoss(reduction='mean')`; never arrays or state kept
    for the vjp), output shape and dtype, and its values when small;
  - one node per leaf tensor: its name (from `params=` / `model=`, e.g. `0.weight`,
    else its own `name`, shown safely whatever its type), shape, dtype, `requires_grad`, values
    and, after `backward()`, its `.grad`;
  - leaves that require grad (parameters) are blue boxes, leaves that don't
    (data) are grey boxes, intermediate ops are yellow ellipses, the output is
    an orange ellipse with a double border; constants (Python numbers, arrays)
    are small grey text. In the SVG each node's group carries a class:
    `tg-param`, `tg-data`, `tg-op`, `tg-output`, `tg-const`, `tg-collapsed`.
  - graphs with more than `max_nodes` op/leaf nodes keep the nodes nearest the
    output and nearest the inputs and fold each region in between into one
    dashed "... N more ops" node that counts the ops it hides.
With `backward=True` the backward pass is drawn instead: one node per vjp that
runs, edges pointing the way gradients flow, each labelled with the shape of
the gradient it carries, ending in the leaves' `.grad`.

Both live graphs and graphs freed by `backward()` (without `retain_graph`) can
be drawn; a freed graph no longer has the ops' output values or arguments, but its
inputs that need no grad are drawn as before: each node keeps them for that
(`Function.kept`): numbers and small arrays as they are, data tensors and large
arrays by weak reference with their name, shape and dtype, so a temporary (a mask)
is still released with the graph and then drawn from that description.

Rendering needs a Graphviz `dot` program: a system `dot` on PATH when there is
one, else the executable of the `graphviz-pure` package (a dependency of
tinygrad_ku: a self-contained port of Graphviz's `dot` shipped as a PyPI wheel).
`find_dot()` / `ensure_dot()` return its absolute path. The Digraph that
`draw_graph` returns runs that path directly when it renders (`pipe`, `render`,
notebook display), so `draw_graph(y).render(...)` works after `pip install`;
nothing is linked or copied, and PATH and the `graphviz` package's settings
are left as they are.
The `graphviz` Python package is imported only inside `draw_graph`.
"""
import functools
import html
import os
import pathlib
import shutil
import sys
import sysconfig
from collections import Counter, deque

import numpy as np

from .engine import Function
from .kept import Kept
from .tensor import Tensor

__all__ = ["draw_graph", "ensure_dot", "find_dot"]


def __dir__():              # dir() lists the public names only
    return list(__all__)


# Node styles: fill colour, border colour, shape. The class goes into the SVG.
_STYLES = {
    "param":     dict(shape="box", style="filled,rounded", fillcolor="#cfe2ff", color="#1f4e9a",
                      penwidth="2"),
    "data":      dict(shape="box", style="filled,rounded", fillcolor="#eeeeee", color="#777777"),
    "op":        dict(shape="ellipse", style="filled", fillcolor="#fff4cc", color="#8a6d00"),
    "output":    dict(shape="ellipse", style="filled,bold", fillcolor="#ffc98a", color="#b34700",
                      peripheries="2", penwidth="2"),
    "const":     dict(shape="plaintext", fontsize="10", fontcolor="#666666"),
    "collapsed": dict(shape="box", style="dashed,rounded", color="#555555", fontcolor="#333333"),
    "seed":      dict(shape="plaintext", fontsize="11", fontcolor="#b34700"),
}
_GRAD_COLOR = "#b00020"
_DEFAULT_VALUE_LIMIT = 9      # show_values=True shows tensors with at most this many elements


# ---------------------------------------------------------------- the graph

class _Vertex:
    """One drawable thing: an op node, a leaf tensor, or a constant input."""
    __slots__ = ("kind", "obj", "inputs", "consumers", "dist_out", "dist_in", "order")

    def __init__(self, kind, obj, order):
        self.kind = kind            # "op" | "leaf" | "const"
        self.obj = obj              # Function | Tensor | constant (None once freed)
        self.inputs = []            # vertex indices, one per op input, in argument order
        self.consumers = []         # vertex indices of the ops that read this one
        self.dist_out = 0           # edges from the nearest output
        self.dist_in = None         # edges from the nearest leaf
        self.order = order          # discovery order (keeps everything deterministic)


# ---------------------------------------------------------------- inputs of freed nodes

def _parents(node):
    """`node.parents`; for a freed node (its parents are its edges) with the inputs that needed
    no grad put back from `node.kept` (one input, or a list of them in order)."""
    parents = node.parents
    kept = getattr(node, "kept", None)
    if kept is None or parents is not getattr(node, "edges", None):
        return parents
    free = [i for i, p in enumerate(parents) if p is None]
    kept = kept if isinstance(kept, list) else [kept]
    if len(kept) != len(free):                  # (not recorded by the engine: draw as it is)
        return parents
    parents = list(parents)
    for i, k in zip(free, kept):
        parents[i] = k
    return parents


def _classify(p):
    """(kind, obj) for one entry of `_parents(node)`, live or freed."""
    if isinstance(p, Function):                 # freed graph: the input's node
        return "op", p
    if isinstance(p, Kept):                    # freed graph: an input that needed no grad
        alive = p()
        if alive is not None:
            p = alive
        elif p.tensor:
            return "leaf", p                    # gone: its name, shape and dtype
    if isinstance(p, Tensor):
        return ("op", p.grad_fn) if p.grad_fn is not None else ("leaf", p)
    return "const", p                           # number / ndarray / gone ndarray (Kept)


def _collect(outputs):
    """Breadth-first walk from the outputs (a loop, no recursion) -> list of vertices."""
    verts, index, queue = [], {}, deque()

    def visit(kind, obj, dist):
        if kind == "const":
            verts.append(_Vertex(kind, obj, len(verts)))
            verts[-1].dist_out = dist
            return len(verts) - 1
        key = id(obj)
        i = index.get(key)
        if i is None:
            i = index[key] = len(verts)
            v = _Vertex(kind, obj, i)
            v.dist_out = dist
            verts.append(v)
            if kind == "op":
                queue.append(i)
        return i

    roots = [visit(*_classify(t), 0) for t in outputs]
    while queue:
        i = queue.popleft()
        v = verts[i]
        for p in _parents(v.obj):
            j = visit(*_classify(p), v.dist_out + 1)
            v.inputs.append(j)
            verts[j].consumers.append(i)

    # distance from the nearest leaf: multi-source BFS along consumer edges
    queue = deque(i for i, v in enumerate(verts) if v.kind == "leaf")
    for i in queue:
        verts[i].dist_in = 0
    while queue:
        v = verts[queue.popleft()]
        for j in v.consumers:
            if verts[j].dist_in is None:
                verts[j].dist_in = v.dist_in + 1
                queue.append(j)
    return verts, roots


def _choose(verts, roots, max_nodes):
    """Which op/leaf vertices to draw, and the groups that fold the rest.

    Keeps about two thirds of `max_nodes` nearest the outputs and the rest
    nearest the leaves; hidden vertices joined by edges form one group, and
    groups that feed the same drawn vertices are merged, so a long chain
    becomes a single "... N more ops" node between its two ends.
    Returns (kept set, list of groups (lists of vertex indices)).
    """
    nodes = [i for i, v in enumerate(verts) if v.kind != "const"]
    if max_nodes is None or len(nodes) <= max_nodes:
        return set(nodes), []
    big = len(verts)
    kept = set(roots)
    near_out = sorted(nodes, key=lambda i: (verts[i].dist_out, verts[i].order))
    near_in = sorted(nodes, key=lambda i: (big if verts[i].dist_in is None else verts[i].dist_in,
                                           verts[i].order))
    for order, budget in ((near_out, max_nodes - max_nodes // 3), (near_in, max_nodes)):
        for i in order:
            if len(kept) >= budget:
                break
            kept.add(i)
    hidden = [i for i in nodes if i not in kept]

    # connected components of the hidden vertices (union-find, iterative)
    parent = {i: i for i in hidden}

    def find(i):
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    for i in hidden:
        for j in verts[i].inputs:
            if j in parent:
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    components = {}
    for i in hidden:
        components.setdefault(find(i), []).append(i)

    # merge components that feed the same drawn vertices
    merged = {}
    for members in components.values():
        feeds = frozenset(c for m in members for c in verts[m].consumers if c in kept)
        merged.setdefault(feeds, []).extend(members)
    # a fold hiding one vertex takes the room of that vertex: draw the vertex instead
    # (a lone hidden vertex has no hidden neighbours, so this leaves no dangling edge)
    kept.update(g[0] for g in merged.values() if len(g) == 1)
    groups = sorted((g for g in merged.values() if len(g) > 1),
                    key=lambda g: min(verts[m].order for m in g))
    return kept, groups


# ---------------------------------------------------------------- labels

def _shape_str(shape):
    return "(" + ", ".join(str(int(n)) for n in shape) + (",)" if len(shape) == 1 else ")")


def _array_lines(a, limit):
    """The values of a small array as text lines, or None when it has more than `limit` elements."""
    a = np.asarray(a)
    if a.size > limit:
        return None
    with np.printoptions(precision=4, suppress=True, linewidth=40, threshold=max(limit, 1)):
        return np.array2string(a, separator=", ").splitlines()


def _grad_lines(grad, limit):
    """How a gradient is shown: its values when small, else its Euclidean norm."""
    g = np.asarray(grad.data if isinstance(grad, Tensor) else grad)
    lines = _array_lines(g, limit)
    if lines is None:
        return [f"grad |g| = {float(np.linalg.norm(g.astype(np.float64).ravel())):.4g}"]
    return ["grad " + lines[0]] + ["     " + s for s in lines[1:]]


def _html(title, text=(), values=(), grads=()):
    """A graphviz HTML-like label: bold title, text lines, values (monospace), grads (red).

    A block of several value lines (a matrix) is left-aligned so its columns line up.
    """
    parts = [f"<b>{_esc(title)}</b><br/>"]
    parts += [f"{_esc(s)}<br/>" for s in text]
    for lines, color in ((values, None), (grads, _GRAD_COLOR)):
        if not lines:
            continue
        font = '<font face="Courier" point-size="10"' + (f' color="{color}">' if color else ">")
        brk = '<br align="left"/>' if len(lines) > 1 else "<br/>"
        parts.append(font + "".join(_esc(s) + brk for s in lines) + "</font>")
    label = "".join(parts)
    if label.endswith("<br/>"):
        label = label[:-5]
    return "<" + label + ">"


def _esc(text):
    """Any object as text that is safe inside a graphviz HTML-like label: str() of it, control
    characters as visible escapes (a NUL byte as \\x00, a newline as \\n), then HTML-escaped."""
    text = text if isinstance(text, str) else str(text)
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return html.escape(text, quote=False)


def _display_name(t, names):
    """What a leaf is called: its name in `params` (dotted, as named_parameters() gives it),
    else its own `.name`, else "tensor"."""
    name = names.get(id(t)) if names else None
    if name is None:
        name = getattr(t, "name", None)
    return "tensor" if name is None else name


_ENGINE_KEYS = {"parents", "inputs", "out", "stamp", "origin", "hooks", "retained",
                "out_modified", "freed", "out_shape", "out_dtype", "viewed", "keeps_state"}
# state an op keeps for its vjp (not an argument the user wrote), and derived constants
_OP_STATE = {"scale", "index", "indices", "advanced", "basic", "distinct", "mask", "cond",
             "target", "weight", "e", "vt", "slope", "rstd", "pos", "out_sub", "onehot",
             "inside", "inner", "cdf", "bounds", "at", "trans"}
# arguments shown only when they differ from their PyTorch default
_DEFAULTS = {"ignore_index": -100, "keepdims": False, "keepdim": False}
# NumPy's names of PyTorch's arguments
_PYTORCH_NAMES = {"axis": "dim", "axes": "dims", "keepdims": "keepdim"}
_MAX_TUPLE = 6                # longer int tuples (shapes of big tensors) are left out


def _op_params(node):
    """The simple arguments of an op as PyTorch spells them (dim=1, keepdim=True,
    reduction='mean'), as text; never arrays, index tuples or state kept for the vjp."""
    items = []
    for key, value in vars(node).items():
        if (key.startswith("_") or key in _ENGINE_KEYS or key in _OP_STATE or value is None
                or (key in _DEFAULTS and _DEFAULTS[key] == value
                    and type(value) is type(_DEFAULTS[key]))):
            continue
        if isinstance(value, tuple):
            if not (0 < len(value) <= _MAX_TUPLE
                    and all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                            for n in value)):
                continue
            value = tuple(int(n) for n in value)
            if key in ("axis", "dim") and len(value) == 1:
                value = value[0]                    # Sum(dim=1), as it was written
        elif isinstance(value, (np.integer, np.floating, np.bool_)):
            value = value.item()
        elif not isinstance(value, (bool, int, float, str)):
            continue
        if value is False and key not in _DEFAULTS:
            continue
        key = _PYTORCH_NAMES.get(key, key)
        text = f"{key}={value!r}"
        if len(text) <= 30 and text.isprintable():
            items.append(text)
    return ", ".join(items)


def _op_meta(node):
    """(shape, dtype, values or None) of an op's output, live or freed."""
    out = getattr(node, "out", None)
    if out is not None:
        return out.shape, out.dtype, out
    return getattr(node, "out_shape", None), getattr(node, "out_dtype", None), None


def _meta(v):
    if v.kind == "op":
        return _op_meta(v.obj)
    if v.kind == "leaf":
        return v.obj.shape, v.obj.dtype, v.obj.data
    return None, None, None


def _op_grad(node):
    """The gradient of an op's output when its tensor called retain_grad(), else None."""
    ref = getattr(node, "retained", None)
    t = ref() if ref is not None else None
    return None if t is None else t.grad


def _label(v, output_tensor, opts):
    show_shapes, limit, show_grad, names = opts
    shape, dtype, values = _meta(v)
    if v.kind == "const":
        if v.obj is None:
            return "no-grad input"
        if isinstance(v.obj, Kept):            # a large array, no longer held by anyone
            return f"const {_shape_str(v.obj.shape)} {v.obj.dtype}" if show_shapes else "const"
        lines = _array_lines(v.obj, limit) if limit else None
        if lines is None:
            a = np.asarray(v.obj)
            return f"const {_shape_str(a.shape)} {a.dtype}" if show_shapes else "const"
        return "const " + " ".join(s.strip() for s in lines)
    text = []
    if v.kind == "op":
        params = _op_params(v.obj)
        title = f"{v.obj.name}({params})" if params else v.obj.name
    else:
        title = _display_name(v.obj, names)
    if show_shapes and shape is not None:
        text.append(f"{_shape_str(shape)} {dtype}")
    if v.kind == "leaf":
        text.append(f"requires_grad={bool(v.obj.requires_grad)}")
    if output_tensor is not None and values is None:
        values = output_tensor.data
    value_lines = (_array_lines(values, limit) or []) if limit and values is not None else []
    grad_lines = []
    if show_grad:
        grad = v.obj.grad if v.kind == "leaf" else _op_grad(v.obj)
        if grad is None and output_tensor is not None:
            grad = output_tensor.grad
        if grad is not None:
            grad_lines = _grad_lines(grad, limit)
    return _html(title, text, value_lines, grad_lines)


def _group_label(verts, members, backward):
    ops = Counter(verts[m].obj.name for m in members if verts[m].kind == "op")
    n_ops = sum(ops.values())
    n_leaves = len(members) - n_ops
    head = f"... {n_ops} more op{'s' if n_ops != 1 else ''}"
    if backward:
        head = f"... {n_ops} more vjp{'s' if n_ops != 1 else ''}"
    if n_leaves:
        head += f" and {n_leaves} leaf tensor{'s' if n_leaves != 1 else ''}"
    common = ops.most_common(3)
    detail = ", ".join(f"{name} x{k}" for name, k in common)
    if len(ops) > 3:
        detail += ", ..."
    return _html(head, [detail] if detail else [])


# ---------------------------------------------------------------- drawing

def draw_graph(output, params=None, show_grad=True, show_shapes=True, show_values=True,
               rankdir="LR", max_nodes=60, backward=False, *, model=None):
    """Draw the graph that computed `output` (a Tensor or a sequence of Tensors).

    params       {name: Tensor} naming leaves, as torchviz's make_dot takes it:
                 `draw_graph(loss, params=dict(model.named_parameters()))`
    model        a Module (or anything with named_parameters()): its parameters are
                 labelled with their dotted names (`0.weight`, `fc1.bias`)

    show_grad    show leaves' `.grad` (and retained grads) once backward() ran
    show_shapes  show each node's shape and dtype
    show_values  True: values of tensors with at most 9 elements; an int sets
                 that limit; False: no values
    rankdir      "LR" (left to right), "TB" (top to bottom), "RL" or "BT"
    max_nodes    at most this many op/leaf nodes are drawn (None: all); the
                 rest fold into dashed "... N more ops" nodes
    backward     draw the backward pass (vjps, gradient shapes) instead
    Returns a `graphviz.Digraph`; `.render(path, format="svg"|"png")` writes it.
    """
    outputs = _as_outputs(output)
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)
                                  or max_nodes < 1):
        raise ValueError(f"draw_graph: max_nodes must be a positive int or None, got {max_nodes!r}")
    if isinstance(show_values, bool):
        limit = _DEFAULT_VALUE_LIMIT if show_values else 0
    elif isinstance(show_values, int) and show_values >= 0:
        limit = show_values
    else:
        raise ValueError(f"draw_graph: show_values must be a bool or a non-negative int, "
                         f"got {show_values!r}")
    names = _param_names(params, model)
    verts, roots = _collect(outputs)
    kept, groups = _choose(verts, roots, max_nodes)
    out_of = {r: t for r, t in zip(roots, outputs)}
    opts = (show_shapes, limit, show_grad, names)

    n_ops = sum(v.kind == "op" for v in verts)
    n_leaves = sum(v.kind == "leaf" for v in verts)
    what = "backward pass" if backward else "graph"
    title = (f"{what}: {n_ops} op{'s' if n_ops != 1 else ''}, "
             f"{n_leaves} lea{'ves' if n_leaves != 1 else 'f'}")
    if groups:
        title += f" ({len(kept)} nodes drawn, {sum(map(len, groups))} folded)"
    dot = _digraph_class()("backward" if backward else "graph")
    dot.attr(rankdir=rankdir, label=title, labelloc="b", fontsize="11", fontname="Helvetica")
    dot.attr("node", fontname="Helvetica", fontsize="12")
    dot.attr("edge", color="#555555", arrowsize="0.7", fontname="Helvetica", fontsize="9")

    if backward:
        _draw_backward(dot, verts, kept, groups, out_of, opts)
    else:
        _draw_forward(dot, verts, kept, groups, out_of, opts)
    return dot


def _param_names(params, model):
    """{id(tensor): name} from `params` ({name: Tensor} or (name, Tensor) pairs) and `model`;
    a name in `params` wins over the model's."""
    names = {}
    if model is not None:
        named = getattr(model, "named_parameters", None)
        if not callable(named):
            raise TypeError(f"draw_graph: model= must have named_parameters() (a Module), "
                            f"got {type(model).__name__}")
        for name, t in named():
            names.setdefault(id(t), name)
    if params is not None:
        items = params.items() if hasattr(params, "items") else params
        if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
            raise TypeError(f"draw_graph: params= must be a dict {{name: Tensor}} such as "
                            f"dict(model.named_parameters()), got {type(params).__name__}")
        found = {}
        for item in items:
            if not (isinstance(item, tuple) and len(item) == 2):
                raise TypeError(f"draw_graph: params= must be a dict {{name: Tensor}} or "
                                f"(name, Tensor) pairs, got an item {item!r:.40}")
            name, t = item
            if not isinstance(t, Tensor):
                raise TypeError(f"draw_graph: params[{name!r}] is a {type(t).__name__}, "
                                f"not a Tensor")
            found.setdefault(id(t), name)
        names.update(found)
    return names


def _as_outputs(output):
    if isinstance(output, Tensor):
        return [output]
    if isinstance(output, (list, tuple)) and output and all(isinstance(t, Tensor) for t in output):
        return list(output)
    raise TypeError(f"draw_graph: expected a Tensor or a non-empty list/tuple of Tensors, "
                    f"got {type(output).__name__}")


def _kind_style(v, is_output):
    if is_output:
        return "output"
    if v.kind == "leaf":
        return "param" if v.obj.requires_grad else "data"
    return v.kind                                   # "op" | "const"


def _node(dot, name, label, style):
    dot.node(name, label, _attributes={"class": f"tg-{style}"}, **_STYLES[style])


def _group_of(groups):
    where = {}
    for g, members in enumerate(groups):
        for m in members:
            where[m] = g
    return where


def _draw_forward(dot, verts, kept, groups, out_of, opts):
    in_group = _group_of(groups)
    for i in sorted(kept, key=lambda i: verts[i].order):
        v = verts[i]
        _node(dot, f"n{i}", _label(v, out_of.get(i), opts), _kind_style(v, i in out_of))
    for g, members in enumerate(groups):
        _node(dot, f"g{g}", _group_label(verts, members, False), "collapsed")

    group_edges = set()
    for i in sorted(kept, key=lambda i: verts[i].order):
        for j in verts[i].inputs:
            u = verts[j]
            if u.kind == "const":
                _node(dot, f"n{j}", _label(u, None, opts), "const")
                dot.edge(f"n{j}", f"n{i}", style="dashed", color="#999999")
            elif j in kept:
                dot.edge(f"n{j}", f"n{i}")
            else:
                group_edges.add((f"g{in_group[j]}", f"n{i}"))
    for g, members in enumerate(groups):
        for m in members:
            for j in verts[m].inputs:
                if j in kept:
                    group_edges.add((f"n{j}", f"g{g}"))
                elif j in in_group and in_group[j] != g:
                    group_edges.add((f"g{in_group[j]}", f"g{g}"))
    for a, b in sorted(group_edges):
        dot.edge(a, b, style="dashed")


def _grad_edge_label(v, show_shapes):
    """The gradient flowing into vertex v has v's shape (the engine sums broadcasts away)."""
    shape = _meta(v)[0]
    return f" {_shape_str(shape)}" if show_shapes and shape is not None else ""


def _needs_grad(v):
    return v.kind == "op" or (v.kind == "leaf" and v.obj.requires_grad)


def _draw_backward(dot, verts, kept, groups, out_of, opts):
    show_shapes, limit, show_grad, names = opts
    in_group = _group_of(groups)
    for r, t in out_of.items():                     # the seed: d output / d output
        v = verts[r]
        seed = "seed 1.0" if t.ndim == 0 else f"seed ones{_shape_str(t.shape)}"
        _node(dot, f"s{r}", seed, "seed")
        dot.edge(f"s{r}", f"n{r}", label=_grad_edge_label(v, show_shapes))
    for i in sorted(kept, key=lambda i: verts[i].order):
        v = verts[i]
        if not _needs_grad(v):
            continue
        shape, dtype, _ = _meta(v)
        style = _kind_style(v, i in out_of)
        if v.kind == "op":
            lines = ([f"receives grad {_shape_str(shape)} {dtype}"]
                     if show_shapes and shape is not None else [])
            grad = _op_grad(v.obj) if show_grad else None
            _node(dot, f"n{i}", _html(f"{v.obj.name} vjp", lines,
                                      grads=_grad_lines(grad, limit) if grad is not None else ()),
                  style)
        else:
            name = _display_name(v.obj, names)
            lines = [f"accumulate {_shape_str(shape)} {dtype}"] if show_shapes else []
            grad = v.obj.grad if show_grad else None
            _node(dot, f"n{i}", _html(f"{name}.grad", lines,
                                      grads=_grad_lines(grad, limit) if grad is not None else ()),
                  style)
    for g, members in enumerate(groups):
        _node(dot, f"g{g}", _group_label(verts, members, True), "collapsed")

    group_edges = set()
    for i in sorted(kept, key=lambda i: verts[i].order):
        for j in verts[i].inputs:
            u = verts[j]
            if not _needs_grad(u):
                continue
            if j in kept:
                dot.edge(f"n{i}", f"n{j}", label=_grad_edge_label(u, show_shapes))
            else:
                group_edges.add((f"n{i}", f"g{in_group[j]}"))
    for g, members in enumerate(groups):
        for m in members:
            for j in verts[m].inputs:
                if not _needs_grad(verts[j]):
                    continue
                if j in kept:
                    group_edges.add((f"g{g}", f"n{j}"))
                elif in_group[j] != g:
                    group_edges.add((f"g{g}", f"g{in_group[j]}"))
    for a, b in sorted(group_edges):
        dot.edge(a, b, style="dashed")


# ---------------------------------------------------------------- the dot program

def find_dot():
    """Absolute path of a Graphviz `dot` program: the system's (on PATH), else graphviz-pure's.

    Returns None when there is neither.
    """
    system = shutil.which("dot")
    if system:
        return os.path.abspath(system)
    return _graphviz_pure()


def _graphviz_pure():
    """The executable that the `graphviz-pure` wheel installs (its name is `graphviz-pure`)."""
    exe = "graphviz-pure" + (".exe" if os.name == "nt" else "")
    candidates = []
    try:
        from importlib.metadata import PackageNotFoundError, distribution
        try:
            for f in distribution("graphviz-pure").files or ():
                if f.name == exe:
                    candidates.append(str(f.locate()))
        except PackageNotFoundError:
            pass
    except ImportError:     # pragma: no cover
        pass
    candidates.append(shutil.which(exe))
    for scheme in (None, f"{os.name}_user"):
        try:
            scripts = sysconfig.get_path("scripts", scheme or sysconfig.get_default_scheme())
        except KeyError:    # pragma: no cover
            continue
        candidates.append(os.path.join(scripts, exe))
    candidates.append(os.path.join(os.path.dirname(sys.executable), exe))
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    return None


def ensure_dot():
    """The `dot` program that graphs from `draw_graph` run: `find_dot()`'s path, or None.

    Nothing is linked, copied or put on PATH: the path is passed to the program
    call itself. With None, rendering fails with graphviz's ExecutableNotFound.
    """
    return find_dot()


# graphviz (0.20, 0.21) takes no path for the program: its backend builds the command
# [DOT_BINARY, "-K<engine>", "-T<format>", ...] from the module global DOT_BINARY
# (Path("dot"), looked up on PATH). Rather than set that process-wide global, the Digraph
# that draw_graph returns overrides the three hooks through which Digraph.pipe(), .render()
# (so .view()) and the Jupyter _repr_*_ methods reach the backend, and runs graphviz's
# own command with its first item replaced by the absolute path of ensure_dot()'s program.

def _run(engine, format, renderer=None, formatter=None, neato_no_op=None, quiet=False,
         args=(), **kwargs):
    from graphviz.backend import dot_command, execute
    cmd = dot_command.command(engine, format, renderer=renderer, formatter=formatter,
                              neato_no_op=neato_no_op)
    program = ensure_dot()
    if program is not None:     # else `dot` stays and graphviz raises ExecutableNotFound
        cmd[0] = program
    return execute.run_check(cmd + list(args), capture_output=True, quiet=quiet, **kwargs)


def _pipe_lines(engine, format, input_lines, *, input_encoding, **opts):
    lines = (line.encode(input_encoding) for line in input_lines)
    return _run(engine, format, input_lines=lines, **opts).stdout


def _pipe_lines_string(engine, format, input_lines, *, encoding, **opts):
    return _run(engine, format, input_lines=input_lines, encoding=encoding, **opts).stdout


def _render(engine, format, filepath, renderer=None, formatter=None, neato_no_op=None,
            quiet=False, *, outfile=None, raise_if_result_exists=False, overwrite_filepath=False):
    """graphviz.backend.rendering.render with our program; returns the output file's path."""
    from graphviz import FileExistsError as ResultExists
    from graphviz.backend.rendering import get_outfile
    if raise_if_result_exists and overwrite_filepath:
        raise ValueError("overwrite_filepath cannot be combined with raise_if_result_exists")
    filepath = pathlib.Path(filepath)
    if outfile is None:         # graphviz's -O naming: graph.gv -> graph.gv.svg
        outfile = get_outfile(filepath, format=format, renderer=renderer, formatter=formatter)
    outfile = pathlib.Path(outfile)
    if not overwrite_filepath and outfile.resolve() == filepath.resolve():
        raise ValueError(f"outfile {outfile.name!r} must be different from input file "
                         f"{filepath.name!r} (pass overwrite_source=True to override)")
    if raise_if_result_exists and outfile.exists():
        raise ResultExists(f"output file exists: {os.fspath(outfile)!r}")
    _run(engine, format, renderer, formatter, neato_no_op, quiet,
         args=["-o", outfile.resolve(), filepath.name], cwd=filepath.parent)
    return os.fspath(outfile)


@functools.lru_cache(maxsize=None)
def _digraph_class():
    """The graphviz.Digraph subclass draw_graph returns (built on first use: graphviz is lazy)."""
    import graphviz

    class _Digraph(graphviz.Digraph):
        """A graphviz.Digraph that renders with `ensure_dot()`'s program, by absolute path."""
        _pipe_lines = staticmethod(_pipe_lines)
        _pipe_lines_string = staticmethod(_pipe_lines_string)
        _render = staticmethod(_render)

    _Digraph.__module__, _Digraph.__qualname__ = __name__, "_Digraph"
    return _Digraph


def __getattr__(name):      # viz._Digraph, so that pickle finds the class
    if name == "_Digraph":
        return _digraph_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
