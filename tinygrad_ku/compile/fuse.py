"""The numba backend: runs of elementwise steps of the generated code fused into compiled loops.

`fuse_lines(gen, ...)` rewrites a Generator's forward and backward lines (see codegen.py):
every run of two or more consecutive buffered ufunc steps on arrays of one shape (their other
operands NumPy scalars or constants) becomes ONE call of a numba-compiled loop over the
elements. Inside the loop the intermediate values are local floats; only the values the rest
of the program reads (later steps, the backward pass, the outputs) are written out, into the
rows of one workspace array per dtype (one argument, however many values: a numba call costs
~60 ns per argument). Everything else -- matmuls (BLAS), reductions, broadcasting steps, ops
without declared NumPy steps -- stays the NumPy code of the NumPy backend.

A loop takes at most 96 steps, and in programs of up to 256 fusable steps it runs 4 elements
at a time (their independent chains overlap in the CPU); numba compiles about 3 ms per
statement of loop source, so the first call of a signature takes ~1 s for the 100-op
tiny workload, ~7 s for a 1,000-op graph (the NumPy backend: ~0.1 s).

Results are NOT bit-for-bit those of eager mode: a fused loop evaluates each element with
numba's (LLVM's) scalar math, whose tanh/exp/log may differ from NumPy's vectorised ones in
the last bit. They agree with the NumPy backend to ~1e-12 relative; a program whose fused
code does not (or does not compile) is replaced by the NumPy backend's (see `source`).
"""
import collections
import re

import numpy as np

_OPERATOR = {"add": "({0} + {1})", "subtract": "({0} - {1})", "multiply": "({0} * {1})",
             "true_divide": "({0} / {1})", "negative": "(-{0})", "not_equal": "({0} != {1})",
             "equal": "({0} == {1})", "greater": "({0} > {1})", "greater_equal": "({0} >= {1})",
             "less": "({0} < {1})", "less_equal": "({0} <= {1})", "square": "({0} * {0})"}
_FUNCS = {"tanh", "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "arctan",
          "arcsin", "arccos", "sinh", "cosh", "arcsinh", "absolute", "maximum", "minimum",
          "exp2", "log2", "log10", "sign", "floor", "ceil", "fabs", "arctanh"}
_TOKEN = re.compile(r"\b[a-zA-Z_]\w*\b")
_kernels = iter(range(1, 1 << 62))
_UNROLL = 4
_MAX_STEPS = 96        # steps per loop: LLVM's time grows faster than the loop's length
_UNROLL_UP_TO = 256    # programs with more fusable steps are not unrolled (compile time)


def _njit():
    try:
        import numba
    except ImportError:
        raise ImportError("tg.compile(backend='numba') needs numba: pip install "
                          "tinygrad_ku[jit]") from None
    return numba.njit(error_model="numpy", fastmath=False, nogil=True)


class _Const:
    """A constant operand that is one number (0-d, or a small constant of equal elements)."""

    def __init__(self, value):
        self.value = value


def _operand(gen, name, shape):
    """How operand `name` enters a loop over `shape`: 'scalar', 'array', a _Const, or None
    (not fusable: another shape)."""
    if name.startswith("K") and name in gen.ns:
        v = gen.ns[name]
        if isinstance(v, (np.ndarray, np.generic)):
            a = np.asarray(v)
            if a.ndim == 0:
                return _Const(a[()])
            if a.shape == shape and a.size and a.dtype.kind in "fbiu" and (a == a.flat[0]).all():
                return _Const(a.flat[0])
            if a.shape == shape and a.dtype.kind in "fbiu":
                return "array"
        return None
    v = gen.val.get(name)
    if v is None:
        return None
    if name in gen.scalar or np.ndim(v) == 0:
        return "scalar" if np.asarray(v).dtype.kind in "fbiu" else None
    if isinstance(v, np.ndarray) and v.shape == shape and v.dtype.kind in "fbiu":
        return "array"
    return None


def _fusable(gen, line):
    meta = gen.meta.get(id(line))
    if meta is None:
        return None
    target, fname, texts, buf = meta
    if fname not in _OPERATOR and fname not in _FUNCS:
        return None
    res = gen.val.get(target)
    if not isinstance(res, np.ndarray) or res.ndim == 0 or res.dtype.kind not in "fb":
        return None
    kinds = [_operand(gen, t, res.shape) for t in texts]
    if any(k is None for k in kinds):
        return None
    return res.shape, kinds


def fuse_lines(gen, out_refs, results):
    """Rewrite gen.fwd and gen.bwd in place, fusing runs of elementwise steps (module doc)."""
    njit = _njit()
    gen.kernel_src = getattr(gen, "kernel_src", [])
    gen.kernels = getattr(gen, "kernels", [])
    uses = collections.Counter()
    for lines in (gen.pre, gen.fwd, gen.bwd):
        for code, _ in lines:
            uses.update(_TOKEN.findall(code))
    uses.update(r for r in list(out_refs) + list(results) if r is not None)
    total = sum(_fusable(gen, line) is not None for line in gen.fwd + gen.bwd)
    unroll = _UNROLL if total <= _UNROLL_UP_TO else 1   # (numba compiles ~3 ms per statement)
    for lines, bufs in ((gen.fwd, gen.fbuf), (gen.bwd, gen.bbuf)):
        out, run, shape = [], [], None
        for line in lines + [None]:
            info = _fusable(gen, line) if line is not None else None
            if info is not None and (not run or info[0] == shape) and len(run) < _MAX_STEPS:
                run.append((line, info[1]))
                shape = info[0]
                continue
            if len(run) >= 2:
                out += _kernel(gen, run, shape, bufs, uses, njit, unroll)
            else:
                out += [r[0] for r in run]
            run, shape = [], None
            if info is not None:
                run, shape = [(line, info[1])], info[0]
            elif line is not None:
                out.append(line)
        lines[:] = out


