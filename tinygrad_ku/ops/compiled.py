"""The call of a compiled function as ONE node of the engine's graph (see tinygrad_ku.compile).

Forward runs the generated forward code on the arguments' arrays (and the tensors f
captured); vjp runs the generated backward code on what forward saved. With several
differentiable outputs the node's output is their concatenation (flattened, in order)
and each output Tensor is a slice of it.
"""
import numpy as np

from ..engine import Function
from ._dispatch import is_tensor


class Lease:
    """A workspace (forward and backward buffers) borrowed from a program's pool for one call;
    it goes back when the lease is dropped: after backward() frees the node, or at once
    when no graph is recorded."""
    __slots__ = ("ws", "pool")

    def __init__(self, pool, make):
        self.pool = pool
        try:
            self.ws = pool.pop()
        except IndexError:
            self.ws = make()

    def __del__(self):
        if len(self.pool) < 4:
            self.pool.append(self.ws)


class CompiledCall(Function):
    """f(*inputs) by the generated code: forward ran it, vjp runs the generated backward pass.

    Params: `prog` (the program of this input signature) and `call` (the arguments as
    given, for the eager re-run that create_graph needs)."""
    self_contained = True              # its vjp runs generated NumPy code: it records no op
    needs_out = False                  # the backward reads what forward saved, not the output

    def forward(self, *arrays):
        prog = self.prog
        self.lease = lease = Lease(prog.pool, prog.make_workspace)
        self.run = run = prog.program(*lease.ws, *arrays)   # the generated code, paused after
        outs = next(run)               # its forward pass until vjp sends the cotangents
        if prog.single:
            return outs[0]
        self.outs = outs
        return np.concatenate([outs[j].reshape(-1) for j in prog.diff]).astype(
            prog.pack_dtype, copy=False)

    def vjp(self, g, out, *inputs):
        if is_tensor(g):               # create_graph=True: f again, eagerly, on graph inputs
            return self.prog.eager_vjp(self, g, inputs)
        prog = self.prog
        if len(prog.diff) == 1:
            return self.run.send((g,))
        return self.run.send(tuple(g[a:b].reshape(shape).astype(dtype, copy=False)
                                   for (a, b), shape, dtype in prog.spans))
