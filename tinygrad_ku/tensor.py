"""`Tensor`: an ndarray that records the ops applied to it, and the functions that make Tensors."""
import math
import numbers
import operator
from collections import namedtuple

import numpy as np

from . import dtypes as _dt, engine, kept, linalg
from .engine import backward as _backward
from .compile.guard import guard as _trace_guard, state as _tracing
from .dims import dim_kw as _dim_kw, norm_axis as _norm_axis
from .grad_mode import modes, no_grad
from .methods.indexing import IndexingMethods
from .methods.math import MathMethods
from .methods.scan import ScanMethods
from .ops import elementwise as E, linalg as L, nn as N, reduce as R, shape as S
from .ops._indexing import split_index

_FLOAT_KINDS = "fc"
MaxResult = namedtuple("MaxResult", ["values", "indices"])


class _Size(int):
    """`t.size` is the element count (NumPy); `t.size()` / `t.size(d)` give the shape (PyTorch)."""
    def __new__(cls, shape):
        obj = super().__new__(cls, int(np.prod(shape, dtype=np.int64)))
        obj.shape = shape
        return obj

    def __call__(self, dim=None):
        return self.shape if dim is None else self.shape[dim]


def _as_array(data, dtype=None, copy=False):
    """data as an ndarray of numbers; Python floats (not NumPy's) take the default dtype."""
    python_data = not isinstance(data, (np.ndarray, np.generic, Tensor))
    if isinstance(data, Tensor):
        data = data.data
    elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
        data = [np.asarray(d.data if isinstance(d, Tensor) else d) for d in data]
        python_data = False
    try:
        arr = np.array(data, dtype=dtype, copy=copy or None) if copy else np.asarray(data, dtype=dtype)
    except ValueError as err:          # ragged nested lists, unparsable strings
        raise ValueError(f"tensor: cannot make a tensor from {type(data).__name__} data: "
                         f"{err}") from None
    if arr.dtype == object or arr.dtype.kind not in "biufc":
        raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} data "
                        f"(got an array of dtype {arr.dtype}); expected numbers or bools")
    if dtype is None and python_data and _dt._default != np.float64 and arr.dtype.kind in "fc":
        arr = arr.astype(_dt._default if arr.dtype.kind == "f" else _dt.default_complex_dtype())
    return arr


def _check_grad_dtype(arr, op="tensor"):
    if arr.dtype.kind not in _FLOAT_KINDS:
        raise RuntimeError(f"{op}: only floating point tensors can require gradients "
                           f"(got dtype {arr.dtype}); convert with .to(float) or pass "
                           f"dtype=float")


_add, _sub, _mul, _div = E.Add.apply2, E.Sub.apply2, E.Mul.apply2, E.Div.apply2   # the hot operators
# (plain functions of (a, b): Tensor takes them as its methods, with no wrapper frame)


