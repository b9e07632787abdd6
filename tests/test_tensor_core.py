"""The tensor core under PyTorch's names: dtypes, devices, conversion, creation, random
generators, grad-mode names and the exception classes PyTorch raises.

Literal values marked "PyTorch 2.13 gives" were computed with torch 2.13 (CPU) and
copied here; the rest are closed forms.
"""
import copy
import threading

import numpy as np
import pytest

import tinygrad_ku as tg

D = tg.distributions


@pytest.fixture
def float32_default():
    tg.set_default_dtype(tg.float32)
    try:
        yield
    finally:
        tg.set_default_dtype(tg.float64)


# ----- dtypes ---------------------------------------------------------------------------
def test_dtype_names_are_numpy_dtypes_with_pytorchs_aliases():
    assert tg.float32 == np.float32 and isinstance(tg.float32, np.dtype)
    assert (tg.float, tg.double, tg.half) == (tg.float32, tg.float64, tg.float16)
    assert (tg.int, tg.long, tg.short) == (tg.int32, tg.int64, tg.int16)
    assert tg.bool == np.bool_ and tg.uint8 == np.uint8 and tg.int8 == np.int8
    assert (tg.cfloat, tg.cdouble) == (tg.complex64, tg.complex128)
    assert np.zeros(2, dtype=tg.half).dtype == np.float16       # NumPy takes them as dtype=
    x = tg.zeros(2, dtype=tg.float32)
    assert x.dtype == tg.float32 and x.dtype != tg.float64


@pytest.mark.parametrize("method,dtype", [("float", np.float32), ("double", np.float64),
                                          ("half", np.float16), ("long", np.int64),
                                          ("int", np.int32), ("bool", np.bool_)])
def test_conversion_methods_give_pytorchs_dtypes(method, dtype):
    assert getattr(tg.tensor([0.5, 2.7, -1.5]), method)().dtype == dtype


def test_integer_and_bool_conversion_values():
    # PyTorch 2.13 gives [0, 2, -1] (toward zero), [False, True, True] and 0.333251953125
    assert tg.tensor([0.5, 2.7, -1.5]).long().tolist() == [0, 2, -1]
    assert tg.tensor([0.5, 2.7, -1.5]).int().tolist() == [0, 2, -1]
    assert tg.tensor([0.0, 2.0, -1.0]).bool().tolist() == [False, True, True]
    assert tg.tensor([1 / 3]).half().item() == 0.333251953125


def test_float_cast_is_differentiable_and_integer_cast_is_not():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.float()
    assert y.dtype == tg.float32 and y.requires_grad
    (y * tg.tensor([3.0, 4.0], dtype=tg.float32)).sum().backward()
    assert x.grad.dtype == tg.float64 and x.grad.tolist() == [3.0, 4.0]
    assert not x.long().requires_grad


def test_type_names_as_pytorch_prints_them():
    # PyTorch 2.13 gives these names for x.type()
    names = {tg.float16: "torch.HalfTensor", tg.float32: "torch.FloatTensor",
             tg.float64: "torch.DoubleTensor", tg.int8: "torch.CharTensor",
             tg.int16: "torch.ShortTensor", tg.int32: "torch.IntTensor",
             tg.int64: "torch.LongTensor", tg.uint8: "torch.ByteTensor",
             tg.bool: "torch.BoolTensor", tg.complex64: "torch.ComplexFloatTensor",
             tg.complex128: "torch.ComplexDoubleTensor"}
    for dtype, name in names.items():
        x = tg.zeros(1, dtype=dtype)
        assert x.type() == name
        assert x.type(dtype) is x and x.to(dtype) is x            # PyTorch: the same object
    assert tg.ones(2, dtype=tg.float32).type("torch.DoubleTensor").dtype == tg.float64
    assert tg.ones(2).type(tg.int64).dtype == tg.int64


