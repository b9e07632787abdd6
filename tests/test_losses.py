"""The losses of tg.nn.functional and tg.nn (tinygrad_ku/nn/losses.py): values against
closed forms written out in NumPy and against literals PyTorch 2.13 gave for the same
inputs, the module forms against the functional ones, reprs, the deprecated
size_average / reduce flags, and the mistakes PyTorch rejects (same exception class).
Gradients of every loss are checked by the op table (tests/op_cases_losses.py)."""
import math

import numpy as np
import pytest

import tinygrad_ku as tg
import tinygrad_ku.nn as nn
import tinygrad_ku.nn.functional as F
from tinygrad_ku.nn import losses

# (2, 3, 2): N = 2 samples, C = 3 classes, d1 = 2 positions
X3 = np.array([[[0.2, -1.0], [-0.5, 0.3], [1.0, 0.0]], [[0.3, 2.0], [0.1, -0.7], [-0.4, 0.5]]])
T3 = np.array([[0, 2], [-100, 1]])
W = np.array([0.5, 1.0, 2.0])
P3 = np.array([[[0.2, 0.5], [0.5, 0.25], [0.3, 0.25]], [[0.1, 0.6], [0.1, 0.3], [0.8, 0.1]]])


def _log_softmax(x, axis):
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _t(a, grad=True):
    return tg.tensor(np.array(a, dtype=np.float64), requires_grad=grad)


# ----- class targets ------------------------------------------------------------------------
def test_nll_loss_kdim_weighted_mean_divides_by_the_kept_weights():
    got = F.nll_loss(_t(X3), T3, weight=W).item()
    # kept: (0,0) class 0, (0,1) class 2, (1,1) class 1
    want = -(0.5 * 0.2 + 2.0 * 0.0 + 1.0 * -0.7) / (0.5 + 2.0 + 1.0)
    assert got == pytest.approx(want, rel=1e-14)
    assert got == pytest.approx(0.17142857142857143, rel=1e-14)     # PyTorch 2.13 gives


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_kdim_with_weight_ignore_and_smoothing_matches_the_formula(reduction):
    eps, C = 0.2, 3
    logp = _log_softmax(X3, 1)
    keep = T3 != -100
    t = np.where(keep, T3, 0)
    n, d = np.indices(t.shape)
    nll = -W[t] * logp[n, t, d] * keep                                  # (N, d1)
    smooth = -(W[None, :, None] * logp).sum(1) * keep
    if reduction == "none":
        want = (1 - eps) * nll + eps / C * smooth
    elif reduction == "sum":
        want = (1 - eps) * nll.sum() + eps / C * smooth.sum()
    else:
        want = ((1 - eps) * nll.sum() + eps / C * smooth.sum()) / W[t][keep].sum()
    got = F.cross_entropy(_t(X3), T3, weight=W, label_smoothing=eps, reduction=reduction)
    np.testing.assert_allclose(got.data, want, rtol=1e-13)


def test_cross_entropy_kdim_matches_pytorch():
    x = _t(X3)
    loss = F.cross_entropy(x, T3, weight=W, label_smoothing=0.2)
    loss.backward()
    # PyTorch 2.13 gives
    assert loss.item() == pytest.approx(1.549167439169156, rel=1e-13)
    np.testing.assert_allclose(x.grad.data, [
        [[-0.075194197606213, 0.0613802795613473], [0.005094037483970527, 0.24112051875312487],
         [0.07010016012224245, -0.30250079831447213]],
        [[0.0, 0.21928339269610503], [0.0, -0.23224194227531067], [0.0, 0.012958549579205614]]],
        rtol=1e-12, atol=1e-15)
    none = F.cross_entropy(_t(X3), T3, weight=W, label_smoothing=0.2, reduction="none")
    np.testing.assert_allclose(none.data, [[0.7723868794530666, 1.8463000150378033],
                                           [0.0, 2.8033991426011764]], rtol=1e-13)


