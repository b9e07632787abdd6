"""Tensor methods: elementwise math: inverse trig, hyperbolic, erf, rounding, arithmetic in method form, comparisons.

Names, signatures, defaults and edge behaviour are PyTorch's (2.13); the gradient
conventions are in `tinygrad_ku/ops/math.py`. Comparisons, `isclose`, `all`/`any`,
`isnan`/`isinf`/`isfinite` and the logical ops return bool tensors outside the graph;
`equal` and `allclose` return one Python bool.
"""
import numbers

import numpy as np

from .. import engine
from ..ops import elementwise as E, math as M
from ..ops._dispatch import is_tensor

FUNCTIONS = (      # names that are also top-level functions: tg.name(x, ...) = x.name(...)
    "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "asinh", "acosh", "atanh",
    "arcsin", "arccos", "arctan", "arctan2", "arcsinh", "arccosh", "arctanh",
    "log2", "log10", "rsqrt", "reciprocal", "erf", "erfc",
    "round", "floor", "ceil", "trunc", "fix", "frac", "copysign",
    "clamp_min", "clamp_max", "lerp", "hypot", "fmax", "fmin",
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
    "neg", "negative", "pow", "absolute",
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "equal", "isclose", "allclose", "all", "any",
    "isnan", "isinf", "isposinf", "isneginf", "isfinite",
    "logical_and", "logical_or", "logical_xor", "logical_not",
)


def _doc(fn, doc):
    """fn (an op's fast entry point, used as the method itself) with a docstring."""
    fn.__doc__ = doc
    return fn


def _const(arr):
    """A Tensor outside the graph (bool results)."""
    return engine.Tensor._make(np.asarray(arr), False, None)


def _raw(x):
    """The array behind x; Python numbers stay numbers (NumPy treats them as weakly typed)."""
    if is_tensor(x):
        return x.data
    return x if isinstance(x, (numbers.Number, np.ndarray)) else np.asarray(x)


def _operand(x):
    """x for an op: a Tensor or a Python number as is, anything else as an ndarray."""
    return x if is_tensor(x) or isinstance(x, numbers.Number) else np.asarray(x)


def _broadcast(op, a, b, fn):
    try:
        return fn(a, b)
    except ValueError:
        raise RuntimeError(f"{op}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast "
                           f"together") from None


def _axes(dim, ndim, op):
    """dim (None, an int or a sequence of ints) as NumPy's axis argument."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else dim
    if isinstance(dim, bool) or not isinstance(dims, (tuple, list)) or \
            not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims):
        raise TypeError(f"{op}(): dim must be an int or a tuple of ints, got {dim!r}")
    n = max(ndim, 1)
    for d in dims:
        if not -n <= d < n:
            raise IndexError(f"{op}(): Dimension out of range (expected to be in range of "
                             f"[{-n}, {n - 1}], but got {d}) for a tensor with {ndim} "
                             f"dimension(s)")
    axes = [int(d) % n for d in dims]
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{op}(): dim {dim!r}: a dim appears multiple times")
    return tuple(axes) if ndim else ()


def _no_bool(t, op):
    if t.data.dtype == np.bool_:
        raise NotImplementedError(f"{op}: not implemented for bool tensors")


def _rounding(t, op, cls):
    """floor/ceil/trunc: integer tensors are already whole (a copy, as PyTorch)."""
    _no_bool(t, op)
    if t.data.dtype.kind in "iu":
        return _const(t.data.copy())
    return cls.apply1(t)


def _clip(t, lo, hi, op):
    """Clip(t, lo, hi), t first expanded to the shape a tensor bound broadcasts it to."""
    shape = _broadcast(op, t.data, _raw(hi if lo is None else lo),
                       lambda a, b: np.broadcast_shapes(np.shape(a), np.shape(b)))
    if shape != t.shape:
        t = t.expand(shape)
    return E.Clip.apply(t, lo, hi)


def _check_alpha(op, a, b, alpha):
    """PyTorch's rules: a float alpha needs a float result, a bool alpha a bool result."""
    kind = np.result_type(a, b).kind
    if isinstance(alpha, (bool, np.bool_)):
        if kind != "b":
            raise RuntimeError(f"{op}: a bool alpha is only supported for bool results "
                               f"(got alpha={alpha!r})")
    elif kind in "biu" and not isinstance(alpha, (numbers.Integral, np.integer)):
        raise RuntimeError(f"{op}: for integer tensors, alpha must be an integer, not "
                           f"{alpha!r}")


