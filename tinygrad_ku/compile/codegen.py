"""Code generation: a traced graph as straight-line NumPy source, a forward and a backward pass.

Forward: one statement per op, in the order the ops ran. Backward: the same ops newest
first, each contributing its vjp to its inputs' gradients; contributions are reduced over
broadcast axes with `sum_to_shape` and summed in the order the engine sums them, so the
results are bit-for-bit those of eager mode.

An op that declares NumPy steps (`Function.compiled(*inputs)` -> (forward, vjp) templates,
e.g. Mul: "out = multiply(x, y)", "gx = multiply(g, y); gy = multiply(g, x)") is written
out as those steps; any other op is called through its own forward / vjp on an instance
captured as a constant (`v7 = o7.forward(v3)`, `g7_0, = o7.vjp(g7, v7, v3)`).

The code is generated while it is interpreted once on the traced arrays, so the shape and
dtype of every value are known: a ufunc step writes into a buffer (`np.multiply(v1, K2, b3)`)
allocated once per workspace; 0-d values are kept as NumPy scalars (`v1 * 1.0001`), where
NumPy's own scalar arithmetic is several times cheaper than a ufunc call on a 0-d array.
"""
import builtins
import linecache
import re

import numpy as np

from .. import engine as _engine, ops as _ops
from ..broadcast import sum_to_shape
from ..ops import linalg as _linalg, reduce as _reduce, shape as _shape  # noqa: F401 (for _ops.*)

_new = object.__new__
_TEMPLATE_VAR = re.compile(r"\b(x|y|z|o|g|gx|gy|gz|out|t\d+)\b")
_CALL = re.compile(r"^(\w+)\((.*)\)$")
_OPERATOR = {"add": "+", "subtract": "-", "multiply": "*", "true_divide": "/"}
_INPUTS, _GRADS = ("x", "y", "z"), ("gx", "gy", "gz")
_UNSAFE = re.compile(r"[^\w.\[\]:+-]")
_counter = iter(range(1, 1 << 62))
_SMALL = 64                # up to this size, a 0-d constant of a ufunc is given the result's shape
_FILL = re.compile(r"^_fill\((\w+), (\([\d, ]*\))\)$")


def safe(text, limit=40):
    """A user string as it may appear in generated code: inside a comment, one line, short."""
    return _UNSAFE.sub("_", str(text))[:limit]


def _instance(cls, params, edges):
    """A fresh node of `cls` for one call: its parameters, and which inputs need a gradient."""
    op = _new(cls)
    op.__dict__.update(params)
    op.edges = edges
    return op


def _parse(template):
    """'a = f(b, c); d = e' -> [(target, kind, text, args)]; kind is 'ufunc', 'alias' or 'expr'."""
    out = []
    for stmt in template.split(";"):
        target, expr = (s.strip() for s in stmt.split("=", 1))
        m = _CALL.match(expr)
        if m and isinstance(getattr(np, m[1], None), np.ufunc) \
                and all(re.fullmatch(r"\w+|-?[\d.]+", a.strip()) for a in m[2].split(",")):
            out.append((target, "ufunc", m[1], [a.strip() for a in m[2].split(",")]))
        elif re.fullmatch(r"\w+", expr):
            out.append((target, "alias", expr, None))
        else:
            out.append((target, "expr", expr, None))
    return out


def _needed(stmts, wanted):
    """The statements that the targets in `wanted` depend on (in order)."""
    keep, need = [], set(wanted)
    for st in reversed(stmts):
        if st[0] in need:
            keep.append(st)
            need |= set(st[3]) if st[1] == "ufunc" else set(_TEMPLATE_VAR.findall(st[2]))
    return keep[::-1]


