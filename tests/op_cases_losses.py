"""Op-table cases of tinygrad_ku/nn/losses.py (the ops NllLoss, BinaryCrossEntropy,
BCEWithLogits, LogSoftmax of tinygrad_ku/ops/nn.py and compositions of Tensor ops).

Class targets come from two domains added here: `labels3_ignored` (some targets are
PyTorch's default ignore_index -100, never all of them) and `probs_dim1` (class
probabilities along dim 1, the class dim of (N, C, d1, ...)). Weights are parameters;
the weights PyTorch differentiates (mse / l1 / huber) are a third input.
"""
import numpy as np

from op_table import DOMAINS, Case, Domain, near

REDUCTIONS = ("mean", "sum", "none")
W3 = np.array([0.5, 1.0, 2.0])          # per-class weights, 3 classes
_CONST = "a constant input (class labels, probabilities): programs pass tensors"
_THREE = "three inputs: programs compose ops of one or two"


def _labels_some_ignored(rng, shape):
    t = rng.integers(0, 3, shape)
    if t.size > 1:
        drop = rng.random(shape) < 0.3
        drop.flat[0] = False             # a mean over no kept target is nan
        t[drop] = -100
    return t


def _probs_along_dim1(rng, shape):
    if len(shape) < 2:
        return rng.dirichlet(np.ones(shape[0]), shape[:0])
    p = rng.dirichlet(np.ones(shape[1]), shape[:1] + shape[2:])
    return np.moveaxis(p, -1, 1)


DOMAINS.setdefault("labels3_ignored", Domain(_labels_some_ignored, const=True))
DOMAINS.setdefault("probs_dim1", Domain(_probs_along_dim1, const=True))


def _reductions(extra=({},)):
    return lambda s: [dict(reduction=r, **e) for e in extra for r in REDUCTIONS]


def _same(reduced=()):
    """out_shape of a loss of two same-shape inputs: () reduced, the input's shape for 'none'."""
    return lambda s, p: (s[0] if p["reduction"] == "none" else reduced) if s[0] == s[1] else None


def _d(xs):
    return np.subtract(xs[0], xs[1])


SAME_SHAPES = [((4, 3), (4, 3)), ((), ()), ((2, 1, 3), (2, 1, 3)), ((0, 3), (0, 3))]
CLASS_SHAPES = [((4, 3), (4,)), ((2, 3, 4), (2, 4)), ((2, 3, 2, 2), (2, 2, 2)), ((3,), ()),
                ((0, 3), (0,))]


