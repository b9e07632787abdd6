"""Logistic regression on a 2-worker Dask LocalCluster: tg.estimate.mle beside dask-ml.

    python benchmarks/bench_dask.py [--rows 10000000] [--features 20] [--chunk-rows 250000]
                                    [--ooc-rows 5000000] [--skip-dask-ml] [--skip-ooc]

1. In memory of the cluster: X (rows × features) and y are generated chunk by chunk ON THE
   WORKERS (dask.array.random with one seed per block) and persisted there; the client never
   holds them. tg.estimate.mle (trust-region Newton, exact per-chunk Hessians summed) and
   dask-ml's LogisticRegression (solver 'newton' and 'lbfgs', no penalty) fit the same arrays.
   Reported: wall time per fit, iterations, task rounds, peak RSS of the client process and
   of each worker (sampled every 50 ms), and the largest coefficient gap to tg's fit.
2. Out of core: data generated on the workers are written to disk as .npy stacks
   (da.to_npy_stack) larger than each worker's memory_limit (--ooc-memory), then fitted from
   disk (da.from_npy_stack, memory-mapped) with worker memory bounded; a copy of the first
   --check-rows rows goes through the same pipeline and is compared with the in-memory fit.
Needs the `bench` and `dask` extras (dask-ml, distributed).
"""
import argparse
import os
import shutil
import tempfile
import threading
import time
import warnings

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")       # one BLAS thread per worker process, for both libraries

import numpy as np
import psutil

import tinygrad_ku as tg

MB = 2.0 ** 20


class PeakRSS:
    """Peak resident memory of the client process and of each worker, sampled in a thread."""

    def __init__(self, client):
        pids = client.run(os.getpid)                      # {worker address: pid}
        self.procs = {"client": psutil.Process()}
        self.procs.update({f"worker{i}": psutil.Process(pid)
                           for i, pid in enumerate(sorted(pids.values()))})

    def __enter__(self):
        self.peak = {k: p.memory_info().rss for k, p in self.procs.items()}
        self.start = dict(self.peak)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.05):
            for k, p in self.procs.items():
                try:
                    self.peak[k] = max(self.peak[k], p.memory_info().rss)
                except psutil.NoSuchProcess:
                    pass

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def text(self):
        return ", ".join(f"{k} {self.peak[k] / MB:.0f} MB (start {self.start[k] / MB:.0f})"
                         for k in self.procs)


def make_data(n, d, chunk_rows, seed=0):
    """(X, y) built lazily block by block on the workers: y ~ Bernoulli(σ(X w + b))."""
    import dask.array as da
    rs = da.random.RandomState(seed)
    X = rs.standard_normal((n, d), chunks=(chunk_rows, d))
    w = np.linspace(-1.0, 1.0, d) / np.sqrt(d)
    eta = X @ w + 0.25
    y = (rs.random_sample(n, chunks=chunk_rows) < 1.0 / (1.0 + da.exp(-eta))).astype(np.float64)
    return X, y


def fit_tg(X, y, d):
    t = time.perf_counter()
    fit = tg.estimate.mle(tg.models.LogisticRegression(n_features=d), (X, y))
    wall = time.perf_counter() - t
    coef = np.append(fit.params["weight"], fit.params["bias"])
    return fit, wall, coef


def fit_dask_ml(X, y, solver):
    from dask_ml.linear_model import LogisticRegression
    kw = dict(penalty=None) if solver == "lbfgs" else {}     # dask-glm's newton is unpenalised
    model = LogisticRegression(solver=solver, fit_intercept=True, max_iter=100, tol=1e-8, **kw)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model.fit(X, y)
    return time.perf_counter() - t, np.append(np.ravel(model.coef_), model.intercept_)