class Generator:
    """Writes the forward and backward functions of one traced graph (see the module doc).

    parents   the call's input Tensors (arguments, then captured tensors), as `a0, a1, ...`
    needs     which of them need a gradient
    labels    user names of the parents, for comments
    hot       write ops as their declared NumPy steps (False: every op via forward/vjp)
    """

    def __init__(self, parents, needs, labels, hot=True):
        self.ns = {"np": np, "_ops": _ops, "_sum_to_shape": sum_to_shape, "_inst": _instance,
                   "_A": np.asarray, "_f64": np.float64}
        self.hot = hot
        self.val, self.shape_of = {}, {}
        self.scalar, self.ws_alias, self.grad = set(), set(), set()
        self.pyfloat = set()                 # float64 scalars held as Python floats
        self.seed_arrays = set()             # ... of them, those eager mode holds as 0-d arrays
        self.labels, self.consts = {}, {}
        self.fwd, self.bwd = [], []          # [code, comment]
        self.fbuf, self.bbuf = [], []        # (shape, dtype) of each buffer
        self.pre = []                        # conversions at the top of forward
        self.meta = {}                       # id(line) of a buffered ufunc step -> its parts
        self.n = 0
        self.parents = []
        for i, (t, need, label) in enumerate(zip(parents, needs, labels)):
            name = f"a{i}"
            self.parents.append(name)
            v = t.data
            if v.ndim == 0 and v.dtype.kind == "f":
                self.pre.append([f"{name} = {name}[()]", f"{safe(label)}: a NumPy scalar"])
                v = v[()]
                self.scalar.add(name)
            self.val[name] = v
            self.labels[name] = safe(label)
            if need:
                self.grad.add(name)

    # ----- names and constants ------------------------------------------------------------
    def fresh(self, prefix):
        self.n += 1
        return f"{prefix}{self.n}"

    def _operands(self, refs):
        """(source texts, values) of an op's operands: names, constants made names, scalars wrapped."""
        texts, vals = [], []
        for r in refs:
            if isinstance(r, tuple):
                r = self.const(r[1])
            texts.append(f"_A({r})" if r in self.scalar else r)
            vals.append(np.asarray(self.val[r]) if r in self.scalar else self.val[r])
        return texts, vals

    def const(self, obj):
        """A constant of the generated code (one name per distinct scalar or 0-d array)."""
        key = None
        if isinstance(obj, (np.ndarray, np.generic)) and (np.ndim(obj) == 0 or (
                np.size(obj) <= _SMALL and not obj.flags.writeable)):   # (our own constants)
            key = (type(obj), obj.dtype, np.shape(obj), obj.tobytes())
        elif type(obj) in (int, float, bool, str, type(None)):
            key = (type(obj), obj)
        if key is not None and key in self.consts:
            return self.consts[key]
        name = self.fresh("K")
        if key is not None:
            self.consts[key] = name
        self.ns[name] = obj
        self.val[name] = obj
        return name

    def num(self, r):
        """Var r as NumPy holds it: a Python float (see ufunc) back as np.float64."""
        if r not in self.pyfloat:
            return r
        return f"_A({r})" if r in self.seed_arrays else f"_f64({r})"

    def label(self, ref):
        if isinstance(ref, tuple):           # a literal
            return safe(repr(ref[1]), 16)
        return self.labels.get(ref, ref)

    def describe(self, ref):
        v = ref[1] if isinstance(ref, tuple) else self.val[ref]
        return f"{self.label(ref)} {tuple(np.shape(v))}"

    # ----- one step -----------------------------------------------------------------------
    def ufunc(self, lines, bufs, target, fname, refs, comment):
        """target = np.<fname>(*refs): a NumPy scalar op, or written into a buffer."""
        uf = getattr(np, fname)
        vals = [r[1] if isinstance(r, tuple) else self.val[r] for r in refs]
        res = uf(*vals)
        var_refs = [r for r in refs if not isinstance(r, tuple)]
        if isinstance(res, np.generic):     # 0-d operands: NumPy gives a scalar, as in eager mode
            # float64 values may be held as Python floats (`pyfloat`): the same IEEE double
            # arithmetic, 3x cheaper than NumPy's scalars; NumPy gets them back as np.float64
            # wherever the type could matter (see num)
            f64 = type(res) is np.float64
            plain = all(type(r[1]) in (int, float) if isinstance(r, tuple) else
                        (r in self.pyfloat or type(self.val[r]) is np.float64) for r in refs)
            operator = (fname in _OPERATOR and len(refs) == 2) or fname == "negative"
            py = False
            if operator and f64 and plain and fname != "true_divide":   # (x / 0.0 would raise)
                texts = [repr(r[1]) if isinstance(r, tuple) else r for r in refs]
                py = all(isinstance(r, tuple) or r in self.pyfloat for r in refs)
            else:
                texts = [repr(r[1]) if isinstance(r, tuple) else
                         (r if len(refs) == 1 and not operator else self.num(r)) for r in refs]
            if fname in _OPERATOR and len(refs) == 2:
                code = f"{target} = {texts[0]} {_OPERATOR[fname]} {texts[1]}"
            elif fname == "negative":
                code = f"{target} = -{texts[0]}"
            else:
                self.ns[f"_u_{fname}"] = uf
                code = f"{target} = _u_{fname}({', '.join(texts)})"
                if f64:                      # (a Python float from here on)
                    code = f"{target} = float(_u_{fname}({', '.join(texts)}))"
                    py = True
            if py:
                self.pyfloat.add(target)
            self.scalar.add(target)
            self.val[target] = res
            lines.append([code, comment])
            return
        res = np.asarray(res)
        texts = []
        for r, v in zip(refs, vals):
            if not isinstance(r, tuple):
                texts.append(self.num(r))
            elif res.dtype.kind in "fc" and any(np.asarray(self.val[o]).dtype == res.dtype
                                                for o in var_refs):
                # same value, no Python float; on a small result, the constant broadcast to the
                # result's shape (a ufunc on equal shapes skips its broadcasting setup)
                c = np.asarray(v, res.dtype)
                if 1 < res.size <= _SMALL:
                    c = np.full(res.shape, c, res.dtype)
                    c.flags.writeable = False
                texts.append(self.const(c))
            else:
                texts.append(self.const(v))
        buf = f"{'b' if bufs is self.fbuf else 'c'}{len(bufs)}"
        bufs.append((res.shape, res.dtype))
        self.ns[f"_u_{fname}"] = uf
        out = f"out={buf}" if fname in ("maximum", "minimum") else buf   # (NumPy 2.4: keyword)
        line = [f"{target} = _u_{fname}({', '.join(texts)}, {out})", comment]
        lines.append(line)
        self.meta[id(line)] = (target, fname, texts, buf)     # (for the numba backend's fusion)
        self.val[target] = res
        self.ws_alias.add(target)

    def steps(self, lines, bufs, template, names, comment):
        """Write a template's statements; `names` maps template names to refs (vars/literals)."""
        for target, kind, text, args in template:
            out = names.setdefault(target, self.fresh("t"))
            if kind == "ufunc":
                refs = [names[a] if a in names else (float(a) if "." in a else int(a),)
                        for a in args]
                refs = [(r[0], r[0]) if isinstance(r, tuple) and len(r) == 1 else r
                        for r in refs]
                self.ufunc(lines, bufs, out, text, refs, comment)
            elif kind == "alias":
                names[target] = names[text]
            elif _FILL.match(text) and not isinstance(names[_FILL.match(text)[1]], tuple):
                # `gx = _fill(t, shape)`: t broadcast to shape, written into a buffer
                src = names[_FILL.match(text)[1]]
                shape = eval(_FILL.match(text)[2])
                v = self.val[src]
                buf = f"{'b' if bufs is self.fbuf else 'c'}{len(bufs)}"
                bufs.append((shape, np.asarray(v).dtype))
                res = np.empty(shape, np.asarray(v).dtype)
                res[...] = v
                fill = f"{buf}.fill({src})" if np.ndim(v) == 0 else f"{buf}[...] = {src}"
                lines.append([f"{fill}; {out} = {buf}", comment])
                self.val[out] = res
                self.ws_alias.add(out)
            else:
                def sub(m):
                    r = names[m[1]]
                    if isinstance(r, tuple):
                        r = names[m[1]] = self.const(r[1])
                    return self.num(r)
                code = _TEMPLATE_VAR.sub(sub, text)
                env = {k: self.val[k] for k in set(re.findall(r"\b[a-zA-Z_]\w*\b", code))
                       if k in self.val}
                env["_f64"] = np.float64
                res = eval(code, self.ns, env)
                lines.append([f"{out} = {code}", comment])
                self.val[out] = res
                if isinstance(res, np.generic):
                    self.scalar.add(out)
                if any(k in self.ws_alias for k in env):
                    self.ws_alias.add(out)

    def forward_step(self, node, refs, out):
        """Write the forward of one node; refs: its inputs (var names or (literal,) tuples)."""
        self.labels[out] = out
        args = ", ".join(self.describe(r) for r in refs)
        edges = tuple(True if (not isinstance(r, tuple) and r in self.grad) else None
                      for r in refs)
        needs = any(edges)
        if needs:
            self.grad.add(out)
        template = None
        if self.hot and hasattr(node, "compiled"):
            vals = [r[1] if isinstance(r, tuple) else self.val[r] for r in refs]
            template = node.compiled(*vals)
        info = {"refs": refs, "edges": edges}
        if template is not None:
            fwd, vjp = (_parse(t) for t in template)
            names = dict(zip(_INPUTS, refs))
            names["out"] = out
            self.steps(self.fwd, self.fbuf, fwd, names, "")
            info["vjp"] = vjp
        else:
            params = dict(node.__dict__)
            cls = type(node)
            if node.keeps_state:
                op = self.fresh("o")
                pc, pp, pe = self.const(cls), self.const(params), self.const(edges)
                self.fwd.append([f"{op} = _inst({pc}, {pp}, {pe})", ""])
                self.val[op] = _instance(cls, params, edges)
            else:
                op = self.const(_instance(cls, params, edges))
            texts, vals = self._operands(refs)
            res = self.val[op].forward(*vals)
            call = f"{op}.forward({', '.join(texts)})"
            if type(res) is not np.ndarray:
                res, call = np.asarray(res), f"_A({call})"
            self.fwd.append([f"{out} = {call}", ""])
            self.val[out] = res
            if any(not isinstance(r, tuple) and r in self.ws_alias for r in refs):
                self.ws_alias.add(out)
            info["op"] = op
        self.fwd[-1][1] = f"{node.name}: {args} -> {out} {tuple(np.shape(self.val[out]))}"
        return info

    def vjp_step(self, node, out, g, info):
        """Write the vjp of one node: its contribution to each input needing a gradient."""
        refs, edges = info["refs"], info["edges"]
        comment = f"{node.name} vjp: {out} {tuple(np.shape(self.val[out]))}"
        contrib = [None] * len(refs)
        if "vjp" in info:
            wanted = [_GRADS[i] for i, e in enumerate(edges) if e]
            names = dict(zip(_INPUTS, refs))
            names.update(o=out, g=g)
            self.steps(self.bwd, self.bbuf, _needed(info["vjp"], wanted), names, comment)
            for i, e in enumerate(edges):
                if e:
                    contrib[i] = names[_GRADS[i]]
        else:
            op = info["op"]
            texts, vals = self._operands(refs)
            # g as the engine would hold it (a vjp may branch on ndarray vs NumPy scalar);
            # the output and inputs as recorded: ndarrays
            ot, ov = (f"_A({out})", np.asarray(self.val[out])) if out in self.scalar \
                else (out, self.val[out])
            gv = np.asarray(self.val[g]) if g in self.seed_arrays else self.val[g]
            res = self.val[op].vjp(gv, ov, *vals)
            names = [self.fresh("r") for _ in refs]
            self.bwd.append([f"{', '.join(names)}{',' if len(names) == 1 else ''} = "
                             f"{op}.vjp({self.num(g)}, {ot}, {', '.join(texts)})", comment])
            for i, (name, v) in enumerate(zip(names, res)):
                if edges[i] and v is not None:
                    self.val[name] = v
                    if isinstance(v, np.generic):
                        self.scalar.add(name)
                    self.ws_alias.add(name)      # (a vjp may return a view of its cotangent)
                    contrib[i] = name
        return contrib

    def shape_fix(self, c, ref, name):
        """The engine's rule: a contribution of another shape is summed to the input's shape."""
        shape = np.shape(self.val[ref])
        if np.shape(self.val[c]) == shape:
            return c
        fixed = self.fresh("s")
        self.val[fixed] = sum_to_shape(self.val[c], shape, name)
        self.bwd.append([f"{fixed} = _sum_to_shape({self.num(c)}, {shape!r}, {name!r})",
                         f"{name}: sum over broadcast axes to {shape}"])
        if c in self.ws_alias:
            self.ws_alias.add(fixed)
        return fixed

    def accumulate(self, acc, ref, c, comment):
        """acc[ref] += c, as the engine sums: first kept as is, then a new sum, then in place."""
        cur = acc.get(ref)
        if cur is None:
            acc[ref] = (c, False)
            return
        name, owned = cur
        if owned and name not in self.scalar and isinstance(self.val[name], np.ndarray):
            self.ns["_u_add"] = np.add
            self.bwd.append([f"_u_add({name}, {c}, {name})", comment])
            np.add(self.val[name], self.val[c], out=self.val[name])
            return
        new = self.fresh("G")
        self.ufunc(self.bwd, self.bbuf, new, "add", [name, c], comment)
        acc[ref] = (new, True)


