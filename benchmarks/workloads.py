"""The benchmark workloads, written once per engine: hand-written NumPy, tinygrad_ku, PyTorch, HIPS autograd.

Each factory `make(engine)` returns a `Case` with
  prepare() -> state   untimed set-up before each timed call (e.g. building a graph),
  run(state)           the timed call,
  grads() -> dict      gradients at the initial point, compared with the NumPy ones.
All engines see the same seeded data (`_data`), so their gradients must agree.
"""
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass
class Case:
    run: Callable
    grads: Callable
    prepare: Callable = lambda: None


def _data(workload):
    rng = np.random.default_rng(0)
    if workload == "tiny":
        return {"x": np.linspace(-1.0, 1.0, 8)}
    if workload in ("mlp", "mlp_memory"):
        sizes = [784, 256, 256, 10]
        params = {}
        for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
            params[f"W{i}"] = (rng.standard_normal((m, n)) * np.sqrt(2.0 / m)).astype(np.float32)
            params[f"b{i}"] = np.zeros(n, dtype=np.float32)
        X = rng.standard_normal((128, 784)).astype(np.float32)
        y = rng.integers(0, 10, 128)
        return {"params": params, "X": X, "y": y, "lr": 0.01}
    if workload == "course":                   # the MLP's data and weights, LayerNorm gains/biases
        d = _data("mlp")
        rng = np.random.default_rng(1)
        for i in (1, 2):
            d["params"][f"g{i}"] = (1.0 + 0.1 * rng.standard_normal(256)).astype(np.float32)
            d["params"][f"be{i}"] = (0.1 * rng.standard_normal(256)).astype(np.float32)
        d.update(lr=1e-3, p=0.1)
        return d
    if workload == "logistic":
        N, D = 50_000, 100
        X = rng.standard_normal((N, D))
        w_true = rng.standard_normal(D) * 0.3
        y = (rng.random(N) < 1.0 / (1.0 + np.exp(-X @ w_true))).astype(np.float64)
        return {"X": X, "y": y, "w": rng.standard_normal(D) * 0.1}
    if workload == "jacobian":
        return {"W": rng.standard_normal((200, 200)) / np.sqrt(200), "x": rng.standard_normal(200)}
    if workload in ("chain", "chain_1m"):
        return {"x": 0.5, "n": 20_000 if workload == "chain" else 1_000_000}
    raise KeyError(workload)


# The op sequence of the tiny-op and chain workloads: ·c0, +c1, tanh, repeated.
TINY_OPS = [i % 3 for i in range(100)]
MUL, ADD = 1.01, 0.01
CHAIN_MUL, CHAIN_ADD = 1.0001, 1e-6   # the gradient stays a normal float (~1e-54) over 1M ops


def _seq(n):
    return [i % 3 for i in range(n)]


# ----- hand-written NumPy ----------------------------------------------------------------
def _np_tiny(d):
    x0 = d["x"]

    def run(_=None):
        y, saved = x0, []
        for k in TINY_OPS:
            y = y * MUL if k == 0 else (y + ADD if k == 1 else np.tanh(y))
            saved.append(y)
        y.sum()
        g = np.ones_like(y)
        for k, out in zip(reversed(TINY_OPS), reversed(saved)):
            if k == 0:
                g = g * MUL
            elif k == 2:
                g = g * (1.0 - out * out)
        return g
    return Case(run, lambda: {"x": run()})


def _np_mlp_step(p, X, y, lr, update=True):
    """One SGD step of the 3-layer ReLU MLP with mean softmax cross-entropy; returns the grads."""
    h1 = X @ p["W1"] + p["b1"]
    a1 = np.maximum(h1, 0)
    h2 = a1 @ p["W2"] + p["b2"]
    a2 = np.maximum(h2, 0)
    z = a2 @ p["W3"] + p["b3"]                                 # (B, 10)
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(len(y))
    np.mean(np.log(s[:, 0]) + m[:, 0] - z[rows, y])           # the loss
    dz = e / s                                                 # softmax - onehot, / B
    dz[rows, y] -= 1.0
    dz /= len(y)
    g = {"W3": a2.T @ dz, "b3": dz.sum(0)}
    da2 = dz @ p["W3"].T
    da2 *= h2 > 0
    g["W2"], g["b2"] = a1.T @ da2, da2.sum(0)
    da1 = da2 @ p["W2"].T
    da1 *= h1 > 0
    g["W1"], g["b1"] = X.T @ da1, da1.sum(0)
    if update:
        for k, v in g.items():
            p[k] -= lr * v
    return g


