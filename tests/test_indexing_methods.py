"""Values, gradients, edge cases and errors of tinygrad_ku/methods/indexing.py (gather, scatter*,
index_select, masks, flip, roll, repeat, tile, t, narrow, split, chunk, take_along_dim).
The gradient checks of every shape live in the op table (tests/op_cases_indexing.py); here are
PyTorch's values written down, its conventions, and what the table cannot express."""
import numpy as np
import pytest

import tinygrad_ku as tg

X = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
W = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def _x():
    return tg.tensor(X, requires_grad=True)


def _grad(out, weights, *leaves):
    """d sum(weights * out) / d leaves."""
    return [g.numpy() for g in tg.grad((out * tg.tensor(weights)).sum(), leaves)]


def _eq(got, want):
    got, want = (a.detach().numpy() if isinstance(a, tg.Tensor) else a for a in (got, want))
    np.testing.assert_array_equal(got, np.asarray(want, np.float64))


# ----- values and gradients: PyTorch 2.13 gives the literals below ------------------------------
def test_gather():
    x = _x()
    out = x.gather(1, np.array([[2, 0], [1, 1]]))
    _eq(out, [[3.0, 1.0], [5.0, 5.0]])
    (gx,) = _grad(out, [[1.0, 2.0], [3.0, 4.0]], x)
    _eq(gx, [[2.0, 0.0, 1.0], [0.0, 7.0, 0.0]])     # repeated picks add up (a scatter-add)


def test_gather_index_smaller_than_input_and_scalars():
    x = _x()
    _eq(x.gather(0, np.array([[1]])), [[4.0]])
    s = tg.tensor(3.0)
    assert s.gather(0, np.array(0)).shape == () and float(s.gather(0, np.array(0))) == 3.0
    _eq(s.gather(0, np.array([0, 0])), [3.0, 3.0])
    assert tg.tensor([1.0, 2.0, 3.0]).gather(0, np.array(2)).shape == ()
    assert x.gather(1, np.zeros((0, 3), np.int64)).shape == (0, 3)


def test_scatter_src_and_value():
    x, src = _x(), tg.tensor([[10.0, 20.0, 30.0]], requires_grad=True)
    out = x.scatter(0, np.array([[1, 0, 1]]), src)
    _eq(out, [[1.0, 20.0, 3.0], [10.0, 5.0, 30.0]])
    gx, gs = _grad(out, W, x, src)
    _eq(gx, [[1.0, 0.0, 3.0], [0.0, 5.0, 0.0]])     # the overwritten entries get nothing
    _eq(gs, [[4.0, 2.0, 6.0]])                      # src: the gradient at its target
    _eq(x.scatter(1, np.array([[0, 2]]), 2.5), [[2.5, 2.0, 2.5], [4.0, 5.0, 6.0]])
    _eq(x.scatter(1, np.array([[0, 2]]), value=2.5), [[2.5, 2.0, 2.5], [4.0, 5.0, 6.0]])


def test_scatter_to_a_repeated_position_gives_each_src_the_gradient_of_that_position():
    # PyTorch 2.13: x.scatter(0, [0, 0, 2], src) weighted by [1, 2, 3] gives x.grad [0, 2, 0]
    # and src.grad [1, 1, 3] (every src element written to position 0 gets its gradient)
    x, src = tg.zeros(3, requires_grad=True), tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    gx, gs = _grad(x.scatter(0, np.array([0, 0, 2]), src), [1.0, 2.0, 3.0], x, src)
    _eq(gx, [0.0, 2.0, 0.0])
    _eq(gs, [1.0, 1.0, 3.0])


