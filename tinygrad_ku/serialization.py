"""`tg.save` / `tg.load`: tensors, state dicts and nested containers of them, without pickle.

The file is a NumPy .npz archive: one array per Tensor / ndarray / NumPy scalar, written
with allow_pickle=False, plus "__structure__", a JSON description of the object tree
(containers, keys in order, Python scalars, and for each tensor its array, dtype,
requires_grad and whether it is a Parameter). Loading reads that JSON and those arrays
with np.load(allow_pickle=False), so a file can never run code.

What can be saved: Tensor (Parameter), ndarray (not of dtype object), NumPy scalars,
dtypes (tg.float32, ...), None, bool, int, float, complex, str, and dict / OrderedDict /
Counter / list / tuple of these (dict keys: str, numbers, None, or tuples of them).
As with torch.save, a tensor that appears twice is stored once and loads as one object;
`.grad` and the graph are not saved (a tensor that required grad loads as a leaf that
requires grad).
"""
import json
import os
import zipfile
from collections import Counter, OrderedDict

import numpy as np

from .nn.module import Module, Parameter
from .tensor import Tensor

__all__ = ["save", "load"]

_FORMAT = "tinygrad_ku.save"
_VERSION = 1
_STRUCTURE = "__structure__"
_SCALARS = (type(None), bool, int, float, str)
_DICTS = {dict: "dict", OrderedDict: "odict", Counter: "counter"}
_SEQUENCES = {list: "list", tuple: "tuple"}


class _Encoder:
    def __init__(self):
        self.arrays = {}
        self.memo = {}            # id(tensor or ndarray) -> index of its node in self.arrays
        self.keep = []            # the memoised objects, alive until the end (ids stay unique)
        self.path_ids = set()     # ids of the containers on the current path (cycle check)

    def _array(self, arr, path):
        if arr.dtype.hasobject:
            raise TypeError(f"save: the array at {path} has dtype object, which can't be saved "
                            f"without pickle")
        name = f"a{len(self.arrays)}"
        self.arrays[name] = arr
        return name

    def encode(self, x, path):
        t = type(x)
        if t in _SCALARS:
            return x
        if t is complex:
            return {"t": "complex", "v": [x.real, x.imag]}
        if isinstance(x, np.generic):
            return {"t": "npscalar", "a": self._array(np.asarray(x), path)}
        if isinstance(x, np.dtype) and x.names is None and not x.hasobject:
            return {"t": "dtype", "v": x.str}
        if isinstance(x, (Tensor, np.ndarray)):
            return self._shared(x, path)
        if t in _DICTS or t in _SEQUENCES:
            if id(x) in self.path_ids:
                raise ValueError(f"save: the {t.__name__} at {path} is also one of its own "
                                 f"containers (a reference cycle)")
            self.path_ids.add(id(x))
            try:
                if t in _SEQUENCES:
                    return {"t": _SEQUENCES[t],
                            "v": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(x)]}
                keys = [self._key(k, path) for k in x]
                return {"t": _DICTS[t], "k": keys,
                        "v": [self.encode(v, f"{path}[{k!r}]") for k, v in x.items()]}
            finally:
                self.path_ids.discard(id(x))
        hint = " (save its state_dict() instead)" if isinstance(x, Module) else ""
        raise TypeError(f"save: can't store an object of type {t.__name__} at {path}{hint}; "
                        f"only Tensors, ndarrays, numbers, str, None and dict / list / tuple "
                        f"of them can be saved without pickle")

    def _shared(self, x, path):
        if id(x) in self.memo:
            return {"t": "ref", "i": self.memo[id(x)]}
        self.memo[id(x)] = len(self.keep)
        self.keep.append(x)
        if isinstance(x, np.ndarray):
            return {"t": "ndarray", "a": self._array(x, path), "i": self.memo[id(x)]}
        return {"t": "tensor", "a": self._array(x.data, path), "i": self.memo[id(x)],
                "requires_grad": bool(x.requires_grad), "parameter": isinstance(x, Parameter)}

    def _key(self, k, path):
        if type(k) in _SCALARS or type(k) is complex or isinstance(k, np.generic):
            return self.encode(k, path)
        if type(k) is tuple:
            return {"t": "tuple", "v": [self._key(e, path) for e in k]}
        raise TypeError(f"save: can't store the dict key {k!r} (type {type(k).__name__}) at "
                        f"{path}; keys must be str, numbers, None or tuples of them")


def save(obj, f):
    """Write obj (tensors, arrays, scalars and containers of them) to the path or file object f."""
    enc = _Encoder()
    root = enc.encode(obj, "obj")
    meta = json.dumps({"format": _FORMAT, "version": _VERSION, "root": root})
    arrays = dict(enc.arrays)
    arrays[_STRUCTURE] = np.frombuffer(meta.encode("utf-8"), dtype=np.uint8)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:        # a path is written as given (np.savez would add .npz)
            np.savez(fh, allow_pickle=False, **arrays)
    else:
        np.savez(f, allow_pickle=False, **arrays)


class _Decoder:
    def __init__(self, arrays):
        self.arrays = arrays
        self.shared = {}

    def decode(self, node):
        if not isinstance(node, dict):
            return node
        kind = node["t"]
        if kind == "list":
            return [self.decode(v) for v in node["v"]]
        if kind == "tuple":
            return tuple(self.decode(v) for v in node["v"])
        if kind in ("dict", "odict", "counter"):
            cls = {"dict": dict, "odict": OrderedDict, "counter": Counter}[kind]
            return cls(dict((self.decode(k), self.decode(v)) for k, v in zip(node["k"], node["v"])))
        if kind == "complex":
            return complex(*node["v"])
        if kind == "dtype":
            return np.dtype(node["v"])
        if kind == "npscalar":
            return self.arrays[node["a"]][()]
        if kind == "ref":
            return self.shared[node["i"]]
        arr = self.arrays[node["a"]]
        if kind == "ndarray":
            out = arr
        elif node["parameter"]:
            out = Parameter(arr, requires_grad=node["requires_grad"])
        else:
            out = Tensor(arr, requires_grad=node["requires_grad"])
        self.shared[node["i"]] = out
        return out


def load(f, map_location=None, *, weights_only=None):
    """Read an object written by `save` from the path or file object f.

    Never runs code (no pickle), so weights_only (torch's safe mode) is accepted either way;
    map_location may be None or "cpu", the only device."""
    if map_location not in (None, "cpu"):
        raise RuntimeError(f"load: map_location={map_location!r}: tinygrad_ku tensors live on "
                           f"the CPU only (use None or 'cpu')")
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "the file")
    try:
        data = np.load(f, allow_pickle=False)
    except (ValueError, zipfile.BadZipFile) as err:
        raise RuntimeError(f"load: {name} is not a file written by tg.save ({err})") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise RuntimeError(f"load: {name} holds a bare NumPy array, not a file written by tg.save")
    with data:
        if _STRUCTURE not in data.files:
            raise RuntimeError(f"load: {name} is an .npz archive but not a file written by "
                               f"tg.save (it has no {_STRUCTURE!r} record)")
        meta = json.loads(data[_STRUCTURE].tobytes().decode("utf-8"))
        if meta.get("format") != _FORMAT or meta.get("version", 0) > _VERSION:
            raise RuntimeError(f"load: {name} has format {meta.get('format')!r} version "
                               f"{meta.get('version')!r}; this reader knows {_FORMAT!r} up to "
                               f"version {_VERSION}")
        arrays = {k: data[k] for k in data.files if k != _STRUCTURE}
    return _Decoder(arrays).decode(meta["root"])
