"""tg.nn layers and tg.nn.functional activations: values and gradients against PyTorch 2.13
(numbers computed there, written down as literals), normalisation layers against NumPy closed
forms, running statistics by hand, Dropout's scaling, the Module API (train/eval, traversal,
state_dict with buffers, to/float/double), the containers, and repr() exactly as PyTorch
prints it. Gradients of every function at generic points are checked by the op table
(tests/op_cases_activations.py)."""
import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_ku as tg
import tinygrad_ku.nn as nn
import tinygrad_ku.nn.functional as F
from tinygrad_ku.autograd import gradcheck


def _t(values, requires_grad=True):
    return tg.tensor(np.asarray(values, np.float64), requires_grad=requires_grad)


def _value_and_grad(fn, values):
    x = _t(values)
    y = fn(x)
    y.sum().backward()
    return y.detach().numpy(), x.grad.detach().numpy()


# ----- functional activations against PyTorch -----------------------------------------------
X = [-3.5, -1.0, -0.25, 0.5, 2.0, 25.0]
ACTIVATIONS = {     # PyTorch 2.13 (float64) gives (f(X), d sum f / dX)
    "gelu": (lambda x: F.gelu(x),
             [-0.0008142017766243903, -0.15865525393145702, -0.10032341857926907,
              0.34573123063700656, 1.9544997361036416, 25.0],
             [-0.0028217603536246205, -0.08331547058768635, 0.304626645116364,
              0.8674951246561629, 1.085231801078197, 1.0]),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  [-0.0006161976553737403, -0.15880800939172324, -0.100324649298315,
                   0.34571400982514394, 1.954597694087775, 25.0],
                  [-0.0024226437601167334, -0.08296408384578252, 0.30464590484893955,
                   0.8673699035346424, 1.0860992566236183, 1.0]),
    "silu": (F.silu,
             [-0.10259280762974712, -0.2689414213699951, -0.10945587477855048,
              0.3112296656009273, 1.7615941559557646, 24.9999999996528],
             [-0.07027335282771814, 0.07232948812851325, 0.37628997842980233,
              0.7399611873026519, 1.0907842487848955, 1.000000000333312]),
    "elu": (lambda x: F.elu(x, 0.5),
            [-0.48490130828884076, -0.31606027941427883, -0.11059960846429756, 0.5, 2.0, 25.0],
            [0.01509869171115925, 0.18393972058572117, 0.38940039153570244, 1.0, 1.0, 1.0]),
    "selu": (F.selu,
             [-1.705009340957283, -1.1113307378125625, -0.388890197478119, 0.5253504936777402,
              2.101401974710961, 26.26752468388701],
             [0.05308999989009366, 0.646768603034814, 1.3692091433692577, 1.0507009873554805,
              1.0507009873554805, 1.0507009873554805]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2),
                   [-0.7000000000000001, -0.2, -0.05, 0.5, 2.0, 25.0],
                   [0.2, 0.2, 0.2, 1.0, 1.0, 1.0]),
    "hardtanh": (lambda x: F.hardtanh(x, -2.0, 1.0),
                 [-2.0, -1.0, -0.25, 0.5, 1.0, 1.0], [0.0, 1.0, 1.0, 1.0, 0.0, 0.0]),
    "relu6": (lambda x: F.relu6(x * 4), [0.0, 0.0, 0.0, 2.0, 6.0, 6.0],
              [0.0, 0.0, 0.0, 4.0, 0.0, 0.0]),
    # PyTorch's hardsigmoid backward uses 1/6 rounded to float32 (0.1666666716337204); 1/6 here
    "hardsigmoid": (F.hardsigmoid,
                    [0.0, 0.3333333333333333, 0.4583333333333333, 0.5833333333333334,
                     0.8333333333333334, 1.0],
                    [0.0, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 0.0]),
    "hardswish": (F.hardswish,
                  [-0.0, -0.3333333333333333, -0.11458333333333333, 0.2916666666666667,
                   1.6666666666666667, 25.0],
                  [0.0, 0.16666666666666669, 0.4166666666666667, 0.6666666666666666,
                   1.1666666666666665, 1.0]),
    "softplus": (lambda x: F.softplus(x, beta=2.0, threshold=3.0),
                 [0.00045573322688712237, 0.06346400552148625, 0.23703849209005334,
                  0.6566308437591114, 2.0, 25.0],
                 [0.0009110511944006454, 0.11920292202211755, 0.37754066879814546,
                  0.7310585786300049, 1.0, 1.0]),
    "softsign": (F.softsign,
                 [-0.7777777777777778, -0.5, -0.2, 0.3333333333333333, 0.6666666666666666,
                  0.9615384615384616],
                 [0.04938271604938271, 0.25, 0.64, 0.4444444444444444, 0.1111111111111111,
                  0.001479289940828403]),
    "logsigmoid": (F.logsigmoid,
                   [-3.5297504182726205, -1.3132616875182228, -0.8259394198788436,
                    -0.4740769841801067, -0.1269280110429725, -1.3887943864867583e-11],
                   [0.9706877692486436, 0.7310585786300049, 0.5621765008857982,
                    0.37754066879814546, 0.11920292202211755, 1.3887943864771146e-11]),
    "mish": (F.mish,
             [-0.10409575448637122, -0.30340146137410895, -0.129926963679141,
              0.3752452113048951, 1.9439589595339946, 25.0],
             [-0.07276041344326706, 0.059216755877395014, 0.43981560172180506,
              0.8864243753577272, 1.0693179342794896, 1.0]),
    "tanhshrink": (F.tanhshrink,
                   [-2.501822102388801, -0.23840584404423515, -0.005081337596290869,
                    0.03788284273999026, 1.035972419924183, 24.0],
                   [0.9963591152795126, 0.5800256583859739, 0.05998515119362202,
                    0.2135522670340726, 0.9293491751468356, 1.0]),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_values_and_gradients_match_pytorch(name):
    fn, want, want_grad = ACTIVATIONS[name]
    y, g = _value_and_grad(fn, X)
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g, want_grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("fn, want, want_grad", [     # PyTorch 2.13 gives the same at ±800
    (F.silu, [-0.0, 800.0], [0.0, 1.0]),
    (F.elu, [-1.0, 800.0], [0.0, 1.0]),
    (F.logsigmoid, [-800.0, 0.0], [1.0, 0.0]),
    (F.mish, [-0.0, 800.0], [0.0, 1.0]),
    (F.gelu, [-0.0, 800.0], [0.0, 1.0]),
    (lambda x: F.gelu(x, approximate="tanh"), [-0.0, 800.0], [0.0, 1.0]),
    (F.softplus, [0.0, 800.0], [0.0, 1.0]),
])
def test_activations_are_finite_at_extremes(fn, want, want_grad):
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # no overflow on the way
        y, g = _value_and_grad(fn, [-800.0, 800.0])
    np.testing.assert_array_equal(y, want)
    np.testing.assert_array_equal(g, want_grad)


