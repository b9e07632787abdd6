"""tg.utils.data: Dataset, TensorDataset, DataLoader, random_split, as torch.utils.data."""
from collections import namedtuple

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku.utils.data import (
    DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split)


def _dataset(n=5):
    return TensorDataset(tg.arange(float(n)).reshape(n, 1) * 10.0, tg.arange(n))


def test_tensor_dataset():
    ds = _dataset()
    assert len(ds) == 5
    x, y = ds[3]                              # a tuple of the tensors' rows, as torch
    assert isinstance(ds[3], tuple) and x.tolist() == [30.0] and y.item() == 3
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(tg.ones(3), tg.ones(4))
    with pytest.raises(TypeError, match="expected Tensors"):
        TensorDataset(np.ones(3))


def test_batches_in_order_with_the_last_one_short():
    loader = DataLoader(_dataset(), batch_size=2)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert all(isinstance(b, list) and len(b) == 2 for b in batches)   # lists, as torch
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert batches[0][0].shape == (2, 1) and batches[0][0].tolist() == [[0.0], [10.0]]
    assert batches[0][1].dtype == np.int64
    dropped = DataLoader(_dataset(), batch_size=2, drop_last=True)
    assert len(dropped) == 2 and [b[1].tolist() for b in dropped] == [[0, 1], [2, 3]]
    assert [b[1].tolist() for b in DataLoader(_dataset(), batch_size=8)] == [[0, 1, 2, 3, 4]]
    assert len(DataLoader(_dataset(), batch_size=8, drop_last=True)) == 0
    assert list(DataLoader(TensorDataset(tg.zeros(0, 2)), batch_size=3)) == []


def test_shuffle_is_a_permutation_reproducible_with_manual_seed_and_generator():
    def epoch(**kw):
        return np.concatenate([b[1].data for b in DataLoader(_dataset(20), batch_size=6,
                                                             shuffle=True, **kw)])
    tg.manual_seed(3)
    a, b = epoch(), epoch()
    assert sorted(a.tolist()) == list(range(20))
    assert a.tolist() != b.tolist()                      # a new order each epoch
    tg.manual_seed(3)
    np.testing.assert_array_equal(epoch(), a)
    np.testing.assert_array_equal(epoch(), b)
    # with a generator: exactly that generator's permutation
    np.testing.assert_array_equal(epoch(generator=np.random.default_rng(9)),
                                  np.random.default_rng(9).permutation(20))
    np.testing.assert_array_equal(epoch(generator=tg.Generator().manual_seed(4)),
                                  epoch(generator=tg.Generator().manual_seed(4)))


def test_samples_from_a_custom_dataset_are_collated_as_torch():
    Pair = namedtuple("Pair", "left right")

    class Samples(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return {"f": float(i), "i": i, "b": i % 2 == 0, "arr": np.full(2, i, np.float32),
                    "t": tg.tensor([i, -i]), "s": f"s{i}", "tup": (i, 2.0 * i),
                    "nt": Pair(i, tg.tensor(float(i)))}

    batch = next(iter(DataLoader(Samples(), batch_size=2)))
    # PyTorch 2.13 gives float64 for Python floats, int64 for ints, bool for bools, a list of
    # str, and a list (not a tuple) for tuple fields; namedtuples keep their type
    assert batch["f"].dtype == np.float64 and batch["f"].tolist() == [0.0, 1.0]
    assert batch["i"].dtype == np.int64 and batch["b"].dtype == np.bool_
    assert batch["arr"].dtype == np.float32 and batch["arr"].shape == (2, 2)
    assert batch["t"].tolist() == [[0, 0], [1, -1]]
    assert batch["s"] == ["s0", "s1"]
    assert isinstance(batch["tup"], list) and batch["tup"][1].tolist() == [0.0, 2.0]
    assert type(batch["nt"]) is Pair and batch["nt"].right.tolist() == [0.0, 1.0]
    single = list(DataLoader(Samples(), batch_size=None))
    assert len(single) == 3 and single[1]["i"] == 1 and isinstance(single[1]["arr"], tg.Tensor)
    assert single[2]["tup"] == [2, 4.0]
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object()])


def test_a_batch_is_differentiable_through_the_dataset():
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (xb,) = next(iter(DataLoader(TensorDataset(w * 2.0), batch_size=2)))
    xb.sum().backward()
    assert w.grad.tolist() == [2.0, 2.0, 0.0]


def test_collate_fn():
    loader = DataLoader(_dataset(), batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(loader) == [2, 2, 1]


def test_loader_argument_errors_as_torch():
    ds = _dataset()
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            DataLoader(ds, batch_size=bad)
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(TypeError, match="generator must be a tg.Generator"):
        DataLoader(ds, shuffle=True, generator=3)
    loader = DataLoader(ds)
    assert (loader.batch_size, loader.drop_last, len(loader)) == (1, False, 5)
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        Dataset()[0]


def test_random_split():
    a, b = random_split(range(10), [3, 7], generator=np.random.default_rng(0))
    perm = np.random.default_rng(0).permutation(10).tolist()
    assert isinstance(a, Subset) and a.indices == perm[:3] and b.indices == perm[3:]
    assert list(a) == perm[:3] and len(b) == 7
    # fractions: floors, then the remainder one by one from the first split (PyTorch 2.13
    # gives lengths [3, 7] and [6, 5])
    assert [len(s) for s in random_split(range(10), [0.3, 0.7])] == [3, 7]
    assert [len(s) for s in random_split(range(11), [0.5, 0.5])] == [6, 5]
    parts = random_split(_dataset(6), [2, 4])
    assert sorted(int(p[i][1].item()) for p in parts for i in range(len(p))) == list(range(6))
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(range(10), [3, 6])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(range(10), [1.5, -0.5])
    with pytest.warns(UserWarning, match="split at index 1 is 0"):
        random_split(range(2), [1.0, 0.0])
