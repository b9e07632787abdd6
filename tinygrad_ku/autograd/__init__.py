"""Function transforms and checking: grad, numerical_jacobian, gradcheck (and `functional`)."""
from . import functional  # noqa: F401
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: F401
from .grad import grad  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, numerical_jacobian  # noqa: F401
from .gradgradcheck import gradgradcheck  # noqa: F401

__all__ = ["GradcheckError", "detect_anomaly", "functional", "grad", "gradcheck", "gradgradcheck",
           "is_anomaly_enabled", "numerical_jacobian", "set_detect_anomaly"]


def __dir__():
    return list(__all__)