def test_softplus_threshold_returns_x_exactly():
    # PyTorch 2.13: softplus([20, 20.5, 30]) = [20.000000002061153, 20.5, 30.0],
    # gradient [0.9999999979388464, 1.0, 1.0] (20 is not above the threshold)
    y, g = _value_and_grad(F.softplus, [20.0, 20.5, 30.0])
    np.testing.assert_allclose(y, [20.000000002061153, 20.5, 30.0], rtol=1e-15)
    np.testing.assert_allclose(g, [0.9999999979388464, 1.0, 1.0], rtol=1e-15)


def test_gelu_keeps_its_digits_in_the_far_tail():
    # x Φ(x) = x erfc(-x/√2) / 2; PyTorch's 0.5 x (1 + erf(x/√2)) cancels to -0.0 here
    x = np.array([-10.0, -20.0])
    want = x * 0.5 * np.array([math.erfc(-v / math.sqrt(2.0)) for v in x])
    np.testing.assert_allclose(F.gelu(_t(x, False)).detach().numpy(), want, rtol=1e-12)


def test_gelu_rejects_an_unknown_approximation():
    with pytest.raises(RuntimeError, match="gelu: approximate must be 'none' or 'tanh'"):
        F.gelu(_t([1.0]), approximate="erf")


def test_activations_keep_float32():
    x = tg.tensor(np.linspace(-2, 2, 5, dtype=np.float32), requires_grad=True)
    for fn in (F.gelu, F.silu, F.elu, F.selu, F.leaky_relu, F.hardtanh, F.hardswish, F.mish,
               lambda t: F.softplus(t, beta=2.0)):
        y = fn(x)
        assert y.dtype == np.float32
        x.grad = None
        y.sum().backward()
        assert x.grad.dtype == np.float32