def generate(graph, parents, needs, labels, parent_of, hot=True, fuse=False):
    """Source and functions for one trace. parent_of(tensor) -> index of a parent or None.

    Returns a dict: program(fws, bws, *arrays), a generator that yields the outputs, then a
    gradient (or None) per parent for each tuple of cotangents sent; buffer specs, output
    kinds and the source text."""
    gen = Generator(parents, needs, labels, hot)
    ref_of, infos, outs_of = {}, [], []
    arrays = {}                                    # id(array) -> var, for detached aliases
    for i, t in enumerate(parents):
        arrays.setdefault(id(t.data), gen.parents[i])
    for node in graph.steps:
        refs = []
        for edge, parent, x in zip(node.edges, node.parents, node.inputs):
            if edge is not None and id(edge) in ref_of:
                refs.append(ref_of[id(edge)])
                continue
            t = edge if edge is not None else parent
            k = parent_of(t) if isinstance(t, _engine.Tensor) else None
            if k is not None:
                refs.append(gen.parents[k])
            elif isinstance(x, np.ndarray) and id(x) in arrays:
                refs.append(arrays[id(x)])
            elif isinstance(x, (bool, int, float)) and not isinstance(x, bool) \
                    and np.isfinite(x):
                refs.append((x, x))
            else:
                refs.append(gen.const(x))
        out = gen.fresh("v")
        infos.append(gen.forward_step(node, refs, out))
        ref_of[id(node)] = out
        outs_of.append(out)
        if isinstance(node.out, np.ndarray):
            arrays[id(node.out)] = out
    # outputs: a var (differentiable or not), an argument itself, or a constant
    kinds, out_refs = [], []
    for t in graph.outputs:
        if t.grad_fn is not None and id(t.grad_fn) in ref_of:
            r = ref_of[id(t.grad_fn)]
            kinds.append(("diff" if r in gen.grad else "plain", len(out_refs)))
            out_refs.append(r)
        elif parent_of(t) is not None:
            kinds.append(("input", parent_of(t)))
        else:
            kinds.append(("plain", len(out_refs)))
            out_refs.append(gen.const(t.data))
    # backward: seeds into the differentiable outputs, then the nodes newest first
    acc, seeds = {}, []
    for kind, j in kinds:
        if kind == "diff":
            r = out_refs[j]
            s = gen.fresh("seed")
            seeds.append(s)
            gen.val[s] = np.ones(np.shape(gen.val[r]), np.asarray(gen.val[r]).dtype)
            if gen.val[s].shape == () and gen.val[s].dtype == np.float64:   # see Generator.ufunc
                gen.bwd.append([f"{s} = float({s})", "the cotangent as a Python float"])
                gen.val[s] = gen.val[s][()]
                gen.pyfloat.add(s)
                gen.seed_arrays.add(s)
                gen.scalar.add(s)
            gen.accumulate(acc, r, s, f"seed of output {j}")
    for node, out, info in zip(reversed(graph.steps), reversed(outs_of), reversed(infos)):
        if out not in gen.grad or out not in acc:
            continue
        g = acc.pop(out)[0]
        contrib = gen.vjp_step(node, out, g, info)
        for i, (ref, c) in enumerate(zip(info["refs"], contrib)):
            if not info["edges"][i]:
                continue
            if c is None:
                if ref in gen.parents:         # a leaf: nothing arrives
                    continue
                c = gen.fresh("z")
                v = np.asarray(gen.val[ref])
                gen.val[c] = np.zeros(v.shape, v.dtype)
                gen.bwd.append([f"{c} = np.zeros({v.shape!r}, {gen.const(v.dtype)})",
                                f"{node.name}: no gradient for input {i}"])
            c = gen.shape_fix(c, ref, node.name)
            gen.accumulate(acc, ref, c, f"{node.name}: gradient of {gen.label(ref)}")
    results = []
    for name, need in zip(gen.parents, needs):
        got = acc.get(name) if need else None
        results.append(None if got is None else got[0])
    if fuse:
        from .fuse import fuse_lines
        fuse_lines(gen, out_refs, results)
    return _assemble(gen, kinds, out_refs, seeds, results)