def test_size_queries():
    x = tg.zeros(2, 3, dtype=tg.float64)
    assert (x.element_size(), x.nelement(), tg.numel(x)) == (8, 6, 6)
    assert tg.zeros(2, dtype=tg.bool).element_size() == 1
    assert tg.zeros(2, dtype=tg.half).element_size() == 2
    assert tg.is_tensor(x) and not tg.is_tensor(x.data) and not tg.is_tensor(1.0)
    assert tg.is_floating_point(x) and x.is_floating_point()
    assert not tg.tensor([1]).is_floating_point()
    assert not tg.zeros(1, dtype=tg.complex64).is_floating_point()   # PyTorch: False
    assert tg.is_complex(tg.zeros(1, dtype=tg.complex64)) and not x.is_complex()
    with pytest.raises(TypeError, match="numel"):
        tg.numel([1])


# ----- default dtype --------------------------------------------------------------------
def test_default_dtype_is_float64_here():
    assert tg.get_default_dtype() == tg.float64
    assert tg.tensor([1.0]).dtype == tg.float64 and tg.zeros(2).dtype == tg.float64


def test_float32_default_applies_to_python_floats_only(float32_default):
    assert tg.get_default_dtype() == tg.float32
    assert tg.tensor([1.0, 2]).dtype == tg.float32
    assert tg.tensor([]).dtype == tg.float32                      # PyTorch: float32 too
    assert tg.tensor(1 + 2j).dtype == tg.complex64                # PyTorch: complex64
    assert tg.tensor([1, 2]).dtype == tg.int64 and tg.tensor([True]).dtype == tg.bool
    assert tg.tensor(np.array([1.0])).dtype == tg.float64         # NumPy data keeps its dtype
    assert tg.as_tensor(np.array([1.0])).dtype == tg.float64
    assert tg.as_tensor([1.0]).dtype == tg.float32


def test_float32_default_applies_to_creation(float32_default):
    for t in (tg.zeros(2), tg.ones(2), tg.empty(2), tg.rand(2), tg.randn(2), tg.eye(2),
              tg.full((2,), 1.5), tg.arange(5.0), tg.arange(0, 1, 0.5), tg.linspace(0, 1, 3),
              tg.logspace(0, 1, 3)):
        assert t.dtype == tg.float32
    assert tg.arange(5).dtype == tg.int64 and tg.full((2,), 1).dtype == tg.int64
    assert tg.full((2,), True).dtype == tg.bool
    assert tg.linspace(0, 10, 5).dtype == tg.float32              # PyTorch: float even for ints


def test_repr_names_the_dtype_unless_it_is_the_default(float32_default):
    # PyTorch 2.13 gives "tensor([1.5000])" and "tensor([1.5000], dtype=torch.float64)"
    assert repr(tg.tensor([1.5])) == "tensor([1.5])"
    assert repr(tg.tensor([1.5], dtype=tg.float64)) == "tensor([1.5], dtype=float64)"
    assert repr(tg.tensor([1, 2])) == "tensor([1, 2])"


def test_set_default_dtype_takes_float_types_only():
    with pytest.raises(TypeError, match="only floating-point types"):
        tg.set_default_dtype(tg.int64)
    assert tg.get_default_dtype() == tg.float64


# ----- devices --------------------------------------------------------------------------
def test_device_objects_as_pytorch():
    cpu = tg.device("cpu")
    assert repr(cpu) == "device(type='cpu')" and str(cpu) == "cpu"
    assert (cpu.type, cpu.index) == ("cpu", None)
    assert cpu == tg.device("cpu") and hash(cpu) == hash(tg.device("cpu"))
    assert cpu != "cpu"                                           # PyTorch 2.13: False
    assert tg.device("cpu:0") != cpu and tg.device("cpu", 0) == tg.device("cpu:0")
    assert repr(tg.device("cuda", 1)) == "device(type='cuda', index=1)"
    assert str(tg.device("cuda:1")) == "cuda:1" and tg.device(cpu) == cpu
    for bad in ("cuda:x", "cpu:0:1", ""):
        with pytest.raises(RuntimeError, match="device"):
            tg.device(bad)


