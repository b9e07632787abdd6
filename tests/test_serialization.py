"""tg.save / tg.load: round trips of tensors, arrays and containers, no pickle, clear errors."""
import io
import json
import pickle
import zipfile
from collections import Counter, OrderedDict

import numpy as np
import pytest

import tinygrad_ku as tg


def _round_trip(obj, **load_kw):
    buf = io.BytesIO()
    tg.save(obj, buf)
    buf.seek(0)
    return tg.load(buf, **load_kw)


def test_tensors_keep_dtype_shape_values_and_requires_grad():
    x = tg.tensor([[1.5, -2.0, 3.25]], dtype="float32")
    w = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    w.grad = tg.ones(2, 3)
    y = w * 2.0                               # a non-leaf: loads as a leaf that requires grad
    p = tg.nn.Parameter(tg.ones(2))
    out = _round_trip({"x": x, "w": w, "y": y, "p": p, "i": tg.arange(4), "b": tg.tensor([True]),
                       "empty": tg.zeros(0, 3), "scalar": tg.tensor(2.5)})
    for key, src in [("x", x), ("w", w), ("y", y), ("p", p)]:
        assert out[key].dtype == src.dtype and out[key].shape == src.shape
        np.testing.assert_array_equal(out[key].data, src.data)
    assert not out["x"].requires_grad
    assert out["w"].requires_grad and out["w"].grad is None and out["w"].is_leaf
    assert out["y"].requires_grad and out["y"].grad_fn is None
    assert type(out["p"]) is tg.nn.Parameter and out["p"].requires_grad
    assert type(out["x"]) is tg.Tensor
    assert out["i"].dtype == np.int64 and out["i"].tolist() == [0, 1, 2, 3]
    assert out["b"].dtype == np.bool_ and out["empty"].shape == (0, 3)
    assert out["scalar"].shape == () and out["scalar"].item() == 2.5


