"""Fits of real data sets against published reference values, from the raw designs.

- Longley: NIST StRD certified values (tests/data/longley.csv), fitted without rescaling.
- Spector & Mazzeo logit: Stata 11 (Greene, Econometric Analysis), data from statsmodels.
- cpunish Poisson (raw INCOME ≈ 3e4): R's glm, data from statsmodels.
- anes96 multinomial logit: Stata 11 (tests/data/anes96.csv, public domain).
The reference numbers are the published ones (as statsmodels' own tests use them); they
carry the precision of the program that made them (Stata's and R's own convergence
tolerances, about 1e-7 and 1e-6 relative), so each test also checks the score equations,
which hold at the exact optimum to rounding.
"""
import os
import warnings

import numpy as np
import pytest

import tinygrad_ku as tg

DATA = os.path.join(os.path.dirname(__file__), "data")

# NIST StRD, Longley: certified regression coefficients and standard deviations.
LONGLEY_B = [-3482258.63459582, 15.0618722713733, -0.358191792925910e-01, -2.02022980381683,
             -1.03322686717359, -0.511041056535807e-01, 1829.15146461355]
LONGLEY_SE = [890420.383607373, 84.9149257747669, 0.334910077722432e-01, 0.488399681651699,
              0.214274163161675, 0.226073200069370, 455.478499142212]
LONGLEY_RESIDUAL_SD = 304.854073561965


def _longley():
    table = np.loadtxt(os.path.join(DATA, "longley.csv"), delimiter=",", comments="#",
                       skiprows=20)
    return table[:, 1:], table[:, 0]                        # X (16, 6), y = employment


def test_longley_raw_design_matches_nist_certified_values():
    X, y = _longley()
    with warnings.catch_warnings():
        warnings.simplefilter("error", tg.estimate.EstimationWarning)
        fit = tg.estimate.mle(tg.models.LinearRegression(n_features=6), (X, y))
    assert fit.converged, fit.message
    coef = np.r_[fit.params["bias"], fit.params["weight"]]
    np.testing.assert_allclose(coef, LONGLEY_B, rtol=1e-7)
    extra = fit.model.extra_results(X, y)
    assert extra["scale_unbiased"] == pytest.approx(LONGLEY_RESIDUAL_SD, rel=1e-7)
    se = np.r_[extra["stderr_ols"]["bias"], extra["stderr_ols"]["weight"]]
    np.testing.assert_allclose(se, LONGLEY_SE, rtol=1e-6)
    # the MLE σ is the unbiased one times sqrt((n − p)/n)
    assert fit.params["scale"] == pytest.approx(LONGLEY_RESIDUAL_SD * np.sqrt(9 / 16), rel=1e-7)


def _spector():
    import statsmodels.api as sm      # the data set only; statsmodels is a dev extra
    d = sm.datasets.spector.load()
    return np.asarray(d.exog, dtype=float), np.asarray(d.endog, dtype=float)


def test_spector_logit_matches_stata():
    X, y = _spector()
    fit = tg.estimate.mle(tg.models.LogisticRegression(n_features=3), (X, y))
    assert fit.converged and fit.optimizer == "newton", fit.message
    est = np.r_[fit.params["weight"], fit.params["bias"]]
    se = np.r_[fit.stderr["weight"], fit.stderr["bias"]]
    np.testing.assert_allclose(est, [2.82611297201, .0951576702557, 2.37868772835,
                                     -13.0213483201], rtol=2e-7)
    np.testing.assert_allclose(se, [1.26294114526, .141554207662, 1.06456430165,
                                    4.93132462871], rtol=2e-7)
    assert fit.llf == pytest.approx(-12.8896334653335, rel=1e-7)
    assert fit.llnull == pytest.approx(-20.5917296966173, rel=1e-12)
    assert fit.aic == pytest.approx(33.779266930667, rel=1e-7)
    assert fit.bic == pytest.approx(39.642210541866, rel=1e-7)
    Xb = np.c_[X, np.ones(len(y))]
    score = Xb.T @ (y - 1 / (1 + np.exp(-Xb @ est)))            # zero at the exact MLE
    np.testing.assert_allclose(score, 0.0, atol=1e-11)
    ci = np.asarray(fit.conf_int())
    stata_ci = np.array([[.3507938, 5.301432], [-.1822835, .3725988], [.29218, 4.465195],
                         [-22.68657, -3.35613]])
    np.testing.assert_allclose(ci, stata_ci, rtol=2e-6, atol=1e-6)