def test_cross_entropy_gradient_is_weighted_softmax_minus_onehot():
    x = _t([[0.2, -0.5, 1.0], [0.3, 0.1, -0.4], [1.0, 2.0, 0.0]])
    t = np.array([2, -100, 0])
    F.cross_entropy(x, t, weight=W).backward()
    p = np.exp(_log_softmax(x.data, 1))
    onehot = np.eye(3)[[2, 0, 0]]
    w = np.array([2.0, 0.0, 0.5])                  # W[t], 0 for the ignored row
    np.testing.assert_allclose(x.grad.data, w[:, None] * (p - onehot) / w.sum(), rtol=1e-13)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_probability_targets_kdim(reduction):
    eps, C = 0.2, 3
    q = P3 * (1 - eps) + eps / C
    per = -(W[None, :, None] * q * _log_softmax(X3, 1)).sum(1)       # (N, d1)
    want = {"none": per, "sum": per.sum(), "mean": per.sum() / per.size}[reduction]
    got = F.cross_entropy(_t(X3), P3, weight=W, label_smoothing=eps, reduction=reduction)
    np.testing.assert_allclose(got.data, want, rtol=1e-13)
    if reduction == "mean":
        assert got.item() == pytest.approx(1.6178480885629718, rel=1e-13)  # PyTorch 2.13 gives


def test_cross_entropy_of_one_unbatched_sample():
    v, w = _t([0.2, -0.5, 1.0]), np.array([1.0, 2.0, 3.0])
    # PyTorch 2.13 gives 3.5085901456412625 ('none') and 1.7542950728206312 (mean: / w[1])
    none = F.cross_entropy(v, np.array(1), weight=w, label_smoothing=0.3, reduction="none")
    assert none.shape == () and none.item() == pytest.approx(3.5085901456412625, rel=1e-13)
    mean = F.cross_entropy(v, np.array(1), weight=w, label_smoothing=0.3)
    assert mean.item() == pytest.approx(1.7542950728206312, rel=1e-13)
    assert F.nll_loss(v, np.array([1]), reduction="none").shape == ()


def test_cross_entropy_negative_label_smoothing_is_none():
    x, t = _t([[0.2, -0.5, 1.0], [0.3, 0.1, -0.4]]), np.array([0, 2])
    # PyTorch 2.13 checks only label_smoothing <= 1 and smooths only when it is > 0
    assert F.cross_entropy(x, t, label_smoothing=-0.1).item() == F.cross_entropy(x, t).item()


def test_every_target_ignored_gives_nan_and_a_zero_gradient():
    x = _t([[0.2, -0.5, 1.0], [0.3, 0.1, -0.4]])
    for kw in ({}, {"weight": W}, {"label_smoothing": 0.1}):
        loss = F.cross_entropy(x, np.array([-100, -100]), **kw)
        assert np.isnan(loss.item())               # PyTorch 2.13: nan, gradient 0
        x.grad = None
        loss.backward()
        np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))


@pytest.mark.parametrize("probs", [False, True])
def test_empty_batch(probs):
    x = _t(np.zeros((0, 3)))
    t = np.zeros((0, 3)) if probs else np.zeros(0, dtype=np.int64)
    assert np.isnan(F.cross_entropy(x, t).item())           # PyTorch 2.13: nan, 0, empty
    assert F.cross_entropy(x, t, reduction="sum").item() == 0.0
    none = F.cross_entropy(x, t, reduction="none")
    assert none.shape == (0,)
    F.cross_entropy(x, t, reduction="sum").backward()
    assert x.grad.shape == (0, 3)


def test_ignored_targets_may_hold_any_value_and_a_minus_inf_logit():
    x = _t([[-np.inf, 0.0], [1.0, 2.0]])
    loss = F.cross_entropy(x, np.array([7, 1]), ignore_index=7)
    assert loss.item() == pytest.approx(np.log1p(np.exp(-1.0)))


def test_class_targets_changed_after_forward_leave_the_gradient_alone():
    x, t = _t(X3), T3.copy()
    loss = F.cross_entropy(x, t, weight=W, label_smoothing=0.2)
    t[...] = 1
    loss.backward()
    x2 = _t(X3)
    F.cross_entropy(x2, T3, weight=W, label_smoothing=0.2).backward()
    np.testing.assert_array_equal(x.grad.data, x2.grad.data)