class Tensor(MathMethods, IndexingMethods, ScanMethods):
    """An n-dimensional array that records the graph of ops for reverse-mode differentiation.

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward(); x.grad
    tensor([2., 4.])
    """
    # every op makes a Tensor, so only the fields every tensor sets are slots; the rest
    # default on the class and land in the instance __dict__ when a tensor sets them
    __slots__ = ("data", "grad_fn", "requires_grad", "__dict__", "__weakref__")
    grad = None
    _version = 0       # bumped by in-place ops, checked by backward
    _name = None       # label in graph drawings
    _hooks = None      # gradient hooks of a leaf
    _base = None       # the tensor whose data a view or detach() shares
    __array_ufunc__ = None        # ndarray (op) Tensor defers to Tensor's reflected operator
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        arr = _as_array(data, dtype)
        if requires_grad:
            _check_grad_dtype(arr)
        self.data = arr
        self.grad_fn = None
        self.requires_grad = bool(requires_grad)
        if name is not None:
            self._name = name
        if isinstance(data, Tensor) and arr is data.data:
            self._base = _root(data)

    @staticmethod
    def _make(data, requires_grad, grad_fn):
        t = object.__new__(Tensor)
        t.data = data
        t.grad_fn = grad_fn
        t.requires_grad = requires_grad
        return t

    # ----- attributes ----------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: _Size(self.data.shape))
    is_leaf = property(lambda self: self.grad_fn is None)
    device = property(lambda self: _dt.CPU, doc="Where the data lives: always device('cpu').")
    is_cuda = False
    is_cpu = True

    def dim(self):
        return self.data.ndim

    def numel(self):
        """The number of elements (the product of the shape)."""
        return int(self.data.size)

    nelement = numel

    def element_size(self):
        """Bytes per element (4 for float32)."""
        return self.data.itemsize

    def is_floating_point(self):
        """Whether the dtype is a floating point type (float16/32/64)."""
        return self.data.dtype.kind == "f"

    def is_complex(self):
        """Whether the dtype is a complex type."""
        return self.data.dtype.kind == "c"

    def is_contiguous(self):
        """Whether the elements lie in memory in row-major order without gaps."""
        return self.data.flags.c_contiguous

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = value

    @property
    def T(self):
        """All axes reversed (the matrix transpose for 2-D)."""
        return self.permute(tuple(range(self.ndim))[::-1])

    @property
    def mT(self):
        """The last two axes swapped (a batch of matrix transposes)."""
        return self.swapaxes(-1, -2)

    # ----- conversion ----------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        if _tracing.active:
            _trace_guard("np.asarray()")
        if self.requires_grad:         # the live buffer of a graph tensor is not handed out
            raise RuntimeError("Can't convert a tensor that requires grad to a NumPy array "
                               "(np.asarray / np.array); use tensor.detach() first")
        return self.data if dtype is None else self.data.astype(dtype)

    def numpy(self, *, force=False):
        """The data as an ndarray (shares memory); force=True also when it requires grad."""
        if _tracing.active:
            _trace_guard("numpy()")
        if self.requires_grad and not force:
            raise RuntimeError("numpy(): can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        return self.data

    def item(self):
        """The one element as a Python number."""
        if _tracing.active:
            _trace_guard("item()")
        if self.data.size != 1:
            raise RuntimeError(f"item(): a tensor with {self.data.size} elements cannot be "
                               f"converted to a Python scalar (shape {self.shape})")
        return self.data.item()

    def tolist(self):
        """The elements as nested Python lists (a Python number for a 0-d tensor)."""
        if _tracing.active:
            _trace_guard("tolist()")
        return self.data.tolist()

    def __float__(self):
        if _tracing.active:
            _trace_guard("float()")
        return float(self.item())

    def __int__(self):
        if _tracing.active:
            _trace_guard("int()")
        return int(self.item())

    def __bool__(self):
        if _tracing.active:
            _trace_guard("bool() (an `if`, `and`/`or` or `while` on a tensor)")
        if self.data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.data.size} values is "
                               f"ambiguous (shape {self.shape})")
        return bool(self.data.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.data.item())

    def detach(self):
        """The same data (an alias: an in-place change shows in both), cut from the graph."""
        out = Tensor._make(self.data, False, None)
        out._base = _root(self)
        return out

    def clone(self):
        """A copy whose gradient flows back to this tensor."""
        return S.Clone.apply(self)

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False,
           memory_format=None):
        """This tensor cast to a dtype and moved to a device (the CPU only), as torch.Tensor.to:
        to(dtype), to(device), to(device, dtype), to(other) (other's dtype), to(dtype=, device=).
        Returns self when nothing changes (and copy is False); float-to-float casts are
        differentiable."""
        args = list(args)
        if args and isinstance(args[0], Tensor):
            dtype = args.pop(0).dtype
        elif args and (_dt.is_device(args[0]) or isinstance(args[0], (int, np.integer))
                       and not isinstance(args[0], bool)):
            device = args.pop(0)
        if args and not isinstance(args[0], bool) and dtype is None:
            dtype = args.pop(0)
        if args and isinstance(args[0], bool):
            args.pop(0)                # non_blocking: nothing is asynchronous on the CPU
        if args and isinstance(args[0], bool):
            copy = args.pop(0)
        if args:
            raise TypeError(f"to(): unexpected arguments {tuple(args)!r}; expected "
                            f"to(dtype), to(device, dtype) or to(other_tensor)")
        _dt.check_device(device, "to()")
        return self._cast(dtype, "to()", copy)

    def _cast(self, dtype, op, copy=False):
        if dtype is None:
            return self.clone() if copy else self
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"{op}: {dtype!r} is not a dtype") from None
        if dtype == self.data.dtype:
            return self.clone() if copy else self
        if dtype.kind not in _FLOAT_KINDS:
            return Tensor._make(self.data.astype(dtype), False, None)
        return E.Cast.apply(self, dtype=dtype)

    def astype(self, dtype):
        """NumPy's name for to(dtype)."""
        return self._cast(dtype, "astype()")

    def type(self, dtype=None, non_blocking=False):
        """type() -> the type name ('torch.FloatTensor' for float32, as PyTorch); type(dtype)
        -> to(dtype); a type name such as 'torch.DoubleTensor' works too."""
        if dtype is None:
            return _dt.TYPE_NAMES[self.data.dtype]
        if isinstance(dtype, str):
            if dtype not in _dt.DTYPE_OF_TYPE_NAME:
                raise ValueError(f"type(): invalid type: {dtype!r} (expected a dtype or one of "
                                 f"{sorted(_dt.DTYPE_OF_TYPE_NAME)})")
            dtype = _dt.DTYPE_OF_TYPE_NAME[dtype]
        return self._cast(dtype, "type()")

    def float(self):
        """to(float32)."""
        return self._cast(_dt.float32, "float()")

    def double(self):
        """to(float64)."""
        return self._cast(_dt.float64, "double()")

    def half(self):
        """to(float16)."""
        return self._cast(_dt.float16, "half()")

    def long(self):
        """to(int64) (rounds toward zero)."""
        return self._cast(_dt.int64, "long()")

    def int(self):
        """to(int32) (rounds toward zero)."""
        return self._cast(_dt.int32, "int()")

    def bool(self):
        """to(bool): nonzero elements become True."""
        return self._cast(_dt.bool_, "bool()")

    def cpu(self):
        """self: the data already lives on the CPU."""
        return self

    def cuda(self, device=None, non_blocking=False):
        """Raises: CUDA is not available (tg.cuda.is_available() is False)."""
        _dt.check_device("cuda", "cuda()")

    def contiguous(self):
        """self if its elements are in row-major order, else a row-major copy (differentiable)."""
        return self if self.data.flags.c_contiguous else S.Clone.apply(self)

    # ----- tensors like this one (dtype from self) --------------------------------
    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        """A new tensor holding a copy of data, with this tensor's dtype unless given."""
        return tensor(data, dtype=self.dtype if dtype is None else dtype, device=device,
                      requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        """zeros(size) with this tensor's dtype unless given."""
        return zeros(*size, dtype=self.dtype if dtype is None else dtype, device=device,
                     requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        """ones(size) with this tensor's dtype unless given."""
        return ones(*size, dtype=self.dtype if dtype is None else dtype, device=device,
                    requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        """empty(size) with this tensor's dtype unless given."""
        return empty(*size, dtype=self.dtype if dtype is None else dtype, device=device,
                     requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        """full(size, fill_value) with this tensor's dtype unless given."""
        return full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                    device=device, requires_grad=requires_grad)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype not in (_dt._default, _dt.default_complex_dtype(), np.int64, np.bool_):
            extra += f", dtype={self.data.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn=<{self.grad_fn.name}Backward>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    # ----- gradients -----------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (vector-Jacobian product with `gradient`)."""
        if not self.requires_grad:
            raise RuntimeError("backward(): the tensor does not require grad and has no grad_fn; "
                               "create a leaf with requires_grad=True first")
        g = _root_gradient(self, gradient, "backward()", create_graph)
        if retain_graph is None:
            retain_graph = create_graph
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            grads = _backward([self], [g], retain_graph, create_graph, inputs)
            for t, gi in zip(inputs, grads):
                if gi is not None:
                    t._accumulate_grad(gi, False, create_graph)
            return
        _backward([self], [g], retain_graph, create_graph)

    def requires_grad_(self, requires_grad=True):
        if requires_grad:
            if self.grad_fn is not None:
                return self
            _check_grad_dtype(self.data, "requires_grad_()")
        elif self.grad_fn is not None:
            raise RuntimeError("requires_grad_(False): only leaf tensors can stop requiring "
                               "grad; use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def zero_grad(self):
        """Forget the accumulated gradient (same as `t.grad = None`)."""
        self.grad = None

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward."""
        if self.grad_fn is None:
            if not self.requires_grad:
                raise RuntimeError("retain_grad(): can't retain_grad on a tensor that has "
                                   "requires_grad=False")
            return
        import weakref
        self.grad_fn.retained = weakref.ref(self)
        if self.grad_fn.hooks is None:     # backward tests `hooks` alone for both
            self.grad_fn.hooks = []
        engine._node_hooks = True

    @property
    def retains_grad(self):
        return self.grad_fn is not None and self.grad_fn.retained is not None

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; a non-None result replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook(): cannot register a hook on a tensor that "
                               "doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = []
            hooks = self.grad_fn.hooks
            engine._node_hooks = True
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def _accumulate_grad(self, g, owned, create_graph):
        """self.grad += g after this leaf's hooks (a fresh Tensor the first time; in place
        when `owned`: g is a new array nobody else holds)."""
        if self._hooks:
            g = Tensor._run_hooks(self._hooks, g, create_graph, f"a leaf of shape {self.shape}")
        if create_graph:
            if g.dtype != self.data.dtype:
                g = g.to(self.data.dtype)
            self.grad = g if self.grad is None else self.grad + g
            return
        if g.dtype != self.data.dtype:
            g, owned = g.astype(self.data.dtype), True
        if self.grad is None:          # a C-ordered array of our own: optimizers stream it
            if not owned or type(g) is not np.ndarray or not g.flags.c_contiguous:
                g = np.array(g, order="C")
            self.grad = Tensor._make(g, False, None)
        elif self.grad.grad_fn is None and self.grad.data.flags.writeable:
            self.grad.data += g
        else:
            self.grad = Tensor._make(self.grad.data + g, False, None)

    @staticmethod
    def _run_hooks(hooks, g, create_graph, what):
        """g after each hook in turn (a hook's non-None result replaces it; its shape may not change)."""
        for hook in hooks:
            result = hook(g if create_graph else Tensor._make(g, False, None))
            if result is None:
                continue
            new = result if create_graph else np.asarray(
                result.data if isinstance(result, Tensor) else result)
            if tuple(new.shape) != tuple(g.shape):
                raise RuntimeError(f"hook {getattr(hook, '__name__', hook)!r} on {what} changed "
                                   f"the gradient's shape from {tuple(g.shape)} to "
                                   f"{tuple(new.shape)}; a hook must keep it")
            g = new
        return g

    def _bump_version(self):
        """Record an in-place change: nodes that saved this tensor (or its base) now refuse it."""
        self._version = engine.tick()
        if self._base is not None:
            self._base._version = self._version

    # ----- arithmetic ----------------------------------------------------------------
    __add__ = _add

    def __radd__(self, other):
        return _add(other, self)

    __sub__ = _sub

    def __rsub__(self, other):
        return _sub(other, self)

    __mul__ = _mul

    def __rmul__(self, other):
        return _mul(other, self)

    __truediv__ = _div

    def __rtruediv__(self, other):
        return _div(other, self)

    def __pow__(self, other):
        return E.Pow.apply(self, other)

    def __rpow__(self, other):
        return E.Pow.apply(other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def matmul(self, other):
        """self @ other."""
        return matmul(self, other)

    def mm(self, mat2):
        """(n, m) @ (m, p): matmul of two matrices only, as torch.mm."""
        return mm(self, mat2)

    def bmm(self, mat2):
        """(b, n, m) @ (b, m, p): a batch of matrix products, as torch.bmm (no broadcasting)."""
        return bmm(self, mat2)

    def softmax(self, dim):
        """exp(x) / Σ exp(x) along dim."""
        return _softmax(N.Softmax, self, dim, "softmax")

    def log_softmax(self, dim):
        """x − logsumexp(x) along dim."""
        return _softmax(N.LogSoftmax, self, dim, "log_softmax")

    def tril(self, diagonal=0):
        """The lower triangle (j ≤ i + diagonal) of the last two dims; the rest is 0."""
        return _triangle(self, diagonal, np.tril, "tril")

    def triu(self, diagonal=0):
        """The upper triangle (j ≥ i + diagonal) of the last two dims; the rest is 0."""
        return _triangle(self, diagonal, np.triu, "triu")

    def nonzero(self, *, as_tuple=False):
        """Indices of the nonzero elements: (n, ndim) int64, or one index tensor per dim."""
        idx = np.nonzero(self.data)
        if as_tuple:
            return tuple(Tensor._make(i.astype(np.int64), False, None) for i in idx)
        return Tensor._make(np.stack(idx, axis=-1).astype(np.int64).reshape(-1, self.ndim),
                            False, None)

    argwhere = nonzero

    def count_nonzero(self, dim=None):
        """The number of nonzero elements (along dim)."""
        axis = None if dim is None else _norm_axis(dim, self.ndim, "count_nonzero")
        return Tensor._make(np.asarray(np.count_nonzero(self.data, axis=axis), np.int64),
                            False, None)

    def bincount(self, weights=None, minlength=0):
        """Counts of each value of a 1-D non-negative integer tensor (weighted if given)."""
        if self.ndim != 1 or self.dtype.kind not in "iu":
            raise RuntimeError(f"bincount: expects a 1-D integer tensor, got shape {self.shape} "
                               f"and dtype {self.dtype}")
        if self.numel() and self.data.min() < 0:
            raise RuntimeError("bincount: only non-negative values can be counted")
        w = None if weights is None else np.asarray(
            weights.detach().data if isinstance(weights, Tensor) else weights)
        return Tensor._make(np.bincount(self.data, w, minlength), False, None)

    __neg__ = E.Neg.apply1

    def __pos__(self):
        return self

    __abs__ = E.Abs.apply1

    # comparisons: the methods of methods/math.py (bool tensors outside the graph)
    __lt__ = MathMethods.lt
    __le__ = MathMethods.le
    __gt__ = MathMethods.gt
    __ge__ = MathMethods.ge
    __eq__ = MathMethods.eq
    __ne__ = MathMethods.ne

    def __invert__(self):
        if self.data.dtype != np.bool_:
            raise TypeError(f"~: only bool tensors can be inverted (got {self.dtype})")
        return Tensor._make(~self.data, False, None)

    __and__ = MathMethods.logical_and
    __or__ = MathMethods.logical_or

    # ----- elementwise ---------------------------------------------------------------
    exp = E.Exp.apply1
    log = E.Log.apply1
    log1p = E.Log1p.apply1
    expm1 = E.Expm1.apply1
    sqrt = E.Sqrt.apply1
    square = E.Square.apply1
    sin = E.Sin.apply1
    cos = E.Cos.apply1
    tanh = E.Tanh.apply1
    sigmoid = E.Sigmoid.apply1
    relu = E.Relu.apply1
    softplus = E.Softplus.apply1
    abs = E.Abs.apply1
    sign = E.Sign.apply1

    def clip(self, min=None, max=None):
        """Elementwise min(max(x, min), max); the gradient passes where min <= x <= max."""
        if min is None and max is None:
            raise RuntimeError("clip: at least one of min and max must be given")
        return E.Clip.apply(self, min, max)

    clamp = clip

    def maximum(self, other):
        return E.Maximum.apply(self, other)

    def minimum(self, other):
        return E.Minimum.apply(self, other)

    # ----- reductions ----------------------------------------------------------------
    def _reduce(self, op, name, dim, axis, keepdim, keepdims):
        dim, keep = _dim_kw(name, dim, axis, keepdim, keepdims)
        return op.apply(self, axis=_norm_axis(dim, self.ndim, name), keepdims=keep)

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=False, dtype=None):
        """Σ over dim (all elements when None); with `dtype` the input is cast to it first (as torch)."""
        if dtype is not None:
            return self.to(dtype).sum(dim, keepdim, axis=axis, keepdims=keepdims)
        if dim is None and axis is None and not (keepdim or keepdims):   # the common loss.sum()
            return R.Sum.apply(self, axis=None, keepdims=False)
        return self._reduce(R.Sum, "sum", dim, axis, keepdim, keepdims)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=False, dtype=None):
        """Σx / n over dim; with `dtype` the input is cast to it first (as torch)."""
        if dtype is not None:
            return self.to(dtype).mean(dim, keepdim, axis=axis, keepdims=keepdims)
        if self.data.dtype.kind not in _FLOAT_KINDS:
            raise RuntimeError(f"mean(): could not infer the output dtype: the input has dtype "
                               f"{self.dtype}, not a floating point or complex one; pass "
                               f"dtype= or convert first with .float()")
        return self._reduce(R.Mean, "mean", dim, axis, keepdim, keepdims)

    def var(self, dim=None, keepdim=False, *, correction=1, unbiased=None, axis=None,
            keepdims=False):
        """Σ(x - mean)² / (n - correction) over dim (correction=1: unbiased, as PyTorch)."""
        dim, keep = _dim_kw("var", dim, axis, keepdim, keepdims)
        if unbiased is not None:
            correction = 1 if unbiased else 0
        return R.Var.apply(self, axis=_norm_axis(dim, self.ndim, "var"),
                           correction=correction, keepdims=keep)

    def std(self, dim=None, keepdim=False, *, correction=1, unbiased=None, axis=None,
            keepdims=False):
        """√var over dim; the gradient is 0 where the std is 0 (PyTorch)."""
        dim, keep = _dim_kw("std", dim, axis, keepdim, keepdims)
        if unbiased is not None:
            correction = 1 if unbiased else 0
        return R.Std.apply(self, axis=_norm_axis(dim, self.ndim, "std"),
                           correction=correction, keepdims=keep)

    def prod(self, dim=None, keepdim=False, *, axis=None, keepdims=False, dtype=None):
        """Π over dim; with `dtype` the input is cast to it first (as torch)."""
        if dtype is not None:
            return self.to(dtype).prod(dim, keepdim, axis=axis, keepdims=keepdims)
        return self._reduce(R.Prod, "prod", dim, axis, keepdim, keepdims)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        """max over dim; tied maxima share the gradient evenly."""
        self._check_nonempty("amax", dim if axis is None else axis)
        return self._reduce(R.Amax, "amax", dim, axis, keepdim, keepdims)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        """min over dim; tied minima share the gradient evenly."""
        self._check_nonempty("amin", dim if axis is None else axis)
        return self._reduce(R.Amin, "amin", dim, axis, keepdim, keepdims)

    def _check_nonempty(self, op, dim):
        axes = _norm_axis(dim, self.ndim, op)
        sizes = self.shape if axes is None else [self.shape[a] for a in axes]
        if 0 in sizes:          # PyTorch: RuntimeError for a full max/min, else IndexError
            cls = RuntimeError if dim is None and op in ("amax", "amin", "max", "min") \
                else IndexError
            raise cls(f"{op}: cannot reduce over a zero-size dimension (shape "
                      f"{self.shape}, dim={dim})")

    def _max_min(self, op, dim, keepdim, axis, keepdims, arg):
        if isinstance(dim, Tensor):
            return (E.Maximum if op == "max" else E.Minimum).apply(self, dim)
        dim, keep = _dim_kw(op, dim, axis, keepdim, keepdims)
        if dim is None:
            if keep:
                raise TypeError(f"{op}(): keepdim=True needs dim (a full {op}() has no "
                                f"dimension to keep); use amax/amin(dim, keepdim=True)")
            return self.amax() if op == "max" else self.amin()
        if not isinstance(dim, (int, np.integer)):
            return self.amax(dim, keep) if op == "max" else self.amin(dim, keep)
        self._check_nonempty(op, dim)
        ax = _norm_axis(dim, self.ndim, op)
        ax = ax[0] if ax else 0
        idx = arg(self.data, axis=ax, keepdims=keep) if self.ndim else np.asarray(0)
        if not self.ndim:
            return MaxResult(self, Tensor._make(idx, False, None))
        values = R.MaxAlong.apply(self, indices=idx, axis=ax, keepdims=keep)
        return MaxResult(values, Tensor._make(idx, False, None))

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        """max() -> the largest value; max(dim) -> (values, indices) like PyTorch; max(t) = maximum."""
        return self._max_min("max", dim, keepdim, axis, keepdims, np.argmax)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        """min() -> the smallest value; min(dim) -> (values, indices); min(t) = minimum."""
        return self._max_min("min", dim, keepdim, axis, keepdims, np.argmin)

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        """log Σ exp(x) over dim, computed without overflow."""
        return self._reduce(R.LogSumExp, "logsumexp", dim, axis, keepdim, keepdims)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        return self._arg("argmax", np.argmax, dim, keepdim, axis, keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        return self._arg("argmin", np.argmin, dim, keepdim, axis, keepdims)

    def _arg(self, op, fn, dim, keepdim, axis, keepdims):
        dim, keep = _dim_kw(op, dim, axis, keepdim, keepdims)
        self._check_nonempty(op, dim)
        if dim is None:
            return Tensor._make(np.asarray(fn(self.data)), False, None)
        ax = _norm_axis(dim, self.ndim, op)
        return Tensor._make(np.asarray(fn(self.data, axis=ax[0], keepdims=keep)), False, None)

    def norm(self, p="fro", dim=None, keepdim=False):
        """Vector or Frobenius norm, as torch.Tensor.norm."""
        if p == "fro" or p is None:
            p = 2
        if p == "nuc":
            return linalg.matrix_norm(self, "nuc", dim=(-2, -1) if dim is None else dim,
                                      keepdim=keepdim)
        return linalg.vector_norm(self, p, dim=dim, keepdim=keepdim)

    # ----- shape ---------------------------------------------------------------------
    def reshape(self, *shape):
        """The same elements in a new shape (one dimension may be -1)."""
        shape = _shape_arg(shape)
        target = _resolve_shape(shape, self.data.size, "reshape", self.shape)
        if target == self.shape:
            return self
        return _view_of(self, S.Reshape.apply(self, shape=target))

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        s = _norm_axis(start_dim, self.ndim, "flatten")[0]
        e = _norm_axis(end_dim, self.ndim, "flatten")[0]
        shape = self.shape
        return self.reshape(shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:])

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        axes = _norm_axis(dim, self.ndim, "squeeze") or ()
        return self.reshape(tuple(n for i, n in enumerate(self.shape)
                                  if not (i in axes and n == 1)))

    def unsqueeze(self, dim):
        nd = self.ndim + 1
        if not -nd <= dim < nd:
            raise IndexError(f"unsqueeze: dim {dim} is out of range for a result with {nd} "
                             f"dimensions")
        dim %= nd
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def permute(self, *dims):
        dims = _shape_arg(dims)
        if sorted(d % max(self.ndim, 1) for d in dims) != list(range(self.ndim)) \
                or len(dims) != self.ndim:
            raise RuntimeError(f"permute: dims {dims} are not a permutation of the "
                               f"{self.ndim} dimensions of a tensor of shape {self.shape}")
        dims = tuple(d % self.ndim for d in dims)
        if dims == tuple(range(self.ndim)):
            return self
        return _view_of(self, S.Permute.apply(self, axes=dims))

    def transpose(self, dim0, dim1):
        """Swap two dimensions (PyTorch's transpose)."""
        a, b = (_norm_axis(d, self.ndim, "transpose")[0] for d in (dim0, dim1))
        dims = list(range(self.ndim))
        dims[a], dims[b] = dims[b], dims[a]
        return self.permute(tuple(dims))

    swapaxes = transpose

    def expand(self, *shape):
        shape = _shape_arg(shape)
        if len(shape) < self.ndim:
            raise RuntimeError(f"expand: the target shape {shape} has fewer dimensions than "
                               f"the tensor's shape {self.shape}")
        lead = len(shape) - self.ndim
        shape = tuple(self.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
        if shape == self.shape:
            return self
        try:
            np.broadcast_shapes(self.shape, shape)
            if np.broadcast_shapes(self.shape, shape) != shape:
                raise ValueError
        except ValueError:
            raise RuntimeError(f"expand: a tensor of shape {self.shape} cannot be expanded "
                               f"to {shape}") from None
        return _view_of(self, S.Expand.apply(self, shape=shape))

    def expand_as(self, other):
        return self.expand(other.shape)

    def __getitem__(self, index):
        index = _index_arg(index)
        try:
            return _view_of(self, S.GetItem.apply(self, index=index))
        except IndexError as err:
            raise IndexError(f"getitem: index {index!r} is invalid for a tensor of shape "
                             f"{self.shape}: {err}") from None

    # ----- in-place ------------------------------------------------------------------
    def _inplace(self, op_name, compute, other=None):
        """Overwrite self.data with compute(self, other), recording the op when grad is on.

        Nothing is marked or recorded unless the new values were written."""
        tracking = modes.grad_enabled and (
            self.requires_grad or (isinstance(other, Tensor) and other.requires_grad))
        if tracking and self.grad_fn is None and self.requires_grad:
            raise RuntimeError(
                f"{op_name}: a leaf Variable that requires grad is being used in an in-place "
                f"operation; wrap the update in `with tg.no_grad():`")
        if tracking and (self._base is not None or
                         (self.grad_fn is not None and self.grad_fn.viewed)):
            which = "a view (reshape, transpose, slice, detach) of another tensor" \
                if self._base is not None else "a tensor that a view was taken of"
            raise RuntimeError(
                f"{op_name}: in-place change of {which} while the graph is recorded; the "
                f"other alias would keep a stale graph. Use .clone() to get a separate copy")
        if tracking:                   # the op runs on a copy of the old values, with its node
            result = compute(Tensor._make(self.data.copy(), self.requires_grad, self.grad_fn),
                             other)
        else:
            with no_grad():
                result = compute(self, other)
        _write(self, result.data, op_name)
        for t in (self, self._base):   # nodes whose backward reads the old output: raise there
            if t is not None and t.grad_fn is not None and t.grad_fn.needs_out:
                t.grad_fn.out_modified = True
        self._bump_version()
        if tracking:
            if self.grad_fn is not None and self.grad_fn.retained is not None:
                self.grad_fn.retained = None   # the tensor now belongs to the new node
            node = result.grad_fn
            node.out = self.data
            self.grad_fn = node
            self.requires_grad = True
        return self

    def __iadd__(self, other):
        return self._inplace("add_", Tensor.__add__, other)

    def __isub__(self, other):
        return self._inplace("sub_", Tensor.__sub__, other)

    def __imul__(self, other):
        return self._inplace("mul_", Tensor.__mul__, other)

    def __itruediv__(self, other):
        return self._inplace("div_", Tensor.__truediv__, other)

    def add_(self, other, alpha=1):
        return self._inplace("add_", lambda a, b: a + b * alpha if alpha != 1 else a + b, other)

    def sub_(self, other, alpha=1):
        return self._inplace("sub_", lambda a, b: a - b * alpha if alpha != 1 else a - b, other)

    def mul_(self, other):
        return self._inplace("mul_", Tensor.__mul__, other)

    def div_(self, other):
        return self._inplace("div_", Tensor.__truediv__, other)

    def _replace(self, op_name, value):
        """Write `value` (broadcast) over every element: the old values get gradient 0 (even
        where they were inf or nan), `value` gets the gradient."""
        if not isinstance(value, Tensor):
            value = Tensor._make(np.asarray(value, dtype=self.dtype), False, None)
        return self._inplace(op_name, lambda a, v: E.Where.apply(
            v, a, cond=np.ones(a.shape, dtype=bool)), value)

    def zero_(self):
        return self._replace("zero_", 0)

    def fill_(self, value):
        return self._replace("fill_", value)

    def copy_(self, src):
        return self._replace("copy_", src)

    def clamp_(self, min=None, max=None):
        return self._inplace("clamp_", lambda a, _: a.clip(min, max))

    clip_ = clamp_

    def __setitem__(self, index, value):
        index = _index_arg(index)
        value = value if isinstance(value, Tensor) else Tensor._make(
            np.asarray(value, dtype=self.dtype), False, None)
        try:
            basic, advanced = split_index(index, self.ndim)
            target = self.data[basic]
            np.broadcast_to(value.data, (target if advanced is None else target[advanced]).shape)
        except IndexError as err:
            raise IndexError(f"setitem: index {index!r} is invalid for a tensor of shape "
                             f"{self.shape}: {err}") from None
        except ValueError as err:
            raise RuntimeError(f"setitem: cannot assign a value of shape {value.shape} to "
                               f"index {index!r} of a tensor of shape {self.shape}: "
                               f"{err}") from None
        self._inplace("setitem", lambda a, v: S.SetItem.apply(a, v, index=index), value)


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _root(t):
    """The tensor that owns t's memory (t itself unless t is a view or a detached alias)."""
    return t if t._base is None else t._base


def _view_of(src, out):
    """Mark `out` as an alias of src's memory, so in-place changes of either are tracked."""
    if np.may_share_memory(out.data, src.data):
        out._base = _root(src)
        if out.grad_fn is not None and src.grad_fn is not None:
            src.grad_fn.viewed = True
    return out


def _write(t, values, op_name):
    try:
        np.copyto(t.data, values, casting="same_kind")
    except TypeError:
        raise RuntimeError(f"{op_name}: result of dtype {values.dtype} can't be written in "
                           f"place into a tensor of dtype {t.dtype}") from None
    except ValueError:
        raise RuntimeError(f"{op_name}: result of shape {values.shape} can't be written in "
                           f"place into a tensor of shape {t.shape}") from None


def _root_gradient(root, gradient, op, create_graph):
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(f"{op}: grad can be implicitly created only for scalar outputs; "
                               f"the output has shape {root.shape}, pass gradient= of that shape")
        g = np.array(1, root.dtype) if root.ndim == 0 else np.ones(root.shape, root.dtype)
    else:
        g = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient, root.dtype)
        if g.shape != root.shape:
            raise RuntimeError(f"{op}: gradient has shape {g.shape} but the output has shape "
                               f"{root.shape}")
    if create_graph:
        return gradient if isinstance(gradient, Tensor) else Tensor._make(g, False, None)
    return g


def _shape_arg(shape, op="shape"):
    """A shape given as ints or one sequence of ints, as a tuple (TypeError for anything else)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(operator.index(n) for n in shape)
    except TypeError:
        raise TypeError(f"{op}: a size must be a sequence of ints, got {shape!r}") from None


def _new_shape(size, op):
    """The shape of a new tensor from size (ints or one sequence); RuntimeError if negative."""
    shape = _shape_arg(size, op)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"{op}: sizes must be non-negative, got {shape}")
    return shape


def _resolve_shape(shape, size, op, old):
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be -1 (got {shape})")
    known = int(np.prod([n for n in shape if n != -1]))
    if -1 in shape:
        if known == 0 or size % known:
            raise RuntimeError(f"{op}: shape {shape} is invalid for a tensor of shape {old}")
        shape = tuple(size // known if n == -1 else n for n in shape)
    elif known != size:
        raise RuntimeError(f"{op}: shape {shape} is invalid for a tensor of shape {old} "
                           f"({size} elements)")
    return shape


def _index_arg(index):
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else
                     (np.asarray(i) if isinstance(i, list) else i) for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


engine.Tensor = kept.Tensor = Tensor


# ----- construction --------------------------------------------------------------------
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False, name=None):
    """A new Tensor holding a copy of `data` (Python floats take the default dtype)."""
    if device is not None:
        _dt.check_device(device, "tensor")
    return Tensor(_as_array(data, dtype, copy=True), requires_grad=requires_grad, name=name)


def as_tensor(data, dtype=None, device=None):
    """data itself if it is a Tensor (cast to dtype if given), else a Tensor sharing its memory
    when it is an ndarray of that dtype."""
    if device is not None:
        _dt.check_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    return Tensor(data, dtype=dtype)


def from_numpy(ndarray):
    """A Tensor sharing ndarray's memory: a change to either shows in both."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype.kind not in "biufc":
        raise TypeError(f"from_numpy: can't convert np.ndarray of dtype {ndarray.dtype}; "
                        f"expected numbers or bools")
    return Tensor._make(ndarray, False, None)


def _make_new(arr, device, requires_grad, name, op):
    if device is not None:
        _dt.check_device(device, op)
    return Tensor(arr, requires_grad=requires_grad, name=name)


def zeros(*size, dtype=None, device=None, requires_grad=False, name=None):
    """A tensor of zeros of shape size (the default dtype unless given)."""
    return _make_new(np.zeros(_new_shape(size, "zeros"), _dt.float_or_default(dtype)),
                     device, requires_grad, name, "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False, name=None):
    """A tensor of ones of shape size (the default dtype unless given)."""
    return _make_new(np.ones(_new_shape(size, "ones"), _dt.float_or_default(dtype)),
                     device, requires_grad, name, "ones")


def empty(*size, dtype=None, device=None, requires_grad=False, name=None):
    """A tensor of shape size whose values are whatever the memory held (uninitialised)."""
    return _make_new(np.empty(_new_shape(size, "empty"), _dt.float_or_default(dtype)),
                     device, requires_grad, name, "empty")


def _scalar_dtype(value):
    """The dtype PyTorch gives a tensor filled with the Python number `value`."""
    if isinstance(value, (bool, np.bool_)):
        return _dt.bool_
    if isinstance(value, numbers.Integral):
        return _dt.int64
    if isinstance(value, numbers.Real):
        return _dt._default
    if isinstance(value, numbers.Complex):
        return _dt.default_complex_dtype()
    raise TypeError(f"full: fill_value must be a number, got {type(value).__name__}")


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, name=None):
    """A tensor of shape size filled with fill_value (dtype from the value: bool, int64 or
    the default float dtype)."""
    shape = _new_shape(size if isinstance(size, (tuple, list)) else (size,), "full")
    dtype = _scalar_dtype(fill_value) if dtype is None else dtype
    return _make_new(np.full(shape, fill_value, dtype=dtype), device, requires_grad, name, "full")


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix (ones on the diagonal)."""
    return _make_new(np.eye(n, m, dtype=_dt.float_or_default(dtype)), device, requires_grad,
                     None, "eye")


def _like(input, fill, dtype, device, requires_grad, op):
    """A tensor of input's shape and dtype (unless given) made by fill(shape, dtype)."""
    input = as_tensor(input)
    dtype = input.dtype if dtype is None else np.dtype(dtype)
    return _make_new(fill(input.shape, dtype), device, requires_grad, None, op)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    """zeros of input's shape and dtype (unless given)."""
    return _like(input, np.zeros, dtype, device, requires_grad, "zeros_like")


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    """ones of input's shape and dtype (unless given)."""
    return _like(input, np.ones, dtype, device, requires_grad, "ones_like")


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor of input's shape and dtype (unless given)."""
    return _like(input, np.empty, dtype, device, requires_grad, "empty_like")


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    """fill_value in input's shape and dtype (unless given; 2.5 in an int tensor becomes 2)."""
    return _like(input, lambda shape, dt: np.full(shape, fill_value, dtype=dt), dtype, device,
                 requires_grad, "full_like")


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """start, start + step, ... up to end (excluded); arange(n) = 0, ..., n - 1. int64 when
    every argument is an int, else the default float dtype."""
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    if ints:
        arr = np.arange(start, end, step, dtype=np.int64)
    else:                              # start + i * step, as PyTorch (NumPy's values differ)
        arr = start + step * np.arange(math.ceil((end - start) / step), dtype=np.float64)
    dtype = (_dt.int64 if ints else _dt._default) if dtype is None else dtype
    return _make_new(arr.astype(dtype, copy=False), device, requires_grad, None, "arange")


def _linspace(start, end, steps, op):
    """steps evenly spaced float64 values from start to end, by PyTorch's formula (the first
    half counted up from start, the second down from end)."""
    if not isinstance(steps, numbers.Integral) or isinstance(steps, bool):
        raise TypeError(f"{op}: steps must be an int, got {steps!r}")
    if steps < 0:
        raise RuntimeError(f"{op}: number of steps must be non-negative, got {steps}")
    if steps == 1:
        return np.array([start], np.float64)
    i = np.arange(steps)
    step = (end - start) / (steps - 1)
    return np.where(i < steps // 2, start + step * i, end - step * (steps - 1 - i))


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """steps evenly spaced values from start to end, both included (the default float dtype)."""
    arr = _linspace(start, end, steps, "linspace").astype(_dt.float_or_default(dtype))
    return _make_new(arr, device, requires_grad, None, "linspace")


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """base ** linspace(start, end, steps)."""
    arr = (base ** _linspace(start, end, steps, "logspace")).astype(_dt.float_or_default(dtype))
    return _make_new(arr, device, requires_grad, None, "logspace")


# ----- queries -------------------------------------------------------------------------
def _tensor_arg(input, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: argument 'input' must be a Tensor, got {type(input).__name__}")
    return input


def is_tensor(obj):
    """Whether obj is a Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input):
    """Whether input's dtype is a floating point type."""
    return _tensor_arg(input, "is_floating_point").is_floating_point()


def is_complex(input):
    """Whether input's dtype is a complex type."""
    return _tensor_arg(input, "is_complex").is_complex()


def numel(input):
    """The number of elements of input."""
    return _tensor_arg(input, "numel").numel()


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """‖input‖_p over dim (all elements when None), as torch.norm: p='fro' (2-norm),
    'nuc', or a number (inf for max |x|)."""
    input = as_tensor(input)
    return (input if dtype is None else input.to(dtype)).norm(p, dim, keepdim)


# ----- functions of several tensors ----------------------------------------------------
def where(condition, input, other):
    """Elementwise input where condition else other (condition is not differentiated)."""
    cond = condition.data if isinstance(condition, Tensor) else condition
    shapes = [np.shape(a.data if isinstance(a, Tensor) else a) for a in (cond, input, other)]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError as err:
        raise RuntimeError(f"Where: inputs of shapes {', '.join(map(str, shapes))}: "
                           f"{err}") from None
    return E.Where.apply(input, other, cond=cond)


def maximum(a, b):
    """Elementwise max; ties share the gradient evenly."""
    return E.Maximum.apply(a, b)


def minimum(a, b):
    """Elementwise min; ties share the gradient evenly."""
    return E.Minimum.apply(a, b)


def matmul(a, b):
    """a @ b with NumPy's rules: 1-D · 1-D, matrix-vector, matrix-matrix, batched with broadcasting."""
    ash, bsh = np.shape(a.data if isinstance(a, Tensor) else a), \
        np.shape(b.data if isinstance(b, Tensor) else b)
    if len(ash) == 0 or len(bsh) == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension (got shapes {ash} "
                         f"and {bsh}); use * for scalars")
    if ash[-1] != (bsh[0] if len(bsh) == 1 else bsh[-2]):
        raise RuntimeError(f"matmul: shapes {ash} and {bsh} are not aligned: {ash[-1]} (last "
                         f"dim of the first) != {bsh[0] if len(bsh) == 1 else bsh[-2]} "
                         f"({'only' if len(bsh) == 1 else 'second-to-last'} dim of the second)")
    try:
        return L.MatMul.apply2(a, b)
    except RuntimeError:
        raise RuntimeError(f"matmul: batch dimensions of shapes {ash} and {bsh} cannot be "
                         f"broadcast together") from None


def mm(a, b):
    """(n, m) @ (m, p), as torch.mm: both arguments must be matrices."""
    ash, bsh = np.shape(_data(a)), np.shape(_data(b))
    if len(ash) != 2 or len(bsh) != 2:
        raise RuntimeError(f"mm: expects two matrices, got shapes {ash} and {bsh}")
    return matmul(a, b)


def bmm(a, b):
    """(b, n, m) @ (b, m, p), as torch.bmm: equal batch sizes, no broadcasting."""
    ash, bsh = np.shape(_data(a)), np.shape(_data(b))
    if len(ash) != 3 or len(bsh) != 3 or ash[0] != bsh[0]:
        raise RuntimeError(f"bmm: expects two 3-D tensors with the same batch size, got shapes "
                           f"{ash} and {bsh}")
    return matmul(a, b)


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _softmax(op, x, dim, name):
    x = as_tensor(x)
    return op.apply(x, axis=_norm_axis(dim, x.ndim, name)[0] if x.ndim else None)


def softmax(input, dim):
    """exp(x) / Σ exp(x) along dim."""
    return _softmax(N.Softmax, input, dim, "softmax")


def log_softmax(input, dim):
    """x − logsumexp(x) along dim."""
    return _softmax(N.LogSoftmax, input, dim, "log_softmax")


def _triangle(x, diagonal, keep, name):
    x = as_tensor(x)
    if x.ndim < 2:
        raise RuntimeError(f"{name}: expects a tensor with at least 2 dims, got shape {x.shape}")
    mask = keep(np.ones(x.shape[-2:], dtype=bool), diagonal)
    return E.Where.apply(x, np.zeros((), x.dtype), cond=mask)


def tril(input, diagonal=0):
    """The lower triangle (j ≤ i + diagonal) of the last two dims; the rest is 0."""
    return _triangle(input, diagonal, np.tril, "tril")


def triu(input, diagonal=0):
    """The upper triangle (j ≥ i + diagonal) of the last two dims; the rest is 0."""
    return _triangle(input, diagonal, np.triu, "triu")


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors, as torch.meshgrid ('ij' or 'xy' indexing)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [as_tensor(t) for t in tensors]
    if any(t.ndim > 1 for t in ts):
        raise RuntimeError(f"meshgrid: expects 0-D or 1-D tensors, got shapes "
                           f"{[t.shape for t in ts]}")
    ts = [t.reshape(-1) for t in ts]
    swap = indexing == "xy" and len(ts) > 1
    order = [1, 0] + list(range(2, len(ts))) if swap else list(range(len(ts)))
    shape = tuple(ts[k].shape[0] for k in order)
    grids = []
    for i, t in enumerate(ts):
        axis = order.index(i)
        view = [1] * len(ts)
        view[axis] = t.shape[0]
        grids.append(t.reshape(*view).expand(*shape))
    return tuple(grids)


def nonzero(input, *, as_tuple=False):
    """Indices of the nonzero elements."""
    return as_tensor(input).nonzero(as_tuple=as_tuple)


def argwhere(input):
    """Indices of the nonzero elements, (n, ndim)."""
    return as_tensor(input).nonzero()


def count_nonzero(input, dim=None):
    """The number of nonzero elements (along dim)."""
    return as_tensor(input).count_nonzero(dim)


def bincount(input, weights=None, minlength=0):
    """Counts of each value of a 1-D non-negative integer tensor."""
    return as_tensor(input).bincount(weights, minlength)


def _legacy(dtype, name):
    def make(*data):
        """A tensor of this dtype from data (or zeros of a shape given as ints), as torch's
        legacy constructors."""
        if data and all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                        for n in data):
            return Tensor(np.zeros(data, dtype))
        return tensor(data[0] if data else [], dtype=dtype)
    make.__name__ = name
    return make


FloatTensor, DoubleTensor = _legacy(np.float32, "FloatTensor"), _legacy(np.float64, "DoubleTensor")
LongTensor, IntTensor = _legacy(np.int64, "LongTensor"), _legacy(np.int32, "IntTensor")
BoolTensor = _legacy(np.bool_, "BoolTensor")


def dot(x, y):
    """x · y = Σ xᵢ yᵢ for two 1-D tensors."""
    xs, ys = np.shape(x.data if isinstance(x, Tensor) else x), \
        np.shape(y.data if isinstance(y, Tensor) else y)
    if len(xs) != 1 or len(ys) != 1 or xs != ys:
        raise RuntimeError(f"dot: expects two 1-D tensors of the same length, got shapes "
                         f"{xs} and {ys}")
    return L.MatMul.apply(x, y)


def outer(x, y):
    """x yᵀ: (n,), (m,) -> (n, m)."""
    x, y = as_tensor(x), as_tensor(y)
    if x.ndim != 1 or y.ndim != 1:
        raise RuntimeError(f"outer: expects two 1-D tensors, got shapes {x.shape} and {y.shape}")
    return x.reshape(-1, 1) * y.reshape(1, -1)


def trace(x):
    """Σ xᵢᵢ of a 2-D tensor."""
    x = as_tensor(x)
    if x.ndim != 2:
        raise RuntimeError(f"trace: expects a 2-D tensor, got shape {x.shape}")
    return L.Trace.apply(x)


def diag(x, diagonal=0):
    """1-D -> the square matrix with x on its diagonal; 2-D -> its diagonal."""
    x = as_tensor(x)
    if x.ndim not in (1, 2):
        raise RuntimeError(f"diag: expects a 1-D or 2-D tensor, got shape {x.shape}")
    return _view_of(x, L.Diag.apply(x, k=diagonal))


def einsum(subscripts, *operands):
    """Einstein summation, e.g. einsum('ij,jk->ik', A, B) = A @ B."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ins, _ = L.parse_einsum(subscripts, len(operands))
    for s, x in zip(ins, operands):
        nd = np.ndim(x.data if isinstance(x, Tensor) else x)
        if len(s) != nd:
            raise RuntimeError(f"einsum: subscript {s!r} has {len(s)} letters but its operand "
                             f"has shape {np.shape(x.data if isinstance(x, Tensor) else x)}")
    try:
        return L.Einsum.apply(*operands, subscripts=subscripts)
    except RuntimeError as err:
        shapes = [np.shape(x.data if isinstance(x, Tensor) else x) for x in operands]
        raise RuntimeError(f"einsum: {subscripts!r} does not fit shapes {shapes}: {err}") from None


def cat(tensors, dim=0):
    """Join tensors along an existing dimension."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expects a non-empty list of tensors")
    nd = tensors[0].ndim
    axis = _norm_axis(dim, nd, "cat")[0] if nd else 0
    for t in tensors:
        if t.ndim != nd or t.shape[:axis] + t.shape[axis + 1:] != \
                tensors[0].shape[:axis] + tensors[0].shape[axis + 1:]:
            raise RuntimeError(f"cat: shapes {[x.shape for x in tensors]} differ outside "
                             f"dim {dim}")
    return S.Concatenate.apply(*tensors, axis=axis)


concatenate = cat


def stack(tensors, dim=0):
    """Join same-shape tensors along a new dimension."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise RuntimeError("stack: expects a non-empty list of tensors")
    if len({t.shape for t in tensors}) != 1:
        raise RuntimeError(f"stack: all tensors must have the same shape, got "
                         f"{[t.shape for t in tensors]}")
    nd = tensors[0].ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"stack: dim {dim} is out of range for a result with {nd} dimensions")
    return S.Stack.apply(*tensors, axis=dim % nd)
