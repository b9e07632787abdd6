"""`Module` (a container of named parameters, buffers and sub-modules), `Parameter`, `Linear`,
and the containers `Sequential`, `ModuleList`, `ModuleDict`.

As in PyTorch: assigning a `Parameter`, a `Module` (or a Tensor to a name given to
`register_buffer`) to an attribute registers it; `named_parameters()` walks the tree in
assignment order with dotted names; `state_dict()` / `load_state_dict()` copy parameters
and buffers out and in; `train()` / `eval()` set `training` on the whole tree; calling a
module runs its `forward`; `print(module)` shows the tree as PyTorch prints it.
"""
import contextlib
import math
import operator
from collections import OrderedDict

import numpy as np

from ..dtypes import check_device, float_or_default, is_device
from ..random import default_generator
from ..tensor import Tensor, _as_array
from .activations import linear


class Parameter(Tensor):
    """A leaf Tensor that requires grad (by default) and is registered when assigned to a Module."""
    __slots__ = ()

    def __init__(self, data=None, requires_grad=True, dtype=None, name=None):
        data = np.zeros(0) if data is None else data
        arr = np.array(_as_array(data, dtype), copy=True)
        if arr.dtype.kind not in "fc":
            arr = arr.astype(np.float64)
        super().__init__(arr, requires_grad=requires_grad, name=name)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def _typename(obj):
    """PyTorch's name for an object in messages: 'int', 'mypkg.MyClass', ..."""
    name = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    module = getattr(obj, "__module__", None) if hasattr(obj, "__qualname__") else \
        type(obj).__module__
    return name if module in (None, "builtins") else f"{module}.{name}"


def _addindent(text, spaces=2):
    """Indent every line of text but the first (a child's repr inside its parent's)."""
    return text.replace("\n", "\n" + " " * spaces)


