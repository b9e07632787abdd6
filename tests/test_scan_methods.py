"""Scans, sorting and order statistics (tinygrad_ku/methods/scan.py): values, index outputs,
tie conventions, dtypes, empty and size-1 dims, errors. The gradients away from ties are
checked by the op table (tests/op_cases_scan.py); here, the ones at ties and at zeros.
Literals marked "PyTorch 2.13" were printed by torch 2.13 for the same call."""
import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku.autograd import functional as AF

NAN = np.nan
A = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
TIES = [1.0, 3.0, 3.0, 2.0, 3.0, 0.0]


def leaf(v):
    return tg.tensor(np.asarray(v, np.float64), requires_grad=True)


def grad_of(f, v, weights=None):
    """d Σ(w · f(x)) / dx at x = v."""
    x = leaf(v)
    out = f(x)
    (out if weights is None else out * tg.tensor(weights)).sum().backward()
    return x.grad.numpy()


def eq(t, want):
    np.testing.assert_array_equal(np.asarray(t.data if isinstance(t, tg.Tensor) else t), want)


# ----- scans ------------------------------------------------------------------------------------
def test_scan_values():
    a = tg.tensor(A)
    # PyTorch 2.13 gives these
    eq(a.cumsum(0), [[0.5, -1.0, 2.0], [2.0, -0.75, 1.25]])
    eq(tg.cumsum(a, dim=1), [[0.5, -0.5, 1.5], [1.5, 1.75, 1.0]])
    eq(a.cumprod(1), [[0.5, -0.5, -1.0], [1.5, 0.375, -0.28125]])
    np.testing.assert_allclose(a.logcumsumexp(1).numpy(),
                               [[0.5, 0.7014132779827524, 2.241311296657157],
                                [1.5, 1.751929081345373, 1.830672609407224]], rtol=1e-15)
    np.testing.assert_allclose(tg.logcumsumexp(a, 0).numpy(),
                               [[0.5, -1.0, 2.0],
                                [1.8132616875182228, 0.501929081345373, 2.0619675890031988]],
                               rtol=1e-15)


def test_logcumsumexp_has_no_overflow_or_underflow():
    eq(tg.tensor([-1000.0, 0.0, 1000.0]).logcumsumexp(0), [-1000.0, 0.0, 1000.0])
    np.testing.assert_allclose(tg.tensor([1000.0, 1000.0]).logcumsumexp(0).numpy(),
                               [1000.0, 1000.0 + np.log(2)], rtol=1e-15)
    eq(tg.tensor([-np.inf, -np.inf]).logcumsumexp(0), [-np.inf, -np.inf])
    # the gradient at x_j is Σ_{i≥j} g_i exp(x_j - out_i), with g of both signs
    np.testing.assert_allclose(grad_of(lambda t: t.logcumsumexp(0), [-1000.0, 0.0, 1000.0],
                                       [1.0, -2.0, 3.0]), [1.0, -2.0, 3.0], rtol=1e-12)


