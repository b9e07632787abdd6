"""The op table: one list of cases drives every gradient test of the engine's ops.

    tests/test_ops.py                 first-order gradcheck of every case x shapes x params,
                                      forward values against NumPy (`ref`), the kink conventions,
                                      and that every `Function` subclass shows up in some case
    tests/test_higher_order.py        gradgradcheck of every case with `second_order=True`
    tests/test_fuzz.py                random programs composed of the cases with `fuzz=True`
    tests/test_reference_backward.py  backward() against a plain reference on graphs of cases

A case is a Python expression over its inputs {x}, {y}, {z} (in that order) and its
parameters {name}, written with the public API only (tg.*, Tensor methods, F =
tg.nn.functional, tg.linalg, tg.distributions), e.g. "{x}.sum({dim}, keepdim={keep})".
The same text gives the function that is checked (`Case.compile`) and, for the fuzzer,
the line of Python that a shrunk counterexample prints as (`Case.show`).

Fields of a case:
    shapes        the input shapes checked: one tuple of shapes (one per input) per run;
                  scalars (), size-1 dims, broadcasting pairs and 0-size dims where the op
                  allows them
    domains       one per input, a key of DOMAINS: how inputs are drawn (real, positive, a
                  well-conditioned matrix, class labels, ...); a constant domain is passed as
                  an ndarray, not a leaf
    params        shapes -> list of parameter dicts (dim, keepdim, ord, ...); every one is checked
    out_shape     (shapes, p) -> the output shape, or None where the op does not apply to those
                  shapes (the fuzzer's applicability test; the gradcheck asserts it)
    kink          (arrays, p) -> distance of the point to the nearest kink (relu at 0, ties of
                  max, ...): the input maker redraws closer points, the fuzzer rejects them
    conventions   (p, inputs, d sum(f) / d inputs) at kinks: the gradient PyTorch defines there
    second_order  True, or why the second derivative is not checked
    fuzz          True, or why random programs leave the case out; cases with a lift for every
                  domain and one or two inputs can be fuzzed (the lift maps any real tensor
                  into the domain, e.g. x -> x.square() + 0.5 for `positive`)
    ref           NumPy reference of the forward value, (arrays, **p) -> ndarray, or None
    tol, tol2     gradcheck / gradgradcheck keyword arguments (eps, atol, rtol)

The table continues in tests/op_cases_<topic>.py: each holds `cases()`, a list of Case
built with the constructors here, appended in file-name order.

Seeds are zlib.crc32 of repr(key) (`seed`), never hash(), which changes per process.
"""
import importlib
import pathlib
import zlib
from dataclasses import dataclass, field

import numpy as np

import tinygrad_ku as tg
import tinygrad_ku.nn.functional as F

KINK_MARGIN = 1e-2       # the input maker keeps points at least this far from a kink


def seed(*key):
    """A deterministic 32-bit seed for key (stable across processes, unlike hash())."""
    return zlib.crc32(repr(key).encode())


def assign(x, index, value):
    """x with x[index] = value, out of place: Tensor.__setitem__ on a clone."""
    out = x.clone()
    out[index] = value
    return out


# the names an expression may use (programs printed by the fuzzer run in this namespace)
ENV = {"np": np, "tg": tg, "F": F, "inf": np.inf, "nan": np.nan, "assign": assign}


def _src(v):
    """Python source for a parameter value (exact for floats and arrays)."""
    if isinstance(v, np.ndarray):
        return f"np.array({v.tolist()!r})"
    if isinstance(v, tuple):
        return "(" + "".join(_src(e) + ", " for e in v).rstrip(" ") + ")" if len(v) == 1 \
            else "(" + ", ".join(_src(e) for e in v) + ")"
    if isinstance(v, list):
        return "[" + ", ".join(_src(e) for e in v) + "]"
    if v is Ellipsis:
        return "..."
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return repr(int(v))
    return repr(v)


def param_str(p):
    return ", ".join(f"{k}={_src(v)}" for k, v in sorted(p.items()))


# ----- domains ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Domain:
    sample: object            # (rng, shape) -> ndarray
    lift: str = None          # expression taking any real tensor {} into the domain (fuzzer)
    const: bool = False       # a constant input (ndarray), not a leaf that requires grad


def _well_conditioned(rng, shape):
    n = shape[-1]
    return rng.standard_normal(shape) + 3 * np.eye(n)


def _lower(rng, shape):
    """A Cholesky factor: positive diagonal; the strict upper triangle holds noise the op
    must ignore (only the lower triangle is read)."""
    n = shape[-1]
    out = rng.uniform(-0.5, 0.5, shape)
    idx = np.arange(n)
    out[..., idx, idx] = rng.uniform(1.0, 2.0, shape[:-1])
    return out


def _distinct_singular_values(rng, shape):
    """Q1 diag(s) Q2^T with random orthogonal Q1, Q2 and singular values >= 0.6, gaps >= 0.5."""
    *batch, m, n = shape
    k = min(m, n)
    q1 = np.linalg.qr(rng.standard_normal((*batch, m, k)))[0]
    q2 = np.linalg.qr(rng.standard_normal((*batch, n, k)))[0]
    sigma = 0.6 + 0.8 * np.arange(k)[::-1] + rng.uniform(0, 0.3, (*batch, k))
    return (q1 * sigma[..., None, :]) @ np.swapaxes(q2, -1, -2)


