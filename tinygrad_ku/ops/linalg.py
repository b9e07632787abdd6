"""Linear-algebra ops: matmul (1-D, 2-D, batched with broadcasting), linear, trace, diag, einsum,
svdvals, svd.

Singular values and vectors (A = U diag(σ) Vᵀ, thin: k = min(m, n)):
    Svdvals   dA = U diag(gσ) Vᵀ; under create_graph U, V come from `Svd`, so the
              vjp depends on A and second derivatives are exact.
    Svd       U, σ, Vᵀ packed in one array; with X = skew(UᵀG_U), Y = skew(VᵀG_V),
              skew(M) = M − Mᵀ, F_ij = 1/(σ_j² − σ_i²) (i ≠ j):
              dA = U [(X_ij σ_j + σ_i Y_ij) F_ij + diag(gσ)] Vᵀ
                   + (I − UUᵀ) G_U σ⁻¹ Vᵀ (m > n),  + U σ⁻¹ G_Vᵀ (I − VVᵀ) (m < n)
              (PyTorch's svd_backward, real case).
As in PyTorch, the singular vectors have a derivative only where the singular values
are distinct (and, for m ≠ n, nonzero): at a repeated value F divides by zero and
second derivatives of svdvals and of norm(ord=2, -2, 'nuc') are inf/nan, unstable
near such points. First derivatives of singular values are always finite.
"""
import math

import numpy as np

from ..engine import Function
from ._dispatch import data, is_tensor, mT
from .shape import IndexAdd


class MatMul(Function):
    """a @ b. Its vjp also takes a batch of cotangents on a leading axis of g: every case
    below broadcasts over it (the batched matmul is `batched_vjp`'s fallback)."""
    needs_out = False

    def forward(self, a, b):
        return a @ b

    def reads(self, i):                # a is read only for dB, b only for dA
        return self.needs_grad(1 - i)

    def vjp(self, g, out, a, b):
        # (..., m, n) @ (..., n, k) -> (..., m, k);  dA = G @ B^T,  dB = A^T @ G
        ad, bd = data(a).ndim, data(b).ndim
        if ad == 1 and bd == 1:        # dot product: g is () (or (B,) for a batch)
            g = g.reshape(tuple(g.shape) + (1,))
            return (g * b if self.needs_grad(0) else None,
                    g * a if self.needs_grad(1) else None)
        if type(g) is np.ndarray and 0 in g.strides and g.size > 1:
            g = np.ascontiguousarray(g)   # a broadcast (the vjp of sum/mean): BLAS needs strides
        if ad == 2 and bd == 1 and g.ndim == 1:   # (m, n) @ (n,): dA = g bᵀ, db = gᵀ A (one op)
            return (g.reshape(tuple(g.shape) + (1,)) * b if self.needs_grad(0) else None,
                    g @ a if self.needs_grad(1) else None)
        if ad == 1:                    # (n,) @ (..., n, k) -> (..., k)
            a = a.reshape((1,) + a.shape)
            g = g.reshape(g.shape[:-1] + (1,) + g.shape[-1:])
        if bd == 1:                    # (..., m, n) @ (n,) -> (..., m)
            b = b.reshape(b.shape + (1,))
            g = g.reshape(g.shape + (1,))
        ga = gb = None
        if self.needs_grad(0):
            ga = g @ mT(b)
            if ad == 1:
                ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:])
        if self.needs_grad(1):
            gb = mT(a) @ g
            if bd == 1:
                gb = gb.reshape(gb.shape[:-1])
        return ga, gb

    def batched_vjp(self, g, out, a, b):
        if data(a).ndim == 2 and data(b).ndim == 1:   # A x, G (B, m): dx = G A in one GEMM
            return (g.reshape(tuple(g.shape) + (1,)) * b if self.needs_grad(0) else None,
                    g @ a if self.needs_grad(1) else None)
        if data(a).ndim == 1 and data(b).ndim == 2 and not self.needs_grad(1):
            return g @ mT(b), None     # gᵀ B, G (B, k): dg = G Bᵀ in one GEMM
        if data(a).ndim == 2 and data(b).ndim == 2:   # the batch folded into one GEMM each
            (m, n), k = data(a).shape, data(b).shape[1]
            rows = g.shape[0]
            if type(g) is np.ndarray and 0 in g.strides and g.size > 1:
                g = np.ascontiguousarray(g)
            ga = gb = None
            if self.needs_grad(0):     # dA = G Bᵀ: (B·m, k) @ (k, n) -> (B, m, n)
                ga = (g.reshape((rows * m, k)) @ mT(b)).reshape((rows, m, n))
            if self.needs_grad(1):     # dB = Aᵀ G; for k = 1 as (Gᵀ A)ᵀ: (B, m) @ (m, n)
                gb = ((g.reshape((rows, m)) @ a).reshape((rows, n, 1)) if k == 1
                      else mT(a) @ g)
            return ga, gb
        return self.vjp(g, out, a, b)

    def compiled(self, *inputs):       # tg.compile: forward and vjp as NumPy steps
        if np.ndim(inputs[0]) != 2 or np.ndim(inputs[1]) != 2:
            return None                # other ranks: the generic forward/vjp call
        return ("out = matmul(x, y)",
                "t1 = np.ascontiguousarray(g) if 0 in g.strides and g.size > 1 else g; "
                "gx = t1 @ y.swapaxes(-1, -2); gy = x.swapaxes(-1, -2) @ t1")


