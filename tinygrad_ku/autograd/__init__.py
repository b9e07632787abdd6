"""Function transforms and checking: grad, numerical_jacobian, gradcheck (and `functional`)."""
from .grad import grad  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, numerical_jacobian  # noqa: F401