class MathMethods:
    __slots__ = ()

    # ----- trigonometric and hyperbolic --------------------------------------------------
    tan = _doc(M.Tan.apply1, "tan x; d/dx = 1 + tan² x.")
    asin = arcsin = _doc(M.Asin.apply1, "arcsin x in [-π/2, π/2]; d/dx = 1 / √(1 - x²).")
    acos = arccos = _doc(M.Acos.apply1, "arccos x in [0, π]; d/dx = -1 / √(1 - x²).")
    atan = arctan = _doc(M.Atan.apply1, "arctan x in (-π/2, π/2); d/dx = 1 / (1 + x²).")
    sinh = _doc(M.Sinh.apply1, "sinh x = (eˣ - e⁻ˣ) / 2; d/dx = cosh x.")
    cosh = _doc(M.Cosh.apply1, "cosh x = (eˣ + e⁻ˣ) / 2; d/dx = sinh x.")
    asinh = arcsinh = _doc(M.Asinh.apply1, "arsinh x = log(x + √(x² + 1)); "
                                           "d/dx = 1 / √(x² + 1).")
    acosh = arccosh = _doc(M.Acosh.apply1, "arcosh x = log(x + √(x² - 1)), x >= 1; "
                                           "d/dx = 1 / √(x² - 1).")
    atanh = arctanh = _doc(M.Atanh.apply1, "artanh x = log((1 + x) / (1 - x)) / 2, |x| < 1; "
                                           "d/dx = 1 / (1 - x²).")

    def atan2(self, other):
        """atan2(self, other): the angle of the point (other, self), in (-π, π]."""
        return M.Atan2.apply(self, _operand(other))

    arctan2 = atan2

    def hypot(self, other):
        """√(self² + other²), without overflow."""
        return M.Hypot.apply(self, _operand(other))

    # ----- logarithms, powers, error function ----------------------------------------------
    log2 = _doc(M.Log2.apply1, "log₂ x (exact at powers of 2); d/dx = 1 / (x ln 2).")
    log10 = _doc(M.Log10.apply1, "log₁₀ x; d/dx = 1 / (x ln 10).")
    erf = _doc(M.Erf.apply1, "erf x = (2/√π) ∫₀ˣ e^(-t²) dt; d/dx = (2/√π) e^(-x²).")
    erfc = _doc(M.Erfc.apply1, "erfc x = 1 - erf x, accurate also where it is tiny; "
                               "d/dx = -(2/√π) e^(-x²).")

    def rsqrt(self):
        """1 / √x."""
        return E.Div.apply2(1.0, E.Sqrt.apply1(self))

    def reciprocal(self):
        """1 / x."""
        return E.Div.apply2(1.0, self)

    def pow(self, exponent):
        """self ** exponent (either may be a tensor)."""
        return E.Pow.apply(self, _operand(exponent))

    # ----- rounding ------------------------------------------------------------------------
    def floor(self):
        """The largest integer <= x (gradient 0)."""
        return _rounding(self, "floor", M.Floor)

    def ceil(self):
        """The smallest integer >= x (gradient 0)."""
        return _rounding(self, "ceil", M.Ceil)

    def trunc(self):
        """x rounded toward zero (gradient 0)."""
        return _rounding(self, "trunc", M.Trunc)

    fix = trunc

    def round(self, *, decimals=0):
        """x rounded half to even at `decimals` places: rint(x·10^d) / 10^d (gradient 0)."""
        if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
            raise TypeError(f"round: decimals must be an int, got {decimals!r}")
        _no_bool(self, "round")
        if self.data.dtype.kind in "iu":
            if decimals != 0:
                raise NotImplementedError(f"round: decimals={decimals} is not implemented "
                                          f"for integer tensors (dtype {self.dtype})")
            return _const(self.data.copy())
        return M.Round.apply(self, decimals=int(decimals))

    def frac(self):
        """x - trunc(x), with x's sign (gradient 1)."""
        if self.data.dtype.kind not in "fc":
            raise NotImplementedError(f"frac: not implemented for dtype {self.dtype}")
        return E.Sub.apply2(self, M.Trunc.apply1(self))

    def copysign(self, other):
        """|self| with the sign (bit) of other."""
        return M.Copysign.apply(self, _operand(other))

    # ----- clamping and blending -----------------------------------------------------------
    def clamp_min(self, min):
        """max(x, min); the gradient passes where x >= min."""
        if min is None:
            raise TypeError("clamp_min: min must be a number or a tensor, not None")
        return _clip(self, _operand(min), None, "clamp_min")

    def clamp_max(self, max):
        """min(x, max); the gradient passes where x <= max."""
        if max is None:
            raise TypeError("clamp_max: max must be a number or a tensor, not None")
        return _clip(self, None, _operand(max), "clamp_max")

    def lerp(self, end, weight):
        """self + weight (end - self)."""
        if weight is None:
            raise TypeError("lerp: weight must be a number or a tensor, not None")
        return M.Lerp.apply(self, _operand(end), _operand(weight))

    def fmax(self, other):
        """max(x, other) where nan counts as missing: nan only where both are nan."""
        return M.Fmax.apply(self, _operand(other))

    def fmin(self, other):
        """min(x, other) where nan counts as missing: nan only where both are nan."""
        return M.Fmin.apply(self, _operand(other))

    # ----- arithmetic in method form -------------------------------------------------------
    def add(self, other, *, alpha=1):
        """self + alpha · other."""
        other = _operand(other)
        if alpha == 1 and not isinstance(alpha, bool):
            return E.Add.apply2(self, other)
        _check_alpha("add", self.data, _raw(other), alpha)
        return E.Add.apply2(self, other * alpha)

    def sub(self, other, *, alpha=1):
        """self - alpha · other."""
        other = _operand(other)
        if alpha == 1 and not isinstance(alpha, bool):
            return E.Sub.apply2(self, other)
        _check_alpha("sub", self.data, _raw(other), alpha)
        return E.Sub.apply2(self, other * alpha)

    subtract = sub

    def mul(self, other):
        """self · other."""
        return E.Mul.apply2(self, _operand(other))

    multiply = mul

    def div(self, other, *, rounding_mode=None):
        """self / other; rounding_mode 'trunc' rounds toward zero, 'floor' down (as //;
        gradient 0)."""
        other = _operand(other)
        if rounding_mode is None:
            return E.Div.apply2(self, other)
        if rounding_mode not in ("trunc", "floor"):
            raise RuntimeError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                               f"{rounding_mode!r}")
        b = _raw(other)
        if np.result_type(self.data, b).kind in "biu" and np.any(np.asarray(b) == 0):
            raise RuntimeError(f"div: ZeroDivisionError: integer division by zero "
                               f"(rounding_mode={rounding_mode!r})")
        return M.RoundedDiv.apply(self, other, rounding_mode=rounding_mode)

    divide = div

    def true_divide(self, other):
        """self / other (true division, also of integer tensors)."""
        return E.Div.apply2(self, _operand(other))

    def neg(self):
        """-self."""
        return E.Neg.apply1(self)

    negative = neg

    def absolute(self):
        """|self|."""
        return E.Abs.apply1(self)

    # ----- comparisons: bool tensors -------------------------------------------------------
    def _compare_op(self, op, ufunc, other):
        return _const(_broadcast(op, self.data, _raw(other), ufunc))

    def eq(self, other):
        """self == other, elementwise."""
        return self._compare_op("eq", np.equal, other)

    def ne(self, other):
        """self != other, elementwise."""
        return self._compare_op("ne", np.not_equal, other)

    def lt(self, other):
        """self < other, elementwise."""
        return self._compare_op("lt", np.less, other)

    def le(self, other):
        """self <= other, elementwise."""
        return self._compare_op("le", np.less_equal, other)

    def gt(self, other):
        """self > other, elementwise."""
        return self._compare_op("gt", np.greater, other)

    def ge(self, other):
        """self >= other, elementwise."""
        return self._compare_op("ge", np.greater_equal, other)

    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def equal(self, other):
        """True if other has the same shape and the same values (nan is not equal to itself)."""
        b = np.asarray(_raw(other))
        return self.data.shape == b.shape and bool(np.array_equal(self.data, b))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """|self - other| <= atol + rtol · |other| elementwise (equal infinities are close)."""
        if rtol < 0 or atol < 0:
            raise RuntimeError(f"isclose: rtol and atol must be >= 0, got rtol={rtol}, "
                               f"atol={atol}")
        a, b = self.data, _raw(other)
        if isinstance(b, np.ndarray) and b.dtype != a.dtype:
            raise RuntimeError(f"isclose: input and other must have the same dtype, got "
                               f"{a.dtype} and {b.dtype}")
        close = _broadcast("isclose", a, b, np.equal)
        if a.dtype.kind not in "fc":          # integers and bools: compare as float64
            a, b = a.astype(np.float64), np.asarray(b, np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            if equal_nan:
                close |= np.isnan(a) & np.isnan(b)
            diff = np.abs(a - b)
            close |= np.isfinite(diff) & (diff <= atol + np.abs(rtol * b))
        return _const(close)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """isclose(...) everywhere, as one Python bool."""
        return bool(self.isclose(other, rtol, atol, equal_nan).data.all())

    def all(self, dim=None, keepdim=False):
        """Whether every element (along dim) is nonzero (True for none)."""
        axes = _axes(dim, self.ndim, "all")
        return _const(np.all(self.data, axis=axes, keepdims=keepdim))

    def any(self, dim=None, keepdim=False):
        """Whether some element (along dim) is nonzero (False for none)."""
        axes = _axes(dim, self.ndim, "any")
        return _const(np.any(self.data, axis=axes, keepdims=keepdim))

    def isnan(self):
        """x != x."""
        return _const(self.data != self.data)

    def isinf(self):
        """x is +inf or -inf."""
        return _const(np.isinf(self.data) if self.data.dtype.kind in "fc"
                      else np.zeros(self.shape, bool))

    def isposinf(self):
        """x == +inf."""
        return _const(self.data == np.inf)

    def isneginf(self):
        """x == -inf."""
        return _const(self.data == -np.inf)

    def isfinite(self):
        """x is neither inf nor nan."""
        return _const(np.isfinite(self.data) if self.data.dtype.kind in "fc"
                      else np.ones(self.shape, bool))

    def logical_and(self, other):
        """(self != 0) and (other != 0), elementwise."""
        return self._compare_op("logical_and", np.logical_and, other)

    def logical_or(self, other):
        """(self != 0) or (other != 0), elementwise."""
        return self._compare_op("logical_or", np.logical_or, other)

    def logical_xor(self, other):
        """(self != 0) xor (other != 0), elementwise."""
        return self._compare_op("logical_xor", np.logical_xor, other)

    def logical_not(self):
        """self == 0, elementwise."""
        return _const(np.logical_not(self.data))