def _with_zeros(rng, shape):
    """Reals with one exact zero."""
    x = rng.uniform(-2, 2, shape)
    if x.size:
        x.reshape(-1)[rng.integers(x.size)] = 0.0
    return x


def _off_poles(rng, shape):
    """Negative non-integers at least 0.2 from the poles of lgamma."""
    return -(rng.integers(0, 3, shape) + rng.uniform(0.2, 0.8, shape))


DOMAINS = {
    "real": Domain(lambda rng, s: rng.uniform(-2, 2, s), "{}"),
    "positive": Domain(lambda rng, s: rng.uniform(0.5, 2, s), "({}.square() + 0.5)"),
    "nonzero": Domain(lambda rng, s: rng.choice([-1.0, 1.0], s) * rng.uniform(0.5, 2, s),
                      "({}.square() + 0.5)"),
    "unit": Domain(lambda rng, s: rng.uniform(0.1, 0.9, s), "{}.sigmoid()"),
    "with_zeros": Domain(_with_zeros),
    "off_poles": Domain(_off_poles),
    "matrix": Domain(_well_conditioned),
    "lower": Domain(_lower),
    "svd": Domain(_distinct_singular_values),
    "labels3": Domain(lambda rng, s: rng.integers(0, 3, s), const=True),
    "probs": Domain(lambda rng, s: rng.dirichlet(np.ones(s[-1]), s[:-1]), const=True),
    "binary": Domain(lambda rng, s: rng.integers(0, 2, s).astype(float), const=True),
}


# ----- shapes -------------------------------------------------------------------------------
def _broadcast(*shapes):
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def _axes(dim, ndim):
    """dim (None, int or tuple) as a sorted tuple of non-negative axes."""
    if dim is None or ndim == 0:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else dim
    return tuple(sorted(d % ndim for d in dims))


def reduced_shape(shape, dim, keep):
    axes = _axes(dim, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape)) if keep else \
        tuple(n for i, n in enumerate(shape) if i not in axes)


def _std_kink(xs, p):
    """The smallest std of a reduced group: std is not differentiable where it is 0 (a group
    of equal values, which indexing ops that repeat elements make)."""
    x = np.asarray(xs[0], dtype=np.float64)
    axes = _axes(p["dim"], x.ndim)
    if x.size == 0 or group_size(x.shape, p["dim"]) <= 1:   # one value: std is constant 0
        return np.inf
    s = x.std(axis=axes)
    return float(np.min(s)) if np.size(s) else np.inf


def group_size(shape, dim):
    return int(np.prod([shape[i] for i in _axes(dim, len(shape))]))


def reduce_dims(shape):
    """The dims a reduction is checked over: all, first, last (negative), a pair."""
    nd = len(shape)
    dims = [None, 0, -1]
    if nd >= 2:
        dims.append((0, nd - 1))
    if nd >= 3:
        dims.append(1)
    return dims


def _numpy_shape(run):
    """out_shape by running the op on zeros with NumPy (None where NumPy refuses)."""
    def out_shape(shapes, p):
        try:
            return tuple(np.shape(run(*[np.zeros(s) for s in shapes], **p)))
        except (ValueError, IndexError, TypeError):
            return None
    return out_shape


def matmul_shape(a, b):
    if len(a) == 0 or len(b) == 0:
        return None
    return _numpy_shape(np.matmul)((a, b), {})


# ----- kinks --------------------------------------------------------------------------------
def near(x, at=0.0):
    """Distance of x's elements to `at`, ignoring exact hits (structure, e.g. abs(x - x))."""
    d = np.abs(np.asarray(x, np.float64) - at)
    d = d[d != 0]
    return d.min() if d.size else np.inf


def gap_top2(x, dim=None, largest=True):
    """Smallest gap between the best and second-best element of each group (inf if none)."""
    x = np.asarray(x, np.float64)
    axes = _axes(dim, x.ndim)
    if x.ndim == 0 or not x.size:
        return np.inf
    y = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    y = y.reshape(-1, int(np.prod([x.shape[a] for a in axes])))
    if y.shape[-1] < 2:
        return np.inf
    s = np.sort(y, axis=-1)
    gaps = (s[:, -1] - s[:, -2]) if largest else (s[:, 1] - s[:, 0])
    gaps = gaps[gaps != 0]          # exact ties: the documented convention, kept
    return gaps.min() if gaps.size else np.inf


def _vector_norm_kink(xs, p):
    x, o, dim = xs[0], p["ord"], p.get("dim")
    if o in (np.inf, -np.inf):
        return min(gap_top2(np.abs(x), dim, largest=o > 0), near(x) if o < 0 else np.inf)
    if o in (0, 1, 0.5, -1.5):          # |x| (or x != 0) at 0 inside the sum
        return min(near(x), float(np.abs(x).min(initial=np.inf)))
    return near(np.sqrt((np.asarray(x) ** 2).sum(axis=_axes(dim, np.ndim(x)))))


def _np_vector_norm(x, ord, dim, keep):
    """The textbook vector norms, (sum |x|^p)^(1/p), max |x|, min |x|, count of x != 0."""
    axes, a = _axes(dim, x.ndim), np.abs(x)
    if ord == np.inf:
        return a.max(axes, keepdims=keep)
    if ord == -np.inf:
        return a.min(axes, keepdims=keep)
    if ord == 0:
        return (x != 0).sum(axes, keepdims=keep).astype(float)
    return (a ** ord).sum(axes, keepdims=keep) ** (1.0 / ord)


