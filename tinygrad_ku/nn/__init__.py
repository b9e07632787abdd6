"""Neural-network helpers: `tg.nn.functional`, and `Module`, `Parameter`, `Linear`, `Sequential`."""
from . import functional  # noqa: F401
from .module import Linear, Module, Parameter, Sequential, functional_call  # noqa: F401
