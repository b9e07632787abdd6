"""split_index must reproduce PyTorch's indexing rule on NumPy arrays.

PyTorch's rule (expected shapes below are derived from it by hand, not from torch):
  1. basic indices go first: an int (or a 0-d integer tensor, negative ints count from the end)
     selects and drops its dim, a slice keeps it, None inserts a size-1 dim, Ellipsis fills the rest;
  2. then the index tensors index what is left: a k-dim bool mask stands for k integer index tensors
     (its nonzero() coordinates), a bool scalar / 0-d bool inserts a dim indexed by [0] (True) or []
     (False); all index tensors broadcast together, and the broadcast dims replace the indexed dims in
     place if those dims are adjacent (after step 1), otherwise they go first.
NumPy differs because it counts ints as advanced indices when arrays are present: on a (2,3,4)
array `a[0, :, idx]` is (len(idx), 3) in NumPy but (3, len(idx)) in PyTorch.
"""
import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tinygrad_ku.ops._indexing import is_basic, split_index

S = slice(None)
I2 = np.array([0, 2])                     # length-2 index, valid for sizes >= 3
I3 = np.array([1, 0, 1])
M4 = np.array([True, False, True, True])   # 3 Trues
M34 = np.zeros((3, 4), bool)
M34[[0, 1, 2, 2, 0], [1, 3, 0, 2, 0]] = True  # 5 Trues, row-major: (0,0),(0,1),(1,3),(2,0),(2,2)
M34_NZ = list(zip(*np.nonzero(M34)))


def apply(x, index):
    basic, adv = split_index(index, x.ndim)
    view = x[basic]
    assert is_basic(basic) and isinstance(view, np.ndarray)
    assert view.size == 0 or np.shares_memory(view, x), "x[basic] must be a view"
    return view if adv is None else view[adv]


# (name, shape, index, expected shape, out-position -> in-position), shapes by PyTorch's rule
CASES = [
    ("int_slice_arr", (2, 3, 4), (0, S, I2), (3, 2), lambda i, j: (0, i, I2[j])),
    ("negint_slice_arr", (2, 3, 4), (-1, S, I2), (3, 2), lambda i, j: (1, i, I2[j])),
    ("0d_int_array_is_int", (2, 3, 4), (np.array(1), S, I2), (3, 2), lambda i, j: (1, i, I2[j])),
    ("np_integer", (2, 3, 4), (np.int64(1), S, I2), (3, 2), lambda i, j: (1, i, I2[j])),
    ("arr_slice_int", (3, 3, 4), (I2, S, 0), (2, 3), lambda i, j: (I2[i], j, 0)),
    ("slice_int_arr", (2, 3, 4), (S, 0, I2), (2, 2), lambda i, j: (i, 0, I2[j])),
    ("int_None_slice_arr", (2, 3, 4), (0, None, S, I2), (1, 3, 2), lambda z, i, j: (0, i, I2[j])),
    ("int_arr_int", (2, 3, 4), (-1, I2, 0), (2,), lambda j: (1, I2[j], 0)),
    ("arr_slice_arr_apart", (3, 3, 4), (I2, S, I2), (2, 3), lambda j, i: (I2[j], i, I2[j])),
    ("slice_arr_arr_adjacent", (2, 3, 4), (S, I2, I3[:2]), (2, 2), lambda i, j: (i, I2[j], I3[j])),
    # an Ellipsis covering no dims does not separate index arrays in PyTorch (it does in NumPy: (2, 5))
    ("empty_ellipsis_between_arrs", (5, 3, 4), (S, I2, Ellipsis, I2), (5, 2), lambda i, j: (i, I2[j], I2[j])),
    ("ellipsis_int_arr", (2, 3, 4), (Ellipsis, 0, I2), (2, 2), lambda i, j: (i, 0, I2[j])),
    ("int_ellipsis_arr", (2, 3, 4), (0, Ellipsis, I2), (3, 2), lambda i, j: (0, i, I2[j])),
    ("int_between_arrs_4d", (3, 3, 4, 5), (I2, 0, S, I2), (2, 4),
     lambda j, i: (I2[j], 0, i, I2[j])),
    ("broadcast_arrs_4d", (2, 3, 4, 5), (S, I2[:, None], 0, I3), (2, 2, 3),
     lambda i, j, k: (i, I2[j], 0, I3[k])),
    ("int_mask2d", (2, 3, 4), (0, M34), (5,), lambda k: (0,) + M34_NZ[k]),
    ("int_slice_mask", (2, 3, 4), (1, S, M4), (3, 3), lambda i, k: (1, i, np.nonzero(M4)[0][k])),
    ("mask_slice_int", (2, 3, 4), (np.array([False, True]), S, 2), (1, 3), lambda k, i: (1, i, 2)),
    ("true_int_slice_arr", (2, 3, 4), (True, 0, S, I2), (2, 3), lambda j, i: (0, i, I2[j])),
    ("int_slice_true", (2, 3, 4), (0, S, True), (3, 1, 4), lambda i, z, k: (0, i, k)),
    ("false_alone", (2, 3, 4), (False,), (0, 2, 3, 4), None),
    ("0d_bool_array", (2, 3), np.array(True), (1, 2, 3), lambda z, i, j: (i, j)),
    ("int_arr_2d_only", (4,), np.array([[1, 2], [3, 0]]), (2, 2), lambda i, j: ([[1, 2], [3, 0]][i][j],)),
    ("basic_only", (2, 3, 4), (0, S, None), (3, 1, 4), lambda i, z, j: (0, i, j)),
    ("all_ints_is_0d", (2, 3, 4), (1, 2, 3), (), lambda: (1, 2, 3)),
    ("single_int", (5,), 4, (), lambda: (4,)),
    ("empty_float_list_array", (5, 2), np.array([]), (0, 2), None),
]


