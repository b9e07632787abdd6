"""Op-table cases of tinygrad_ku/methods/indexing.py: gather, scatter*, index_select, masks,
flip, roll, repeat / tile and the views t, narrow, split, chunk.

Index arrays and masks are parameters drawn (seeded) from the input shapes, so the fuzzer
can use them on its shapes too. A scatter index repeats no position along dim: where it
does, one write wins and central differences see only that one, while PyTorch's gradient
(kept here, see test_indexing_methods.py) gives every src element its position's gradient.
"""
import numpy as np

from op_table import Case, UNARY_SHAPES, seed
from tinygrad_ku.ops.index import along


class _Empty(str):
    """A 0-size array parameter. The table prints an ndarray as its nested list, which loses
    the shape and dtype of an empty one: this prints the np.zeros call that makes it."""
    def __new__(cls, a):
        s = super().__new__(cls, f"np.zeros({a.shape}, np.{a.dtype.name})")
        s.array = a
        return s

    __repr__ = str.__str__


def _param(a):
    return _Empty(a) if a.size == 0 else a


def _arr(v):
    return v.array if isinstance(v, _Empty) else np.asarray(v)


def _one(shapes):
    return [(s,) for s in shapes]


def _dims(nd):
    return [0] if nd == 0 else list(range(nd)) + ([-1] if nd >= 2 else [])


def _rng(*key):
    return np.random.default_rng(seed("indexing", *key))


def _draw(rng, limit, dim, n, along, unique=False):
    """An index with sizes in [1, limit] outside dim (0 where the limit is 0), `along` entries
    along dim, values in [0, n) (distinct along dim when unique)."""
    if n == 0:
        along = 0
    elif unique:
        along = min(along, n)
    shape = tuple(along if a == dim else int(rng.integers(1, m + 1)) if m else 0
                  for a, m in enumerate(limit))
    if unique and n:
        full = shape[:dim] + (n,) + shape[dim + 1:]
        return np.argsort(rng.random(full), axis=dim).take(range(along), axis=dim)
    return rng.integers(0, max(n, 1), shape)


def _gather_params(s):
    shape = s[0]
    if not shape:
        return [{"dim": 0, "index": np.array(0)}, {"dim": -1, "index": np.array([0, 0])}]
    out = []
    for d in _dims(len(shape)):
        rng = _rng("gather", shape, d)
        out.append({"dim": d, "index": _param(_draw(rng, shape, d % len(shape), shape[d],
                                                    int(rng.integers(1, 5))))})
    return out


def _np_gather(a, dim, index):
    if a.ndim == 0:
        return np.broadcast_to(a, index.shape).copy()
    return a[along(index, dim % a.ndim)]


def _scatter_params(key, unique):
    def params(s):
        x, src = s[0], s[1] or (1,)     # a 0-d src counts as 1-D
        if max(len(x), 1) != len(src):
            return []
        if not x:
            return [{"dim": 0, "index": np.array(0) if src[0] else _param(np.zeros(0, int))}]
        out = []
        for d in _dims(len(x)):
            a = d % len(x)
            rng = _rng(key, x, src, d)
            limit = tuple(min(m, k) if i != a else 0 for i, (m, k) in enumerate(zip(x, src)))
            along_ = int(rng.integers(1, 4)) if src[a] else 0
            index = _draw(rng, limit, a, x[a], min(along_, src[a]), unique)
            out.append({"dim": d, "index": _param(index)})
        return out
    return params


def _scatter_shape(s, p):
    return s[0] if max(len(s[0]), 1) == max(len(s[1]), 1) else None


# scatter wants src of self's dtype (PyTorch); float32 programs mix in float64 (.double())
SAME_DTYPE = ("float64",)
SCATTER_SHAPES = [((3, 4), (2, 4)), ((3, 4), (3, 5)), ((2, 3, 4), (2, 3, 4)), ((5,), (3,)),
                  ((), ()), ((1, 3), (1, 3)), ((0, 3), (2, 3)), ((2, 3), (2, 0))]


