"""The elementwise math of tinygrad_ku/methods/math.py: values against closed forms and the
math module, erf/erfc accuracy, PyTorch's edge values and gradient conventions (literals
from PyTorch 2.13, as noted), dtypes, errors, and top-level functions agreeing with methods.
Gradients at ordinary points are checked by the op table (tests/op_cases_math.py)."""
import math

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku.methods import math as methods_math

INF, NAN = math.inf, math.nan
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")   # NumPy on inf/nan values


def leaf(values, dtype=np.float64):
    return tg.tensor(np.asarray(values, dtype), requires_grad=True)


def grad_of(fn, *values):
    """Gradients of fn(*leaves).sum() with respect to each leaf."""
    xs = [leaf(v) for v in values]
    with np.errstate(all="ignore"):
        fn(*xs).sum().backward()
    return [x.grad.numpy() for x in xs]


def same(got, want):
    """Equal values, nan where nan (gradients at kinks are exact, or the convention)."""
    np.testing.assert_array_equal(got.detach().numpy() if isinstance(got, tg.Tensor) else got,
                                  np.asarray(want, np.float64))


# ----- erf and erfc ------------------------------------------------------------------------
GRID = np.concatenate([np.linspace(-6, 6, 2401), np.linspace(-26, 26, 521),
                       10.0 ** np.linspace(-300, 0.5, 120), -(10.0 ** np.linspace(-30, 0.5, 40))])


def test_erf_matches_math_erf_to_a_few_ulp():
    got = tg.erf(tg.tensor(GRID)).numpy()
    want = np.array([math.erf(v) for v in GRID])
    np.testing.assert_allclose(got, want, rtol=2e-15, atol=0)
    assert np.array_equal(tg.tensor(-GRID).erf().numpy(), -got)       # odd, exactly


def test_erfc_matches_math_erfc_to_a_few_ulp_also_where_tiny():
    got = tg.erfc(tg.tensor(GRID)).numpy()
    want = np.array([math.erfc(v) for v in GRID])
    np.testing.assert_allclose(got, want, rtol=2e-15, atol=0)
    assert want[GRID > 25].max() < 1e-270              # relative accuracy down there too


def test_erf_erfc_special_values():
    x = tg.tensor([INF, -INF, NAN, 0.0, -0.0, 30.0, -30.0, 27.0])
    e, c = x.erf().numpy(), x.erfc().numpy()
    same(e[:6], [1.0, -1.0, NAN, 0.0, -0.0, 1.0])
    assert np.signbit(e[4])                              # erf(-0.0) = -0.0
    same(c[:7], [0.0, 2.0, NAN, 1.0, 1.0, 0.0, 2.0])
    assert c[7] == pytest.approx(math.erfc(27.0), rel=1e-6)   # subnormal, not flushed to 0


def test_erf_of_float32_and_integers():
    x32 = tg.tensor(np.array([0.5, -1.5], np.float32))
    assert x32.erf().dtype == np.float32 and x32.erfc().dtype == np.float32
    np.testing.assert_allclose(x32.erf().numpy(), [math.erf(0.5), math.erf(-1.5)], rtol=1e-7)
    np.testing.assert_allclose(tg.erf(tg.tensor([0, 1])).numpy(), [0.0, math.erf(1.0)],
                               rtol=1e-15)


def test_erf_gradients_closed_form_and_at_large_x():
    x = np.array([-30.0, -1.3, 0.0, 0.4, 2.0, 30.0])
    d = 2 / math.sqrt(math.pi) * np.exp(-x * x)
    np.testing.assert_allclose(grad_of(lambda t: t.erf(), x)[0], d, rtol=1e-15)
    np.testing.assert_allclose(grad_of(lambda t: t.erfc(), x)[0], -d, rtol=1e-15)
    t = leaf(0.7)
    (g,) = tg.grad(t.erf(), t, create_graph=True)
    (h,) = tg.grad(g, t)                                 # erf'' = -2x erf'
    assert h.item() == pytest.approx(-2 * 0.7 * 2 / math.sqrt(math.pi) * math.exp(-0.49),
                                     rel=1e-14)


