"""tg.viz: graphs are drawn, rendered to real SVG/PNG files by a `dot` program, and parsed back.

Each rendering test parses the SVG that `dot` wrote and checks the node labels
(op names, shapes, dtypes, names, gradients) and the node classes/colours that
tell parameters, data, intermediates and the output apart.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku import viz

SVG = "{http://www.w3.org/2000/svg}"


# ---------------------------------------------------------------- helpers

def render_svg(dot, tmp_path, name="graph"):
    """Render with the real `dot` program and return the parsed nodes of the SVG file."""
    path = dot.render(str(tmp_path / name), format="svg", cleanup=True)
    assert os.path.isfile(path) and path.endswith(".svg")
    root = ET.parse(path).getroot()          # raises if dot wrote no well-formed SVG
    assert root.tag == SVG + "svg"
    nodes = []
    for g in root.iter(SVG + "g"):
        classes = (g.get("class") or "").split()
        if "node" not in classes:
            continue
        texts = [t.text or "" for t in g.iter(SVG + "text")]
        fills = {el.get("fill") for el in g if el.tag in (SVG + "ellipse", SVG + "polygon",
                                                          SVG + "path")}
        for a in g.iter(SVG + "a"):          # graphviz wraps shapes in <a> when they have a tooltip
            fills |= {el.get("fill") for el in a if el.tag in (SVG + "ellipse", SVG + "polygon",
                                                               SVG + "path")}
        nodes.append({"cls": set(classes) - {"node"}, "texts": texts, "text": "\n".join(texts),
                      "fills": fills - {None, "none"}})
    edges = [g for g in root.iter(SVG + "g") if "edge" in (g.get("class") or "").split()]
    return nodes, edges


def of_class(nodes, cls):
    return [n for n in nodes if "tg-" + cls in n["cls"]]


def one(nodes, cls, title=None):
    """The single node of a class (whose first label line is `title`, if given)."""
    found = [n for n in of_class(nodes, cls) if title is None or n["texts"][0] == title]
    assert len(found) == 1, (cls, title, [n["text"] for n in nodes])
    return found[0]


def op_names(t):
    """The op names of t's graph, walked independently of viz (iteratively)."""
    names, seen, stack = [], set(), [t.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.append(node.name)
        stack.extend(p.grad_fn for p in node.parents if isinstance(p, tg.Tensor))
    return names


# ---------------------------------------------------------------- the four graphs of the issue

def test_dot_product(tmp_path):
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    y = tg.tensor([4.0, 5.0, 6.0], requires_grad=True, name="y")
    z = tg.dot(x, y)
    z.backward()
    nodes, edges = render_svg(viz.draw_graph(z), tmp_path)

    assert len(of_class(nodes, "param")) == 2
    nx = one(nodes, "param", "x")
    assert nx["texts"][0] == "x"
    assert "(3,) float64" in nx["texts"] and "requires_grad=True" in nx["texts"]
    assert "grad [4., 5., 6.]" in nx["texts"]          # dz/dx = y, after backward
    assert "grad [1., 2., 3.]" in one(nodes, "param", "y")["texts"]
    out = one(nodes, "output")
    assert out["texts"][0] == z.grad_fn.name
    assert "() float64" in out["texts"] and "32." in out["texts"]
    assert len(edges) >= 2


def test_matvec_then_norm(tmp_path):
    rng = np.random.default_rng(0)
    A = tg.tensor(rng.standard_normal((3, 4)), requires_grad=True, name="A")
    x = tg.tensor(rng.standard_normal(4), name="x")          # data: no grad
    y = A @ x
    n = y.norm()
    n.backward(retain_graph=True)                   # a live graph that also has grads
    nodes, _ = render_svg(viz.draw_graph(n, rankdir="TB"), tmp_path)

    text = "\n".join(node["text"] for node in nodes)
    for name in op_names(n):                       # every op of the graph is drawn by name
        assert name in text
    matmul = [nd for nd in of_class(nodes, "op") + of_class(nodes, "output")
              if nd["texts"][0] == "MatMul"]
    assert len(matmul) == 1 and "(3,) float64" in matmul[0]["texts"]
    a = one(nodes, "param", "A")
    assert "(3, 4) float64" in a["texts"]
    # 12 elements > 9: the gradient is summarised by its norm
    assert f"grad |g| = {np.linalg.norm(A.grad.data):.4g}" in a["texts"]
    d = one(nodes, "data", "x")
    assert "(4,) float64" in d["texts"] and "requires_grad=False" in d["texts"]
    assert "() float64" in one(nodes, "output")["texts"]


def test_logistic_regression_nll(tmp_path):
    rng = np.random.default_rng(1)
    X = tg.tensor(rng.standard_normal((8, 3)), name="X")
    t = tg.tensor((rng.random(8) < 0.5).astype(np.float64), name="t")
    w = tg.tensor(np.zeros(3), requires_grad=True, name="w")
    b = tg.tensor(0.0, requires_grad=True, name="b")
    z = X @ w + b                                   # (8, 3) @ (3,) -> (8,) logits
    nll = (z.softplus() - t * z).sum()              # -sum log p(t | x)
    nodes, _ = render_svg(viz.draw_graph(nll, max_nodes=None), tmp_path, "live")

    assert {one(nodes, "param", "w")["texts"][0], one(nodes, "param", "b")["texts"][0]} \
        == {"w", "b"}
    assert {one(nodes, "data", "X")["texts"][0], one(nodes, "data", "t")["texts"][0]} \
        == {"X", "t"}
    assert "(8, 3) float64" in one(nodes, "data", "X")["texts"]
    heads = [nd["texts"][0] for nd in of_class(nodes, "op")]
    for name in ("MatMul", "Add", "Softplus", "Mul", "Sub"):
        assert name in heads
    assert one(nodes, "output")["texts"][0] == "Sum"
    assert any("(8,) float64" in nd["texts"] for nd in of_class(nodes, "op"))
    # the four kinds look different: each has its own fill colour
    fills = {k: frozenset().union(*(n["fills"] for n in of_class(nodes, k)))
             for k in ("param", "data", "op", "output")}
    assert all(len(f) == 1 for f in fills.values()), fills
    assert len(set(fills.values())) == 4, fills

    # after backward the graph is freed; it still draws, now with the leaves' grads
    nll.backward()
    assert nll.grad_fn.freed
    nodes2, _ = render_svg(viz.draw_graph(nll), tmp_path, "freed")
    assert sorted(nd["texts"][0] for nd in of_class(nodes2, "op")) == sorted(heads)
    expected = (0.5 - t.data).sum()                 # dNLL/db = sum(sigmoid(0) - t) at w=0, b=0
    shown = [s for s in one(nodes2, "param", "b")["texts"] if s.startswith("grad ")]
    assert len(shown) == 1 and float(shown[0][5:]) == pytest.approx(expected)
    # the inputs that needed no grad (X, t) are still drawn, as before backward
    assert {one(nodes2, "data", "X")["texts"][0], one(nodes2, "data", "t")["texts"][0]} \
        == {"X", "t"}
    assert "(8, 3) float64" in one(nodes2, "data", "X")["texts"]
    assert not [nd for nd in nodes2 if nd["text"] == "no-grad input"]


def test_long_chain_with_max_nodes(tmp_path):
    x = tg.tensor(0.5, requires_grad=True, name="x")
    y = x
    for i in range(1000):
        y = y.sin() if i % 2 else y.tanh()
    dot = viz.draw_graph(y, max_nodes=12)
    nodes, _ = render_svg(dot, tmp_path)

    drawn_ops = of_class(nodes, "op") + of_class(nodes, "output")
    assert len(drawn_ops) + len(of_class(nodes, "param")) <= 12
    folded = one(nodes, "collapsed")
    n_hidden = 1000 - len(drawn_ops)
    assert folded["texts"][0] == f"... {n_hidden} more ops"
    assert "Sin x" in folded["text"] and "Tanh x" in folded["text"]
    assert one(nodes, "param", "x")                  # both ends stay: the input ...
    assert one(nodes, "output")["texts"][0] == "Sin"  # ... and the output
    assert len(nodes) <= 14

    everything = viz.draw_graph(y, max_nodes=None).source     # no folding: every op
    assert everything.count("tg-op") + everything.count("tg-output") == 1000


def test_deep_chain_is_drawn_without_recursion():
    x = tg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        src = viz.draw_graph(y, max_nodes=10).source
    finally:
        sys.setrecursionlimit(limit)
    assert "more ops" in src and src.count("tg-op") <= 10


# ---------------------------------------------------------------- more behaviour

def test_png_and_notebook_display(tmp_path):
    x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
    y = (x * x).sum()
    dot = viz.draw_graph(y)
    path = dot.render(str(tmp_path / "g"), format="png", cleanup=True)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    bundle = dot._repr_mimebundle_()                 # what Jupyter calls to show it inline
    assert "<svg" in bundle["image/svg+xml"] and "Mul" in bundle["image/svg+xml"]


def test_values_shapes_and_grads_options(tmp_path):
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    y = (x * 2.0).sum()
    y.backward(retain_graph=True)
    src = viz.draw_graph(y).source
    assert "[2., 4., 6.]" in src and "grad [2., 2., 2.]" in src and "(3,) float64" in src
    assert "const 2." in src                         # a live graph shows its constants
    bare = viz.draw_graph(y, show_grad=False, show_shapes=False, show_values=False).source
    assert "grad [" not in bare and "float64" not in bare and "[2., 4., 6.]" not in bare
    assert "[2., 4., 6.]" not in viz.draw_graph(y, show_values=2).source   # 3 elements > 2


def test_retained_intermediate_grad_and_shared_input(tmp_path):
    x = tg.tensor([1.0, -2.0], requires_grad=True, name="x")
    h = x * x                                        # x used twice: two edges into Mul
    h.retain_grad()
    y = (h + x).sum()
    y.backward(retain_graph=True)
    nodes, edges = render_svg(viz.draw_graph(y), tmp_path)
    mul = [n for n in of_class(nodes, "op") if n["texts"][0] == "Mul"]
    assert len(mul) == 1 and "grad [1., 1.]" in mul[0]["texts"]
    assert "grad [ 3., -3.]" in one(nodes, "param", "x")["texts"]     # 2x + 1
    assert len(edges) == 5              # x->Mul twice, Mul->Add, x->Add, Add->Sum


def test_backward_graph(tmp_path):
    rng = np.random.default_rng(2)
    W = tg.tensor(rng.standard_normal((2, 3)), requires_grad=True, name="W")
    v = tg.tensor(rng.standard_normal(3), name="v")
    y = (W @ v).tanh().sum()
    y.backward()
    nodes, edges = render_svg(viz.draw_graph(y, backward=True), tmp_path)
    heads = [n["texts"][0] for n in nodes]
    assert "Sum vjp" in heads and "Tanh vjp" in heads and "MatMul vjp" in heads
    assert "W.grad" in heads and not any(h.startswith("v") for h in heads)   # v needs no grad
    assert "receives grad (2,) float64" in "\n".join(n["text"] for n in nodes)
    labels = ["".join(t.text or "" for t in e.iter(SVG + "text")).strip() for e in edges]
    assert "(2, 3)" in labels                        # the gradient that reaches W


def test_distinct_styles_and_output_leaf(tmp_path):
    w = tg.tensor([1.0, 2.0], requires_grad=True, name="w")
    nodes, _ = render_svg(viz.draw_graph(w), tmp_path)     # the output can be a leaf
    assert len(nodes) == 1 and "tg-output" in nodes[0]["cls"]
    styles = viz._STYLES
    assert len({(s.get("shape"), s.get("fillcolor"), s.get("style"))
                for s in (styles["param"], styles["data"], styles["op"], styles["output"])}) == 4


def _mlp_loss():
    import tinygrad_ku.nn as nn
    import tinygrad_ku.nn.functional as F
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    X = tg.randn(5, 4)
    y = tg.tensor([0, 1, 2, 0, 1])
    return model, F.cross_entropy(model(X), y)


def test_module_parameters_are_named(tmp_path):
    model, loss = _mlp_loss()
    names = ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [n for n, _ in model.named_parameters()] == names
    for dot in (viz.draw_graph(loss, params=dict(model.named_parameters())),   # torchviz's way
                viz.draw_graph(loss, model=model)):
        for name in names:
            assert f"<b>{name}</b>" in dot.source
    nodes, _ = render_svg(viz.draw_graph(loss, model=model), tmp_path, "live")
    assert sorted(n["texts"][0] for n in of_class(nodes, "param")) == sorted(names)
    assert "(8, 4) float64" in one(nodes, "param", "0.weight")["texts"]   # Linear(4, 8).weight
    assert "(3,) float64" in one(nodes, "param", "2.bias")["texts"]
    assert [n["texts"][0] for n in of_class(nodes, "data")] == ["tensor"]   # X has no name

    # a freed graph still reaches every parameter, so the names stay
    loss.backward()
    nodes, _ = render_svg(viz.draw_graph(loss, model=model), tmp_path, "freed")
    assert sorted(n["texts"][0] for n in of_class(nodes, "param")) == sorted(names)
    nodes, _ = render_svg(viz.draw_graph(loss, model=model, backward=True), tmp_path, "bw")
    heads = {n["texts"][0] for n in nodes}
    assert {"0.weight.grad", "0.bias.grad", "2.weight.grad", "2.bias.grad"} <= heads


def _inputs_drawn(nodes):
    """The data and constant nodes of a rendered graph: (class, label lines), sorted."""
    return sorted((cls, tuple(n["texts"])) for cls in ("data", "const")
                  for n in of_class(nodes, cls))


@pytest.mark.parametrize("targets", ["classes", "probabilities"])
def test_data_inputs_stay_visible_after_backward(tmp_path, targets):
    """F.cross_entropy(model(X), y) drawn after backward() shows X (and y, when y is an input of
    the graph: probability targets; class indices are an argument of NllLoss) with their names
    and shapes, exactly as before backward."""
    import tinygrad_ku.nn as nn
    import tinygrad_ku.nn.functional as F
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    X = tg.randn(5, 4, name="X")
    y = (tg.tensor([0, 1, 2, 0, 1], name="y") if targets == "classes"
         else tg.tensor(np.full((5, 3), 1 / 3), name="y"))
    loss = F.cross_entropy(model(X), y)
    before, _ = render_svg(viz.draw_graph(loss, model=model), tmp_path, "live")
    loss.backward()
    assert loss.grad_fn.freed
    after, _ = render_svg(viz.draw_graph(loss, model=model), tmp_path, "freed")

    assert _inputs_drawn(after) == _inputs_drawn(before)
    x = one(after, "data", "X")
    assert "(5, 4) float64" in x["texts"] and "requires_grad=False" in x["texts"]
    if targets == "probabilities":
        assert "(5, 3) float64" in one(after, "data", "y")["texts"]
    assert not [n for n in after if n["text"] == "no-grad input"]
    # params= names a data tensor too, also once the graph is freed
    src = viz.draw_graph(loss, params={"inputs": X}).source
    assert "<b>inputs</b>" in src and "<b>X</b>" not in src
    # a temporary data tensor is released with the graph, and still drawn with its shape
    model.zero_grad()
    loss = F.cross_entropy(model(tg.randn(5, 4)), y)
    loss.backward()
    gone, _ = render_svg(viz.draw_graph(loss, model=model), tmp_path, "temporary")
    assert ("data", ("tensor", "(5, 4) float64", "requires_grad=False")) in _inputs_drawn(gone)


def test_chain_with_constants_drawn_after_backward(tmp_path):
    """The tiny-op chain (·1.01, +0.01, tanh) shows its constants after backward() as before."""
    x = tg.tensor(np.linspace(-1.0, 1.0, 8), requires_grad=True, name="x")
    y = x
    for _ in range(3):
        y = (y * 1.01 + 0.01).tanh()
    loss = y.sum()
    before, _ = render_svg(viz.draw_graph(loss), tmp_path, "live")
    loss.backward()
    after, _ = render_svg(viz.draw_graph(loss), tmp_path, "freed")
    assert _inputs_drawn(after) == _inputs_drawn(before)
    consts = [n["text"] for n in of_class(after, "const")]
    assert consts.count("const 1.01") == 3 and consts.count("const 0.01") == 3
    # an ndarray constant: small ones are kept as they are, a large temporary by shape only
    w = tg.tensor([1.0, 2.0], requires_grad=True, name="w")
    z = (w * np.array([3.0, 4.0])).sum() + (w.reshape(2, 1) * np.ones((2, 50))).sum()
    z.backward()
    src = viz.draw_graph(z).source
    assert "const [3., 4.]" in src and "const (2, 50) float64" in src


def test_params_name_leaves_and_win_over_tensor_names():
    w = tg.tensor([1.0, 2.0], requires_grad=True, name="w")
    b = tg.tensor(0.5, requires_grad=True, name="b")
    y = (w * 3.0).sum() + b
    src = viz.draw_graph(y, params={"fc1.weight": w}).source
    assert "<b>fc1.weight</b>" in src and "<b>w</b>" not in src and "<b>b</b>" in src
    src = viz.draw_graph(y, params=[("fc1.bias", b)]).source    # (name, tensor) pairs too
    assert "<b>fc1.bias</b>" in src and "<b>w</b>" in src
    with pytest.raises(TypeError, match="params"):
        viz.draw_graph(y, params={"w": np.ones(2)})
    with pytest.raises(TypeError, match="params"):
        viz.draw_graph(y, params=3)
    with pytest.raises(TypeError, match="params"):
        viz.draw_graph(y, params=["w"])
    with pytest.raises(TypeError, match="model"):
        viz.draw_graph(y, model=w)


def test_ops_show_the_arguments_a_student_wrote(tmp_path):
    _, loss = _mlp_loss()
    src = viz.draw_graph(loss).source
    assert "<b>NllLoss(reduction='mean')</b>" in src      # F.cross_entropy(..., reduction='mean')
    assert "<b>LogSoftmax(dim=1)</b>" in src
    state = vars(loss.grad_fn)          # the node keeps these, but a student never wrote them
    assert {"scale", "ignore_index", "index", "target"} <= set(state)
    for internal in ("scale", "ignore_index", "-100", "index", "target", "array", "=-0.2"):
        assert internal not in src, internal
    loss.backward()                     # the engine frees the node's arguments with its state
    assert "<b>NllLoss</b>" in viz.draw_graph(loss).source

    x = tg.tensor(np.ones((2, 3)), requires_grad=True, name="x")
    cases = [(x.sum(dim=1), "Sum(dim=1)"), (x.sum(1, keepdim=True), "Sum(dim=1, keepdim=True)"),
             (x.mean(dim=(0, 1)), "Mean(dim=(0, 1))"), (x.sum(), "Sum")]
    for y, head in cases:
        nodes, _ = render_svg(viz.draw_graph(y), tmp_path)
        assert one(nodes, "output")["texts"][0] == head
        assert "axis" not in viz.draw_graph(y).source


@pytest.mark.parametrize("name, shown", [(5, "5"), ("x\x00y", "x\\x00y"), (("a", 1), "('a', 1)"),
                                         ('<b>"q"&\n\t', '<b>"q"&\\n\\t')])
def test_names_of_any_type_render(tmp_path, name, shown):
    x = tg.tensor([1.0, 2.0], requires_grad=True, name=name)
    d = tg.tensor([3.0, 4.0], name=name)
    y = (x * d).sum()
    nodes, _ = render_svg(viz.draw_graph(y), tmp_path, "fwd")
    assert one(nodes, "param")["texts"][0] == shown
    assert one(nodes, "data")["texts"][0] == shown
    y.backward()
    nodes, _ = render_svg(viz.draw_graph(y, backward=True), tmp_path, "bwd")
    assert shown + ".grad" in [n["texts"][0] for n in nodes]
    nodes, _ = render_svg(viz.draw_graph(y, params={name: x}), tmp_path, "params")
    assert one(nodes, "param")["texts"][0] == shown


def test_bad_arguments():
    x = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="draw_graph"):
        viz.draw_graph(np.ones(3))
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(x, rankdir="XY")
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw_graph(x, max_nodes=0)


