"""Time of jacobian(f, x) for f(x) = tanh(W x), W 200x200: row by row, vectorize=True, and NumPy by hand.

Run: python benchmarks/bench_jacobian.py [--repeat N]
The analytic Jacobian is diag(1 - tanh²(Wx)) W. Medians over N runs; the three results
are also checked against each other.
"""
import argparse
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")      # one BLAS thread, as benchmarks/run.py

import numpy as np  # noqa: E402

import tinygrad_ku as tg  # noqa: E402
from tinygrad_ku.autograd.functional import jacobian  # noqa: E402
from workloads import median_time  # noqa: E402  (benchmarks/, the script's directory)


def main(n=200, repeat=15):
    rng = np.random.default_rng(0)
    W_np = rng.standard_normal((n, n)) / np.sqrt(n)
    x_np = rng.standard_normal(n)
    W, x = tg.tensor(W_np), tg.tensor(x_np)

    def f(t):
        return (W @ t).tanh()

    def numpy_jac():
        return (1.0 - np.tanh(W_np @ x_np) ** 2)[:, None] * W_np

    t_np, J_np = median_time(numpy_jac, repeat)
    t_rows, J_rows = median_time(lambda: jacobian(f, x), repeat)
    t_vec, J_vec = median_time(lambda: jacobian(f, x, vectorize=True), repeat)
    assert np.allclose(J_rows.data, J_np) and np.allclose(J_vec.data, J_np)
    print(f"jacobian of tanh(W x), W {n}x{n}, median of {repeat} runs")
    print(f"  NumPy analytic           {t_np * 1e3:9.3f} ms")
    print(f"  jacobian (row by row)    {t_rows * 1e3:9.3f} ms   {t_rows / t_np:8.1f}x NumPy")
    print(f"  jacobian(vectorize=True) {t_vec * 1e3:9.3f} ms   {t_vec / t_np:8.1f}x NumPy")
    print(f"  row by row / vectorized  {t_rows / t_vec:9.1f}x")
    return t_np, t_rows, t_vec


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--repeat", type=int, default=15)
    main(repeat=p.parse_args().repeat)