@pytest.mark.parametrize("name,shape,index,shape_out,src", CASES, ids=[c[0] for c in CASES])
def test_pytorch_rule_table(name, shape, index, shape_out, src):
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    got = apply(x, index)
    assert got.shape == shape_out
    if src is not None:
        want = np.empty(shape_out)
        for pos in itertools.product(*map(range, shape_out)):
            want[pos] = x[tuple(int(p) for p in src(*pos))]
        np.testing.assert_array_equal(got, want)


def test_numpy_differs_on_int_with_array():
    """The reason this module exists: plain NumPy puts the advanced dim first here."""
    x = np.zeros((2, 3, 4))
    assert x[0, :, I2].shape == (2, 3)
    assert apply(x, (0, S, I2)).shape == (3, 2)


def test_backward_scatter_with_repeated_indices():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 3, 5))
    for index in [(0, S, np.array([1, 1, 4, 1])),                  # advanced dim in place
                  (np.array([2, 0, 2]), S, np.array([3, 3, 0]))]:   # advanced dim first
        basic, adv = split_index(index, x.ndim)
        g = rng.standard_normal(x[basic][adv].shape)
        full = np.zeros(x.shape)
        np.add.at(full[basic], adv, g)
        want = np.zeros(x.shape)
        if len(index) == 3 and np.ndim(index[0]) == 0:
            for i in range(3):
                for j, c in enumerate(index[2]):
                    want[0, i, c] += g[i, j]
        else:
            for j, (a, c) in enumerate(zip(index[0], index[2])):
                for i in range(3):
                    want[a, i, c] += g[j, i]
        np.testing.assert_allclose(full, want)
        assert np.abs(full).sum() > 0


def test_backward_and_setitem_without_advanced():
    x = np.arange(24.0).reshape(2, 3, 4)
    basic, adv = split_index((1, S, 2), x.ndim)
    assert adv is None
    full = np.zeros(x.shape)
    full[basic][...] = np.array([7.0, 8.0, 9.0])
    assert full[1, :, 2].tolist() == [7.0, 8.0, 9.0] and full.sum() == 24.0
    basic, adv = split_index(3, 1)              # a plain int must still give a (0-d) view
    out = np.zeros(5)
    out[basic][...] = 2.0
    assert out.tolist() == [0, 0, 0, 2.0, 0]


def test_setitem_through_view():
    out = np.zeros((2, 3, 4))
    basic, adv = split_index((1, S, I2), out.ndim)
    view = out[basic]
    view[adv] = np.arange(6.0).reshape(3, 2)
    want = np.zeros((2, 3, 4))
    for i in range(3):
        for j, c in enumerate(I2):
            want[1, i, c] = 2 * i + j
    np.testing.assert_array_equal(out, want)


