"""`make bench`: tinygrad_ku against hand-written NumPy (and PyTorch / HIPS autograd when installed).

Each engine runs in its own worker process with BLAS pinned to one thread (the
thread variables are set before NumPy is imported, and threadpoolctl limits
them again when installed). The workers take turns, round after round, so
every engine sees the same machine state; the table reports medians and the
ratio to hand-written NumPy, and each engine's gradients are compared with
the hand-written ones so a fast wrong engine shows up.

    python benchmarks/run.py [--quick] [--only tiny,mlp,...] [--torch-python PATH]
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

# workload -> (label, unit, scale from seconds per call to unit, calls per round, rounds)
WORKLOADS = {
    "tiny": ("tiny-op overhead: 100 ops (*1.01, +0.01, tanh) on (8,) f64, sum, backward",
             "us/op", 1e6 / 100, 60, 25),
    "mlp": ("MLP 784-256-256-10 ReLU f32, batch 128, softmax CE, fwd+bwd+SGD", "ms/step",
            1e3, 10, 25),
    "course": ("course MLP 784-256-256-10, ReLU+Dropout(0.1)+LayerNorm, f32, batch 128, CE, "
               "fwd+bwd+Adam", "ms/step", 1e3, 10, 25),
    "logistic": ("logistic NLL + gradient, N=50,000 D=100 f64", "ms", 1e3, 4, 31),
    "jacobian": ("full Jacobian of tanh(W x), W 200x200", "ms", 1e3, 10, 21),
    "chain": ("20,000-op scalar chain, backward", "ms", 1e3, 2, 11),
}
# workload -> (test on the tinygrad_ku value and its ratio to NumPy, text)
TARGETS = {
    "tiny": (lambda v, r: v <= 3.0, "<= 3.0 us/op"),
    "mlp": (lambda v, r: r <= 1.10, "<= 1.10x numpy"),
    "course": (lambda v, r: r <= 1.25, "<= 1.25x numpy"),
    "logistic": (lambda v, r: r <= 1.05, "<= 1.05x numpy"),
    "jacobian": (lambda v, r: v <= 0.5, "<= 0.5 ms"),
    "chain": (lambda v, r: v <= 60.0, "<= 60 ms"),
}
ENGINES = ("numpy", "tinygrad_ku", "torch", "autograd")


# ----- worker side -----------------------------------------------------------------------
def _rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _trim():
    """Collect garbage and hand freed heap pages back to the OS, so RSS shows what is live."""
    import ctypes
    import gc
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def _blas_info():
    try:
        import threadpoolctl
    except ImportError:
        return "threadpoolctl not installed; pinned by environment variables"
    return "; ".join(f"{p['internal_api']} {p.get('version')} {p.get('architecture')} "
                     f"threads={p['num_threads']}" for p in threadpoolctl.threadpool_info())


def _memory_steps(steps):
    """RSS after 20 and after `steps` MLP steps of the tinygrad_ku (or NumPy) case."""
    import workloads as W
    case = W.make(_ENGINE, "mlp")
    marks = {}
    for i in range(1, steps + 1):
        case.run(None)
        if i in (20, steps):
            _trim()
            marks[i] = _rss_mib()
    return {"rss_20": marks[20], "rss_end": marks[steps], "growth": marks[steps] - marks[20]}


def _chain_1m():
    """Build and differentiate a 1,000,000-op chain; time it, check it, and see memory return."""
    import numpy as np
    import workloads as W
    _trim()
    before = _rss_mib()
    case = W.make(_ENGINE, "chain_1m")
    t0 = time.perf_counter()
    state = case.prepare()
    t1 = time.perf_counter()
    g = case.run(state)
    t2 = time.perf_counter()
    peak = _rss_mib()
    value = float(np.asarray(getattr(g, "data", g)))
    del state, g, case
    _trim()
    return {"forward_s": t1 - t0, "backward_s": t2 - t1, "grad": value,
            "rss_before": before, "rss_peak": peak, "rss_after": _rss_mib()}


def worker(engine):
    """Answer JSON commands on stdin, one per line, for one engine."""
    global _ENGINE
    _ENGINE = engine
    sys.path.insert(0, HERE)
    sys.path.insert(0, ROOT)
    import numpy as np
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass
    if engine == "torch":
        import torch
        torch.set_num_threads(1)
    import workloads as W
    case = None
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            op = cmd["op"]
            if op == "setup":
                case = W.make(engine, cmd["workload"])
                W.timed(case, 2)                      # warm-up
                reply = {"ok": True}
            elif op == "time":
                reply = {"times": W.timed(case, cmd["n"])}
            elif op == "grads":
                np.savez(cmd["path"], **{k: np.asarray(v) for k, v in case.grads().items()})
                reply = {"ok": True}
            elif op == "memory":
                reply = _memory_steps(cmd["steps"])
            elif op == "chain_1m":
                reply = _chain_1m()
            elif op == "info":
                reply = {"blas": _blas_info(), "numpy": np.__version__}
            else:
                reply = {"error": f"unknown op {op}"}
        except Exception as err:                     # reported in the table, not fatal
            reply = {"error": f"{type(err).__name__}: {err}"[:200]}
        print(json.dumps(reply), flush=True)


# ----- driver side -----------------------------------------------------------------------
# glibc hands freed heap tops back to the OS and maps large blocks afresh, so on a VM every
# new 100 kB+ temporary can cost page faults; --tune-malloc keeps freed memory for reuse.
MALLOC_TUNED = {"MALLOC_TRIM_THRESHOLD_": str(1 << 30), "MALLOC_MMAP_THRESHOLD_": str(32 << 20),
                "MALLOC_TOP_PAD_": str(64 << 20)}


class Worker:
    def __init__(self, engine, python, tune_malloc=False):
        env = dict(os.environ)
        env.update({v: "1" for v in THREAD_VARS})
        if tune_malloc:
            env.update(MALLOC_TUNED)
        env["PYTHONPATH"] = os.pathsep.join([ROOT, HERE, env.get("PYTHONPATH", "")])
        self.engine = engine
        self.proc = subprocess.Popen([python, os.path.abspath(__file__), "--worker", engine],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                                     text=True, cwd=HERE)

    def ask(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            return {"error": "worker died"}
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _pythons(torch_python):
    """The interpreter for each available engine."""
    here = sys.executable
    out = {"numpy": here, "tinygrad_ku": here}
    if importlib.util.find_spec("torch"):
        out["torch"] = here
    elif torch_python and os.path.exists(torch_python):
        out["torch"] = torch_python
    if importlib.util.find_spec("autograd"):
        out["autograd"] = here
    return out


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def _compare(ref_path, path):
    import numpy as np
    ref, got = np.load(ref_path), np.load(path)
    worst = 0.0
    for k in ref.files:
        a, b = ref[k].astype(np.float64), got[k].astype(np.float64)
        if a.shape != b.shape:
            return f"shape {k}"
        rtol = 1e-4 if ref[k].dtype == np.float32 or got[k].dtype == np.float32 else 1e-8
        scale = float(np.max(np.abs(a))) if a.size else 0.0
        err = float(np.max(np.abs(a - b))) / (rtol * scale + 1e-300) if a.size else 0.0
        worst = max(worst, err)
    return "ok" if worst <= 1.0 else f"MISMATCH ({worst:.1e})"


def run_workload(name, workers, tmp, quick):
    label, unit, scale, calls, rounds = WORKLOADS[name]
    if quick:
        calls, rounds = max(1, calls // 4), 3
    live = {}
    for e, w in workers.items():
        r = w.ask(op="setup", workload=name)
        if "error" in r:
            live[e] = r["error"]
        else:
            live[e] = []
    active = [e for e in workers if isinstance(live[e], list)]
    per_round = {}
    for r in range(rounds):                       # interleave: each round visits every engine
        order = active[r % len(active):] + active[:r % len(active)] if active else []
        for e in order:
            reply = workers[e].ask(op="time", n=calls)
            if "error" in reply:
                live[e] = reply["error"]
                active.remove(e)
            else:
                live[e].extend(reply["times"])
                per_round.setdefault(e, []).append(_median(reply["times"]))
    checks = {}
    ref = os.path.join(tmp, f"{name}_numpy.npz")
    if isinstance(live.get("numpy"), list):
        workers["numpy"].ask(op="grads", path=ref)
    for e in workers:
        if e == "numpy" or not isinstance(live[e], list):
            continue
        path = os.path.join(tmp, f"{name}_{e}.npz")
        reply = workers[e].ask(op="grads", path=path)
        if "error" in reply:
            checks[e] = reply["error"]
        else:
            checks[e] = _compare(ref, path) if os.path.exists(ref) else "no numpy reference"
    values = {e: (_median(v) * scale if isinstance(v, list) else v) for e, v in live.items()}
    ratio = None                       # median over rounds of the round's tg / numpy: drift cancels
    if isinstance(live.get("tinygrad_ku"), list) and isinstance(live.get("numpy"), list):
        ratio = _median([t / n for t, n in zip(per_round["tinygrad_ku"], per_round["numpy"])])
    return {"label": label, "unit": unit, "values": values, "checks": checks, "ratio": ratio}


def measure_import(python, module, runs=5):
    """Median wall time and RSS of a fresh `import module`, and which optional packages it pulled in."""
    code = ("import time, sys; t = time.perf_counter(); import " + module + "; "
            "t = time.perf_counter() - t; "
            "rss = [int(l.split()[1]) / 1024 for l in open('/proc/self/status') "
            "if l.startswith('VmRSS:')][0]; "
            "heavy = [m for m in ('graphviz', 'matplotlib', 'tqdm', 'scipy', 'IPython') "
            "if m in sys.modules]; "
            "import json; print(json.dumps([t, rss, heavy]))")
    env = dict(os.environ)
    env.update({v: "1" for v in THREAD_VARS})
    env["PYTHONPATH"] = os.pathsep.join([ROOT, env.get("PYTHONPATH", "")])
    results = []
    for _ in range(runs):
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env,
                             cwd=ROOT)
        results.append(json.loads(out.stdout))
    return (_median([r[0] for r in results]), _median([r[1] for r in results]),
            results[0][2])


def _fmt(v):
    if isinstance(v, str):
        return "error"
    if v is None:
        return "-"
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    ap.add_argument("--only", help="comma-separated workloads (tiny,mlp,course,logistic,jacobian,"
                                   "chain,chain_1m,memory,import,compile)")
    ap.add_argument("--tune-malloc", action="store_true",
                    help="run every engine with glibc's trimming off (fewer page faults)")
    ap.add_argument("--torch-python", default=os.environ.get("TG_BENCH_TORCH_PYTHON"),
                    help="an interpreter with torch installed, if this one has none")
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.worker)
    chosen = args.only.split(",") if args.only else list(WORKLOADS) + [
        "chain_1m", "memory", "import", "compile"]
    pythons = _pythons(args.torch_python)
    workers = {e: Worker(e, pythons[e], args.tune_malloc) for e in ENGINES if e in pythons}
    info = workers["numpy"].ask(op="info")
    print(f"engines: {', '.join(workers)}; numpy {info.get('numpy')}; BLAS: {info.get('blas')}; "
          f"malloc: {'tuned (no trimming)' if args.tune_malloc else 'default'}")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            print(f"note: {var}={os.environ[var]} is set (slows current NumPy; see README)")
    met = {}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in (n for n in WORKLOADS if n in chosen):
            print(f"running {name} ...", file=sys.stderr, flush=True)
            rows.append((name, run_workload(name, workers, tmp, args.quick)))
        extra = {}
        if "chain_1m" in chosen:
            print("running chain_1m ...", file=sys.stderr, flush=True)
            extra["chain_1m"] = {e: workers[e].ask(op="chain_1m") for e in ("numpy",
                                                                           "tinygrad_ku")}
        if "memory" in chosen:
            print("running memory ...", file=sys.stderr, flush=True)
            extra["memory"] = {e: workers[e].ask(op="memory", steps=200)
                               for e in ("numpy", "tinygrad_ku")}
    for w in workers.values():
        w.close()

    engines = list(workers)
    head = ["workload", "unit"] + engines + ["tg/numpy", "target", "met"]
    table = [head, ["---"] * len(head)]
    for name, r in rows:
        vals = r["values"]
        tgv = vals.get("tinygrad_ku")
        ratio = r["ratio"]
        test, text = TARGETS[name]
        ok = isinstance(tgv, float) and ratio is not None and test(tgv, ratio)
        bad = [e for e, c in r["checks"].items() if c != "ok"]
        met[name] = ok and "tinygrad_ku" not in bad
        cells = [_fmt(vals.get(e)) + ("" if r["checks"].get(e, "ok") == "ok" else " (!)")
                 for e in engines]
        table.append([r["label"], r["unit"]] + cells +
                     [f"{ratio:.2f}x" if ratio else "-", text, "yes" if met[name] else "NO"])
    print()
    for line in table:
        print("| " + " | ".join(line) + " |")
    for name, r in rows:
        for e, c in r["checks"].items():
            if c != "ok":
                print(f"  {name}/{e}: gradient check: {c}")
        for e, v in r["values"].items():
            if isinstance(v, str):
                print(f"  {name}/{e}: {v}")
    print("  gradients: every engine's gradients were compared with hand-written NumPy's; "
          "'(!)' marks a mismatch or error")

    if "chain_1m" in extra:
        c = extra["chain_1m"]
        t, n = c["tinygrad_ku"], c["numpy"]
        if "error" in t:
            print(f"\n1,000,000-op chain: tinygrad_ku failed: {t['error']}")
            met["chain_1m"] = False
        else:
            same = abs(t["grad"] - n["grad"]) <= 1e-9 * abs(n["grad"]) and abs(n["grad"]) > 1e-300
            freed = t["rss_after"] - t["rss_before"] <= 64
            met["chain_1m"] = same and freed
            print(f"\n1,000,000-op chain (tinygrad_ku): forward {t['forward_s']:.2f} s, backward "
                  f"{t['backward_s']:.2f} s (numpy by hand: {n['backward_s']:.2f} s); gradient "
                  f"{'matches' if same else 'DIFFERS FROM'} numpy ({t['grad']:.12g}); RSS "
                  f"{t['rss_before']:.0f} -> peak {t['rss_peak']:.0f} -> after free "
                  f"{t['rss_after']:.0f} MiB  [target: completes, memory freed: "
                  f"{'yes' if met['chain_1m'] else 'NO'}]")
    if "memory" in extra:
        m = extra["memory"]
        t, n = m["tinygrad_ku"], m["numpy"]
        if "error" in t:
            print(f"memory over 200 MLP steps: tinygrad_ku failed: {t['error']}")
            met["memory"] = False
        else:
            met["memory"] = t["growth"] <= 2.0
            print(f"memory over 200 MLP steps: RSS after step 20 -> 200: tinygrad_ku "
                  f"{t['rss_20']:.1f} -> {t['rss_end']:.1f} MiB ({t['growth']:+.1f}); numpy "
                  f"{n['rss_20']:.1f} -> {n['rss_end']:.1f} MiB ({n['growth']:+.1f})  "
                  f"[target: flat (<= 2 MiB growth): {'yes' if met['memory'] else 'NO'}]")
    if "import" in chosen:
        t_np, rss_np, _ = measure_import(sys.executable, "numpy")
        t_tg, rss_tg, heavy = measure_import(sys.executable, "tinygrad_ku")
        met["import"] = t_tg < 0.3 and rss_tg < 60 and not heavy
        print(f"import tinygrad_ku: {t_tg * 1e3:.0f} ms, RSS {rss_tg:.1f} MiB (numpy alone: "
              f"{t_np * 1e3:.0f} ms, {rss_np:.1f} MiB); optional packages imported: "
              f"{', '.join(heavy) or 'none'}  [target: < 0.3 s, < 60 MiB, none: "
              f"{'yes' if met['import'] else 'NO'}]")
    if "compile" in chosen:            # tg.compile (issue 18): its own script, its own table
        print("\ntg.compile (benchmarks/bench_compile.py):", flush=True)
        env = dict(os.environ)
        env.update({v: "1" for v in THREAD_VARS})
        env["PYTHONPATH"] = os.pathsep.join([ROOT, env.get("PYTHONPATH", "")])
        out = subprocess.run([sys.executable, os.path.join(HERE, "bench_compile.py")]
                             + (["--rounds", "3"] if args.quick else []), env=env, cwd=ROOT)
        met["compile"] = out.returncode == 0
    missing = [e for e in ("torch", "autograd") if e not in workers]
    if missing:
        print(f"(not installed here, columns left out: {', '.join(missing)}; "
              f"see benchmarks/README.md)")
    print(f"\ntargets met: {sum(met.values())}/{len(met)}"
          + ("" if all(met.values()) else
             f"; not met: {', '.join(k for k, v in met.items() if not v)}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
