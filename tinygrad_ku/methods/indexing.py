"""Tensor methods: gather, scatter, index_select, masked_fill, flip, roll, repeat, tile, and the
views narrow, split, chunk, t. Index arrays are copied: changing the caller's afterwards
changes nothing. Errors are PyTorch's classes: IndexError for a dim out of range,
RuntimeError for out-of-bounds indices, shape and dtype mismatches."""
import numpy as np

from ..ops import elementwise as E, index as I, shape as S
from ..ops._dispatch import data, is_tensor

FUNCTIONS = ("gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "masked_fill",
             "masked_select", "take_along_dim", "flip", "fliplr", "flipud", "roll", "tile", "t",
             "narrow", "chunk", "split")
# names that are also top-level functions: tg.name(x, ...) = x.name(...)

_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _dim(op, dim, ndim, scalar_ok=True):
    """dim as an axis in [0, ndim) (0 for a 0-d tensor, which counts as 1-D where scalar_ok)."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}(): dim must be an int, got {dim!r}")
    if ndim == 0 and not scalar_ok:
        raise IndexError(f"{op}(): dimension specified as {dim} but the tensor has no dimensions")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}(): dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def _ints(op, what, args):
    """A sequence of ints from f(2, 3), f((2, 3)) or f([2, 3])."""
    if not args:
        raise TypeError(f"{op}() missing the required argument {what}")
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        raise TypeError(f"{op}(): {what} must be ints, got {args!r}")
    return tuple(int(a) for a in args)


def _index(op, index, dtypes=(np.int32, np.int64)):
    """A private copy of a user's index (Tensor, ndarray or list) of an allowed integer dtype."""
    a = np.array(data(index))
    if a.size == 0 and a.dtype.kind == "f":    # [] : no elements
        a = a.astype(np.int64)
    if a.dtype not in dtypes:
        names = " or ".join(np.dtype(d).name for d in dtypes)
        raise RuntimeError(f"{op}(): expected an index of dtype {names}, got {a.dtype}")
    return a


def _mask(op, mask):
    m = np.array(data(mask))
    if m.dtype != bool:
        raise RuntimeError(f"{op}(): expected a boolean mask, got dtype {m.dtype}")
    return m


def _check_bounds(op, index, dim, size):
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index.min() if index.min() < 0 else index.max()
        raise RuntimeError(f"{op}(): index {bad} is out of bounds for dimension {dim} with "
                           f"size {size}")


def _broadcast(op, a, b, what):
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        raise RuntimeError(f"{op}(): {what} of shapes {a} and {b} cannot be broadcast "
                           f"together") from None


