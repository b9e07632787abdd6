"""Op-table cases of the functional activations and layer helpers (tinygrad_ku/nn/activations.py,
tinygrad_ku/ops/activation.py): gelu, silu, elu, selu, leaky_relu, hardtanh, relu6,
hardsigmoid, hardswish, softplus(beta, threshold), softsign, logsigmoid, mish, tanhshrink,
normalize, pad, layer_norm, batch_norm, embedding.

The kink conventions are PyTorch 2.13's gradients at the break points (checked there):
elu'(0) = alpha, selu'(0) = scale·alpha, leaky_relu'(0) = negative_slope, hardtanh passes
nothing at its bounds (relu6'(0) = relu6'(6) = 0, hardsigmoid'(±3) = 0), hardswish'(-3) = 0,
hardswish'(3) = 1, and softplus(beta=2, threshold=1)'(0.5) = sigmoid(1) (βx = threshold is
still the softplus branch)."""
import math

import numpy as np

import tinygrad_ku as tg
import tinygrad_ku.nn.functional as F
from op_table import Case, _one, elementwise, near

_CONST = "a constant input (class labels): programs pass tensors"
_erf = np.vectorize(math.erf, otypes=[float])


def _kinks(*points, scale=1.0):
    """Distance of scale·x to the nearest of the points."""
    return lambda xs, p: min(near(np.asarray(xs[0]) * scale, a) for a in points)


def _gelu_ref(x):
    return x * 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))


def _gelu_tanh_ref(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def _try_shape(expr):
    """out_shape by running the expression on zeros (None where it refuses the shapes)."""
    def out_shape(s, p):
        try:
            return tuple(expr(*[tg.zeros(*sh) for sh in s], **p).shape)
        except (ValueError, RuntimeError, NotImplementedError, IndexError):
            return None
    return out_shape


def _elementwise_cases():
    e = elementwise
    return [
        e("gelu", "F.gelu({x})", ref=_gelu_ref),
        e("gelu_tanh", "F.gelu({x}, approximate='tanh')", ref=_gelu_tanh_ref),
        e("silu", "F.silu({x})", ref=lambda x: x / (1.0 + np.exp(-x))),
        e("elu", "F.elu({x}, alpha={alpha})", params=lambda s: [{"alpha": 1.0}, {"alpha": 0.5}],
          kink=_kinks(0.0), conventions=(({"alpha": 0.5}, (0.0,), (0.5,)),),
          ref=lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(x))),
        # PyTorch 2.13 gives selu'(0) = 1.7580993408473766
        e("selu", "F.selu({x})", kink=_kinks(0.0), conventions=(({}, (0.0,),
                                                                  (1.7580993408473766,)),)),
        e("leaky_relu", "F.leaky_relu({x}, {slope})",
          params=lambda s: [{"slope": 0.01}, {"slope": 0.2}, {"slope": -0.5}],
          kink=_kinks(0.0), conventions=(({"slope": 0.2}, (0.0,), (0.2,)),),
          ref=lambda x, slope: np.where(x > 0, x, slope * x)),
        e("hardtanh", "F.hardtanh({x}, {lo}, {hi})",
          params=lambda s: [{"lo": -1.0, "hi": 1.0}, {"lo": -0.5, "hi": 1.5}],
          kink=lambda xs, p: _kinks(p["lo"], p["hi"])(xs, p),
          conventions=(({"lo": -1.0, "hi": 1.0}, ([-1.0, 1.0, np.nan],), ([0.0, 0.0, 1.0],)),),
          ref=lambda x, lo, hi: np.clip(x, lo, hi)),
        e("relu6", "F.relu6({x} * 4.0)", kink=_kinks(0.0, 6.0, scale=4.0),
          conventions=(({}, ([0.0, 1.5],), ([0.0, 0.0],)),)),
        e("hardsigmoid", "F.hardsigmoid({x} * 2.0)", kink=_kinks(-3.0, 3.0, scale=2.0),
          conventions=(({}, ([-1.5, 1.5],), ([0.0, 0.0],)),)),
        e("hardswish", "F.hardswish({x} * 2.0)", kink=_kinks(-3.0, 3.0, scale=2.0),
          conventions=(({}, ([-1.5, 1.5],), ([0.0, 2.0],)),),      # 2 hardswish'(2x)
          ref=lambda x: 2 * x * np.clip(2 * x + 3, 0, 6) / 6),
        # PyTorch 2.13 gives softplus(x, beta=2, threshold=1)'(0.5) = 0.7310585786300049
        e("softplus_beta", "F.softplus({x}, beta={beta}, threshold={threshold})",
          params=lambda s: [{"beta": 1.0, "threshold": 20.0}, {"beta": 2.0, "threshold": 1.0},
                            {"beta": 0.5, "threshold": 0.5}],
          kink=lambda xs, p: near(np.asarray(xs[0]) * p["beta"], p["threshold"]),
          conventions=(({"beta": 2.0, "threshold": 1.0}, ([0.5, 0.75],),
                        ([0.7310585786300049, 1.0],)),),
          ref=lambda x, beta, threshold: np.where(x * beta > threshold, x,
                                                  np.log1p(np.exp(beta * x)) / beta)),
        e("softsign", "F.softsign({x})", ref=lambda x: x / (1.0 + np.abs(x))),
        e("logsigmoid", "F.logsigmoid({x})", ref=lambda x: -np.log1p(np.exp(-x))),
        e("mish", "F.mish({x})", ref=lambda x: x * np.tanh(np.log1p(np.exp(x)))),
        e("tanhshrink", "F.tanhshrink({x})", ref=lambda x: x - np.tanh(x)),
    ]