# ---------------------------------------------------------------- installation

def test_graphviz_is_imported_lazily():
    code = "import sys, tinygrad_ku; print('graphviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_tg_viz_is_public():
    code = "import tinygrad_ku as tg; print(tg.viz.draw_graph.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "draw_graph", out.stderr


def test_renders_without_a_system_dot(tmp_path):
    """A fresh process whose PATH has no `dot` (nor the venv's bin) and an empty HOME renders."""
    code = (
        "import shutil, tinygrad_ku as tg\n"
        "from tinygrad_ku import viz\n"
        "assert shutil.which('dot') is None, shutil.which('dot')\n"
        "x = tg.tensor([1.0, 2.0], requires_grad=True, name='x')\n"
        "p = viz.draw_graph((x * x).sum()).render('g', format='svg')\n"
        "print(open(p).read())\n"
    )
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path), "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    root = ET.fromstring(out.stdout)
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "Mul" in texts and "x" in texts and "(2,) float64" in texts
    assert viz.find_dot() is not None


# ---------------------------------------------------------------- which `dot` runs (issue 13)

def _script(path, body):
    """An executable /bin/sh script at `path` (its folders are created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


def _small_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
    return viz.draw_graph((x * x).sum())


@pytest.fixture
def no_system_dot(tmp_path, monkeypatch):
    """PATH is one empty folder: no `dot`, no `graphviz-pure`, no venv bin."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None
    return empty