def _assemble(gen, kinds, out_refs, seeds, results):
    """Put the lines together as one generator: the forward pass, `yield` of the outputs,
    then (on each send of the cotangents) the backward pass and `yield` of the gradients.
    Its frame keeps the forward values for the backward: nothing is packed or copied."""
    tup = lambda names: f"({', '.join(names)}{',' if len(names) == 1 else ''})"  # noqa: E731

    def unbuffered(lines, r):
        """r's defining ufunc line without its buffer (a fresh array we may hand out)."""
        for line in lines:
            if line[0].startswith(f"{r} = _u_") and re.search(r", (out=)?[bc]\d+\)$", line[0]):
                line[0] = re.sub(r", (out=)?[bc]\d+\)$", ")", line[0])
                return True
        return False

    def handed_out(lines, r, keep):
        if r in gen.scalar:
            return f"_A({r})"
        if r.startswith("K"):
            return f"{r}.copy()"
        if r in gen.ws_alias and (r in keep or not unbuffered(lines, r)):
            return f"{r}.copy()"
        return r
    back_text = "\n".join(c for c, _ in gen.bwd)
    used_back = set(re.findall(r"\b[a-z]\w*\b", back_text))
    returned = [handed_out(gen.fwd, r, used_back) for r in out_refs]
    grads = ["None" if r is None else handed_out(gen.bwd, r, ()) for r in results]
    body = "\n".join(c for c, _ in gen.pre + gen.fwd + gen.bwd) + "".join(returned + grads)
    names = set(re.findall(r"\b\w+\b", body))
    bound = [n for n in gen.ns if n in names]       # constants and functions as fast locals
    head = (f"def program(fws, bws{''.join(', ' + p for p in gen.parents)}, *, "
            f"{', '.join(f'{n}={n}' for n in bound)}):" if bound else
            f"def program(fws, bws{''.join(', ' + p for p in gen.parents)}):")
    lines = [head, '    """The forward pass; then, per send of the cotangents, the backward."""']
    if gen.fbuf:
        lines.append(f"    {tup([f'b{i}' for i in range(len(gen.fbuf))])} = fws")
    lines += [f"    {c:<60}  # {m}" for c, m in gen.pre]
    lines += [f"    {c:<60}  # {m}" if m else f"    {c}" for c, m in gen.fwd]
    lines.append(f"    seeds = yield {tup(returned)}")
    lines.append("    # ----- backward: the ops newest first, each one's vjp -----")
    if gen.bbuf:
        lines.append(f"    {tup([f'c{i}' for i in range(len(gen.bbuf))])} = bws")
    lines.append("    while True:")
    if seeds:
        lines.append(f"        {tup(seeds)} = seeds")
    lines += [f"        {c:<56}  # {m}" if m else f"        {c}" for c, m in gen.bwd]
    lines.append(f"        seeds = yield {tup(grads)}")
    if getattr(gen, "kernel_src", None):     # the numba backend's fused loops, first
        lines = ["# ----- fused loops (numba): the elementwise runs of the program below -----"] \
            + [k + "\n" for k in gen.kernel_src] + lines
    source = "\n".join(lines) + "\n"
    filename = f"<tg.compile #{next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    ns = dict(gen.ns)
    exec(builtins.compile(source, filename, "exec"), ns)
    return {"program": ns["program"], "source": source, "fbuf": gen.fbuf, "bbuf": gen.bbuf,
            "kinds": kinds, "kernels": getattr(gen, "kernels", [])}
