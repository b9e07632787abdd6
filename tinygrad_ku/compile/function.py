"""`CompiledFunction`: f with a cache of generated programs, one per input signature.

The signature of a call is, per argument: for a floating-point Tensor its shape, dtype and
requires_grad; for an integer or bool Tensor, an ndarray or any other value, the value
itself (it is data the program is specialised on). A new signature traces f again.

A program is checked when it is made, twice:
  1. on the traced inputs, its outputs and its gradients (for random cotangents) must equal
     eager mode's bit for bit (else the ops' declared NumPy steps are dropped, and if the
     plain forward/vjp calls still differ, compiling fails: that is a bug to report);
  2. on other input values (the float arguments permuted, with signs and scales changed),
     its outputs must equal f's run eagerly on them; if not, f depends on its inputs in a
     way the graph does not record (a comparison, argmax, no_grad, .detach() arithmetic,
     random numbers) and compiling is refused with `TracingError`, naming the op and line.
"""
import functools
import inspect
import warnings

import numpy as np

from .. import engine, grad_mode
from ..grad_mode import modes
from ..ops.compiled import CompiledCall, Lease
from . import codegen, trace
from .trace import TracingError

_Tensor = None
_new = object.__new__
_engine_record = engine._record


def _tensor_cls():
    global _Tensor
    if _Tensor is None:
        from ..tensor import Tensor
        _Tensor = Tensor
    return _Tensor


def _same(a, b):
    """Bit-for-bit equality of two results (nan equal to nan; None equal to all-zeros)."""
    if a is None or b is None:
        other = b if a is None else a
        return other is None or not np.any(np.asarray(other))
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


class UncheckedWarning(UserWarning):
    """A compiled program could be checked only on the inputs it was traced with."""


