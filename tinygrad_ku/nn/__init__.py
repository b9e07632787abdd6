"""Neural-network building blocks, as torch.nn: `Module`, `Parameter`, layers, losses,
`functional`, `init`, `utils`."""
from . import functional, init, utils  # noqa: F401
from .layers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .module import Linear, Module, Parameter, Sequential, functional_call  # noqa: F401
