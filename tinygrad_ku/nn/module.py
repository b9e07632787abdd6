"""`Module` (a container of named parameters and sub-modules), `Parameter`, `Linear`, `Sequential`.

As in PyTorch: assigning a `Parameter` (or a `Module`) to an attribute registers
it; `named_parameters()` walks the tree in assignment order with dotted names;
`state_dict()` / `load_state_dict()` copy values in and out; calling a module
runs its `forward`.
"""
import contextlib
import math
from collections import OrderedDict

import numpy as np

from ..tensor import Tensor, _as_array, default_generator


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


class Module:
    """Base class: subclasses assign Parameters / Modules in `__init__` and define `forward`."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning the attribute {name!r}")
        params, modules = self.__dict__["_parameters"], self.__dict__["_modules"]
        params.pop(name, None)
        modules.pop(name, None)
        self.__dict__.pop(name, None)
        if isinstance(value, Parameter):
            params[name] = value
        elif isinstance(value, Module):
            modules[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        if name in d.get("_parameters", ()):
            return d["_parameters"][name]
        if name in d.get("_modules", ()):
            return d["_modules"][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register `param` (a Parameter, or None to clear) under `name`."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, "
                            f"got {type(param).__name__}")
        if param is None:
            self._parameters.pop(name, None)
        else:
            setattr(self, name, param)

    def add_module(self, name, module):
        setattr(self, name, module)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: forward() is not defined")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ----- traversal -----------------------------------------------------------------
    def named_modules(self, prefix=""):
        """(dotted name, module) for this module and every sub-module, depth first."""
        stack, seen = [(prefix, self)], set()
        while stack:
            name, mod = stack.pop()
            if id(mod) in seen:
                continue
            seen.add(id(mod))
            yield name, mod
            children = [(f"{name}.{k}" if name else k, m) for k, m in mod._modules.items()]
            stack.extend(reversed(children))

    def modules(self):
        return (m for _, m in self.named_modules())

    def children(self):
        return iter(self._modules.values())

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, Parameter) pairs in registration order; each Parameter once."""
        seen = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mname, mod in mods:
            for pname, p in mod._parameters.items():
                if id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self, recurse=True):
        return (p for _, p in self.named_parameters(recurse=recurse))

    def num_parameters(self):
        """Total number of scalar parameters."""
        return sum(p.data.size for p in self.parameters())

    # ----- state ---------------------------------------------------------------------
    def state_dict(self):
        """OrderedDict name -> copy of the parameter's ndarray."""
        return OrderedDict((n, p.data.copy()) for n, p in self.named_parameters())

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from `state_dict` (name -> array or Tensor) into the parameters in place."""
        own = dict(self.named_parameters())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise RuntimeError(f"load_state_dict: missing keys {missing}, unexpected keys "
                               f"{unexpected} for {type(self).__name__}")
        for name, value in state_dict.items():
            if name not in own:
                continue
            p, arr = own[name], np.asarray(_as_array(value))
            if arr.shape != p.shape:
                raise ValueError(f"load_state_dict: {name!r} has shape {p.shape} in the module "
                                 f"but {arr.shape} in the state dict")
            np.copyto(p.data, arr, casting="same_kind")
            p._bump_version()
        return missing, unexpected

    def zero_grad(self, set_to_none=True):
        """Clear the `.grad` of every parameter (None, or zeros with set_to_none=False)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.data[...] = 0.0

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def train(self, mode=True):
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"  ({k}): " + repr(m).replace("\n", "\n  ") for k, m in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + ("\n" + "\n".join(lines) + "\n)" if lines else ")")


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

    def __init__(self, in_features, out_features, bias=True, dtype=None, generator=None):
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear: feature sizes must be non-negative, got "
                             f"({in_features}, {out_features})")
        self.in_features, self.out_features = int(in_features), int(out_features)
        rng = generator or default_generator()
        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        dtype = dtype or np.float64
        self.weight = Parameter(rng.uniform(-bound, bound, (out_features, in_features)).astype(dtype))
        if bias:
            self.bias = Parameter(rng.uniform(-bound, bound, (out_features,)).astype(dtype))
        else:
            self.bias = None

    def forward(self, x):
        y = x @ self.weight.T       # (N, in) @ (in, out) -> (N, out)
        return y if self.bias is None else y + self.bias

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Modules (or callables such as activations) applied one after another."""

    def __init__(self, *layers):
        super().__init__()
        self._order = []
        for i, layer in enumerate(layers):
            if isinstance(layer, Module):
                setattr(self, str(i), layer)
            self._order.append((str(i), layer))

    def forward(self, x):
        for name, layer in self._order:
            x = self._modules[name](x) if name in self._modules else layer(x)
        return x

    def __len__(self):
        return len(self._order)

    def __getitem__(self, i):
        name, layer = self._order[i]
        return self._modules.get(name, layer)