# ----- trigonometric, hyperbolic, logarithms -----------------------------------------------
@pytest.mark.parametrize("name, fn, d, x", [
    ("tan", math.tan, lambda v: 1 / math.cos(v) ** 2, 0.7),
    ("asin", math.asin, lambda v: 1 / math.sqrt(1 - v * v), 0.6),
    ("acos", math.acos, lambda v: -1 / math.sqrt(1 - v * v), -0.3),
    ("atan", math.atan, lambda v: 1 / (1 + v * v), 2.5),
    ("sinh", math.sinh, math.cosh, -1.2),
    ("cosh", math.cosh, math.sinh, 0.8),
    ("asinh", math.asinh, lambda v: 1 / math.sqrt(v * v + 1), -3.0),
    ("acosh", math.acosh, lambda v: 1 / math.sqrt(v * v - 1), 1.5),
    ("atanh", math.atanh, lambda v: 1 / (1 - v * v), 0.5),
    ("log2", math.log2, lambda v: 1 / (v * math.log(2)), 3.0),
    ("log10", math.log10, lambda v: 1 / (v * math.log(10)), 0.2),
    ("rsqrt", lambda v: 1 / math.sqrt(v), lambda v: -0.5 * v ** -1.5, 2.0),
    ("reciprocal", lambda v: 1 / v, lambda v: -1 / v ** 2, -0.25),
])
def test_unary_values_and_derivatives(name, fn, d, x):
    t = leaf(x)
    y = getattr(t, name)()
    assert y.item() == pytest.approx(fn(x), rel=1e-15)
    y.backward()
    assert t.grad.item() == pytest.approx(d(x), rel=1e-14)


def test_numpy_style_aliases():
    x = tg.tensor([0.25, -0.5])
    for alias, name in [("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"),
                        ("arcsinh", "asinh"), ("arctanh", "atanh"), ("fix", "trunc")]:
        same(getattr(x, alias)(), getattr(x, name)().numpy())
    same(tg.tensor([1.5, 2.0]).arccosh(), tg.tensor([1.5, 2.0]).acosh().numpy())
    same(tg.arctan2(x, 1.0), tg.atan2(x, 1.0).numpy())


def test_derivatives_at_the_ends_of_the_domains():
    # PyTorch 2.13 gives: asin' = inf at ±1, acos' = -inf, atanh' = inf, acosh' = inf at 1
    # and nan below 1, log2' = inf at 0, rsqrt' = -inf at 0 (nan below), 1/x' = -inf at 0
    same(grad_of(lambda t: t.asin(), [-1.0, 1.0])[0], [INF, INF])
    same(grad_of(lambda t: t.acos(), [-1.0, 1.0])[0], [-INF, -INF])
    same(grad_of(lambda t: t.atanh(), [-1.0, 1.0])[0], [INF, INF])
    same(grad_of(lambda t: t.acosh(), [1.0, 0.5])[0], [INF, NAN])
    same(grad_of(lambda t: t.log2(), [0.0])[0], [INF])
    same(grad_of(lambda t: t.rsqrt(), [0.0, -1.0])[0], [-INF, NAN])
    same(grad_of(lambda t: t.reciprocal(), [0.0])[0], [-INF])
    same(tg.tensor([1.0, -1.0, 0.5]).atanh().numpy()[:2], [INF, -INF])
    same(tg.tensor([1.0, 0.5, INF]).acosh(), [0.0, NAN, INF])


def test_large_arguments_keep_their_derivatives():
    # 1/√(x² ± 1) ≈ 1/x without overflow (PyTorch 2.13 squares x: it gives 0 at 1e300)
    same(grad_of(lambda t: t.asinh(), [1e300, -1e300])[0], [1e-300, 1e-300])
    np.testing.assert_allclose(grad_of(lambda t: t.acosh(), [1e300])[0], [1e-300], rtol=1e-15)
    same(tg.tensor([1000.0]).sinh(), [INF])