posix_only = pytest.mark.skipif(os.name != "posix", reason="uses /bin/sh scripts and uids")


def test_path_and_environment_are_not_changed(tmp_path, no_system_dot):
    from graphviz.backend import dot_command
    env, path, binary = dict(os.environ), os.environ["PATH"], dot_command.DOT_BINARY
    assert viz.ensure_dot() is not None
    assert os.environ["PATH"] == path and dict(os.environ) == env
    dot = _small_graph()
    nodes, _ = render_svg(dot, tmp_path)
    assert "<svg" in dot.pipe(format="svg", encoding="utf-8")
    assert "Mul" in "\n".join(n["text"] for n in nodes)
    assert os.environ["PATH"] == path and dict(os.environ) == env
    assert dot_command.DOT_BINARY == binary             # no graphviz global is set either


def test_renders_with_graphviz_pure_by_absolute_path(tmp_path, monkeypatch, no_system_dot):
    import graphviz
    from graphviz.backend import execute
    pure = viz._graphviz_pure()
    assert pure and os.path.isabs(pure) and os.path.basename(pure).startswith("graphviz-pure")
    assert viz.find_dot() == viz.ensure_dot() == pure
    ran = []
    run_check = execute.run_check
    monkeypatch.setattr(execute, "run_check", lambda cmd, **kw: ran.append(cmd[0])
                        or run_check(cmd, **kw))
    dot = _small_graph()
    render_svg(dot, tmp_path)                             # .render()
    assert dot.pipe(format="svg").startswith(b"<?xml")    # .pipe()
    assert "<svg" in dot._repr_mimebundle_()["image/svg+xml"]     # notebook display
    assert ran == [pure] * 3

    monkeypatch.setattr(viz, "_graphviz_pure", lambda: None)    # nothing at all: a clear error
    assert viz.ensure_dot() is None
    with pytest.raises(graphviz.ExecutableNotFound):
        dot.pipe(format="svg")


