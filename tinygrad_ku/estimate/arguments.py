"""The arguments of `mle` and `map`, checked: the model (or a log_prob function), the data,
the priors and the numeric settings. Each mistake gets an error naming the function and the
value at fault."""
import inspect
import math

import numpy as np

from ..nn.module import Module, Parameter
from ..tensor import Tensor


class FunctionModel(Module):
    """Adapter making `log_prob(params, *data)` with an initial params dict look like a model."""

    def __init__(self, fn, params, arg_constraints):
        super().__init__()
        object.__setattr__(self, "_fn", fn)
        object.__setattr__(self, "arg_constraints", dict(arg_constraints or {}))
        for name, value in params.items():
            arr = value.detach().data if isinstance(value, Tensor) else value
            self._parameters[str(name)] = Parameter(np.array(arr, dtype=np.float64))

    def log_prob(self, *data):
        return self._fn(dict(self._parameters), *data)


def resolve_model(model, params, constraints, fname):
    """(model, [(name, leaf Tensor)], is_function) from a model object or a log_prob function."""
    if isinstance(model, type):
        raise TypeError(f"{fname}: got the class {model.__name__}; pass an instance, e.g. "
                        f"{model.__name__}()")
    if callable(model) and not hasattr(model, "log_prob"):
        if not isinstance(params, dict) or not params:
            raise TypeError(f"{fname}: a log_prob(params, *data) function needs the initial "
                            f"params= dict {{name: value}}")
        model = FunctionModel(model, params, constraints)
        return model, list(model.named_parameters()), True
    if params is not None:
        raise TypeError(f"{fname}: params= is only for log_prob functions; the model "
                        f"{type(model).__name__} holds its own parameters")
    if constraints is not None:
        raise TypeError(f"{fname}: constraints= is only for log_prob functions; a model declares "
                        f"them in its arg_constraints")
    if not hasattr(model, "log_prob"):
        raise TypeError(f"{fname}: the model must have .parameters() and .log_prob(*data), or be "
                        f"a function log_prob(params, *data) with params= given; got "
                        f"{type(model).__name__}")
    if hasattr(model, "named_parameters"):
        named = list(model.named_parameters())
    elif hasattr(model, "parameters"):
        found = model.parameters()
        found = found.items() if isinstance(found, dict) else list(found)
        named = [item if isinstance(item, tuple) else (f"param{i}", item)
                 for i, item in enumerate(found)]
    else:
        raise TypeError(f"{fname}: the model {type(model).__name__} has no parameters() method")
    if not named:
        raise ValueError(f"{fname}: the model {type(model).__name__} has no parameters")
    for name, p in named:
        if not isinstance(p, Tensor) or p.grad_fn is not None:
            raise TypeError(f"{fname}: parameter {name!r} must be a leaf Tensor, got "
                            f"{type(p).__name__}")
        if p.dtype.kind != "f":
            raise TypeError(f"{fname}: parameter {name!r} must be floating point, got {p.dtype}")
    return model, named, False


def data_arity(model):
    """(required, maximum) number of positional data arguments of model.log_prob, or None."""
    try:
        sig = inspect.signature(model.log_prob)
    except (TypeError, ValueError):
        return None
    params = list(sig.parameters.values())
    if isinstance(model, FunctionModel):
        try:
            params = list(inspect.signature(model._fn).parameters.values())[1:]
        except (TypeError, ValueError):
            return None
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(p.default is p.empty for p in positional)
    return required, len(positional)


def as_data(data, model, fname):
    """A tuple of float/int ndarrays with equal rows, checked against log_prob's signature."""
    name = f"{type(model).__name__}.log_prob" if not isinstance(model, FunctionModel) \
        else "log_prob"
    arity = data_arity(model)
    if isinstance(data, list) and arity and arity[0] >= 2 and len(data) == arity[0] and \
            all(np.ndim(getattr(a, "data", a)) >= 1 for a in data):
        raise TypeError(f"{fname}: {name} takes {arity[0]} data arrays; pass them as a tuple "
                        f"{fname}(model, (X, y)), not a list")
    args = data if isinstance(data, tuple) else (data,)
    if arity and not arity[0] <= len(args) <= arity[1]:
        want = arity[0] if arity[0] == arity[1] else f"{arity[0]} to {arity[1]}"
        raise TypeError(f"{fname}: {name} takes {want} data argument(s), but data has "
                        f"{len(args)}; pass them as one tuple, e.g. {fname}(model, (X, y))")
    out = []
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            a = a.detach().data
        try:
            arr = np.asarray(a)
        except ValueError:                 # ragged nested lists
            raise ValueError(f"{fname}: data argument {i} is not a rectangular array (its rows "
                             f"have different lengths)") from None
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise TypeError(f"{fname}: data argument {i} must be numeric, got dtype {arr.dtype}")
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            bad = np.argwhere(~np.isfinite(arr))[0]
            raise ValueError(f"{fname}: data argument {i} has a non-finite value "
                             f"{arr[tuple(bad)]} at index {tuple(int(b) for b in bad)}")
        out.append(arr)
    n = out[0].shape[0] if out[0].ndim else 1
    if n == 0:
        raise ValueError(f"{fname}: the data is empty (argument 0 has shape {out[0].shape}); "
                         f"there is nothing to fit")
    for i, arr in enumerate(out):
        if (arr.shape[0] if arr.ndim else 1) != n:
            raise ValueError(f"{fname}: every data array must have the same number of rows; "
                             f"argument 0 has {n}, argument {i} has shape {arr.shape}")
    return out


def priors_by_name(prior, names, fname):
    """{natural name: distribution or None}."""
    if prior is None:
        return dict.fromkeys(names)
    if isinstance(prior, dict):
        unknown = [k for k in prior if k not in names]
        if unknown:
            raise ValueError(f"{fname}: prior given for unknown parameters {unknown}; the model's "
                             f"parameters are {names}")
        priors = {n: prior.get(n) for n in names}
    else:
        priors = dict.fromkeys(names, prior)
    for n, d in priors.items():
        if d is not None and not hasattr(d, "log_prob"):
            raise TypeError(f"{fname}: the prior for {n!r} must be a distribution with "
                            f".log_prob(tensor), got {type(d).__name__}; data go in one tuple: "
                            f"map(model, (X, y), prior)")
    return priors


def is_laplace(dist):
    return type(dist).__name__ == "Laplace" and hasattr(dist, "loc") and hasattr(dist, "scale")


def check_number(value, name, fname, *, positive, integer=False):
    if value is None:
        return
    """value is None, or a finite number (an int when `integer`) above 0 (`positive`) or ≥ 0."""
    numbers = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    ok = isinstance(value, numbers) and not isinstance(value, (bool, np.bool_))
    if not ok or not math.isfinite(value) or (value <= 0 if positive else value < 0):
        kind = ("a positive" if positive else "a non-negative") + \
            (" int" if integer else " finite number")
        raise ValueError(f"{fname}: {name} must be {kind}, got {value!r}")
