"""A typical PyTorch course script (tests/course_script.py) runs under tinygrad_ku with only
its import block changed, trains, and follows PyTorch's loss curve."""
import ast
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "course_script.py")

# PyTorch 2.13 gives these per-epoch training losses for
# train(epochs=20, p_drop=0.0, double=True, init=numpy_init(), orders=numpy_orders(20)).
TORCH_EPOCH_LOSSES = [
    0.6946605871392411, 0.6341979860104275, 0.6098725557438126, 0.5991941634813687,
    0.6012093135481142, 0.6097324129716261, 0.6055606545292967, 0.6010751409169991,
    0.5836333566535906, 0.5800217170538418, 0.5616200418562273, 0.5530810406888471,
    0.5378010264919367, 0.5187977026646636, 0.5083295493907385, 0.48714277954253626,
    0.4855674747029146, 0.4476245018821102, 0.43787369907272916, 0.4019885631297805,
]


def _load_script():
    saved = os.environ.pop("COURSE_LIBRARY", None)
    try:
        spec = importlib.util.spec_from_file_location("course_script_tg", SCRIPT)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        if saved is not None:
            os.environ["COURSE_LIBRARY"] = saved
    return module


@pytest.fixture(scope="module")
def course():
    return _load_script()


@pytest.fixture(scope="module")
def run(course):
    return course.train(verbose=False)


def test_only_the_import_block_names_a_library():
    tree = ast.parse(open(SCRIPT).read())
    switch = [n for n in tree.body if isinstance(n, ast.If)][0]

    def bound(stmts):
        return sorted((a.asname or a.name, getattr(s, "module", None) or a.name)
                      for s in stmts for a in s.names)

    torch_side, tg_side = bound(switch.body), bound(switch.orelse)
    assert [name for name, _ in torch_side] == [name for name, _ in tg_side] == \
        ["DataLoader", "F", "TensorDataset", "nn", "torch"]
    assert all(src.startswith("torch") for _, src in torch_side)
    assert all(src.startswith("tinygrad_ku") for _, src in tg_side)
    rest = [n for n in tree.body[1:] if n is not switch]          # after the docstring
    names = {a.name for n in rest if isinstance(n, (ast.Import, ast.ImportFrom))
             for a in n.names} | {n.module for n in rest if isinstance(n, ast.ImportFrom)}
    assert not {m for m in names if m and m.split(".")[0] in ("torch", "tinygrad_ku")}
    assert "tinygrad_ku" not in "".join(ast.unparse(n) for n in rest)


def test_the_script_runs_on_tinygrad_ku(course):
    assert course.torch.__name__ == "tinygrad_ku"


def test_the_loss_falls_and_the_test_accuracy_rises(run):
    # PyTorch 2.13 over seeds 0-9: final epoch loss 0.12-0.24, final test accuracy 0.92-1.0.
    losses = run["epoch_losses"]
    assert len(losses) == 20 and len(run["step_losses"]) == 20 * 10
    assert losses[0] > 0.5
    assert losses[-1] < 0.3
    assert run["test_accs"][-1] >= 0.85


def test_parameters_take_the_default_dtype(course, run):
    # tinygrad_ku's default float dtype is float64 (PyTorch's is float32); under
    # set_default_dtype(float32) the script runs in float32 throughout, as under PyTorch.
    torch = course.torch
    assert all(p.dtype == torch.get_default_dtype() == torch.float64
               for p in run["model"].parameters())
    torch.set_default_dtype(torch.float32)
    try:
        out = course.train(epochs=2, verbose=False)
    finally:
        torch.set_default_dtype(torch.float64)
    assert all(p.dtype == torch.float32 for p in out["model"].parameters())
    with torch.no_grad():
        assert out["model"](out["X_test"]).dtype == torch.float32
    assert out["epoch_losses"][1] < out["epoch_losses"][0]


def test_eval_is_deterministic_and_train_mode_drops_out(course, run):
    torch, model, X = course.torch, run["model"], run["X_test"]
    model.eval()
    with torch.no_grad():
        a, b = model(X).numpy(), model(X).numpy()
    np.testing.assert_array_equal(a, b)
    model.train()
    with torch.no_grad():
        c = model(X).numpy()
    model.eval()
    assert not np.array_equal(a, c)


def test_the_reloaded_model_gives_identical_predictions(course, run):
    torch, X = course.torch, run["X_test"]
    assert not run["reloaded"].training
    with torch.no_grad():
        a = run["model"](X).numpy()
        b = run["reloaded"](X).numpy()
    np.testing.assert_array_equal(a, b)
    assert run["reloaded"] is not run["model"]


def test_the_loss_curve_matches_pytorch_in_float64(course):
    out = course.train(epochs=20, p_drop=0.0, double=True, init=course.numpy_init(),
                       orders=course.numpy_orders(20), verbose=False)
    np.testing.assert_allclose(out["epoch_losses"], TORCH_EPOCH_LOSSES, rtol=0, atol=1e-12)


def test_the_script_runs_as_a_plain_script():
    env = {k: v for k, v in os.environ.items() if k != "COURSE_LIBRARY"}
    root = os.path.dirname(os.path.dirname(SCRIPT))
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("epoch  1  train loss ")
    assert lines[19].startswith("epoch 20  train loss ") and lines[19].endswith("lr 0.0025")
    assert lines[20] == "reloaded model gives the same outputs: True"
