"""Op-table cases of the elementwise math of tinygrad_ku/ops/math.py and
tinygrad_ku/methods/math.py: trigonometric and hyperbolic functions and their inverses,
log2/log10, rsqrt, reciprocal, erf/erfc, rounding, copysign, atan2, hypot, lerp, fmax/fmin,
clamp_min/clamp_max and the arithmetic methods with alpha.

The rounding ops have gradient 0, so their cases multiply by x (floor(x)·x has derivative
floor(x)): the forward value shows in the gradient, and a nonzero rounding gradient would too.
The `conventions` are PyTorch 2.13's gradients at the kinks and domain ends.
"""
import math

import numpy as np

from op_table import BINARY_SHAPES, DOMAINS, UNARY_SHAPES, Case, Domain, _broadcast, _one, \
    elementwise as e, near

DOMAINS.setdefault("inside_unit", Domain(lambda rng, s: rng.uniform(-0.9, 0.9, s),
                                         "(0.9 * {}.tanh())"))
DOMAINS.setdefault("above_one", Domain(lambda rng, s: rng.uniform(1.2, 3.0, s),
                                       "({}.square() + 1.2)"))

_erf = np.vectorize(math.erf, otypes=[float])
_erfc = np.vectorize(math.erfc, otypes=[float])
_INF = np.inf
_KINK_LIFT = "the kink sits on x / y, and y's domain needs a lift other than the identity"


def _to_integer(x, scale=1.0, offset=0.0):
    """Distance of x to the jumps at (k + offset) / scale, k an integer."""
    y = np.asarray(x, np.float64) * scale - offset
    return near(y - np.round(y)) / scale


def _smallest(x):
    """min |x|, exact zeros included: hypot(x - x, x - x) stays at (0, 0) when x moves, so
    central differences give 0 there, while the gradient is the convention nan."""
    return float(np.min(np.abs(x), initial=np.inf))


def _quotient_kink(xs, p):
    with np.errstate(all="ignore"):
        return _to_integer(np.divide(xs[0], xs[1]))


def _lerp_ref(x, y, w):
    return x + w * (y - x)


