"""Tensor methods: gather, scatter, index_select, masked_fill, flip, roll, repeat, tile."""

FUNCTIONS = ()    # names that are also top-level functions: tg.name(x, ...) = x.name(...)


class IndexingMethods:
    __slots__ = ()
