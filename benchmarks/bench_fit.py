"""Wall time and accuracy of tg.estimate.mle beside statsmodels on three real data sets.

    python benchmarks/bench_fit.py [--repeat 7]

- logit:   Spector & Mazzeo (32 rows, 4 parameters), statsmodels `Logit`
- poisson: RAND health insurance experiment `randhie` (20,190 rows, 10 parameters), `Poisson`
- mnlogit: 1996 American National Election Study `anes96` (944 rows, 36 parameters), `MNLogit`

Both libraries fit from their defaults (tg: trust-region Newton with the engine's exact
Hessian; statsmodels: Newton with hand-written derivatives) and compute standard errors.
Accuracy is the largest relative error of the estimates and of the standard errors against
the published Stata 11 values (the ones statsmodels tests against), and the log-likelihood
gap. Time is the median of --repeat fits, one BLAS thread for both. Needs the `bench` extra
(statsmodels).
"""
import argparse
import os
import warnings

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")       # one BLAS thread for both libraries, as benchmarks/run.py

import numpy as np  # noqa: E402

import tinygrad_ku as tg  # noqa: E402
from workloads import median_time  # noqa: E402  (benchmarks/, the script's directory)

# Stata 11 results, as published with statsmodels' test suite.
STATA = {
    "logit": dict(
        params=[2.82611297201, .0951576702557, 2.37868772835, -13.0213483201],
        bse=[1.26294114526, .141554207662, 1.06456430165, 4.93132462871],
        llf=-12.8896334653335),
    "poisson": dict(
        params=[-.052535114675, -.247086797633, .035290201794, -.03457750643, .271713973711,
                .033941474461, -.012635035534, .054056326828, .206115121809, .700352877227],
        bse=[.00288398915279, .01061725196728, .00182833684966, .00161284852954,
             .01223913844387, .00056476496963, .00925061122826, .01530987068312,
             .02627928267502, .01116266712362],
        llf=-62419.588535018),
    "mnlogit": dict(
        params=np.reshape([
            -.01153598, .29771435, -.024945, .08249144, .00519655, -.37340167, -.08875065,
            .39166864, -.02289784, .18104276, .04787398, -2.2509132, -.1059667, .57345051,
            -.01485121, -.00715242, .05757516, -3.6655835, -.0915567, 1.2787718, -.00868135,
            .19982796, .08449838, -7.6138431, -.0932846, 1.3469616, -.01790407, .21693885,
            .08095841, -7.0604782, -.14088069, 2.0700801, -.00943265, .3219257, .10889408,
            -12.105751], (6, -1), order="F"),
        bse=np.reshape([
            .0342823657, .093626795, .0065248584, .0735865799, .0176336937, .6298376313,
            .0391615553, .1082386919, .0079144618, .0852893563, .0222809297, .7631899491,
            .0570382292, .1585481337, .0113313133, .1262913234, .0336142088, 1.156541492,
            .0437902764, .1288965854, .0084187486, .0941250559, .0261963632, .9575809602,
            .0393516553, .1171860107, .0076110152, .0850070091, .0229760791, .8443638283,
            .042138047, .1434089089, .0081338625, .0910979921, .025300888, 1.059954821],
            (6, -1), order="F"),
        llf=-1461.922747312),
}


def load(name):
    import statsmodels.api as sm
    if name == "logit":
        d = sm.datasets.spector.load()
        return np.asarray(d.exog, dtype=float), np.asarray(d.endog, dtype=float)
    if name == "poisson":
        d = sm.datasets.randhie.load()
        return np.asarray(d.exog, dtype=float), np.asarray(d.endog, dtype=float)
    d = sm.datasets.anes96.load()
    X = np.asarray(d.exog, dtype=float)[:, [0, 1, 2, 3, 4]]   # logpopul selfLR age educ income
    return X, np.asarray(d.endog, dtype=np.int64)


def fit_tg(name, X, y):
    D = X.shape[1]
    if name == "logit":
        model = tg.models.LogisticRegression(n_features=D)
    elif name == "poisson":
        model = tg.models.PoissonRegression(n_features=D)
    else:
        model = tg.models.MultinomialLogit(n_features=D, n_classes=int(y.max()) + 1)
    fit = tg.estimate.mle(model, (X, y))
    se = fit.stderr
    if name == "mnlogit":                        # Stata layout: (features + const, classes 1..6)
        est = np.c_[fit.params["weight"], fit.params["bias"]].T
        bse = np.c_[se["weight"], se["bias"]].T
    else:
        est = np.r_[fit.params["weight"], fit.params["bias"]]
        bse = np.r_[se["weight"], se["bias"]]
    return est, bse, fit.llf, fit.n_iter, fit.converged


def fit_sm(name, X, y):
    import statsmodels.api as sm
    Xc = sm.add_constant(X, prepend=False)
    cls = {"logit": sm.Logit, "poisson": sm.Poisson, "mnlogit": sm.MNLogit}[name]
    res = cls(y, Xc).fit(disp=0)
    return np.asarray(res.params), np.asarray(res.bse), float(res.llf), \
        int(res.mle_retvals["iterations"]), bool(res.mle_retvals["converged"])


def rel_err(a, ref):
    a, ref = np.asarray(a, dtype=float), np.asarray(ref, dtype=float)
    return float(np.max(np.abs(a - ref) / np.abs(ref)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    warnings.simplefilter("ignore")          # statsmodels' own deprecation chatter
    print("| model | rows | engine | ms/fit | iters | converged | max rel err params | "
          "max rel err SE | llf − Stata | tg/sm time |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in ("logit", "poisson", "mnlogit"):
        X, y = load(name)
        ref = STATA[name]
        rows = {}
        for engine, fn in (("statsmodels", fit_sm), ("tinygrad_ku", fit_tg)):
            fn(name, X, y)                       # warm-up
            t, (est, bse, llf, iters, conv) = median_time(lambda: fn(name, X, y), args.repeat)
            rows[engine] = t
            ratio = f"{rows['tinygrad_ku'] / rows['statsmodels']:.2f}x" \
                if engine == "tinygrad_ku" else ""
            print(f"| {name} | {len(y)} | {engine} | {t * 1e3:.2f} | {iters} | {conv} | "
                  f"{rel_err(est, ref['params']):.1e} | {rel_err(bse, ref['bse']):.1e} | "
                  f"{llf - ref['llf']:+.1e} | {ratio} |")


if __name__ == "__main__":
    main()