def cases():
    return [
        e("tan", "{x}.tan()", ("inside_unit",), ref=np.tan),
        e("asin", "{x}.asin()", ("inside_unit",), ref=np.arcsin,
          conventions=(({}, (1.0,), (_INF,)), ({}, (-1.0,), (_INF,)))),
        e("acos", "tg.acos({x})", ("inside_unit",), ref=np.arccos,
          conventions=(({}, (1.0,), (-_INF,)), ({}, (-1.0,), (-_INF,)))),
        e("atan", "{x}.atan()", ref=np.arctan),
        e("sinh", "{x}.sinh()", ref=np.sinh),
        e("cosh", "tg.cosh({x})", ref=np.cosh),
        e("asinh", "{x}.asinh()", ref=np.arcsinh),
        e("acosh", "{x}.acosh()", ("above_one",), ref=np.arccosh,
          conventions=(({}, (1.0,), (_INF,)),)),
        e("atanh", "{x}.atanh()", ("inside_unit",), ref=np.arctanh,
          conventions=(({}, (1.0,), (_INF,)), ({}, (-1.0,), (_INF,)))),
        e("log2", "{x}.log2()", ("positive",), ref=np.log2, conventions=(({}, (0.0,), (_INF,)),)),
        e("log10", "tg.log10({x})", ("positive",), ref=np.log10,
          conventions=(({}, (0.0,), (_INF,)),)),
        e("rsqrt", "{x}.rsqrt()", ("positive",), ref=lambda x: 1.0 / np.sqrt(x),
          conventions=(({}, (0.0,), (-_INF,)),)),
        e("reciprocal", "tg.reciprocal({x})", ("nonzero",), ref=lambda x: 1.0 / x,
          conventions=(({}, (0.0,), (-_INF,)),)),
        e("erf", "{x}.erf()", ref=_erf),
        e("erfc", "tg.erfc({x})", ref=_erfc),
        # rounding: gradient 0, also at the jumps
        e("floor", "({x}.floor() * {x})", kink=lambda xs, p: _to_integer(xs[0]),
          ref=lambda x: np.floor(x) * x, conventions=(({}, (2.0,), (2.0,)),)),
        e("ceil", "(tg.ceil({x}) * {x})", kink=lambda xs, p: _to_integer(xs[0]),
          ref=lambda x: np.ceil(x) * x, conventions=(({}, (2.0,), (2.0,)),)),
        e("trunc", "({x}.trunc() * {x})", kink=lambda xs, p: _to_integer(xs[0]),
          ref=lambda x: np.trunc(x) * x, conventions=(({}, (-1.0,), (-1.0,)),)),
        Case("round", "({x}.round(decimals={d}) * {x})", _one(UNARY_SHAPES),
             params=lambda s: [{"d": 0}, {"d": 1}], out_shape=lambda s, p: s[0],
             kink=lambda xs, p: _to_integer(xs[0], 10.0 ** p["d"], 0.5),
             ref=lambda x, d: np.round(x, d) * x,
             conventions=(({"d": 0}, (0.5,), (0.0,)), ({"d": 0}, (1.5,), (2.0,)))),
        e("frac", "{x}.frac()", kink=lambda xs, p: _to_integer(xs[0]),
          ref=lambda x: x - np.trunc(x), conventions=(({}, (1.0,), (1.0,)),)),
        # binary
        e("copysign", "tg.copysign({x}, {y})", ("real", "real"), mixed=True, scalars=True,
          kink=lambda xs, p: min(near(xs[0]), near(xs[1])), ref=np.copysign,
          # d/dx = 0 where x = 0; y gets 0
          conventions=(({}, (0.0, 1.0), (0.0, 0.0)), ({}, (0.0, -1.0), (0.0, 0.0)),
                       ({}, (2.0, -1.0), (-1.0, 0.0)))),
        e("atan2", "tg.atan2({x}, {y})", ("nonzero", "real"), mixed=True, scalars=True,
          ref=np.arctan2, conventions=(({}, (0.0, 0.0), (0.0, 0.0)),)),
        e("hypot", "tg.hypot({x}, {y})", ("real", "real"), mixed=True, scalars=True,
          kink=lambda xs, p: _smallest(np.hypot(xs[0], xs[1])), ref=np.hypot,
          conventions=(({}, (0.0, 0.0), (np.nan, np.nan)),)),     # 0 / 0
        e("fmax", "tg.fmax({x}, {y})", ("real", "real"), mixed=True,
          kink=lambda xs, p: near(np.subtract(xs[0], xs[1])), ref=np.fmax,
          conventions=(({}, (1.0, 1.0), (1.0, 0.0)), ({}, (np.nan, 1.0), (0.0, 1.0)),
                       ({}, (1.0, np.nan), (1.0, 0.0)), ({}, (np.nan, np.nan), (1.0, 0.0)))),
        e("fmin", "tg.fmin({x}, {y})", ("real", "real"), mixed=True,
          kink=lambda xs, p: near(np.subtract(xs[0], xs[1])), ref=np.fmin,
          conventions=(({}, (1.0, 1.0), (1.0, 0.0)), ({}, (np.nan, 1.0), (0.0, 1.0)),
                       ({}, (1.0, np.nan), (1.0, 0.0)))),
        Case("clamp_min", "{x}.clamp_min({v})", _one(UNARY_SHAPES),
             params=lambda s: [{"v": 0.0}, {"v": 0.5}], out_shape=lambda s, p: s[0],
             kink=lambda xs, p: near(xs[0], p["v"]), ref=lambda x, v: np.maximum(x, v),
             conventions=(({"v": 0.5}, (0.5,), (1.0,)),)),       # passes where x >= min
        Case("clamp_max", "tg.clamp_max({x}, {v})", _one(UNARY_SHAPES),
             params=lambda s: [{"v": 0.0}, {"v": -0.5}], out_shape=lambda s, p: s[0],
             kink=lambda xs, p: near(xs[0], p["v"]), ref=lambda x, v: np.minimum(x, v),
             conventions=(({"v": -0.5}, (-0.5,), (1.0,)),)),
        e("clamp_min_tensor", "tg.clamp_min({x}, {y})", ("real", "real"), mixed=True,
          kink=lambda xs, p: near(np.subtract(xs[0], xs[1])),
          conventions=(({}, (0.5, 0.5), (1.0, 0.0)),)),
        e("clamp_max_tensor", "tg.clamp_max({x}, {y})", ("real", "real"), mixed=True,
          kink=lambda xs, p: near(np.subtract(xs[0], xs[1])),
          conventions=(({}, (0.5, 0.5), (1.0, 0.0)),)),
        Case("div_rounded", "({x}.div({y}, rounding_mode={mode}) * {x})", BINARY_SHAPES,
             ("real", "nonzero"), params=lambda s: [{"mode": "floor"}, {"mode": "trunc"}],
             out_shape=lambda s, p: _broadcast(*s), kink=_quotient_kink, fuzz=_KINK_LIFT,
             ref=lambda x, y, mode: (np.floor(x / y) if mode == "floor" else
                                     np.trunc(x / y)) * x),
        # lerp: both formulas (|w| < 0.5 and >= 0.5), a tensor weight
        Case("lerp", "tg.lerp({x}, {y}, {z})",
             [((3,), (3,), (3,)), ((2, 3), (3,), ()), ((2, 1), (1, 3), (2, 3)), ((), (), ()),
              ((0, 3), (3,), (1,))], ("real", "real", "real"),
             out_shape=lambda s, p: _broadcast(*s), ref=_lerp_ref,
             fuzz="three inputs: programs compose ops of one or two"),
        Case("lerp_scalar", "{x}.lerp({y}, {w})", BINARY_SHAPES, ("real", "real"),
             params=lambda s: [{"w": 0.25}, {"w": 0.75}, {"w": -1.5}],
             out_shape=lambda s, p: _broadcast(*s), ref=_lerp_ref),
        # arithmetic methods whose alpha scales a gradient
        e("add_alpha", "tg.add({x}, {y}, alpha=2.5)", ("real", "real"), mixed=True,
          ref=lambda x, y: x + 2.5 * y),
        e("sub_alpha", "tg.sub({x}, {y}, alpha=-0.5)", ("real", "real"), mixed=True,
          ref=lambda x, y: x + 0.5 * y),
        e("pow_method", "{x}.pow({y})", ("positive", "real"), ref=np.power),
        e("pow_number_base", "tg.pow(2.0, {x})", ref=lambda x: 2.0 ** x,
          fuzz_dtypes=("float64",)),
    ]