def test_tensors_live_on_the_cpu():
    x = tg.ones(2)
    assert x.device == tg.device("cpu") and x.device.type == "cpu"
    assert not x.is_cuda and x.is_cpu
    assert x.cpu() is x and x.to("cpu") is x and x.to(tg.device("cpu")) is x
    assert not tg.cuda.is_available() and tg.cuda.device_count() == 0
    with pytest.raises(AssertionError, match="CUDA"):
        x.cuda()
    with pytest.raises(AssertionError, match="CUDA"):
        x.to("cuda:0")
    with pytest.raises(RuntimeError, match="mps"):
        x.to("mps")


def test_creation_functions_accept_the_cpu_device():
    cpu = tg.device("cpu")
    made = [tg.tensor([1.0], device="cpu"), tg.as_tensor([1.0], device=cpu),
            tg.zeros(1, device=cpu), tg.ones(1, device="cpu"), tg.empty(1, device="cpu"),
            tg.full((1,), 2.0, device="cpu"), tg.eye(1, device="cpu"),
            tg.arange(1, device="cpu"), tg.linspace(0, 1, 2, device="cpu"),
            tg.logspace(0, 1, 2, device="cpu"), tg.rand(1, device="cpu"),
            tg.randn(1, device="cpu"), tg.randint(0, 2, (1,), device="cpu"),
            tg.randperm(2, device="cpu"), tg.zeros_like(tg.ones(1), device="cpu"),
            tg.ones(1).new_zeros(1, device="cpu")]
    assert all(t.device == cpu for t in made)
    with pytest.raises(AssertionError, match="CUDA"):
        tg.tensor([1.0], device="cuda")


# ----- to() -----------------------------------------------------------------------------
def test_to_signatures():
    x = tg.ones(2, dtype=tg.float32)
    assert x.to(tg.float32) is x and x.to("cpu", tg.float32) is x
    assert x.to(tg.float64).dtype == tg.float64
    assert x.to("cpu", tg.float64).dtype == tg.float64
    assert x.to(device="cpu", dtype=tg.int32).dtype == tg.int32
    assert x.to(tg.ones(1, dtype=tg.int16)).dtype == tg.int16   # to(other): other's dtype
    assert x.to(float).dtype == tg.float64 and x.to(int).dtype == tg.int64
    copy = x.to(tg.float32, copy=True)
    assert copy is not x and copy.tolist() == [1.0, 1.0]
    assert x.to() is x
    w = tg.ones(2, requires_grad=True)
    assert not w.to(tg.int64).requires_grad                      # PyTorch: False
    with pytest.raises(TypeError, match="to"):
        x.to(tg.float32, tg.float64, "extra")


# ----- memory: contiguity, sharing ------------------------------------------------------
def test_contiguity_as_pytorch():
    x = tg.ones(2, 3)
    assert x.is_contiguous() and x.contiguous() is x
    # PyTorch 2.13 gives False, False, True, False for these four
    assert not tg.ones(3, 1).expand(3, 2).is_contiguous()
    assert not x[:, 1:].is_contiguous()
    assert x[1:].is_contiguous()
    assert not x[:, ::2].is_contiguous()
    assert not x.T.is_contiguous() and x.T.contiguous().is_contiguous()


def test_contiguous_is_differentiable():
    x = tg.ones(2, 3, requires_grad=True)
    (x.T.contiguous() * tg.tensor([[1.0], [2.0], [3.0]])).sum().backward()
    # PyTorch 2.13 gives [[1, 2, 3], [1, 2, 3]]
    assert x.grad.tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]


def test_from_numpy_shares_memory_both_ways():
    arr = np.array([1.0, 2.0])
    t = tg.from_numpy(arr)
    arr[0] = 5.0
    assert t.tolist() == [5.0, 2.0]
    t.add_(1.0)
    assert arr.tolist() == [6.0, 3.0]
    assert tg.from_numpy(np.array([1, 2], np.int32)).dtype == tg.int32


