"""`tg.compile(f)`: f traced once per input signature into straight-line NumPy code for its
forward and backward pass, which later calls run without building a graph.

>>> import tinygrad_ku as tg
>>> f = tg.compile(lambda x: (x * x).tanh().sum())
>>> x = tg.tensor([0.5, -1.0], requires_grad=True)
>>> f(x).backward(); x.grad.shape
(2,)
>>> print(f.source)   # doctest: +SKIP

    guard.py      the tracing switch and the guard against reading tensor values
    trace.py      running f on stand-in leaves, the graph walk
    codegen.py    the forward and backward source, one statement per op
    function.py   CompiledFunction: the cache per signature, the checks, the calls
    fuse.py       backend="numba" (pip install tinygrad_ku[jit]): elementwise runs fused into loops
    ../ops/compiled.py   CompiledCall: a compiled call as one node of the engine's graph
"""
from .trace import TracingError  # noqa: F401


def compile(f=None, *, backend="numpy"):
    """f compiled (see CompiledFunction); also a decorator, with or without arguments.

    backend: "numpy" (straight-line NumPy, bit for bit eager mode's results) or "numba"
    (the same program with its runs of elementwise steps fused into numba-compiled loops;
    matmuls and reductions stay NumPy/BLAS calls; results equal the NumPy backend's to
    ~1e-12 relative, not bit for bit; the first call per signature also compiles the loops,
    a second or more; needs `pip install tinygrad_ku[jit]`)."""
    from .function import CompiledFunction
    if f is None:
        return lambda fn: CompiledFunction(fn, backend)
    return CompiledFunction(f, backend)


def __getattr__(name):
    if name in ("CompiledFunction", "UncheckedWarning"):
        from . import function
        return getattr(function, name)
    raise AttributeError(name)