def _matrix_norm_kink(xs, p):
    x, o = np.asarray(xs[0]), p["ord"]
    if o in (1, -1, np.inf, -np.inf):
        sums = np.abs(x).sum(-2 if o in (1, -1) else -1)
        return min(near(x), gap_top2(sums, -1, largest=o > 0))
    return np.inf                    # 'fro' and singular values: the `svd` domain keeps gaps


def _clip_kink(xs, p):
    return min([near(xs[0], b) for b in (p["lo"], p["hi"]) if b is not None] or [np.inf])


# ----- the case -----------------------------------------------------------------------------
NAMES = ("x", "y", "z")


@dataclass
class Case:
    name: str
    expr: str
    shapes: list
    domains: tuple = ("real",)
    params: object = None
    out_shape: object = None
    kink: object = None
    conventions: tuple = ()
    second_order: object = True
    fuzz: object = True
    fuzz_dtypes: tuple = ("float64", "float32")
    ref: object = None
    tol: dict = field(default_factory=dict)
    tol2: dict = field(default_factory=dict)
    mixed: bool = False               # binary: also check with a constant (ndarray) operand
    scalars: bool = False             # binary: ... and with a Python float operand

    def __post_init__(self):
        self._compiled = {}

    def __repr__(self):                # short, in messages and test ids
        return f"Case({self.name!r})"

    @property
    def arity(self):
        return len(self.domains)

    def param_list(self, shapes):
        return self.params(shapes) if self.params else [{}]

    def applies(self, shapes, p):
        return self.out_shape is None or self.out_shape(shapes, p) is not None

    def source(self, names, p, lifted=False):
        """The expression with `names` for the inputs (lifted into the domains if asked)."""
        args = {}
        for n, name, dom in zip(NAMES, names, self.domains):
            lift = DOMAINS[dom].lift if lifted else None
            args[n] = lift.format(name) if lift else name
        return self.expr.format(**args, **{k: _src(v) for k, v in p.items()})

    def compile(self, p, lifted=False):
        """f(*inputs) for the parameters p (inputs lifted into the domains for the fuzzer)."""
        key = (lifted, param_str(p))
        if key not in self._compiled:
            names = NAMES[:self.arity]
            self._compiled[key] = eval(f"lambda {', '.join(names)}: "
                                       f"{self.source(names, p, lifted)}", dict(ENV))
        return self._compiled[key]

    def show(self, names, p):
        return self.source(names, p, lifted=True)

    @property
    def fuzzable(self):
        return (self.fuzz is True and self.arity in (1, 2) and self.out_shape is not None
                and all(DOMAINS[d].lift and not DOMAINS[d].const for d in self.domains))

    def inputs(self, shapes, p, rng, dtype=np.float64):
        """Inputs drawn from the domains, redrawn while within KINK_MARGIN of a kink."""
        for _ in range(200):
            arrays = [DOMAINS[d].sample(rng, s) for d, s in zip(self.domains, shapes)]
            if self.kink is None or self.kink(arrays, p) >= KINK_MARGIN:
                break
        else:
            raise AssertionError(f"{self.name}: no point away from the kinks for {shapes} {p}")
        return [a if DOMAINS[d].const else tg.tensor(np.asarray(a, dtype), requires_grad=True)
                for d, a in zip(self.domains, arrays)]

    def key(self, shapes, p):
        return (self.name, tuple(shapes), param_str(p))

    def id(self, shapes, p):
        s = "-".join(str(tuple(sh)).replace(" ", "") for sh in shapes)
        return f"{self.name}-{s}" + (f"-{param_str(p)}" if p else "")