# ----- regression ---------------------------------------------------------------------------
A = np.array([[0.0, 3.0, -1.2], [0.4, -0.3, 2.5]])
B = np.array([[0.5, 0.0, -1.0], [0.0, 0.9, -0.5]])
D = A - B


@pytest.mark.parametrize("fn, want", [
    (lambda: F.mse_loss(_t(A), _t(B), reduction="none"), D ** 2),
    (lambda: F.l1_loss(_t(A), _t(B), reduction="sum"), np.abs(D).sum()),
    (lambda: F.smooth_l1_loss(_t(A), _t(B), reduction="none", beta=2.0),
     np.where(np.abs(D) < 2.0, D ** 2 / 4.0, np.abs(D) - 1.0)),
    (lambda: F.smooth_l1_loss(_t(A), _t(B), beta=0.0), np.abs(D).mean()),
    (lambda: F.huber_loss(_t(A), _t(B), reduction="none", delta=2.0),
     np.where(np.abs(D) < 2.0, D ** 2 / 2.0, 2.0 * (np.abs(D) - 1.0))),
    (lambda: F.mse_loss(_t(A), _t(B), weight=np.arange(1.0, 7.0).reshape(2, 3)),
     (np.arange(1.0, 7.0).reshape(2, 3) * D ** 2).sum() / 21.0),
    (lambda: F.l1_loss(_t(A), _t(B), weight=np.arange(1.0, 7.0).reshape(2, 3)),
     (np.arange(1.0, 7.0).reshape(2, 3) * np.abs(D)).sum() / 21.0),
    # huber's weighted mean divides by the element count, not by the weights (PyTorch 2.13)
    (lambda: F.huber_loss(_t(A), _t(B), weight=np.arange(1.0, 7.0).reshape(2, 3)),
     (np.arange(1.0, 7.0).reshape(2, 3) * np.where(np.abs(D) < 1, D ** 2 / 2,
                                                    np.abs(D) - 0.5)).mean()),
], ids=["mse", "l1", "smooth_l1", "smooth_l1_beta0", "huber", "mse_w", "l1_w", "huber_w"])
def test_regression_losses_match_their_formulas(fn, want):
    np.testing.assert_allclose(fn().data, want, rtol=1e-14)


def test_weighted_regression_matches_pytorch():
    x, y, w = _t([0.0, 3.0]), _t([0.5, 0.0]), _t([1.0, 3.0])
    # PyTorch 2.13 gives 6.8125, 2.375 and 6.0625
    assert F.mse_loss(x, y, weight=w).item() == 6.8125
    assert F.l1_loss(x, y, weight=w).item() == 2.375
    assert F.huber_loss(x, y, delta=2.0, weight=w).item() == 6.0625


def test_a_broadcasting_target_warns_and_broadcasts():
    with pytest.warns(UserWarning, match=r"mse_loss: using a target size \(\) that is "
                                         r"different to the input size \(2,\)"):
        loss = F.mse_loss(_t([0.0, 3.0]), _t(0.5))
    assert loss.item() == pytest.approx((0.25 + 6.25) / 2)


# ----- binary targets -----------------------------------------------------------------------
def test_bce_clamps_its_logs_at_minus_100_and_keeps_small_losses():
    p = _t([0.0, 1.0, 1e-50, 0.3, 1e-13, 1 - 1e-13, 1e-17])
    y = _t([1.0, 0.0, 1.0, 0.4, 0.0, 1.0, 0.0])
    loss = F.binary_cross_entropy(p, y, reduction="none")
    with np.errstate(divide="ignore"):
        want = -(y.data * np.maximum(np.log(p.data), -100) +
                 (1 - y.data) * np.maximum(np.log1p(-p.data), -100))
    np.testing.assert_allclose(loss.data, want, rtol=1e-14)
    assert loss.data[-1] == pytest.approx(1e-17, rel=1e-12)      # log1p(-x), not log(1 - x)
    with np.errstate(divide="ignore"):
        loss[:-1].sum().backward()
    # PyTorch 2.13 gives (x - y) / max(x (1 - x), float32(1e-12)) and -logit(x)
    np.testing.assert_allclose(p.grad.data[:-1], [
        -1000000003995.8029, 1000000003995.8029, -1000000003995.8029, -0.4761904761904764,
        0.10000000039958029, -0.10003109491843114], rtol=1e-13)
    np.testing.assert_allclose(y.grad.data[:-1], [
        np.inf, -np.inf, 115.12925464970229, 0.8472978603872036, 29.933606208922495,
        -29.933295312068662], rtol=1e-9)


