"""Split a NumPy-normalised index into basic and advanced parts that follow PyTorch's rule.

PyTorch applies ints (and 0-d integer tensors), slices, None and Ellipsis first, ints just dropping
their dim; the index arrays / bool masks then index what is left: their broadcast dims go in place if
those remaining indexed dims are adjacent, else first.  (NumPy counts ints as advanced instead.)
"""
import numpy as np

_BASIC = (int, np.integer, slice, type(None), type(Ellipsis))


def _basic_item(i):
    return isinstance(i, _BASIC) and type(i) is not bool


def is_basic(index):
    """True if `index` holds only ints / slices / None / Ellipsis (so x[index] is a view)."""
    if type(index) is tuple:
        return all(_basic_item(i) for i in index)
    return _basic_item(index)


def _as_index_array(i):
    if isinstance(i, (bool, np.bool_)):
        return np.asarray(i, dtype=bool)
    a = np.asarray(i)
    if a.dtype == bool or np.issubdtype(a.dtype, np.integer):
        return a
    if a.size == 0:                      # e.g. np.array([]) from an empty list: float64, means "no rows"
        return a.astype(np.intp)
    raise IndexError(f"tensors used as indices must be integer or bool, got dtype {a.dtype}")


def split_index(index, ndim):
    """Return (basic, advanced) with x[basic][advanced] == torch_tensor[index] (shape and order).

    `basic` is a tuple of ints/slices/None/Ellipsis only, always holding one Ellipsis (appended if
    absent), so x[basic] is always an ndarray view, never a NumPy scalar.  `advanced` is None when
    there is no advanced index; otherwise a tuple of only slice(None) and integer/bool arrays addressing
    the dims of x[basic] (no ints, so NumPy's and PyTorch's placement rules coincide on it).
    0-d integer arrays become ints; bool scalars and 0-d bool arrays are advanced (they add a dim of
    size 1 or 0).  Bounds are checked when the index is applied.
    """
    items = index if type(index) is tuple else (index,)
    if is_basic(index):                  # fast path; the Ellipsis keeps x[basic] a view even for x[0] on 1-D
        return (items if any(i is Ellipsis for i in items) else items + (Ellipsis,)), None
    conv = []
    for i in items:
        if not _basic_item(i):
            i = _as_index_array(i)
            if i.ndim == 0 and i.dtype != bool:
                i = int(i)
        conv.append(i)
    n_ell = sum(i is Ellipsis for i in conv)
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(1 if not isinstance(i, np.ndarray) else (i.ndim if i.dtype == bool else 1)
               for i in conv if i is not None and i is not Ellipsis)
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic, adv, has_adv = [], [], False
    for i in conv:
        if isinstance(i, np.ndarray):
            k = i.ndim if i.dtype == bool else 1
            basic.extend([slice(None)] * k)
            adv.append(i)
            has_adv = True
        elif i is Ellipsis:
            basic.append(i)
            adv.extend([slice(None)] * (ndim - used))
        else:
            basic.append(i)
            if not isinstance(i, (int, np.integer)):
                adv.append(slice(None))      # slice or None: one dim of x[basic]
    if not n_ell:
        basic.append(Ellipsis)
    if not has_adv:
        return tuple(basic), None
    while adv and isinstance(adv[-1], slice):
        adv.pop()
    return tuple(basic), tuple(adv)