def _np_mlp(d):
    p0 = d["params"]
    p = {k: v.copy() for k, v in p0.items()}
    return Case(lambda _=None: _np_mlp_step(p, d["X"], d["y"], d["lr"]),
                lambda: _np_mlp_step(dict(p0), d["X"], d["y"], d["lr"], update=False))


# The course workload: Linear-ReLU-Dropout-LayerNorm twice, then Linear; cross-entropy; Adam.
LN_EPS, BETAS, ADAM_EPS = 1e-5, (0.9, 0.999), 1e-8
# state-dict name of the nn.Sequential -> name in the hand-written NumPy (weights transposed)
COURSE_NAMES = {"0.weight": "W1", "0.bias": "b1", "3.weight": "g1", "3.bias": "be1",
                "4.weight": "W2", "4.bias": "b2", "7.weight": "g2", "7.bias": "be2",
                "8.weight": "W3", "8.bias": "b3"}


def _course_state(params):
    """The NumPy weights as the nn.Sequential's state dict (Linear keeps W as (out, in))."""
    return {k: np.ascontiguousarray(params[v].T) if v[0] == "W" else params[v].copy()
            for k, v in COURSE_NAMES.items()}


def _course_grads(named_grads):
    """(state-dict name, grad ndarray) pairs -> the NumPy names and layouts."""
    return {COURSE_NAMES[k]: g.T if COURSE_NAMES[k][0] == "W" else g for k, g in named_grads}


def _np_relu_dropout(h, keep, scale):
    """relu(h) * keep / (1 - p); returns it and the mask m (bool) with d/dh = m * scale."""
    m = h > 0
    if keep is not None:
        m &= keep
    a = h * m
    if scale != 1.0:
        a *= scale
    return a, m


def _np_layernorm(a, g, b):
    """(a - mean) / sqrt(var + eps) * g + b over the features; returns it, x-hat and 1/std."""
    xhat = a - a.mean(axis=1, keepdims=True)
    var = np.square(xhat).mean(axis=1, keepdims=True)
    var += LN_EPS
    rstd = 1.0 / np.sqrt(var)
    xhat *= rstd
    out = xhat * g
    out += b
    return out, xhat, rstd


def _np_layernorm_back(dout, xhat, rstd, g, grads, i):
    """d/da of the LayerNorm: rstd (dx̂ - mean(dx̂) - x̂ mean(dx̂ x̂)), dx̂ = dout g."""
    t = dout * xhat
    grads[f"g{i}"], grads[f"be{i}"] = t.sum(0), dout.sum(0)
    dxhat = dout * g
    t *= g                                                     # = dx̂ x̂
    c2 = t.mean(axis=1, keepdims=True)
    dxhat -= dxhat.mean(axis=1, keepdims=True)
    np.multiply(xhat, c2, out=t)
    dxhat -= t
    dxhat *= rstd
    return dxhat


def _np_course_grads(p, X, y, keeps, scale):
    """Gradients of the mean cross-entropy of the course MLP (dropout masks `keeps`)."""
    h1 = X @ p["W1"]
    h1 += p["b1"]
    a1, m1 = _np_relu_dropout(h1, keeps[0], scale)
    n1, xh1, r1 = _np_layernorm(a1, p["g1"], p["be1"])
    h2 = n1 @ p["W2"]
    h2 += p["b2"]
    a2, m2 = _np_relu_dropout(h2, keeps[1], scale)
    n2, xh2, r2 = _np_layernorm(a2, p["g2"], p["be2"])
    z = n2 @ p["W3"]
    z += p["b3"]                                               # (B, 10)
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(len(y))
    np.mean(np.log(s[:, 0]) + m[:, 0] - z[rows, y])           # the loss
    dz = e / s                                                 # (softmax - onehot) / B
    dz[rows, y] -= 1.0
    dz /= len(y)
    g = {"W3": n2.T @ dz, "b3": dz.sum(0)}
    dh2 = _np_layernorm_back(dz @ p["W3"].T, xh2, r2, p["g2"], g, 2)
    dh2 *= m2
    if scale != 1.0:
        dh2 *= scale
    g["W2"], g["b2"] = n1.T @ dh2, dh2.sum(0)
    dh1 = _np_layernorm_back(dh2 @ p["W2"].T, xh1, r1, p["g1"], g, 1)
    dh1 *= m1
    if scale != 1.0:
        dh1 *= scale
    g["W1"], g["b1"] = X.T @ dh1, dh1.sum(0)
    return g