def test_bce_weight_broadcasts_and_the_mean_ignores_it():
    x, y = _t([[0.3, 0.2], [0.6, 0.9]]), _t([[0.4, 0.1], [1.0, 0.0]])
    w = np.array([2.0, 0.5])
    per = -(y.data * np.log(x.data) + (1 - y.data) * np.log1p(-x.data))
    assert F.binary_cross_entropy(x, y, weight=w).item() == pytest.approx((per * w).mean())


def test_bce_with_logits_weight_and_pos_weight():
    x, y = _t([[0.3, -2.0, 1.5]]), np.array([[1.0, 0.0, 0.5]])
    w, pw = np.array([1.0, 2.0, 0.5]), np.array([3.0, 0.5, 2.0])
    loss = F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw)
    softplus = np.logaddexp(0, -x.data)             # -log sigmoid(x)
    want = (w * ((1 - y) * x.data + (1 + (pw - 1) * y) * softplus)).mean()
    assert loss.item() == pytest.approx(want, rel=1e-14)
    loss.backward()
    # PyTorch 2.13 gives
    assert loss.item() == pytest.approx(0.8143272379928637, rel=1e-14)
    np.testing.assert_allclose(x.grad.data, [[-0.425557483188341, 0.0794686146814117,
                                              0.03772695238174425]], rtol=1e-13)


def test_bce_with_logits_pos_weight_stays_finite_for_large_logits():
    loss = F.binary_cross_entropy_with_logits(_t([800.0, -800.0]), np.array([1.0, 1.0]),
                                              pos_weight=np.array([2.0]), reduction="none")
    np.testing.assert_allclose(loss.data, [0.0, 1600.0])


# ----- distributions ------------------------------------------------------------------------
def test_kl_div_reductions_and_log_target():
    x = np.log(np.array([[0.2, 0.8], [0.5, 0.5]]))
    t = np.array([[0.3, 0.7], [0.0, 1.0]])
    per = np.where(t > 0, t * np.log(np.where(t > 0, t, 1.0)), 0.0) - t * x
    assert F.kl_div(_t(x), t, reduction="batchmean").item() == pytest.approx(per.sum() / 2)
    assert F.kl_div(_t(x), t, reduction="sum").item() == pytest.approx(per.sum())
    with pytest.warns(UserWarning, match="kl_div: reduction 'mean' divides"):
        assert F.kl_div(_t(x), t).item() == pytest.approx(per.mean())
    logt = np.log(np.array([[0.3, 0.7], [0.1, 0.9]]))
    np.testing.assert_allclose(
        F.kl_div(_t(x), logt, reduction="none", log_target=True).data,
        F.kl_div(_t(x), np.exp(logt), reduction="none").data, rtol=1e-14)
    # PyTorch 2.13 gives
    got = F.kl_div(_t([[-1.0, -0.5], [-2.0, -0.1]]), t, reduction="batchmean").item()
    assert got == pytest.approx(0.06956784897255323, rel=1e-14)


