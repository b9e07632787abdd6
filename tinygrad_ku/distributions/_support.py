"""Checks the new families share: values against a support that depends on the
parameters (Uniform's [low, high), Binomial's {0, ..., n}), and probabilities in [0, 1]."""
import numpy as np

from ..tensor import Tensor
from . import constraints


def check_values(dist, t, ok, desc, op):
    """Raise a ValueError naming dist, op, the first bad value and its index where ~ok."""
    if not dist._validate_args:
        return
    ok = np.asarray(ok)
    if np.all(ok):
        return
    bad = np.argwhere(~ok)
    first = tuple(int(i) for i in bad[0]) if ok.ndim else ()
    shown = np.broadcast_to(t.data, ok.shape)[first].item()
    where_ = f" at index {first}" if first else ""
    more = f" ({len(bad) - 1} more invalid)" if len(bad) > 1 else ""
    raise ValueError(f"{dist.name}: value passed to {op} must be {desc}, got {shown!r}"
                     f"{where_}{more}")


def prob_value(dist, p, op="icdf"):
    """p as a float Tensor, checked to lie in [0, 1]."""
    t = p if isinstance(p, Tensor) else Tensor(np.asarray(p, dtype=np.float64))
    if t.dtype.kind != "f":
        t = t.to(np.float64)
    if dist._validate_args:
        dist._check("value", t, constraints.unit_interval, op)
    return t