def test_cpunish_poisson_raw_income_matches_r():
    import statsmodels.api as sm      # the data set only; statsmodels is a dev extra
    d = sm.datasets.cpunish.load()
    X = np.asarray(d.exog, dtype=float).copy()
    X[:, 3] = np.log(X[:, 3])                       # as R's script: log(VC100k96); INCOME raw
    y = np.asarray(d.endog, dtype=float)
    fit = tg.estimate.mle(tg.models.PoissonRegression(n_features=6), (X, y))
    assert fit.converged, fit.message
    est = np.r_[fit.params["weight"], fit.params["bias"]]
    np.testing.assert_allclose(est, [2.611017e-04, 7.781801e-02, -9.493111e-02, 2.969349e-01,
                                     2.301183e+00, -1.872207e+01, -6.801480e+00], rtol=2e-6)
    se = np.r_[fit.stderr["weight"], fit.stderr["bias"]]
    np.testing.assert_allclose(se, [5.187132e-05, 7.940193e-02, 2.291926e-02, 4.375164e-01,
                                    4.283826e-01, 4.283961e+00, 4.146850e+00], rtol=1e-5)
    assert fit.llf == pytest.approx(-31.92732831, rel=2e-8)
    Xb = np.c_[X, np.ones(len(y))]
    score = Xb.T @ (y - np.exp(Xb @ est))                          # zero at the exact MLE
    np.testing.assert_allclose(score / np.abs(Xb).max(0), 0.0, atol=1e-9)


ANES_PARAMS = np.reshape([
    -.01153598, .29771435, -.024945, .08249144, .00519655, -.37340167, -.08875065, .39166864,
    -.02289784, .18104276, .04787398, -2.2509132, -.1059667, .57345051, -.01485121, -.00715242,
    .05757516, -3.6655835, -.0915567, 1.2787718, -.00868135, .19982796, .08449838, -7.6138431,
    -.0932846, 1.3469616, -.01790407, .21693885, .08095841, -7.0604782, -.14088069, 2.0700801,
    -.00943265, .3219257, .10889408, -12.105751], (6, -1), order="F")
ANES_BSE = np.reshape([
    .0342823657, .093626795, .0065248584, .0735865799, .0176336937, .6298376313, .0391615553,
    .1082386919, .0079144618, .0852893563, .0222809297, .7631899491, .0570382292, .1585481337,
    .0113313133, .1262913234, .0336142088, 1.156541492, .0437902764, .1288965854, .0084187486,
    .0941250559, .0261963632, .9575809602, .0393516553, .1171860107, .0076110152, .0850070091,
    .0229760791, .8443638283, .042138047, .1434089089, .0081338625, .0910979921, .025300888,
    1.059954821], (6, -1), order="F")


def test_anes96_multinomial_logit_matches_stata():
    table = np.loadtxt(os.path.join(DATA, "anes96.csv"), delimiter=",", comments="#",
                       skiprows=4)
    y, X = table[:, 0].astype(np.int64), table[:, 1:]
    fit = tg.estimate.mle(tg.models.MultinomialLogit(n_features=5, n_classes=7), (X, y))
    assert fit.converged, fit.message
    est = np.c_[fit.params["weight"], fit.params["bias"]].T          # (6 regressors, 6 classes)
    se = np.c_[fit.stderr["weight"], fit.stderr["bias"]].T
    np.testing.assert_allclose(est, ANES_PARAMS, rtol=2e-6, atol=2e-8)
    np.testing.assert_allclose(se, ANES_BSE, rtol=2e-6)
    assert fit.llf == pytest.approx(-1461.922747312, rel=1e-10)
    assert fit.llnull == pytest.approx(-1750.34670999, rel=1e-9)
