"""Neural-network helpers: `tg.nn.functional`."""
from . import functional  # noqa: F401