class Linear(Function):
    """x Wᵀ + b with W (out, in): one node, and dW = Gᵀ X comes out in W's own (out, in)
    layout (a transposed view of W in a MatMul would hand back a transposed gradient)."""
    needs_out = False

    def forward(self, x, w, b=None):
        out = x @ w.T                  # (..., in) @ (in, out) -> (..., out)
        if b is not None:
            out += b
        return out

    def reads(self, i):                # x is read only for dW, W only for dx; b never
        return i < 2 and self.needs_grad(1 - i)

    def vjp(self, g, out, x, w, b=None):
        n_out, n_in = data(w).shape
        rows = math.prod(data(x).shape[:-1])   # every leading axis of x is a row
        gx = g @ w if self.needs_grad(0) else None
        gw = gb = None
        if self.needs_grad(1):         # (out, N) @ (N, in)
            gw = mT(g.reshape((rows, n_out))) @ x.reshape((rows, n_in))
        if b is not None and self.needs_grad(2):
            gb = g.reshape((rows, n_out)).sum(axis=0)
        return gx, gw, gb


class Trace(Function):
    saved_inputs, needs_out = (), False

    def forward(self, x):
        return np.trace(x)

    def vjp(self, g, out, x):          # d tr(X) = I
        return (g * np.eye(*data(x).shape, dtype=data(x).dtype),)


class Diag(Function):
    """1-D -> diagonal matrix, 2-D -> its diagonal (offset k)."""
    saved_inputs, needs_out = (), False

    def forward(self, x):
        return np.diag(x, self.k)

    def vjp(self, g, out, x):
        xd, k = data(x), self.k
        if xd.ndim == 1:               # building diag(x): read the diagonal back
            return (_diag(g, k),)
        n = out.shape[0]               # reading the diagonal: write g back onto it
        index = (np.arange(n) + max(-k, 0), np.arange(n) + max(k, 0))
        if is_tensor(g):
            return (IndexAdd.apply(g, shape=xd.shape, basic=(Ellipsis,), advanced=index),)
        full = np.zeros(xd.shape, dtype=g.dtype)
        full[index] = g
        return (full,)


def _diag(x, k):
    return Diag.apply(x, k=k) if is_tensor(x) else np.diag(x, k)


def parse_einsum(subscripts, n_operands):
    """'ij,jk->ik' -> (['ij', 'jk'], 'ik'); implicit output as NumPy (sorted letters seen once)."""
    s = subscripts.replace(" ", "")
    if "." in s:
        raise ValueError(f"einsum: '...' in subscripts is not supported (got {subscripts!r})")
    if "->" in s:
        ins, out = s.split("->")
    else:
        ins = s
        letters = ins.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = ins.split(",")
    if len(ins) != n_operands:
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(ins)} operands, "
                         f"but {n_operands} were given")
    return ins, out


def _einsum(spec, *operands):
    return Einsum.apply(*operands, subscripts=spec) if any(map(is_tensor, operands)) \
        else np.einsum(spec, *operands)