class Module:
    """Base class: subclasses assign Parameters, Modules and buffers in `__init__` and define
    `forward`. Attribute assignment registers them, as in torch.nn.Module."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning the attribute {name!r}")
        params, buffers, modules = d["_parameters"], d["_buffers"], d["_modules"]
        if isinstance(value, Parameter):
            self._forget(name, keep=params)
            params[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                f"(Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._forget(name, keep=modules)
            modules[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                f"(Module or None expected)")
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                f"(Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep=None):
        """Drop name from every store but `keep` (where a re-assignment keeps its place)."""
        for store in (self._parameters, self._buffers, self._modules):
            if store is not keep:
                store.pop(name, None)
        self._non_persistent_buffers_set.discard(name)
        self.__dict__.pop(name, None)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if name in d.get(store, ()):
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        if name in self._parameters or name in self._buffers or name in self._modules:
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def _register(self, kind, name, value, cls, store):
        """Put value (a `cls`, or None) under name in store, out of every other store."""
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError(f"{kind} name can't contain \".\", got: {name}")
        if name == "":
            raise KeyError(f"{kind} name can't be empty string \"\"")
        if hasattr(self, name) and name not in store:
            raise KeyError(f"attribute '{name}' already exists")
        if value is not None and not isinstance(value, cls):
            raise TypeError(f"cannot assign '{_typename(value)}' object to {kind} '{name}' "
                            f"({cls.__name__} or None required)")
        self._forget(name, keep=store)
        store[name] = value

    def register_parameter(self, name, param):
        """Register `param` (a Parameter, or None: a named slot with no value) under `name`."""
        self._register("parameter", name, param, Parameter, self._parameters)

    def register_buffer(self, name, tensor, persistent=True):
        """Register a Tensor that is state but not a parameter (running statistics, counts):
        it is in state_dict() (unless persistent=False) and moves with to()."""
        self._register("buffer", name, tensor, Tensor, self._buffers)
        if not persistent:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Register `module` (a Module, or None) as the child `name`."""
        if module is not None and not isinstance(module, Module):   # PyTorch checks this first
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        self._register("module", name, module, Module, self._modules)

    register_module = add_module

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  f'"forward" function')

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ----- traversal -----------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(dotted name, module) for this module and every sub-module, depth first; a module
        reachable twice is listed once (unless remove_duplicate=False)."""
        memo = set() if memo is None else memo
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                                remove_duplicate)

    def modules(self):
        return (m for _, m in self.named_modules())

    def named_children(self):
        """(name, module) of the direct children, each module once."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        return (m for _, m in self.named_children())

    def _named_members(self, store, prefix, recurse, remove_duplicate):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for mname, mod in mods:
            for name, t in getattr(mod, store).items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (f"{mname}.{name}" if mname else name), t

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Parameter) pairs in registration order; each Parameter once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, buffer Tensor) pairs in registration order."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        return (b for _, b in self.named_buffers(recurse=recurse))

    def num_parameters(self):
        """Total number of scalar parameters."""
        return sum(p.data.size for p in self.parameters())

    def apply(self, fn):
        """Call fn on every sub-module (children first) and on this module; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ----- state ---------------------------------------------------------------------
    def _state_entries(self, prefix=""):
        """(key, Tensor) of every parameter and persistent buffer, as state_dict() lists them:
        a module's own parameters, then its buffers, then its children's (shared ones under
        every name)."""
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                yield prefix + name, b
        for name, module in self._modules.items():
            if module is not None:
                yield from module._state_entries(f"{prefix}{name}.")

    def state_dict(self, prefix="", keep_vars=False):
        """OrderedDict name -> a copy of the parameter's or buffer's ndarray (the Tensor itself
        with keep_vars=True)."""
        return OrderedDict((k, t if keep_vars else t.data.copy())
                           for k, t in self._state_entries(prefix))

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from `state_dict` (name -> array or Tensor) into the parameters and buffers
        in place; returns (missing keys, unexpected keys)."""
        own = dict(self._state_entries())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise RuntimeError(f"load_state_dict: missing keys {missing}, unexpected keys "
                               f"{unexpected} for {type(self).__name__}")
        for name, value in state_dict.items():
            if name not in own:
                continue
            t, arr = own[name], np.asarray(_as_array(value))
            if arr.shape != t.shape:
                raise ValueError(f"load_state_dict: {name!r} has shape {t.shape} in the module "
                                 f"but {arr.shape} in the state dict")
            np.copyto(t.data, arr, casting="same_kind")
            t._bump_version()
        return missing, unexpected

    def zero_grad(self, set_to_none=True):
        """Clear the `.grad` of every parameter (None, or zeros with set_to_none=False)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.data[...] = 0.0

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad of every parameter; returns self."""
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def train(self, mode=True):
        """Set `training` of this module and every sub-module (Dropout and BatchNorm act on it)."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: training mode is expected to be boolean, got {mode!r}")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """train(False)."""
        return self.train(False)

    def to(self, *args, dtype=None, device=None, non_blocking=False):
        """Cast the floating-point parameters and buffers (and their grads) to dtype, in place;
        the device must be the CPU. As torch: to(dtype), to(device), to(device, dtype),
        to(tensor), to(dtype=, device=)."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif is_device(a):
                device = a
            elif not isinstance(a, bool):  # (a bool is non_blocking: nothing is asynchronous)
                dtype = a
        check_device(device, "Module.to")
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind not in "fc":
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but "
                            f"got desired dtype={dtype}")
        for t in list(self.parameters()) + list(self.buffers()):
            if t.dtype.kind in "fc" and t.dtype != dtype:
                t.data = t.data.astype(dtype)
                if t.grad is not None:
                    t.grad.data = t.grad.data.astype(dtype)
                t._bump_version()
        return self

    def float(self):
        """to(float32)."""
        return self.to(np.float32)

    def double(self):
        """to(float64)."""
        return self.to(np.float64)

    def extra_repr(self):
        """The text inside this module's parentheses in repr() (a layer's settings)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({k}): " + _addindent(repr(m)) for k, m in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"


@contextlib.contextmanager
def swap_parameters(module, params):
    """Temporarily use the Tensors in `params` (dotted name -> Tensor) as the module's parameters."""
    owners = {}
    for mname, mod in module.named_modules():
        for pname in mod._parameters:
            owners[f"{mname}.{pname}" if mname else pname] = (mod, pname)
    unknown = [k for k in params if k not in owners]
    if unknown:
        raise KeyError(f"swap_parameters: {type(module).__name__} has no parameters {unknown}")
    saved = {k: owners[k][0]._parameters[owners[k][1]] for k in params}
    try:
        for k, t in params.items():
            mod, pname = owners[k]
            mod._parameters[pname] = t
        yield module
    finally:
        for k, t in saved.items():
            mod, pname = owners[k]
            mod._parameters[pname] = t


def functional_call(module, params, args=(), kwargs=None, method="forward"):
    """module.method(*args) evaluated with `params` (name -> Tensor) in place of its parameters."""
    args = args if isinstance(args, tuple) else (args,)
    with swap_parameters(module, params):
        return getattr(module, method)(*args, **(kwargs or {}))