def test_tensor_copies_and_as_tensor_shares():
    arr = np.array([1.0, 2.0])
    assert not np.shares_memory(tg.tensor(arr).numpy(), arr)
    assert np.shares_memory(tg.as_tensor(arr).numpy(), arr)
    assert not np.shares_memory(tg.as_tensor(arr, dtype=tg.float32).numpy(), arr)
    x = tg.ones(2)
    assert tg.as_tensor(x) is x


def test_numpy_item_tolist():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    assert w.numpy(force=True) is w.data
    with pytest.raises(RuntimeError, match="detach"):
        w.numpy()
    assert tg.tensor(2.5).item() == 2.5 and tg.tensor(2.5).tolist() == 2.5
    with pytest.raises(RuntimeError, match="2 elements"):
        w.item()


# ----- creation -------------------------------------------------------------------------
def test_like_functions():
    i = tg.ones(2, dtype=tg.int64)
    assert tg.full_like(i, 2.5).tolist() == [2, 2]               # PyTorch 2.13: [2, 2]
    assert tg.zeros_like(i, dtype=tg.float32).dtype == tg.float32
    assert tg.ones_like(tg.ones(2, dtype=tg.float32)).dtype == tg.float32
    e = tg.empty_like(tg.ones(2, 3, dtype=tg.float32))
    assert e.shape == (2, 3) and e.dtype == tg.float32
    r = tg.rand_like(tg.ones(4, dtype=tg.float32))
    assert r.dtype == tg.float32 and ((r >= 0) & (r < 1)).all().item()
    assert tg.randn_like(tg.ones(2, 3)).shape == (2, 3)
    with pytest.raises(NotImplementedError):                      # PyTorch: NotImplementedError
        tg.randn_like(i)
    ri = tg.randint_like(tg.ones(50), 3, 5)
    assert ri.dtype == tg.float64 and set(ri.tolist()) <= {3.0, 4.0}
    assert set(tg.randint_like(i, 2).tolist()) <= {0, 1}
    assert tg.zeros_like(tg.ones(2), requires_grad=True).requires_grad


def test_new_methods_take_the_dtype_of_self():
    x = tg.ones(2, 3, dtype=tg.float32)
    assert x.new_zeros(2).tolist() == [0.0, 0.0] and x.new_zeros(2).dtype == tg.float32
    assert x.new_zeros(2, 3).shape == (2, 3) and x.new_zeros((2, 3)).shape == (2, 3)
    assert x.new_ones(1).tolist() == [1.0] and x.new_empty(2).shape == (2,)
    assert x.new_full((2,), 3).tolist() == [3.0, 3.0] and x.new_full((2,), 3).dtype == tg.float32
    # PyTorch 2.13 gives tensor([1, 2], dtype=torch.int32)
    n = tg.ones(2, dtype=tg.int32).new_tensor([1.5, 2])
    assert n.dtype == tg.int32 and n.tolist() == [1, 2]
    assert x.new_tensor([1, 2], dtype=tg.int64).dtype == tg.int64
    assert x.new_zeros(2, requires_grad=True).requires_grad


def test_creation_sizes():
    assert tg.zeros(2, 3).shape == tg.zeros((2, 3)).shape == tg.zeros([2, 3]).shape == (2, 3)
    assert tg.zeros(()).shape == () and tg.zeros(0, 2).shape == (0, 2)
    assert tg.full([2], 1.0).tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="non-negative"):      # PyTorch: RuntimeError
        tg.zeros(-1)
    with pytest.raises(TypeError, match="sequence of ints"):     # PyTorch: TypeError
        tg.zeros(2.5)


def test_arange_as_pytorch():
    # PyTorch 2.13 gives these (start + i * step, in float64)
    assert tg.arange(0, 1, 0.1).tolist() == [0.0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5,
                                             0.6000000000000001, 0.7000000000000001, 0.8, 0.9]
    assert tg.arange(1, 2.5, 0.3).tolist() == [1.0, 1.3, 1.6, 1.9, 2.2]
    assert tg.arange(-1, -2.2, -0.4).tolist() == [-1.0, -1.4, -1.8, -2.2]
    assert tg.arange(5).tolist() == [0, 1, 2, 3, 4] and tg.arange(5).dtype == tg.int64
    assert tg.arange(end=5).tolist() == [0, 1, 2, 3, 4]
    assert tg.arange(start=1, end=5).tolist() == [1, 2, 3, 4]
    assert tg.arange(1, 4, dtype=tg.float64).tolist() == [1.0, 2.0, 3.0]
    assert tg.arange(tg.tensor(3)).tolist() == [0, 1, 2]
    assert tg.arange(3, 3).shape == (0,)