def test_inplace_activations_overwrite_and_return_the_input():
    a = _t([-1.0, 0.5, 2.0])
    h = a * 2.0
    out = F.elu(h, alpha=0.5, inplace=True)
    assert out is h
    np.testing.assert_allclose(h.detach().numpy(), [0.5 * np.expm1(-2.0), 1.0, 4.0])
    h.sum().backward()               # d elu(2a)/da = 2·0.5 e^(2a) for a < 0, else 2
    np.testing.assert_allclose(a.grad.detach().numpy(), [np.exp(-2.0), 2.0, 2.0])
    x = _t([-1.0, 3.0], requires_grad=False)
    nn.ReLU(inplace=True)(x)
    np.testing.assert_array_equal(x.detach().numpy(), [0.0, 3.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.relu(_t([1.0]), inplace=True)


def test_hardtanh_rejects_inverted_bounds():
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(_t([0.0]), 1.0, -1.0)
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        nn.Hardtanh(2.0, 1.0)


def test_softmax_without_dim_warns_and_takes_pytorchs_legacy_dim():
    x = tg.tensor(np.arange(24.0).reshape(2, 3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = F.softmax(x)
    np.testing.assert_allclose(y.detach().numpy().sum(0), np.ones((3, 4)))   # dim 0 of 3-D
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        y = nn.LogSoftmax()(tg.tensor(np.zeros((2, 3))))
    np.testing.assert_allclose(y.detach().numpy(), np.full((2, 3), -np.log(3.0)))  # dim 1 for 2-D
    np.testing.assert_allclose(nn.Softmax(dim=0)(x).detach().numpy().sum(0), np.ones((3, 4)))


# ----- dropout ------------------------------------------------------------------------------
def test_dropout_zeroes_a_fraction_p_and_scales_the_rest():
    x = tg.ones(200_000, requires_grad=True)
    tg.manual_seed(3)
    y = F.dropout(x, p=0.25)
    kept = y.detach().numpy() != 0
    assert abs(1.0 - kept.mean() - 0.25) < 0.005           # binomial sd ≈ 0.001
    np.testing.assert_array_equal(y.detach().numpy()[kept], 1.0 / 0.75)
    y.sum().backward()
    # d(x m / (1-p)) = m / (1-p): the gradient of ones is the output
    np.testing.assert_array_equal(x.grad.detach().numpy(), y.detach().numpy())
    tg.manual_seed(3)
    again = F.dropout(x, p=0.25)                          # reproducible
    np.testing.assert_array_equal(again.detach().numpy(), y.detach().numpy())


def test_dropout_edge_probabilities_and_eval():
    x = _t([1.0, -2.0, 3.0])
    assert F.dropout(x, p=0.5, training=False) is x
    assert F.dropout(x, p=0.0) is x
    np.testing.assert_array_equal(F.dropout(x, p=1.0).detach().numpy(), [0.0, -0.0, 0.0])
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match=f"dropout probability has to be between 0 and 1, "
                                             f"but got {p}"):
            F.dropout(x, p)
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout(p)
    drop = nn.Dropout(0.5)
    assert drop.training and drop.eval()(x) is x
    assert not np.array_equal(drop.train()(tg.ones(1000)).detach().numpy(), np.ones(1000))


# ----- pad ----------------------------------------------------------------------------------
def test_pad_matches_pytorch_in_every_mode():
    x = tg.tensor(np.arange(6.0).reshape(1, 2, 3))
    # PyTorch 2.13 gives these four
    np.testing.assert_array_equal(F.pad(x, (1, 1, 1, 0), mode="reflect").detach().numpy(), [
        [[4.0, 3.0, 4.0, 5.0, 4.0], [1.0, 0.0, 1.0, 2.0, 1.0], [4.0, 3.0, 4.0, 5.0, 4.0]]])
    np.testing.assert_array_equal(F.pad(x, (1, 0, 1, 1), mode="replicate").detach().numpy(), [
        [[0.0, 0.0, 1.0, 2.0], [0.0, 0.0, 1.0, 2.0], [3.0, 3.0, 4.0, 5.0],
         [3.0, 3.0, 4.0, 5.0]]])
    np.testing.assert_array_equal(F.pad(x, (2, 1, 1, 0), mode="circular").detach().numpy(), [
        [[4.0, 5.0, 3.0, 4.0, 5.0, 3.0], [1.0, 2.0, 0.0, 1.0, 2.0, 0.0],
         [4.0, 5.0, 3.0, 4.0, 5.0, 3.0]]])
    np.testing.assert_array_equal(F.pad(x, (1, 0, 0, 1, 1, 0), value=7.0).detach().numpy(), [
        [[7.0, 7.0, 7.0, 7.0], [7.0, 7.0, 7.0, 7.0], [7.0, 7.0, 7.0, 7.0]],
        [[7.0, 0.0, 1.0, 2.0], [7.0, 3.0, 4.0, 5.0], [7.0, 7.0, 7.0, 7.0]]])


@pytest.mark.parametrize("mode, pad, want, want_grad", [   # PyTorch 2.13 gives these
    ("reflect", (3, 2), [3.0, 2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0, 1.0], [4.0, 17.0, 16.0, 8.0]),
    ("replicate", (2, -1), [0.0, 0.0, 0.0, 1.0, 2.0], [6.0, 4.0, 5.0, 0.0]),
    ("circular", (-1, 3), [1.0, 2.0, 3.0, 1.0, 2.0, 3.0], [0.0, 5.0, 7.0, 9.0]),
    ("constant", (1, -2), [0.0, 0.0, 1.0], [2.0, 3.0, 0.0, 0.0]),
])
def test_pad_gradients_gather_every_copy(mode, pad, want, want_grad):
    x = tg.tensor(np.arange(4.0).reshape(1, 1, 4), requires_grad=True)
    y = F.pad(x, pad, mode=mode)
    (y * tg.arange(1.0, y.shape[-1] + 1)).sum().backward()    # weights 1, 2, 3, ...
    np.testing.assert_array_equal(y.detach().numpy().ravel(), want)
    np.testing.assert_array_equal(x.grad.detach().numpy().ravel(), want_grad)


@pytest.mark.parametrize("call, exc, message", [
    (lambda x: F.pad(x, (1,)), RuntimeError, "divisible by 2"),
    (lambda x: F.pad(x, (1, 1, 1, 1, 1, 1, 1, 1)), RuntimeError, "pads 4 dimensions"),
    (lambda x: F.pad(x, (1.5, 1)), TypeError, "tuple of ints"),
    (lambda x: F.pad(x, (1, 1), mode="foo"), NotImplementedError, "unrecognised padding mode"),
    (lambda x: F.pad(x, (3, 0), mode="reflect"), RuntimeError, "less than the size 3"),
    (lambda x: F.pad(x, (1, 1), mode="reflect", value=2.0), RuntimeError, "value argument"),
    (lambda x: F.pad(x, (4, 0), mode="circular"), RuntimeError, "more than once"),
    (lambda x: F.pad(x[0, 0], (1, 1), mode="replicate"), NotImplementedError, "2-D or 3-D"),
    (lambda x: F.pad(x, (-4, 2)), RuntimeError, "crops more than the 3 elements"),
])
def test_pad_errors(call, exc, message):
    with pytest.raises(exc, match=message):
        call(tg.zeros(1, 2, 3))


# ----- one_hot and normalize ----------------------------------------------------------------
def test_one_hot():
    y = F.one_hot(tg.tensor([0, 2, 1]))
    assert y.dtype == np.int64 and not y.requires_grad
    np.testing.assert_array_equal(y.detach().numpy(), [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert F.one_hot(tg.tensor([[0], [2]]), 5).shape == (2, 1, 5)
    assert F.one_hot(np.zeros(0, np.int64), 3).shape == (0, 3)
    for bad, n, message in (([0, 3], 3, "smaller than num_classes=3"),
                            ([0, -1], 3, "non-negative"),
                            ([0.0, 1.0], 3, "integer class indices"),
                            ([], -1, "empty tensor")):
        with pytest.raises(RuntimeError, match=message):
            F.one_hot(tg.tensor(np.asarray(bad, np.int64 if bad != [0.0, 1.0] else float)), n)


def test_normalize():
    x = _t([[3.0, 4.0], [0.0, 0.0]])
    y = F.normalize(x)
    np.testing.assert_allclose(y.detach().numpy(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-15)
    y.sum().backward()
    # rows: (I - y yᵀ) 1 / ‖x‖ = ([0.8, -0.6] · 0.2) / 5;  the zero row: 1 / eps (PyTorch: 1e12)
    np.testing.assert_allclose(x.grad.detach().numpy(), [[0.032, -0.024], [1e12, 1e12]], rtol=1e-12)
    v = tg.tensor([[3.0, -4.0]])
    # PyTorch 2.13 gives [[0.75, -1.0]] and [[0.42857142857142855, -0.5714285714285714]]
    np.testing.assert_allclose(F.normalize(v, p=math.inf, dim=1).detach().numpy(), [[0.75, -1.0]])
    np.testing.assert_allclose(F.normalize(v, p=1, dim=1).detach().numpy(), [[3 / 7, -4 / 7]])
    np.testing.assert_allclose(F.normalize(tg.tensor([3.0, 4.0]), dim=0).detach().numpy(),
                               [0.6, 0.8])
    with pytest.raises(IndexError, match="normalize: dim 1 is out of range"):
        F.normalize(tg.tensor([3.0, 4.0]))


# ----- layer norm ---------------------------------------------------------------------------
def _np_layer_norm(x, axes, eps):
    mu = x.mean(axes, keepdims=True)
    return (x - mu) / np.sqrt(((x - mu) ** 2).mean(axes, keepdims=True) + eps)


def test_layer_norm_matches_the_closed_form_and_pytorch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 2, 3))
    ln = nn.LayerNorm((2, 3), eps=1e-3)
    assert ln.weight.shape == (2, 3) and ln.bias.shape == (2, 3)
    np.testing.assert_array_equal(ln.weight.detach().numpy(), np.ones((2, 3)))
    np.testing.assert_allclose(ln(tg.tensor(x)).detach().numpy(), _np_layer_norm(x, (1, 2), 1e-3),
                               rtol=1e-12, atol=1e-14)
    ln = nn.LayerNorm(3)
    ln.weight.data[...] = [1.0, 2.0, 3.0]
    ln.bias.data[...] = [0.0, 1.0, -1.0]
    y = ln(tg.tensor([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]]))
    # PyTorch 2.13 gives these
    np.testing.assert_allclose(y.detach().numpy(), [
        [-1.0690415314502977, 0.46547923427485094, 3.0089057429386155],
        [-0.7071050134262237, -0.41421002685244734, 3.2426300805573423]], rtol=1e-12)
    assert gradcheck(lambda t: F.layer_norm(t, (3,), ln.weight, ln.bias),
                     _t(rng.normal(size=(2, 3))))


def test_layer_norm_gradient_is_orthogonal_to_shifts_and_scales():
    # f(x) = LN(x) is invariant to x -> a x + b, so J·1 = 0 and J·x̂ ≈ 0 (eps = 0 makes it exact)
    x = _t(np.random.default_rng(1).normal(size=(5,)))
    v = tg.tensor(np.random.default_rng(2).normal(size=(5,)))
    (F.layer_norm(x, (5,), eps=0.0) * v).sum().backward()
    assert abs(x.grad.detach().numpy().sum()) < 1e-12
    g, xv = x.grad.detach().numpy(), x.detach().numpy()
    assert abs(g @ xv) < 1e-12 * (1 + abs(xv).sum())


def test_layer_norm_errors_and_options():
    x = tg.zeros(2, 4)
    with pytest.raises(RuntimeError, match=r"expected input with shape \(\*, 3\)"):
        nn.LayerNorm(3)(x)
    with pytest.raises(TypeError, match="normalized_shape must be a tuple of ints"):
        F.layer_norm(x, 4)
    with pytest.raises(RuntimeError, match="weight must have normalized_shape"):
        F.layer_norm(x, (4,), weight=tg.ones(3))
    ln = nn.LayerNorm(4, elementwise_affine=False)
    assert ln.weight is None and ln.bias is None and list(ln.state_dict()) == []
    assert list(nn.LayerNorm(4, bias=False).state_dict()) == ["weight"]
    assert nn.LayerNorm(3, dtype=np.float32)(tg.zeros(2, 3, dtype=np.float32)).dtype == np.float32


# ----- batch norm ---------------------------------------------------------------------------
XB = [[1.0, 2.0], [3.0, 6.0], [5.0, 7.0]]


def test_batch_norm_training_step_and_running_statistics():
    bn = nn.BatchNorm1d(2)
    out = bn(tg.tensor(XB))
    # PyTorch 2.13 gives these values and running stats
    np.testing.assert_allclose(out.detach().numpy(), [
        [-1.224742575001414, -1.388728661736058], [-1.1102230246251565e-16, 0.4629095539120196],
        [1.2247425750014136, 0.925819107824039]], rtol=1e-12, atol=1e-15)
    # by hand: batch means (3, 5), unbiased variances (4, 7); 0.9·0 + 0.1·mean, 0.9·1 + 0.1·var
    np.testing.assert_allclose(bn.running_mean.detach().numpy(), [0.3, 0.5], rtol=1e-15)
    np.testing.assert_allclose(bn.running_var.detach().numpy(), [1.3, 1.6], rtol=1e-15)
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == np.int64
    bn.eval()
    # PyTorch 2.13 gives these: (x - running_mean) / √(running_var + eps)
    np.testing.assert_allclose(bn(tg.tensor(XB)).detach().numpy(), [
        [0.6139382522184913, 1.18585041678638], [2.3680475442713234, 4.348118194883393],
        [4.122156836324156, 5.138685139407647]], rtol=1e-12)
    assert bn.num_batches_tracked.item() == 1


def test_batch_norm_cumulative_average_with_momentum_none():
    bn = nn.BatchNorm1d(2, momentum=None)
    bn(tg.tensor(XB))
    bn(tg.tensor(XB) * 2.0)
    # the plain average of the two batches: means (3, 5), (6, 10); variances (4, 7), (16, 28)
    np.testing.assert_allclose(bn.running_mean.detach().numpy(), [4.5, 7.5], rtol=1e-15)
    np.testing.assert_allclose(bn.running_var.detach().numpy(), [10.0, 17.5], rtol=1e-15)
    assert bn.num_batches_tracked.item() == 2


def test_batch_norm_over_batch_and_length_matches_numpy():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(4, 3, 5))
    bn = nn.BatchNorm1d(3, eps=1e-3, momentum=0.5)
    bn.weight.data[...] = [1.0, 2.0, -1.0]
    bn.bias.data[...] = [0.5, 0.0, 1.0]
    w, b = bn.weight.detach().numpy()[:, None], bn.bias.detach().numpy()[:, None]
    want = _np_layer_norm(x, (0, 2), 1e-3) * w + b
    np.testing.assert_allclose(bn(tg.tensor(x)).detach().numpy(), want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(bn.running_mean.detach().numpy(), 0.5 * x.mean((0, 2)), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.detach().numpy(), 0.5 + 0.5 * x.var((0, 2), ddof=1),
                               rtol=1e-12)
    assert gradcheck(lambda t: bn(t), _t(x))


def test_batch_norm_without_running_stats_and_errors():
    bn = nn.BatchNorm1d(2, affine=False, track_running_stats=False)
    assert bn.running_mean is None and bn.num_batches_tracked is None
    assert list(bn.state_dict()) == [] and bn.weight is None
    bn.eval()                          # no running statistics: eval uses the batch's
    np.testing.assert_allclose(bn(tg.tensor(XB)).detach().numpy()[:, 0], [-1.224742575001414, 0.0,
                                                                   1.2247425750014136], atol=1e-12)
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value per channel when training"):
        bn(tg.zeros(1, 3))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 1D input"):
        bn(tg.zeros(3))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements"):
        bn(tg.zeros(2, 4))
    with pytest.raises(RuntimeError, match="must be given when not training"):
        F.batch_norm(tg.zeros(2, 3), None, None)
    out = bn(tg.zeros(0, 3))           # an empty batch leaves the statistics alone (PyTorch)
    assert out.shape == (0, 3)
    np.testing.assert_array_equal(bn.running_var.detach().numpy(), np.ones(3))


# ----- embedding ----------------------------------------------------------------------------
def test_embedding_lookup_and_padding_gradient():
    emb = nn.Embedding(4, 3, padding_idx=1, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(emb.weight.detach().numpy()[1], np.zeros(3))
    idx = tg.tensor([[1, 1], [2, 1]])
    out = emb(idx)
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.detach().numpy()[1, 0], emb.weight.detach().numpy()[2])
    emb(tg.tensor([1, 1, 2, 1])).sum().backward()
    # PyTorch 2.13: the padding row gets no gradient, row 2 gets one per lookup
    np.testing.assert_array_equal(emb.weight.grad.detach().numpy(),
                                  [[0.0] * 3, [0.0] * 3, [1.0] * 3, [0.0] * 3])
    w = _t(np.arange(6.0).reshape(3, 2))
    y = F.embedding(np.array([2, 0, 2]), w, padding_idx=0)
    np.testing.assert_array_equal(y.detach().numpy(), [[4.0, 5.0], [0.0, 1.0], [4.0, 5.0]])
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.detach().numpy(), [[0.0, 0.0], [0.0, 0.0], [2.0, 2.0]])
    assert nn.Embedding(4, 2, padding_idx=-1).padding_idx == 3


def test_embedding_errors_and_from_pretrained():
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="index 4 is out of range for 4 embeddings"):
        emb(tg.tensor([0, 4]))
    with pytest.raises(IndexError, match="index -1 is out of range"):
        emb(tg.tensor([-1]))
    with pytest.raises(RuntimeError, match="indices must be integers"):
        emb(tg.tensor([0.0, 1.0]))
    with pytest.raises(AssertionError, match="padding_idx must be within num_embeddings"):
        nn.Embedding(4, 2, padding_idx=4)
    with pytest.raises(RuntimeError, match="'weight' must be 2-D"):
        F.embedding(tg.tensor([0]), tg.zeros(3))
    pre = nn.Embedding.from_pretrained(tg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert not pre.weight.requires_grad and repr(pre) == "Embedding(2, 2)"
    np.testing.assert_array_equal(pre(tg.tensor(1)).detach().numpy(), [3.0, 4.0])


# ----- Flatten, Unflatten, Identity ---------------------------------------------------------
def test_flatten_unflatten_identity():
    x = tg.zeros(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Flatten(0)(tg.tensor(1.0)).shape == (1,)
    assert nn.Unflatten(1, (3, 1))(x).shape == (2, 3, 1, 4)
    assert nn.Unflatten(-1, (2, -1))(x).shape == (2, 3, 2, 2)
    ident = nn.Identity(54, unused="x")
    assert ident(x) is x
    with pytest.raises(RuntimeError, match="start_dim 2 cannot come after end_dim 1"):
        nn.Flatten(2, 1)(x)
    with pytest.raises(IndexError, match="dim 3 is out of range"):
        nn.Flatten(3)(x)
    with pytest.raises(RuntimeError, match=r"sizes \[2, 3\] don't multiply up to the size 4"):
        nn.Unflatten(2, (2, 3))(x)
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints"):
        nn.Unflatten(1, 6)
    with pytest.raises(TypeError, match="element of type float at pos 0"):
        nn.Unflatten(1, (2.0, 3))


# ----- repr ---------------------------------------------------------------------------------
REPRS = [     # PyTorch 2.13 prints each of these exactly so
    (lambda: nn.ReLU(), "ReLU()"), (lambda: nn.ReLU(inplace=True), "ReLU(inplace=True)"),
    (lambda: nn.Tanh(), "Tanh()"), (lambda: nn.Sigmoid(), "Sigmoid()"),
    (lambda: nn.GELU(), "GELU(approximate='none')"),
    (lambda: nn.GELU(approximate="tanh"), "GELU(approximate='tanh')"),
    (lambda: nn.SiLU(), "SiLU()"), (lambda: nn.ELU(), "ELU(alpha=1.0)"),
    (lambda: nn.ELU(alpha=0.5, inplace=True), "ELU(alpha=0.5, inplace=True)"),
    (lambda: nn.SELU(), "SELU()"), (lambda: nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
    (lambda: nn.LeakyReLU(0.2, inplace=True), "LeakyReLU(negative_slope=0.2, inplace=True)"),
    (lambda: nn.Softplus(), "Softplus(beta=1.0, threshold=20.0)"),
    (lambda: nn.Softplus(beta=2, threshold=10), "Softplus(beta=2, threshold=10)"),
    (lambda: nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"),
    (lambda: nn.ReLU6(), "ReLU6()"), (lambda: nn.Hardsigmoid(inplace=True), "Hardsigmoid()"),
    (lambda: nn.Hardswish(), "Hardswish()"), (lambda: nn.Mish(inplace=True), "Mish(inplace=True)"),
    (lambda: nn.Softsign(), "Softsign()"), (lambda: nn.LogSigmoid(), "LogSigmoid()"),
    (lambda: nn.Tanhshrink(), "Tanhshrink()"),
    (lambda: nn.Softmax(dim=1), "Softmax(dim=1)"), (lambda: nn.Softmax(), "Softmax(dim=None)"),
    (lambda: nn.LogSoftmax(dim=-1), "LogSoftmax(dim=-1)"), (lambda: nn.Identity(), "Identity()"),
    (lambda: nn.Flatten(), "Flatten(start_dim=1, end_dim=-1)"),
    (lambda: nn.Unflatten(1, (2, 3)), "Unflatten(dim=1, unflattened_size=(2, 3))"),
    (lambda: nn.Dropout(), "Dropout(p=0.5, inplace=False)"),
    (lambda: nn.Dropout(0.2, inplace=True), "Dropout(p=0.2, inplace=True)"),
    (lambda: nn.Embedding(10, 3), "Embedding(10, 3)"),
    (lambda: nn.Embedding(10, 3, padding_idx=0), "Embedding(10, 3, padding_idx=0)"),
    (lambda: nn.LayerNorm(4), "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"),
    (lambda: nn.LayerNorm((2, 3), eps=1e-6, elementwise_affine=False),
     "LayerNorm((2, 3), eps=1e-06, elementwise_affine=False, bias=False)"),
    (lambda: nn.BatchNorm1d(3), "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, "
                                "bias=True, track_running_stats=True)"),
    (lambda: nn.BatchNorm1d(3, momentum=None, affine=False, track_running_stats=False),
     "BatchNorm1d(3, eps=1e-05, momentum=None, affine=False, bias=False, "
     "track_running_stats=False)"),
    (lambda: nn.Sequential(), "Sequential()"), (lambda: nn.ModuleList(), "ModuleList()"),
    (lambda: nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1)),
     "Sequential(\n  (0): Linear(in_features=2, out_features=16, bias=True)\n  (1): ReLU()\n"
     "  (2): Linear(in_features=16, out_features=1, bias=True)\n)"),
    (lambda: nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.ReLU(), nn.Tanh()]),
     "ModuleList(\n  (0-2): 3 x ReLU()\n  (3): Tanh()\n)"),
    (lambda: nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(2, 2)}),
     "ModuleDict(\n  (b): ReLU()\n  (a): Linear(in_features=2, out_features=2, bias=True)\n)"),
]


