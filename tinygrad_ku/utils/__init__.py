"""`tg.utils`: data loading (`tg.utils.data`)."""
from . import data  # noqa: F401