def test_logarithms_are_exact_at_powers():
    same(tg.log2(tg.tensor([1.0, 8.0, 2.0 ** -40, 0.0])), [0.0, 3.0, -40.0, -INF])
    same(tg.log10(tg.tensor([1000.0, 1e-5])), [3.0, -5.0])
    same(tg.tensor([4.0, 0.0]).rsqrt(), [0.5, INF])
    same(tg.reciprocal(tg.tensor([1, 2, 0])), [1.0, 0.5, INF])     # integers: a float result


def test_existing_unary_functions_are_methods_and_functions():
    x = tg.tensor([0.5, 2.0])
    for name in ("square", "expm1", "log1p", "abs", "sign"):
        same(getattr(tg, name)(x), getattr(x, name)().numpy())
    same(x.square(), [0.25, 4.0])


# ----- atan2, hypot, copysign --------------------------------------------------------------
def test_atan2_quadrants_and_signed_zeros():
    y = tg.tensor([0.0, 0.0, -0.0, 1.0, -1.0, 1.0])
    x = tg.tensor([0.0, -0.0, -0.0, 0.0, -1.0, INF])
    # PyTorch 2.13 gives [0, π, -π, π/2, -3π/4, 0]
    same(tg.atan2(y, x), [0.0, math.pi, -math.pi, math.pi / 2, -3 * math.pi / 4, 0.0])


def test_atan2_gradient():
    gy, gx = grad_of(tg.atan2, [0.0, 3.0, 1e-200], [0.0, 4.0, 1e-200])
    # PyTorch 2.13 gives (0, 0) at (0, 0) and (x, -y) / (x² + y²) elsewhere; at 1e-200 it
    # gives 0 (x² + y² underflows), here the exact 5e199 (the angle moves that fast there)
    same(gy[:2], [0.0, 4 / 25])
    same(gx[:2], [0.0, -3 / 25])
    np.testing.assert_allclose([gy[2], -gx[2]], [5e199, 5e199], rtol=1e-15)


def test_hypot_values_gradient_and_broadcasting():
    same(tg.hypot(tg.tensor([3.0, 1e300, 0.0]), tg.tensor([4.0, 1e300, 0.0])),
         [5.0, math.sqrt(2) * 1e300, 0.0])
    gx, gy = grad_of(lambda a, b: a.hypot(b), [3.0, 0.0], [4.0, 0.0])
    same(gx, [0.6, NAN])                    # PyTorch 2.13: nan at (0, 0)
    same(gy, [0.8, NAN])
    a, b = leaf([[3.0], [6.0]]), leaf([4.0, 8.0, 0.0])
    out = a.hypot(b)
    assert out.shape == (2, 3)
    out.sum().backward()
    an, bn = a.detach().numpy(), b.detach().numpy()
    np.testing.assert_allclose(a.grad.numpy(), (an / np.hypot(an, bn)).sum(1, keepdims=True),
                               rtol=1e-15)
    np.testing.assert_allclose(b.grad.numpy(), (bn / np.hypot(an, bn)).sum(0), rtol=1e-15)


def test_copysign_values_and_gradient():
    x, y = [0.0, -0.0, 2.0, -3.0, INF], [-1.0, 1.0, -0.0, 0.0, -1.0]
    out = tg.copysign(tg.tensor(x), tg.tensor(y)).numpy()
    same(out, [-0.0, 0.0, -2.0, 3.0, -INF])
    assert list(np.signbit(out)) == [True, False, True, False, True]
    gx, gy = grad_of(tg.copysign, x, y)
    same(gx, [0.0, 0.0, -1.0, -1.0, NAN])      # PyTorch 2.13 gives the same
    same(gy, [0.0] * 5)
    same(tg.tensor([3.0, -2.0]).copysign(-1.0), [-3.0, -2.0])
    same(tg.copysign(tg.tensor([3]), tg.tensor([-1])), [-3.0])


