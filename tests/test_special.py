"""lgamma / digamma / trigamma / polygamma: published values, identities, poles, gradients.

Reference values are closed forms or published constants (Abramowitz & Stegun ch. 6,
DLMF 5.4 and 5.15), never outputs of this code; identities (recurrence, reflection,
duplication) tie the branches of each implementation to one another.
"""
import math

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku.ops.special import digamma, lgamma, polygamma, trigamma

EULER = 0.57721566490153286060651209008240243   # Euler-Mascheroni constant
APERY = 1.20205690315959428539973816151144999   # zeta(3)
CATALAN = 0.91596559417721901505460351493238411
GAMMA_1_3 = 2.67893853470774763365569294097467764  # Gamma(1/3), OEIS A073005
GAMMA_1_4 = 3.62560990822190831193068515586767200  # Gamma(1/4), OEIS A068466
DIGAMMA_ZERO = 1.46163214496836234126265954232572132  # positive zero of psi (DLMF 5.4.iii)
LN2, PI = math.log(2.0), math.pi


def close(a, b, rtol=1e-14, atol=0.0):
    if isinstance(a, tg.Tensor):
        a = a.detach().numpy()
    np.testing.assert_allclose(np.asarray(a, dtype=np.float64), b, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- lgamma

@pytest.mark.parametrize("x, expected", [
    (0.5, 0.5 * math.log(PI)),                      # Gamma(1/2) = sqrt(pi)
    (1.5, math.log(math.sqrt(PI) / 2)),             # Gamma(3/2) = sqrt(pi)/2
    (-0.5, math.log(2 * math.sqrt(PI))),            # |Gamma(-1/2)| = 2 sqrt(pi)
    (-1.5, math.log(4 * math.sqrt(PI) / 3)),        # Gamma(-3/2) = 4 sqrt(pi)/3
    (1 / 3, math.log(GAMMA_1_3)),
    (1 / 4, math.log(GAMMA_1_4)),
    (3 / 4, math.log(PI * math.sqrt(2) / GAMMA_1_4)),   # Gamma(1/4) Gamma(3/4) = pi sqrt 2
])
def test_lgamma_published_values(x, expected):
    close(lgamma(x), expected)


def test_lgamma_integers_are_log_factorials():
    n = np.arange(1, 171)
    expected = [math.log(math.factorial(k - 1)) if k > 2 else 0.0 for k in n]
    close(lgamma(n.astype(float)), expected, rtol=1e-14, atol=0)
    assert lgamma(1.0) == 0.0 and lgamma(2.0) == 0.0   # exact zeros


def test_lgamma_matches_math_lgamma_on_many_points():
    rng = np.random.default_rng(0)
    xs = np.concatenate([np.linspace(1e-3, 60, 3001), rng.uniform(0, 3, 500),
                         10 ** rng.uniform(-300, 300, 300)])
    ours = lgamma(xs)
    ref = np.array([math.lgamma(x) for x in xs])
    # math.lgamma is only absolutely accurate (~1e-15) next to its zeros at 1 and 2
    np.testing.assert_allclose(ours, ref, rtol=2e-14, atol=2e-15)
    neg = -rng.uniform(0, 40, 500)
    neg = neg[np.abs(neg - np.round(neg)) > 1e-3]
    np.testing.assert_allclose(lgamma(neg), [math.lgamma(x) for x in neg], rtol=1e-13, atol=1e-13)


def test_lgamma_is_accurate_next_to_its_zeros():
    # log Gamma(1 + z) = -gamma z + zeta(2) z^2 / 2 + O(z^3); log Gamma(2 + z) = (1 - gamma) z + ...
    for step in (1e-8, -1e-8, 1e-12, -3e-10):
        z = (1 + step) - 1                           # the exact offset of the float 1 + step
        close(lgamma(1 + z), -EULER * z + PI ** 2 / 12 * z * z, rtol=1e-12)
        z = (2 + step) - 2
        close(lgamma(2 + z), (1 - EULER) * z + (PI ** 2 / 6 - 1) / 2 * z * z, rtol=1e-12)


def test_lgamma_identities():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(1e-3, 30, 400), [0.5, 2.5, 9.999, 10.0, 10.001]])
    close(lgamma(x + 1) - lgamma(x), np.log(x), atol=1e-13, rtol=1e-13)                 # recurrence
    close(lgamma(2 * x), lgamma(x) + lgamma(x + 0.5) + (2 * x - 1) * LN2 - 0.5 * math.log(PI),
          rtol=1e-13, atol=1e-13)                                                     # duplication
    y = rng.uniform(-20, 20, 400)
    y = y[np.abs(y - np.round(y)) > 1e-3]
    close(lgamma(y) + lgamma(1 - y), np.log(PI / np.abs(np.sin(PI * y))), rtol=1e-12, atol=1e-12)


