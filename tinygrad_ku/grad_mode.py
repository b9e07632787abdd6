"""Grad mode and anomaly mode: per-thread switches, as PyTorch keeps them.

`modes.grad_enabled` says whether ops in this thread record the graph;
`modes.anomaly` whether backward checks every vjp's result for nan/inf;
`modes.inference` whether the thread is inside `inference_mode()` (grad mode off).
A thread starts with grad mode on and anomaly mode off, whatever other
threads have set. Every op asks for its thread's grad mode, and a
thread-local lookup costs about a tenth of a small op; so the process keeps
a count of threads that have grad mode off, and while it is zero
(`all_enabled`) an op need not look (a measured fast path).
"""
import functools
import os
import threading

import numpy as np

all_enabled = True     # no thread has grad mode off: ops need not look up their own
anomaly_threads = 0    # threads with anomaly mode on: ops look up their own mode only then
_threads_off = 0       # threads with grad mode off
_lock = threading.Lock()
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class _Modes(threading.local):
    """Grad mode and anomaly mode, per thread as in PyTorch (class attributes are the defaults)."""
    grad_enabled = True
    anomaly = False
    inference = False


modes = _Modes()


def is_grad_enabled():
    """Whether ops in this thread record the graph."""
    return modes.grad_enabled


def set_grad(on):
    """Turn this thread's grad mode on or off; returns the previous mode."""
    global all_enabled, _threads_off
    prev, on = modes.grad_enabled, bool(on)
    if on != prev:
        with _lock:
            _threads_off += prev - on
            all_enabled = _threads_off == 0
        modes.grad_enabled = on
    return prev


def is_inference_mode_enabled():
    """Whether this thread is inside `inference_mode()`."""
    return modes.inference


def set_inference(on):
    """Enter (on) or leave inference mode in this thread: grad mode becomes `not on`, as
    PyTorch's InferenceMode guard sets it. Returns the previous (inference, grad) pair,
    which this setter also accepts to restore both."""
    prev = (modes.inference, modes.grad_enabled)
    inference, grad = on if isinstance(on, tuple) else (bool(on), not on)
    modes.inference = inference
    set_grad(grad)
    return prev


def set_anomaly(on):
    """Turn this thread's anomaly mode on or off; returns the previous mode."""
    global anomaly_threads
    prev, on = modes.anomaly, bool(on)
    with _lock:
        anomaly_threads += on - prev
    modes.anomaly = on
    return prev


class Switch:
    """Context manager and decorator that sets one of this thread's modes and restores it;
    `_set` is the mode's setter (it returns the previous mode)."""
    _set = staticmethod(set_grad)

    def __init__(self, mode):
        self.mode = bool(mode)

    def __enter__(self):
        self._prev = self._set(self.mode)

    def __exit__(self, *exc):
        self._set(self._prev)

    def __call__(self, fn):
        setter, mode = self._set, self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = setter(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                setter(prev)
        return wrapper


class no_grad(Switch):
    """Ops inside `with no_grad():` (or a function decorated with it) record no graph."""

    def __init__(self):
        super().__init__(False)


class enable_grad(Switch):
    """Turn graph recording back on inside a `no_grad` region."""

    def __init__(self):
        super().__init__(True)


class set_grad_enabled(Switch):
    """Set this thread's grad mode now (as torch.set_grad_enabled); as a context manager
    or decorator the previous mode comes back afterwards."""

    def __init__(self, mode):
        super().__init__(mode)
        self._prev = set_grad(self.mode)

    def __enter__(self):
        pass

    def __call__(self, fn):
        set_grad(self._prev)                 # as a decorator it applies only inside fn
        return super().__call__(fn)


class inference_mode(Switch):
    """Like `no_grad`, for code that will never need gradients (torch.inference_mode):
    a context manager or decorator (with or without parentheses); `inference_mode(False)`
    leaves inference mode and turns grad mode on."""
    _set = staticmethod(set_inference)

    def __new__(cls, mode=True):
        if mode is None or isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)                   # bare @inference_mode on a function

    def __init__(self, mode=True):
        super().__init__(mode)


def user_frame():
    """The innermost stack frame outside this package: where the user made a tensor."""
    import traceback
    for frame in reversed(traceback.extract_stack()[:-2]):
        if not frame.filename.startswith(_PACKAGE_DIR):
            return f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"
    return None


def check_finite(node, grads):
    """Raise at the op whose vjp gave nan or inf (anomaly mode), naming where its output was made."""
    for i, gp in enumerate(grads):
        if gp is not None and gp.dtype.kind in "fc" and not np.all(np.isfinite(gp)):
            where = f" (the tensor was created at {node.origin})" if node.origin else ""
            raise RuntimeError(
                f"Function '{node.name}Backward' returned nan or inf values in its "
                f"{i}th output{where}")