class _NpAdam:
    """torch.optim.Adam's update, in place, with one scratch buffer per parameter."""

    def __init__(self, p, lr):
        self.p, self.lr, self.t = p, lr, 0
        self.state = {k: (np.zeros_like(v), np.zeros_like(v), np.empty_like(v))
                      for k, v in p.items()}

    def step(self, grads):
        b1, b2 = BETAS
        self.t += 1
        step_size = self.lr / (1.0 - b1 ** self.t)
        bc2_sqrt = np.sqrt(1.0 - b2 ** self.t)
        for k, g in grads.items():
            m, v, buf = self.state[k]
            m *= b1                                            # m = b1 m + (1 - b1) g
            np.multiply(g, 1.0 - b1, out=buf)
            m += buf
            v *= b2                                            # v = b2 v + (1 - b2) g²
            np.multiply(g, g, out=buf)
            buf *= 1.0 - b2
            v += buf
            np.sqrt(v, out=buf)                                # p -= step m / (√v / √bc2 + eps)
            buf /= bc2_sqrt
            buf += ADAM_EPS
            np.divide(m, buf, out=buf)
            buf *= -step_size
            self.p[k] += buf


def _np_course(d):
    p0, X, y, rate = d["params"], d["X"], d["y"], d["p"]
    p = {k: v.copy() for k, v in p0.items()}
    adam, rng = _NpAdam(p, d["lr"]), np.random.default_rng(0)
    scale = np.float32(1.0 / (1.0 - rate))
    shape = (len(X), 256)

    def run(_=None):
        keeps = [rng.random(shape, dtype=np.float32) >= rate for _ in range(2)]
        adam.step(_np_course_grads(p, X, y, keeps, scale))
    return Case(run, lambda: _np_course_grads(p0, X, y, (None, None), 1.0))


def _np_logistic(d):
    """NLL = sum softplus(z) - y z and grad = X^T (sigmoid(z) - y), z = X w, stable for any z.

    One exp: e = e^-|z| gives softplus(z) = max(z, 0) + log1p(e) and sigmoid(z) =
    where(z < 0, e, 1) / (1 + e); few live temporaries (each fresh 400 kB buffer costs
    page faults). np.logaddexp(0, z) would be about 5x slower than this softplus.
    """
    X, y, w = d["X"], d["y"], d["w"]

    def run(_=None):
        z = X @ w                                               # (N, D) @ (D,) -> (N,)
        e = np.abs(z)
        np.negative(e, out=e)
        np.exp(e, out=e)
        sp = np.log1p(e)
        sp += np.maximum(z, 0)
        sp -= y * z
        nll = sp.sum()
        r = np.where(z < 0, e, 1.0)
        r /= e + 1.0
        r -= y                                                  # sigmoid(z) - y
        return nll, X.T @ r
    return Case(run, lambda: {"w": run()[1], "nll": np.asarray(run()[0])})


def _np_jacobian(d):
    W, x = d["W"], d["x"]

    def run(_=None):
        t = np.tanh(W @ x)
        return (1.0 - t * t)[:, None] * W
    return Case(run, lambda: {"J": run()})


def _np_chain(d):
    ops = _seq(d["n"])

    def prepare():
        y, saved = np.float64(d["x"]), []
        for k in ops:
            y = y * CHAIN_MUL if k == 0 else (y + CHAIN_ADD if k == 1 else np.tanh(y))
            saved.append(y)
        return saved

    def run(saved):
        g = np.float64(1.0)
        for k, out in zip(reversed(ops), reversed(saved)):
            if k == 0:
                g = g * CHAIN_MUL
            elif k == 2:
                g = g * (1.0 - out * out)
        return g
    return Case(run, lambda: {"x": np.asarray(run(prepare()))}, prepare)