# ----- rounding ----------------------------------------------------------------------------
def test_round_half_to_even_and_decimals():
    x = tg.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 1.2345])
    same(x.round(), [0.0, 2.0, 2.0, -0.0, -2.0, 1.0])
    # PyTorch 2.13 gives these (x·100 is rounded before rint: 1.235 -> 1.24, -2.675 -> -2.68)
    same(tg.round(tg.tensor([1.2345, 1.235, -2.675, 0.125, 1234.5678]), decimals=2),
         [1.23, 1.24, -2.68, 0.12, 1234.57])
    same(tg.tensor([1250.0, 1350.0, 1234.5678, -150.0]).round(decimals=-2),
         [1200.0, 1400.0, 1200.0, -200.0])
    x32 = tg.tensor(np.array([1.25, 2.675], np.float32)).round(decimals=1)
    assert x32.dtype == np.float32
    same(x32, np.rint(np.array([1.25, 2.675], np.float32) * np.float32(10)) / np.float32(10))
    with pytest.raises(TypeError, match="round"):
        tg.tensor([1.0]).round(1)             # decimals is keyword-only, as in PyTorch


def test_floor_ceil_trunc_frac_values():
    x = tg.tensor([-1.5, -0.5, 0.0, 0.5, 2.0, INF])
    same(x.floor(), [-2.0, -1.0, 0.0, 0.0, 2.0, INF])
    same(tg.ceil(x), [-1.0, -0.0, 0.0, 1.0, 2.0, INF])
    same(x.trunc(), [-1.0, -0.0, 0.0, 0.0, 2.0, INF])
    # PyTorch 2.13 gives frac([1.5, -1.5, 2, inf, -0.0]) = [0.5, -0.5, 0, nan, 0]
    same(tg.frac(tg.tensor([1.5, -1.5, 2.0, INF, -0.0])), [0.5, -0.5, 0.0, NAN, 0.0])


def test_rounding_gradients_are_zero_and_frac_one():
    x = [0.3, 1.7, -2.5, 2.0]
    for name in ("round", "floor", "ceil", "trunc"):
        same(grad_of(lambda t: getattr(t, name)(), x)[0], [0.0] * 4)
    same(grad_of(lambda t: t.round(decimals=1), x)[0], [0.0] * 4)
    same(grad_of(lambda t: t.frac(), x)[0], [1.0] * 4)
    assert leaf(x).floor().grad_fn.name == "Floor"


def test_rounding_integer_and_bool_tensors():
    i = tg.tensor([1, -2, 3])
    for name in ("floor", "ceil", "trunc", "round"):
        out = getattr(i, name)()
        assert out.dtype == np.int64 and out.tolist() == [1, -2, 3]
        assert out.data is not i.data
    # PyTorch 2.13 raises NotImplementedError for these dtypes
    with pytest.raises(NotImplementedError, match="round: decimals=1"):
        i.round(decimals=1)
    with pytest.raises(NotImplementedError, match="frac"):
        i.frac()
    with pytest.raises(NotImplementedError, match="floor: not implemented for bool"):
        tg.tensor([True]).floor()


# ----- arithmetic in method form -----------------------------------------------------------
def test_add_sub_with_alpha():
    x, y = tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0])
    same(tg.add(x, y, alpha=2), [7.0, 10.0])
    same(x.sub(y, alpha=2), [-5.0, -6.0])
    same(tg.subtract(x, 1.0), [0.0, 1.0])
    same(tg.add(2, x), [3.0, 4.0])
    gx, gy = grad_of(lambda a, b: a.add(b, alpha=-3.0), [1.0], [2.0])
    same(gx, [1.0])
    same(gy, [-3.0])
    same(tg.add(tg.tensor([1]), 1.5, alpha=0.5), [1.75])      # a float result takes float alpha
    # PyTorch 2.13 raises RuntimeError for both
    with pytest.raises(RuntimeError, match="add: for integer tensors, alpha must be an integer"):
        tg.add(tg.tensor([1, 2]), tg.tensor([3, 4]), alpha=0.5)
    with pytest.raises(RuntimeError, match="sub: a bool alpha"):
        x.sub(y, alpha=True)
    with pytest.raises(TypeError):
        tg.add(x, y, 2)                          # alpha is keyword-only