class Einsum(Function):
    needs_out = False

    def forward(self, *xs):
        self.ins, self.out_sub = parse_einsum(self.subscripts, len(xs))
        return np.einsum(self.subscripts, *xs)

    def vjp(self, g, out, *xs):        # d/dX_i: contract g with every other operand
        grads = []
        for i, x in enumerate(xs):
            if not self.needs_grad(i):
                grads.append(None)
                continue
            target = self.ins[i]
            unique = "".join(dict.fromkeys(target))
            others = [s for j, s in enumerate(self.ins) if j != i]
            present = set(self.out_sub).union(*others) if others else set(self.out_sub)
            reduced = "".join(c for c in unique if c in present)
            spec = ",".join([self.out_sub] + others) + "->" + reduced
            gi = _einsum(spec, g, *[xj for j, xj in enumerate(xs) if j != i])
            shape = data(x).shape
            sizes = dict(zip(target, shape))
            if reduced != unique:      # letters summed only inside x: broadcast back
                gi = gi.reshape([sizes[c] if c in reduced else 1 for c in unique])
                full_unique = [sizes[c] for c in unique]
                gi = np.broadcast_to(gi, full_unique) if not is_tensor(gi) else gi.expand(full_unique)
            if unique != target:       # repeated letters (e.g. 'ii'): onto the diagonal
                gi = _onto_diagonal(gi, target, shape, data(x).dtype)
            grads.append(gi)
        return tuple(grads)


def _onto_diagonal(gi, target, shape, dtype):
    """gi, indexed by target's distinct letters, placed where target's repeated axes agree.

    'ii': full_ab = gi_a δ_ab, an einsum with a constant mask, so it is differentiable too.
    """
    fresh = "".join(chr(ord("A") + k) for k in range(len(target)))   # one letter per axis
    first = {}
    for c, f in zip(target, fresh):
        first.setdefault(c, f)
    mask = np.zeros(shape, dtype)
    np.einsum(target + "->" + "".join(first), mask)[...] = 1         # the (generalised) diagonal
    return _einsum("".join(first.values()) + "," + fresh + "->" + fresh, gi, mask)


class Svdvals(Function):
    """Singular values in descending order; d σ_i = u_iᵀ dA v_i (distinct values)."""
    needs_out = False

    def forward(self, x):
        u, s, vt = np.linalg.svd(x, full_matrices=False)
        self.u, self.vt = u, vt
        return s

    def vjp(self, g, out, x):          # U diag(g) Vᵀ
        if is_tensor(g) and is_tensor(x):
            u, _, vt = svd(x)
            return ((u * _row(g)) @ vt,)
        return ((self.u * _row(g)) @ self.vt,)


class Svd(Function):
    """The thin SVD A = U diag(σ) Vᵀ packed along the last axis: (..., m·k + k + k·n)."""
    saved_inputs = ()

    def forward(self, x):
        u, s, vt = np.linalg.svd(x, full_matrices=False)
        batch = x.shape[:-2]
        return np.concatenate([u.reshape(batch + (-1,)), s, vt.reshape(batch + (-1,))], axis=-1)

    def vjp(self, g, out, x):
        m, n = data(x).shape[-2:]
        return (_svd_backward(*_unpack(g, m, n), *_unpack(out, m, n)),)


def svd(x):
    """(U, σ, Vᵀ) of the thin SVD; differentiable (through `Svd`) when x is a Tensor."""
    if not is_tensor(x):
        return np.linalg.svd(x, full_matrices=False)
    return _unpack(Svd.apply(x), *x.shape[-2:])


def _unpack(p, m, n):
    k = min(m, n)
    batch = tuple(p.shape[:-1])
    u = p[..., :m * k].reshape(batch + (m, k))
    vt = p[..., m * k + k:].reshape(batch + (k, n))
    return u, p[..., m * k:m * k + k], vt


def _row(x):
    return x.reshape(tuple(x.shape[:-1]) + (1, x.shape[-1]))


def _col(x):
    return x.reshape(tuple(x.shape) + (1,))


def _svd_backward(gu, gs, gvt, u, s, vt):
    """dA from the cotangents of U, σ, Vᵀ; written with operators, so it runs on Tensors too."""
    m, n, k = u.shape[-2], vt.shape[-1], s.shape[-1]
    eye = np.eye(k, dtype=data(s).dtype)
    ut, v = mT(u), mT(vt)
    s2 = s * s
    e = _row(s2) - _col(s2) + eye                 # σ_j² − σ_i², ones on the diagonal
    uhgu = ut @ gu
    vhgv = vt @ mT(gvt)
    core = ((uhgu - mT(uhgu)) * _row(s) + _col(s) * (vhgv - mT(vhgv))) / e + _col(gs) * eye
    if m > n:
        gu_s = gu / _row(s)
        return (u @ core + gu_s - u @ (ut @ gu_s)) @ vt
    if m < n:
        s_gvt = gvt / _col(s)
        return u @ (core @ vt + s_gvt - (s_gvt @ v) @ vt)
    return u @ core @ vt
