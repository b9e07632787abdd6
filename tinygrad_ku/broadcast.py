"""Undoing broadcasting: the gradient of a broadcast input is summed back to its shape."""


def sum_to_shape(g, shape, op_name, lead=0):
    """Sum a gradient over the axes that broadcasting added, so it has `shape` after its
    first `lead` axes (the batch axis of a vectorized pass), which are kept."""
    target = tuple(g.shape[:lead]) + shape
    if g.shape == target:
        return g
    extra = g.ndim - len(target)
    if extra < 0:
        raise RuntimeError(f"{op_name} backward: gradient of shape {g.shape} is smaller than "
                           f"its input's shape {shape}")
    kept = tuple(lead + extra + i for i, n in enumerate(shape)
                 if n == 1 and g.shape[lead + extra + i] != 1)
    if not kept and not lead:          # only leading axes: one sum, a fresh array of `shape`
        g = g.sum(axis=tuple(range(extra)))
    else:
        g = g.sum(axis=tuple(range(lead, lead + extra)) + kept, keepdims=True)
        if extra:
            g = g.reshape(target)
    if g.shape != target:
        raise RuntimeError(f"{op_name} backward: gradient of shape {g.shape} does not match "
                           f"its input's shape {shape}")
    return g