def test_gaussian_nll_loss_formula_and_shapes_of_var():
    x, y = np.array([[0.5, -1.0, 2.0], [0.0, 1.0, 0.3]]), np.array([[0.0, 0.0, 1.0],
                                                                       [0.5, 0.5, 0.5]])
    var = np.array([[0.5], [2.0]])
    per = 0.5 * (np.log(var) + (x - y) ** 2 / var)
    got = F.gaussian_nll_loss(_t(x), _t(y), _t(var.ravel()), reduction="none")    # (N,) var
    np.testing.assert_allclose(got.data, per, rtol=1e-14)
    full = F.gaussian_nll_loss(_t(x), _t(y), _t(var), full=True, reduction="sum")
    assert full.item() == pytest.approx(per.sum() + 6 * 0.5 * math.log(2 * math.pi))
    scalar = F.gaussian_nll_loss(_t(x), _t(y), 0.5)
    assert scalar.item() == pytest.approx((0.5 * (np.log(0.5) + (x - y) ** 2 / 0.5)).mean())


def test_gaussian_nll_loss_clamps_var_but_not_its_gradient():
    x, v = _t([-1.0, 0.5, 0.2]), _t([1e-9, 0.5, 2.0])
    loss = F.gaussian_nll_loss(x, np.array([0.0, 0.3, 0.7]), v, reduction="sum")
    loss.backward()
    # PyTorch 2.13 gives (var clamped to eps = 1e-6 in value; the gradient passes straight)
    assert loss.item() == pytest.approx(499993.19474472106, rel=1e-13)
    np.testing.assert_allclose(v.grad.data, [-499999500000.0, 0.9199999999999999, 0.21875],
                               rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, [-1000000.0, 0.4, -0.25], rtol=1e-12)


def test_poisson_nll_loss():
    x, t = np.array([0.5, 0.5, 2.0]), np.array([0.0, 1.0, 3.0])
    log_rate = F.poisson_nll_loss(_t(x), t, reduction="none")
    np.testing.assert_allclose(log_rate.data, np.exp(x) - t * x, rtol=1e-14)
    rate = F.poisson_nll_loss(_t(x), t, log_input=False, reduction="none")
    np.testing.assert_allclose(rate.data, x - t * np.log(x + 1e-8), rtol=1e-14)
    stirling = 3 * np.log(3) - 3 + 0.5 * np.log(2 * np.pi * 3)       # only where target > 1
    full = F.poisson_nll_loss(_t(x), t, log_input=False, full=True, reduction="sum")
    assert full.item() == pytest.approx((x - t * np.log(x + 1e-8)).sum() + stirling)
    assert full.item() == pytest.approx(3.3777871474231667, rel=1e-14)   # PyTorch 2.13 gives


# ----- modules ------------------------------------------------------------------------------
RNG = np.random.default_rng(7)
XN, YN = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
PN, QN = RNG.uniform(0.1, 0.9, (4, 3)), RNG.uniform(0.1, 0.9, (4, 3))
LABELS = np.array([0, 2, -100, 1])

MODULES = [
    (nn.CrossEntropyLoss(weight=W, label_smoothing=0.1, reduction="sum"),
     lambda: F.cross_entropy(_t(XN), LABELS, weight=W, label_smoothing=0.1, reduction="sum"),
     (XN, LABELS)),
    (nn.NLLLoss(weight=W, ignore_index=2), lambda: F.nll_loss(_t(XN), LABELS % 3, weight=W,
                                                              ignore_index=2), (XN, LABELS % 3)),
    (nn.MSELoss(reduction="none"), lambda: F.mse_loss(_t(XN), _t(YN), reduction="none"),
     (XN, YN)),
    (nn.L1Loss(), lambda: F.l1_loss(_t(XN), _t(YN)), (XN, YN)),
    (nn.SmoothL1Loss(beta=0.5), lambda: F.smooth_l1_loss(_t(XN), _t(YN), beta=0.5), (XN, YN)),
    (nn.HuberLoss(delta=0.5), lambda: F.huber_loss(_t(XN), _t(YN), delta=0.5), (XN, YN)),
    (nn.BCELoss(weight=W), lambda: F.binary_cross_entropy(_t(PN), _t(QN), weight=W), (PN, QN)),
    (nn.BCEWithLogitsLoss(weight=W, pos_weight=W[::-1].copy()),
     lambda: F.binary_cross_entropy_with_logits(_t(XN), _t(QN), W, pos_weight=W[::-1].copy()),
     (XN, QN)),
    (nn.KLDivLoss(reduction="batchmean", log_target=True),
     lambda: F.kl_div(_t(XN), _t(YN), reduction="batchmean", log_target=True), (XN, YN)),
    (nn.GaussianNLLLoss(full=True, eps=0.2),
     lambda: F.gaussian_nll_loss(_t(XN), _t(YN), _t(PN), full=True, eps=0.2), (XN, YN, PN)),
    (nn.PoissonNLLLoss(log_input=False, full=True),
     lambda: F.poisson_nll_loss(_t(PN), _t(QN * 3), log_input=False, full=True),
     (PN, QN * 3)),
]


