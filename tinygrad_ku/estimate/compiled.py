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

from ..compile.function import UncheckedWarning
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
        if not fn._last.checked:       # not verified on other values: not trusted for a fit
            self._refuse(UncheckedWarning("the program could be checked only on the traced "
                                          "values (log_prob failed on every changed input)"))
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
# and L-BFGS (a few dozen evaluations do not pay back the trace and its checks), and with
# minibatches (their evaluations are eager).
_MANY_STEPS = ("adam", "adamw", "sgd")


def wrap(problem, compile, kind=None, batch_size=None):
    """The problem to fit: compiled (see CompiledProblem) when `compile` is true (None: see
    above) and the problem is an in-memory one; else `problem` itself."""
    from .problem import Problem
    if compile not in (None, True, False):
        raise ValueError(f"{problem.fname}: compile must be None, True or False, got {compile!r}")
    if compile is None:
        compile = batch_size is None and (kind in _MANY_STEPS or not isinstance(kind, str))
    if not compile or type(problem) is not Problem:
        return problem
    return CompiledProblem(problem)


def note(problem, message):
    """The fit's message, with why the objective was not compiled (if it was asked for)."""
    extra = getattr(problem, "note", None) if isinstance(problem, CompiledProblem) else None
    return message if not extra else f"{message}; {extra}"