class Program:
    """The generated code for one input signature, with what a call needs around it."""
    checked = True                     # also checked on other input values (see the docstring)

    def __init__(self, f, graph, slots, captured, needs, labels, call, backend="numpy"):
        Tensor = _tensor_cls()
        self.f, self.slots, self.captured, self.needs = f, slots, captured, needs
        self.structure, self.pool = graph.structure, []
        index = {id(t): i for i, t in enumerate(graph.leaves)}
        index.update((id(t), len(graph.leaves) + i) for i, t in enumerate(captured))
        parents = graph.leaves + captured

        def parent_of(t):
            return index.get(id(t)) if isinstance(t, Tensor) else None
        self._gen = lambda hot, fuse=False: codegen.generate(graph, parents, needs, labels,
                                                             parent_of, hot, fuse)
        self._install(self._gen(True))
        self._check_traced(graph, parents)
        self._check_values(graph, call, parents)
        if backend == "numba":
            self._fuse(graph, parents)
        del self._gen

    def _fuse(self, graph, parents):
        """The numba backend: the program with its elementwise runs fused (see fuse.py),
        installed if it agrees with the NumPy program to ~1e-12 (else the NumPy one stays)."""
        arrays = [t.data for t in parents]
        diff_out = [graph.outputs[i] for i, (kind, _) in enumerate(self.kinds) if kind == "diff"]
        rng = np.random.default_rng(1)
        seeds = [rng.standard_normal(o.shape).astype(o.dtype) for o in diff_out]
        with np.errstate(all="ignore"):
            want = self._run(arrays, seeds)
        plain = (self.program, self.source, self.kinds, self.make_workspace, self.pool)
        try:
            code = self._gen(self.hot, True)
            if not code["kernels"]:
                return
            self._install(code)
            with np.errstate(all="ignore"):
                got = self._run(arrays, seeds)
            ok = all(map(_close, got[0], want[0])) and all(map(_close, got[1], want[1]))
            why = "its results differ from the NumPy backend's"
        except ImportError:
            raise
        except Exception as err:         # (a step numba cannot compile)
            ok, why = False, f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"
        if not ok:
            self.program, self.source, self.kinds, self.make_workspace, self.pool = plain
            self.source = (f"# numba backend: fusion not used ({codegen.safe(why, 200)}); "
                           f"the NumPy program:\n") + self.source

    def _install(self, code):
        self.program = code["program"]
        self.source, self.kinds = code["source"], code["kinds"]
        fspec, bspec = code["fbuf"], code["bbuf"]
        self.make_workspace = lambda: (_buffers(fspec), _buffers(bspec))
        self.pool = []
        self.diff = [j for kind, j in self.kinds if kind == "diff"]
        self.single = self.kinds == [("diff", 0)]     # f returns one differentiable Tensor
        self.fast = self.single and self.structure == "one" and not self.captured \
            and all(s.__class__ is int for s in self.slots)

    def _run(self, arrays, seeds=None):
        lease = Lease(self.pool, self.make_workspace)
        run = self.program(*lease.ws, *arrays)
        outs = next(run)
        return outs, None if seeds is None else run.send(tuple(seeds))

    def _check_traced(self, graph, parents):
        """Check 1: outputs and gradients equal eager mode's on the traced inputs."""
        arrays = [t.data for t in parents]
        diff_out = [graph.outputs[i] for i, (kind, _) in enumerate(self.kinds) if kind == "diff"]
        rng = np.random.default_rng(0)
        seeds = [rng.standard_normal(o.shape).astype(o.dtype) for o in diff_out]
        wanted = [t for t, need in zip(parents, self.needs) if need]
        ref = engine.backward(diff_out, seeds, retain_graph=True, inputs=wanted) \
            if diff_out and wanted else []
        for hot in (True, False):
            if not hot:
                self._install(self._gen(False))
            with np.errstate(all="ignore"):
                outs, grads = self._run(arrays, seeds)
            got_out = [outs[j] for kind, j in self.kinds if kind != "input"]
            want_out = [o.data for o, (kind, _) in zip(graph.outputs, self.kinds)
                        if kind != "input"]
            got_grads = [g for g, need in zip(grads, self.needs) if need]
            if all(map(_same, got_out, want_out)) and all(map(_same, got_grads, ref)):
                self.hot = hot         # (False: an op's declared NumPy steps did not match)
                return
        raise RuntimeError("tg.compile: internal error: the generated code does not reproduce "
                           "eager mode on the traced inputs; please report it with f.\n"
                           + self.source[:2000])

    def _check_values(self, graph, call, parents):
        """Check 2: on other input values the program still equals f run eagerly."""
        args, kwargs, names = call
        base = [t.data for t in graph.leaves]
        extra = [t.data for t in self.captured]
        checked = 0
        for attempt in range(3):       # two variations that f accepts must both agree
            other = trace.perturbed(base, attempt)
            try:
                with np.errstate(all="ignore"):
                    g2 = trace.run(self.f, args, kwargs, self.slots, names, arrays=other)
                    outs, _ = self._run(other + extra)
            except TracingError:
                raise
            except Exception:          # (e.g. a Cholesky factor of a matrix no longer positive)
                continue
            want = [o.data for o, (kind, _) in zip(g2.outputs, self.kinds) if kind != "input"]
            got = [outs[j] for kind, j in self.kinds if kind != "input"]
            if len(g2.outputs) != len(graph.outputs) or not all(map(_same, got, want)):
                raise TracingError(self._explain(graph, g2, call, other))
            checked += 1
            if checked == 2:
                return
        if not checked:                # the caller says so (a value-dependent f would pass)
            self.checked = False
            self.source = "# (not checked on other input values: f failed on every variation)\n" \
                + self.source

    def _explain(self, graph, g2, call, other):
        """Which op's value first differs between the program and f, and where it was made."""
        args, kwargs, names = call
        k = _first_difference(graph, g2, other, self.captured)
        where = ""
        if k is not None:
            prev = grad_mode.set_anomaly(True)   # anomaly mode records where each op was made
            try:
                with np.errstate(all="ignore"):
                    g3 = trace.run(self.f, args, kwargs, self.slots, names, arrays=other)
            finally:
                grad_mode.set_anomaly(prev)
            node = g3.steps[k] if k < len(g3.steps) else graph.steps[k]
            where = f" The first op that differs is {node.name}" + (
                f", made at {node.origin.split(': ', 1)[0]}" if node.origin else "") + "."
        return ("tg.compile: f's result depends on its inputs in a way the recorded graph does "
                "not show, so a compiled program would silently reuse the traced values." + where
                + " Likely causes: a comparison or mask (x > 0), indices (argmax, max(dim), "
                "sort), a no_grad block or .detach()/.data arithmetic on the inputs, or random "
                "numbers inside f. Make it a differentiable tensor op of the inputs, or compute "
                "it outside f and pass it in.")

    # ----- calls ----------------------------------------------------------------------------
    def __call__(self, args, kwargs):
        if self.fast and (grad_mode.all_enabled or modes.grad_enabled):
            tensors = [args[s] for s in self.slots]
            if all([t.requires_grad for t in tensors]):    # the hot path: one node, made here
                return self._record(tensors, args, kwargs)
            for t in tensors:
                if t.requires_grad:
                    return CompiledCall.apply(*tensors, prog=self, call=(args, kwargs))
        Tensor = _tensor_cls()
        tensors = [args[s] if s.__class__ is int else kwargs[s] for s in self.slots]
        if self.captured:
            tensors += self.captured
        kinds = self.kinds
        if self.diff and (grad_mode.all_enabled or modes.grad_enabled) \
                and any(t.requires_grad for t in tensors):
            y = CompiledCall.apply(*tensors, prog=self, call=(args, kwargs))
            if self.single:
                outs, diff = None, [y]
            else:
                node = y.grad_fn
                outs = node.outs
                del node.outs
                diff = [y[a:b].reshape(shape).to(dtype) for (a, b), shape, dtype in self.spans]
            it, recorded = iter(diff), True
        else:
            recorded = False
            lease = Lease(self.pool, self.make_workspace)
            outs = next(self.program(*lease.ws, *[t.data for t in tensors]))
        result = []
        for kind, j in kinds:
            if kind == "input":
                result.append(tensors[j])
            elif kind == "diff" and recorded:
                result.append(next(it))
            else:
                result.append(Tensor._make(outs[j], False, None))
        if self.structure == "one":
            return result[0]
        return tuple(result) if self.structure == "tuple" else result

    def _record(self, tensors, args, kwargs):
        """CompiledCall.apply(*tensors) for a single-output program whose inputs all require
        grad, without apply's generic steps (the same node, fields and output Tensor)."""
        fn = _new(CompiledCall)
        fn.prog, fn.call = self, (args, kwargs)
        datas = tuple([t.data for t in tensors])
        fn.lease = lease = Lease(self.pool, self.make_workspace)
        fn.run = run = self.program(*lease.ws, *datas)
        out = next(run)[0]
        return _engine_record(fn, out, tuple(tensors),
                              tuple([t.grad_fn or t for t in tensors]), datas)

    @property
    def spans(self):
        """(start, stop), shape, dtype of each differentiable output in the packed vector."""
        if not hasattr(self, "_spans"):
            spans, start = [], 0
            for shape, dtype in self.diff_meta:
                n = int(np.prod(shape))
                spans.append(((start, start + n), shape, dtype))
                start += n
            self._spans = spans
        return self._spans

    def eager_vjp(self, node, g, inputs):
        """create_graph=True through a compiled call: f is run again eagerly on the node's
        inputs (Tensors wired into the graph), and differentiated with create_graph."""
        args, kwargs = node.call
        args, kwargs = list(args), dict(kwargs)
        for s, t in zip(self.slots, inputs):
            (args if s.__class__ is int else kwargs)[s] = t
        result = self.f(*args, **kwargs)
        outs = [result] if self.structure == "one" else list(result)
        diff = [outs[i] for i, (kind, _) in enumerate(self.kinds) if kind == "diff"]
        if len(diff) == 1:
            seeds = [g]
        else:
            seeds = [g[a:b].reshape(shape) for (a, b), shape, _ in self.spans]
        wanted = [t for t in inputs if _tensor_cls() is type(t) and t.requires_grad]
        grads = engine.backward(diff, seeds, True, True, wanted)
        by_id = {id(t): gr for t, gr in zip(wanted, grads)}
        return tuple(by_id.get(id(t)) for t in inputs)