def in_cluster_memory(args):
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, memory_limit=args.memory,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        print(f"== {args.rows:,} rows × {args.features} features, chunks of "
              f"{args.chunk_rows:,} rows, 2 workers × 1 thread, memory_limit {args.memory}; "
              f"dashboard {client.dashboard_link}")
        X, y = make_data(args.rows, args.features, args.chunk_rows)
        with PeakRSS(client) as mem:
            t = time.perf_counter()
            X, y = client.persist([X, y])
            from distributed import wait
            wait([X, y])
        print(f"generate + persist on the workers: {time.perf_counter() - t:.1f} s "
              f"({(X.nbytes + y.nbytes) / MB:,.0f} MB); peak RSS: {mem.text()}")
        with PeakRSS(client) as mem:
            fit, t_tg, coef = fit_tg(X, y, args.features)
        print(f"tg.estimate.mle   newton: {t_tg:7.1f} s, {fit.n_iter} iterations, "
              f"{fit.problem.n_evaluations} task rounds, converged={fit.converged}; "
              f"peak RSS: {mem.text()}")
        t = time.perf_counter()
        se = fit.stderr["weight"]
        print(f"  (standard errors from the stored Hessian: {time.perf_counter() - t:.3f} s; "
              f"se[weight0] = {se[0]:.3g}; llf = {fit.llf:.10g})")
        if not args.skip_dask_ml:
            for solver in ("newton", "lbfgs"):
                with PeakRSS(client) as mem:
                    t_ml, coef_ml = fit_dask_ml(X, y, solver)
                gap = np.abs(coef_ml - coef).max()
                print(f"dask-ml {solver:>6}: {t_ml:7.1f} s (tg/dask-ml time ratio "
                      f"{t_tg / t_ml:.2f}); max|coef − tg| = {gap:.2e}; peak RSS: {mem.text()}")


def out_of_core(args):
    import dask.array as da
    from distributed import Client, LocalCluster
    root = tempfile.mkdtemp(prefix="tg_bench_dask_")
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, memory_limit=args.ooc_memory,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            d, rows = args.features, args.ooc_rows
            for name, n in (("big", rows), ("small", args.check_rows)):
                X, y = make_data(n, d, args.ooc_chunk_rows, seed=1)
                t = time.perf_counter()
                os.makedirs(os.path.join(root, name))
                da.to_npy_stack(os.path.join(root, name, "X"), X)   # written by the workers
                da.to_npy_stack(os.path.join(root, name, "y"), y)
                if name == "big":
                    print(f"== out of core: {n:,} rows × {d} written to disk as .npy stacks "
                          f"({(X.nbytes + y.nbytes) / MB:,.0f} MB > memory_limit "
                          f"{args.ooc_memory} per worker) in {time.perf_counter() - t:.1f} s")
            X = da.from_npy_stack(os.path.join(root, "big", "X"))
            y = da.from_npy_stack(os.path.join(root, "big", "y"))
            with PeakRSS(client) as mem:
                fit, wall, _ = fit_tg(X, y, d)
            print(f"tg.estimate.mle from disk: {wall:.1f} s, {fit.n_iter} iterations, persisted="
                  f"{fit.problem.persisted}, converged={fit.converged}; peak RSS: {mem.text()}")
            Xs = da.from_npy_stack(os.path.join(root, "small", "X"))
            ys = da.from_npy_stack(os.path.join(root, "small", "y"))
            _, _, coef_disk = fit_tg(Xs, ys, d)
            X_mem = np.concatenate([np.load(os.path.join(root, "small", "X", f"{i}.npy"))
                                    for i in range(len(Xs.chunks[0]))])
            y_mem = np.concatenate([np.load(os.path.join(root, "small", "y", f"{i}.npy"))
                                    for i in range(len(ys.chunks[0]))])
            _, _, coef_mem = fit_tg(X_mem, y_mem, d)
            print(f"same pipeline on a {args.check_rows:,}-row copy vs the in-memory fit: "
                  f"max|coef gap| = {np.abs(coef_disk - coef_mem).max():.2e}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--chunk-rows", type=int, default=250_000)
    ap.add_argument("--memory", default="6GiB", help="memory_limit per worker (in-memory part)")
    ap.add_argument("--ooc-rows", type=int, default=5_000_000)
    ap.add_argument("--ooc-chunk-rows", type=int, default=100_000)
    ap.add_argument("--ooc-memory", default="600MiB", help="memory_limit per worker (out of core)")
    ap.add_argument("--check-rows", type=int, default=200_000)
    ap.add_argument("--skip-dask-ml", action="store_true")
    ap.add_argument("--skip-ooc", action="store_true")
    args = ap.parse_args()
    in_cluster_memory(args)
    if not args.skip_ooc:
        out_of_core(args)


if __name__ == "__main__":
    main()