def test_mul_div_true_divide_neg_pow_abs():
    x = tg.tensor([2.0, -3.0])
    same(x.mul(1.5), [3.0, -4.5])
    same(tg.multiply(x, x), [4.0, 9.0])
    same(tg.div(x, 2.0), [1.0, -1.5])
    same(tg.divide(x, x), [1.0, 1.0])
    same(tg.true_divide(tg.tensor([7, -7]), 2), [3.5, -3.5])
    same(tg.neg(x), [-2.0, 3.0])
    same(x.negative(), [-2.0, 3.0])
    same(x.pow(2), [4.0, 9.0])
    same(tg.pow(2, tg.tensor([3.0, 4.0])), [8.0, 16.0])        # a number as the base
    same(tg.pow(x, tg.tensor([2.0, 3.0])), [4.0, -27.0])
    same(x.absolute(), [2.0, 3.0])
    same(tg.absolute(tg.tensor([-1])), [1])
    gx, ge = grad_of(tg.pow, [2.0], [3.0])
    same(gx, [12.0])
    np.testing.assert_allclose(ge, [8 * math.log(2)], rtol=1e-15)


def test_div_rounding_modes():
    a = tg.tensor([7.0, -7.0, 7.0, -7.0, 1.0, 5.0, -1.0, 0.3])
    b = tg.tensor([2.0, 2.0, -2.0, -2.0, 0.1, 0.0, 0.1, 0.1])
    # PyTorch 2.13 gives these: floor is Python's // (1 // 0.1 = 9, the exact quotient is
    # just below 10), trunc rounds the rounded quotient (1 / 0.1 = 10.0)
    same(a.div(b, rounding_mode="floor"), [3.0, -4.0, -4.0, 3.0, 9.0, INF, -10.0, 2.0])
    same(tg.div(a, b, rounding_mode="trunc"), [3.0, -3.0, -3.0, 3.0, 10.0, INF, -10.0, 2.0])
    same(tg.tensor([0.0, -1.0]).div(0.0, rounding_mode="floor"), [NAN, -INF])
    i, j = tg.tensor([7, -7, 7, -7]), tg.tensor([2, 2, -2, -2])
    floor, trunc = i.div(j, rounding_mode="floor"), i.div(j, rounding_mode="trunc")
    assert floor.dtype == trunc.dtype == np.int64
    same(floor, [3, -4, -4, 3])
    same(trunc, [3, -3, -3, 3])
    same(tg.tensor([7]).div(2.5, rounding_mode="floor"), [2.0])
    gx, gy = grad_of(lambda s, t: s.div(t, rounding_mode="floor"), [7.0, -3.0], [2.0, 4.0])
    same(gx, [0.0, 0.0])                         # PyTorch 2.13: zero gradients
    same(gy, [0.0, 0.0])
    with pytest.raises(RuntimeError, match="div: ZeroDivisionError: integer division by zero"):
        i.div(tg.tensor([1, 0, 1, 1]), rounding_mode="trunc")
    with pytest.raises(RuntimeError, match="rounding_mode must be None, 'trunc' or 'floor', "
                                           "got 'round'"):
        a.div(b, rounding_mode="round")
    with pytest.raises(TypeError):
        a.div(b, "floor")                        # rounding_mode is keyword-only


