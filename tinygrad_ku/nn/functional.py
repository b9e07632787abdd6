"""torch.nn.functional: activations and layer helpers (nn/activations.py) and the
functional losses (nn/losses.py)."""
from . import activations as _activations, losses as _losses
from .activations import *  # noqa: F401,F403

for _name in _losses.FUNCTIONAL:
    globals()[_name] = getattr(_losses, _name)
del _name
__all__ = sorted([*_activations.__all__, *_losses.FUNCTIONAL])


def __dir__():              # dir() lists the public names only
    return list(__all__)