def test_scan_gradients():
    # PyTorch 2.13 gives these
    eq(grad_of(lambda t: t.cumsum(0), A, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
       [[5.0, 7.0, 9.0], [4.0, 5.0, 6.0]])
    np.testing.assert_allclose(
        grad_of(lambda t: t.logcumsumexp(1), A, [1.0, -2.0, 3.0]),
        [[-0.10927777596717725, -0.24751332780065033, 2.35679110376782752],
         [1.60072130110381328, 0.17210953434233700, 0.22716916455385058]], rtol=1e-13)
    assert grad_of(lambda t: t.logcumsumexp(0), A, np.zeros((2, 3))).tolist() == [[0.0] * 3] * 2


def test_cumprod_gradient_is_exact_at_zeros():
    # d out_i / d x_j = Π_{k≤i, k≠j} x_k; PyTorch 2.13 gives these
    eq(grad_of(lambda t: t.cumprod(0), [2.0, 0.0, 3.0, 0.0, 4.0], [1.0, 2.0, 3.0, 4.0, 5.0]),
       [1.0, 22.0, 0.0, 0.0, 0.0])
    eq(grad_of(lambda t: t.cumprod(0), [0.0, 0.0, 2.0], [1.0, 2.0, 3.0]), [1.0, 0.0, 0.0])
    eq(grad_of(lambda t: t.cumprod(1), [[0.0, 2.0], [3.0, 0.0]]), [[3.0, 0.0], [1.0, 3.0]])


def test_cumprod_second_derivative_at_a_zero():
    w = leaf([[0.5, -1.0, 2.0], [1.5, 0.0, 3.0]])
    (g,) = tg.grad(w.cumprod(1).sum(), w, create_graph=True)
    eq(g, [[-2.0, 1.5, -0.5], [1.0, 6.0, 0.0]])
    # Σ_j d g_j / d w, PyTorch 2.13 gives it (the zero's row: 1 + x0 + x2 = 5.5)
    eq(tg.grad(g.sum(), w)[0], [[2.0, 3.5, -0.5], [4.0, 5.5, 1.5]])


def test_scan_dtypes():
    assert tg.tensor([1, 2, 3]).cumsum(0).dtype == np.int64
    eq(tg.tensor([True, False, True]).cumsum(0), [1, 1, 2])
    assert tg.tensor([True, True]).cumsum(0).dtype == np.int64
    assert tg.tensor([1, 2], dtype=np.int32).cumprod(0).dtype == np.int64
    assert tg.tensor([1.0, 2.0], dtype=np.float32).cumsum(0).dtype == np.float32
    eq(tg.tensor([1, 3, 2]).cumsum(0, dtype=tg.float32), [1.0, 4.0, 6.0])
    x = tg.tensor([1.0, 3.0], dtype=np.float32, requires_grad=True)
    y = x.cumsum(0, dtype=tg.float64)
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    eq(x.grad, [2.0, 1.0])
    with tg.no_grad():
        assert x.cumsum(0, dtype=tg.int64).dtype == np.int64


def test_scans_of_scalars_and_empty_dims():
    s = tg.tensor(2.0, requires_grad=True)
    for op in ("cumsum", "cumprod", "logcumsumexp"):
        out = getattr(s, op)(-1)
        assert out.shape == () and out.item() == 2.0
    assert s.cummax(0).values.shape == () and s.cummax(0).indices.item() == 0
    for shape, dim in (((0, 3), 0), ((0, 3), 1), ((2, 0), 1)):
        z = tg.zeros(*shape)
        for op in ("cumsum", "cumprod", "logcumsumexp"):
            assert getattr(z, op)(dim).shape == shape
        v, i = z.cummin(dim)
        assert v.shape == i.shape == shape and i.dtype == np.int64
    one = leaf([[4.0], [5.0]])
    eq(one.cumprod(1), [[4.0], [5.0]])
    one.cummax(1).values.sum().backward()
    eq(one.grad, [[1.0], [1.0]])


# ----- cummax / cummin -----------------------------------------------------------------------
def test_cummax_cummin_ties_and_nan():
    # PyTorch 2.13: ties move the index to the latest element reaching the extreme
    v, i = tg.tensor(TIES).cummax(0)
    eq(v, [1.0, 3.0, 3.0, 3.0, 3.0, 3.0])
    eq(i, [0, 1, 2, 2, 4, 4])
    v, i = tg.cummin(tg.tensor(TIES), 0)
    eq(v, [1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    eq(i, [0, 0, 0, 0, 0, 5])
    eq(tg.tensor([2.0, 1.0, 1.0, 3.0, 1.0]).cummin(0).indices, [0, 1, 2, 2, 4])
    for op in ("cummax", "cummin"):        # a NaN becomes the extreme; a later NaN takes over
        v, i = getattr(tg.tensor([1.0, NAN, 3.0, NAN, 5.0]), op)(0)
        eq(v, [1.0, NAN, NAN, NAN, NAN])
        eq(i, [0, 1, 1, 3, 3])
    eq(tg.tensor([1, 3, 2]).cummax(0).values, [1, 3, 3])


def test_cummax_gradient_goes_to_the_indices():
    # PyTorch 2.13 gives these
    eq(grad_of(lambda t: t.cummax(0).values, TIES), [1.0, 1.0, 2.0, 0.0, 2.0, 0.0])
    eq(grad_of(lambda t: t.cummin(0).values, [3.0, 1.0, 3.0, 3.0, 0.0, 3.0], np.arange(6.0)),
       [0.0, 6.0, 0.0, 0.0, 9.0, 0.0])
    eq(grad_of(lambda t: t.cummax(1).values, A, [1.0, 2.0, 3.0]), [[3.0, 0.0, 3.0],
                                                                  [6.0, 0.0, 0.0]])


# ----- sort, argsort, topk ----------------------------------------------------------------
def test_sort_is_stable_both_ways():
    # PyTorch 2.13 gives these (stable=True and its default alike)
    for stable in (False, True):
        v, i = tg.tensor(TIES).sort(stable=stable)
        eq(v, [0.0, 1.0, 2.0, 3.0, 3.0, 3.0])
        eq(i, [5, 0, 3, 1, 2, 4])
        v, i = tg.sort(tg.tensor(TIES), 0, True, stable=stable)
        eq(v, [3.0, 3.0, 3.0, 2.0, 1.0, 0.0])
        eq(i, [1, 2, 4, 3, 0, 5])
    eq(tg.tensor(TIES).argsort(), [5, 0, 3, 1, 2, 4])
    eq(tg.argsort(tg.tensor(TIES), descending=True, stable=True), [1, 2, 4, 3, 0, 5])


def test_sort_puts_nan_as_the_largest():
    x = tg.tensor([1.0, NAN, 3.0, NAN, 0.0])
    v, i = x.sort()                    # PyTorch 2.13 gives these
    eq(v, [0.0, 1.0, 3.0, NAN, NAN])
    eq(i, [4, 0, 2, 1, 3])
    v, i = x.sort(descending=True)
    eq(v, [NAN, NAN, 3.0, 1.0, 0.0])
    eq(i, [1, 3, 2, 0, 4])
    v, i = tg.tensor([1.0, NAN, 3.0]).topk(2)
    eq(v, [NAN, 3.0])
    eq(i, [1, 2])
    eq(tg.tensor([1.0, NAN, 3.0]).topk(2, largest=False).indices, [0, 2])


def test_sort_along_a_dim():
    v, i = tg.tensor(A).sort(0)        # PyTorch 2.13 gives these
    eq(v, [[0.5, -1.0, -0.75], [1.5, 0.25, 2.0]])
    eq(i, [[0, 0, 1], [1, 1, 0]])
    v, i = tg.tensor(A).sort(dim=1, descending=True)
    eq(v, [[2.0, 0.5, -1.0], [1.5, 0.25, -0.75]])
    eq(i, [[2, 0, 1], [0, 1, 2]])
    eq(tg.tensor([1, 3, 2]).sort().values, [1, 2, 3])
    eq(tg.tensor([True, False]).sort().indices, [1, 0])


def test_sort_gradient_scatters_back():
    # PyTorch 2.13 gives these, ties included
    eq(grad_of(lambda t: t.sort().values, [3.0, 1.0, 3.0, 3.0, 0.0, 3.0], np.arange(6.0)),
       [2.0, 1.0, 3.0, 4.0, 0.0, 5.0])
    eq(grad_of(lambda t: t.sort(descending=True).values, [3.0, 1.0, 3.0, 3.0, 0.0, 3.0],
               np.arange(6.0)), [0.0, 4.0, 1.0, 2.0, 5.0, 3.0])
    eq(grad_of(lambda t: t.sort(1).values, A, [1.0, 2.0, 3.0]), [[2.0, 1.0, 3.0],
                                                               [3.0, 2.0, 1.0]])


def test_topk():
    a = tg.tensor(A)
    v, i = a.topk(2)                   # PyTorch 2.13 gives these
    eq(v, [[2.0, 0.5], [1.5, 0.25]])
    eq(i, [[2, 0], [0, 1]])
    v, i = tg.topk(a, 1, 0, largest=False)
    eq(v, [[0.5, -1.0, -0.75]])
    eq(i, [[0, 0, 1]])
    v, i = a.topk(k=2, dim=1, largest=False, sorted=False)
    eq(v, [[-1.0, 0.5], [-0.75, 0.25]])
    eq(grad_of(lambda t: t.topk(2, 1).values, A, [1.0, 2.0]), [[2.0, 0.0, 1.0],
                                                              [1.0, 2.0, 0.0]])
    v, i = a.topk(0)
    assert v.shape == i.shape == (2, 0)


def test_topk_ties_take_the_first_in_stable_order():
    # PyTorch 2.13 gives the same values [3, 3] but indices [2, 4] (its selection algorithm's
    # choice, which it does not document); here ties follow the stable sort
    x = leaf(TIES)
    v, i = x.topk(2)
    eq(v, [3.0, 3.0])
    eq(i, [1, 2])
    v.sum().backward()
    eq(x.grad, [0.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    eq(tg.tensor(TIES).topk(4, largest=False).indices, [5, 0, 3, 1])


# ----- median, kthvalue, mode ----------------------------------------------------------------
def test_median_is_the_lower_middle_value():
    # PyTorch 2.13 gives these
    assert tg.tensor([1.0, 2.0, 3.0, 4.0]).median().item() == 2.0
    assert tg.tensor(A).median().item() == 0.25
    v, i = tg.tensor(A).median(1)
    eq(v, [0.5, 0.25])
    eq(i, [0, 1])
    v, i = tg.median(tg.tensor(TIES), 0)
    assert (v.item(), i.item()) == (2.0, 3)
    v, i = tg.tensor([3.0, 1.0, 3.0, 3.0, 0.0, 3.0]).median(0)   # the first tied element
    assert (v.item(), i.item()) == (3.0, 0)
    v, i = tg.tensor([[1.0], [2.0]]).median(dim=0, keepdim=True)
    eq(v, [[1.0]])
    eq(i, [[0]])
    assert tg.tensor([1, 2, 3, 4]).median().item() == 2


def test_median_with_nan():
    # PyTorch 2.13: NaN propagates; median(dim) points at the first NaN
    assert np.isnan(tg.tensor([1.0, NAN, 3.0]).median().item())
    v, i = tg.tensor([1.0, NAN, 3.0, NAN]).median(0)
    assert np.isnan(v.item()) and i.item() == 1


def test_median_gradients_at_ties():
    # PyTorch 2.13: median() shares evenly among the tied elements, median(dim) picks one
    x = [3.0, 1.0, 3.0, 3.0, 0.0, 3.0]
    eq(grad_of(lambda t: t.median(), x), [0.25, 0.0, 0.25, 0.25, 0.0, 0.25])
    eq(grad_of(lambda t: t.median(0).values, x), [1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    eq(grad_of(lambda t: t.median(), TIES), [0.0, 0.0, 0.0, 1.0, 0.0, 0.0])


def test_kthvalue():
    a = tg.tensor(A)
    v, i = a.kthvalue(2)               # PyTorch 2.13 gives these
    eq(v, [0.5, 0.25])
    eq(i, [0, 1])
    v, i = tg.kthvalue(a, 1, 0, keepdim=True)
    eq(v, [[0.5, -1.0, -0.75]])
    eq(i, [[0, 0, 1]])
    eq(grad_of(lambda t: t.kthvalue(2, 1).values, A), [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    v, i = tg.tensor(TIES).kthvalue(3)
    assert (v.item(), i.item()) == (2.0, 3)
    assert tg.tensor(TIES).kthvalue(4).values.item() == 3.0
    v, i = tg.tensor(2.0).kthvalue(1)
    assert (v.shape, v.item(), i.item()) == ((), 2.0, 0)


def test_mode():
    # PyTorch 2.13: the smallest of the most frequent values, at its last occurrence
    v, i = tg.tensor([2.0, 1.0, 2.0, 1.0, 0.0]).mode()
    assert (v.item(), i.item()) == (1.0, 3)
    v, i = tg.mode(tg.tensor(TIES))
    assert (v.item(), i.item()) == (3.0, 4)
    v, i = tg.tensor([1.0, NAN, NAN]).mode()        # NaNs never equal each other
    assert (v.item(), i.item()) == (1.0, 0)
    v, i = tg.tensor(A).mode(1)
    eq(v, [-1.0, -0.75])
    eq(i, [1, 2])
    v, i = tg.tensor([[1.0, 2.0, 3.0], [4.0, 2.0, 6.0]]).mode(0, keepdim=True)
    eq(v, [[1.0, 2.0, 3.0]])
    eq(i, [[0, 1, 0]])
    eq(grad_of(lambda t: t.mode().values, TIES), [0.0, 0.0, 0.0, 0.0, 1.0, 0.0])


def test_selections_of_scalars_and_empty_dims():
    s = tg.tensor(2.0)
    for res in (s.sort(), s.topk(1), s.topk(0), s.median(0), s.median(0, keepdim=True),
                s.kthvalue(1, 0, True), s.mode(0, True), s.cummax(-1)):
        assert res.values.shape == res.indices.shape == ()
        assert (res.values.item(), res.indices.item()) == (2.0, 0)
    assert s.argsort().shape == () and s.median().item() == 2.0
    z = tg.zeros(0, 3)
    assert z.sort(0).values.shape == (0, 3) and z.argsort(1).shape == (0, 3)
    assert z.topk(0, 0).values.shape == (0, 3) and z.topk(1).indices.shape == (0, 1)
    for res in (z.median(1), z.kthvalue(1, 1), z.mode(1)):
        assert res.values.shape == res.indices.shape == (0,)
    assert z.median(1, keepdim=True).values.shape == (0, 1)
    assert np.isnan(z.median().item())
    v, i = tg.tensor([[7.0], [5.0]]).sort(1)
    eq(i, [[0], [0]])


def test_index_outputs_are_int64_and_carry_no_gradient():
    x = leaf(A)
    results = [x.cummax(1), x.cummin(0), x.sort(), x.topk(2), x.median(1), x.kthvalue(1),
               x.mode()]
    for res in results:
        assert res.indices.dtype == np.int64 and not res.indices.requires_grad
        assert res.values.requires_grad
    assert x.argsort().dtype == np.int64
    _, inverse, counts = x.unique(return_inverse=True, return_counts=True)
    assert inverse.dtype == counts.dtype == np.int64


def test_changing_the_returned_indices_leaves_the_gradient_alone():
    x = leaf(A)
    v, i = x.sort(1)
    i += 1                             # in place, on the int64 index tensor
    (v * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    eq(x.grad, [[2.0, 1.0, 3.0], [3.0, 2.0, 1.0]])


def test_results_are_named_tuples():
    res = tg.tensor(TIES).sort()
    values, indices = res
    assert isinstance(res, tuple) and res[0] is values and res.indices is indices
    assert type(res).__name__ == "sort" and res._fields == ("values", "indices")
    assert repr(tg.tensor([1.0, 2.0]).cummax(0)) == (
        "tinygrad_ku.return_types.cummax(\nvalues=tensor([1., 2.]),\nindices=tensor([0, 1]))")
    assert [type(r).__name__ for r in (res, tg.tensor(A).topk(1), tg.tensor(A).median(0),
                                       tg.tensor(A).kthvalue(1), tg.tensor(A).mode())] == \
        ["sort", "topk", "median", "kthvalue", "mode"]


# ----- unique ----------------------------------------------------------------------------------
def test_unique():
    x = tg.tensor([3, 1, 3, 2])
    eq(x.unique(), [1, 2, 3])
    values, inverse, counts = tg.unique(x, return_inverse=True, return_counts=True)
    eq(values, [1, 2, 3])              # PyTorch 2.13 gives these
    eq(inverse, [2, 0, 2, 1])
    eq(counts, [1, 1, 2])
    eq(tg.unique(x, sorted=False), [1, 2, 3])
    values, inverse = tg.tensor([[3, 1], [3, 1]]).unique(return_inverse=True)
    eq(inverse, [[1, 0], [1, 0]])
    assert x.unique(True, False, True)[1].tolist() == [1, 1, 2]
    values, counts = tg.tensor([1.0, NAN, NAN, 1.0]).unique(return_counts=True)
    eq(values, [1.0, NAN, NAN])        # NaNs are distinct
    eq(counts, [2, 1, 1])
    assert tg.tensor([True, False, True]).unique().tolist() == [False, True]


def test_unique_along_a_dim():
    x = tg.tensor([[1, 2], [1, 2], [0, 5]])
    values, inverse, counts = x.unique(dim=0, return_inverse=True, return_counts=True)
    eq(values, [[0, 5], [1, 2]])       # PyTorch 2.13 gives these
    eq(inverse, [1, 1, 0])
    eq(counts, [1, 2])
    values, inverse = tg.unique(x, return_inverse=True, dim=1)
    eq(values, [[1, 2], [1, 2], [0, 5]])
    eq(inverse, [0, 1])


def test_unique_of_scalars_and_empty_tensors():
    values, inverse = tg.tensor(3.0).unique(return_inverse=True)
    eq(values, [3.0])
    assert inverse.shape == () and inverse.item() == 0
    values, inverse, counts = tg.zeros(0, 3).unique(return_inverse=True, return_counts=True)
    assert values.shape == (0,) and inverse.shape == (0, 3) and counts.shape == (0,)
    assert tg.zeros(0, 3).unique(dim=0).shape == (0, 3)


def test_unique_gives_no_gradient():
    assert not leaf(A).unique().requires_grad


# ----- std_mean / var_mean --------------------------------------------------------------------
def test_std_mean_and_var_mean():
    a = tg.tensor(A)
    s, m = tg.std_mean(a, 1)           # PyTorch 2.13 gives these
    np.testing.assert_allclose(s.numpy(), [1.5, 1.12731243820572358], rtol=1e-15)
    np.testing.assert_allclose(m.numpy(), [0.5, 0.33333333333333337], rtol=1e-15)
    v, m = tg.var_mean(a, 0, keepdim=True)
    eq(v, [[0.5, 0.78125, 3.78125]])
    eq(m, [[1.0, -0.375, 0.625]])
    v, m = tg.var_mean(a, correction=0)
    assert v.item() == pytest.approx(1.18055555555555558, rel=1e-15)
    assert m.item() == pytest.approx(0.41666666666666674, rel=1e-15)
    s, _ = tg.std_mean(a, (0, 1), correction=2)
    assert s.item() == pytest.approx(1.33072661855594276, rel=1e-15)
    assert type(tg.var_mean(a)) is tuple


def test_var_mean_legacy_unbiased_arguments():
    x = tg.tensor(TIES)
    biased, unbiased = 4.0 / 3.0, 1.6   # PyTorch 2.13: var_mean(x, False), var_mean(x, True)
    assert tg.var_mean(x, False)[0].item() == pytest.approx(biased)
    assert tg.var_mean(x, True)[0].item() == pytest.approx(unbiased)
    assert tg.var_mean(x, 0, False)[0].item() == pytest.approx(biased)
    v, m = tg.var_mean(x, 0, False, True)
    assert v.shape == m.shape == (1,)
    assert tg.var_mean(x, unbiased=False)[0].item() == pytest.approx(biased)
    assert tg.var_mean(x, dim=None, keepdim=True)[1].shape == (1,)


def test_moments_gradients():
    x = leaf(A)
    s, m = tg.std_mean(x, 1)
    (s.sum() + m.sum()).backward()
    want = (np.asarray(A) - np.mean(A, 1, keepdims=True)) / (2 * np.std(A, 1, ddof=1,
                                                                         keepdims=True)) + 1 / 3
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-14)


# ----- the batched rule -----------------------------------------------------------------------
@pytest.mark.parametrize("f", [
    lambda t: t.cumsum(1), lambda t: t.cumprod(0), lambda t: t.logcumsumexp(-1),
    lambda t: t.cummax(1).values, lambda t: t.sort(0, descending=True).values,
    lambda t: t.topk(2).values, lambda t: t.median(1).values, lambda t: t.median(),
    lambda t: (t * tg.tensor([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0]])).cumprod(1),
], ids=["cumsum", "cumprod", "logcumsumexp", "cummax", "sort", "topk", "median_dim", "median",
        "cumprod_zeros"])
def test_vectorized_jacobian_matches_row_by_row(f):
    x = tg.tensor(A)
    np.testing.assert_allclose(AF.jacobian(f, x, vectorize=True).numpy(),
                               AF.jacobian(f, x).numpy(), rtol=1e-13, atol=1e-15)


# ----- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("call, exc, match", [
    (lambda x: x.cumsum(2), IndexError, r"cumsum\(\): Dimension out of range.*\[-2, 1\].*got 2"),
    (lambda x: tg.tensor(1.0).cumsum(1), IndexError, r"range of \[-1, 0\]"),
    (lambda x: x.cumsum(), TypeError, "dim"),
    (lambda x: x.cumsum(0.0), TypeError, r"cumsum\(\): argument 'dim' must be int, not float"),
    (lambda x: x.cumsum((0,)), TypeError, "not tuple"),
    (lambda x: x.cumsum(0, dtype=tg.int64), RuntimeError, "cumsum.*int64.*requires grad"),
    (lambda x: tg.tensor([1, 3]).logcumsumexp(0), NotImplementedError,
     "logcumsumexp.*int64"),
    (lambda x: x.cummax(-3), IndexError, r"cummax\(\): Dimension out of range"),
    (lambda x: x.sort(dim=5), IndexError, r"sort\(\): Dimension out of range"),
    (lambda x: x.argsort(2), IndexError, r"argsort\(\): Dimension out of range"),
    (lambda x: x.topk(4), RuntimeError, r"topk\(\): selected index k out of range: k=4.*size 3"),
    (lambda x: x.topk(-1), RuntimeError, "selected index k out of range"),
    (lambda x: x.topk(1.5), TypeError, r"topk\(\): argument 'k' must be int, not float"),
    (lambda x: x.topk(1, dim=2), IndexError, r"topk\(\): Dimension out of range"),
    (lambda x: tg.tensor(2.0).topk(2), RuntimeError, "k out of range"),
    (lambda x: tg.zeros(2, 0).topk(1, 1), RuntimeError, "k out of range"),
    (lambda x: x.kthvalue(0), RuntimeError, r"kthvalue\(\): selected number k=0 out of range"),
    (lambda x: x.kthvalue(4, 1), RuntimeError, "out of range for dimension 1 of size 3"),
    (lambda x: x.kthvalue(1.0), TypeError, "argument 'k' must be int"),
    (lambda x: tg.zeros(0, 3).kthvalue(1, 0), IndexError,
     r"kthvalue\(\): Expected reduction dim 0 to have non-zero size"),
    (lambda x: tg.zeros(0, 3).median(0), IndexError,
     r"median\(\): Expected reduction dim 0 to have non-zero size \(shape \(0, 3\)\)"),
    (lambda x: tg.zeros(0).mode(), IndexError, "mode.*non-zero size"),
    (lambda x: x.median(2), IndexError, r"median\(\): Dimension out of range"),
    (lambda x: x.median(keepdim=True), TypeError, "keepdim=True needs dim"),
    (lambda x: x.mode(1.0), TypeError, "argument 'dim' must be int"),
    (lambda x: x.unique(dim=2), IndexError, r"unique\(\): Dimension out of range"),
    (lambda x: tg.tensor(3.0).unique(dim=0), IndexError, "tensor has no dimensions"),
    (lambda x: tg.zeros(0, 3).unique(dim=1), RuntimeError, "0 sized dimensions.*shape"),
    (lambda x: tg.var_mean(x, 3), IndexError, r"var_mean\(\): Dimension out of range"),
    (lambda x: tg.std_mean(x, (0, -3)), IndexError, "Dimension out of range"),
    (lambda x: tg.var_mean(tg.tensor([1, 2])), RuntimeError, "var_mean.*floating point.*int64"),
    (lambda x: tg.std_mean(x, 0, unbiased=True, correction=0), TypeError,
     "either unbiased= or correction="),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call(leaf(A))