# ----- clamp_min, clamp_max, lerp, fmax, fmin ----------------------------------------------
def test_clamp_min_max_values_and_gradients():
    x = [-1.0, 0.0, 0.5, 1.0, 2.0]
    same(tg.tensor(x).clamp_min(0.0), [0.0, 0.0, 0.5, 1.0, 2.0])
    same(tg.clamp_max(tg.tensor(x), 1.0), [-1.0, 0.0, 0.5, 1.0, 1.0])
    # PyTorch 2.13: the gradient passes where x >= min (x <= max), the bound included
    same(grad_of(lambda t: t.clamp_min(0.0), x)[0], [0.0, 1.0, 1.0, 1.0, 1.0])
    same(grad_of(lambda t: t.clamp_max(1.0), x)[0], [1.0, 1.0, 1.0, 1.0, 0.0])
    gx, gm = grad_of(lambda t, m: t.clamp_min(m), x, [0.0] * 5)
    same(gx, [0.0, 1.0, 1.0, 1.0, 1.0])
    same(gm, [1.0, 0.0, 0.0, 0.0, 0.0])
    same(tg.tensor([1, 2, 3]).clamp_min(2.5), [2.5, 2.5, 3.0])
    same(tg.tensor([1.0, NAN]).clamp_min(2.0), [2.0, NAN])
    with pytest.raises(TypeError, match="clamp_min: min must be a number or a tensor"):
        tg.tensor([1.0]).clamp_min(None)


def test_clamp_min_with_a_bound_that_broadcasts_the_input():
    x, m = leaf([[1.0], [2.0]]), leaf([[0.0, 1.5, 3.0]])
    out = tg.clamp_min(x, m)
    # PyTorch 2.13 gives [[1, 1.5, 3], [2, 2, 3]], x.grad [[1], [2]], min.grad [[0, 1, 2]]
    same(out, [[1.0, 1.5, 3.0], [2.0, 2.0, 3.0]])
    out.sum().backward()
    same(x.grad, [[1.0], [2.0]])
    same(m.grad, [[0.0, 1.0, 2.0]])
    with pytest.raises(RuntimeError, match=r"clamp_max: shapes \(2,\) and \(3,\) cannot be"):
        tg.tensor([1.0, 2.0]).clamp_max(np.zeros(3))


def test_lerp_values_gradients_and_exact_ends():
    s, e, w = leaf([1.0, 2.0]), leaf([3.0, 6.0]), leaf([0.25, 0.75])
    out = tg.lerp(s, e, w)
    same(out, [1.5, 5.0])
    out.sum().backward()
    # PyTorch 2.13 gives these gradients
    same(s.grad, [0.75, 0.25])
    same(e.grad, [0.25, 0.75])
    same(w.grad, [2.0, 4.0])
    a, b = tg.tensor([0.1, -3.3]), tg.tensor([0.7, 1e-3])
    same(a.lerp(b, 1.0), b.numpy())               # exact at w = 1 (and w = 0)
    same(a.lerp(b, 0.0), a.numpy())
    same(tg.tensor([1.0]).lerp(tg.tensor([3.0]), 2.0), [5.0])
    assert tg.lerp(tg.tensor([1.0, 2.0]), tg.tensor([[3.0], [4.0]]),
                   tg.tensor([0.5, 0.2, 0.1]).reshape(3, 1, 1)).shape == (3, 2, 2)
    with pytest.raises(TypeError, match="lerp: weight"):
        a.lerp(b, None)


def test_fmax_fmin_ignore_nan_and_route_gradients():
    x, y = [1.0, 2.0, 2.0, NAN, 1.0, NAN], [2.0, 1.0, 2.0, 1.0, NAN, NAN]
    same(tg.fmax(tg.tensor(x), tg.tensor(y)), [2.0, 2.0, 2.0, 1.0, 1.0, NAN])
    same(tg.tensor(x).fmin(tg.tensor(y)), [1.0, 1.0, 2.0, 1.0, 1.0, NAN])
    # PyTorch 2.13 gives these gradients (ties and a nan y: all to x)
    gx, gy = grad_of(tg.fmax, x, y)
    same(gx, [0.0, 1.0, 1.0, 0.0, 1.0, 1.0])
    same(gy, [1.0, 0.0, 0.0, 1.0, 0.0, 0.0])
    gx, gy = grad_of(tg.fmin, x, y)
    same(gx, [1.0, 0.0, 1.0, 0.0, 1.0, 1.0])
    same(gy, [0.0, 1.0, 0.0, 1.0, 0.0, 0.0])
    same(tg.fmax(tg.tensor([1, 5]), tg.tensor([3, 2])), [3, 5])


