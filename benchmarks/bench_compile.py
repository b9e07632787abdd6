"""tg.compile against hand-written NumPy and eager mode, side by side in one run.

    tiny    100 ops (*1.01, +0.01, tanh) on (8,) f64, sum, backward   (workloads.py);
            also backend="numba" when numba is installed (the first call compiles its loops)
    chain   20,000-op scalar chain (*1.0001, +1e-6, tanh), forward + backward
    trace   trace + code generation of a 1,000-op graph (NumPy backend)

Targets (issue #18): compiled <= 0.6x hand NumPy on tiny, <= 1.0x on the chain, trace +
codegen <= 100 ms for 1,000 ops; the numba backend (tiny only; if numba is installed) <= 1.0x
JAX's jit of the same function when JAX is installed (the bench extra), else <= 0.05x hand
NumPy, reported but not part of the exit code. Engines take turns round after round; medians
are reported.

    python benchmarks/bench_compile.py [--rounds N]
"""
import argparse
import os
import sys
import time

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workloads as W  # noqa: E402

import tinygrad_ku as tg  # noqa: E402


def _eager_and_compiled(f, x):
    """{"eager": ..., "compiled": ...}: x.grad of f(x).backward() by the engine and by tg.compile."""
    cf = tg.compile(f)

    def run(fn):
        def step():
            x.grad = None
            fn(x).backward()
            return x.grad.data
        return step
    return {"eager": run(f), "compiled": run(cf)}

def tiny_cases():
    x0 = W._data("tiny")["x"]
    hand = W._np_tiny({"x": x0}).run

    def f(x):
        y = x
        for k in W.TINY_OPS:
            y = y * W.MUL if k == 0 else (y + W.ADD if k == 1 else y.tanh())
        return y.sum()
    x = tg.Tensor(x0.copy(), requires_grad=True)
    cases = {"numpy": hand, **_eager_and_compiled(f, x)}
    try:
        cn = tg.compile(f, backend="numba")
    except ImportError:
        return cases

    def numba():
        x.grad = None
        cn(x).backward()
        return x.grad.data
    cases["numba"] = numba
    jitted = _jax_tiny(x0)
    if jitted is not None:
        cases["jax"] = jitted
    return cases


def _jax_tiny(x0):
    """jax.jit(jax.grad(f)) of the same 100 ops, in float64 (None without JAX)."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def f(x):
        y = x
        for k in W.TINY_OPS:
            y = y * W.MUL if k == 0 else (y + W.ADD if k == 1 else jnp.tanh(y))
        return y.sum()
    grad = jax.jit(jax.grad(f))
    x = jnp.asarray(x0)
    return lambda: grad(x).block_until_ready()


def chain_cases():
    d = W._data("chain")
    ops = W._seq(d["n"])
    case = W._np_chain(d)

    def hand():
        return case.run(case.prepare())

    def f(x):
        y = x
        for k in ops:
            y = y * W.CHAIN_MUL if k == 0 else (y + W.CHAIN_ADD if k == 1 else y.tanh())
        return y
    x = tg.Tensor(np.array(d["x"]), requires_grad=True)
    return {"numpy": hand, **_eager_and_compiled(f, x)}


def trace_time(n=1000, repeat=3):
    """Seconds to trace and generate code for an n-op graph (a fresh function each time)."""
    x0 = tg.Tensor(np.linspace(-1.0, 1.0, 8), requires_grad=True)
    best = np.inf
    for _ in range(repeat):
        def f(x):
            y = x
            for k in range(n):
                y = y * W.MUL if k % 3 == 0 else (y + W.ADD if k % 3 == 1 else y.tanh())
            return y.sum()
        cf = tg.compile(f)
        t = time.perf_counter()
        cf(x0)
        best = min(best, time.perf_counter() - t)
    return best


def measure(cases, calls, rounds):
    """Median seconds per call of each case; results checked equal to hand NumPy's."""
    ref = np.asarray(cases["numpy"]())
    for name, fn in cases.items():
        got = np.asarray(fn())           # (the first compiled call traces: not timed)
        if not np.allclose(got, ref, rtol=1e-10, atol=1e-300):
            raise AssertionError(f"{name}: gradient differs from hand-written NumPy")
    times = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            t = time.perf_counter()
            for _ in range(calls):
                fn()
            times[name].append((time.perf_counter() - t) / calls)
    return {name: float(np.median(v)) for name, v in times.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    a = ap.parse_args()
    print(f"tg.compile benchmark (numpy {np.__version__}, median of {a.rounds} rounds)\n")
    rows = [("tiny: 100 ops on (8,) f64, fwd+bwd", "us", 1e6, measure(tiny_cases(), 200, a.rounds),
             0.6),
            ("chain: 20,000 scalar ops, fwd+bwd", "ms", 1e3, measure(chain_cases(), 2, a.rounds),
             1.0)]
    print(f"{'workload':38s} {'numpy':>10s} {'eager':>10s} {'compiled':>10s} {'numba':>10s}  "
          f"{'eager/np':>8s} {'comp/np':>8s} {'numba/np':>8s}  target")
    ok = True
    for label, unit, scale, t, target in rows:
        r_e, r_c = t["eager"] / t["numpy"], t["compiled"] / t["numpy"]
        ok &= r_c <= target
        nb = f"{t['numba'] * scale:8.1f}{unit}" if "numba" in t else f"{'-':>10s}"
        r_n = f"{t['numba'] / t['numpy']:7.3f}x" if "numba" in t else f"{'-':>8s}"
        print(f"{label:38s} {t['numpy'] * scale:8.1f}{unit} {t['eager'] * scale:8.1f}{unit} "
              f"{t['compiled'] * scale:8.1f}{unit} {nb}  {r_e:7.2f}x {r_c:7.2f}x {r_n}  "
              f"<= {target}x {'ok' if r_c <= target else 'MISSED'}")
    t = rows[0][3]
    if "jax" in t:
        print(f"{'  jax.jit(jax.grad(f)) on tiny':38s} {t['jax'] * 1e6:8.1f}us"
              f"{'':36s}{t['jax'] / t['numpy']:7.3f}x of hand NumPy")
    if "numba" in t and "jax" in t:    # (informational: the optional extras, not in the exit code)
        r = t["numba"] / t["jax"]
        print(f"{'  numba backend on tiny, vs JAX jit':38s}{'':56s}{r:7.3f}x  <= 1.0x "
              f"{'ok' if r <= 1.0 else 'MISSED'}")
    elif "numba" in t:
        r = t["numba"] / t["numpy"]
        print(f"{'  numba backend on tiny':38s}{'':56s}{r:7.3f}x  <= 0.05x "
              f"{'ok' if r <= 0.05 else 'MISSED'}  (JAX not installed)")
    else:
        print("  numba backend: not installed (pip install tinygrad_ku[jit])")
    tt = trace_time()
    ok &= tt <= 0.1
    print(f"{'trace + codegen, 1,000-op graph':38s} {tt * 1e3:8.1f}ms"
          f"{'':47s}<= 100ms {'ok' if tt <= 0.1 else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
