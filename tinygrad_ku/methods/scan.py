"""Tensor methods: cumulative ops, sorting, top-k, unique, median, std_mean / var_mean."""

FUNCTIONS = ()    # names that are also top-level functions: tg.name(x, ...) = x.name(...)


class ScanMethods:
    __slots__ = ()