def _planted(path, marker):
    """A fake `dot` or `git` at `path`: leaves `marker` behind, then runs graphviz-pure."""
    return _script(path, f"echo ran > '{marker}'; exec '{viz._graphviz_pure()}' \"$@\"")


@posix_only
def test_planted_dot_in_the_old_temp_folder_never_runs(tmp_path, monkeypatch, no_system_dot):
    """Old code fell back to <tmp>/tinygrad_ku-<uid>/dot-<hash>/ (unchecked) and put it on PATH."""
    marker = tmp_path / "PLANTED_PROGRAM_RAN"
    blocked = tmp_path / "a-file"                          # the cache folder cannot be created
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "systmp"))
    pure = viz._graphviz_pure()
    folder = (tmp_path / "systmp" / f"tinygrad_ku-{os.getuid()}"
              / f"dot-{hashlib.sha1(pure.encode()).hexdigest()[:12]}")
    folder.mkdir(parents=True)
    (folder / "dot").symlink_to(pure)            # looks right while it is checked ...
    _planted(folder / "git", marker)

    found = viz.ensure_dot()
    dot = _small_graph()
    (folder / "dot").unlink()                    # ... then the folder's owner swaps it
    _planted(folder / "dot", marker)
    nodes, _ = render_svg(dot, tmp_path)
    assert "Mul" in "\n".join(n["text"] for n in nodes)
    assert "<svg" in dot._repr_image_svg_xml()
    subprocess.run("git --version", shell=True, capture_output=True)    # a later child process
    assert not marker.exists()
    assert found == pure and str(folder) not in os.environ["PATH"]