def test_lgamma_poles_and_special_inputs():
    out = lgamma(np.array([0.0, -1.0, -7.0, np.inf, -np.inf, np.nan]))
    assert np.all(np.isinf(out[:5])) and np.all(out[:5] > 0)
    assert np.isnan(out[5])
    assert lgamma(1e305) == pytest.approx(1e305 * (math.log(1e305) - 1), rel=1e-12)


def test_dtypes_and_shapes():
    assert lgamma(np.float32(3.0)).dtype == np.float32
    assert lgamma(np.array([1, 2, 3])).dtype == np.float64          # ints compute in float64
    assert np.ndim(lgamma(3.0)) == 0 and isinstance(float(lgamma(3.0)), float)
    assert lgamma(np.ones((2, 3, 4))).shape == (2, 3, 4)
    assert lgamma(np.ones((0, 3))).shape == (0, 3)
    close(lgamma([[4.0, 5.0]]), [[math.log(6), math.log(24)]])
    with pytest.raises(TypeError, match="lgamma"):
        lgamma(np.array([1 + 2j]))
    with pytest.raises(ValueError, match="polygamma.*-1"):
        polygamma(-1, 1.0)


# ----------------------------------------------------------------------------- digamma

@pytest.mark.parametrize("x, expected", [
    (1.0, -EULER),
    (0.5, -EULER - 2 * LN2),
    (0.25, -EULER - PI / 2 - 3 * LN2),
    (1 / 3, -EULER - PI / (2 * math.sqrt(3)) - 1.5 * math.log(3)),
    (2.0, 1 - EULER),
    (-0.5, -EULER - 2 * LN2 + 2),                  # psi(x + 1) = psi(x) + 1/x from psi(1/2)
])
def test_digamma_published_values(x, expected):
    close(digamma(x), expected)


def test_digamma_integers_are_harmonic_numbers():
    n = np.arange(1, 60)
    harmonic = [math.fsum(1 / k for k in range(1, m)) for m in n]
    close(digamma(n.astype(float)), np.array(harmonic) - EULER, rtol=1e-14, atol=1e-16)


def test_digamma_zero_and_accuracy_around_it():
    assert abs(digamma(DIGAMMA_ZERO)) < 1e-16
    # psi(x0 + z) = psi'(x0) z + O(z^2): relative accuracy survives right next to the zero
    z = 1e-9
    close(digamma(DIGAMMA_ZERO + z) / z, trigamma(DIGAMMA_ZERO), rtol=1e-6)


def test_digamma_identities():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.uniform(1e-3, 40, 500), [0.5, 1.5, 2.5, 10.0, 1.2, 1.7]])
    close(digamma(x + 1) - digamma(x), 1 / x, rtol=1e-12, atol=1e-13)                 # recurrence
    close(digamma(2 * x), 0.5 * digamma(x) + 0.5 * digamma(x + 0.5) + LN2, rtol=1e-13, atol=1e-14)
    y = rng.uniform(-20, 20, 400)
    y = y[np.abs(y - np.round(y)) > 1e-3]
    close(digamma(1 - y) - digamma(y), PI / np.tan(PI * y), rtol=1e-11, atol=1e-11)    # reflection
    big = np.array([1e6, 1e10, 1e100])
    close(digamma(big), np.log(big) - 0.5 / big - 1 / (12 * big ** 2), rtol=1e-15)


