"""The tracing flag of tg.compile and the check Tensor's conversions make against it.

While a thread traces (`state.active`), Tensor's conversions to Python values and arrays
called from user code raise `TracingError` naming the user's line, as JAX does. This module
imports nothing from the package, so `tensor.py` can use it without an import circle.
"""
import linecache
import os
import sys
import threading

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class _State(threading.local):
    active = False       # this thread is tracing a function for tg.compile


state = _State()


class TracingError(RuntimeError):
    """f cannot be compiled as written: its Python code reads a tensor's values while tracing,
    or its result depends on its inputs in a way the recorded graph does not show."""


def user_line(depth=1):
    """'file:line in function: source' of the innermost frame outside tinygrad_ku."""
    frame = sys._getframe(depth)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "an unknown line"
    code = frame.f_code
    src = linecache.getline(code.co_filename, frame.f_lineno).strip()
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}: {src}"


def guard(what):
    """Called by Tensor's conversions while tracing: refuse when user code (not the
    library itself) asks for a tensor's value."""
    caller = sys._getframe(2).f_code.co_filename
    if caller.startswith(_PACKAGE_DIR):
        return
    raise TracingError(
        f"tg.compile: {what} on a Tensor while tracing, at {user_line(2)}. The compiled code "
        f"has no Python in it, so a Python value (or a branch) taken from a tensor would be "
        f"frozen at the traced value. Use tensor ops instead (tg.where(cond, a, b) for an "
        f"`if`), or compute the value outside the compiled function and pass it in as a "
        f"non-Tensor argument (those are part of the cache key).")
