"""Time to fit LogisticRegression by MLE on N=50,000, D=100: tg.estimate (LBFGS, Adam) beside
scikit-learn, statsmodels (when installed) and hand-written NumPy loops on the same data.

    python benchmarks/bench_logistic_fit.py [--n 50000] [--d 100] [--adam-steps 500]

Prints wall time, a ratio (tg Adam: time per step over the NumPy Adam loop's; tg LBFGS:
over NumPy Newton; libraries: tg LBFGS time over theirs), and the final NLL
Σ softplus(η) − yη of each fit (lower is better; the Newton optimum is the floor).
tg Adam may stop before --adam-steps when the objective stops changing exactly.
"""
import argparse
import time
import warnings

import numpy as np

import tinygrad_ku as tg


def make_data(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(scale=1.0 / np.sqrt(d), size=d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w + 0.2)))).astype(np.float64)
    return X, y


def nll(X, y, w, b):
    eta = X @ w + b
    return float(np.sum(np.logaddexp(0.0, eta) - y * eta))


def numpy_adam(X, y, steps, lr, b1=0.9, b2=0.999, eps=1e-8):
    """Hand-written full-batch Adam on the mean NLL (the same update as tg.optim.Adam)."""
    n, d = X.shape
    th, m, v = np.zeros(d + 1), np.zeros(d + 1), np.zeros(d + 1)
    for t in range(1, steps + 1):
        p = 1 / (1 + np.exp(-(X @ th[:d] + th[d])))
        r = (p - y) / n
        g = np.r_[X.T @ r, r.sum()]
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        th -= lr / (1 - b1 ** t) * m / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return th[:d], th[d]


def numpy_newton(X, y, tol=1e-10):
    """Hand-written Newton's method (the reference optimum)."""
    Xb = np.c_[X, np.ones(len(X))]
    th = np.zeros(Xb.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-Xb @ th))
        step = np.linalg.solve((Xb * (p * (1 - p))[:, None]).T @ Xb, Xb.T @ (p - y))
        th -= step
        if np.abs(step).max() < tol:
            break
    return th[:-1], th[-1]


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--d", type=int, default=100)
    ap.add_argument("--adam-steps", type=int, default=500)
    ap.add_argument("--lr", type=float, default=0.05)
    args = ap.parse_args()
    X, y = make_data(args.n, args.d)
    rows = []

    def tg_fit(optimizer, **kw):
        model = tg.models.LogisticRegression(args.d)
        fit = tg.estimate.mle(model, (X, y), optimizer=optimizer, stderr=False, **kw)
        return model.weight.data.copy(), float(model.bias.data), fit.n_iter

    t, (w, b) = timed(lambda: numpy_newton(X, y))
    rows.append(("numpy Newton (reference)", t, nll(X, y, w, b), "", None))
    t_np_adam, (w, b) = timed(lambda: numpy_adam(X, y, args.adam_steps, args.lr))
    rows.append((f"numpy Adam loop ({args.adam_steps} steps)", t_np_adam, nll(X, y, w, b), "", None))
    t, (w, b, it) = timed(lambda: tg_fit("lbfgs"))
    rows.append(("tg.estimate LBFGS", t, nll(X, y, w, b), f"{it} iters", "lbfgs"))
    t, (w, b, it) = timed(lambda: tg_fit("adam", lr=args.lr, max_iter=args.adam_steps,
                                         gtol=0.0, tol=0.0))
    rows.append((f"tg.estimate Adam ({args.adam_steps} steps)", t, nll(X, y, w, b), f"{it} iters",
                 "adam"))
    try:
        from sklearn.linear_model import LogisticRegression as SkLR
        sk = SkLR(penalty=None, tol=1e-8, max_iter=1000)
        with warnings.catch_warnings():          # sklearn >= 1.8 deprecates penalty=None
            warnings.simplefilter("ignore", FutureWarning)
            t, _ = timed(lambda: sk.fit(X, y))
        rows.append(("sklearn LogisticRegression(penalty=None, lbfgs)", t,
                     nll(X, y, sk.coef_[0], sk.intercept_[0]), f"{sk.n_iter_[0]} iters", "lbfgs"))
    except ImportError:
        rows.append(("sklearn (not installed)", None, None, "", None))
    try:
        import statsmodels.api as sm
        t, res = timed(lambda: sm.Logit(y, sm.add_constant(X, prepend=False)).fit(disp=0))
        rows.append(("statsmodels Logit (Newton)", t, nll(X, y, res.params[:-1], res.params[-1]),
                     "", "lbfgs"))
    except ImportError:
        rows.append(("statsmodels (not installed)", None, None, "", None))

    t_lbfgs = rows[2][1]
    print(f"Logistic regression MLE, N={args.n}, D={args.d}")
    print(f"{'method':50s} {'time [s]':>9s} {'ratio':>22s} {'final NLL':>16s}  notes")
    for name, t, val, note, kind in rows:
        if t is None:
            print(f"{name:50s} {'-':>9s}")
            continue
        if name.startswith("tg.estimate Adam"):
            steps = int(note.split()[0])
            ratio = f"{(t / steps) / (t_np_adam / args.adam_steps):6.2f}x numpy/step"
        elif name.startswith("numpy Adam") or name.startswith("numpy Newton"):
            ratio = ""
        elif name.startswith("tg.estimate LBFGS"):
            ratio = f"{t / rows[0][1]:6.2f}x numpy Newton"
        else:
            ratio = f"{t_lbfgs / t:6.2f}x (tg LBFGS / it)"
        print(f"{name:50s} {t:9.3f} {ratio:>22s} {val:16.6f}  {note}")


if __name__ == "__main__":
    main()