def cases():
    return [
        # ----- class targets ---------------------------------------------------------------
        Case("cross_entropy_kdim", "F.cross_entropy({x}, {y}, reduction={reduction})",
             [((2, 3, 4), (2, 4)), ((2, 3, 2, 2), (2, 2, 2)), ((0, 3, 2), (0, 2))],
             ("real", "labels3"), params=_reductions(), fuzz=_CONST),
        Case("cross_entropy_weighted",
             "F.cross_entropy({x}, {y}, weight={w}, label_smoothing={ls}, reduction={reduction})",
             CLASS_SHAPES, ("real", "labels3_ignored"),
             params=_reductions([{"w": w, "ls": ls} for w in (None, W3) for ls in (0.0, 0.2)]),
             fuzz=_CONST),
        Case("cross_entropy_ignore_index",
             "F.cross_entropy({x}, {y}, weight={w}, ignore_index=2, label_smoothing=0.1, "
             "reduction={reduction})",
             [((6, 3), (6,)), ((2, 3, 3), (2, 3))], ("real", "labels3"),
             params=_reductions([{"w": None}, {"w": W3}]), fuzz=_CONST),
        Case("cross_entropy_probs_weighted",
             "F.cross_entropy({x}, {y}, weight={w}, label_smoothing={ls}, reduction={reduction})",
             [((4, 3), (4, 3)), ((2, 3, 4), (2, 3, 4)), ((3,), (3,)), ((0, 3), (0, 3))],
             ("real", "probs_dim1"),
             params=_reductions([{"w": w, "ls": ls} for w in (None, W3) for ls in (0.0, 0.2)]),
             fuzz=_CONST),
        # probabilities that require grad: the target is differentiated too
        Case("cross_entropy_soft_targets",
             "F.cross_entropy({x}, F.softmax({y}, dim=1), label_smoothing={ls}, "
             "reduction={reduction})",
             [((4, 3), (4, 3)), ((2, 3, 2), (2, 3, 2))], ("real", "real"),
             params=_reductions([{"ls": 0.0}, {"ls": 0.3}]),
             out_shape=lambda s, p: None if s[0] != s[1] or len(s[0]) < 2 or not all(s[0]) else
             (s[0][:1] + s[0][2:] if p["reduction"] == "none" else ())),
        Case("nll_loss_weighted",
             "F.nll_loss({x}, {y}, weight={w}, reduction={reduction})",
             CLASS_SHAPES, ("real", "labels3_ignored"),
             params=_reductions([{"w": None}, {"w": W3}]), fuzz=_CONST),
        Case("CrossEntropyLoss_module",
             "tg.nn.CrossEntropyLoss(weight={w}, label_smoothing=0.1)({x}, {y})",
             [((4, 3), (4,)), ((2, 3, 2), (2, 2))], ("real", "labels3_ignored"),
             params=lambda s: [{"w": None}, {"w": W3}], fuzz=_CONST),
        # ----- regression ------------------------------------------------------------------
        Case("l1_loss", "F.l1_loss({x}, {y}, reduction={reduction})", SAME_SHAPES,
             ("real", "real"), params=_reductions(), out_shape=_same(),
             kink=lambda xs, p: near(_d(xs)),
             conventions=(({"reduction": "sum"}, (0.0, 0.0), (0.0, 0.0)),)),   # sign(0) = 0
        Case("smooth_l1_loss", "F.smooth_l1_loss({x}, {y}, reduction={reduction}, beta={beta})",
             SAME_SHAPES, ("real", "real"),
             params=_reductions([{"beta": b} for b in (0.0, 0.5, 1.0)]), out_shape=_same(),
             kink=lambda xs, p: near(np.abs(_d(xs)), p["beta"]) if p["beta"] else near(_d(xs)),
             conventions=(({"reduction": "sum", "beta": 0.0}, (0.0, 0.0), (0.0, 0.0)),
                          # at |d| = beta both pieces have slope sign(d)
                          ({"reduction": "sum", "beta": 1.0}, (1.0, 0.0), (1.0, -1.0)))),
        Case("huber_loss", "F.huber_loss({x}, {y}, reduction={reduction}, delta={delta})",
             SAME_SHAPES, ("real", "real"),
             params=_reductions([{"delta": d} for d in (0.5, 1.0, 2.0)]), out_shape=_same(),
             kink=lambda xs, p: near(np.abs(_d(xs)), p["delta"]),
             conventions=(({"reduction": "sum", "delta": 0.5}, (0.5, 0.0), (0.5, -0.5)),)),
        Case("mse_loss_reductions", "F.mse_loss({x}, {y}, reduction={reduction})",
             SAME_SHAPES, ("real", "real"), params=_reductions(), out_shape=_same()),
        Case("mse_loss_weighted", "F.mse_loss({x}, {y}, reduction={reduction}, weight={z})",
             [((4, 3), (4, 3), (4, 3)), ((), (), ())], ("real", "real", "positive"),
             params=_reductions(), fuzz=_THREE),
        Case("l1_loss_weighted", "F.l1_loss({x}, {y}, reduction={reduction}, weight={z})",
             [((4, 3), (4, 3), (4, 3))], ("real", "real", "positive"), params=_reductions(),
             kink=lambda xs, p: near(_d(xs)), fuzz=_THREE),
        Case("huber_loss_weighted",
             "F.huber_loss({x}, {y}, reduction={reduction}, delta=0.5, weight={z})",
             [((4, 3), (4, 3), (4, 3))], ("real", "real", "positive"), params=_reductions(),
             kink=lambda xs, p: near(np.abs(_d(xs)), 0.5), fuzz=_THREE),
        # ----- binary targets --------------------------------------------------------------
        Case("bce", "F.binary_cross_entropy({x}, {y}, reduction={reduction})",
             SAME_SHAPES, ("unit", "unit"), params=_reductions(), out_shape=_same(),
             fuzz="probabilities that round to 0 or 1 (a saturated sigmoid) meet PyTorch's "
                  "clamps, where central differences see a flat loss"),
        Case("bce_weighted", "F.binary_cross_entropy({x}, {y}, weight={w}, reduction={reduction})",
             [((4, 3), (4, 3))], ("unit", "binary"),
             params=_reductions([{"w": W3}, {"w": np.array([[1.0], [0.5], [2.0], [1.5]])}]),
             fuzz=_CONST),
        Case("bce_logits_weighted",
             "F.binary_cross_entropy_with_logits({x}, {y}, weight={w}, pos_weight={pw}, "
             "reduction={reduction})",
             [((4, 3), (4, 3)), ((2, 1, 3), (2, 1, 3)), ((0, 3), (0, 3))], ("real", "unit"),
             params=_reductions([{"w": None, "pw": W3}, {"w": W3[::-1].copy(), "pw": None},
                                 {"w": W3, "pw": np.array([3.0, 0.2, 1.0])}]),
             fuzz="the weights have the class count 3: random shapes rarely fit"),
        # ----- distributions ---------------------------------------------------------------
        Case("kl_div", "F.kl_div({x}, {y}, reduction={reduction})",
             SAME_SHAPES, ("real", "positive"),
             params=lambda s: [{"reduction": r} for r in ("batchmean", "sum", "none")],
             out_shape=_same()),
        # its gradients are e^target (t − x + 1) and −e^target: where e^target is huge they
        # cancel (through x = t) to rounding, which no float64 gradient can resolve
        Case("kl_div_log_target", "F.kl_div({x}, {y}, reduction={reduction}, log_target=True)",
             SAME_SHAPES, ("real", "real"),
             params=lambda s: [{"reduction": r} for r in ("batchmean", "sum", "none")],
             out_shape=_same(),
             kink=lambda xs, p: -1.0 if np.size(xs[1]) and np.max(xs[1]) > 9.0 else np.inf),
        Case("gaussian_nll_loss",
             "F.gaussian_nll_loss({x}, {y}, {z}, full={full}, reduction={reduction})",
             [((4, 3), (4, 3), (4, 3)), ((4, 3), (4, 3), (4,)), ((4, 3), (4, 3), (4, 1)),
              ((2, 3, 2), (2, 3, 2), (1, 3, 2)), ((4, 3), (3,), (4, 3)), ((), (), ())],
             ("real", "real", "positive"),
             params=_reductions([{"full": False}, {"full": True}]), fuzz=_THREE),
        Case("gaussian_nll_loss_float_var", "F.gaussian_nll_loss({x}, {y}, 0.7, "
             "reduction={reduction})", SAME_SHAPES, ("real", "real"), params=_reductions(),
             out_shape=_same()),
        Case("poisson_nll_loss", "F.poisson_nll_loss({x}, {y}, log_input=True, "
             "reduction={reduction})", SAME_SHAPES, ("real", "positive"), params=_reductions(),
             out_shape=_same()),
        Case("poisson_nll_loss_rate", "F.poisson_nll_loss({x}, {y}, log_input=False, "
             "reduction={reduction})", SAME_SHAPES, ("positive", "positive"),
             params=_reductions(), out_shape=_same()),
        # Stirling's term is added where target > 1: the loss jumps there
        Case("poisson_nll_loss_full", "F.poisson_nll_loss({x}, {y}, log_input={log_input}, "
             "full=True, reduction={reduction})", SAME_SHAPES[:3], ("positive", "positive"),
             params=_reductions([{"log_input": True}, {"log_input": False}]),
             kink=lambda xs, p: near(xs[1], 1.0),
             fuzz="the loss jumps at target = 1, and the kink check needs unlifted inputs"),
    ]