def test_scatter_src_larger_than_index_uses_its_leading_block():
    # PyTorch 2.13 computes this forward but fails in backward (gradient of the index's shape);
    # here the unused src elements get 0
    x, src = tg.zeros(2, 3, requires_grad=True), tg.ones(3, 3, requires_grad=True)
    out = x.scatter(1, np.array([[0, 1]]), src * tg.tensor([[1.0, 2.0, 3.0]]))
    _eq(out, [[1.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    (gs,) = _grad(out, np.ones((2, 3)), src)
    _eq(gs, [[1.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])


def test_scatter_add():
    x, src = _x(), tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = x.scatter_add(1, np.array([[0, 0], [2, 0]]), src)
    _eq(out, [[4.0, 2.0, 3.0], [8.0, 5.0, 9.0]])
    gx, gs = _grad(out, W, x, src)
    _eq(gx, W)
    _eq(gs, [[1.0, 1.0], [6.0, 4.0]])


# base [2, 3, 0, 7], index [0, 2, 2, 1, 0], src [4, 0, 2, 0, 5], weights [1, 2, 3, 4]:
# PyTorch 2.13's values and gradients, except amin without self: there PyTorch gives src[1]
# 1.5, counting the left-out base[2] = 0 in a tie with src[1] = 0 (which alone is the min
# of [0, 2], so d out[2] / d src[1] = 1: 3 with the weight 3)
SCATTER_REDUCE = {
    ("sum", True): ([11, 3, 2, 7], [1, 2, 3, 4], [1, 3, 3, 2, 1]),
    ("sum", False): ([9, 0, 2, 7], [0, 0, 0, 4], [1, 3, 3, 2, 1]),
    ("prod", True): ([40, 0, 0, 7], [20, 0, 0, 4], [10, 0, 0, 6, 8]),
    ("prod", False): ([20, 0, 0, 7], [0, 0, 0, 4], [5, 6, 0, 2, 4]),
    ("mean", True): ([11 / 3, 1.5, 2 / 3, 7], [1 / 3, 1, 1, 4], [1 / 3, 1, 1, 1, 1 / 3]),
    ("mean", False): ([4.5, 0, 1, 7], [0, 0, 0, 4], [0.5, 1.5, 1.5, 2, 0.5]),
    ("amax", True): ([5, 3, 2, 7], [0, 2, 0, 4], [0, 0, 3, 0, 1]),
    ("amax", False): ([5, 0, 2, 7], [0, 0, 0, 4], [0, 0, 3, 2, 1]),
    ("amin", True): ([2, 0, 0, 7], [1, 0, 1.5, 4], [0, 1.5, 0, 2, 0]),
    ("amin", False): ([4, 0, 0, 7], [0, 0, 0, 4], [1, 3, 0, 2, 0]),
}


@pytest.mark.parametrize("reduce, include_self", list(SCATTER_REDUCE))
def test_scatter_reduce(reduce, include_self):
    value, want_base, want_src = SCATTER_REDUCE[reduce, include_self]
    base = tg.tensor([2.0, 3.0, 0.0, 7.0], requires_grad=True)
    src = tg.tensor([4.0, 0.0, 2.0, 0.0, 5.0], requires_grad=True)
    out = base.scatter_reduce(0, np.array([0, 2, 2, 1, 0]), src, reduce, include_self=include_self)
    np.testing.assert_allclose(out.detach().numpy(), value, rtol=1e-15)
    gb, gs = _grad(out, [1.0, 2.0, 3.0, 4.0], base, src)
    np.testing.assert_allclose(gb, want_base, rtol=1e-15)
    np.testing.assert_allclose(gs, want_src, rtol=1e-15)


def test_scatter_reduce_amax_without_self_shares_only_among_what_was_scattered():
    # PyTorch 2.13 counts self in the tie even with include_self=False and then drops its
    # share (src.grad [0.5, 0]): the gradient would lose mass. Here src[0] alone wins.
    base, src = tg.tensor([3.0], requires_grad=True), tg.tensor([3.0, 1.0], requires_grad=True)
    out = base.scatter_reduce(0, np.array([0, 0]), src, "amax", include_self=False)
    gb, gs = _grad(out, [1.0], base, src)
    _eq(gb, [0.0])
    _eq(gs, [1.0, 0.0])


def test_scatter_reduce_prod_second_derivative():
    # out = x0 s0 s1: d²out / ds0 ds1 = x0, d²out / dx0 ds0 = s1
    x = tg.tensor([2.0, 5.0], requires_grad=True)
    s = tg.tensor([3.0, 4.0], requires_grad=True)
    out = x.scatter_reduce(0, np.array([0, 0]), s, "prod").sum()
    (gs,) = tg.grad(out, [s], create_graph=True)
    _eq(gs, [8.0, 6.0])
    hs = tg.grad(gs[0], [x, s])
    _eq(hs[0], [4.0, 0.0])
    _eq(hs[1], [0.0, 2.0])


def test_scatter_reduce_on_integers_floors_the_mean():
    out = tg.tensor([-5, 2, 3]).scatter_reduce(0, np.array([0, 0]), tg.tensor([2, 2]), "mean")
    assert out.dtype == np.int64
    _eq(out, [-1, 2, 3])               # PyTorch 2.13: floor(-1/3) = -1


def test_index_select():
    x = _x()
    out = x.index_select(0, np.array([1, 1, 0]))
    _eq(out, [[4.0, 5.0, 6.0], [4.0, 5.0, 6.0], [1.0, 2.0, 3.0]])
    (gx,) = _grad(out, [[1.0], [3.0], [5.0]], x)
    _eq(gx, [[5.0, 5.0, 5.0], [4.0, 4.0, 4.0]])
    _eq(x.index_select(1, np.array(2)), [[3.0], [6.0]])    # a 0-d index keeps the dim
    assert x.index_select(1, np.zeros(0, np.int64)).shape == (2, 0)
    assert tg.tensor(3.0).index_select(0, np.array([0])).shape == ()
    _eq(x.index_select(0, np.array([1], np.int32)), [[4.0, 5.0, 6.0]])


def test_masked_fill_and_masked_select():
    x = _x()
    out = x.masked_fill(np.array([True, False, True]), -1.0)
    _eq(out, [[-1.0, 2.0, -1.0], [-1.0, 5.0, -1.0]])
    (gx,) = _grad(out, W, x)
    _eq(gx, [[0.0, 2.0, 0.0], [0.0, 5.0, 0.0]])
    v = tg.tensor(9.0, requires_grad=True)
    gx, gv = _grad(x.masked_fill(tg.tensor([True, False, True]), v), W, x, v)
    _eq(gv, 1.0 + 3.0 + 4.0 + 6.0)     # the value gets the masked gradient, summed
    assert x.masked_fill(np.ones((1, 2, 3), bool), 0.0).shape == (1, 2, 3)   # broadcasts
    sel = x.masked_select(np.array([True, False, True]))
    _eq(sel, [1.0, 3.0, 4.0, 6.0])
    (gx,) = _grad(sel, [1.0, 1.0, 1.0, 1.0], x)
    _eq(gx, [[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]])
    _eq(tg.tensor(2.0).masked_select(np.array(True)), [2.0])


def test_masked_fill_keeps_the_dtype():
    assert tg.tensor([1.0, 2.0], dtype="float32").masked_fill(np.array([True, False]),
                                                               0.1).dtype == np.float32
    _eq(tg.tensor([1, 2]).masked_fill(np.array([True, False]), 9.5), [9, 2])   # as PyTorch


def test_flip_roll():
    x = _x()
    out = x.flip(1)
    _eq(out, [[3.0, 2.0, 1.0], [6.0, 5.0, 4.0]])
    _eq(_grad(out, W, x)[0], [[3.0, 2.0, 1.0], [6.0, 5.0, 4.0]])
    _eq(x.flip([0, 1]), [[6.0, 5.0, 4.0], [3.0, 2.0, 1.0]])
    _eq(x.flip(dims=(0,)), x.flipud())
    _eq(x.fliplr(), x.flip(1))
    _eq(x.flip(()), X)
    out = x.roll(1, 1)
    _eq(out, [[3.0, 1.0, 2.0], [6.0, 4.0, 5.0]])
    _eq(_grad(out, W, x)[0], [[2.0, 3.0, 1.0], [5.0, 6.0, 4.0]])
    _eq(x.roll((1, -1), (0, 1)), [[5.0, 6.0, 4.0], [2.0, 3.0, 1.0]])
    _eq(x.roll(1), [[6.0, 1.0, 2.0], [3.0, 4.0, 5.0]])      # dims=None: the flattened tensor
    _eq(x.roll((1, 1), (1, 1)), x.roll(2, 1))               # a repeated dim rolls twice
    assert float(tg.tensor(3.0).roll(5)) == 3.0


def test_repeat_tile():
    x = _x()
    out = x.repeat(2, 2)
    _eq(out, [[1.0, 2.0, 3.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 4.0, 5.0, 6.0]] * 2)
    _eq(_grad(out, np.arange(24.0).reshape(4, 6), x)[0], [[30.0, 34.0, 38.0],
                                                           [54.0, 58.0, 62.0]])
    assert x.repeat(2, 1, 3).shape == (2, 2, 9)
    assert x.repeat((0, 2)).shape == (0, 6)
    _eq(x.tile((2,)), [[1.0, 2.0, 3.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 4.0, 5.0, 6.0]])
    assert x.tile(2, 1, 2).shape == (2, 2, 6)
    assert tg.tensor(3.0).repeat(2).shape == (2,)


def test_take_along_dim():
    x = _x()
    _eq(x.take_along_dim(np.array([[2], [0]]), 1), [[3.0], [4.0]])
    _eq(x.take_along_dim(np.array([[0, 1, 1]]), 0), [[1.0, 5.0, 6.0]])
    out = x.take_along_dim(np.array([5, 0, 5]))            # dim=None: the flattened tensor
    _eq(out, [6.0, 1.0, 6.0])
    _eq(_grad(out, [1.0, 1.0, 1.0], x)[0], [[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    _eq(x.take_along_dim(np.array([[0], [2]]), -1), [[1.0], [6.0]])   # broadcasts outside dim
    assert x.take_along_dim(np.array([[0]]), 0).shape == (1, 3)


# ----- views, copies and in-place ------------------------------------------------------------
def test_views_share_memory_and_copies_do_not():
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    views = [x.t(), x.narrow(1, 1, 2), x.split(2, 1)[0], x.chunk(2, 0)[1], x.split([1, 2], 1)[1]]
    assert all(np.shares_memory(v.data, x.data) for v in views)
    copies = [x.flip(0), x.flip(()), x.roll(1, 0), x.repeat(1, 1), x.tile(()), x.gather(
        0, np.array([[0, 1, 0]])), x.index_select(0, np.array([0])), x.masked_fill(
        np.array(False), 0.0), x.scatter(0, np.zeros((0, 3), np.int64), 1.0)]
    assert not any(np.shares_memory(c.data, x.data) for c in copies)
    with tg.no_grad():
        x.narrow(1, 1, 1).add_(100.0)
    _eq(x, [[0.0, 101.0, 2.0], [3.0, 104.0, 5.0]])


def test_t_and_splits_of_low_rank_tensors():
    v = tg.tensor([1.0, 2.0], requires_grad=True)
    assert v.t().shape == (2,) and not v.t().is_leaf     # a view with its own node, as torch
    _eq(_x().t(), np.array(X).T)
    assert [p.shape for p in tg.arange(5.0).chunk(3)] == [(2,), (2,), (1,)]
    assert [p.shape for p in tg.arange(6.0).chunk(4)] == [(2,), (2,), (2,)]   # fewer chunks
    assert [p.shape for p in tg.zeros(0).chunk(3)] == [(0,), (0,), (0,)]
    assert [p.shape for p in tg.zeros(0).split(2)] == [(0,)]
    assert [p.shape for p in _x().split([3, 0], 1)] == [(2, 3), (2, 0)]
    assert isinstance(_x().split(1), tuple) and isinstance(_x().chunk(1), tuple)
    _eq(_x().narrow(1, -2, 2), [[2.0, 3.0], [5.0, 6.0]])
    assert _x().narrow(1, 3, 0).shape == (2, 0)


def test_changing_the_input_after_a_copying_op_is_fine():
    """flip, roll, repeat, gather, ... copy: unlike a view, the input may then change in place
    (their backward reads nothing of it)."""
    for op in (lambda t: t.flip(0), lambda t: t.roll(1), lambda t: t.repeat(2),
               lambda t: t.gather(0, np.array([2, 0])), lambda t: t.masked_fill(
                   np.array([True, False, True]), 0.0)):
        x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1.0
        out = op(y)
        y.add_(1.0)
        out.sum().backward()
        assert x.grad is not None


def test_index_arrays_are_copied():
    """Changing the caller's index (or mask) after the forward pass changes no gradient."""
    ops = [(lambda x, i: x.gather(0, i), np.array([0, 0])),
           (lambda x, i: x.index_select(0, i), np.array([0, 0])),
           (lambda x, i: x.scatter(0, i, tg.ones(2)), np.array([0, 1])),
           (lambda x, i: x.scatter_reduce(0, i, tg.ones(2) * 2.0, "prod"), np.array([0, 0])),
           (lambda x, i: x.scatter_reduce(0, i, tg.ones(2) * 2.0, "mean"), np.array([0, 0])),
           (lambda x, i: x.masked_fill(i, 0.0), np.array([True, False, False]))]
    for op, index in ops:
        x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        want = tg.grad(op(x, index.copy()).sum(), [x])[0].numpy()
        out = op(x, index)
        index[:] = index[::-1] if index.dtype == bool else 2
        (got,) = tg.grad(out.sum(), [x])
        _eq(got, want)


def test_scatter_in_place():
    x = _x()
    y = x * 1.0
    assert y.scatter_(1, np.array([[0], [2]]), 0.0) is y
    _eq(y, [[0.0, 2.0, 3.0], [4.0, 5.0, 0.0]])
    src = tg.tensor([[10.0], [20.0]], requires_grad=True)
    y.scatter_add_(1, np.array([[1], [1]]), src)
    _eq(y, [[0.0, 12.0, 3.0], [4.0, 25.0, 0.0]])
    y.scatter_reduce_(1, np.array([[2], [2]]), src, "sum", include_self=False)
    _eq(y, [[0.0, 12.0, 10.0], [4.0, 25.0, 20.0]])
    y.masked_fill_(np.array([False, False, True]), 1.0)
    _eq(y, [[0.0, 12.0, 1.0], [4.0, 25.0, 1.0]])
    gx, gs = tg.grad((y * tg.tensor(W)).sum(), [x, src])
    _eq(gx, [[0.0, 2.0, 0.0], [4.0, 5.0, 0.0]])
    _eq(gs, [[2.0], [5.0]])
    y = x * 1.0                        # amax's backward reads its output: changing it raises
    y.scatter_reduce_(1, np.array([[2], [2]]), src, "amax")
    y.masked_fill_(np.array([False, False, True]), 1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*ScatterReduce"):
        y.sum().backward()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        _x().scatter_(1, np.array([[0]]), 1.0)
    z = tg.tensor(X)
    with pytest.raises(RuntimeError, match="out of bounds"):
        z.scatter_(1, np.array([[0, 5]]), 1.0)
    _eq(z, X)                          # a failed in-place op changes nothing


def test_top_level_functions():
    x, i = _x(), np.array([[1, 0, 1]])
    _eq(tg.gather(x, 0, i), x.gather(0, i))
    _eq(tg.scatter(x, 0, i, 0.0), x.scatter(0, i, 0.0))
    _eq(tg.scatter_add(x, 0, i, tg.ones(1, 3)), x.scatter_add(0, i, tg.ones(1, 3)))
    _eq(tg.scatter_reduce(x, 0, i, tg.ones(1, 3), "amin", include_self=False),
        [[1.0, 1.0, 3.0], [1.0, 5.0, 1.0]])
    _eq(tg.index_select(x, dim=0, index=np.array([1])), [[4.0, 5.0, 6.0]])
    _eq(tg.take_along_dim(x, indices=np.array([[0]]), dim=1), [[1.0], [4.0]])
    _eq(tg.masked_fill(x, np.array([True, False, False]), 0.0), [[0.0, 2.0, 3.0], [0.0, 5.0, 6.0]])
    _eq(tg.masked_select(x, np.array([False, True, False])), [2.0, 5.0])
    _eq(tg.flip(x, (0,)), x.flip(0))
    _eq(tg.fliplr(x), x.fliplr())
    _eq(tg.flipud(x), x.flipud())
    _eq(tg.roll(x, shifts=1, dims=1), x.roll(1, 1))
    _eq(tg.tile(x, (2, 1)), x.repeat(2, 1))
    _eq(tg.t(x), x.t())
    _eq(tg.narrow(x, 0, 1, 1), [[4.0, 5.0, 6.0]])
    assert [p.shape for p in tg.split(x, split_size_or_sections=[1, 2], dim=1)] == [(2, 1),
                                                                                  (2, 2)]
    assert len(tg.chunk(x, 2)) == 2


def test_vectorized_jacobian_matches_row_by_row():
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    i = np.array([[1, 1, 0]])
    for f in (lambda t: t.flip(0, 1) * t, lambda t: t.roll((1, 2), (0, 1)) * t,
              lambda t: t.gather(0, i) * t[:1], lambda t: t.scatter_reduce(0, i, t[1:] * 2.0,
                                                                          "amax")):
        a = tg.autograd.functional.jacobian(f, x)
        b = tg.autograd.functional.jacobian(f, x, vectorize=True)
        _eq(b, a)


# ----- errors: PyTorch 2.13's exception classes ------------------------------------------------
I2 = np.array([[0, 1]])
ERRORS = [
    (lambda x: x.gather(1, np.array([[0, 5]])), RuntimeError, r"gather.*index 5 is out of bounds"),
    (lambda x: x.gather(1, np.array([[0, -1]])), RuntimeError, r"gather.*index -1 is out"),
    (lambda x: x.gather(1, np.array([0, 1])), RuntimeError, r"gather.*same number of dim"),
    (lambda x: x.gather(1, np.zeros((3, 2), np.int64)), RuntimeError, r"gather.*no larger"),
    (lambda x: x.gather(1, np.array([[0.0]])), RuntimeError, r"gather.*dtype int32 or int64"),
    (lambda x: x.gather(2, I2), IndexError, r"gather.*range of \[-2, 1\], but got 2"),
    (lambda x: x.scatter(1, np.array([[0, 3]]), 1.0), RuntimeError, r"scatter.*out of bounds"),
    (lambda x: x.scatter(1, I2, tg.ones(1, 1)), RuntimeError, r"scatter.*no larger than src"),
    (lambda x: x.scatter(1, I2, tg.ones(1, 2, dtype="float32")), RuntimeError, r"dtype"),
    (lambda x: x.scatter(1, np.array([0, 1]), 1.0), RuntimeError, r"same number of dim"),
    (lambda x: x.scatter(0, np.array([[0, 1, 1, 1]]), 1.0), RuntimeError, r"no larger than self"),
    (lambda x: x.scatter(1, I2), TypeError, r"scatter.*one of src"),
    (lambda x: x.scatter_add(1, I2, 1.0), TypeError, r"scatter_add.*must be a Tensor"),
    (lambda x: x.scatter_reduce(1, I2, tg.ones(1, 2), "max"), RuntimeError, r"sum, prod, mean"),
    (lambda x: x.index_select(1, np.array([0, 3])), RuntimeError, r"index_select.*out of bounds"),
    (lambda x: x.index_select(1, np.array([[0]])), IndexError, r"index_select.*vector"),
    (lambda x: x.index_select(1, np.array([0.0])), RuntimeError, r"index_select.*dtype"),
    (lambda x: tg.tensor(3.0).index_select(0, np.array([0, 0])), RuntimeError, r"only 1 value"),
    (lambda x: x.masked_fill(np.array([1, 0, 1]), 0.0), RuntimeError, r"masked_fill.*boolean"),
    (lambda x: x.masked_fill(np.array([True, False]), 0.0), RuntimeError, r"broadcast"),
    (lambda x: x.masked_fill(np.array([True, False, True]), tg.ones(1)), RuntimeError, r"0-d"),
    (lambda x: x.masked_select(np.array([1, 0, 1])), RuntimeError, r"masked_select.*boolean"),
    (lambda x: x.detach().masked_fill_(np.ones((1, 2, 3), bool), 0.0), RuntimeError,
     r"masked_fill_.*does not broadcast"),
    (lambda x: x.flip(0, -2), RuntimeError, r"flip.*dim 0 appears multiple times"),
    (lambda x: x.flip(2), IndexError, r"flip.*out of range"),
    (lambda x: x.flip(), TypeError, r"flip.*missing"),
    (lambda x: tg.ones(3).fliplr(), RuntimeError, r"fliplr.*>= 2-d"),
    (lambda x: tg.tensor(1.0).flipud(), RuntimeError, r"flipud.*>= 1-d"),
    (lambda x: x.roll((1, -1), 0), RuntimeError, r"roll.*shifts: 2, dims: 1"),
    (lambda x: x.roll((1, 2)), RuntimeError, r"roll.*must align"),
    (lambda x: x.roll(()), RuntimeError, r"roll.*`shifts` required"),
    (lambda x: x.roll(1, 2), IndexError, r"roll.*out of range"),
    (lambda x: tg.tensor(1.0).roll(1, 0), IndexError, r"roll.*no dimensions"),
    (lambda x: x.repeat(2), RuntimeError, r"repeat.*can not be smaller"),
    (lambda x: x.repeat(-1, 2), RuntimeError, r"repeat.*non-negative"),
    (lambda x: x.repeat(), TypeError, r"repeat.*missing"),
    (lambda x: tg.ones(2, 3, 4).t(), RuntimeError, r"t\(\) expects a tensor with <= 2 dim"),
    (lambda x: x.narrow(1, 2, 2), RuntimeError, r"start \(2\) \+ length \(2\) exceeds"),
    (lambda x: x.narrow(1, 4, 0), IndexError, r"narrow.*start out of range"),
    (lambda x: x.narrow(1, 1, -1), RuntimeError, r"narrow.*non-negative"),
    (lambda x: tg.tensor(1.0).narrow(0, 0, 1), RuntimeError, r"0-dim"),
    (lambda x: x.chunk(0), RuntimeError, r"chunk.*greater than 0, got: 0"),
    (lambda x: tg.tensor(1.0).chunk(1), RuntimeError, r"chunk.*1-dimensional"),
    (lambda x: x.split([1, 1], 1), RuntimeError, r"split.*sum exactly to 3"),
    (lambda x: x.split([4, -1], 1), RuntimeError, r"split.*non-negative"),
    (lambda x: x.split(0, 1), RuntimeError, r"split.*can only be 0"),
    (lambda x: x.split(1, 2), IndexError, r"split.*out of range"),
    (lambda x: x.take_along_dim(np.array([[0, 2]]), 0), RuntimeError, r"broadcast"),
    (lambda x: x.take_along_dim(np.array([0, 2]), 0), RuntimeError, r"same number of dim"),
    (lambda x: x.take_along_dim(np.array([[0]], np.int32), 1), RuntimeError, r"dtype int64"),
    (lambda x: x.take_along_dim(np.array([6])), RuntimeError, r"index 6 is out of bounds"),
]


@pytest.mark.parametrize("call, exc, match", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call(_x())