def _kernel(gen, run, shape, bufs, uses, njit, unroll):
    """One fused loop for `run` (lines and their operand kinds): its source, and the lines of
    the program that call it and name the values it wrote out."""
    rows_of = gen.__dict__.setdefault("rows_of", {})   # value -> (its loop's array, row)
    k = next(_kernels)
    kname = f"_k{k}"
    prefix = "b" if bufs is gen.fbuf else "c"
    own = collections.Counter()
    defined = set()
    for line, _ in run:
        own.update(_TOKEN.findall(line[0]))
        defined.add(gen.meta[id(line)][0])
    arrays, scalars, steps = [], [], []
    stored = collections.defaultdict(list)        # dtype -> names written out
    n = int(np.prod(shape))
    for line, kinds in run:
        target, fname, texts, buf = gen.meta[id(line)]
        ops = []                                  # each operand as a format: {u} the element
        for t, kind in zip(texts, kinds):
            if isinstance(kind, _Const):
                c = f"{kname}_{t}"
                gen.ns[c] = kind.value
                ops.append(c)
            elif t in defined:
                ops.append(t + "{s}")
            elif kind == "scalar":
                if t not in scalars:
                    scalars.append(t)
                ops.append(t)
            elif t in rows_of:                    # a row of another loop's output array
                w, j = rows_of[t]
                if w not in arrays:
                    arrays.append(w)
                ops.append(f"{w}[{j}, {{u}}]")
            else:
                if t not in arrays:
                    arrays.append(t)
                ops.append(t + "[{u}]")
        expr = _OPERATOR[fname].format(*ops) if fname in _OPERATOR else \
            f"np.{fname}({', '.join(ops)})"
        steps.append((target + "{s}", expr, line[1]))
        if uses[target] > own[target]:             # read after the loop: written out
            stored[gen.val[target].dtype].append(target)
        bufs[int(buf[1:])] = ((0,), gen.val[target].dtype)   # its buffer is not needed
    ws_names, call_lines, rows = [], [], []
    for dtype, names in stored.items():
        w = f"{prefix}{len(bufs)}"
        widx = len(bufs)
        bufs.append(((len(names), n), dtype))
        ws_names.append(w)
        for j, name in enumerate(names):
            steps.append((f"{w}[{j}, {{u}}]", name + "{s}", None))
            view = f"{prefix}{len(bufs)}"
            bufs.append(("row", widx, j, shape))
            rows.append((name, view))
            rows_of[name] = (w, j)
            gen.val[view] = gen.val[name]
            gen.ws_alias.add(name)
    params = ["n"] + ws_names + arrays + scalars
    unroll = unroll if n >= unroll else 1
    src = ["@_njit", f"def {kname}({', '.join(params)}):"]
    if unroll > 1:
        src += [f'    """{len(run)} elementwise steps on {shape} fused into one loop: {unroll} '
                f'elements at a time (independent chains run side by side), then the rest."""',
                f"    for i in range(0, n - n % {unroll}, {unroll}):"]
    else:
        src += [f'    """{len(run)} elementwise steps on {shape} fused into one loop."""',
                "    for i in range(n):"]
    for target, expr, comment in steps:              # the steps, each for `unroll` elements
        for k in range(unroll):
            u = "i" if k == 0 else f"i + {k}"
            sfx = f"_{k}" if unroll > 1 else ""
            code = f"{target.format(u=u, s=sfx)} = {expr.format(u=u, s=sfx)}"
            src.append(f"        {code:<56}  # {comment}"[:130] if comment and k == 0
                       else f"        {code}")
    if unroll > 1:
        src.append(f"    for i in range(n - n % {unroll}, n):")
        for target, expr, comment in steps:
            src.append(f"        {target.format(u='i', s='')} = {expr.format(u='i', s='')}")
    gen.kernel_src.append("\n".join(src))
    gen.ns["_njit"] = njit
    loops = {w for w, _ in rows_of.values()}
    args = [str(n)] + ws_names + [a if a in loops or np.ndim(gen.val.get(a, gen.ns.get(a))) <= 1
                                  else f"{a}.reshape(-1)" for a in arrays] + [
        s if s in gen.scalar else f"{s}[()]" for s in scalars]
    call_lines.append([f"{kname}({', '.join(args)})",
                       f"{len(run)} fused steps on {shape}: {len(rows)} value(s) kept"])
    if rows:
        call_lines.append([f"{', '.join(r[0] for r in rows)} = {', '.join(r[1] for r in rows)}",
                           "the values read later"])
    gen.kernels.append(kname)
    return call_lines