def test_digamma_is_the_derivative_of_lgamma_numerically():
    x = np.array([0.1, 0.9, 1.46, 3.3, 12.0, -0.4, -2.7])
    h = 1e-6
    close(digamma(x), (lgamma(x + h) - lgamma(x - h)) / (2 * h), rtol=1e-7, atol=1e-8)


def test_digamma_poles():
    out = digamma(np.array([0.0, -0.0, -1.0, -5.0, np.inf, np.nan]))
    assert out[0] == -np.inf and out[1] == np.inf       # limits from each side of zero
    assert np.isnan(out[2]) and np.isnan(out[3]) and out[4] == np.inf and np.isnan(out[5])


# ----------------------------------------------------------------------------- trigamma, polygamma

@pytest.mark.parametrize("x, expected", [
    (1.0, PI ** 2 / 6),
    (0.5, PI ** 2 / 2),
    (0.25, PI ** 2 + 8 * CATALAN),
    (2.0, PI ** 2 / 6 - 1),
    (-0.5, PI ** 2 / 2 + 4),                      # psi'(x) = psi'(x + 1) + 1/x^2
])
def test_trigamma_published_values(x, expected):
    close(trigamma(x), expected)


@pytest.mark.parametrize("n, x, expected", [
    (2, 1.0, -2 * APERY),
    (2, 0.5, -14 * APERY),
    (3, 1.0, PI ** 4 / 15),
    (3, 0.5, PI ** 4),
    (4, 1.0, -24 * 1.03692775514336992633),      # -4! zeta(5)
    (0, 1.0, -EULER),
])
def test_polygamma_published_values(n, x, expected):
    close(polygamma(n, x), expected)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_polygamma_recurrence_including_negative_x(n):
    rng = np.random.default_rng(n)
    x = np.concatenate([rng.uniform(0.05, 30, 200), rng.uniform(-15, -0.05, 200)])
    x = x[np.abs(x - np.round(x)) > 0.05]
    lhs = polygamma(n, x + 1) - polygamma(n, x)
    rhs = (-1) ** n * math.factorial(n) / x ** (n + 1)
    close(lhs, rhs, rtol=1e-10, atol=1e-12 * np.abs(polygamma(n, x)).max())


def test_trigamma_reflection_and_series():
    y = np.array([-7.3, -2.5, -0.9, -0.1, 0.2, 0.7, 3.6])
    close(trigamma(1 - y) + trigamma(y), PI ** 2 / np.sin(PI * y) ** 2, rtol=1e-13)
    # direct series for moderate x: sum_k 1/(x+k)^2, tail integral 1/(x+K) + 1/(2(x+K)^2) + ...
    x, K = 3.7, 200000
    k = np.arange(K)
    tail = 1 / (x + K) + 1 / (2 * (x + K) ** 2) + 1 / (6 * (x + K) ** 3)
    close(trigamma(x), math.fsum(1 / (x + k) ** 2) + tail, rtol=1e-13)


def test_polygamma_poles():
    assert np.all(trigamma(np.array([0.0, -1.0, -4.0])) == np.inf)
    assert polygamma(2, 0.0) == -np.inf and np.isnan(polygamma(2, -3.0))
    assert trigamma(np.inf) == 0.0


# ----------------------------------------------------------------------------- as differentiable ops

GRAD_POINTS = [
    np.array(2.3),                                          # scalar
    np.array([0.2, 1.0, 1.46, 7.5, 25.0]),                  # across every branch
    np.array([[0.7, -0.3, 3.1], [-2.6, 11.0, 0.05]]),       # matrix, with negatives
]


