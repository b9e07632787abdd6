"""Op-table cases of the scans, sorting and order statistics (tinygrad_ku/ops/scan.py and the
methods of tinygrad_ku/methods/scan.py). Test points keep away from ties (the kinks of every
selection); the tie conventions are the `conventions` here (PyTorch 2.13 gives the same
gradients) and tests/test_scan_methods.py."""
import numpy as np

from op_table import DOMAINS, UNARY_SHAPES, Case, Domain, _one, _std_kink, group_size, \
    reduce_dims, reduced_shape

SHAPES = _one(UNARY_SHAPES + [(3, 4, 2)])


def _scattered_zeros(rng, shape):
    """Reals with about a third exact zeros: slices with none, one or several."""
    x = rng.uniform(-2, 2, shape)
    x[rng.random(shape) < 0.35] = 0.0
    return x


DOMAINS.setdefault("scattered_zeros", Domain(_scattered_zeros))


def _dims(s):
    return [{"dim": d} for d in ((0, 1, -1) if len(s[0]) >= 2 else (0, -1))]


def _last(x, dim):
    """x with dim moved last (a 0-d x as one element)."""
    x = np.asarray(x, np.float64)
    return np.moveaxis(x, dim, -1) if x.ndim else x.reshape(1)


def _min_nonzero(d):
    d = np.abs(d)
    d = d[d != 0]                      # exact ties: the documented convention, kept
    return d.min() if d.size else np.inf


def tie_gap(xs, p):
    """Distance to the nearest tie along dim (of all elements when dim is absent)."""
    dim = p.get("dim")
    x = np.ravel(xs[0]) if dim is None else _last(xs[0], dim)
    return _min_nonzero(np.diff(np.sort(x, -1), axis=-1)) if x.size else np.inf


def running_gap(largest):
    """Distance of each element to the running max (min) of those before it."""
    def kink(xs, p):
        x = _last(xs[0], p["dim"])
        if x.shape[-1] < 2 or not x.size:
            return np.inf
        run = (np.maximum if largest else np.minimum).accumulate(x, -1)
        return _min_nonzero(x[..., 1:] - run[..., :-1])
    return kink


def _along(fn):
    """A NumPy reference fn(x, axis) that also takes 0-d x."""
    return lambda x, dim, **_: fn(x.reshape(1), 0).reshape(()) if x.ndim == 0 else fn(x, dim)


def _same(s, p):
    return s[0]


def _size(s, dim):
    return s[dim] if s else 1


def _selected_shape(s, p):
    """topk's shape: k along dim."""
    if p["k"] > _size(s[0], p["dim"]):
        return None
    if not s[0]:
        return ()
    out = list(s[0])
    out[p["dim"]] = p["k"]
    return tuple(out)


def _topk_params(s):
    return [dict(d, k=k, largest=lg, sorted=st) for d in _dims(s)
            for k in sorted({min(1, _size(s[0], d["dim"])), _size(s[0], d["dim"])})
            for lg, st in ((True, True), (False, True), (True, False))]


def _reduced(s, p):
    """The shape of a reduction along dim that needs a non-empty dim (median(dim), ...)."""
    if s[0] and s[0][p["dim"]] == 0:
        return None
    return reduced_shape(s[0], p["dim"], p["keep"]) if s[0] else ()


def _keep_params(s):
    return [dict(d, keep=k) for d in _dims(s) for k in (False, True)]