# ----- tinygrad_ku -----------------------------------------------------------------------
def _tg_tiny(d):
    import tinygrad_ku as tg
    x = tg.Tensor(d["x"].copy(), requires_grad=True)

    def run(_=None):
        x.grad = None
        y = x
        for k in TINY_OPS:
            y = y * MUL if k == 0 else (y + ADD if k == 1 else y.tanh())
        y.sum().backward()
        return x.grad
    return Case(run, lambda: {"x": np.asarray(run().data)})


def _tg_mlp(d):
    import tinygrad_ku as tg
    import tinygrad_ku.nn.functional as F
    X, y, lr = d["X"], d["y"], d["lr"]

    def params(src):
        return {k: tg.Tensor(v.copy(), requires_grad=True) for k, v in src.items()}

    def loss_of(p):
        a1 = (X @ p["W1"] + p["b1"]).relu()
        a2 = (a1 @ p["W2"] + p["b2"]).relu()
        return F.cross_entropy(a2 @ p["W3"] + p["b3"], y)

    p = params(d["params"])

    def run(_=None):
        loss_of(p).backward()
        for t in p.values():
            t.data -= lr * t.grad.data
            t.grad = None

    def grads():
        q = params(d["params"])
        loss_of(q).backward()
        return {k: t.grad.data for k, t in q.items()}
    return Case(run, grads)


def _course_case(lib, as_tensor, d):
    """The course workload in a library with PyTorch's nn and optim API (torch or tinygrad_ku);
    as_tensor turns an ndarray into the library's tensor."""
    nn = lib.nn
    X, y = as_tensor(d["X"]), as_tensor(d["y"])

    def model_at_start():
        model = nn.Sequential(
            nn.Linear(784, 256), nn.ReLU(), nn.Dropout(d["p"]), nn.LayerNorm(256),
            nn.Linear(256, 256), nn.ReLU(), nn.Dropout(d["p"]), nn.LayerNorm(256),
            nn.Linear(256, 10)).float()
        model.load_state_dict({k: as_tensor(v) for k, v in _course_state(d["params"]).items()})
        return model

    model, criterion = model_at_start(), nn.CrossEntropyLoss()
    optimizer = lib.optim.Adam(model.parameters(), lr=d["lr"])

    def run(_=None):
        optimizer.zero_grad()
        criterion(model(X), y).backward()
        optimizer.step()

    def grads():
        fresh = model_at_start().eval()                    # eval(): no dropout
        criterion(fresh(X), y).backward()
        return _course_grads((k, t.grad.numpy()) for k, t in fresh.named_parameters())
    return Case(run, grads)


def _tg_course(d):
    import tinygrad_ku as tg
    return _course_case(tg, tg.tensor, d)


def _tg_logistic(d):
    import tinygrad_ku as tg
    import tinygrad_ku.nn.functional as F
    X, y = d["X"], d["y"]
    w = tg.Tensor(d["w"].copy(), requires_grad=True)

    def run(_=None):
        w.grad = None
        nll = F.binary_cross_entropy_with_logits(X @ w, y, reduction="sum")
        nll.backward()
        return nll
    def grads():
        nll = run()
        return {"w": w.grad.data, "nll": nll.data}
    return Case(run, grads)


def _tg_jacobian(d):
    import tinygrad_ku as tg
    from tinygrad_ku.autograd import functional as AF
    W = tg.Tensor(d["W"])
    x = tg.Tensor(d["x"].copy())

    def f(v):
        return (W @ v).tanh()

    def run(_=None):
        try:
            return AF.jacobian(f, x, vectorize=True)
        except TypeError:               # no vectorize= yet: row by row
            return AF.jacobian(f, x)
    return Case(run, lambda: {"J": np.asarray(run().data)})


def _tg_chain(d):
    import tinygrad_ku as tg
    ops = _seq(d["n"])
    x = tg.Tensor(np.array(d["x"]), requires_grad=True)

    def prepare():
        x.grad = None
        y = x
        for k in ops:
            y = y * CHAIN_MUL if k == 0 else (y + CHAIN_ADD if k == 1 else y.tanh())
        return y

    def run(y):
        y.backward()
        return x.grad
    return Case(run, lambda: {"x": np.asarray(run(prepare()).data)}, prepare)


