"""tg.optim: update rules against closed forms and NumPy recurrences, PyTorch's interface, LBFGS."""
import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku import optim


def _quadratic_steps(opt_factory, x0, A, n_steps):
    """Run an optimiser on f(x) = ½ xᵀAx; returns the iterates."""
    x = tg.tensor(x0, requires_grad=True)
    opt = opt_factory([x])
    out = []
    for _ in range(n_steps):
        opt.zero_grad()
        (0.5 * (x @ (tg.tensor(A) @ x))).backward()
        opt.step()
        out.append(x.data.copy())
    return np.array(out), x


A = np.array([[3.0, 0.5], [0.5, 1.0]])
X0 = np.array([1.0, -2.0])


def test_sgd_plain_is_geometric_on_a_scalar_quadratic():
    # x_k = (1 - lr)^k x_0 for f = x²/2
    xs, _ = _quadratic_steps(lambda p: optim.SGD(p, lr=0.3), [2.0], np.eye(1), 5)
    np.testing.assert_allclose(xs[:, 0], 2.0 * 0.7 ** np.arange(1, 6), rtol=1e-13)


@pytest.mark.parametrize("momentum,dampening,nesterov,wd", [
    (0.9, 0.0, False, 0.0), (0.9, 0.0, True, 0.0), (0.5, 0.3, False, 0.1), (0.8, 0.0, True, 0.05)])
def test_sgd_momentum_matches_recurrence(momentum, dampening, nesterov, wd):
    lr = 0.05
    xs, _ = _quadratic_steps(lambda p: optim.SGD(p, lr=lr, momentum=momentum, dampening=dampening,
                                                 nesterov=nesterov, weight_decay=wd), X0, A, 6)
    x, buf, ref = X0.copy(), None, []
    for _ in range(6):
        g = A @ x + wd * x
        buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
        x = x - lr * (g + momentum * buf if nesterov else buf)
        ref.append(x)
    np.testing.assert_allclose(xs, np.array(ref), rtol=1e-12)


def test_adam_first_step_has_length_lr_per_coordinate():
    # m̂ / √v̂ = g / |g| after one step, so every coordinate moves by lr (up to eps)
    x = tg.tensor([3.0, -1e-3, 50.0], requires_grad=True)
    opt = optim.Adam([x], lr=0.01)
    (x * tg.tensor([2.0, -7.0, 0.5])).sum().backward()
    opt.step()
    np.testing.assert_allclose(x.data, [3.0 - 0.01, -1e-3 + 0.01, 50.0 - 0.01], rtol=0, atol=1e-9)


@pytest.mark.parametrize("cls,wd,amsgrad", [(optim.Adam, 0.0, False), (optim.Adam, 0.1, False),
                                            (optim.Adam, 0.0, True), (optim.AdamW, 0.1, False)])
def test_adam_matches_recurrence(cls, wd, amsgrad):
    lr, b1, b2, eps = 0.1, 0.9, 0.99, 1e-8
    xs, _ = _quadratic_steps(lambda p: cls(p, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd,
                                           amsgrad=amsgrad), X0, A, 8)
    x, m, v, vmax, ref = X0.copy(), 0.0, 0.0, 0.0, []
    for t in range(1, 9):
        g = A @ x
        if cls is optim.AdamW:
            x = x * (1 - lr * wd)
        else:
            g = g + wd * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        vh = (vmax if amsgrad else v) / (1 - b2 ** t)
        x = x - lr * (m / (1 - b1 ** t)) / (np.sqrt(vh) + eps)
        ref.append(x)
    np.testing.assert_allclose(xs, np.array(ref), rtol=1e-12)


def test_adamw_with_zero_gradient_is_pure_decay():
    x = tg.tensor([2.0, -4.0], requires_grad=True)
    opt = optim.AdamW([x], lr=0.1, weight_decay=0.5)
    for _ in range(3):
        opt.zero_grad()
        (x * 0.0).sum().backward()
        opt.step()
    np.testing.assert_allclose(x.data, np.array([2.0, -4.0]) * 0.95 ** 3, rtol=1e-12)


