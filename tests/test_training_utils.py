"""Training utilities: tg.nn.init, tg.nn.utils (gradient clipping, parameter vectors) and
tg.optim.lr_scheduler, checked against closed forms and values PyTorch 2.13 gives."""
import math
import warnings

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku.nn import init
from tinygrad_ku.nn import utils as nn_utils
from tinygrad_ku.optim import lr_scheduler
from tinygrad_ku.optim.lr_scheduler import (
    CosineAnnealingLR, ExponentialLR, LambdaLR, LRScheduler, MultiStepLR, ReduceLROnPlateau, StepLR)


# ----- nn.init -------------------------------------------------------------------------
def test_calculate_gain():
    for name in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose2d", "sigmoid"):
        assert init.calculate_gain(name) == 1
    assert init.calculate_gain("tanh") == 5.0 / 3
    assert init.calculate_gain("relu") == math.sqrt(2.0)
    assert init.calculate_gain("selu") == 0.75
    assert init.calculate_gain("leaky_relu") == math.sqrt(2.0 / (1 + 0.01 ** 2))
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2.0 / 1.04)
    assert init.calculate_gain("leaky_relu", 0) == math.sqrt(2.0)
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)


def _close(actual, desired):
    np.testing.assert_allclose(actual, desired, rtol=1e-14, atol=0)


@pytest.mark.parametrize("shape,fan_in,fan_out", [((3, 5), 5, 3), ((4, 2, 3, 3), 18, 36),
                                                  ((2, 6, 5), 30, 10)])
def test_fans_and_bounds_are_pytorchs(shape, fan_in, fan_out):
    # with a given generator each fill is exactly that generator's uniform / normal draws
    def draws(method, *args):
        return getattr(np.random.default_rng(5), method)(*args, shape)

    def filled(fn, **kw):
        return fn(tg.zeros(*shape), generator=np.random.default_rng(5), **kw).data

    xavier = math.sqrt(6.0 / (fan_in + fan_out))
    _close(filled(init.xavier_uniform_), draws("uniform", -xavier, xavier))
    _close(filled(init.xavier_uniform_, gain=2.0), draws("uniform", -2 * xavier, 2 * xavier))
    _close(filled(init.xavier_normal_), draws("normal", 0.0, math.sqrt(2.0 / (fan_in + fan_out))))
    he = math.sqrt(2.0) * math.sqrt(3.0 / fan_in)        # leaky_relu with a = 0: gain √2
    _close(filled(init.kaiming_uniform_), draws("uniform", -he, he))
    _close(filled(init.kaiming_normal_, mode="fan_out", nonlinearity="relu"),
           draws("normal", 0.0, math.sqrt(2.0 / fan_out)))
    gain = math.sqrt(2.0 / (1 + 0.3 ** 2))
    bound = gain * math.sqrt(3.0 / fan_out)
    _close(filled(init.kaiming_uniform_, a=0.3, mode="FAN_OUT"), draws("uniform", -bound, bound))


def test_fills_and_their_moments():
    w = tg.zeros(400, 500)
    assert init.uniform_(w, -2.0, 3.0) is w
    assert -2.0 <= w.data.min() and w.data.max() < 3.0
    assert abs(w.data.mean() - 0.5) < 0.02
    init.normal_(w, 1.0, 0.5)
    assert abs(w.data.mean() - 1.0) < 0.005 and abs(w.data.std() - 0.5) < 0.005
    init.kaiming_normal_(w)
    assert abs(w.data.std() - math.sqrt(2.0 / 500)) < 5e-4
    init.constant_(w, 0.25)
    assert (w.data == 0.25).all()
    init.ones_(w)
    assert (w.data == 1.0).all()
    init.zeros_(w)
    assert (w.data == 0.0).all()
    n = tg.tensor([1, 2, 3])
    init.constant_(n, 2.7)                    # PyTorch 2.13 gives tensor([2, 2, 2]) (truncated)
    assert n.data.tolist() == [2, 2, 2] and n.dtype == np.int64


def test_manual_seed_makes_fills_reproducible_and_dtype_is_kept():
    tg.manual_seed(123)
    a = init.xavier_uniform_(tg.zeros(4, 3, dtype="float32")).data.copy()
    b = init.normal_(tg.zeros(5)).data.copy()
    tg.manual_seed(123)
    np.testing.assert_array_equal(init.xavier_uniform_(tg.zeros(4, 3, dtype="float32")).data, a)
    np.testing.assert_array_equal(init.normal_(tg.zeros(5)).data, b)
    assert a.dtype == np.float32
    g1, g2 = tg.Generator().manual_seed(8), tg.Generator().manual_seed(8)
    np.testing.assert_array_equal(init.uniform_(tg.zeros(3), generator=g1).data,
                                  init.uniform_(tg.zeros(3), generator=g2).data)