def _tie_gap(largest):
    """Smallest gap between the winner and the runner-up at each position of scatter_reduce
    amax / amin (ties: the even-share convention)."""
    def kink(xs, p):
        x, src = np.atleast_1d(np.asarray(xs[0], float)), np.atleast_1d(np.asarray(xs[1], float))
        index = np.atleast_1d(_arr(p["index"]))
        if not index.size:
            return np.inf
        at = along(index, p["dim"] % x.ndim)
        targets = np.ravel_multi_index(np.broadcast_arrays(*at), x.shape).ravel()
        values = src[tuple(slice(0, n) for n in index.shape)].ravel()
        gap = np.inf
        for t in np.unique(targets):
            group = list(values[targets == t]) + ([x.ravel()[t]] if p["inc"] else [])
            if len(group) > 1:
                g = np.sort(group)
                gap = min(gap, (g[-1] - g[-2]) if largest else (g[1] - g[0]))
        return gap
    return kink


def _scatter_reduce(reduce, **kw):
    params = _scatter_params("scatter_reduce", unique=False)
    return Case(f"scatter_reduce_{reduce}",
                "{x}.scatter_reduce({dim}, {index}, {y}, %r, include_self={inc})" % reduce,
                SCATTER_SHAPES, ("real", "real"),
                params=lambda s: [dict(q, inc=inc) for q in params(s) for inc in (True, False)],
                out_shape=_scatter_shape, fuzz_dtypes=SAME_DTYPE, **kw)


# scatter_reduce at ties and zeros, 1-D: x (4,), index [0, 0, 1, 1, 2], src (5,)
_REDUCE_AT = {"dim": 0, "index": np.array([0, 0, 1, 1, 2])}
# PyTorch 2.13 gives these gradients of .sum(): amax / amin share ties evenly (self included)
_AMAX_TIES = ((dict(_REDUCE_AT, inc=True), ([1.0, 3.0, 0.0, 5.0], [3.0, 3.0, 3.0, 2.0, -1.0]),
               ([0.0, 0.5, 1.0, 1.0], [0.5, 0.5, 0.5, 0.0, 0.0])),)
_AMIN_TIES = ((dict(_REDUCE_AT, inc=True), ([1.0, 3.0, 0.0, 5.0], [1.0, 1.0, 3.0, 2.0, -1.0]),
               ([1 / 3, 0.0, 0.0, 1.0], [1 / 3, 1 / 3, 0.0, 1.0, 1.0])),)
# prod: a lone zero gets the product of the others; two zeros give everyone 0
_PROD_ZEROS = ((dict(_REDUCE_AT, inc=True), ([2.0, 0.0, 3.0, 5.0], [0.0, 4.0, 3.0, 2.0, 0.0]),
                ([0.0, 6.0, 0.0, 1.0], [8.0, 0.0, 0.0, 0.0, 3.0])),
               (dict(_REDUCE_AT, inc=False), ([2.0, 0.0, 3.0, 5.0], [0.0, 0.0, 3.0, 2.0, 0.0]),
                ([0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 2.0, 3.0, 1.0])))


def _index_select_params(s):
    shape = s[0]
    out = []
    for d in _dims(len(shape)):
        n = shape[d] if shape else 1
        rng = _rng("index_select", shape, d)
        index = rng.integers(0, max(n, 1), int(rng.integers(1, 5)) if n else 0)
        out.append({"dim": d, "index": _param(index)})
    return out


def _index_select_shape(s, p):
    shape, index = s[0], _arr(p["index"])
    if not shape:
        return ()
    d = p["dim"] % len(shape)
    return shape[:d] + (index.size,) + shape[d + 1:]


def _mask_params(s):
    shape = s[0]
    rng = _rng("mask", shape)
    out = [{"mask": _param(rng.random(shape) < 0.5), "value": 0.5}]
    if shape:                          # a mask that broadcasts: the last dim only
        out.append({"mask": _param(rng.random(shape[-1:]) < 0.5), "value": -1.5})
    return out


def _masked_select_shape(s, p):
    return (int(np.broadcast_to(_arr(p["mask"]), s[0]).sum()),)