@pytest.mark.parametrize("make, want", REPRS, ids=[w.split("(")[0] + str(i)
                                                   for i, (_, w) in enumerate(REPRS)])
def test_repr_matches_pytorch(make, want):
    assert repr(make()) == want


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.bn = nn.BatchNorm1d(2)
        self.seq = nn.Sequential(OrderedDict([("a", nn.Linear(2, 2)), ("act", nn.Tanh()),
                                              ("drop", nn.Dropout(0.5))]))

    def forward(self, x):
        return self.seq(self.bn(self.lin(x)))

    def extra_repr(self):
        return "hello=1"


def test_nested_repr_with_extra_repr_matches_pytorch():
    assert repr(_Net()) == (      # PyTorch 2.13 prints the same
        "_Net(\n  hello=1\n  (lin): Linear(in_features=2, out_features=2, bias=True)\n"
        "  (bn): BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, bias=True, "
        "track_running_stats=True)\n  (seq): Sequential(\n"
        "    (a): Linear(in_features=2, out_features=2, bias=True)\n    (act): Tanh()\n"
        "    (drop): Dropout(p=0.5, inplace=False)\n  )\n)")


# ----- the Module API -----------------------------------------------------------------------
def test_train_and_eval_propagate_and_change_dropout_and_batch_norm():
    net = _Net()
    x = tg.tensor(np.random.default_rng(0).normal(size=(8, 2)))
    assert all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    a, b = net(x), net(x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())   # no dropout
    assert net.bn.num_batches_tracked.item() == 0
    net.train()
    assert net.seq.drop.training and net.bn.training
    net(x)
    assert net.bn.num_batches_tracked.item() == 1
    net.seq.train(False)               # only a subtree
    assert net.training and not net.seq.drop.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")