def test_fast_path_and_is_basic():
    assert is_basic((0, S, None, Ellipsis)) and is_basic(3) and is_basic(np.int32(1))
    assert not is_basic(True) and not is_basic((0, I2)) and not is_basic(np.array(1))
    idx = (0, Ellipsis)
    basic, adv = split_index(idx, 3)
    assert basic is idx and adv is None
    assert split_index((0, S), 3) == ((0, S, Ellipsis), None)
    assert split_index((np.array(1), S), 2) == ((1, S, Ellipsis), None)


@pytest.mark.parametrize("index,ndim", [((0, Ellipsis, Ellipsis, I2), 3), ((0, 0, 0, I2), 3),
                                        ((M34, 0, 0), 3), ((0, np.array([0.5])), 2)])
def test_errors(index, ndim):
    with pytest.raises(IndexError):
        apply(np.zeros((2, 3, 4)[:ndim]), index)


@st.composite
def _coinciding_case(draw):
    """Shape and index where the NumPy and PyTorch rules agree: no int (or 0-d int) with arrays, and no
    Ellipsis covering zero dims between two arrays (NumPy counts that as a separation, PyTorch doesn't)."""
    shape = tuple(draw(st.lists(st.integers(1, 4), max_size=4)))
    with_arrays = draw(st.sampled_from([True, True, True, False]))
    bshape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))  # >=1-d: 0-d is an int
    n_exp = draw(st.integers(1 if with_arrays and shape else 0, len(shape)))
    ell_at = draw(st.one_of(st.none(), st.integers(0, n_exp)))
    items, d, cur, placed = [], 0, 0, ell_at is None   # d: dims used by explicit items; cur: dim of x
    while True:
        if not placed and d == ell_at:
            items.append(Ellipsis)
            cur += len(shape) - n_exp
            placed = True
            continue
        extra = draw(st.sampled_from(["none", "no", "no", "no"] + (["bool"] if with_arrays else [])))
        if extra == "none":
            items.append(None)
        elif extra == "bool":
            items.append(draw(st.sampled_from([True, False, np.True_, np.array(True)])))
        if d >= n_exp:
            break
        size = shape[cur]
        kind = draw(st.sampled_from(["slice", "arr", "arr", "mask"] if with_arrays else ["slice", "int"]))
        if kind == "int":
            items.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            items.append(slice(draw(st.one_of(st.none(), st.integers(-5, 5))),
                               draw(st.one_of(st.none(), st.integers(-5, 5))), draw(st.integers(1, 2))))
        elif kind == "arr":
            k = draw(st.integers(0, len(bshape) - 1))
            shp = tuple(1 if draw(st.booleans()) else s for s in bshape[k:])
            items.append(np.array(draw(st.lists(st.integers(-size, size - 1), min_size=int(np.prod(shp)),
                                                max_size=int(np.prod(shp))))).reshape(shp).astype(np.intp))
        else:
            lim = (n_exp if placed else ell_at) - d
            k = max(1, min(draw(st.integers(1, 2)), lim))
            mshape = shape[cur:cur + k]
            bits = draw(st.lists(st.booleans(), min_size=int(np.prod(mshape)), max_size=int(np.prod(mshape))))
            items.append(np.array(bits, bool).reshape(mshape))
            d += k - 1
            cur += k - 1
        d += 1
        cur += 1
    if ell_at is not None and n_exp == len(shape):  # empty Ellipsis: must not sit between two arrays
        arr = [isinstance(i, (np.ndarray, bool, np.bool_)) for i in items]
        e = next(k for k, i in enumerate(items) if i is Ellipsis)
        assume(not (any(arr[:e]) and any(arr[e + 1:])))
    return shape, tuple(items)


@settings(max_examples=300, deadline=None)
@given(_coinciding_case())
def test_agrees_with_numpy_when_rules_coincide(case):
    shape, index = case
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    try:
        want = x[index]
    except IndexError:
        with pytest.raises(IndexError):
            apply(x, index)
        return
    got = apply(x, index)
    assert got.shape == np.shape(want)
    np.testing.assert_array_equal(got, want)


def test_a_bare_ellipsis_index_is_a_tuple_and_differentiates():
    assert split_index(Ellipsis, 2) == ((Ellipsis,), None)
    import tinygrad_ku as tg
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x[...] * tg.tensor([3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])