def _take_params(s):
    shape = s[0]
    rng = _rng("take_along_dim", shape)
    size = int(np.prod(shape))
    out = [{"dim": None, "index": _param(rng.integers(0, max(size, 1), 3 if size else 0))}]
    for d in _dims(len(shape)) if shape else []:
        a, n = d % len(shape), shape[d]
        ishape = tuple((int(rng.integers(1, 4)) if n else 0) if i == a else
                       (1 if rng.random() < 0.5 else m) for i, m in enumerate(shape))
        out.append({"dim": d, "index": _param(rng.integers(0, max(n, 1), ishape))})
    return out


def _take_ref(a, index, dim):
    return np.take_along_axis(a, index.reshape(-1) if dim is None else index, dim)


def _flip_params(s):
    nd = len(s[0])
    dims = [(), (0,)] + ([(-1,)] if nd else []) + ([(0, -1)] if nd >= 2 else [])
    return [{"dims": d} for d in dims]


def _roll_params(s):
    nd = len(s[0])
    out = [{"shifts": 1, "dims": None}, {"shifts": -7, "dims": None}]
    if nd:
        out.append({"shifts": (2,), "dims": (-1,)})
    if nd >= 2:
        out.append({"shifts": (1, -1, 1), "dims": (0, 1, 0)})
    return out


def _repeat_params(s):
    nd = len(s[0])
    return [{"sizes": (2,) * nd}, {"sizes": (3,) + (1,) * nd}, {"sizes": (1, 0) + (2,) * nd}]


def _tile_params(s):
    nd = len(s[0])
    return [{"dims": (2,)}, {"dims": (2, 1) + (3,) * nd}] + ([{"dims": ()}] if nd else [])