@pytest.mark.parametrize("module, functional, args", MODULES,
                         ids=[type(m).__name__ for m, _, _ in MODULES])
def test_module_equals_functional(module, functional, args):
    assert isinstance(module, nn.Module)
    got = module(*[a if a.dtype.kind == "i" else _t(a) for a in args])
    np.testing.assert_array_equal(got.data, functional().data)


def test_module_reprs_and_exports():
    # PyTorch 2.13: loss modules print their bare class name, whatever their arguments
    for m, _, _ in MODULES:
        assert repr(m) == f"{type(m).__name__}()"
        assert type(m).__name__ in losses.__all__
        assert getattr(nn, type(m).__name__) is type(m)
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    m = nn.CrossEntropyLoss(ignore_index=3, label_smoothing=0.25)
    assert (m.reduction, m.ignore_index, m.label_smoothing, m.weight) == ("mean", 3, 0.25, None)
    for name in ("cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
                 "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
                 "kl_div", "gaussian_nll_loss", "poisson_nll_loss"):
        assert callable(getattr(F, name))


def test_weights_are_buffers_in_the_state_dict():
    # PyTorch 2.13: CrossEntropyLoss(weight=w).state_dict() holds 'weight';
    # BCEWithLogitsLoss(pos_weight=p) holds 'pos_weight' only (None buffers are left out)
    m = nn.CrossEntropyLoss(weight=W)
    assert list(m.state_dict()) == ["weight"] and list(m.parameters()) == []
    np.testing.assert_array_equal(m.state_dict()["weight"], W)
    assert list(nn.BCEWithLogitsLoss(pos_weight=W).state_dict()) == ["pos_weight"]
    assert list(nn.NLLLoss().state_dict()) == []


@pytest.mark.parametrize("size_average, reduce, want", [
    (False, None, "sum"), (None, False, "none"), (True, True, "mean"), (False, True, "sum")])
def test_deprecated_size_average_and_reduce(size_average, reduce, want):
    with pytest.warns(UserWarning, match=f"please use reduction='{want}' instead"):
        got = F.mse_loss(_t(A), _t(B), size_average=size_average, reduce=reduce)
    np.testing.assert_allclose(got.data, F.mse_loss(_t(A), _t(B), reduction=want).data)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert nn.NLLLoss(size_average=size_average, reduce=reduce).reduction == want


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_keep_the_input_dtype(dtype):
    x = tg.tensor(XN.astype(dtype), requires_grad=True)
    p = tg.tensor(PN.astype(dtype), requires_grad=True)
    outs = [F.cross_entropy(x, LABELS, weight=W, label_smoothing=0.1),
            F.cross_entropy(x, PN.astype(dtype), weight=W), F.nll_loss(x, LABELS, weight=W),
            F.smooth_l1_loss(x, p), F.huber_loss(x, p), F.l1_loss(x, p),
            F.binary_cross_entropy(p, p.detach()), F.kl_div(x, p, reduction="batchmean"),
            F.binary_cross_entropy_with_logits(x, p.detach(), W, pos_weight=W),
            F.gaussian_nll_loss(x, p, p), F.poisson_nll_loss(x, p)]
    for out in outs:
        assert out.dtype == dtype
        x.grad = p.grad = None
        out.backward()
        assert all(g is None or g.dtype == dtype for g in (x.grad, p.grad))


# ----- mistakes -----------------------------------------------------------------------------
X = np.zeros((2, 3))

