"""The objective of a fit through `tg.compile`: f and ∇f without per-op overhead.

`wrap(problem)` returns the problem with three evaluations compiled (one program per
objective, traced on the first call at the current data shapes, see tinygrad_ku.compile):

    mean_fg(u)            the mean objective and its gradient (first-order optimisers, L-BFGS)
    f(u)                  the summed objective (Newton's trial points, the diagnostics, ...)
    fgh(u, hess=False)    the summed objective and its gradient

Each runs the generated NumPy program directly on u's array: no Tensor, node or graph,
and the results are bit for bit those of eager mode (the compiled program is checked
against eager mode when it is made). Everything else is the eager problem's: minibatches
(`mean_fg(u, batch)`), the exact Hessian (`fgh(u)`: second order stays eager), scores,
Jacobians. When compiling refuses the model (its log_prob branches on tensor values, reads
`.item()`, depends on its inputs through masks, ...), or fails, the problem falls back to
eager evaluation for good, and `note` says why (the fit's message ends with it).
"""
import numpy as np

from ..tensor import Tensor

_ERRORS = dict(over="ignore", invalid="ignore", divide="ignore")


class CompiledProblem:
    """`problem` with f, mean_fg and fgh(hess=False) compiled; other attributes are its own."""

    def __init__(self, problem):
        from ..compile import compile as _compile
        self.eager = problem
        self._mean = _compile(lambda u: problem.objective(u))
        self._sum = _compile(lambda u: problem._summed(u))
        self.compiled = True           # False once compiling has been refused
        self.note = None

    def __getattr__(self, name):       # (only for what is not defined here)
        return getattr(self.eager, name)

    def _refuse(self, err):
        self.compiled = False
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        self.note = (f"the objective was evaluated eagerly: tg.compile refused the model "
                     f"({type(err).__name__}: {first[:300]})")

    def _run(self, fn, u, grad):
        u_t = Tensor._make(np.array(u, dtype=np.float64), True, None)
        try:
            with np.errstate(**_ERRORS):   # (the trace turns grad mode on for itself)
                values, grads = fn.evaluate(u_t, grad=grad)
        except Exception as err:       # refused (TracingError) or not compilable: eager from now
            self._refuse(err)
            return None
        return values, grads

    def mean_fg(self, u, batch=None):
        if batch is None and self.compiled:
            got = self._run(self._mean, u, True)
            if got is not None:
                (obj,), (g,) = got
                return float(obj), (np.zeros(self.eager.P) if g is None else g)
        return self.eager.mean_fg(u, batch)

    def f(self, u):
        if self.compiled:
            got = self._run(self._sum, u, False)
            if got is not None:
                return float(got[0][0])
        return self.eager.f(u)

    def fgh(self, u, hess=True):
        if not hess and self.compiled:
            got = self._run(self._sum, u, True)
            if got is not None:
                (f,), (g,) = got
                return float(f), (np.zeros(self.eager.P) if g is None else
                                  np.array(g, dtype=np.float64)), None
        return self.eager.fgh(u, hess)


# compile=None: on for the optimisers that take many cheap steps on the full data (Adam, AdamW,
# SGD, an Optimizer of the user's), off for Newton (its cost is the Hessian, which stays eager)
# and L-BFGS (10-30 evaluations do not pay back the trace and its checks), and with minibatches
# (their evaluations are eager). Measured (one BLAS thread; eager -> compiled): logistic
# regression 32x4 Adam 200 steps 26 -> 12 ms, 2000x10 Adam 31 -> 17 ms, 50000x100 Adam
# 769 -> 774 ms; L-BFGS 5.2 -> 5.4 ms (32x4), 145 -> 173 ms (50000x100, bench_logistic_fit);
# Newton logit 32x4 3.7 -> 4.9 ms (bench_fit's model).
_MANY_STEPS = ("adam", "adamw", "sgd")


def wrap(problem, compile, kind=None, batch_size=None):
    """The problem to fit: compiled (see CompiledProblem) when `compile` is true (None: see
    above) and the problem is an in-memory one; else `problem` itself."""
    from .problem import Problem
    if compile is None:
        compile = batch_size is None and (kind in _MANY_STEPS or not isinstance(kind, str))
    if not compile or type(problem) is not Problem:
        return problem
    return CompiledProblem(problem)


def note(problem, message):
    """The fit's message, with why the objective was not compiled (if it was asked for)."""
    extra = getattr(problem, "note", None) if isinstance(problem, CompiledProblem) else None
    return message if not extra else f"{message}; {extra}"