class IndexingMethods:
    __slots__ = ()

    # ----- gather / scatter ----------------------------------------------------------
    def gather(self, dim, index):
        """out[i][j][k] = self[index[i][j][k]][j][k] (dim=0): values picked along dim."""
        return self._gather("gather", dim, _index("gather", index))

    def _gather(self, op, dim, idx):
        d = _dim(op, dim, self.ndim)
        if idx.size == 0 and max(idx.ndim, 1) != max(self.ndim, 1):   # (PyTorch: no check)
            flat = S.Reshape.apply(self, shape=(self.data.size,))
            return S.GetItem.apply(flat, index=np.zeros(idx.shape, np.int64))
        if max(idx.ndim, 1) != max(self.ndim, 1):
            raise RuntimeError(f"{op}(): index of shape {idx.shape} must have the same number "
                               f"of dimensions as the tensor of shape {self.shape}")
        x, i = self, idx
        if self.ndim == 0 or idx.ndim == 0:        # a scalar counts as 1-D
            x, i = S.Reshape.apply(self, shape=(self.data.size,)), idx.reshape(-1)
        if any(n > m for a, (n, m) in enumerate(zip(i.shape, x.shape)) if a != d):
            raise RuntimeError(f"{op}(): index of shape {idx.shape} must be no larger than the "
                               f"tensor of shape {self.shape} apart from dimension {d}")
        _check_bounds(op, i, d, x.shape[d])
        out = S.GetItem.apply(x, index=I.along(i, d))
        return out if out.shape == idx.shape else S.Reshape.apply(out, shape=idx.shape)

    def take_along_dim(self, indices, dim=None):
        """gather after broadcasting self and indices against each other outside dim
        (dim=None: along the flattened tensor)."""
        idx = _index("take_along_dim", indices, (np.int64,))
        if dim is None:
            flat = S.Reshape.apply(self, shape=(self.data.size,))
            return flat._gather("take_along_dim", 0, idx.reshape(-1))
        if idx.ndim != self.ndim:
            raise RuntimeError(f"take_along_dim(): input and indices should have the same number "
                               f"of dimensions, but got shapes {self.shape} and {idx.shape}")
        d = _dim("take_along_dim", dim, self.ndim, scalar_ok=False)
        outer = _broadcast("take_along_dim", self.shape[:d] + (1,) + self.shape[d + 1:],
                           idx.shape[:d] + (1,) + idx.shape[d + 1:], "input and indices")
        x = self
        if outer[:d] + self.shape[d:d + 1] + outer[d + 1:] != self.shape:
            x = S.Expand.apply(self, shape=outer[:d] + self.shape[d:d + 1] + outer[d + 1:])
        return x._gather("take_along_dim", d,
                         np.broadcast_to(idx, outer[:d] + idx.shape[d:d + 1] + outer[d + 1:]))

    def _scatter_args(self, op, dim, index, src):
        """Validate; return (self as >= 1-D, the NumPy index of the targets, src cut to the
        index's shape), or None for an empty index (nothing is scattered)."""
        idx = _index(op, index)
        d = _dim(op, dim, self.ndim)
        if is_tensor(src) and src.dtype != self.dtype:
            raise RuntimeError(f"{op}(): expected src of the tensor's dtype {self.dtype}, got "
                               f"{src.dtype}")
        if idx.size == 0:
            return None
        for name, t in (("self", self), ("src", src if is_tensor(src) else self)):
            if max(idx.ndim, 1) != max(t.ndim, 1):
                raise RuntimeError(f"{op}(): index of shape {idx.shape} must have the same "
                                   f"number of dimensions as {name} of shape {t.shape}")
        x, i = self, idx.reshape(idx.shape or (1,))
        if self.ndim == 0:
            x = S.Reshape.apply(self, shape=(1,))
        src_shape = np.shape(data(src)) or (1,)
        if any(n > m for a, (n, m) in enumerate(zip(i.shape, x.shape)) if a != d) or (
                is_tensor(src) and any(n > m for n, m in zip(i.shape, src_shape))):
            raise RuntimeError(f"{op}(): index of shape {idx.shape} must be no larger than self "
                               f"of shape {self.shape} apart from dimension {d}" +
                               (f" and no larger than src of shape {src.shape}"
                                if is_tensor(src) else ""))
        _check_bounds(op, i, d, x.shape[d])
        if is_tensor(src):
            if src.ndim == 0:
                src = S.Reshape.apply(src, shape=(1,))
            if src.shape != i.shape:
                src = S.GetItem.apply(src, index=tuple(slice(0, n) for n in i.shape))
        else:
            src = np.asarray(src, dtype=self.dtype)   # a value: cast as PyTorch does
        return x, d, i, src

    def _scattered(self, out):
        """out as self's shape (a 0-d self was scattered into as 1-D)."""
        return out if out.shape == self.shape else S.Reshape.apply(out, shape=self.shape)

    def scatter(self, dim, index, src=None, value=None):
        """self with self[index[i][j]][j] = src[i][j] (dim=0); src a tensor or a value.
        Where index repeats a position one of the writes wins; each src element gets the
        gradient of that position (PyTorch)."""
        if (src is None) == (value is None):
            raise TypeError("scatter(): pass one of src (a tensor) and value (a number)")
        src = value if src is None else src
        args = self._scatter_args("scatter", dim, index, src)
        if args is None:
            return S.Clone.apply(self)
        x, d, i, src = args
        return self._scattered(S.SetItem.apply(x, src, index=I.along(i, d)))

    def scatter_add(self, dim, index, src):
        """self with src[i][j] added at self[index[i][j]][j] (dim=0); repeats accumulate."""
        return self._scatter_reduce("scatter_add", dim, index, src, "sum", True)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        """self with src reduced into self[index[i][j]][j] (dim=0) by sum, prod, mean, amax
        or amin; include_self=False leaves self's value out wherever something lands.
        Gradient: amax / amin ties share evenly; prod: a lone zero gets the product of the
        others."""
        if reduce not in _REDUCES:
            raise RuntimeError(f"scatter_reduce(): reduce argument must be either sum, prod, "
                               f"mean, amax or amin, got {reduce!r}")
        return self._scatter_reduce("scatter_reduce", dim, index, src, reduce,
                                    bool(include_self))

    def _scatter_reduce(self, op, dim, index, src, reduce, include_self):
        if not is_tensor(src):
            raise TypeError(f"{op}(): src must be a Tensor, got {type(src).__name__}")
        args = self._scatter_args(op, dim, index, src)
        if args is None:
            return S.Clone.apply(self)
        x, d, i, src = args
        if reduce in ("prod", "amax", "amin"):
            return self._scattered(I.ScatterReduce.apply(x, src, dim=d, index=i, reduce=reduce,
                                                         include_self=include_self))
        at = I.along(i, d)
        added = S.IndexAdd.apply(src, shape=x.shape, basic=(Ellipsis,), advanced=at)
        if reduce == "sum" and include_self:
            return self._scattered(x + added)
        count = np.zeros(x.shape, np.int64)    # how many src elements land on each position
        np.add.at(count, at, 1)
        base = x if include_self else E.Where.apply(0, x, cond=count > 0)
        out = base + added
        if reduce == "mean":
            n = np.maximum(count + include_self, 1)
            out = out / n.astype(self.dtype) if self.dtype.kind == "f" else \
                S.Clone.apply(out.data // n)          # integers: floor, as PyTorch
        return self._scattered(out)

    def scatter_(self, dim, index, src=None, value=None):
        """In-place scatter."""
        return self._inplace("scatter_", lambda a, s: a.scatter(dim, index, s, value), src)

    def scatter_add_(self, dim, index, src):
        """In-place scatter_add."""
        return self._inplace("scatter_add_", lambda a, s: a.scatter_add(dim, index, s), src)

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        """In-place scatter_reduce."""
        return self._inplace("scatter_reduce_", lambda a, s: a.scatter_reduce(
            dim, index, s, reduce, include_self=include_self), src)

    def index_select(self, dim, index):
        """The slices of self at positions index (1-D) along dim, in that order."""
        idx = _index("index_select", index)
        if idx.ndim > 1:
            raise IndexError(f"index_select(): index is supposed to be a vector, got shape "
                             f"{idx.shape}")
        d = _dim("index_select", dim, self.ndim)
        _check_bounds("index_select", idx, d, self.shape[d] if self.ndim else 1)
        if self.ndim == 0:
            if idx.size != 1:
                raise RuntimeError(f"index_select(): index to a 0-d tensor can have only 1 "
                                   f"value, got {idx.size}")
            return S.Clone.apply(self)
        return S.GetItem.apply(self, index=(slice(None),) * d + (idx.reshape(-1),))

    # ----- masks ---------------------------------------------------------------------
    def masked_fill(self, mask, value):
        """value where mask else self (mask broadcasts; value a number or a 0-d tensor)."""
        m = _mask("masked_fill", mask)
        _broadcast("masked_fill", self.shape, m.shape, "the tensor and mask")
        if is_tensor(value):
            if value.ndim:
                raise RuntimeError(f"masked_fill(): value must be a number or a 0-d tensor, "
                                   f"got a tensor of shape {value.shape}")
            if value.dtype != self.dtype:
                value = value.to(self.dtype)
        else:
            value = np.asarray(value, dtype=self.dtype)
        return E.Where.apply(value, self, cond=m)

    def masked_fill_(self, mask, value):
        """In-place masked_fill (mask must broadcast to self's shape)."""
        m = _mask("masked_fill_", mask)
        if _broadcast("masked_fill_", self.shape, m.shape, "the tensor and mask") != self.shape:
            raise RuntimeError(f"masked_fill_(): mask of shape {m.shape} does not broadcast to "
                               f"the tensor's shape {self.shape}")
        return self._inplace("masked_fill_", lambda a, v: a.masked_fill(m, v), value)

    def masked_select(self, mask):
        """The 1-D tensor of self's elements where mask (both broadcast), in order."""
        m = _mask("masked_select", mask)
        shape = _broadcast("masked_select", self.shape, m.shape, "the tensor and mask")
        x = self if self.shape == shape else S.Expand.apply(self, shape=shape)
        return S.GetItem.apply(x, index=np.broadcast_to(m, shape))

    # ----- reorder, repeat -----------------------------------------------------------
    def flip(self, *dims_, dims=None):
        """self reversed along dims (a copy): flip(0), flip(0, 1), flip([0, 1])."""
        dims = _ints("flip", "dims", dims_ if dims is None else (dims,))
        axes = [_dim("flip", d, self.ndim) for d in dims]
        for a in axes:
            if axes.count(a) > 1:
                raise RuntimeError(f"flip(): dim {a} appears multiple times in the list of dims "
                                   f"{dims}")
        if self.ndim == 0 or not axes:
            return S.Clone.apply(self)
        return I.Flip.apply(self, axes=tuple(axes))

    def fliplr(self):
        """self reversed along dim 1 (left-right); needs >= 2 dims."""
        if self.ndim < 2:
            raise RuntimeError(f"fliplr(): input must be >= 2-d, got shape {self.shape}")
        return self.flip(1)

    def flipud(self):
        """self reversed along dim 0 (up-down); needs >= 1 dim."""
        if self.ndim < 1:
            raise RuntimeError(f"flipud(): input must be >= 1-d, got shape {self.shape}")
        return self.flip(0)

    def roll(self, shifts, dims=None):
        """out[(i + shift) % n] = self[i] along each dim; dims=None rolls the flattened tensor."""
        shifts = _ints("roll", "shifts", (shifts,) if isinstance(shifts, (tuple, list))
                       else (int(shifts),))
        dims = () if dims is None else _ints("roll", "dims", (dims,))
        if not shifts:
            raise RuntimeError("roll(): `shifts` required")
        if not dims:
            if len(shifts) != 1:
                raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: "
                                   f"{len(shifts)}, dims: 0")
            if self.ndim == 0:
                return S.Clone.apply(self)
            flat = S.Reshape.apply(self, shape=(self.data.size,))
            return S.Reshape.apply(I.Roll.apply(flat, shifts=shifts, axes=(0,)), shape=self.shape)
        if len(shifts) != len(dims):
            raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims: {len(dims)}")
        axes = tuple(_dim("roll", d, self.ndim, scalar_ok=False) for d in dims)
        return I.Roll.apply(self, shifts=shifts, axes=axes)

    def repeat(self, *sizes):
        """self tiled sizes[i] times along dim i (sizes may add leading dims): a copy."""
        sizes = _ints("repeat", "sizes", sizes)
        if len(sizes) < self.ndim:
            raise RuntimeError(f"repeat(): number of dimensions of repeat dims ({len(sizes)}) can "
                               f"not be smaller than number of dimensions of tensor ({self.ndim})")
        if any(r < 0 for r in sizes):
            raise RuntimeError(f"repeat(): repeats must be non-negative, got {sizes}")
        shape = (1,) * (len(sizes) - self.ndim) + self.shape
        pairs = S.Reshape.apply(self, shape=tuple(v for n in shape for v in (1, n)))
        wide = S.Expand.apply(pairs, shape=tuple(v for r, n in zip(sizes, shape) for v in (r, n)))
        out = S.Reshape.apply(wide, shape=tuple(r * n for r, n in zip(sizes, shape)))
        return S.Clone.apply(out) if np.may_share_memory(out.data, self.data) else out

    def tile(self, *dims_, dims=None):
        """repeat, with 1s prepended to dims when it has fewer entries than self has dims."""
        dims = _ints("tile", "dims", dims_ if dims is None else (dims,))
        return self.repeat((1,) * (self.ndim - len(dims)) + dims)

    # ----- views ---------------------------------------------------------------------
    def t(self):
        """The transpose of a 2-D tensor; a 0-D or 1-D tensor as it is (a view)."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self.ndim}D (shape {self.shape})")
        return self.transpose(0, 1) if self.ndim == 2 else self[(Ellipsis,)]

    def narrow(self, dim, start, length):
        """The view self[..., start:start + length, ...] along dim (start may be negative)."""
        if self.ndim == 0:
            raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
        d = _dim("narrow", dim, self.ndim)
        start, length, n = int(start), int(length), self.shape[d]
        if not -n <= start <= n:
            raise IndexError(f"narrow(): start out of range (expected to be in range of "
                             f"[{-n}, {n}], but got {start})")
        start = start + n if start < 0 else start
        if length < 0:
            raise RuntimeError(f"narrow(): length must be non-negative, got {length}")
        if start + length > n:
            raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension "
                               f"size ({n}).")
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def _pieces(self, op, sizes, d):
        bounds = np.cumsum((0,) + tuple(sizes))
        return tuple(self[(slice(None),) * d + (slice(int(a), int(b)),)]
                     for a, b in zip(bounds[:-1], bounds[1:]))

    def split(self, split_size=None, dim=0, *, split_size_or_sections=None):
        """Views of pieces along dim: of split_size each (the last may be smaller), or of the
        given list of sizes."""
        size = split_size if split_size_or_sections is None else split_size_or_sections
        if size is None:
            raise TypeError("split(): missing the argument split_size")
        if self.ndim == 0:
            raise RuntimeError("split expects at least a 1-dimensional tensor")
        d = _dim("split", dim, self.ndim)
        n = self.shape[d]
        if isinstance(size, (tuple, list)):
            sizes = _ints("split", "split sizes", (size,))
            if any(s < 0 for s in sizes):
                raise RuntimeError(f"split(): split sizes must be non-negative, got {list(sizes)}")
            if sum(sizes) != n:
                raise RuntimeError(f"split(): split sizes must sum exactly to {n} (the tensor's "
                                   f"size at dimension {d}), but got {list(sizes)}")
            return self._pieces("split", sizes, d)
        size = int(size)
        if size < 0:
            raise RuntimeError(f"split(): split_size must be non-negative, got {size}")
        if size == 0 and n:
            raise RuntimeError(f"split(): split_size can only be 0 if dimension size is 0, but "
                               f"got dimension size of {n}")
        k = max(-(-n // size), 1) if size else 1
        return self._pieces("split", (size,) * (k - 1) + (n - size * (k - 1),), d)

    def chunk(self, chunks, dim=0):
        """split into `chunks` views of ceil(n / chunks) (fewer if they run out)."""
        if self.ndim == 0:
            raise RuntimeError("chunk expects at least a 1-dimensional tensor")
        if int(chunks) <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
        d = _dim("chunk", dim, self.ndim)
        n = self.shape[d]
        if n == 0:
            return self._pieces("chunk", (0,) * int(chunks), d)
        return self.split(-(-n // int(chunks)), d)