MISTAKES = [
    # PyTorch: "Target 5 is out of bounds."
    (lambda: F.cross_entropy(_t(X), [0, 5]), IndexError, r"target 5 is out of range for 3"),
    (lambda: F.nll_loss(_t(X), [0, -1]), IndexError, r"target -1 is out of range"),
    (lambda: F.nll_loss(_t(np.zeros((2, 3, 4))), np.full((2, 4), 7)), IndexError, "target 7"),
    # PyTorch: "Expected input batch_size (2) to match target batch_size (3)."
    (lambda: F.cross_entropy(_t(X), [0, 1, 2]), ValueError,
     r"input batch size 2 must match target batch size 3"),
    # PyTorch: "Expected target size [2, 4], got [2, 5]"
    (lambda: F.cross_entropy(_t(np.zeros((2, 3, 4))), np.zeros((2, 5), np.int64)),
     RuntimeError, r"an input of shape \(2, 3, 4\) takes a target of shape \(2, 4\), got "
                   r"\(2, 5\)"),
    (lambda: F.nll_loss(_t(X), np.zeros((2, 1), np.int64)), RuntimeError,
     r"takes a target of shape \(2,\)"),
    (lambda: F.nll_loss(_t(np.zeros(3)), [1, 2]), ValueError, r"takes one class index"),
    (lambda: F.nll_loss(_t(0.0), np.array(0)), ValueError, r"got a 0-d input"),
    # PyTorch: "expected target dtype to be Long or Byte, but got Double"
    (lambda: F.cross_entropy(_t(X), [1.0, 0.0]), RuntimeError,
     r"target must hold integer class indices, got dtype float64"),
    (lambda: F.cross_entropy(_t(X), [True, False]), RuntimeError, r"got dtype bool"),
    # PyTorch: "Expected floating point type for target with class probabilities, got Long"
    (lambda: F.cross_entropy(_t(X), np.zeros((2, 3), np.int64)), RuntimeError,
     r"probability targets .* must be floating point, got dtype int64"),
    (lambda: F.cross_entropy(_t(X), np.full((2, 3), 1 / 3), ignore_index=1), RuntimeError,
     r"ignore_index=1 is not supported for probability targets"),
    (lambda: F.cross_entropy(_t(X), np.ones((2, 4))), RuntimeError,
     r"probability targets must have the input's shape \(2, 3\), got \(2, 4\)"),
    (lambda: F.cross_entropy(_t(X), [0, 1], label_smoothing=1.5), RuntimeError,
     r"label_smoothing must be between 0.0 and 1.0, got 1.5"),
    # PyTorch: "weight tensor should be defined either for all 3 classes or no classes ..."
    (lambda: F.nll_loss(_t(X), [0, 1], weight=np.ones(2)), RuntimeError,
     r"weight must hold one entry per class, shape \(3,\), got shape \(2,\)"),
    (lambda: F.cross_entropy(_t(X), np.full((2, 3), 1 / 3), weight=np.ones(2)), RuntimeError,
     r"weight must hold one entry per class"),
    # PyTorch: "... is not differentiable with respect to argument 'weight'"
    (lambda: F.nll_loss(_t(X), [0, 1], weight=_t(W)), RuntimeError,
     r"nll_loss: weight must not require grad"),
    (lambda: F.binary_cross_entropy_with_logits(_t(X), X, pos_weight=_t(W)), RuntimeError,
     r"pos_weight must not require grad"),
    # PyTorch: "The size of tensor a (3) must match the size of tensor b (2) ..."
    (lambda: F.mse_loss(_t(X), np.zeros((3, 2))), RuntimeError,
     r"mse_loss: target shape \(3, 2\) must equal input shape \(2, 3\)"),
    (lambda: F.l1_loss(_t(X), np.zeros((3, 2))), RuntimeError, r"l1_loss: target shape"),
    (lambda: F.kl_div(_t(X), np.zeros((3, 2)), reduction="sum"), RuntimeError, r"kl_div"),
    (lambda: F.poisson_nll_loss(_t(X), np.zeros((3, 2))), RuntimeError, r"poisson_nll_loss"),
    # PyTorch: "Weights and input must have the same size."
    (lambda: F.mse_loss(_t(X), X, weight=np.ones(3)), ValueError,
     r"mse_loss: weight shape \(3,\) must equal input shape \(2, 3\)"),
    # PyTorch: "Using a target size (...) that is different to the input size (...) ..."
    (lambda: F.binary_cross_entropy(_t(X + 0.5), np.zeros(3)), ValueError,
     r"binary_cross_entropy: target shape \(3,\) must equal input shape \(2, 3\)"),
    (lambda: F.binary_cross_entropy_with_logits(_t(X), np.zeros(3)), ValueError,
     r"target shape \(3,\) must equal input shape \(2, 3\)"),
    # PyTorch: "all elements of input should be between 0 and 1"
    (lambda: F.binary_cross_entropy(_t([0.5, 1.5]), np.zeros(2)), RuntimeError,
     r"all elements of input should be between 0 and 1, got 1.5"),
    (lambda: F.binary_cross_entropy(_t([0.5, np.nan]), np.zeros(2)), RuntimeError, r"got nan"),
    (lambda: F.binary_cross_entropy(_t([0.5]), np.array([-0.5])), RuntimeError,
     r"all elements of target should be between 0 and 1"),
    # PyTorch: "output with shape [2] doesn't match the broadcast shape [2, 2]"
    (lambda: F.binary_cross_entropy_with_logits(_t([0.3, 0.2]), np.zeros(2),
                                                weight=np.ones((2, 1))), RuntimeError,
     r"weight of shape \(2, 1\) does not broadcast to the input's shape \(2,\)"),
    (lambda: F.binary_cross_entropy(_t([0.3, 0.2]), np.zeros(2), weight=np.ones(3)),
     RuntimeError, r"weight of shape \(3,\)"),
    # PyTorch: "smooth_l1_loss does not support negative values for beta."
    (lambda: F.smooth_l1_loss(_t(X), X, beta=-1.0), RuntimeError, r"beta must be non-negative"),
    (lambda: F.huber_loss(_t(X), X, delta=0.0), RuntimeError, r"delta must be positive, got 0"),
    # PyTorch: "var has negative entry/entries", "var is of incorrect size"
    (lambda: F.gaussian_nll_loss(_t(X), X, -1.0), ValueError, r"var has negative entr"),
    (lambda: F.gaussian_nll_loss(_t(X), X, -np.ones((2, 3))), ValueError, r"negative"),
    (lambda: F.gaussian_nll_loss(_t(np.zeros((2, 3, 4))), np.zeros((2, 3, 4)),
                                 np.ones((2, 1, 1))), ValueError,
     r"var is of incorrect size: shape \(2, 1, 1\) for input shape \(2, 3, 4\)"),
    # PyTorch: "avg is not a valid value for reduction"
    (lambda: F.cross_entropy(_t(X), [0, 1], reduction="avg"), ValueError,
     r"cross_entropy: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (lambda: F.kl_div(_t(X), X, reduction="avg"), ValueError,
     r"'mean', 'batchmean', 'sum' or 'none'"),
    (lambda: F.gaussian_nll_loss(_t(X), X, 1.0, reduction="avg"), ValueError, r"got 'avg'"),
    (lambda: nn.HuberLoss(reduction="avg")(_t(X), X), ValueError, r"huber_loss: reduction"),
]


@pytest.mark.parametrize("code, exc, pattern", MISTAKES,
                         ids=[f"{i}-{m[1].__name__}" for i, m in enumerate(MISTAKES)])
def test_mistakes_raise_pytorchs_exception_class(code, exc, pattern):
    with pytest.raises(exc, match=pattern):
        code()


def test_a_failed_loss_records_nothing():
    x = _t(X)
    with pytest.raises(IndexError):
        F.cross_entropy(x, [0, 5])
    F.cross_entropy(x, [0, 2]).backward()
    p = np.full(3, 1 / 3)
    np.testing.assert_allclose(x.grad.data, (np.stack([p, p]) - np.eye(3)[[0, 2]]) / 2)
