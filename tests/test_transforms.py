"""tg.distributions.transform_to: round trips, closed-form inverses at extreme values,
first and second derivatives of every forward map, shapes and errors."""
import math

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku.distributions import constraints as C
from tinygrad_ku.distributions import transform_to

RNG = np.random.default_rng(11)

# (name, constraint, natural shape)
CASES = [
    ("real", C.real, (3,)),
    ("real_vector", C.real_vector, (2, 3)),
    ("positive", C.positive, (4,)),
    ("nonnegative", C.nonnegative, (2,)),
    ("greater_than", C.greater_than(-2.5), (3,)),
    ("unit_interval", C.unit_interval, (4,)),
    ("interval", C._Interval(-1.0, 3.0), (3,)),
    ("simplex", C.simplex, (4,)),
    ("simplex_batch", C.simplex, (2, 3)),
    ("lower_cholesky", C.lower_cholesky, (3, 3)),
    ("lower_cholesky_1", C.lower_cholesky, (1, 1)),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,constraint,shape", CASES, ids=IDS)
def test_forward_lands_in_the_support_and_inverse_recovers_u(name, constraint, shape):
    t = transform_to(constraint)
    u = RNG.normal(scale=2.0, size=t.unconstrained_shape(shape))
    x = t(tg.tensor(u)).data
    assert x.shape == shape
    assert np.all(constraint.check(x))
    np.testing.assert_allclose(t.inv(x), u, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t(tg.tensor(t.inv(x))).data, x, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name,constraint,shape", CASES, ids=IDS)
def test_forward_passes_gradcheck_and_gradgradcheck(name, constraint, shape):
    t = transform_to(constraint)
    u = tg.tensor(RNG.normal(size=t.unconstrained_shape(shape)), requires_grad=True)
    assert tg.autograd.gradcheck(lambda v: t(v), (u,))
    assert tg.autograd.gradgradcheck(lambda v: t(v), (u,))


def test_sigmoid_forward_is_accurate_in_both_tails_and_at_zero():
    t = transform_to(C.unit_interval)
    u = np.array([-700.0, -40.0, 0.0, 40.0])
    x = t(tg.tensor(u)).data
    ref = np.exp(-np.logaddexp(0.0, -u))               # 1 / (1 + e^-u) in logs
    np.testing.assert_allclose(x, ref, rtol=1e-13)
    assert x[0] > 0                                      # 0.5 (1 + tanh(u/2)) would give 0
    v = tg.tensor(0.0, requires_grad=True)
    t(v).backward()
    assert float(v.grad) == pytest.approx(0.25, rel=1e-15)    # s(1 − s) at 0, not a kink


def test_inverses_at_extreme_values_match_closed_forms():
    t = transform_to(C.unit_interval)
    top = 1.0 - 2.0 ** -53                              # the largest double below 1 (1 − 1e-16)
    u = t.inv(np.array([1e-300, top]))
    assert u[0] == pytest.approx(-300 * math.log(10.0), rel=1e-15)        # log p − log1p(−p)
    assert u[1] == pytest.approx(53 * math.log(2.0) + math.log1p(-2.0 ** -53), rel=1e-15)
    x = t(tg.tensor(u)).data
    assert x[0] == pytest.approx(1e-300, rel=1e-12)
    assert abs(x[1] - top) <= 2.0 ** -53                # one ulp: 1/(1 + 2^-53) rounds to even
    pos = transform_to(C.positive)
    np.testing.assert_allclose(pos.inv(np.array([1e-300, 1e300])),
                               [-300 * math.log(10.0), 300 * math.log(10.0)], rtol=1e-15)
    gt = transform_to(C.greater_than(1e3))
    assert gt.inv(np.array([1e3 + 1e-9]))[0] == pytest.approx(math.log(1e-9), rel=1e-6)
    sx = transform_to(C.simplex)
    u = sx.inv(np.array([1e-300, 0.25, 0.75]))
    np.testing.assert_allclose(u, [math.log(1e-300 / 0.75), math.log(1 / 3)], rtol=1e-15)
    np.testing.assert_allclose(sx(tg.tensor(u)).data, [1e-300, 0.25, 0.75], rtol=1e-13)
    L = np.array([[1e-200, 0.0], [-3.0, 1e150]])
    lc = transform_to(C.lower_cholesky)
    v = lc.inv(L)
    np.testing.assert_allclose(v, [math.log(1e-200), -3.0, math.log(1e150)], rtol=1e-15)
    np.testing.assert_allclose(lc(tg.tensor(v)).data, L, rtol=1e-13)


def test_simplex_uses_the_last_category_as_reference():
    sx = transform_to(C.simplex)
    p = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(sx.inv(p), np.log(p[:2] / p[2]), rtol=1e-15)
    assert sx(tg.tensor(np.zeros(2))).data == pytest.approx([1 / 3] * 3, rel=1e-15)


def test_lower_cholesky_fills_rows_in_order_with_exp_diagonal():
    lc = transform_to(C.lower_cholesky)
    v = np.array([0.0, 2.0, math.log(3.0), 4.0, 5.0, math.log(6.0)])
    np.testing.assert_allclose(lc(tg.tensor(v)).data, [[1, 0, 0], [2, 3, 0], [4, 5, 6]],
                               rtol=1e-15)


def test_unconstrained_shapes():
    assert transform_to(C.positive).unconstrained_shape((2, 3)) == (2, 3)
    assert transform_to(C.simplex).unconstrained_shape((5, 4)) == (5, 3)
    assert transform_to(C.lower_cholesky).unconstrained_shape((4, 4)) == (10,)
    assert transform_to(C.lower_cholesky).unconstrained_shape((2, 3, 3)) == (2, 6)
    with pytest.raises(ValueError, match="square"):
        transform_to(C.lower_cholesky).unconstrained_shape((3, 2))
    with pytest.raises(ValueError, match="D\\(D\\+1\\)/2"):
        transform_to(C.lower_cholesky)(tg.tensor(np.zeros(4)))


def test_inverse_refuses_values_outside_or_on_the_edge_of_the_support():
    with pytest.raises(ValueError, match=r"ExpTransform.inv: .*positive.*-1"):
        transform_to(C.positive).inv(np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="strictly inside"):
        transform_to(C.positive).inv(np.array([0.0]))
    with pytest.raises(ValueError, match="strictly inside"):
        transform_to(C.unit_interval).inv(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="probability vector"):
        transform_to(C.simplex).inv(np.array([0.5, 0.6]))
    with pytest.raises(ValueError, match="strictly inside"):
        transform_to(C.simplex).inv(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="lower triangular"):
        transform_to(C.lower_cholesky).inv(np.array([[1.0, 0.5], [0.0, 1.0]]))


def test_unsupported_constraints_are_named():
    with pytest.raises(NotImplementedError, match="0 or 1"):
        transform_to(C.boolean)
    with pytest.raises(NotImplementedError, match="positive-definite"):
        transform_to(C.positive_definite)


def test_transform_to_is_exported_like_torch():
    assert "transform_to" in tg.distributions.__all__
    assert tg.distributions.transform_to is transform_to


def test_sigmoid_transform_onto_an_interval_round_trips():
    t = tg.distributions.transforms.SigmoidTransform(2.0, 5.0)
    assert str(t.constraint) == "in the closed interval [2.0, 5.0]"
    x = np.array([2.5, 3.0, 4.999])
    np.testing.assert_allclose(t(tg.tensor(t.inv(x))).numpy(), x, rtol=1e-13)
    with pytest.raises(ValueError, match="interval"):
        t.inv(np.array([1.0]))