def _normalize_kink(xs, p):
    x = np.asarray(xs[0])
    norms = np.sum(np.abs(x) ** p["p"], axis=p["dim"]) ** (1.0 / p["p"]) if x.ndim else abs(x)
    return min(near(norms), near(x) if p["p"] == 1 else np.inf)


_PAD = lambda x, pad, mode="constant", value=None: F.pad(x, pad, mode=mode, value=value)  # noqa


def _layer_cases():
    return [
        Case("normalize", "F.normalize({x}, p={p}, dim={dim})",
             _one([(2, 3), (3,), (1, 3), (0, 3), (2, 1, 3)]),
             params=lambda s: [{"p": q, "dim": d} for q in (2.0, 1.0, 3.0)
                               for d in ((1, -1, 0) if len(s[0]) >= 2 else (0,))],
             out_shape=lambda s, p: s[0] if -len(s[0]) <= p["dim"] < len(s[0]) else None,
             kink=_normalize_kink),
        Case("pad", "F.pad({x}, {pad}, value={value})",
             _one([(2, 3), (3,), (2, 1, 3), (0, 3), ()]),
             params=lambda s: [{"pad": q, "value": v} for q in ((1, 2), (0, 1, 2, 0), (-1, 1),
                                                                 (1, -1, 1, 0), ())
                               for v in (0.0, 1.5)],
             out_shape=_try_shape(_PAD)),
        Case("pad_modes", "F.pad({x}, {pad}, mode={mode})",
             _one([(2, 4), (1, 2, 4), (1, 2, 3, 4)]),
             params=lambda s: [{"pad": q, "mode": m} for m in ("reflect", "replicate", "circular")
                               for q in ((1, 2), (2, 1, 1, 0), (-1, 2), (3, 0))],
             out_shape=_try_shape(_PAD)),
        Case("layer_norm", "F.layer_norm({x}, {shape}, eps={eps})",
             _one([(2, 3), (3,), (2, 1, 3), (0, 3), (4, 2, 3), (3, 1)]),
             params=lambda s: [{"shape": s[0][-k:], "eps": eps} for k in (1, 2)
                               if len(s[0]) >= k for eps in (1e-5, 0.1)],
             out_shape=lambda s, p: s[0] if tuple(s[0][-len(p["shape"]):]) == p["shape"]
             else None),
        Case("layer_norm_affine", "F.layer_norm({x}, {y}.shape, {y}, {z})",
             [((2, 3), (3,), (3,)), ((4, 2, 3), (2, 3), (2, 3))], ("real", "real", "real"),
             fuzz="three inputs: programs compose ops of one or two"),
        Case("batch_norm", "F.batch_norm({x}, None, None, training=True, eps={eps})",
             _one([(4, 3), (3, 2, 4), (2, 1), (0, 3)]),
             params=lambda s: [{"eps": 1e-5}, {"eps": 0.1}],
             out_shape=_try_shape(lambda x, eps: F.batch_norm(x, None, None, training=True))),
        Case("batch_norm_affine", "F.batch_norm({x}, None, None, {y}, {z}, training=True)",
             [((4, 3), (3,), (3,)), ((3, 2, 4), (2,), (2,))], ("real", "real", "real"),
             fuzz="three inputs: programs compose ops of one or two"),
        Case("batch_norm_eval", "F.batch_norm({x}, np.full({x}.shape[1], 0.5), "
             "np.full({x}.shape[1], 2.0), {y}, {z})",
             [((4, 3), (3,), (3,)), ((3, 2, 4), (2,), (2,))], ("real", "real", "real"),
             fuzz="three inputs: programs compose ops of one or two"),
        # padding_idx cuts the gradient of a row the forward reads: tests/test_layers.py
        Case("embedding", "F.embedding({y}, {x})",
             [((3, 2), (4,)), ((3, 2), (2, 2)), ((3, 2), ()), ((3, 2), (0,))],
             ("real", "labels3"), fuzz=_CONST),
    ]


def _linear_cases():
    return [
        Case("linear", "F.linear({x}, {y}, {z})",
             [((4, 3), (2, 3), (2,)), ((3,), (2, 3), (2,)), ((2, 5, 3), (2, 3), (2,)),
              ((0, 3), (2, 3), (2,)), ((4, 3), (1, 3), ())], ("real", "real", "real"),
             fuzz="three inputs", ref=lambda x, w, b: x @ w.T + b),
        Case("linear_no_bias", "F.linear({x}, {y})",
             [((4, 3), (2, 3)), ((3,), (2, 3)), ((2, 1, 3), (5, 3))], ("real", "real"),
             out_shape=lambda s, p: s[0][:-1] + s[1][:1]
             if len(s[1]) == 2 and len(s[0]) >= 1 and s[0][-1] == s[1][1] else None,
             ref=lambda x, w: x @ w.T),
    ]


def cases():
    return _elementwise_cases() + _layer_cases() + _linear_cases()