# ----- PyTorch ---------------------------------------------------------------------------
def _torch_tiny(d):
    import torch
    x = torch.tensor(d["x"], requires_grad=True)

    def run(_=None):
        x.grad = None
        y = x
        for k in TINY_OPS:
            y = y * MUL if k == 0 else (y + ADD if k == 1 else y.tanh())
        y.sum().backward()
        return x.grad
    return Case(run, lambda: {"x": run().numpy()})


def _torch_mlp(d):
    import torch
    import torch.nn.functional as F
    X, y, lr = torch.from_numpy(d["X"]), torch.from_numpy(d["y"]), d["lr"]

    def params(src):
        return {k: torch.tensor(v, requires_grad=True) for k, v in src.items()}

    def loss_of(p):
        a1 = (X @ p["W1"] + p["b1"]).relu()
        a2 = (a1 @ p["W2"] + p["b2"]).relu()
        return F.cross_entropy(a2 @ p["W3"] + p["b3"], y)

    p = params(d["params"])

    def run(_=None):
        loss_of(p).backward()
        with torch.no_grad():
            for t in p.values():
                t -= lr * t.grad
                t.grad = None

    def grads():
        q = params(d["params"])
        loss_of(q).backward()
        return {k: t.grad.numpy() for k, t in q.items()}
    return Case(run, grads)


def _torch_course(d):
    import torch
    return _course_case(torch, torch.from_numpy, d)


def _torch_logistic(d):
    import torch
    import torch.nn.functional as F
    X, y = torch.from_numpy(d["X"]), torch.from_numpy(d["y"])
    w = torch.tensor(d["w"], requires_grad=True)

    def run(_=None):
        w.grad = None
        nll = F.binary_cross_entropy_with_logits(X @ w, y, reduction="sum")
        nll.backward()
        return nll
    def grads():
        nll = run()
        return {"w": w.grad.numpy(), "nll": nll.detach().numpy()}
    return Case(run, grads)


def _torch_jacobian(d):
    import torch
    W, x = torch.from_numpy(d["W"]), torch.from_numpy(d["x"])

    def run(_=None):
        return torch.autograd.functional.jacobian(lambda v: torch.tanh(W @ v), x, vectorize=True)
    return Case(run, lambda: {"J": run().numpy()})


def _torch_chain(d):
    import torch
    ops = _seq(d["n"])
    x = torch.tensor(d["x"], dtype=torch.float64, requires_grad=True)

    def prepare():
        x.grad = None
        y = x
        for k in ops:
            y = y * CHAIN_MUL if k == 0 else (y + CHAIN_ADD if k == 1 else y.tanh())
        return y

    def run(y):
        y.backward()
        return x.grad
    return Case(run, lambda: {"x": run(prepare()).numpy()}, prepare)


# ----- HIPS autograd ---------------------------------------------------------------------
def _ag_tiny(d):
    import autograd
    import autograd.numpy as anp

    def f(x):
        y = x
        for k in TINY_OPS:
            y = y * MUL if k == 0 else (y + ADD if k == 1 else anp.tanh(y))
        return anp.sum(y)
    df = autograd.grad(f)
    return Case(lambda _=None: df(d["x"]), lambda: {"x": df(d["x"])})


def _ag_mlp(d):
    import autograd
    import autograd.numpy as anp
    X, y, lr = d["X"], d["y"], d["lr"]
    rows = np.arange(len(y))

    def loss(p):
        a1 = anp.maximum(X @ p["W1"] + p["b1"], 0)
        a2 = anp.maximum(a1 @ p["W2"] + p["b2"], 0)
        z = a2 @ p["W3"] + p["b3"]
        m = anp.max(z, axis=1, keepdims=True)
        logp = z - m - anp.log(anp.sum(anp.exp(z - m), axis=1, keepdims=True))
        return -anp.mean(logp[rows, y])
    dloss = autograd.grad(loss)
    p = {k: v.copy() for k, v in d["params"].items()}

    def run(_=None):
        g = dloss(p)
        for k in p:
            p[k] = p[k] - lr * g[k]
    return Case(run, lambda: dloss(dict(d["params"])))


