"""Random numbers as torch names them: `Generator` (also a NumPy Generator), the default
generator that `manual_seed` seeds, and the samplers rand, randn, randint, randperm and their
`*_like` forms. Everything random in the library draws from `default_generator()` unless
given `generator=`."""
import operator
import secrets

import numpy as np

from . import dtypes as _dt
from .tensor import _make_new, _new_shape, as_tensor


class Generator(np.random.Generator):
    """A random number generator (torch.Generator) that is also a NumPy Generator, so it
    works as `generator=` of every sampler here. Generator() starts from PyTorch's default
    seed 67280421310721; the same seed gives the same draws."""
    default_seed = 67280421310721

    def __init__(self, device="cpu"):
        _dt.check_device(device, "Generator")
        super().__init__(np.random.PCG64(self.default_seed))
        self._initial_seed = self.default_seed

    device = property(lambda self: _dt.CPU)

    def manual_seed(self, seed):
        """Restart the stream from the int `seed` (negative seeds wrap modulo 2**64, as
        PyTorch's); returns the generator."""
        seed = int(seed) % 2 ** 64
        self.bit_generator.state = np.random.PCG64(seed).state
        self._initial_seed = seed
        return self

    def seed(self):
        """Restart the stream from a non-deterministic seed; returns that seed."""
        s = secrets.randbits(64)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        """The seed the stream last started from."""
        return self._initial_seed

    def __reduce__(self):              # copy and pickle as a Generator (NumPy's drops the class)
        return _restored_generator, (self.bit_generator.state, self._initial_seed)


def _restored_generator(state, initial_seed):
    g = Generator()
    g.bit_generator.state = state
    g._initial_seed = initial_seed
    return g


_rng = Generator()
_rng.seed()


def manual_seed(seed):
    """Seed the default generator (behind rand, randn, samplers without generator=); returns it."""
    return _rng.manual_seed(seed)


def seed():
    """Seed the default generator non-deterministically; returns the seed."""
    return _rng.seed()


def initial_seed():
    """The seed the default generator last started from."""
    return _rng.initial_seed()


def default_generator():
    """The default generator (tg.manual_seed seeds it)."""
    return _rng


def generator_or_default(generator, op):
    """`generator` (a tg.Generator or a NumPy Generator), or the default one when None."""
    if generator is None:
        return _rng
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"{op}: generator must be a tg.Generator (or a NumPy Generator), "
                        f"got {type(generator).__name__}")
    return generator


def _float_dtype(dtype, op):
    dtype = _dt.float_or_default(dtype)
    if dtype.kind != "f":              # PyTorch: NotImplementedError from its kernel
        raise NotImplementedError(f"{op}: sampling into dtype {dtype} is not implemented; "
                                  f"use a floating point dtype")
    return dtype


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, name=None):
    """Standard normal samples of shape size."""
    dtype = _float_dtype(dtype, "randn")
    arr = generator_or_default(generator, "randn").standard_normal(_new_shape(size, "randn"))
    return _make_new(arr.astype(dtype, copy=False), device, requires_grad, name, "randn")


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, name=None):
    """Uniform samples on [0, 1) of shape size."""
    dtype = _float_dtype(dtype, "rand")
    arr = generator_or_default(generator, "rand").random(_new_shape(size, "rand"))
    return _make_new(arr.astype(dtype, copy=False), device, requires_grad, name, "rand")


def _integers(low, high, shape, generator, op):
    if low >= high:
        raise RuntimeError(f"{op}: expects low < high, got low={low} >= high={high}")
    return generator_or_default(generator, op).integers(low, high, size=shape, dtype=np.int64)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers drawn uniformly from [low, high) (int64): randint(high, size) or
    randint(low, high, size), size a tuple."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if high is None or not isinstance(size, (tuple, list)):
        raise TypeError(f"randint: expects randint(high, size) or randint(low, high, size) with "
                        f"size a tuple of ints, got low={low!r}, high={high!r}, size={size!r}")
    arr = _integers(low, high, _new_shape(size, "randint"), generator, "randint")
    return _make_new(arr.astype(_dt.int64 if dtype is None else dtype, copy=False), device,
                     requires_grad, None, "randint")


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0, ..., n - 1 (int64)."""
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    arr = generator_or_default(generator, "randperm").permutation(operator.index(n))
    return _make_new(arr.astype(_dt.int64 if dtype is None else dtype, copy=False), device,
                     requires_grad, None, "randperm")


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    """rand of input's shape and dtype (unless given)."""
    input = as_tensor(input)
    return rand(input.shape, generator=generator, dtype=input.dtype if dtype is None else dtype,
                device=device, requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    """randn of input's shape and dtype (unless given)."""
    input = as_tensor(input)
    return randn(input.shape, generator=generator, dtype=input.dtype if dtype is None else dtype,
                 device=device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False):
    """randint over [low, high) in input's shape and dtype (unless given);
    randint_like(input, high) draws from [0, high)."""
    if high is None:
        low, high = 0, low
    input = as_tensor(input)
    arr = _integers(low, high, input.shape, generator, "randint_like")
    return _make_new(arr.astype(input.dtype if dtype is None else dtype), device, requires_grad,
                     None, "randint_like")