def test_init_of_a_parameter_is_in_place_outside_the_graph():
    w = tg.nn.Parameter(tg.ones(3, 2))
    data, version = w.data, w._version
    init.kaiming_uniform_(w)
    assert w.data is data and w._version > version
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    # a graph that saved w refuses to run backward once w changed under it, as in PyTorch
    loss = (w * w).sum()
    init.zeros_(w)
    with pytest.raises(RuntimeError, match="inplace"):
        loss.backward()


def test_init_errors_as_pytorch():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(tg.zeros(3))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.kaiming_normal_(tg.zeros(()))
    with pytest.raises(ValueError, match=r"Mode fan_avg not supported, please use one of"):
        init.kaiming_uniform_(tg.zeros(2, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.kaiming_uniform_(tg.zeros(2, 3), nonlinearity="gelu")
    with pytest.raises(RuntimeError, match="from=1 > to=0"):
        init.uniform_(tg.zeros(2), 1, 0)
    with pytest.raises(RuntimeError, match="std >= 0.0, but found std -1"):
        init.normal_(tg.zeros(2), 0, -1)
    with pytest.raises(NotImplementedError, match="int64"):
        init.uniform_(tg.tensor([1, 2]))
    with pytest.raises(TypeError, match="expected a Tensor, got list"):
        init.ones_([1.0])
    with pytest.raises(TypeError, match="generator"):
        init.normal_(tg.zeros(2), generator=3)
    with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
        init.kaiming_uniform_(tg.zeros(0, 3))
    # xavier of a (3, 0) weight is fine (fan_out = 3): nothing to fill
    assert init.xavier_normal_(tg.zeros(3, 0)).shape == (3, 0)


# ----- nn.utils ------------------------------------------------------------------------
def _with_grads(*grads):
    params = []
    for g in grads:
        p = tg.zeros(*np.shape(g), requires_grad=True)
        p.grad = tg.tensor(g)
        params.append(p)
    return params


def test_clip_grad_norm_scales_by_max_norm_over_total_norm():
    p, q = _with_grads([3.0, 4.0], [[12.0]])
    total = nn_utils.clip_grad_norm_([p, q], 1.0)
    assert isinstance(total, tg.Tensor) and not total.requires_grad
    assert total.item() == 13.0
    scale = 1.0 / (13.0 + 1e-6)               # PyTorch 2.13 gives [0.2308, 0.3077], [[0.9231]]
    np.testing.assert_allclose(p.grad.data, [3 * scale, 4 * scale], rtol=1e-15)
    np.testing.assert_allclose(q.grad.data, [[12 * scale]], rtol=1e-15)


@pytest.mark.parametrize("norm_type,total,clipped", [
    # PyTorch 2.13 gives these totals and clipped gradients for the gradient [3, -4]
    ("inf", 4.0, [3.0, -4.0]),
    (math.inf, 4.0, [3.0, -4.0]),
    (1, 7.0, [3 / (7 + 1e-6), -4 / (7 + 1e-6)]),
    (0.5, (math.sqrt(3) + 2) ** 2, None),
    (0, 1.0, None),                           # the number of parameters with a nonzero norm
])
def test_clip_grad_norm_norm_types(norm_type, total, clipped):
    (p,) = _with_grads([3.0, -4.0])
    max_norm = 100.0 if clipped == [3.0, -4.0] else 1.0
    result = nn_utils.clip_grad_norm_(p, max_norm, norm_type=norm_type)
    assert result.item() == pytest.approx(total, rel=1e-14)
    if clipped is not None:
        np.testing.assert_allclose(p.grad.data, clipped, rtol=1e-14)
    else:
        np.testing.assert_allclose(p.grad.data, np.array([3.0, -4.0]) / (total + 1e-6), rtol=1e-14)


def test_clip_grad_norm_edge_cases():
    # no gradients: total 0 and nothing to clip; a non-finite norm gives nan gradients
    # unless error_if_nonfinite, as PyTorch 2.13
    assert nn_utils.clip_grad_norm_([], 1.0).item() == 0.0
    assert nn_utils.clip_grad_norm_([tg.zeros(2, requires_grad=True)], 1.0).item() == 0.0
    (p,) = _with_grads([3.0, math.nan])
    assert math.isnan(nn_utils.clip_grad_norm_(p, 1.0).item())
    assert np.isnan(p.grad.data).all()
    (p,) = _with_grads([3.0, math.inf])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* is non-finite"):
        nn_utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert p.grad.data.tolist() == [3.0, math.inf]          # untouched
    (p,) = _with_grads([3.0, -4.0])
    nn_utils.clip_grad_norm_(p, -1.0)                        # PyTorch 2.13 gives [-0.6, 0.8]
    np.testing.assert_allclose(p.grad.data, [-0.6, 0.8], rtol=1e-6)


def test_clip_grad_value_():
    p, q = _with_grads([3.0, -4.0, 0.5], [[-0.1]])
    r = tg.zeros(2, requires_grad=True)                      # no grad: skipped
    assert nn_utils.clip_grad_value_([p, q, r], 3.5) is None
    assert p.grad.data.tolist() == [3.0, -3.5, 0.5] and q.grad.data.tolist() == [[-0.1]]
    assert r.grad is None
    nn_utils.clip_grad_value_(p, -1.0)                       # PyTorch 2.13 gives [-1, -1, -1]
    assert p.grad.data.tolist() == [-1.0, -1.0, -1.0]


def test_parameters_to_vector_and_back():
    p = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    q = tg.tensor([5.0], requires_grad=True)
    v = nn_utils.parameters_to_vector([p, q])
    assert v.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    (v * tg.arange(5.0)).sum().backward()                    # differentiable, like torch.cat
    assert p.grad.tolist() == [[0.0, 1.0], [2.0, 3.0]] and q.grad.tolist() == [4.0]
    vec = tg.tensor([9.0, 8.0, 7.0, 6.0, 5.0, 4.0])          # extra entries are ignored, as torch
    nn_utils.vector_to_parameters(vec, [p, q])
    assert p.tolist() == [[9.0, 8.0], [7.0, 6.0]] and q.tolist() == [5.0]
    assert p.is_leaf and p.requires_grad
    vec.data[0] = -1.0                                       # no memory shared with vec
    assert p.data[0, 0] == 9.0
    with pytest.raises(TypeError, match="expected Tensor, but got: list"):
        nn_utils.vector_to_parameters([1.0, 2.0], [p])
    with pytest.raises(RuntimeError, match="the vector has 2 elements, the parameters need 5"):
        nn_utils.vector_to_parameters(tg.zeros(2), [p, q])


# ----- lr_scheduler --------------------------------------------------------------------
def _optimizer():
    """SGD with two groups: lr 0.1 (the default) and 0.5."""
    return tg.optim.SGD([{"params": [tg.zeros(1, requires_grad=True)]},
                         {"params": [tg.zeros(1, requires_grad=True)], "lr": 0.5}], lr=0.1)


def _lrs(make, n=10, metrics=None):
    opt = _optimizer()
    sched = make(opt)
    out = [sched.get_last_lr()]
    for i in range(n - 1):
        opt.step()
        sched.step(*([] if metrics is None else [metrics[i]]))
        out.append(sched.get_last_lr())
        assert [g["lr"] for g in opt.param_groups] == out[-1]
    return np.array(out), sched


# PyTorch 2.13 gives these first 10 lrs (get_last_lr() after construction and 9 steps)
TORCH_LRS = {
    "step": [[0.1, 0.5]] * 3 + [[0.05, 0.25]] * 3 + [[0.025, 0.125]] * 3 + [[0.0125, 0.0625]],
    "multistep": [[0.1, 0.5]] * 2 + [[0.010000000000000002, 0.05]] * 3
    + [[0.00010000000000000005, 0.0005000000000000001]] * 2
    + [[1.0000000000000006e-05, 5.0000000000000016e-05]] * 3,
    "cos": [[0.1, 0.5], [0.08681980515339464, 0.4282411613907041], [0.05500000000000001, 0.255],
            [0.023180194846605363, 0.08175883860929586], [0.01, 0.01],
            [0.023180194846605363, 0.08175883860929584], [0.05500000000000002, 0.255],
            [0.08681980515339469, 0.42824116139070423], [0.10000000000000006, 0.5000000000000001],
            [0.0868198051533947, 0.4282411613907043]],
}


def test_step_lr():
    lrs, sched = _lrs(lambda o: StepLR(o, step_size=3, gamma=0.5))
    np.testing.assert_array_equal(lrs, TORCH_LRS["step"])
    np.testing.assert_allclose(lrs, np.array([0.1, 0.5]) * 0.5 ** (np.arange(10) // 3)[:, None],
                               rtol=1e-15)
    assert sched.last_epoch == 9


def test_multistep_lr_counts_repeated_milestones():
    lrs, _ = _lrs(lambda o: MultiStepLR(o, milestones=[2, 5, 5, 7], gamma=0.1))
    np.testing.assert_array_equal(lrs, TORCH_LRS["multistep"])


def test_exponential_lr():
    lrs, _ = _lrs(lambda o: ExponentialLR(o, gamma=0.9))
    np.testing.assert_allclose(lrs, np.array([0.1, 0.5]) * 0.9 ** np.arange(10)[:, None],
                               rtol=1e-14)
    # PyTorch 2.13 gives 0.03874204890000002 and 0.19371024450000007 at epoch 9
    assert lrs[9].tolist() == [0.03874204890000002, 0.19371024450000007]


def test_cosine_annealing_lr():
    lrs, _ = _lrs(lambda o: CosineAnnealingLR(o, T_max=4, eta_min=0.01))
    np.testing.assert_array_equal(lrs, TORCH_LRS["cos"])
    e = np.arange(10)[:, None]
    closed = 0.01 + (np.array([0.1, 0.5]) - 0.01) * (1 + np.cos(np.pi * e / 4)) / 2
    np.testing.assert_allclose(lrs, closed, rtol=1e-13)


def test_lambda_lr_one_function_per_group():
    lrs, sched = _lrs(lambda o: LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.5 ** e]))
    e = np.arange(10)
    np.testing.assert_allclose(lrs[:, 0], 0.1 / (e + 1), rtol=1e-15)
    np.testing.assert_allclose(lrs[:, 1], 0.5 * 0.5 ** e, rtol=1e-15)
    assert sched.state_dict()["lr_lambdas"] == [None, None]
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        LambdaLR(_optimizer(), [lambda e: 1.0])


def test_reduce_lr_on_plateau():
    # PyTorch 2.13 gives these lrs for patience=1, factor=0.5, cooldown=1, min_lr=[0, 0.2]
    metrics = [5.0, 4.0, 4.0, 4.0, 3.99999, 4.0, 4.0, 2.0, 2.0, 2.0]
    lrs, sched = _lrs(lambda o: ReduceLROnPlateau(o, patience=1, factor=0.5, cooldown=1,
                                                  min_lr=[0.0, 0.2]), 11, metrics)
    expected = [[0.1, 0.5]] * 4 + [[0.05, 0.25]] * 3 + [[0.025, 0.2]] * 3 + [[0.0125, 0.2]]
    np.testing.assert_array_equal(lrs, expected)
    assert sched.best == 2.0 and sched.last_epoch == 10 and sched.cooldown_counter == 1
    # mode="max", absolute threshold: 1.05 is no improvement on 1.0 with threshold 0.1
    opt = _optimizer()
    sched = ReduceLROnPlateau(opt, mode="max", patience=0, threshold=0.1, threshold_mode="abs")
    sched.step(1.0)
    sched.step(tg.tensor(1.05))
    assert sched.get_last_lr() == [0.1 * 0.1, 0.5 * 0.1]
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown!"):
        ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        ReduceLROnPlateau(opt, min_lr=[0.1])


def test_scheduler_drives_the_optimizer():
    x = tg.tensor([0.0], requires_grad=True)
    opt = tg.optim.SGD([x], lr=1.0)
    sched = StepLR(opt, step_size=2, gamma=0.1)
    for _ in range(5):
        opt.zero_grad()
        (-x).sum().backward()                 # gradient -1: x grows by the lr
        opt.step()
        sched.step()
    assert x.item() == pytest.approx(1 + 1 + 0.1 + 0.1 + 0.01, rel=1e-14)
    assert opt.param_groups[0]["initial_lr"] == 1.0


def test_state_dict_round_trip_and_resume():
    opt = _optimizer()
    sched = StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        opt.step()
        sched.step()
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3 and state["base_lrs"] == [0.1, 0.5]
    fresh = StepLR(_optimizer(), step_size=7, gamma=0.9)
    fresh.load_state_dict(state)
    assert (fresh.step_size, fresh.gamma, fresh.last_epoch) == (2, 0.5, 3)
    assert fresh.get_last_lr() == sched.get_last_lr() == [0.05, 0.25]
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(_optimizer(), step_size=2, last_epoch=4)


def test_step_with_an_epoch_uses_the_closed_form_and_warns():
    opt = _optimizer()
    sched = MultiStepLR(opt, milestones=[3, 6], gamma=0.1)
    opt.step()
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(7)
    np.testing.assert_allclose(sched.get_last_lr(), [0.1 * 0.01, 0.5 * 0.01], rtol=1e-14)
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()                          # a plain step warns nothing


def test_stepping_the_schedule_before_the_optimizer_warns_as_torch():
    opt = _optimizer()
    sched = ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match=r"`lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        sched.step()
    opt = _optimizer()
    sched = ExponentialLR(opt, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
    assert sched.get_last_lr() == [0.05, 0.25]


def test_scheduler_api_names():
    assert tg.optim.lr_scheduler is lr_scheduler
    assert issubclass(StepLR, LRScheduler) and issubclass(ReduceLROnPlateau, LRScheduler)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        StepLR([], step_size=1)
    with pytest.raises(NotImplementedError):
        LRScheduler(_optimizer())