def test_traversal_and_apply():
    net = _Net()
    assert [k for k, _ in net.named_modules()] == ["", "lin", "bn", "seq", "seq.a", "seq.act",
                                                   "seq.drop"]
    assert [k for k, _ in net.named_children()] == ["lin", "bn", "seq"]
    assert list(net.children()) == [net.lin, net.bn, net.seq]
    assert [k for k, _ in net.named_buffers()] == ["bn.running_mean", "bn.running_var",
                                                   "bn.num_batches_tracked"]
    order = []
    assert net.apply(lambda m: order.append(type(m).__name__)) is net
    assert order == ["Linear", "BatchNorm1d", "Linear", "Tanh", "Dropout", "Sequential", "_Net"]
    lin = nn.Linear(2, 2)
    shared = nn.Sequential(lin, lin)   # one module, two names
    assert [k for k, _ in shared.named_modules()] == ["", "0"]
    assert [k for k, _ in shared.named_modules(remove_duplicate=False)] == ["", "0", "1"]
    assert [k for k, _ in shared.named_parameters()] == ["0.weight", "0.bias"]
    assert list(shared.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_state_dict_holds_buffers_and_round_trips():
    net = _Net()
    assert list(net.state_dict()) == [
        "lin.weight", "lin.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
        "bn.num_batches_tracked", "seq.a.weight", "seq.a.bias"]   # PyTorch 2.13's order
    net(tg.tensor(np.random.default_rng(1).normal(size=(6, 2))))
    other = _Net()
    other.load_state_dict(net.state_dict())
    for (k, a), (_, b) in zip(net.state_dict().items(), other.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=k)
    assert other.bn.num_batches_tracked.item() == 1
    with pytest.raises(RuntimeError, match="missing keys"):
        other.load_state_dict({"lin.weight": np.zeros((2, 2))})
    assert "bn.running_mean" in dict(net.state_dict(keep_vars=True)) and \
        net.state_dict(keep_vars=True)["bn.running_mean"] is net.bn.running_mean


def test_buffers_and_registration_rules():
    m = nn.Module()
    m.register_buffer("buf", tg.zeros(2))
    m.register_buffer("scratch", tg.zeros(2), persistent=False)
    assert list(m.state_dict()) == ["buf"]
    assert [k for k, _ in m.named_buffers()] == ["buf", "scratch"]
    m.buf = tg.ones(2)                 # a buffer stays a buffer
    assert list(m._buffers) == ["buf", "scratch"] and m.buf.detach().numpy().tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer 'buf'"):
        m.buf = 3
    with pytest.raises(KeyError, match="name can.*t contain"):
        m.register_buffer("a.b", tg.zeros(1))
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign '.*Tensor' as parameter 'weight'"):
        lin.weight = tg.zeros(2, 2)
    lin.bias = None                    # a parameter slot may be emptied
    assert lin.bias is None and [k for k, _ in lin.named_parameters()] == ["weight"]
    with pytest.raises(TypeError, match="is not a Module subclass"):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_zero_grad_requires_grad_and_dtype_conversion():
    net = _Net()
    net(tg.tensor(np.ones((3, 2)) * [[1.0], [2.0], [3.0]])).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.detach().numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.requires_grad_(False) is net and not any(p.requires_grad for p in net.parameters())
    weight = net.lin.weight
    assert net.float() is net
    assert net.lin.weight is weight and weight.dtype == np.float32     # the same Parameter
    assert net.bn.running_mean.dtype == np.float32
    assert net.bn.num_batches_tracked.dtype == np.int64                # not a float: kept
    assert net(tg.ones(3, 2, dtype=np.float32)).dtype == np.float32
    assert net.double().lin.weight.dtype == np.float64
    assert net.to(np.float32, device="cpu").bn.weight.dtype == np.float32
    assert net.to("cpu").bn.weight.dtype == np.float32
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
        net.to(np.int64)


# ----- containers ---------------------------------------------------------------------------
def test_sequential_indexing_and_editing():
    a, b, c = nn.Linear(1, 1), nn.ReLU(), nn.Tanh()
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and list(s) == [a, b, c] and s[-1] is c
    assert isinstance(s[1:], nn.Sequential) and list(s[1:]._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        s[3]
    s.append(nn.Sigmoid()).insert(1, nn.ELU())
    assert [type(m).__name__ for m in s] == ["Linear", "ELU", "ReLU", "Tanh", "Sigmoid"]
    del s[0]                           # renumbered, as PyTorch does
    assert list(s._modules) == ["0", "1", "2", "3"] and type(s[0]).__name__ == "ELU"
    s[0] = nn.GELU()
    assert type(s[0]).__name__ == "GELU"
    with pytest.raises(TypeError, match="cannot assign 'int' as child module '0'"):
        s[0] = 3
    named = nn.Sequential(OrderedDict([("first", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert named.first is named[0] and [k for k, _ in named.named_parameters()] == [
        "first.weight", "first.bias"]
    x = tg.tensor([[1.0, -2.0]])
    np.testing.assert_allclose(named(x).detach().numpy(), named.first(x).relu().detach().numpy())
    assert len(nn.Sequential(nn.ReLU()) + nn.Sequential(nn.Tanh(), nn.ReLU())) == 3


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers.insert(0, nn.SiLU())
    assert [type(m).__name__ for m in layers] == ["SiLU", "Linear", "Linear", "ReLU", "Tanh"]
    assert [k for k, _ in layers.named_parameters()] == ["1.weight", "1.bias", "2.weight",
                                                         "2.bias"]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    assert type(layers.pop(0)).__name__ == "SiLU" and list(layers._modules)[0] == "0"
    layers += [nn.ReLU()]
    assert len(layers) == 5 and layers[-1] is not layers[2]
    with pytest.raises(IndexError, match="index 5 is out of range"):
        layers[5]
    with pytest.raises(TypeError, match="should be called with an iterable"):
        layers.extend(3)
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        layers(tg.zeros(2))

    class Stack(nn.Module):                 # the parameters of a ModuleList belong to its owner
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    st = Stack()
    assert [k for k, _ in st.named_parameters()][:2] == ["layers.0.weight", "layers.0.bias"]
    st(tg.ones(1, 2)).sum().backward()
    assert all(p.grad is not None for p in st.parameters())


def test_module_dict():
    d = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Tanh()})
    assert list(d) == ["b", "a"] and list(d.keys()) == ["b", "a"] and "a" in d and len(d) == 2
    assert [type(v).__name__ for v in d.values()] == ["ReLU", "Tanh"]
    d.update([("lin", nn.Linear(1, 1))])
    d["z"] = nn.ELU()
    assert [k for k, _ in d.named_parameters()] == ["lin.weight", "lin.bias"]
    assert type(d.pop("a")).__name__ == "Tanh" and list(d) == ["b", "lin", "z"]
    with pytest.raises(KeyError):
        d["missing"]
    with pytest.raises(TypeError, match="is not a Module subclass"):
        d["q"] = 3
    with pytest.raises(TypeError, match="module name should be a string"):
        d[3] = nn.ReLU()
    with pytest.raises(KeyError, match="name can.*t contain"):
        nn.ModuleDict({"a.b": nn.ReLU()})
    d.clear()
    assert len(d) == 0 and repr(d) == "ModuleDict()"


def test_parameters_take_the_default_dtype():
    assert nn.Linear(2, 2).weight.dtype == np.float64       # the library's default
    before = tg.get_default_dtype()
    tg.set_default_dtype(np.float32)
    try:
        layers = [nn.Linear(2, 2), nn.LayerNorm(2), nn.BatchNorm1d(2), nn.Embedding(3, 2)]
    finally:
        tg.set_default_dtype(before)
    assert all(t.dtype == np.float32 for m in layers for t in m.parameters())
    assert layers[2].running_var.dtype == np.float32
    assert nn.LayerNorm(2, dtype=np.float32).weight.dtype == np.float32
    with pytest.raises(AssertionError, match="not compiled with CUDA"):
        nn.Linear(2, 2, device="cuda")


@pytest.mark.parametrize("fn", [
    F.gelu, lambda x: F.gelu(x, approximate="tanh"), F.elu, F.selu, F.leaky_relu, F.hardtanh,
    lambda x: F.layer_norm(x, (3,)), lambda x: F.batch_norm(x, None, None, training=True),
    lambda x: F.pad(x, (1, 2, 0, 1), value=0.5), lambda x: F.pad(x, (1, 1), mode="reflect"),
], ids=["gelu", "gelu_tanh", "elu", "selu", "leaky_relu", "hardtanh", "layer_norm", "batch_norm",
        "pad", "pad_reflect"])
def test_vectorized_jacobian_matches_the_row_by_row_one(fn):
    """The batched vjps (one backward pass for all rows of the Jacobian) agree with vjp."""
    x = tg.tensor(np.random.default_rng(5).uniform(-2, 2, (2, 3)))
    jac = tg.autograd.functional.jacobian
    np.testing.assert_allclose(jac(fn, x, vectorize=True).detach().numpy(),
                               jac(fn, x).detach().numpy(), rtol=1e-13, atol=1e-15)