# ----- comparisons and predicates: bool tensors ---------------------------------------------
def test_comparisons_return_bool_tensors():
    x, y = tg.tensor([1.0, 2.0, 3.0]), tg.tensor([2.0, 2.0, 2.0])
    for name, want in [("eq", [0, 1, 0]), ("ne", [1, 0, 1]), ("lt", [1, 0, 0]), ("le", [1, 1, 0]),
                       ("gt", [0, 0, 1]), ("ge", [0, 1, 1]), ("greater", [0, 0, 1]),
                       ("greater_equal", [0, 1, 1]), ("less", [1, 0, 0]),
                       ("less_equal", [1, 1, 0]), ("not_equal", [1, 0, 1])]:
        for out in (getattr(x, name)(y), getattr(tg, name)(x, y)):
            assert out.dtype == np.bool_ and not out.requires_grad
            assert out.tolist() == [bool(v) for v in want], name
    assert x.eq(2.0).tolist() == [False, True, False]
    assert leaf([1.0]).gt(0).requires_grad is False
    assert tg.tensor([[1.0], [2.0]]).lt(tg.tensor([1.5, 2.5])).shape == (2, 2)
    with pytest.raises(RuntimeError, match=r"eq: shapes \(3,\) and \(2,\) cannot be broadcast"):
        x.eq(tg.tensor([1.0, 2.0]))


def test_equal_is_one_bool():
    x = tg.tensor([1.0, 2.0])
    assert tg.equal(x, tg.tensor([1.0, 2.0])) is True
    # PyTorch 2.13: other shapes are not equal (no broadcasting), other dtypes compare values,
    # nan is not equal to itself
    assert x.equal(tg.tensor([1.0, 2.0, 3.0])) is False
    assert tg.tensor([1.0, 1.0]).equal(tg.tensor([1.0])) is False
    assert x.equal(tg.tensor([1, 2])) is True
    assert tg.tensor([NAN]).equal(tg.tensor([NAN])) is False


def test_isclose_and_allclose():
    a = tg.tensor([1.0, 1.0, NAN, INF, INF])
    b = tg.tensor([1.0 + 1e-6, 1.0 + 1e-4, NAN, INF, -INF])
    # PyTorch 2.13 gives [True, False, False, True, False]; with equal_nan the nan is close
    assert tg.isclose(a, b).tolist() == [True, False, False, True, False]
    assert a.isclose(b, equal_nan=True).tolist() == [True, False, True, True, False]
    assert a.isclose(b, 1e-3, 0.0).tolist() == [True, True, False, True, False]
    assert tg.isclose(tg.tensor([1, 2, 10]), tg.tensor([1, 3, 12]), atol=5, rtol=0).tolist() \
        == [True, True, True]
    assert tg.tensor([1e-9]).isclose(tg.tensor([0.0])).tolist() == [True]
    assert tg.tensor([1e308]).isclose(tg.tensor([INF]), rtol=1.0).tolist() == [False]
    assert tg.allclose(tg.tensor([1.0, 2.0]), tg.tensor([1.0, 2.0 + 1e-6])) is True
    assert tg.tensor([[1.0, 2.0]] * 2).allclose(tg.tensor([1.0, 2.0])) is True
    assert tg.tensor([1.0]).allclose(tg.tensor([1.1])) is False
    with pytest.raises(RuntimeError, match="isclose: input and other must have the same dtype"):
        tg.isclose(tg.tensor([1.0]), tg.tensor([1]))
    with pytest.raises(RuntimeError, match="rtol and atol must be >= 0"):
        tg.isclose(a, b, rtol=-1)
    with pytest.raises(RuntimeError, match=r"isclose: shapes \(2,\) and \(3,\)"):
        tg.allclose(tg.tensor([1.0, 2.0]), tg.tensor([1.0, 2.0, 3.0]))


