"""Modules as torch.nn: activations, Identity, Flatten, Unflatten, Dropout, Embedding, LayerNorm,
BatchNorm1d, and the containers ModuleList and ModuleDict (defined with Sequential in module.py).
Re-exported by `tg.nn`. Constructor arguments, attribute names, state_dict keys and repr()
are PyTorch's; parameters take the default dtype (tg.get_default_dtype()) unless dtype= says
otherwise."""
import numpy as np

from ..dtypes import check_device, float_or_default
from ..random import default_generator
from ..tensor import Tensor, _norm_axis, as_tensor
from . import activations as F
from .module import Module, ModuleDict, ModuleList, Parameter

__all__ = ["ReLU", "Tanh", "Sigmoid", "GELU", "SiLU", "ELU", "SELU", "LeakyReLU", "Softplus",
           "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "Softsign", "LogSigmoid", "Mish",
           "Tanhshrink", "Softmax", "LogSoftmax", "Identity", "Flatten", "Unflatten", "Dropout",
           "ModuleList", "ModuleDict", "Embedding", "LayerNorm", "BatchNorm1d"]


# ----- activations --------------------------------------------------------------------------
class _Inplace(Module):
    """An activation with PyTorch's `inplace` flag (shown in repr only when True)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU(_Inplace):
    """max(x, 0)."""

    def forward(self, input):
        return F.relu(input, self.inplace)


class Tanh(Module):
    """tanh(x)."""

    def forward(self, input):
        return F.tanh(input)


class Sigmoid(Module):
    """1 / (1 + e⁻ˣ)."""

    def forward(self, input):
        return F.sigmoid(input)


class GELU(Module):
    """x Φ(x), or its tanh approximation with approximate='tanh'."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(_Inplace):
    """x · sigmoid(x)."""

    def forward(self, input):
        return F.silu(input, self.inplace)


