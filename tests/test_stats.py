"""tg.estimate._stats: normal and chi-square functions against closed forms and published values."""
import math

import numpy as np
import pytest

from tinygrad_ku.estimate import _stats as S

# published quantiles of the standard normal and χ² distributions (standard tables)
Z_975 = 1.959963984540054
CHI2_95_DF1 = 3.841458820694124
CHI2_95_DF2 = 5.991464547107979


def test_normal_published_values():
    assert S.norm_ppf(0.975) == pytest.approx(Z_975, rel=1e-15)
    assert S.norm_ppf(0.025) == pytest.approx(-Z_975, rel=1e-15)
    assert S.norm_isf(0.025) == pytest.approx(Z_975, rel=1e-15)
    assert S.norm_ppf(0.5) == 0.0
    assert S.two_sided_p(Z_975) == pytest.approx(0.05, rel=1e-14)
    assert S.norm_cdf(0.0) == 0.5
    assert S.norm_pdf(0.0) == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-15)


def test_normal_tails_are_complementary_and_symmetric():
    x = np.linspace(-8, 8, 33)
    np.testing.assert_allclose(S.norm_cdf(x) + S.norm_sf(x), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(S.norm_cdf(-x), S.norm_sf(x))
    # the upper tail keeps relative precision where 1 − Φ would be 0: Mills' ratio φ(x)/x (1 − 1/x²)
    x = 30.0
    mills = S.norm_pdf(x) / x * (1 - 1 / x**2 + 3 / x**4 - 15 / x**6)
    assert S.norm_sf(x) == pytest.approx(mills, rel=1e-9)


def test_normal_ppf_edges():
    assert S.norm_ppf(0.0) == -math.inf and S.norm_ppf(1.0) == math.inf
    assert math.isnan(S.norm_ppf(1.5)) and math.isnan(S.norm_ppf(-0.1))
    assert math.isnan(S.norm_ppf(math.nan))
    out = S.norm_ppf(np.array([[0.025, 0.5], [0.975, 1.0]]))
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out, [[-Z_975, 0.0], [Z_975, np.inf]], rtol=1e-15)


@pytest.mark.parametrize("p", np.concatenate([np.logspace(-300, -1, 120),
                                               np.linspace(0.02, 0.98, 49),
                                               1 - np.logspace(-16, -1, 31)]))
def test_normal_ppf_is_accurate_to_1e14(p):
    """The error in x implied by the residual, (Φ(x) − p)/φ(x), is below 1e-14 (relative for |x| > 1)."""
    x = S.norm_ppf(p)
    if p <= 0.5:
        resid_rel = S.norm_cdf(x) / p - 1.0
        dx = resid_rel * p * math.sqrt(2 * math.pi) * math.exp(0.5 * x * x)
    else:                                        # the exactly represented quantity is 1 − p
        q = 1.0 - p
        dx = -(S.norm_sf(x) / q - 1.0) * q * math.sqrt(2 * math.pi) * math.exp(0.5 * x * x)
    assert abs(dx) <= 1e-14 * max(1.0, abs(x)), (p, x, dx)


def test_chi2_published_quantiles():
    assert S.chi2_ppf(0.95, 1) == pytest.approx(CHI2_95_DF1, rel=1e-14)
    assert S.chi2_ppf(0.95, 2) == pytest.approx(CHI2_95_DF2, rel=1e-14)
    assert S.chi2_isf(0.05, 1) == pytest.approx(CHI2_95_DF1, rel=1e-14)
    assert S.chi2_ppf(0.95, 1) == pytest.approx(Z_975**2, rel=1e-14)    # χ²₁ = Z²


@pytest.mark.parametrize("x", [1e-8, 0.01, 0.5, 1.0, 2.9, 3.0, 7.0, 40.0, 300.0, 1400.0])
def test_chi2_sf_closed_forms(x):
    # df=2: Q = e^{-x/2}; df=1: erfc(√(x/2)); df=4: e^{-x/2}(1 + x/2);
    # df=3: erfc(√(x/2)) + √(2x/π) e^{-x/2}
    assert S.chi2_sf(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-14)
    assert S.chi2_sf(x, 1) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-13)
    assert S.chi2_sf(x, 4) == pytest.approx(math.exp(-x / 2) * (1 + x / 2), rel=1e-13)
    df3 = math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2)
    assert S.chi2_sf(x, 3) == pytest.approx(df3, rel=1e-13)
    # the lower tail keeps relative precision too: df=2 P = −expm1(−x/2)
    assert S.chi2_cdf(x, 2) == pytest.approx(-math.expm1(-x / 2), rel=1e-14)


@pytest.mark.parametrize("df", [0.3, 1, 2, 5, 17.5, 120])
def test_chi2_cdf_and_sf_sum_to_one(df):
    x = np.array([0.01, 0.5, df, df + 1.0, 3 * df + 10])
    np.testing.assert_allclose(S.chi2_cdf(x, df) + S.chi2_sf(x, df), 1.0, rtol=1e-14)


def test_chi2_quantiles_invert_in_closed_form():
    # df=2: ppf(p) = −2 log(1 − p), isf(q) = −2 log q, exact even for q = 1e-200
    for q in [0.5, 0.05, 1e-5, 1e-50, 1e-200]:
        assert S.chi2_isf(q, 2) == pytest.approx(-2 * math.log(q), rel=1e-14)
    for p in [1e-12, 1e-3, 0.3, 0.9]:
        assert S.chi2_ppf(p, 2) == pytest.approx(-2 * math.log1p(-p), rel=1e-13)
    # df=1: isf(q) = z_{q/2}²
    for q in [0.3, 0.01, 1e-10]:
        assert S.chi2_isf(q, 1) == pytest.approx(S.norm_isf(q / 2) ** 2, rel=1e-13)


@pytest.mark.parametrize("df", [0.5, 1, 3, 10, 55.5, 400])
def test_chi2_quantile_round_trip(df):
    for p in [1e-9, 0.01, 0.5, 0.95, 0.999]:
        assert S.chi2_cdf(S.chi2_ppf(p, df), df) == pytest.approx(p, rel=1e-12)
        assert S.chi2_sf(S.chi2_isf(p, df), df) == pytest.approx(p, rel=1e-12)


def test_chi2_edges_and_errors():
    assert S.chi2_sf(0.0, 3) == 1.0 and S.chi2_cdf(0.0, 3) == 0.0
    assert S.chi2_sf(math.inf, 3) == 0.0
    assert S.chi2_ppf(0.0, 3) == 0.0 and S.chi2_ppf(1.0, 3) == math.inf
    assert math.isnan(S.chi2_ppf(1.2, 3))
    for bad in (0, -1, math.inf, math.nan):
        with pytest.raises(ValueError, match="df must be positive"):
            S.chi2_sf(1.0, bad)
    out = S.chi2_sf(np.array([1.0, 2.0, 3.0]), np.array([1, 2, 3]))
    assert out.shape == (3,)
    assert out[1] == pytest.approx(math.exp(-1.0), rel=1e-14)