class Linear(Module):
    """y = x Wᵀ + b with W (out, in), b (out,), both ~ U(-1/√in, 1/√in) as PyTorch's default."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None,
                 generator=None):
        super().__init__()
        check_device(device, "Linear")
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear: feature sizes must be non-negative, got "
                             f"({in_features}, {out_features})")
        self.in_features, self.out_features = int(in_features), int(out_features)
        rng = generator or default_generator()
        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        dtype = float_or_default(dtype)
        self.weight = Parameter(rng.uniform(-bound, bound, (out_features, in_features)).astype(dtype))
        if bias:
            self.bias = Parameter(rng.uniform(-bound, bound, (out_features,)).astype(dtype))
        else:
            self.bias = None

    def forward(self, x):
        return linear(x, self.weight, self.bias)       # (N, in) -> (N, out)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


def _index(op, idx, n):
    """A list index in [-n, n) as a non-negative int."""
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"{op}: index {idx} is out of range for {n} modules")
    return idx % n


class _ModuleSequence(Module):
    """The sub-modules in order: len() and iteration (Sequential, ModuleList)."""

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class Sequential(_ModuleSequence):
    """Modules applied one after another: Sequential(m0, m1, ...) names them '0', '1', ...;
    Sequential(OrderedDict(name=module)) keeps the names. Indexable (a slice is a Sequential),
    iterable, with len, append, insert, extend."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input):
        for module in self:
            input = module(input)
        return input

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index("Sequential", idx, len(self))]

    def __setitem__(self, idx, module):
        key = list(self._modules)[_index("Sequential", idx, len(self))]
        setattr(self, key, module)

    def __delitem__(self, idx):
        keys = list(self._modules)
        for key in (keys[idx] if isinstance(idx, slice) else
                    [keys[_index("Sequential", idx, len(self))]]):
            del self._modules[key]
        self._renumber()

    def _renumber(self):
        """Keys '0', '1', ... again after a deletion or insertion (PyTorch keeps the numbering)."""
        modules = list(self._modules.values())
        self._modules.clear()
        for i, module in enumerate(modules):
            self._modules[str(i)] = module

    def append(self, module):
        """Add module at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index, module):
        """Put module before position index; returns self."""
        if not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for {n} modules")
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(modules):
            self._modules[str(i)] = m
        return self

    def extend(self, sequential):
        """Append every module of an iterable; returns self."""
        for module in sequential:
            self.append(module)
        return self

    def __add__(self, other):
        if not isinstance(other, Sequential):
            return NotImplemented
        return Sequential(*self, *other)

    def __iadd__(self, other):
        return self.extend(other)


class ModuleList(_ModuleSequence):
    """A list of modules, registered (their parameters belong to the owner) but not called:
    indexing (a slice is a ModuleList), len, iteration, append, extend, insert, pop."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_index("ModuleList", idx, len(self)))]

    def __setitem__(self, idx, module):
        setattr(self, str(_index("ModuleList", idx, len(self))), module)

    def __delitem__(self, idx):
        if isinstance(idx, slice):
            for key in list(self._modules)[idx]:
                del self._modules[key]
        else:
            del self._modules[str(_index("ModuleList", idx, len(self)))]
        Sequential._renumber(self)

    def append(self, module):
        """Add module at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Append every module of an iterable; returns self."""
        if not hasattr(modules, "__iter__"):
            raise TypeError(f"ModuleList.extend should be called with an iterable, but got "
                            f"{_typename(modules)}")
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put module before position index."""
        Sequential.insert(self, index, module)

    def pop(self, idx=-1):
        """Remove and return the module at idx."""
        module = self[idx]
        del self[idx]
        return module

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList([*self, *other])

    def __repr__(self):                # runs of equal modules print once: (0-2): 3 x ReLU()
        reprs = [repr(m) for m in self]
        if not reprs:
            return f"{self._get_name()}()"
        runs = []                      # [first index, last index, repr]
        for i, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = [_addindent(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}")
                 for a, b, r in runs]
        return f"{self._get_name()}(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules (insertion order), registered but not called: [key], in, len,
    iteration over keys, keys, values, items, update, pop, clear."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def clear(self):
        self._modules.clear()

    def pop(self, key):
        """Remove and return the module under key."""
        module = self[key]
        del self[key]
        return module

    def update(self, modules):
        """Add the (name, module) pairs of a mapping or an iterable of pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"ModuleDict.update: element #{i} of the iterable should be a "
                                 f"(name, module) pair, got {pair!r}")
            self[pair[0]] = pair[1]