def _kth_params(s):
    return [dict(d, k=k) for d in _keep_params(s)
            for k in sorted({1, (_size(s[0], d["dim"]) + 1) // 2, _size(s[0], d["dim"])})
            if k >= 1]


def _moment_params(s):
    return [{"dim": d, "keep": k, "corr": c} for d in reduce_dims(s[0]) for k in (False, True)
            for c in (1, 0)]


def _moment_shape(s, p):
    if group_size(s[0], p["dim"]) <= p["corr"]:
        return None
    return (2,) + reduced_shape(s[0], p["dim"], p["keep"])


def _np_sort(x, dim, desc, stable):
    return _along(lambda a, d: np.flip(np.sort(a, d), d) if desc else np.sort(a, d))(x, dim)


def _np_logcumsumexp(a, d):
    return np.log(np.cumsum(np.exp(a), d))


def cases():
    return [
        Case("cumsum", "{x}.cumsum({dim})", SHAPES, params=_dims, out_shape=_same,
             ref=_along(np.cumsum)),
        Case("cumprod", "{x}.cumprod({dim})", SHAPES, params=_dims, out_shape=_same,
             ref=_along(np.cumprod)),
        # exact zeros: d out_i / d x_j = Π_{k≤i, k≠j} x_k, also past the first zero
        Case("cumprod_with_zeros", "{x}.cumprod({dim})", _one([(5,), (3, 4), (2, 3, 4)]),
             ("scattered_zeros",), params=_dims, out_shape=_same, ref=_along(np.cumprod),
             fuzz="inputs need exact zeros"),
        Case("logcumsumexp", "{x}.logcumsumexp({dim})", SHAPES, params=_dims, out_shape=_same,
             ref=_along(_np_logcumsumexp)),
        # ties move the index to the latest element reaching the running extreme
        Case("cummax", "{x}.cummax({dim}).values", SHAPES, params=_dims, out_shape=_same,
             kink=running_gap(True), ref=_along(np.maximum.accumulate),
             conventions=(({"dim": 0}, ([1.0, 3.0, 3.0, 2.0, 3.0, 0.0],),
                          ([1.0, 1.0, 2.0, 0.0, 2.0, 0.0],)),)),
        Case("cummin", "{x}.cummin({dim})[0]", SHAPES, params=_dims, out_shape=_same,
             kink=running_gap(False), ref=_along(np.minimum.accumulate),
             conventions=(({"dim": 0}, ([2.0, 1.0, 1.0, 3.0, 1.0],),
                           ([1.0, 1.0, 2.0, 0.0, 1.0],)),)),
        Case("sort", "{x}.sort({dim}, descending={desc}, stable={stable}).values", SHAPES,
             params=lambda s: [dict(d, desc=a, stable=b) for d in _dims(s)
                               for a, b in ((False, False), (True, False), (True, True))],
             out_shape=_same, kink=tie_gap, ref=_np_sort),
        Case("topk", "{x}.topk({k}, {dim}, largest={largest}, sorted={sorted}).values", SHAPES,
             params=_topk_params, out_shape=_selected_shape, kink=tie_gap),
        Case("median_dim", "{x}.median({dim}, keepdim={keep}).values", SHAPES,
             params=_keep_params, out_shape=_reduced, kink=tie_gap,
             conventions=(({"dim": 0, "keep": False}, ([3.0, 1.0, 3.0, 3.0, 0.0, 3.0],),
                           ([1.0, 0.0, 0.0, 0.0, 0.0, 0.0],)),)),
        # the whole tensor's median shares the gradient evenly among the tied elements
        Case("median", "{x}.median()", SHAPES, kink=tie_gap,
             out_shape=lambda s, p: () if int(np.prod(s[0])) else None,
             ref=lambda x: np.sort(x, axis=None)[(x.size - 1) // 2],
             conventions=(({}, ([3.0, 1.0, 3.0, 3.0, 0.0, 3.0],),
                           ([0.25, 0.0, 0.25, 0.25, 0.0, 0.25],)),)),
        Case("kthvalue", "{x}.kthvalue({k}, {dim}, keepdim={keep}).values", SHAPES,
             params=_kth_params, out_shape=_reduced, kink=tie_gap),
        # distinct values: the mode is the smallest one (every value occurs once)
        Case("mode", "{x}.mode({dim}, keepdim={keep}).values", SHAPES, params=_keep_params,
             out_shape=_reduced, kink=tie_gap),
        Case("std_mean", "tg.stack(tg.std_mean({x}, {dim}, keepdim={keep}, correction={corr}))",
             _one(UNARY_SHAPES + [(3, 4, 2)]), params=_moment_params, out_shape=_moment_shape,
             kink=_std_kink),
        Case("var_mean", "tg.stack(tg.var_mean({x}, {dim}, keepdim={keep}, correction={corr}))",
             _one(UNARY_SHAPES + [(3, 4, 2)]), params=_moment_params, out_shape=_moment_shape),
    ]