@posix_only
def test_relative_xdg_cache_home_is_not_used(tmp_path, monkeypatch, no_system_dot):
    """A relative folder on PATH would resolve against the cwd of every later child process."""
    marker = tmp_path / "PLANTED_DOT_RAN"
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CACHE_HOME", "rel-cache")
    tag = hashlib.sha1(viz._graphviz_pure().encode()).hexdigest()[:12]
    _planted(out / "rel-cache" / "tinygrad_ku" / f"dot-{tag}" / "dot", marker)  # old PATH entry

    found = viz.ensure_dot()
    nodes, _ = render_svg(_small_graph(), out)   # dot starts in `out`, where the plant is
    assert "Mul" in "\n".join(n["text"] for n in nodes)
    assert not marker.exists()
    assert not (work / "rel-cache").exists()     # nothing is created under a relative path
    assert os.path.isabs(found)
    assert all(os.path.isabs(p) for p in os.environ["PATH"].split(os.pathsep))


@posix_only
def test_system_dot_is_preferred_and_pinned_by_absolute_path(tmp_path, monkeypatch):
    """A `dot` on PATH wins, and by its absolute path: a relative PATH entry still works when
    dot starts in another folder."""
    marker = tmp_path / "SYSTEM_DOT_RAN"
    _planted(tmp_path / "bin" / "dot", marker)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "bin")
    found = viz.find_dot()
    assert os.path.isabs(found) and os.path.samefile(found, tmp_path / "bin" / "dot")
    assert viz.ensure_dot() == found
    nodes, _ = render_svg(_small_graph(), tmp_path / "elsewhere")   # dot starts elsewhere
    assert marker.exists() and "Mul" in "\n".join(n["text"] for n in nodes)