def _ag_course(d):
    import autograd
    import autograd.numpy as anp
    X, y, rate = d["X"], d["y"], d["p"]
    rows = np.arange(len(y))

    def layernorm(a, g, b):
        xc = a - anp.mean(a, axis=1, keepdims=True)
        return xc / anp.sqrt(anp.mean(xc * xc, axis=1, keepdims=True) + LN_EPS) * g + b

    def loss(p, drop1, drop2):
        n1 = layernorm(anp.maximum(X @ p["W1"] + p["b1"], 0) * drop1, p["g1"], p["be1"])
        n2 = layernorm(anp.maximum(n1 @ p["W2"] + p["b2"], 0) * drop2, p["g2"], p["be2"])
        z = n2 @ p["W3"] + p["b3"]
        m = anp.max(z, axis=1, keepdims=True)
        logp = z - m - anp.log(anp.sum(anp.exp(z - m), axis=1, keepdims=True))
        return -anp.mean(logp[rows, y])
    dloss = autograd.grad(loss)
    p = {k: v.copy() for k, v in d["params"].items()}
    adam, rng = _NpAdam(p, d["lr"]), np.random.default_rng(0)
    scale = np.float32(1.0 / (1.0 - rate))

    def run(_=None):
        drops = [(rng.random((len(X), 256), dtype=np.float32) >= rate) * scale
                 for _ in range(2)]
        adam.step(dloss(p, *drops))
    return Case(run, lambda: dloss(dict(d["params"]), np.float32(1.0), np.float32(1.0)))


def _ag_logistic(d):
    import autograd
    import autograd.numpy as anp
    X, y = d["X"], d["y"]

    def nll(w):
        z = anp.dot(X, w)
        return anp.sum(anp.logaddexp(0.0, z) - y * z)
    vg = autograd.value_and_grad(nll)
    return Case(lambda _=None: vg(d["w"]),
                lambda: {"w": vg(d["w"])[1], "nll": np.asarray(vg(d["w"])[0])})


def _ag_jacobian(d):
    import autograd
    import autograd.numpy as anp
    W = d["W"]
    jac = autograd.jacobian(lambda v: anp.tanh(anp.dot(W, v)))
    return Case(lambda _=None: jac(d["x"]), lambda: {"J": jac(d["x"])})


def _ag_chain(d):
    import autograd
    import autograd.numpy as anp
    ops = _seq(d["n"])

    def f(x):
        y = x
        for k in ops:
            y = y * CHAIN_MUL if k == 0 else (y + CHAIN_ADD if k == 1 else anp.tanh(y))
        return y

    def prepare():
        return autograd.make_vjp(f)(d["x"])[0]
    return Case(lambda vjp: vjp(1.0), lambda: {"x": np.asarray(prepare()(1.0))}, prepare)


FACTORIES = {
    "numpy": {"tiny": _np_tiny, "mlp": _np_mlp, "course": _np_course, "logistic": _np_logistic,
              "jacobian": _np_jacobian, "chain": _np_chain},
    "tinygrad_ku": {"tiny": _tg_tiny, "mlp": _tg_mlp, "course": _tg_course,
                    "logistic": _tg_logistic, "jacobian": _tg_jacobian, "chain": _tg_chain},
    "torch": {"tiny": _torch_tiny, "mlp": _torch_mlp, "course": _torch_course,
              "logistic": _torch_logistic, "jacobian": _torch_jacobian, "chain": _torch_chain},
    "autograd": {"tiny": _ag_tiny, "mlp": _ag_mlp, "course": _ag_course,
                 "logistic": _ag_logistic, "jacobian": _ag_jacobian, "chain": _ag_chain},
}


def make(engine, workload):
    """The Case of `workload` for `engine`, on the shared seeded data."""
    return FACTORIES[engine][workload.removesuffix("_1m")](_data(workload))


def timed(case, n):
    """Run the case n times; the seconds each timed call took."""
    out = []
    for _ in range(n):
        state = case.prepare()
        t0 = time.perf_counter()
        case.run(state)
        out.append(time.perf_counter() - t0)
    return out


def median_time(fn, repeat):
    """Call fn() `repeat` times; the median seconds per call and the last result."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out
