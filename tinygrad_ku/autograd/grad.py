"""`grad`: gradients of outputs with respect to chosen inputs, without touching `.grad`."""
from .. import engine
from ..tensor import Tensor, _root_gradient


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """Σ_k grad_outputs[k]ᵀ ∂outputs[k]/∂inputs, one Tensor per input (as torch.autograd.grad)."""
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs) if isinstance(grad_outputs, (Tensor, list, tuple)) \
            else (grad_outputs,)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: output {i} (shape {t.shape}) does not require grad and "
                               f"has no grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = [_root_gradient(o, g, "grad", create_graph) for o, g in zip(outputs, grad_outputs)]
    results = engine.backward(list(outputs), seeds, retain_graph, create_graph, list(inputs))
    out = []
    for i, (t, g) in enumerate(zip(inputs, results)):
        if g is None:
            if materialize_grads:
                from ..tensor import zeros_like
                out.append(zeros_like(t))
                continue
            if not allow_unused:
                raise RuntimeError(f"grad: input {i} (shape {t.shape}) was not used in the graph "
                                   f"of the outputs; pass allow_unused=True to get None for it")
            out.append(None)
        elif isinstance(g, Tensor):
            out.append(g)
        else:
            import numpy as np
            if g.dtype != t.dtype:
                g = g.astype(t.dtype)
            out.append(Tensor._make(np.array(g), False, None))
    return tuple(out)
