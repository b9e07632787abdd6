"""`detect_anomaly`: stop the backward pass at the first op whose vjp produced NaN or inf.

While it is on, every op records where in the user's code its output was made
(file, line, source), and every vjp's result is checked with `np.isfinite`; the
`RuntimeError` names the op (``Function 'SqrtBackward' returned nan or inf ...``)
and that place. It slows forward and backward passes; use it to debug.
Like grad mode, it is per thread: turning it on in one thread leaves the others alone.
"""
from ..grad_mode import Switch, modes, set_anomaly


class detect_anomaly(Switch):
    """Context manager / decorator: `with tg.detect_anomaly(): loss.backward()` raises at the NaN/inf op."""
    _set = staticmethod(set_anomaly)

    def __init__(self, check_nan=True):
        super().__init__(check_nan)


class set_detect_anomaly(detect_anomaly):
    """Turn anomaly detection on or off now; also usable as a context manager (as torch)."""

    def __init__(self, mode, check_nan=True):
        super().__init__(check_nan and mode)
        self._prev = set_anomaly(self.mode)

    def __enter__(self):
        pass


def is_anomaly_enabled():
    """Whether detect_anomaly is on in this thread."""
    return modes.anomaly