def test_linspace_and_logspace_as_pytorch():
    # PyTorch 2.13 gives these
    assert tg.linspace(0, 1, 7).tolist() == [0.0, 0.16666666666666666, 0.3333333333333333, 0.5,
                                             0.6666666666666667, 0.8333333333333334, 1.0]
    assert tg.linspace(0, 10, 5, dtype=tg.int64).tolist() == [0, 2, 5, 7, 10]
    assert tg.linspace(-10, 0, 5, dtype=tg.int64).tolist() == [-10, -7, -5, -2, 0]
    assert tg.linspace(2, 3, 1).tolist() == [2.0] and tg.linspace(0, 1, 0).shape == (0,)
    assert tg.logspace(-1, 2, 4).tolist() == [0.1, 1.0, 10.0, 100.0]
    assert tg.logspace(0, 2, 3, base=2).tolist() == [1.0, 2.0, 4.0]
    ends = tg.linspace(-3.3, 7.1, 11)
    assert ends[0].item() == -3.3 and ends[-1].item() == 7.1      # both ends exact
    np.testing.assert_allclose(ends.numpy(), -3.3 + 1.04 * np.arange(11), rtol=0, atol=1e-14)


def test_norm_function_as_torch_norm():
    a = tg.tensor([[3.0, 4.0], [0.0, 0.0]])
    assert tg.norm(a).item() == 5.0 and tg.norm(a, dim=1).tolist() == [5.0, 0.0]
    assert tg.norm(a, p=1).item() == 7.0 and tg.norm(a, p=np.inf).item() == 4.0
    assert tg.norm(a, p="nuc").item() == pytest.approx(5.0, abs=1e-12)
    assert tg.norm(a, dim=0, keepdim=True).tolist() == [[3.0, 4.0]]
    b = tg.tensor([[1.0, -2.0], [3.0, 4.0]])
    # PyTorch 2.13 gives 4.641588833612778, 5.477225575051661 and [[3.], [7.]]
    assert tg.norm(b, p=3).item() == pytest.approx(4.641588833612778, rel=1e-15)
    assert tg.norm(b, dim=(0, 1)).item() == pytest.approx(5.477225575051661, rel=1e-15)
    assert tg.norm(b, p=1, dim=1, keepdim=True).tolist() == [[3.0], [7.0]]


def test_reductions_honour_dtype():
    assert tg.tensor([1.0, 2.0]).mean(dtype=tg.float32).dtype == tg.float32
    # PyTorch 2.13 gives 1.5 (float64), [2., 3.] and 2. (float32)
    assert tg.tensor([1, 2]).mean(dtype=tg.float64).item() == 1.5
    assert tg.tensor([[1, 2], [3, 4]]).mean(0, dtype=tg.float64).tolist() == [2.0, 3.0]
    p = tg.tensor([1, 2]).prod(dtype=tg.float32)
    assert p.dtype == tg.float32 and p.item() == 2.0
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.mean(dtype=tg.float32).backward()
    assert x.grad.dtype == tg.float64 and x.grad.tolist() == [0.5, 0.5]


# ----- random numbers -------------------------------------------------------------------
def test_generator_seeds_as_pytorch():
    g = tg.Generator()
    assert g.initial_seed() == 67280421310721                     # PyTorch's default seed
    assert g.manual_seed(3) is g and g.initial_seed() == 3
    assert tg.Generator().manual_seed(-1).initial_seed() == 18446744073709551615  # PyTorch
    s = g.seed()
    assert isinstance(s, int) and g.initial_seed() == s
    assert g.device == tg.device("cpu")


