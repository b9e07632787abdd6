"""A first-weeks PyTorch course script: an MLP learns to tell two interleaved spirals apart.

Written for PyTorch; the import block below is the only place that names a library, so
the same lines run under PyTorch and under tinygrad_ku:

    python tests/course_script.py                        # tinygrad_ku
    COURSE_LIBRARY=torch python tests/course_script.py   # PyTorch, where it is installed

`train()` can also start from given initial weights (a state dict of NumPy arrays) and
take each epoch's batch order from a given permutation, so that both libraries can be
run from the same ones and their loss curves compared.
"""
import os
import tempfile

import numpy as np

if os.environ.get("COURSE_LIBRARY", "tinygrad_ku") == "torch":
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset
else:
    import tinygrad_ku as torch
    import tinygrad_ku.nn as nn
    import tinygrad_ku.nn.functional as F
    from tinygrad_ku.utils.data import DataLoader, TensorDataset

N_TRAIN = 300


def make_spirals(n_per_class=200, noise=0.3, seed=0):
    """Two interleaved spirals in the plane (NumPy arrays X (2n, 2), y (2n,)), shuffled."""
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.random(n_per_class)) * 3 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
    X = np.concatenate([arm, -arm]) + noise * rng.standard_normal((2 * n_per_class, 2))
    y = np.repeat([0, 1], n_per_class)
    perm = rng.permutation(2 * n_per_class)
    return X[perm] / 5.0, y[perm]


def make_model(p_drop=0.1):
    return nn.Sequential(
        nn.Linear(2, 32),
        nn.ReLU(),
        nn.Dropout(p_drop),
        nn.LayerNorm(32),
        nn.Linear(32, 32),
        nn.Tanh(),
        nn.Linear(32, 2),
    )


def accuracy(logits, y):
    pred = logits.argmax(dim=1)
    return (pred == y).float().mean().item()


def train(epochs=20, batch_size=32, lr=1e-2, p_drop=0.1, double=False, init=None,
          orders=None, seed=0, verbose=True):
    """Train the MLP; return its losses, accuracies, the model and the test data."""
    torch.manual_seed(seed)
    device = torch.device("cpu")
    dtype = torch.float64 if double else torch.float32

    X, y = make_spirals()
    X_train = torch.tensor(X[:N_TRAIN], dtype=dtype)
    y_train = torch.tensor(y[:N_TRAIN], dtype=torch.long)
    X_test = torch.tensor(X[N_TRAIN:], dtype=dtype).to(device)
    y_test = torch.tensor(y[N_TRAIN:], dtype=torch.long).to(device)
    train_ds = TensorDataset(X_train, y_train)
    train_loader = DataLoader(train_ds, batch_size=batch_size, shuffle=True)

    model = make_model(p_drop).to(device)
    if double:
        model = model.double()
    if init is not None:
        model.load_state_dict({k: torch.tensor(v) for k, v in init.items()})
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)

    step_losses, epoch_losses, test_accs = [], [], []
    for epoch in range(epochs):
        model.train()
        if orders is not None:
            order = orders[epoch]
            train_loader = DataLoader(TensorDataset(X_train[order], y_train[order]),
                                      batch_size=batch_size)
        running = 0.0
        for xb, yb in train_loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            logits = model(xb)
            loss = criterion(logits, yb)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            step_losses.append(loss.item())
            running += loss.item() * xb.size(0)
        scheduler.step()
        epoch_losses.append(running / len(train_ds))

        model.eval()
        with torch.no_grad():
            test_logits = model(X_test)
            test_loss = F.cross_entropy(test_logits, y_test).item()
            test_accs.append(accuracy(test_logits, y_test))
        if verbose:
            print(f"epoch {epoch + 1:2d}  train loss {epoch_losses[-1]:.4f}  "
                  f"test loss {test_loss:.4f}  test acc {test_accs[-1]:.3f}  "
                  f"lr {scheduler.get_last_lr()[0]:.4g}")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "spirals_mlp.pt")
        torch.save(model.state_dict(), path)
        reloaded = make_model(p_drop).to(device)
        if double:
            reloaded = reloaded.double()
        reloaded.load_state_dict(torch.load(path))
    reloaded.eval()
    with torch.no_grad():
        same = torch.equal(reloaded(X_test), model(X_test))
    if verbose:
        print(f"reloaded model gives the same outputs: {same}")
    return {"step_losses": step_losses, "epoch_losses": epoch_losses, "test_accs": test_accs,
            "model": model, "reloaded": reloaded, "X_test": X_test, "y_test": y_test}


def numpy_init(seed=1):
    """Initial weights as a state dict of NumPy arrays (float64), the same in any library."""
    rng = np.random.default_rng(seed)
    init = {}
    for name, value in make_model().state_dict().items():
        shape = tuple(value.shape)
        if len(shape) == 2:
            init[name] = rng.uniform(-1, 1, shape) / np.sqrt(shape[1])
        elif name == "3.weight":                          # the LayerNorm's gain
            init[name] = 1.0 + rng.uniform(-0.1, 0.1, shape)
        else:
            init[name] = rng.uniform(-0.1, 0.1, shape)
    return init


def numpy_orders(epochs, seed=2):
    """One permutation of the training set per epoch (NumPy int64 arrays)."""
    rng = np.random.default_rng(seed)
    return [rng.permutation(N_TRAIN) for _ in range(epochs)]


if __name__ == "__main__":
    train()