def _close(a, b):
    """The numba backend's agreement: equal shapes and dtypes, values within 1e-12 of the
    largest magnitude (1e-5 in float32), nan where nan."""
    if a is None or b is None:
        return _same(a, b)
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind not in "fc":
        return bool(np.array_equal(a, b))
    fin = np.isfinite(b)
    if not np.array_equal(fin, np.isfinite(a)) or not np.array_equal(a[~fin], b[~fin],
                                                                     equal_nan=True):
        return False
    if not fin.any():
        return True
    tol = (1e-12 if a.dtype.itemsize >= 8 else 1e-5) * max(float(np.abs(b[fin]).max()), 1e-300)
    return bool(np.all(np.abs(a[fin] - b[fin]) <= tol))


def _buffers(spec):
    """A workspace: an empty array per (shape, dtype); ("row", k, j, shape): row j of
    buffer k as an array of `shape` (the numba backend's values written out by one loop)."""
    out = []
    for entry in spec:
        if entry[0] == "row":
            out.append(out[entry[1]][entry[2]].reshape(entry[3]))
        else:
            out.append(np.empty(entry[0], entry[1]))
    return tuple(out)


def _first_difference(graph, g2, other, captured):
    """Index of the first step whose value, replayed with the traced parameters on `other`,
    differs from f's eager value on `other` (None if the steps do not line up)."""
    if len(graph.steps) != len(g2.steps):
        return None
    Tensor = _tensor_cls()
    leaf = {id(t): other[i] for i, t in enumerate(graph.leaves)}
    vals = {}
    with np.errstate(all="ignore"):
        for k, (n1, n2) in enumerate(zip(graph.steps, g2.steps)):
            if type(n1) is not type(n2):
                return k
            ins = []
            for edge, x in zip(n1.edges, n1.inputs):
                if edge is not None and id(edge) in vals:
                    ins.append(vals[id(edge)])
                elif isinstance(edge, Tensor) and id(edge) in leaf:
                    ins.append(leaf[id(edge)])
                else:
                    ins.append(x)
            op = codegen._instance(type(n1), dict(n1.__dict__), n1.edges)
            try:
                v = np.asarray(op.forward(*ins))
            except Exception:
                return k
            if not _same(v, n2.out):
                return k
            vals[id(n1)] = v
    return None


