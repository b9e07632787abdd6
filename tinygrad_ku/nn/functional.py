"""torch.nn.functional: activations and layer helpers (nn/activations.py) and the
functional losses (nn/losses.py)."""
from . import losses as _losses
from .activations import *  # noqa: F401,F403

for _name in _losses.FUNCTIONAL:
    globals()[_name] = getattr(_losses, _name)
del _name