def test_generator_is_a_numpy_generator_with_its_stream():
    g = tg.Generator().manual_seed(0)
    assert isinstance(g, np.random.Generator)
    np.testing.assert_array_equal(g.random(3), np.random.default_rng(0).random(3))
    np.testing.assert_array_equal(tg.rand(3, generator=tg.Generator().manual_seed(0)).numpy(),
                                  np.random.default_rng(0).random(3))


def test_same_seed_same_draws_for_every_sampler():
    def draw(seed):
        g = tg.Generator().manual_seed(seed)
        return (tg.rand(3, generator=g).tolist(), tg.randn(2, 2, generator=g).tolist(),
                tg.randint(0, 100, (4,), generator=g).tolist(),
                tg.randperm(6, generator=g).tolist(),
                D.Normal(0.0, 1.0).sample((3,), generator=g).tolist())
    assert draw(1) == draw(1) and draw(1) != draw(2)


def test_a_copied_generator_continues_the_same_stream():
    g = tg.Generator().manual_seed(4)
    g.random(2)
    h = copy.deepcopy(g)
    assert isinstance(h, tg.Generator) and h.initial_seed() == 4
    assert tg.rand(3, generator=h).tolist() == tg.rand(3, generator=g).tolist()


def test_manual_seed_seeds_the_default_generator():
    g = tg.manual_seed(11)
    assert isinstance(g, tg.Generator) and tg.initial_seed() == 11
    a = tg.rand(3).tolist()
    tg.manual_seed(11)
    assert tg.rand(3).tolist() == a
    assert isinstance(tg.seed(), int)


def test_randint_and_randperm():
    r = tg.randint(3, 10, (2, 2))
    assert r.dtype == tg.int64 and r.shape == (2, 2) and ((r >= 3) & (r < 10)).all().item()
    assert tg.randint(10, (3,)).shape == (3,)
    assert tg.randint(-5, -4, (2,)).tolist() == [-5, -5]          # PyTorch 2.13: [-5, -5]
    assert tg.randint(0, 10, (2,), dtype=tg.float32).dtype == tg.float32
    p = tg.randperm(7)
    assert p.dtype == tg.int64 and sorted(p.tolist()) == list(range(7))
    assert tg.randperm(0).shape == (0,) and tg.randperm(0).dtype == tg.int64
    with pytest.raises(RuntimeError):                             # PyTorch: RuntimeError
        tg.randperm(-1)


# ----- grad-mode names ------------------------------------------------------------------
def test_inference_mode_as_pytorch():
    # PyTorch 2.13 gives these (is_inference_mode_enabled, is_grad_enabled) pairs
    x = tg.ones(2, requires_grad=True)
    assert (tg.is_inference_mode_enabled(), tg.is_grad_enabled()) == (False, True)
    with tg.inference_mode():
        assert (tg.is_inference_mode_enabled(), tg.is_grad_enabled()) == (True, False)
        assert not (x * 2).requires_grad
        with tg.inference_mode(False):
            assert (tg.is_inference_mode_enabled(), tg.is_grad_enabled()) == (False, True)
        assert (tg.is_inference_mode_enabled(), tg.is_grad_enabled()) == (True, False)
    with tg.no_grad():
        with tg.inference_mode(False):
            assert (tg.is_inference_mode_enabled(), tg.is_grad_enabled()) == (False, True)
        assert not tg.is_grad_enabled()
    assert (tg.is_inference_mode_enabled(), tg.is_grad_enabled()) == (False, True)


def test_inference_mode_as_a_decorator_with_and_without_parentheses():
    def modes():
        return tg.is_inference_mode_enabled(), tg.is_grad_enabled()
    assert tg.inference_mode()(modes)() == (True, False)
    assert tg.inference_mode(modes)() == (True, False)            # bare @tg.inference_mode
    assert modes() == (False, True)


