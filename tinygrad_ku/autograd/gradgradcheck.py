"""`gradgradcheck`: second derivatives of f checked against central differences of its first derivatives."""
import numpy as np

from .. import grad_mode
from ..tensor import Tensor
from .grad import grad
from .gradcheck import GradcheckError, _as_tuple, _float64_leaves, gradcheck


def gradgradcheck(func, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, seed=0):
    """gradcheck of (x, v) ↦ ∂(vᵀ f(x))/∂x, whose Jacobian holds f's second derivatives (float64).

    The backward pass is recorded with create_graph=True and differentiated by
    the engine, then compared with central differences of that first-order
    gradient, with respect to the inputs and to the cotangents v
    (`grad_outputs`; drawn from N(0, 1) with `seed` when not given, as PyTorch).
    """
    inputs = _float64_leaves(_as_tuple(inputs))
    n = len(inputs)
    if not any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
        raise ValueError("gradgradcheck: at least one input must be a Tensor with "
                         "requires_grad=True")
    with grad_mode.enable_grad():
        outs = _as_tuple(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = tuple(Tensor(rng.standard_normal(o.shape), requires_grad=True)
                             for o in outs)
    else:
        grad_outputs = tuple(Tensor(np.array(g.data if isinstance(g, Tensor) else g,
                                             dtype=np.float64), requires_grad=True)
                             for g in _as_tuple(grad_outputs))
        for i, (g, o) in enumerate(zip(grad_outputs, outs)):
            if g.shape != o.shape:
                raise ValueError(f"gradgradcheck: grad_outputs[{i}] has shape {g.shape} but "
                                 f"output {i} has shape {o.shape}")
    if len(grad_outputs) != len(outs):
        raise ValueError(f"gradgradcheck: got {len(grad_outputs)} grad_outputs for "
                         f"{len(outs)} outputs")

    def first_derivatives(*args):
        xs, vs = args[:n], args[n:]
        wrt = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        with grad_mode.enable_grad():
            ys = _as_tuple(func(*xs))
            pairs = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
            if not pairs:
                return tuple(Tensor(np.zeros(x.shape)) for x in wrt)
            gs = grad([y for y, _ in pairs], wrt, [v for _, v in pairs], create_graph=True,
                      allow_unused=True, materialize_grads=True)
        return tuple(gs)

    try:
        return gradcheck(first_derivatives, tuple(inputs) + grad_outputs, eps=eps, atol=atol,
                         rtol=rtol, raise_exception=raise_exception)
    except GradcheckError as err:
        raise GradcheckError(
            f"gradgradcheck: second derivatives disagree. Outputs here are the first "
            f"derivatives d(vᵀf)/dx_k (one per input requiring grad); inputs 0..{n - 1} are "
            f"f's inputs and inputs {n}.. are the cotangents v. {err}") from None
