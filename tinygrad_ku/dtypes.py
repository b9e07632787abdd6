"""What a tensor's elements are and where they live: PyTorch's dtype names (NumPy dtype
objects, so they work as `dtype=` anywhere NumPy does), the default float dtype, and
devices (tensors live on the CPU; CUDA is never available).
"""
import builtins

import numpy as np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
complex64 = np.dtype(np.complex64)
complex128 = np.dtype(np.complex128)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

# x.type() names, as PyTorch prints them
TYPE_NAMES = {float16: "torch.HalfTensor", float32: "torch.FloatTensor",
              float64: "torch.DoubleTensor", complex64: "torch.ComplexFloatTensor",
              complex128: "torch.ComplexDoubleTensor", int8: "torch.CharTensor",
              int16: "torch.ShortTensor", int32: "torch.IntTensor", int64: "torch.LongTensor",
              uint8: "torch.ByteTensor", bool_: "torch.BoolTensor"}
DTYPE_OF_TYPE_NAME = {name: dt for dt, name in TYPE_NAMES.items()}

_default = float64     # the repo's convention (PyTorch's default is float32)


def get_default_dtype():
    """The dtype of tensors made from Python floats (and of zeros, ones, rand, ... by default)."""
    return _default


def set_default_dtype(d):
    """Set the default float dtype: float16, float32 or float64 (as torch.set_default_dtype)."""
    global _default
    dt = np.dtype(d)
    if dt not in (float16, float32, float64):
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the "
                        f"default type, got {dt}")
    _default = dt


def default_complex_dtype():
    """The complex dtype that goes with the default float dtype (complex128 for float64)."""
    return complex128 if _default == float64 else complex64


def float_or_default(dtype):
    """dtype as an np.dtype, or the default float dtype when None."""
    return _default if dtype is None else np.dtype(dtype)


# ----- devices -------------------------------------------------------------------------
DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip",
                "ve", "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")


class device:
    """Where a tensor lives (torch.device): device('cpu'), device('cuda', 0), device('cuda:0').
    Only the CPU holds tensors here; other devices can be named but not used."""
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, (int, np.integer)) and not isinstance(type, bool):
            raise RuntimeError("device: Cannot access accelerator device when none is available "
                               f"(got device index {type}); tinygrad_ku tensors live on the CPU")
        elif not isinstance(type, str):
            raise TypeError(f"device: expected a device string such as 'cpu' or a device, "
                            f"got {builtins.type(type).__name__}")
        else:
            type, index = _parse_device(type, index)
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError(f"device: attribute {name!r} is read-only")

    def __eq__(self, other):
        if not isinstance(other, device):
            return NotImplemented      # as torch: device('cpu') != 'cpu'
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type={self.type!r}" + \
            ("" if self.index is None else f", index={self.index}") + ")"


def _parse_device(spec, index):
    if not spec:
        raise RuntimeError("device: Device string must not be empty")
    kind, colon, idx = spec.partition(":")
    if kind not in DEVICE_TYPES:
        raise RuntimeError(f"device: Expected one of {', '.join(DEVICE_TYPES)} device type at "
                           f"start of device string: {spec}")
    if colon:
        if not idx.isdigit() or index is not None:
            raise RuntimeError(f"device: Invalid device string: {spec!r}")
        index = int(idx)
    elif index is not None:
        if not isinstance(index, (int, np.integer)) or index < 0:
            raise RuntimeError(f"device: index must be a non-negative int, got {index!r}")
        index = int(index)
    return kind, index


CPU = device("cpu")


def is_device(obj):
    """Whether obj names a device (a device, or a string that starts with a device type)."""
    return isinstance(obj, device) or (
        isinstance(obj, str) and obj.partition(":")[0] in DEVICE_TYPES)


def check_device(dev, op):
    """Raise unless dev is None or a CPU device (the only place tensors live here)."""
    if dev is None:
        return
    dev = dev if isinstance(dev, device) else device(dev)
    if dev.type == "cpu":
        return
    if dev.type == "cuda":             # PyTorch without CUDA raises AssertionError
        raise AssertionError(f"{op}: tinygrad_ku is not compiled with CUDA enabled: tensors "
                             f"live on the CPU only (tg.cuda.is_available() is False), "
                             f"got device {str(dev)!r}")
    raise RuntimeError(f"{op}: device {str(dev)!r} is not available: tinygrad_ku tensors live "
                       f"on the CPU only")


class cuda:
    """tg.cuda: CUDA is never available (tensors live on the CPU), as torch.cuda without a GPU."""

    @staticmethod
    def is_available():
        """False: there is no GPU backend."""
        return False

    @staticmethod
    def device_count():
        """0: there is no GPU backend."""
        return 0
