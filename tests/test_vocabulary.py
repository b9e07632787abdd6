"""Names a course uses beside the topic modules: mm, bmm, softmax/log_softmax as methods and
functions, tril/triu, meshgrid, nonzero/argwhere/count_nonzero/bincount, legacy constructors.
Expected values are closed forms or NumPy's; meshgrid's 'xy' layout is PyTorch 2.13's."""
import numpy as np
import pytest

import tinygrad_ku as tg
import tinygrad_ku.nn.functional as F


def test_mm_and_bmm_are_matmul_for_their_shapes_only():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(tg.mm(tg.tensor(a), tg.tensor(b)).numpy(), a @ b)
    np.testing.assert_array_equal(tg.tensor(a).mm(tg.tensor(b)).numpy(), a @ b)
    A, B = np.ones((2, 2, 3)), np.ones((2, 3, 4))
    np.testing.assert_array_equal(tg.bmm(tg.tensor(A), tg.tensor(B)).numpy(), A @ B)
    with pytest.raises(RuntimeError, match="mm: expects two matrices"):
        tg.mm(tg.ones(3), tg.ones(3, 2))
    with pytest.raises(RuntimeError, match="bmm: .* same batch size"):
        tg.bmm(tg.ones(2, 2, 3), tg.ones(3, 3, 4))


def test_softmax_and_log_softmax_as_methods_and_functions():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    want = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    t = tg.tensor(x)
    for got in (t.softmax(1), t.softmax(dim=-1), tg.softmax(t, dim=1), F.softmax(t, dim=1)):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-14)
    np.testing.assert_allclose(t.log_softmax(1).numpy(), np.log(want), rtol=1e-14)
    np.testing.assert_allclose(tg.log_softmax(t, 0).numpy(),
                               x - np.log(np.exp(x).sum(axis=0)), rtol=1e-14)
    with pytest.raises(IndexError):
        t.softmax(2)


def test_tril_triu_values_and_gradients():
    x = tg.tensor(np.arange(1.0, 10.0).reshape(3, 3), requires_grad=True)
    np.testing.assert_array_equal(x.tril().detach().numpy(), np.tril(np.arange(1.0, 10.0).reshape(3, 3)))
    np.testing.assert_array_equal(tg.triu(x, diagonal=1).detach().numpy(),
                                  np.triu(np.arange(1.0, 10.0).reshape(3, 3), 1))
    x.tril(-1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.tril(np.ones((3, 3)), -1))
    assert tg.gradcheck(lambda t: t.triu(), tg.tensor(np.random.default_rng(0).standard_normal(
        (2, 3, 4)), requires_grad=True))
    with pytest.raises(RuntimeError, match="at least 2 dims"):
        tg.tril(tg.ones(3))


def test_meshgrid_ij_and_xy():
    x, y = tg.arange(3.0), tg.arange(2.0)
    a, b = tg.meshgrid(x, y, indexing="ij")
    A, B = np.meshgrid(np.arange(3.0), np.arange(2.0), indexing="ij")
    np.testing.assert_array_equal(a.numpy(), A)
    np.testing.assert_array_equal(b.numpy(), B)
    a, b = tg.meshgrid(x, y, indexing="xy")            # PyTorch 2.13: shape (2, 3)
    np.testing.assert_array_equal(a.numpy(), [[0, 1, 2], [0, 1, 2]])
    np.testing.assert_array_equal(b.numpy(), [[0, 0, 0], [1, 1, 1]])
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    g0, g1 = tg.meshgrid(w, tg.arange(3.0))
    (g0 * g1).sum().backward()                          # d/dw_i Σ_j w_i j = 0 + 1 + 2
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0])


def test_nonzero_argwhere_count_and_bincount():
    m = np.array([[1, 0], [0, 3]])
    t = tg.tensor(m)
    np.testing.assert_array_equal(t.nonzero().numpy(), np.argwhere(m))
    np.testing.assert_array_equal(tg.argwhere(t).numpy(), np.argwhere(m))
    rows, cols = tg.nonzero(t, as_tuple=True)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]
    assert tg.count_nonzero(t).item() == 2 and tg.count_nonzero(t, dim=0).tolist() == [1, 1]
    assert tg.bincount(tg.tensor([0, 2, 2])).tolist() == [1, 0, 2]
    assert tg.bincount(tg.tensor([1, 1]), weights=tg.tensor([0.5, 2.0]), minlength=3).tolist() \
        == [0.0, 2.5, 0.0]
    with pytest.raises(RuntimeError, match="non-negative"):
        tg.bincount(tg.tensor([-1, 2]))


def test_legacy_constructors():
    assert tg.FloatTensor([1, 2]).dtype == tg.float32
    assert tg.LongTensor([1, 2]).dtype == tg.int64
    assert tg.FloatTensor(2, 3).shape == (2, 3)         # sizes: zeros of that shape
    assert tg.BoolTensor([True]).dtype == tg.bool


def test_a_python_number_first_takes_the_tensors_dtype_as_torch():
    # torch.add(2, x) and 2 + x agree: a number never widens a tensor of its own kind
    x = tg.tensor([1.0, 2.0], dtype=tg.float32, requires_grad=True)
    i = tg.tensor([1, 2], dtype=tg.int32)
    assert tg.add(2, x).dtype == (2 + x).dtype == tg.float32
    assert tg.sub(1, x).dtype == tg.float32 and tg.mul(0.5, x).dtype == tg.float32
    assert tg.add(2, i).dtype == tg.int32
    assert tg.mul(2.5, i).dtype == tg.get_default_dtype()     # a float and an int tensor
    np.testing.assert_array_equal(tg.sub(1, x).detach().numpy(), [0.0, -1.0])
    tg.sub(1, x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [-1.0, -1.0])