def test_all_any_with_dims():
    x = tg.tensor([[1.0, 0.0], [2.0, 3.0]])
    assert tg.all(x).tolist() is False and x.any().tolist() is True
    assert x.all(dim=1).tolist() == [False, True]
    assert x.all(1, True).tolist() == [[False], [True]]
    assert x.all(dim=(0, 1)).tolist() is False and x.any(dim=[0, 1]).tolist() is True
    assert x.any(dim=0).dtype == np.bool_
    # PyTorch 2.13: an empty all() is True, any() False; nan counts as nonzero
    assert tg.tensor([]).all().tolist() is True and tg.tensor([]).any().tolist() is False
    assert tg.zeros(0, 3).any(dim=0).tolist() == [False, False, False]
    assert tg.tensor([NAN]).all().tolist() is True
    assert tg.tensor(1.0).all(dim=0).tolist() is True
    with pytest.raises(IndexError, match=r"any\(\): Dimension out of range .*\[-1, 0\].* 2"):
        tg.tensor([1.0]).any(dim=2)
    with pytest.raises(RuntimeError, match="all"):
        x.all(dim=(0, 0))
    with pytest.raises(TypeError, match="all"):
        x.all(dim=0.5)


def test_float_predicates():
    x = tg.tensor([1.0, INF, -INF, NAN])
    assert x.isnan().tolist() == [False, False, False, True]
    assert tg.isinf(x).tolist() == [False, True, True, False]
    assert x.isfinite().tolist() == [True, False, False, False]
    assert x.isposinf().tolist() == [False, True, False, False]
    assert tg.isneginf(x).tolist() == [False, False, True, False]
    i = tg.tensor([1, 2])
    assert i.isnan().tolist() == i.isinf().tolist() == [False, False]
    assert i.isfinite().tolist() == [True, True]


def test_logical_ops():
    a, b = tg.tensor([1.0, 0.0, 2.0]), tg.tensor([1, 1, 0])
    assert tg.logical_and(a, b).tolist() == [True, False, False]       # PyTorch 2.13 gives these
    assert a.logical_or(b).tolist() == [True, True, True]
    assert a.logical_xor(b).tolist() == [False, True, True]
    assert tg.logical_not(tg.tensor([1.0, 0.0, NAN])).tolist() == [False, True, False]
    with pytest.raises(RuntimeError, match="logical_and: shapes"):
        a.logical_and(tg.tensor([1, 0]))


# ----- top-level functions and methods agree -----------------------------------------------
_BINARY = {"atan2", "arctan2", "hypot", "copysign", "fmax", "fmin", "add", "sub", "subtract",
           "mul", "multiply", "div", "divide", "true_divide", "pow", "eq", "ne", "lt", "le",
           "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal", "equal",
           "isclose", "allclose", "logical_and", "logical_or", "logical_xor"}
_ARGS = {"clamp_min": (0.6,), "clamp_max": (0.6,), "lerp": ("y", 0.3)}


@pytest.mark.parametrize("name", methods_math.FUNCTIONS)
def test_function_and_method_forms_agree(name):
    x, y = tg.tensor([0.55, 0.75]), tg.tensor([0.6, 0.5])
    args = (y,) if name in _BINARY else tuple(y if a == "y" else a for a in _ARGS.get(name, ()))
    if name == "acosh" or name == "arccosh":
        x = x + 1.0
    method = getattr(tg.Tensor, name)
    assert method.__doc__, f"Tensor.{name} has no docstring"
    with np.errstate(all="ignore"):
        a, b = getattr(tg, name)(x, *args), getattr(x, name)(*args)
    if isinstance(a, bool):
        assert a is b
    else:
        assert a.dtype == b.dtype and np.array_equal(a.numpy(), b.numpy(), equal_nan=True)