def test_containers_scalars_and_key_order():
    obj = OrderedDict(z=1, a=[None, True, 2, 2.5, float("inf"), "text", 1 + 2j],
                      t=(1, (2, 3)),
                      d={3: "int key", 2.5: "float key", None: 0, (1, "x"): "tuple key", "s": {}},
                      c=Counter({5: 2, 2: 1}), arr=np.arange(6, dtype=np.int32).reshape(2, 3),
                      np_scalar=np.float32(1.5), big=2 ** 70, dtypes=[tg.float32, tg.int64])
    out = _round_trip(obj)
    assert type(out) is OrderedDict and list(out) == ["z", "a", "t", "d", "c", "arr", "np_scalar",
                                                      "big", "dtypes"]
    assert out["a"] == [None, True, 2, 2.5, float("inf"), "text", 1 + 2j]
    assert [type(v) for v in out["a"][:4]] == [type(None), bool, int, float]
    assert out["t"] == (1, (2, 3)) and type(out["t"][1]) is tuple
    assert out["d"] == obj["d"] and list(out["d"]) == list(obj["d"]) and type(out["d"]) is dict
    assert type(out["c"]) is Counter and out["c"] == Counter({5: 2, 2: 1})
    assert out["arr"].dtype == np.int32 and out["arr"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert type(out["np_scalar"]) is np.float32 and out["np_scalar"] == 1.5
    assert out["big"] == 2 ** 70
    assert out["dtypes"] == [tg.float32, tg.int64]
    assert np.isnan(_round_trip(float("nan")))


def test_a_tensor_saved_twice_loads_as_one_object():
    w = tg.ones(3, requires_grad=True)
    arr = np.zeros(2)
    out = _round_trip({"a": w, "b": [w, arr], "c": arr})
    assert out["a"] is out["b"][0] and out["b"][1] is out["c"]
    a, b = _round_trip([tg.ones(2), tg.ones(2)])      # equal but distinct tensors stay distinct
    assert a is not b


def test_model_and_optimizer_state_dicts(tmp_path):
    model = tg.nn.Linear(3, 2)
    opt = tg.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9))
    sched = tg.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 2, 5])
    model(tg.ones(4, 3)).sum().backward()
    opt.step()
    sched.step()
    path = tmp_path / "checkpoint.pt"
    tg.save({"model": model.state_dict(), "optim": opt.state_dict(),
             "sched": sched.state_dict(), "epoch": 1}, path)
    assert path.exists() and not (tmp_path / "checkpoint.pt.npz").exists()
    ck = tg.load(path, weights_only=True)
    assert ck["epoch"] == 1
    fresh = tg.nn.Linear(3, 2)
    fresh.load_state_dict(ck["model"])
    for (_, a), (_, b) in zip(model.named_parameters(), fresh.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    saved = ck["optim"]
    assert saved["param_groups"][0]["betas"] == (0.8, 0.9)
    assert saved["state"][0]["step"] == 1 and list(saved["state"]) == [0, 1]
    fresh_opt = tg.optim.Adam(fresh.parameters())
    fresh_opt.load_state_dict(saved)
    np.testing.assert_array_equal(fresh_opt.state[fresh.weight]["exp_avg"],
                                  opt.state[model.weight]["exp_avg"])
    fresh_sched = tg.optim.lr_scheduler.MultiStepLR(fresh_opt, milestones=[9])
    fresh_sched.load_state_dict(ck["sched"])
    assert fresh_sched.milestones == Counter({2: 2, 5: 1}) and fresh_sched.last_epoch == 1
    fresh_sched.step()
    assert fresh_sched.get_last_lr() == pytest.approx([0.01 * 0.1 ** 2], rel=1e-14)


def test_file_has_no_pickle_and_is_an_npz_with_a_json_structure(tmp_path):
    path = str(tmp_path / "t.bin")
    tg.save({"w": tg.ones(2, requires_grad=True), "name": "net"}, path)
    with zipfile.ZipFile(path) as z:
        names = sorted(z.namelist())
        assert names == ["__structure__.npy", "a0.npy"]
        for n in names:
            assert not z.read(n).startswith(b"\x80")      # no pickle stream anywhere
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(z["__structure__"].tobytes())
    assert meta["format"] == "tinygrad_ku.save" and meta["root"]["v"][1] == "net"


def test_what_cannot_be_saved_raises_type_error_naming_the_place():
    with pytest.raises(TypeError, match=r"type function at obj\['opt'\]\[1\]"):
        _round_trip({"opt": [1, lambda: 0]})
    with pytest.raises(TypeError, match=r"type Linear at obj\['m'\] \(save its state_dict"):
        _round_trip({"m": tg.nn.Linear(2, 2)})
    with pytest.raises(TypeError, match="type object at obj"):
        _round_trip(object())
    with pytest.raises(TypeError, match=r"array at obj\[0\] has dtype object"):
        _round_trip([np.array([1, "a"], dtype=object)])
    with pytest.raises(TypeError, match="dict key"):
        _round_trip({tg.ones(1): 1})
    with pytest.raises(TypeError, match="type set"):
        _round_trip({1, 2})
    loop = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match="reference cycle"):
        _round_trip(loop)


def test_loading_refuses_other_files(tmp_path):
    pickled = tmp_path / "p.pt"
    pickled.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(RuntimeError, match="not a file written by tg.save"):
        tg.load(pickled)
    plain = tmp_path / "plain.npz"
    np.savez(plain, x=np.ones(2))
    with pytest.raises(RuntimeError, match="no '__structure__' record"):
        tg.load(plain)
    npy = tmp_path / "one.npy"
    np.save(npy, np.ones(2))
    with pytest.raises(RuntimeError, match="bare NumPy array"):
        tg.load(npy)
    with pytest.raises(FileNotFoundError):
        tg.load(tmp_path / "missing.pt")
    with pytest.raises(RuntimeError, match="CPU only"):
        _round_trip(1, map_location="cuda")
    assert _round_trip(1, map_location="cpu", weights_only=False) == 1
