"""Tensor methods by topic, as mixin classes that `Tensor` inherits.

Each module holds one mixin (methods written with the ops of `tinygrad_ku.ops`) and
`FUNCTIONS`, the names that are also top-level functions (`tg.asin(x) = x.asin()`).
A mixin never imports `tensor.py`; it makes Tensors through the ops.
"""
