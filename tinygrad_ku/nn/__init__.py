"""Neural-network building blocks, as torch.nn: `Module`, `Parameter`, layers, losses,
`functional`, `init`, `utils`."""
from . import functional, init, utils  # noqa: F401
from .layers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .module import Linear, Module, Parameter, Sequential, functional_call  # noqa: F401
from . import layers as _layers, losses as _losses

__all__ = sorted({*_layers.__all__, *_losses.__all__, "Linear", "Module", "Parameter",
                  "Sequential", "functional_call", "functional", "init", "utils"})


def __dir__():
    return list(__all__)