class ELU(Module):
    """x for x > 0, else α (eˣ - 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(_Inplace):
    """scale · elu(x, α), α ≈ 1.6733, scale ≈ 1.0507."""

    def forward(self, input):
        return F.selu(input, self.inplace)


class LeakyReLU(Module):
    """x for x > 0, else negative_slope · x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """log(1 + e^(βx)) / β, and x where βx > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """x clipped to [min_val, max_val]."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val cannot be greater than max_val, got min_val="
                             f"{min_val} > max_val={max_val}")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + \
            (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """min(max(x, 0), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(_Inplace):
    """relu6(x + 3) / 6."""

    def forward(self, input):
        return F.hardsigmoid(input, self.inplace)

    def extra_repr(self):
        return ""


class Hardswish(_Inplace):
    """x · relu6(x + 3) / 6."""

    def forward(self, input):
        return F.hardswish(input, self.inplace)

    def extra_repr(self):
        return ""


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, input):
        return F.softsign(input)


class LogSigmoid(Module):
    """log sigmoid(x)."""

    def forward(self, input):
        return F.logsigmoid(input)


class Mish(_Inplace):
    """x · tanh(softplus(x))."""

    def forward(self, input):
        return F.mish(input, self.inplace)


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, input):
        return F.tanhshrink(input)


class Softmax(Module):
    """exp(x) / Σ exp(x) along dim (dim=None: PyTorch's legacy choice, with a warning)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x - logsumexp(x) along dim."""

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)


# ----- shape and regularisation -------------------------------------------------------------
class Identity(Module):
    """The input itself (any constructor arguments are ignored)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Flatten(Module):
    """Dims start_dim..end_dim merged into one."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        input = as_tensor(input)
        nd = input.ndim
        for d in (self.start_dim, self.end_dim):
            _norm_axis(d, nd, "Flatten")
        if nd == 0:
            return input.reshape(1)
        start, end = self.start_dim % nd, self.end_dim % nd
        if start > end:
            raise RuntimeError(f"Flatten: start_dim {self.start_dim} cannot come after end_dim "
                               f"{self.end_dim} for input of shape {input.shape}")
        return input.flatten(start, end)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Dim `dim` split into the dims `unflattened_size` (one of them may be -1)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError(f"Unflatten: dim must be an int, got {type(dim).__name__}")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"unflattened_size must be a tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        for i, n in enumerate(unflattened_size):
            if not isinstance(n, int):
                raise TypeError(f"unflattened_size must be tuple of ints, but found element of "
                                f"type {type(n).__name__} at pos {i}")
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input):
        input = as_tensor(input)
        d = _norm_axis(self.dim, input.ndim, "Unflatten")[0]
        n, sizes = input.shape[d], list(self.unflattened_size)
        if sizes.count(-1) == 1:
            known = int(np.prod([s for s in sizes if s != -1]))
            sizes[sizes.index(-1)] = n // known if known and n % known == 0 else -1
        if sizes.count(-1) or int(np.prod(sizes)) != n:
            raise RuntimeError(f"Unflatten: sizes {list(self.unflattened_size)} don't multiply "
                               f"up to the size {n} of dim {self.dim} of input of shape "
                               f"{input.shape}")
        return input.reshape(input.shape[:d] + tuple(sizes) + input.shape[d + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Dropout(Module):
    """In training: each element zeroed with probability p, the rest scaled by 1 / (1 - p);
    in eval: the identity."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        F._check_p(p, "Dropout")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


# ----- embedding and normalisation ----------------------------------------------------------
class Embedding(Module):
    """A table of num_embeddings vectors of size embedding_dim, looked up by integer index;
    weight ~ N(0, 1), the row padding_idx zero and without gradient."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None, generator=None):
        super().__init__()
        check_device(device, "Embedding")
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: max_norm, scale_grad_by_freq and sparse are "
                                      "not supported")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = F._padding_idx(padding_idx, num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            rng = generator or default_generator()
            w = rng.standard_normal((num_embeddings, embedding_dim)).astype(float_or_default(dtype))
            if self.padding_idx is not None:
                w[self.padding_idx] = 0.0
        else:
            w = _weight.data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if w.shape != (num_embeddings, embedding_dim):
                raise AssertionError(f"Embedding: shape of weight {w.shape} does not match "
                                     f"(num_embeddings, embedding_dim) = "
                                     f"({num_embeddings}, {embedding_dim})")
        self.weight = Parameter(w, requires_grad=not _freeze)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        """An Embedding holding a copy of the 2-D `embeddings` (not trained if freeze)."""
        shape = np.shape(embeddings.data if isinstance(embeddings, Tensor) else embeddings)
        if len(shape) != 2:
            raise AssertionError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                                 f"{shape}")
        return cls(*shape, padding_idx=padding_idx, _weight=embeddings, _freeze=freeze)

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")


class LayerNorm(Module):
    """(x - mean) / √(var + eps) · weight + bias over the last len(normalized_shape) dims
    (weight ones, bias zeros)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        check_device(device, "LayerNorm")
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = float_or_default(dtype)
        self.register_parameter("weight", Parameter(np.ones(self.normalized_shape, dtype))
                                if elementwise_affine else None)
        self.register_parameter("bias", Parameter(np.zeros(self.normalized_shape, dtype))
                                if elementwise_affine and bias else None)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine="
                f"{self.elementwise_affine}, bias={self.bias is not None}")


class BatchNorm1d(Module):
    """Per channel (dim 1) of x (N, C) or (N, C, L): (x - mean) / √(var + eps) · weight + bias.
    Training uses the batch's statistics and updates running_mean and running_var
    (running ← (1 - momentum) running + momentum batch, the variance unbiased; momentum=None:
    the plain average over num_batches_tracked batches); eval uses the running ones."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        check_device(device, "BatchNorm1d")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = float_or_default(dtype)
        self.register_parameter("weight", Parameter(np.ones(num_features, dtype))
                                if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(num_features, dtype))
                                if affine and bias else None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self):
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            for t, v in ((self.running_mean, 0), (self.running_var, 1),
                         (self.num_batches_tracked, 0)):
                t.data[...] = v
                t._bump_version()

    def forward(self, input):
        input = as_tensor(input)
        if input.ndim not in (2, 3):
            raise ValueError(f"BatchNorm1d: expected 2D or 3D input (got {input.ndim}D input "
                             f"of shape {input.shape})")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            n = self.num_batches_tracked
            np.add(n.data, 1, out=n.data)
            n._bump_version()
            if self.momentum is None:        # the cumulative average of all batches so far
                factor = 1.0 / float(n.data)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine="
                f"{self.affine}, bias={self.bias is not None}, track_running_stats="
                f"{self.track_running_stats}")