def _narrow_params(s):
    out = []
    for d in _dims(len(s[0])) if s[0] else []:
        n = s[0][d]
        starts = [(0, n), (n, 0)] + ([(-1, 1), (n // 2, 1)] if n else [])
        out += [{"dim": d, "start": st, "length": ln} for st, ln in starts]
    return out


def _narrow_shape(s, p):
    shape, d = s[0], p["dim"] % len(s[0])
    return shape[:d] + (p["length"],) + shape[d + 1:]


def _split_params(s):
    shape = s[0]
    if not shape:
        return []
    out = [{"size": k, "dim": d} for d in _dims(len(shape)) for k in (1, 2)]
    if shape[-1]:                      # sizes, one of them 0
        out.append({"size": [1, 0, shape[-1] - 1], "dim": -1})
    return out


def cases():
    shapes_3d = UNARY_SHAPES + [(3, 4, 2)]
    nd1 = [(3,), (2, 3), (1, 3), (0, 3), (3, 4, 2)]
    return [
        Case("gather", "{x}.gather({dim}, {index})",
             _one([(3, 4), (2, 3, 4), (5,), (), (1, 3), (0, 3), (3, 0)]), params=_gather_params,
             out_shape=lambda s, p: np.shape(_arr(p["index"])),
             ref=lambda a, dim, index: _np_gather(a, dim, _arr(index))),
        Case("take_along_dim", "{x}.take_along_dim({index}, {dim})",
             _one([(3, 4), (2, 3, 4), (5,), (), (1, 3), (0, 3)]), params=_take_params,
             out_shape=lambda s, p: _take_ref(np.zeros(s[0]), _arr(p["index"]), p["dim"]).shape,
             ref=lambda a, index, dim: _take_ref(a, _arr(index), dim)),
        Case("scatter", "{x}.scatter({dim}, {index}, {y})", SCATTER_SHAPES, ("real", "real"),
             params=_scatter_params("scatter", unique=True), out_shape=_scatter_shape,
             fuzz_dtypes=SAME_DTYPE),
        Case("scatter_value", "{x}.scatter({dim}, {index}, 2.5)",
             _one([(3, 4), (2, 3, 4), (5,), (), (0, 3)]),
             params=lambda s: _scatter_params("scatter_value", True)((s[0], s[0])),
             out_shape=lambda s, p: s[0]),
        Case("scatter_", "({x} * 1.0).scatter_({dim}, {index}, {y})", SCATTER_SHAPES,
             ("real", "real"), params=_scatter_params("scatter", unique=True),
             out_shape=_scatter_shape, fuzz_dtypes=SAME_DTYPE),
        Case("scatter_add", "{x}.scatter_add({dim}, {index}, {y})", SCATTER_SHAPES,
             ("real", "real"), params=_scatter_params("scatter_add", unique=False),
             out_shape=_scatter_shape, fuzz_dtypes=SAME_DTYPE),
        Case("scatter_add_", "({x} * 1.0).scatter_add_({dim}, {index}, {y})", SCATTER_SHAPES,
             ("real", "real"), params=_scatter_params("scatter_add", unique=False),
             out_shape=_scatter_shape, fuzz_dtypes=SAME_DTYPE),
        _scatter_reduce("sum"),
        _scatter_reduce("mean"),
        _scatter_reduce("prod", conventions=_PROD_ZEROS),
        _scatter_reduce("amax", kink=_tie_gap(True), conventions=_AMAX_TIES),
        _scatter_reduce("amin", kink=_tie_gap(False), conventions=_AMIN_TIES),
        Case("index_select", "{x}.index_select({dim}, {index})",
             _one([(3, 4), (2, 3, 4), (5,), (), (1, 3), (0, 3)]), params=_index_select_params,
             out_shape=_index_select_shape),
        Case("masked_fill", "{x}.masked_fill({mask}, {value})", _one(shapes_3d),
             params=_mask_params, out_shape=lambda s, p: s[0],
             ref=lambda a, mask, value: np.where(_arr(mask), value, a)),
        Case("masked_fill_", "({x} * 1.0).masked_fill_({mask}, {value})", _one(shapes_3d),
             params=_mask_params, out_shape=lambda s, p: s[0]),
        Case("masked_fill_tensor", "{x}.masked_fill({mask}, {y})",
             [((3, 4), ()), ((2, 1, 3), ()), ((), ()), ((0, 3), ())], ("real", "real"),
             params=lambda s: _mask_params(s[:1]),
             out_shape=lambda s, p: s[0] if s[1] == () else None),
        Case("masked_select", "{x}.masked_select({mask})", _one(shapes_3d), params=_mask_params,
             out_shape=_masked_select_shape,
             ref=lambda a, mask, value: a[np.broadcast_to(_arr(mask), a.shape)]),
        Case("flip", "{x}.flip({dims})", _one(shapes_3d), params=_flip_params,
             out_shape=lambda s, p: s[0],
             ref=lambda a, dims: np.flip(a, dims) if a.ndim else a),
        Case("fliplr", "{x}.fliplr()", _one([(2, 3), (2, 1, 3), (0, 3)]),
             out_shape=lambda s, p: s[0] if len(s[0]) >= 2 else None, ref=np.fliplr),
        Case("flipud", "{x}.flipud()", _one(nd1),
             out_shape=lambda s, p: s[0] if s[0] else None, ref=np.flipud),
        Case("roll", "{x}.roll({shifts}, {dims})", _one(shapes_3d), params=_roll_params,
             out_shape=lambda s, p: s[0],
             ref=lambda a, shifts, dims: np.roll(a, shifts, dims)),
        Case("repeat", "{x}.repeat({sizes})", _one(shapes_3d), params=_repeat_params,
             out_shape=lambda s, p: np.tile(np.zeros(s[0]), p["sizes"]).shape,
             ref=lambda a, sizes: np.tile(a, sizes)),
        Case("tile", "{x}.tile({dims})", _one(shapes_3d), params=_tile_params,
             out_shape=lambda s, p: np.tile(np.zeros(s[0]), p["dims"]).shape,
             ref=lambda a, dims: np.tile(a, dims)),
        Case("t", "{x}.t()", _one(UNARY_SHAPES),
             out_shape=lambda s, p: s[0][::-1] if len(s[0]) <= 2 else None),
        Case("narrow", "{x}.narrow({dim}, {start}, {length})", _one(nd1),
             params=_narrow_params, out_shape=_narrow_shape),
        Case("split", "tg.cat({x}.split({size}, {dim})[::-1], {dim})", _one(nd1),
             params=_split_params, out_shape=lambda s, p: s[0]),
        Case("chunk", "tg.cat({x}.chunk({chunks}, {dim})[::-1], {dim})", _one(nd1),
             params=lambda s: [{"chunks": k, "dim": d} for d in _dims(len(s[0])) if s[0]
                               for k in (1, 2, 4)],
             out_shape=lambda s, p: s[0]),
    ]