class CompiledFunction:
    """f, compiled: called like f; the first call with a new input signature traces f and
    generates its forward and backward code (see `source`), later calls run that code.

    Outputs are Tensors whose grad_fn is one node (`CompiledCall`) for the whole call:
    `.backward()` accumulates into the arguments' `.grad` as eager mode does, and
    `tg.autograd.grad` works. `create_graph=True` through a compiled call runs f again
    eagerly inside the backward pass (so higher derivatives are eager mode's).

    backend="numba": the program's elementwise runs are fused into numba loops (fuse.py);
    results agree with backend="numpy" to ~1e-12 relative (fused loops use numba's scalar
    math, so not bit for bit), and a program whose fused form does not agree on the traced
    inputs, or does not compile, keeps the NumPy code (its `source` says so).
    """

    def __init__(self, f, backend="numpy"):
        if backend == "numba":
            from .fuse import _njit
            _njit()                      # ImportError naming the extra when numba is missing
        elif backend != "numpy":
            raise ValueError(f"tg.compile: unknown backend {backend!r}; expected 'numpy' or "
                             f"'numba'")
        if not callable(f):
            raise TypeError(f"tg.compile: expected a function, got {type(f).__name__}")
        functools.update_wrapper(self, f)
        self.f, self.backend = f, backend
        self._cache, self._last = {}, None
        try:
            self.__signature__ = inspect.signature(f)
            self._params = [p.name for p in self.__signature__.parameters.values()
                            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            self._params = []

    def __call__(self, *args, **kwargs):
        if trace.state.active:         # inside another trace: f's ops join that trace
            return self.f(*args, **kwargs)
        key = _key(args, kwargs)
        prog = self._cache.get(key)
        if prog is None:
            prog = self._cache[key] = self._build(args, kwargs)
            if not prog.checked:
                warnings.warn(f"tg.compile: {getattr(self.f, '__name__', 'f')} failed on every "
                              f"changed input, so its program was checked on the traced values "
                              f"only: if f's result depends on its inputs through Python control "
                              f"flow, the program is wrong for other values", UncheckedWarning,
                              stacklevel=2)
        self._last = prog
        if prog.fast and (grad_mode.all_enabled or modes.grad_enabled):   # (Program.__call__'s
            tensors = [args[s] for s in prog.slots]                       # hot path, inlined)
            if all([t.requires_grad for t in tensors]):
                return prog._record(tensors, args, kwargs)
        return prog(args, kwargs)

    def evaluate(self, *args, grad=False):
        """f's program run on the arguments' arrays, outside the engine: (outputs, gradients).

        outputs: f's outputs as ndarrays (flat, in order); gradients (grad=True): one per
        Tensor argument that requires grad (in order; tensors f captured get none), for
        cotangents of ones on every differentiable output (None where f does not depend on
        it). No Tensor, node or graph is made: what `tg.estimate` uses for an objective and
        its gradient."""
        key = _key(args, {})
        prog = self._cache.get(key)
        if prog is None:
            prog = self._cache[key] = self._build(args, {})
        self._last = prog
        tensors = [args[s] for s in prog.slots] + prog.captured
        seeds = None
        if grad:
            seeds = [np.ones(shape, dtype) for shape, dtype in prog.diff_meta]
        outs, grads = prog._run([t.data for t in tensors], seeds)
        values = [tensors[j].data if kind == "input" else outs[j] for kind, j in prog.kinds]
        if grads is not None:
            n = len(prog.slots)
            grads = [g for g, need in zip(grads[:n], prog.needs[:n]) if need]
        return values, grads

    def _build(self, args, kwargs):
        Tensor = _tensor_cls()
        slots = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        slots += [k for k, v in kwargs.items() if isinstance(v, Tensor)]
        names = []
        for s in slots:
            t = args[s] if isinstance(s, int) else kwargs[s]
            default = s if isinstance(s, str) else (
                self._params[s] if s < len(self._params) else f"arg{s}")
            names.append(t.name if isinstance(t.name, str) else default)
        graph = trace.run(self.f, args, kwargs, slots, names)
        captured = _captured(graph)
        tensors = [args[s] if isinstance(s, int) else kwargs[s] for s in slots]
        needs = [t.requires_grad for t in tensors] + [t.requires_grad for t in captured]
        labels = names + [t.name if isinstance(t.name, str) else f"captured{i}"
                          for i, t in enumerate(captured)]
        prog = Program(self.f, graph, slots, captured, needs, labels, (args, kwargs, names),
                       self.backend)
        prog.diff_meta = [(o.shape, o.dtype) for o, (kind, _) in zip(graph.outputs, prog.kinds)
                          if kind == "diff"]
        if len(prog.diff) > 1:
            prog.pack_dtype = np.result_type(*[d for _, d in prog.diff_meta])
        return prog

    # ----- reading the code ---------------------------------------------------------------
    @property
    def source(self):
        """The generated forward and backward code of the latest signature called."""
        if self._last is None:
            raise RuntimeError("tg.compile: nothing generated yet; call the function once "
                               "(the code depends on the input shapes)")
        return self._last.source

    def show(self):
        """Display `source` (syntax-highlighted in Jupyter, printed elsewhere)."""
        try:
            from IPython import get_ipython
            from IPython.display import Code, display
            if get_ipython() is not None:
                display(Code(self.source, language="python"))
                return
        except ImportError:
            pass
        print(self.source)

    @property
    def cache_size(self):
        """How many input signatures have been traced."""
        return len(self._cache)

    def __repr__(self):
        return f"<compiled {getattr(self.f, '__qualname__', self.f)!r}: {len(self._cache)} " \
               f"signature(s)>"


def _captured(graph):
    """Tensors f used that are not its arguments: leaves requiring grad (model parameters
    in a closure) and constant tensors; their data is read at every call."""
    Tensor = _tensor_cls()
    mine = {id(t) for t in graph.leaves}
    out, seen = [], set()
    for node in graph.steps:
        for edge, parent in zip(node.edges, node.parents):
            t = edge if isinstance(edge, Tensor) else (parent if edge is None else None)
            if isinstance(t, Tensor) and id(t) not in mine and id(t) not in seen:
                seen.add(id(t))
                out.append(t)
    return out


def _arg_key(a):
    Tensor = _Tensor
    if isinstance(a, Tensor):
        d = a.data
        if d.dtype.kind in "fc":
            return (d.shape, d.dtype, a.requires_grad)
        return ("tensor", d.shape, d.dtype, d.tobytes())
    if isinstance(a, np.ndarray):
        return ("ndarray", a.shape, a.dtype, a.tobytes())
    try:
        hash(a)
    except TypeError:
        raise TypeError(f"tg.compile: a non-Tensor argument is part of the cache key and must "
                        f"be hashable (or an ndarray); got {type(a).__name__}. Pass tensors as "
                        f"separate arguments.") from None
    return (type(a), a)


def _key(args, kwargs):
    Tensor = _Tensor or _tensor_cls()
    if not kwargs:                     # the common call: float Tensors by position
        key = []
        for a in args:
            if a.__class__ is not Tensor:
                break
            d = a.data
            if d.dtype.kind not in "fc":
                break
            key.append((d.shape, d.dtype, a.requires_grad))
        else:
            return tuple(key)
    key = tuple([_arg_key(a) for a in args])
    if kwargs:
        key += tuple((k, _arg_key(kwargs[k])) for k in sorted(kwargs))
    return key
