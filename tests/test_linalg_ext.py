"""tg.linalg inv, det, slogdet, solve, cholesky: values against NumPy, first and second derivatives."""
import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku import linalg as LA

RNG = np.random.default_rng(3)


def _mat(*batch, n=3):
    return tg.tensor(RNG.standard_normal(batch + (n, n)) + 3 * np.eye(n), requires_grad=True)


def _spd(x):
    return x @ x.mT + 3.0 * tg.eye(x.shape[-1])


CASES = [
    ("inv", lambda a: LA.inv(a), [(), (2,)]),
    ("det", lambda a: LA.det(a), [(), (2,)]),
    ("logabsdet", lambda a: LA.slogdet(a).logabsdet, [(), (2,)]),
    ("cholesky", lambda a: LA.cholesky(_spd(a)), [(), (2,)]),
    ("cholesky_upper", lambda a: LA.cholesky(_spd(a), upper=True), [()]),
]


@pytest.mark.parametrize("name, f, batches", CASES, ids=[c[0] for c in CASES])
def test_first_and_second_derivatives(name, f, batches):
    for batch in batches:
        a = _mat(*batch)
        assert tg.gradcheck(f, a)
        assert tg.gradgradcheck(f, a)


@pytest.mark.parametrize("bshape", [(3,), (3, 2), (2, 3, 2)])
def test_solve_derivatives_matrix_and_vector_rhs(bshape):
    a = _mat(2) if len(bshape) == 3 else _mat()
    b = tg.tensor(RNG.standard_normal(bshape), requires_grad=True)
    assert tg.gradcheck(LA.solve, (a, b))
    assert tg.gradgradcheck(LA.solve, (a, b))


def test_values_against_numpy():
    a = _mat(2)
    A = a.data
    np.testing.assert_allclose(LA.inv(a).data, np.linalg.inv(A))
    np.testing.assert_allclose(LA.det(a).data, np.linalg.det(A))
    sign, logabs = LA.slogdet(a)
    np.testing.assert_allclose(sign.data * np.exp(logabs.data), np.linalg.det(A))
    b = RNG.standard_normal((2, 3))
    np.testing.assert_allclose((a @ LA.solve(a, tg.tensor(b)).unsqueeze(-1)).data[..., 0], b)
    x = LA.solve(a, tg.tensor(RNG.standard_normal((3, 3))), left=False)
    S = _spd(a).data
    L = LA.cholesky(tg.tensor(S)).data
    np.testing.assert_allclose(L @ np.swapaxes(L, -1, -2), S)
    assert np.allclose(np.triu(L[0], 1), 0.0)
    assert x.shape == (2, 3, 3)


def test_gradients_closed_forms():
    a = _mat()
    LA.det(a).backward()             # d det A / dA = det A · A⁻ᵀ
    A = a.data
    np.testing.assert_allclose(a.grad.data, np.linalg.det(A) * np.linalg.inv(A).T)
    a.grad = None
    LA.slogdet(a).logabsdet.backward()
    np.testing.assert_allclose(a.grad.data, np.linalg.inv(A).T)
    H = tg.autograd.functional.hessian(lambda t: LA.slogdet(t).logabsdet, tg.tensor(A))
    Ai = np.linalg.inv(A)            # ∂² log|det A| / ∂A_ij ∂A_kl = -A⁻¹_jk A⁻¹_li
    np.testing.assert_allclose(H.data, -np.einsum("jk,li->ijkl", Ai, Ai), atol=1e-12)


def test_errors_name_the_op_and_shape():
    with pytest.raises(ValueError, match=r"inv: .*square.*\(2, 3\)"):
        LA.inv(tg.zeros(2, 3))
    with pytest.raises(ValueError, match=r"solve: .*\(3, 3\).*\(2,\)"):
        LA.solve(tg.eye(3), tg.zeros(2))
    with pytest.raises(np.linalg.LinAlgError, match="inv: .*singular"):
        LA.inv(tg.zeros(2, 2))
    with pytest.raises(np.linalg.LinAlgError, match="cholesky"):
        LA.cholesky(-tg.eye(2))
    with pytest.raises(TypeError, match="det"):
        LA.det(tg.tensor([[1, 0], [0, 1]]))
