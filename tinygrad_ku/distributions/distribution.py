"""`Distribution`: the base class of tg.distributions, and the helpers the families share.

As in torch.distributions: a distribution has a `batch_shape` (independent
distributions with different parameters) and an `event_shape` (the shape of one
draw); `sample(sample_shape)` returns shape sample_shape + batch_shape + event_shape.
Parameters are declared in `arg_constraints` and checked at construction; values
are checked against `support` in `log_prob`. Both raise a ValueError naming the
distribution, the argument, the bad value and the constraint.
"""
import numpy as np

from .. import grad_mode
from ..random import default_generator
from ..tensor import Tensor, where

__all__ = ["Distribution"]


class lazy_property:
    """A property computed on first access and then stored on the instance.

    A parameter given to the constructor lives in the instance's __dict__ and so
    shadows this descriptor; `name in self.__dict__` tells which ones were given.
    """
    def __init__(self, fn):
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        value = self.fn(obj)
        obj.__dict__[self.fn.__name__] = value
        return value


class Distribution:
    """A family of probability distributions with batch and event shapes."""
    arg_constraints = {}
    support = None
    has_rsample = False
    _validate_default = True

    @staticmethod
    def set_default_validate_args(value):
        """Turn argument and value validation on or off for distributions made afterwards."""
        Distribution._validate_default = bool(value)

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        self._validate_args = Distribution._validate_default if validate_args is None \
            else bool(validate_args)
        if self._validate_args:
            for name, constraint in self.arg_constraints.items():
                if name in self.__dict__:
                    self._check(name, getattr(self, name), constraint, "argument")

    # ----- shapes ----------------------------------------------------------------------
    batch_shape = property(lambda self: self._batch_shape)
    event_shape = property(lambda self: self._event_shape)

    def _extended_shape(self, sample_shape=()):
        return _as_shape(sample_shape, f"{self.name}.sample") + self._batch_shape + \
            self._event_shape

    @property
    def name(self):
        return type(self).__name__

    # ----- moments and densities (overridden by the families) ---------------------------
    @property
    def mean(self):
        raise NotImplementedError(f"{self.name}: mean is not implemented")

    @property
    def variance(self):
        raise NotImplementedError(f"{self.name}: variance is not implemented")

    @property
    def stddev(self):
        """sqrt(variance)."""
        return self.variance.sqrt()

    def log_prob(self, value):
        raise NotImplementedError(f"{self.name}: log_prob is not implemented")

    def prob(self, value):
        """exp(log_prob(value))."""
        return self.log_prob(value).exp()

    def entropy(self):
        raise NotImplementedError(f"{self.name}: entropy has no closed form here")

    # ----- sampling --------------------------------------------------------------------
    def rsample(self, sample_shape=(), generator=None):
        raise NotImplementedError(
            f"{self.name}: rsample (reparameterised sampling) is not available; use sample()")

    def sample(self, sample_shape=(), generator=None):
        """Draws of shape sample_shape + batch_shape + event_shape, outside the graph.

        generator: a numpy Generator, an int seed, or None for the generator behind
        tg.manual_seed. The same seed gives the same draws.
        """
        with grad_mode.no_grad():
            out = self.rsample(sample_shape, generator)
        return out.detach()

    # ----- validation ------------------------------------------------------------------
    def _check(self, name, x, constraint, kind):
        arr = np.asarray(x.data if isinstance(x, Tensor) else x)
        ok = constraint.check(arr)
        if np.all(ok):
            return
        bad = np.argwhere(~np.asarray(ok))
        first = tuple(int(i) for i in bad[0])
        unit = np.asarray(arr[first])
        shown = np.array2string(unit, precision=6, separator=", ").replace("\n", "") \
            if unit.ndim else repr(unit.item())
        where_ = f" at index {first}" if first else ""
        more = f" ({len(bad) - 1} more invalid)" if len(bad) > 1 else ""
        what = f"{kind} '{name}'" if kind == "argument" else f"value passed to {kind}"
        raise ValueError(f"{self.name}: {what} must be {constraint}, got {shown}{where_}"
                         f"{constraint.explain(unit)}{more}")

    def _value(self, value, op="log_prob"):
        """value as a Tensor (float unless discrete), checked for shape, finiteness and support."""
        discrete = self.support is not None and self.support.is_discrete
        if isinstance(value, Tensor):
            t = value if value.dtype.kind == "f" else value.to(np.float64)
        else:
            arr = np.asarray(value)
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"{self.name}.{op}: value must be numeric, got dtype {arr.dtype}")
            t = Tensor(arr.astype(np.float64) if arr.dtype.kind != "f" else arr)
        if discrete and t.requires_grad:
            t = t.detach()
        target = self._batch_shape + self._event_shape
        try:
            np.broadcast_shapes(t.shape, target)
        except ValueError:
            raise ValueError(f"{self.name}.{op}: value of shape {t.shape} does not broadcast with "
                             f"batch_shape + event_shape = {target}") from None
        n = len(self._event_shape)
        if n and t.shape[-n:] != self._event_shape:
            raise ValueError(f"{self.name}.{op}: value of shape {t.shape} must end in the "
                             f"event_shape {self._event_shape}")
        if self._validate_args:
            bad = ~np.isfinite(t.data)
            if np.any(bad):
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                raise ValueError(f"{self.name}: value passed to {op} must be finite, got "
                                 f"{t.data[idx].item()!r}" + (f" at index {idx}" if idx else ""))
            if self.support is not None:
                self._check("value", t, self.support, op)
        return t

    def __repr__(self):
        args = ", ".join(f"{k}: {_short(getattr(self, k))}"
                         for k in self.arg_constraints if k in self.__dict__)
        return f"{self.name}({args})"