def test_inference_mode_restores_after_an_exception_and_is_per_thread():
    with pytest.raises(KeyError):
        with tg.inference_mode():
            raise KeyError
    assert (tg.is_inference_mode_enabled(), tg.is_grad_enabled()) == (False, True)
    seen = []
    with tg.inference_mode():
        t = threading.Thread(target=lambda: seen.append(tg.is_inference_mode_enabled()))
        t.start()
        t.join()
    assert seen == [False]


def test_set_grad_enabled_is_exported():
    with tg.set_grad_enabled(False):
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


# ----- exception classes as PyTorch raises them -----------------------------------------
@pytest.mark.parametrize("code,exc", [
    # PyTorch 2.13 raises these classes for the same mistakes
    (lambda: tg.ones(2, 3) + tg.ones(4), RuntimeError),
    (lambda: tg.ones(2, 3) @ tg.ones(4, 5), RuntimeError),
    (lambda: tg.ones(2, 3).reshape(4, 2), RuntimeError),
    (lambda: tg.ones(2, 3).view(4, 2), RuntimeError),
    (lambda: tg.cat([tg.ones(2, 3), tg.ones(2, 4)]), RuntimeError),
    (lambda: tg.cat([]), ValueError),
    (lambda: tg.stack([tg.ones(2, 3), tg.ones(3, 2)]), RuntimeError),
    (lambda: tg.stack([]), RuntimeError),
    (lambda: tg.ones(3).add_(tg.ones(2, 3)), RuntimeError),
    (lambda: tg.tensor([1, 2]).add_(1.5), RuntimeError),
    (lambda: tg.tensor([1, 2], requires_grad=True), RuntimeError),
    (lambda: tg.ones(2, 3).expand(3), RuntimeError),
    (lambda: tg.ones(2, 3)[5], IndexError),
    (lambda: tg.ones(2, 3)[0, 0, 0], IndexError),
    (lambda: tg.ones(2, 3).sum(dim=2), IndexError),
    (lambda: tg.ones(2, 3).squeeze(3), IndexError),
    (lambda: tg.ones(2, 3).flatten(3), IndexError),
    (lambda: tg.ones(2, 3).max(dim=5), IndexError),
    (lambda: tg.ones(2, 3).argmax(dim=5), IndexError),
    (lambda: tg.ones(2, 3).var(dim=5), IndexError),
    (lambda: tg.ones(2, 3).unsqueeze(4), IndexError),
    (lambda: tg.ones(2, 3).transpose(0, 3), IndexError),
    (lambda: tg.ones(2, 3).sum(dim=(0, 0)), RuntimeError),
    (lambda: tg.ones(2, 3).sum(dim=0.5), TypeError),
    (lambda: tg.zeros(0).amax(), RuntimeError),
    (lambda: tg.zeros(0).argmax(), IndexError),
    (lambda: tg.zeros(0, 2).amax(0), IndexError),
    (lambda: tg.ones(2, 3).clip(), RuntimeError),
    (lambda: tg.ones(2, 3).item(), RuntimeError),
    (lambda: ~tg.ones(2), TypeError),
    (lambda: tg.tensor([[1, 2], [3]]), ValueError),
    (lambda: tg.tensor("abc"), TypeError),
    (lambda: tg.is_floating_point(1.0), TypeError),
    (lambda: tg.from_numpy([1, 2]), TypeError),
    (lambda: tg.randint(10), TypeError),
    (lambda: tg.randint(5, 3, (2,)), RuntimeError),
    (lambda: tg.arange(0, 5, 0), RuntimeError),
    (lambda: tg.linspace(0, 1, -1), RuntimeError),
    (lambda: tg.ones(2).type("float64"), ValueError),
    (lambda: tg.device("foo"), RuntimeError),
])
def test_exception_classes_match_pytorch(code, exc):
    with pytest.raises(exc) as info:
        code()
    assert type(info.value) is exc


def test_op_errors_other_than_numpys_shape_errors_keep_their_class():
    with pytest.raises(IndexError, match="GetItem"):
        tg.ones(3)[5]
    a = tg.ones(1, 3)
    with pytest.raises(RuntimeError, match=r"Add: inputs of shapes \(1, 3\), \(2,\)"):
        a + np.ones(2)