@pytest.mark.parametrize("fn", [lgamma, digamma, trigamma, lambda x: polygamma(2, x)],
                         ids=["lgamma", "digamma", "trigamma", "polygamma2"])
@pytest.mark.parametrize("x", GRAD_POINTS, ids=["scalar", "vector", "matrix"])
def test_gradcheck(fn, x):
    t = tg.tensor(x, requires_grad=True)
    assert tg.autograd.gradcheck(fn, t, eps=1e-6, atol=1e-6, rtol=1e-5)


def test_tensor_forward_values_and_dtype():
    t = tg.tensor([0.5, 1.0], requires_grad=True)
    out = lgamma(t)
    assert isinstance(out, tg.Tensor) and out.requires_grad
    close(out, [0.5 * math.log(PI), 0.0])
    close(digamma(tg.tensor([1.0])), [-EULER])
    t32 = tg.Tensor(np.array([3.0], dtype=np.float32))
    assert lgamma(t32).dtype == np.float32


def test_second_derivative_of_lgamma_is_trigamma():
    x = tg.tensor([0.5, 1.0, 4.0], requires_grad=True)
    (d1,) = tg.autograd.grad(lgamma(x).sum(), x, create_graph=True)
    close(d1, [-EULER - 2 * LN2, -EULER, 1 + 1 / 2 + 1 / 3 - EULER])
    (d2,) = tg.autograd.grad(d1.sum(), x, create_graph=True)
    close(d2, [PI ** 2 / 2, PI ** 2 / 6, PI ** 2 / 6 - 1 - 1 / 4 - 1 / 9])
    (d3,) = tg.autograd.grad(d2.sum(), x)
    close(d3, [-14 * APERY, -2 * APERY, -2 * APERY + 2 * (1 + 1 / 8 + 1 / 27)])


def test_create_graph_path_against_finite_differences():
    # d/dx of the first derivative built with create_graph=True (the vjp run on Tensors)
    # must match central differences of first derivatives built on the ndarray path
    def first_derivative(values, create_graph):
        x = tg.tensor(values, requires_grad=True)
        (g,) = tg.autograd.grad(lgamma(x).sum(), x, create_graph=create_graph)
        return x, g

    values = np.array([0.3, 1.7, 6.0, -1.4, 13.0])
    x, g = first_derivative(values, create_graph=True)
    (analytical,) = tg.autograd.grad(g.sum(), x)
    h = 1e-6
    numerical = (np.asarray(first_derivative(values + h, False)[1])
                 - np.asarray(first_derivative(values - h, False)[1])) / (2 * h)
    close(analytical, numerical, rtol=1e-6, atol=1e-7)


def test_extreme_inputs_overflow_cleanly_without_warnings():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # no RuntimeWarning leaks out
        tiny = np.array([1e-320, -1e-320])
        # near 0: lgamma ~ -log|x|, psi ~ -1/x, psi^(n) ~ (-1)^(n+1) n! / x^(n+1)
        assert lgamma(5e-324) == pytest.approx(-math.log(5e-324), rel=1e-15)
        assert digamma(-1e-300) == pytest.approx(1e300, rel=1e-15)
        assert digamma(1e-300) == pytest.approx(-1e300, rel=1e-15)
        np.testing.assert_array_equal(digamma(tiny), [-np.inf, np.inf])
        np.testing.assert_array_equal(trigamma(tiny), [np.inf, np.inf])
        np.testing.assert_array_equal(polygamma(2, tiny), [-np.inf, np.inf])
        np.testing.assert_array_equal(polygamma(5, tiny), [np.inf, np.inf])
        assert lgamma(1e308) == np.inf and lgamma(-1e20) == np.inf
        assert digamma(1e308) == pytest.approx(math.log(1e308), rel=1e-15)