# ----- helpers shared by the families -------------------------------------------------
def _as_shape(shape, op):
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        shape = tuple(int(n) for n in shape)
    except TypeError:
        raise TypeError(f"{op}: sample_shape must be an int or a tuple of ints, "
                        f"got {shape!r}") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"{op}: sample_shape {shape} has a negative size")
    return shape


def param(x, dist, name):
    """A distribution parameter as a float Tensor; a Tensor keeps its graph."""
    if isinstance(x, Tensor):
        return x if x.dtype.kind == "f" else x.to(np.float64)
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{dist}: argument '{name}' must be numeric, got "
                        f"{type(x).__name__} of dtype {arr.dtype}")
    return Tensor(np.array(arr, dtype=arr.dtype if arr.dtype.kind == "f" else np.float64))


def broadcast_all(dist, **params):
    """The parameters, each made a float Tensor by `param`, expanded to one common (batch)
    shape, and that shape."""
    params = {k: param(v, dist, k) for k, v in params.items()}
    shapes = {k: v.shape for k, v in params.items()}
    try:
        shape = np.broadcast_shapes(*shapes.values())
    except ValueError:
        desc = ", ".join(f"{k} {s}" for k, s in shapes.items())
        raise ValueError(f"{dist}: parameter shapes {desc} cannot be broadcast "
                         f"together") from None
    return [v.expand(shape) for v in params.values()], shape


def generator_of(generator, op="sample"):
    """A numpy Generator from None (tg.manual_seed's), an int seed, or a Generator."""
    if generator is None:
        return default_generator()
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(f"{op}: generator must be a numpy Generator, an int seed or None, "
                    f"got {type(generator).__name__}")


def xlogy(x, y):
    """x log y, with 0 log 0 = 0 (value and gradient stay finite there)."""
    xd = np.asarray(x.data if isinstance(x, Tensor) else x)
    yd = np.asarray(y.data if isinstance(y, Tensor) else y)
    zero = (xd == 0) & (yd == 0)
    with np.errstate(divide="ignore"):
        if not np.any(zero):
            return x * _log(y)
        return where(zero, 0.0, x * _log(where(zero, 1.0, y)))


def _log(y):
    return y.log() if isinstance(y, Tensor) else Tensor(np.log(y))


def _short(x):
    arr = np.asarray(x.data if isinstance(x, Tensor) else x)
    return np.array2string(arr, precision=4, separator=", ", threshold=6)