# ----- constructors -------------------------------------------------------------------------
UNARY_SHAPES = [(), (3,), (2, 3), (1, 3), (2, 1, 3), (0, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((1, 3), (2, 1, 3)),
                 ((2, 3), ()), ((0, 3), (3,)), ((4, 1, 2), (3, 1))]
REDUCE_SHAPES = UNARY_SHAPES + [(3, 4, 2)]
VECTOR_ORDS = [2, 1, 3, 0.5, -1.5, np.inf, -np.inf, 0]
MATRIX_ORDS = ["fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


def _one(shapes):
    return [(s,) for s in shapes]


def elementwise(name, expr, domains=("real",), shapes=None, **kw):
    if shapes is None:
        shapes = _one(UNARY_SHAPES) if len(domains) == 1 else BINARY_SHAPES
    return Case(name, expr, shapes, domains, out_shape=lambda s, p: _broadcast(*s), **kw)


def _kink_along(largest):
    return lambda xs, p: gap_top2(xs[0], p.get("dim"), largest)


def reduction(name, method, nonempty=False, extra=({},), shapes=REDUCE_SHAPES, dims=reduce_dims,
              keepdims=(False, True), min_count=None, expr=None, **kw):
    """x.method(dim, keepdim=...) over the dims of reduce_dims(shape), with `extra` params."""
    def params(s):
        return [dict(dim=d, keep=k, **e) for e in extra for d in dims(s[0]) for k in keepdims]

    def out_shape(s, p):
        n = group_size(s[0], p["dim"])
        if (nonempty and n == 0) or (min_count and n <= min_count(p)):
            return None
        return reduced_shape(s[0], p["dim"], p["keep"])
    expr = expr or "{x}.%s({dim}, keepdim={keep})" % method
    return Case(name, expr, _one(shapes), params=params, out_shape=out_shape, **kw)


def _nonempty_full(s, p):
    return () if int(np.prod(s[0])) else None


def _einsum(spec, shapes, **kw):
    names = ", ".join("{%s}" % n for n in NAMES[:len(shapes)])
    return Case(f"einsum[{spec}]", f"tg.einsum({spec!r}, {names})", [tuple(shapes)],
                ("real",) * len(shapes), ref=lambda *a: np.einsum(spec, *a),
                out_shape=_numpy_shape(lambda *a: np.einsum(spec, *a)), fuzz=_EINSUM, **kw)


def _cat_shape(s, p):
    return _numpy_shape(lambda a, b, dim: np.concatenate([a, b], dim))(s, p) if s[0] else None


def _stack_shape(s, p):
    return _numpy_shape(lambda a, b, dim: np.stack([a, b], dim))(s, p) if len(s[0]) < 4 else None


def _transpose_shape(s, p):
    sh = list(s[0])
    if len(sh) < 2:
        return None
    sh[p["d0"]], sh[p["d1"]] = sh[p["d1"]], sh[p["d0"]]
    return tuple(sh)


def _reshape_params(s):
    return [{"shape": (-1,)}, {"shape": tuple(reversed(s[0]))}]


def _reshape_shape(s, p):
    return (int(np.prod(s[0])),) if p["shape"] == (-1,) else p["shape"]


def _squeeze_shape(s, p):
    if 1 not in s[0]:
        return None
    if p.get("dim") is None:
        return tuple(n for n in s[0] if n != 1)
    return tuple(n for i, n in enumerate(s[0]) if not (i == p["dim"] % len(s[0]) and n == 1))


def _squeeze_params(s):
    return [{"dim": None}] + [{"dim": i} for i, n in enumerate(s[0]) if n == 1]


def _permute_params(s):
    nd = len(s[0])
    return [{"dims": tuple(range(nd))[::-1]}, {"dims": tuple(range(1, nd)) + (0,)}] if nd >= 2 \
        else [{"dims": tuple(range(nd))}]


def _expand_shape(s, p):
    return s[1] if _broadcast(s[0], s[1]) == tuple(s[1]) and s[0] != s[1] else None


def _assign_shape(s, p):
    try:
        target = np.zeros(s[0])[p["index"]].shape
        np.broadcast_to(np.zeros(s[1]), target)
    except (ValueError, IndexError):
        return None
    return s[0]


def _spd(name):
    return f"({name} @ {name}.mT + 3.0 * tg.eye({name}.shape[-2]))"


_VNORM_DIMS = [(None, False), (0, True), (-1, False), ("pair", True)]


def _vector_norm_params(s):
    nd = len(s[0])
    out = []
    for o in VECTOR_ORDS:
        for d, k in _VNORM_DIMS:
            if d == "pair":
                if nd < 2:
                    continue
                d = (0, nd - 1)
            out.append({"ord": o, "dim": d, "keep": k})
    return out


def _vector_norm_shape(s, p):
    if group_size(s[0], p["dim"]) == 0:
        return None
    return reduced_shape(s[0], p["dim"], p["keep"])


INDICES = [1, slice(1, 3), (Ellipsis, 0), (None, 1), [0, 2, 2], (np.array([1, 1, 0]), 2),
           (slice(None), [0, 0, 3]), np.array([[True, False, True, False]] * 3),
           slice(1, None), [0, 0, -1], (slice(1, None), [0, 2])]
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)),
                 ((3,), (5, 3, 2)), ((5, 2, 3), (3,)), ((0, 3), (3, 2)), ((2, 0), (0, 3))]
EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("i,i->", [(3,), (3,)]), ("ij->j", [(2, 3)]),
           ("ii->", [(3, 3)]), ("ii->i", [(3, 3)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
           ("i,j->ij", [(2,), (3,)]), ("ij,ij->", [(2, 3), (2, 3)]), ("ijk->kji", [(2, 3, 4)]),
           ("ii,i->i", [(3, 3), (3,)]), ("iij->j", [(2, 2, 3)])]
_EINSUM = "the subscripts fix the operands' ranks: random shapes rarely fit (matmul is fuzzed)"
_CONST = "a constant input (class labels, probabilities): programs pass tensors"
_THREE = "three inputs: programs compose ops of one or two"
_MAXIMUM_TIE = (({}, (0.0, 0.0), (0.5, 0.5)),)     # ties split the gradient evenly


def _reductions():
    return [
        reduction("sum", "sum"),
        reduction("mean", "mean", nonempty=True),
        reduction("prod", "prod"),
        reduction("amax", "amax", nonempty=True, kink=_kink_along(True),
                  conventions=(({"dim": None, "keep": False}, ([1.0, 3.0, 3.0, 2.0],),
                                ([0.0, 0.5, 0.5, 0.0],)),)),
        reduction("amin", "amin", nonempty=True, kink=_kink_along(False),
                  conventions=(({"dim": None, "keep": False}, ([1.0, -3.0, -3.0, 2.0],),
                                ([0.0, 0.5, 0.5, 0.0],)),)),
        reduction("logsumexp", "logsumexp", nonempty=True),
        reduction("var", "var", extra=({"corr": 1}, {"corr": 0}), min_count=lambda p: p["corr"],
                  expr="{x}.var({dim}, keepdim={keep}, correction={corr})"),
        reduction("std", "std", extra=({"corr": 1}, {"corr": 0}), min_count=lambda p: p["corr"],
                  expr="{x}.std({dim}, keepdim={keep}, correction={corr})",
                  # d std = 0 where std = 0 (PyTorch), e.g. at a constant vector: a kink
                  kink=_std_kink,
                  conventions=(({"dim": None, "keep": False, "corr": 1}, ([1.5, 1.5, 1.5],),
                                ([0.0, 0.0, 0.0],)),)),
        Case("max", "{x}.max()", _one(REDUCE_SHAPES), out_shape=_nonempty_full,
             kink=lambda xs, p: gap_top2(xs[0]),
             conventions=(({}, ([1.0, 3.0, 3.0, 2.0],), ([0.0, 0.5, 0.5, 0.0],)),)),
        Case("min", "{x}.min()", _one(REDUCE_SHAPES), out_shape=_nonempty_full,
             kink=lambda xs, p: gap_top2(xs[0], largest=False)),
        # max(dim) / min(dim): the gradient goes to the returned index, also on ties
        reduction("max_dim", "max", nonempty=True, dims=lambda s: list(range(len(s))) + [-1]
                  if s else [], expr="{x}.max({dim}, keepdim={keep}).values",
                  kink=_kink_along(True),
                  conventions=(({"dim": 1, "keep": False}, ([[3.0, 3.0], [1.0, 2.0]],),
                                ([[1.0, 0.0], [0.0, 1.0]],)),)),
        reduction("min_dim", "min", nonempty=True, dims=lambda s: list(range(len(s))) + [-1]
                  if s else [], expr="{x}.min({dim}, keepdim={keep})[0]",
                  kink=_kink_along(False)),
        Case("vector_norm", "tg.linalg.vector_norm({x}, {ord}, dim={dim}, keepdim={keep})",
             _one([(5,), (2, 3), (1, 3), (0, 3), (3, 4, 2)]), params=_vector_norm_params,
             out_shape=_vector_norm_shape, kink=_vector_norm_kink,
             # PyTorch: the gradient of any norm at the zero vector is 0
             conventions=tuple(({"ord": o, "dim": None, "keep": False}, ([0.0, 0.0, 0.0],),
                                ([0.0, 0.0, 0.0],)) for o in (2, 3, 1, np.inf)),
             ref=_np_vector_norm),
        Case("norm", "tg.linalg.norm({x})", _one(UNARY_SHAPES),
             out_shape=lambda s, p: (), kink=lambda xs, p: near(np.sqrt((xs[0] ** 2).sum()))),
        Case("norm_vector_ord", "tg.linalg.norm({x}, ord={ord})", _one([(5,)]),
             params=lambda s: [{"ord": o} for o in VECTOR_ORDS],
             out_shape=lambda s, p: () if len(s[0]) == 1 and (s[0][0] or np.isfinite(p["ord"]))
             else None,                # (the ±inf-norm of no elements is undefined)
             kink=lambda xs, p: _vector_norm_kink(xs, dict(p, dim=None)),
             ref=lambda x, ord: np.linalg.norm(x, ord)),
        Case("norm_matrix_ord", "tg.linalg.norm({x}, ord={ord})", _one([(3, 4)]), ("svd",),
             params=lambda s: [{"ord": o} for o in MATRIX_ORDS], kink=_matrix_norm_kink,
             ref=lambda x, ord: np.linalg.norm(x, ord), tol2=dict(atol=1e-6, rtol=1e-4),
             fuzz="the ords 2, -2 and nuc need distinct singular values"),
        Case("matrix_norm", "tg.linalg.matrix_norm({x}, {ord}, keepdim={keep})",
             _one([(3, 4), (2, 3, 3), (4, 2)]), ("svd",),
             params=lambda s: [{"ord": o, "keep": k} for o in MATRIX_ORDS for k in (False, True)],
             kink=_matrix_norm_kink, fuzz="the ords 2, -2 and nuc need distinct singular values",
             ref=lambda x, ord, keep: np.linalg.norm(x, ord, (-2, -1), keep),
             tol2=dict(atol=1e-6, rtol=1e-4)),
    ]


def _cases():
    e = elementwise
    cases = [
        e("neg", "(-{x})"),
        e("exp", "{x}.exp()"),
        e("log", "{x}.log()", ("positive",)),
        e("log1p", "{x}.log1p()", ("positive",)),
        e("expm1", "{x}.expm1()"),
        e("sqrt", "{x}.sqrt()", ("positive",),
          conventions=(({}, (0.0,), (np.inf,)),)),       # 1 / (2 sqrt x) = inf at 0
        e("square", "{x}.square()"),
        e("sin", "{x}.sin()"),
        e("cos", "{x}.cos()"),
        e("tanh", "{x}.tanh()"),
        e("sigmoid", "{x}.sigmoid()"),
        e("softplus", "{x}.softplus()"),
        e("relu", "{x}.relu()", kink=lambda xs, p: near(xs[0]),
          conventions=(({}, (0.0,), (0.0,)),)),        # relu'(0) = 0
        e("abs", "{x}.abs()", kink=lambda xs, p: near(xs[0]),
          conventions=(({}, (0.0,), (0.0,)),)),        # d|x| = sign(x) = 0 at 0
        e("sign", "({x}.sign() * {x})", kink=lambda xs, p: near(xs[0])),
        Case("clip", "{x}.clip({lo}, {hi})", _one(UNARY_SHAPES),
             params=lambda s: [{"lo": -1.0, "hi": 1.0}, {"lo": -0.5, "hi": 0.5},
                               {"lo": 0.0, "hi": 1.0}, {"lo": 0.0, "hi": None},
                               {"lo": None, "hi": 0.5}],
             out_shape=lambda s, p: s[0], kink=_clip_kink,
             # the gradient passes where lo <= x <= hi, bounds included
             conventions=(({"lo": 0.0, "hi": 1.0}, (0.0,), (1.0,)),
                          ({"lo": 0.0, "hi": 1.0}, (1.0,), (1.0,)))),
        e("pow3", "({x} ** 3)"),
        e("pow2", "({x} ** 2)"),
        e("pow0", "({x} ** 0)"),
        e("pow_half", "({x} ** 0.5)", ("positive",)),
        e("pow_3.5", "({x} ** 3.5)", ("positive",)),
        e("rpow", "(2.0 ** {x})"),
        e("rsub", "(1.0 - {x})"),
        e("rdiv", "(1.0 / {x})", ("nonzero",)),
        e("clone", "{x}.clone()"),
        e("double", "{x}.double()", fuzz_dtypes=("float32",)),
        e("cast_roundtrip", "{x}.float().double()",
          fuzz="float32 rounding inside a float64 program is noise to central differences",
          tol=dict(eps=1e-3, atol=1e-5, rtol=1e-3), tol2=dict(eps=1e-3, atol=1e-5, rtol=1e-3)),
        e("lgamma", "tg.lgamma({x})", ("positive",)),
        e("lgamma_negative", "tg.lgamma({x})", ("off_poles",), shapes=_one([(3,), (2, 2)]),
          fuzz="needs values away from the poles at 0, -1, -2, ..."),
        e("digamma", "tg.digamma({x})", ("positive",)),
        Case("polygamma", "tg.polygamma({n}, {x})", _one(UNARY_SHAPES), ("positive",),
             params=lambda s: [{"n": 1}, {"n": 2}], out_shape=lambda s, p: s[0]),
        # binary elementwise, broadcasting
        e("add", "({x} + {y})", ("real", "real"), mixed=True, scalars=True),
        e("sub", "({x} - {y})", ("real", "real"), mixed=True, scalars=True),
        e("mul", "({x} * {y})", ("real", "real"), mixed=True, scalars=True),
        e("div", "({x} / {y})", ("real", "nonzero"), mixed=True, scalars=True),
        e("pow", "({x} ** {y})", ("positive", "real"), mixed=True, scalars=True,
          # d(x**y)/dx = 0 where y == 0, d(x**y)/dy = 0 where x == 0 (PyTorch)
          conventions=(({}, (0.0, 0.0), (0.0, 0.0)), ({}, (0.0, 2.0), (0.0, 0.0)))),
        e("maximum", "tg.maximum({x}, {y})", ("real", "real"), mixed=True,
          kink=lambda xs, p: near(np.subtract(xs[0], xs[1])), conventions=_MAXIMUM_TIE),
        e("minimum", "tg.minimum({x}, {y})", ("real", "real"), mixed=True,
          kink=lambda xs, p: near(np.subtract(xs[0], xs[1])), conventions=_MAXIMUM_TIE),
        e("where", "tg.where({x} > 0, {x}, {y})", ("real", "real"), mixed=True,
          kink=lambda xs, p: near(xs[0])),
    ]
    cases += _reductions()
    cases += [
        # shape ops
        Case("reshape", "{x}.reshape({shape})", _one(UNARY_SHAPES + [(2, 1, 3, 2)]),
             params=_reshape_params, out_shape=_reshape_shape),
        Case("view", "{x}.view({shape})", _one([(2, 1, 3), (6,)]),
             params=lambda s: [{"shape": (3, 2)}], out_shape=lambda s, p: p["shape"]
             if int(np.prod(s[0])) == 6 else None),
        Case("flatten", "{x}.flatten()", _one(UNARY_SHAPES),
             out_shape=lambda s, p: (int(np.prod(s[0])),)),
        Case("T", "{x}.T", _one(UNARY_SHAPES), out_shape=lambda s, p: tuple(reversed(s[0]))),
        Case("mT", "{x}.mT", _one([(2, 3), (2, 1, 3), (0, 3)]),
             out_shape=lambda s, p: s[0][:-2] + s[0][-2:][::-1] if len(s[0]) >= 2 else None),
        Case("unsqueeze", "{x}.unsqueeze({dim})", _one(UNARY_SHAPES),
             params=lambda s: [{"dim": d} for d in (0, len(s[0]), -1)],
             out_shape=lambda s, p: None if len(s[0]) >= 4 else
             s[0][:p["dim"] % (len(s[0]) + 1)] + (1,) + s[0][p["dim"] % (len(s[0]) + 1):]),
        Case("squeeze", "{x}.squeeze({dim})", _one([(2, 1, 3), (1, 3), (1,), (1, 1)]),
             params=_squeeze_params, out_shape=_squeeze_shape),
        Case("permute", "{x}.permute({dims})", _one([(2, 1, 3), (2, 3), (3, 4, 2)]),
             params=_permute_params,
             out_shape=lambda s, p: tuple(s[0][d] for d in p["dims"])
             if len(p["dims"]) == len(s[0]) else None),
        Case("transpose", "{x}.transpose({d0}, {d1})", _one([(2, 1, 3), (2, 3), (0, 3)]),
             params=lambda s: [{"d0": 0, "d1": -1}], out_shape=_transpose_shape),
        Case("expand", "{x}.expand({y}.shape)",
             [((2, 1, 3), (4, 2, 5, 3)), ((3,), (2, 3)), ((), (2, 2)), ((1, 3), (0, 3))],
             ("real", "real"), out_shape=_expand_shape),
        Case("getitem", "{x}[{index}]", _one([(3, 4), (5,), (2, 3, 4)]),
             params=lambda s: [{"index": i} for i in INDICES],
             out_shape=_numpy_shape(lambda a, index: a[index]),
             ref=lambda a, index: a[index]),
        Case("cat", "tg.cat([{x}, {y}], dim={dim})",
             [((2, 3), (2, 3)), ((2, 3), (4, 3)), ((0, 3), (2, 3)), ((3,), (2,))],
             ("real", "real"), params=lambda s: [{"dim": d} for d in (0, 1, -1)],
             out_shape=_cat_shape, ref=lambda a, b, dim: np.concatenate([a, b], dim)),
        Case("stack", "tg.stack([{x}, {y}], dim={dim})",
             [((2, 3), (2, 3)), ((), ()), ((0, 3), (0, 3))], ("real", "real"),
             params=lambda s: [{"dim": d} for d in (0, 1, -1)], out_shape=_stack_shape,
             ref=lambda a, b, dim: np.stack([a, b], dim)),
        Case("assign", "assign({x}, {index}, {y})",
             [((4,), ()), ((3, 4), (4,)), ((3, 4), (2, 1))], ("real", "real"),
             params=lambda s: [{"index": i} for i in (1, slice(1, 3), (slice(None), 2), [0, 2])],
             out_shape=_assign_shape, fuzz="index and value shapes rarely fit"),
        Case("assign_self", "assign({x}, 1, {x}[0] * {x}[2])", _one([(4,), (3, 2)]),
             out_shape=lambda s, p: s[0] if s[0] and s[0][0] >= 3 else None),
        # linear algebra
        Case("matmul", "({x} @ {y})", MATMUL_SHAPES, ("real", "real"),
             out_shape=lambda s, p: matmul_shape(*s), ref=np.matmul, mixed=True),
        Case("matmul_T", "({x} @ {y}.mT)", [((2, 3), (4, 3)), ((5, 2, 3), (2, 3))],
             ("real", "real"),
             out_shape=lambda s, p: matmul_shape(s[0], s[1][:-2] + s[1][-2:][::-1])
             if len(s[1]) >= 2 else None),
        Case("dot", "tg.dot({x}, {y})", [((4,), (4,)), ((0,), (0,))], ("real", "real"),
             out_shape=lambda s, p: () if len(s[0]) == 1 and s[0] == s[1] else None,
             ref=np.dot),
        Case("outer", "tg.outer({x}, {y})", [((4,), (3,)), ((1,), (0,))], ("real", "real"),
             out_shape=lambda s, p: s[0] + s[1] if len(s[0]) == len(s[1]) == 1 else None,
             ref=np.outer),
        Case("trace", "tg.trace({x})", _one([(3, 3), (3, 4), (0, 0)]),
             out_shape=lambda s, p: () if len(s[0]) == 2 else None, ref=np.trace),
        Case("diag", "tg.diag({x}, {k})", _one([(4,), (3, 3), (3, 4), (4, 3)]),
             params=lambda s: [{"k": k} for k in (0, 1, -1)],
             out_shape=_numpy_shape(lambda a, k: np.diag(a, k)),
             ref=lambda a, k: np.diag(a, k)),
        Case("svdvals", "tg.linalg.svdvals({x})", _one([(3, 3), (4, 2), (2, 4), (2, 3, 2)]),
             ("svd",), ref=lambda a: np.linalg.svd(a, compute_uv=False),
             fuzz="needs distinct singular values", tol2=dict(atol=1e-6, rtol=1e-4)),
        Case("inv", "tg.linalg.inv({x})", _one([(3, 3), (2, 3, 3)]), ("matrix",),
             ref=np.linalg.inv, fuzz="needs well-conditioned matrices"),
        Case("det", "tg.linalg.det({x})", _one([(3, 3), (2, 3, 3)]), ("matrix",),
             ref=np.linalg.det, fuzz="needs well-conditioned matrices"),
        Case("logabsdet", "tg.linalg.slogdet({x}).logabsdet", _one([(3, 3), (2, 3, 3)]),
             ("matrix",), ref=lambda a: np.linalg.slogdet(a)[1],
             fuzz="needs well-conditioned matrices"),
        Case("solve", "tg.linalg.solve({x}, {y})",
             [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2)), ((2, 3, 3), (3,))],
             ("matrix", "real"), fuzz="needs well-conditioned matrices"),
        Case("solve_right", "tg.linalg.solve({x}, {y}, left=False)", [((3, 3), (2, 3))],
             ("matrix", "real"), fuzz="needs well-conditioned matrices"),
        Case("cholesky", f"tg.linalg.cholesky({_spd('{x}')}, upper={{upper}})",
             _one([(3, 3), (2, 3, 3), (3, 2)]), params=lambda s: [{"upper": False},
                                                                  {"upper": True}],
             fuzz="values of random programs make the matrix ill-conditioned"),
    ]
    cases += [_einsum(spec, shapes) for spec, shapes in EINSUMS]
    cases += [
        # softmax family and losses
        Case("log_softmax", "F.log_softmax({x}, dim={dim})",
             _one([(4, 3), (3,), (), (2, 1, 3), (0, 3)]),
             params=lambda s: [{"dim": d} for d in ((-1, 0) if s[0] else (-1,))],
             out_shape=lambda s, p: s[0]),
        Case("softmax", "F.softmax({x}, dim={dim})",
             _one([(4, 3), (3,), (), (2, 1, 3), (0, 3)]),
             params=lambda s: [{"dim": d} for d in ((-1, 0) if s[0] else (-1,))],
             out_shape=lambda s, p: s[0]),
        Case("cross_entropy", "F.cross_entropy({x}, {y}, reduction={reduction})",
             [((4, 3), (4,)), ((1, 3), (1,))], ("real", "labels3"),
             params=lambda s: [{"reduction": r} for r in ("mean", "sum", "none")],
             fuzz=_CONST),
        Case("cross_entropy_probs", "F.cross_entropy({x}, {y})",
             [((4, 3), (4, 3)), ((3,), (3,))], ("real", "probs"), fuzz=_CONST),
        Case("nll_loss", "F.nll_loss({x}, {y}, reduction={reduction}, ignore_index={ignore})",
             [((4, 3), (4,)), ((3,), ())], ("real", "labels3"),
             # ignore_index=1 on one row could ignore every row: a mean over none is nan
             params=lambda s: [{"reduction": r, "ignore": i} for r in ("mean", "sum", "none")
                               for i in ((-100, 1) if len(s[0]) == 2 else (-100,))],
             fuzz=_CONST),
        Case("bce_logits", "F.binary_cross_entropy_with_logits({x}, {y}, reduction={reduction})",
             [((4, 3), (4, 3)), ((), ())], ("real", "unit"),
             params=lambda s: [{"reduction": r} for r in ("mean", "sum", "none")],
             out_shape=lambda s, p: (s[0] if p["reduction"] == "none" else ())
             if s[0] == s[1] else None),
        Case("bce_logits_labels", "F.binary_cross_entropy_with_logits({x}, {y})",
             [((4, 3), (4, 3))], ("real", "binary"), fuzz=_CONST),
        Case("mse_loss", "F.mse_loss({x}, {y})", [((4, 3), (4, 3)), ((), ())], ("real", "real"),
             out_shape=lambda s, p: () if s[0] == s[1] else None),
        # distributions with ops of their own (MultivariateNormal: TriSolve) or special functions
        Case("mvn_log_prob", "tg.distributions.MultivariateNormal({x}, scale_tril={y}, "
             "validate_args=False).log_prob({z})",
             [((3,), (3, 3), (3,)), ((2, 3), (3, 3), (4, 1, 3)), ((3,), (2, 3, 3), (3,))],
             ("real", "lower", "real"), fuzz=_THREE),
        Case("mvn_log_prob_cov", "tg.distributions.MultivariateNormal({x}, covariance_matrix="
             f"{_spd('{y}')}, validate_args=False).log_prob({{z}})",
             [((3,), (3, 3), (3,)), ((2, 3), (3, 2), (3,))], ("real", "real", "real"),
             fuzz=_THREE),
        Case("gamma_log_prob", "tg.distributions.Gamma({x}, {y}).log_prob({z})",
             [((3,), (3,), (3,)), ((2, 1), (3,), ())], ("positive", "positive", "positive"),
             fuzz=_THREE),
        Case("beta_log_prob", "tg.distributions.Beta({x}, {y}).log_prob({z})",
             [((3,), (3,), (3,))], ("positive", "positive", "unit"), fuzz=_THREE),
        # an exact zero inside prod: the gradient is the product of the others
        Case("prod_with_zeros", "{x}.prod({dim})", _one([(3, 3), (4,)]), ("with_zeros",),
             params=lambda s: [{"dim": None}, {"dim": 0}], fuzz="inputs need exact zeros"),
    ]
    # more of the table, by topic: tests/op_cases_*.py, each with cases() -> [Case, ...]
    for path in sorted(pathlib.Path(__file__).parent.glob("op_cases_*.py")):
        cases += importlib.import_module(path.stem).cases()
    return cases


CASES = _cases()
BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "duplicate case names"


def items(cases=CASES):
    """(case, shapes, params) for every applicable combination, in table order."""
    out = []
    for c in cases:
        for shapes in c.shapes:
            shapes = tuple(tuple(s) for s in shapes)
            for p in c.param_list(shapes):
                if c.applies(shapes, p):
                    out.append((c, shapes, p))
    return out


def second_order_items():
    """items() of the cases whose second derivatives are checked."""
    return items([c for c in CASES if c.second_order is True])


def make(case, shapes, p, dtype=np.float64):
    """The function and the (seeded) inputs of one check."""
    rng = np.random.default_rng(seed(*case.key(shapes, p)))
    return case.compile(p), case.inputs(shapes, p, rng, dtype)


def fuzz_cases():
    return [c for c in CASES if c.fuzzable]


def node_classes(*outputs):
    """Names of the op classes in the graphs of `outputs`: every node reachable through
    grad_fn and node.edges."""
    seen, stack, names = set(), [o.grad_fn for o in outputs if o.grad_fn is not None], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        names.add(type(node).__name__)
        stack += [e for e in node.edges if e is not None and not isinstance(e, tg.Tensor)]
    return names
