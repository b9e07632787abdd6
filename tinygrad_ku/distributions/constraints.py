"""Constraints on parameters and supports, as in torch.distributions.constraints.

A constraint checks an ndarray and returns a boolean array over its leading
(batch) axes: the trailing `event_dim` axes (a probability vector, a matrix)
are judged as one unit. `str(c)` says in words what the constraint asks, and
`explain(unit)` adds detail about one offending unit (a row's sum, an eigenvalue).
"""
import numpy as np

__all__ = ["Constraint", "real", "positive", "nonnegative", "unit_interval", "boolean",
           "nonnegative_integer", "simplex", "real_vector", "lower_cholesky",
           "positive_definite", "integer_interval", "interval", "greater_than", "greater_than_eq"]

SIMPLEX_TOL = 1e-5     # how far a probability vector may sum away from one (leaves room for
                       # the 1e-6 perturbations of finite-difference gradient checks)


class Constraint:
    """A region of values; `check(x)` is True where x lies in it."""
    event_dim = 0
    is_discrete = False

    def check(self, x):
        raise NotImplementedError

    def explain(self, unit):
        return ""

    def __repr__(self):
        return str(self)


class _Real(Constraint):
    def check(self, x):
        return ~np.isnan(x)

    def __str__(self):
        return "real (not NaN)"


class _GreaterThan(Constraint):
    def __init__(self, lower):
        self.lower = lower

    def check(self, x):
        return x > self.lower

    def __str__(self):
        return "positive (> 0)" if self.lower == 0 else f"greater than {self.lower}"


class _GreaterThanEq(Constraint):
    def __init__(self, lower):
        self.lower = lower

    def check(self, x):
        return x >= self.lower

    def __str__(self):
        return "non-negative (>= 0)" if self.lower == 0 else f">= {self.lower}"


class _Interval(Constraint):
    def __init__(self, lower, upper):
        self.lower, self.upper = lower, upper

    def check(self, x):
        return (x >= self.lower) & (x <= self.upper)

    def __str__(self):
        return f"in the closed interval [{self.lower}, {self.upper}]"


class _Boolean(Constraint):
    is_discrete = True

    def check(self, x):
        return (x == 0) | (x == 1)

    def __str__(self):
        return "0 or 1"


class _IntegerInterval(Constraint):
    is_discrete = True

    def __init__(self, lower, upper):
        self.lower, self.upper = lower, upper

    def check(self, x):
        return (x == np.floor(x)) & (x >= self.lower) & (x <= self.upper)

    def __str__(self):
        if self.upper == np.inf:
            return "a non-negative integer" if self.lower == 0 else f"an integer >= {self.lower}"
        return f"an integer in {{{self.lower}, ..., {self.upper}}}"


class _Simplex(Constraint):
    event_dim = 1

    def check(self, x):
        return np.all(x >= 0, axis=-1) & (np.abs(x.sum(-1) - 1.0) <= SIMPLEX_TOL)

    def explain(self, unit):
        if np.any(unit < 0):
            return f" (it has negative entries {unit[unit < 0].tolist()})"
        return f" (it sums to {unit.sum():.10g})"

    def __str__(self):
        return (f"a probability vector along the last dim (entries >= 0, summing to 1 "
                f"within {SIMPLEX_TOL:g})")


class _RealVector(Constraint):
    event_dim = 1

    def check(self, x):
        return ~np.any(np.isnan(x), axis=-1)

    def __str__(self):
        return "a real vector (no NaN)"


class _LowerCholesky(Constraint):
    event_dim = 2

    def check(self, x):
        upper = np.triu(np.ones(x.shape[-2:], dtype=bool), 1)
        diag = np.diagonal(x, axis1=-2, axis2=-1)
        return np.all(np.where(upper, x == 0, True), axis=(-2, -1)) & np.all(diag > 0, axis=-1)

    def explain(self, unit):
        d = np.diagonal(unit)
        if np.any(d <= 0):
            return f" (its diagonal is {d.tolist()})"
        return " (it has non-zero entries above the diagonal)"

    def __str__(self):
        return "lower triangular with a positive diagonal"


class _PositiveDefinite(Constraint):
    event_dim = 2

    def check(self, x):
        flat = x.reshape((-1,) + x.shape[-2:])
        ok = np.array([_is_pd(m) for m in flat], dtype=bool)
        return ok.reshape(x.shape[:-2])

    def explain(self, unit):
        if not np.allclose(unit, unit.T, atol=1e-6, rtol=1e-6):
            return " (it is not symmetric)"
        return f" (its smallest eigenvalue is {np.linalg.eigvalsh(unit).min():.6g})"

    def __str__(self):
        return "a symmetric positive-definite matrix"


def _is_pd(m):
    if not np.all(np.isfinite(m)) or not np.allclose(m, m.T, atol=1e-6, rtol=1e-6):
        return False
    try:
        np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        return False
    return True


real = _Real()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
unit_interval = _Interval(0.0, 1.0)
boolean = _Boolean()
nonnegative_integer = _IntegerInterval(0, np.inf)
simplex = _Simplex()
real_vector = _RealVector()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
integer_interval = _IntegerInterval
interval = _Interval
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
