"""Second and third derivatives through singular values: svdvals, norm(ord=2, -2, 'nuc'), the Svd op."""
import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku.ops import linalg as L

RNG = np.random.default_rng(20240607)
SHAPES = [(3, 3), (4, 2), (2, 4), (2, 3, 2), (2, 2, 3)]


def _matrix(shape, seed):
    """Q₁ diag(σ) Q₂ᵀ with random orthogonal Q₁, Q₂ and distinct σ in [0.6, 3.5] (gaps ≥ 0.5)."""
    rng = np.random.default_rng(seed)
    *batch, m, n = shape
    k = min(m, n)
    q1 = np.linalg.qr(rng.standard_normal((*batch, m, k)))[0]
    q2 = np.linalg.qr(rng.standard_normal((*batch, n, k)))[0]
    sigma = 0.6 + 0.8 * np.arange(k) + rng.uniform(0, 0.3, (*batch, k))
    return tg.tensor((q1 * sigma[..., None, :]) @ np.swapaxes(q2, -1, -2), requires_grad=True)


FUNCS = {
    "svdvals": tg.linalg.svdvals,
    "ord=2": lambda x: tg.linalg.matrix_norm(x, 2),
    "ord=-2": lambda x: tg.linalg.matrix_norm(x, -2),
    "nuc": lambda x: tg.linalg.matrix_norm(x, "nuc"),
}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", FUNCS)
def test_gradgradcheck(name, shape):
    assert tg.gradgradcheck(FUNCS[name], _matrix(shape, 3), atol=1e-6, rtol=1e-4)


def _first_order_gradient(f):
    """x ↦ ∇f(x) by one plain backward pass (exact: checked by tests/test_ops.py)."""
    def gradient(x):
        with tg.enable_grad():
            x = x.detach().requires_grad_()
            return tg.grad(f(x), x)[0]
    return gradient


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 3), (2, 3, 2)], ids=str)
@pytest.mark.parametrize("ord", [2, -2, "nuc"])
def test_hessian_matches_differences_of_the_gradient(ord, shape):
    a = _matrix(shape, 5)

    def f(x):
        return tg.linalg.matrix_norm(x, ord).sum()

    h = tg.autograd.functional.hessian(f, a)
    num = tg.autograd.numerical_jacobian(_first_order_gradient(f), a)
    assert h.shape == shape + shape
    assert np.abs(h.data).max() > 0.1
    np.testing.assert_allclose(h.data, num, atol=1e-7, rtol=1e-5)


def _closed_form_2x2(x, ord):
    """σ₁ ± σ₂ = sqrt(‖A‖_F² ± 2|det A|) for a 2×2 matrix: elementary ops only."""
    fro2 = (x * x).sum()
    det = (x[0, 0] * x[1, 1] - x[0, 1] * x[1, 0]).abs()
    plus, minus = (fro2 + 2 * det).sqrt(), (fro2 - 2 * det).sqrt()
    return {2: 0.5 * (plus + minus), -2: 0.5 * (plus - minus), "nuc": plus}[ord]


@pytest.mark.parametrize("ord", [2, -2, "nuc"])
def test_hessian_of_2x2_matches_closed_form(ord):
    a = tg.tensor([[1.3, -0.4], [0.7, 0.5]], requires_grad=True)
    f = lambda x: tg.linalg.norm(x, ord)                          # noqa: E731
    ref = lambda x: _closed_form_2x2(x, ord)                      # noqa: E731
    np.testing.assert_allclose(float(f(a)), float(ref(a)), rtol=1e-12)
    h = tg.autograd.functional.hessian(f, a)
    np.testing.assert_allclose(h.data, tg.autograd.functional.hessian(ref, a).data,
                               atol=1e-12, rtol=1e-10)


def test_hessian_vectorized_agrees():
    a = _matrix((3, 2), 7)
    f = lambda x: tg.linalg.norm(x, "nuc")                        # noqa: E731
    h = tg.autograd.functional.hessian(f, a)
    hv = tg.autograd.functional.hessian(f, a, vectorize=True)
    np.testing.assert_allclose(hv.data, h.data, atol=1e-12)
    num = tg.autograd.numerical_jacobian(_first_order_gradient(f), a)
    np.testing.assert_allclose(hv.data, num, atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("shape", [(3, 3), (2, 3), (3, 2)], ids=str)
def test_third_derivatives(shape):
    def gradient_of_nuclear_norm(x):
        return tg.grad(tg.linalg.norm(x, "nuc"), x, create_graph=True)[0]

    a = _matrix(shape, 11)
    assert gradient_of_nuclear_norm(a).requires_grad
    assert tg.gradgradcheck(gradient_of_nuclear_norm, a, atol=1e-6, rtol=1e-4)


def _gauge_invariant(x, c):
    """U diag(c) Vᵀ + (u₁ᵀ u₁-projector sum) · Σσ: unchanged when u_i, v_i flip sign together."""
    u, s, vt = L.svd(x)
    k = s.shape[-1]
    top = u[..., :1]
    return (u * tg.tensor(c[:k])) @ vt + (top @ L.mT(top)).sum() * s.sum()


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2)], ids=str)
def test_svd_op_first_and_second_derivatives(shape):
    c = RNG.standard_normal(4)
    a = _matrix(shape, 13)
    assert tg.gradcheck(lambda x: _gauge_invariant(x, c), a, atol=1e-6, rtol=1e-4)
    assert tg.gradgradcheck(lambda x: _gauge_invariant(x, c), a, atol=1e-6, rtol=1e-4)


def test_svd_reconstructs_the_matrix():
    a = RNG.standard_normal((2, 4, 3))
    u, s, vt = L.svd(tg.tensor(a, requires_grad=True))
    np.testing.assert_allclose(((u * s.unsqueeze(-2)) @ vt).data, a, atol=1e-12)
    np.testing.assert_allclose(s.data, np.linalg.svd(a, compute_uv=False), atol=1e-12)


def test_repeated_singular_values_give_nonfinite_second_derivatives():
    # As PyTorch: d U/d A and d V/d A do not exist at repeated singular values, so the
    # second derivative of anything through them is inf/nan, never a finite wrong number.
    eye = tg.tensor(np.eye(3), requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = tg.autograd.functional.hessian(lambda x: tg.linalg.norm(x, "nuc"), eye)
        (g,) = tg.grad(tg.linalg.norm(eye, "nuc"), eye)
    np.testing.assert_allclose(g.data, np.eye(3), atol=1e-12)    # first order: U Vᵀ = I
    assert not np.isfinite(h.data).all()


def test_first_order_path_unchanged():
    a = _matrix((3, 2), 17)
    (g,) = tg.grad(tg.linalg.norm(a, "nuc"), a)
    u, _, vt = np.linalg.svd(a.data, full_matrices=False)
    np.testing.assert_allclose(g.data, u @ vt, atol=1e-12)
    assert not g.requires_grad