def test_updates_are_in_place_and_bump_the_version():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    ident, arr = id(x), x.data
    y = (x * x).sum()              # saves x for backward
    opt = optim.SGD([x], lr=0.1)
    x.grad = tg.tensor([1.0, 1.0])
    opt.step()
    assert id(x) == ident and x.data is arr and x.is_leaf
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_param_groups_use_their_own_hyperparameters():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    (a + b).sum().backward()
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.5])
    assert opt.param_groups[1]["momentum"] == 0.0


def test_zero_grad_sets_none_or_zeros():
    x = tg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([x], lr=0.1)
    (x * 3).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(x.grad.data, [0.0])
    opt.zero_grad()
    assert x.grad is None


@pytest.mark.parametrize("cls,kw", [(optim.Adam, {"lr": 0.1}),
                                    (optim.SGD, {"lr": 0.05, "momentum": 0.9})])
def test_state_dict_round_trip_resumes_identically(cls, kw):
    full, _ = _quadratic_steps(lambda p: cls(p, **kw), X0, A, 6)
    x = tg.tensor(X0, requires_grad=True)
    opt = cls([x], **kw)
    for _ in range(3):
        opt.zero_grad()
        (0.5 * (x @ (tg.tensor(A) @ x))).backward()
        opt.step()
    saved, saved_x = opt.state_dict(), x.data.copy()
    for _ in range(2):                       # disturb the live state; the saved copy must not move
        opt.zero_grad()
        (0.5 * (x @ (tg.tensor(A) @ x))).backward()
        opt.step()
    y = tg.tensor(saved_x, requires_grad=True)
    opt2 = cls([y], lr=123.0)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kw["lr"]
    for _ in range(3):
        opt2.zero_grad()
        (0.5 * (y @ (tg.tensor(A) @ y))).backward()
        opt2.step()
    np.testing.assert_allclose(y.data, full[-1], rtol=1e-13)


def _rosenbrock_closure(opt, x):
    def closure():
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        return loss
    return closure


def test_lbfgs_strong_wolfe_solves_rosenbrock():
    x = tg.tensor([-1.5, 2.0], requires_grad=True)
    opt = optim.LBFGS([x], max_iter=200, line_search_fn="strong_wolfe", tolerance_grad=1e-12,
                      tolerance_change=1e-15)
    first = opt.step(_rosenbrock_closure(opt, x))
    assert float(first) == pytest.approx(6.25 + 100 * 0.25 ** 2)
    np.testing.assert_allclose(x.data, [1.0, 1.0], atol=1e-7)
    assert opt.state[x]["n_iter"] < 100


def test_lbfgs_quadratic_converges_in_few_iterations():
    # L-BFGS with exact line search on a D-dim quadratic terminates in ~D steps
    rng = np.random.default_rng(0)
    M = rng.normal(size=(6, 6))
    H, b = M @ M.T + 6 * np.eye(6), rng.normal(size=6)
    x = tg.zeros(6, requires_grad=True)
    opt = optim.LBFGS([x], max_iter=30, line_search_fn="strong_wolfe", tolerance_grad=1e-10,
                      tolerance_change=1e-15)

    def closure():
        opt.zero_grad()
        loss = 0.5 * (x @ (tg.tensor(H) @ x)) - tg.tensor(b) @ x
        loss.backward()
        return loss
    opt.step(closure)
    np.testing.assert_allclose(x.data, np.linalg.solve(H, b), atol=1e-8)
    assert opt.state[x]["n_iter"] <= 15


def test_lbfgs_without_line_search_and_repeated_steps():
    x = tg.tensor([3.0, -1.0], requires_grad=True)
    opt = optim.LBFGS([x], lr=0.5, max_iter=1, tolerance_change=1e-20)
    closure = lambda: (opt.zero_grad(), (x * x).sum().backward(), (x * x).sum())[-1]  # noqa: E731
    for _ in range(40):       # H_diag = ys/yᵀy is exact for x², so each step halves x
        opt.step(closure)
    np.testing.assert_allclose(x.data, [0.0, 0.0], atol=5e-8)   # until max|2x| <= tolerance_grad


def test_optimizer_errors_name_the_problem():
    x = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([x * 2], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(x, lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [x]}, {"params": [x]}], lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        optim.SGD([x], lr=-1.0)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([x], lr=0.1, nesterov=True)
    with pytest.raises(RuntimeError, match="closure"):
        optim.LBFGS([x]).step()
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [x]}, {"params": [tg.tensor([1.0], requires_grad=True)]}])
