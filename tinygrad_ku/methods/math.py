"""Tensor methods: elementwise math: inverse trig, hyperbolic, erf, rounding, arithmetic in method form, comparisons."""

FUNCTIONS = ()    # names that are also top-level functions: tg.name(x, ...) = x.name(...)


class MathMethods:
    __slots__ = ()
