"""Render the README's pictures into docs/images/ with the library itself (run after `make setup`).

    .venv/bin/python docs/make_images.py

graph.png                the computation graph of one logistic neuron's loss after backward()
logistic_regression.png  notebook 03's classifier: p(y=1 | x) with the decision boundary, and the
                         NLL per Newton iteration of tg.estimate.mle
"""
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import tinygrad_ku as tg  # noqa: E402
import tinygrad_ku.viz  # noqa: E402,F401

OUT = Path(__file__).resolve().parent / "images"


def neuron_graph(path):
    """L = -log sigmoid(w . x + b); the graph is kept (retain_graph) so every node shows its value."""
    w = tg.tensor([0.5, -1.0], requires_grad=True, name="w")
    b = tg.tensor(0.1, requires_grad=True, name="b")
    x = tg.tensor([2.0, 0.5], name="x")
    loss = -(tg.dot(w, x) + b).sigmoid().log()
    loss.backward(retain_graph=True)
    path.write_bytes(tg.viz.draw_graph(loss).pipe(format="png"))


def logistic_regression_plot(path):
    """Two Gaussian classes (p(y=1) = 0.3, means -+(1, 0.5)) fitted by conditional MLE."""
    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.3).astype(int)
    X = np.array([[-1.0, -0.5], [1.0, 0.5]])[y] + rng.standard_normal((400, 2))
    clf = tg.models.LogisticRegression(n_features=2)
    fit = tg.estimate.mle(clf, (X, y))

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [1.25, 1]})
    g1, g2 = np.meshgrid(np.linspace(-4, 4, 200), np.linspace(-4, 4, 200))
    prob = clf.predict_proba(np.c_[g1.ravel(), g2.ravel()]).numpy()[:, 1].reshape(g1.shape)
    cs = ax.contourf(g1, g2, prob, levels=np.linspace(0, 1, 11), cmap="coolwarm", alpha=0.35)
    ax.contour(g1, g2, prob, levels=[0.5], colors="k")
    ax.scatter(*X.T, c=y, cmap="coolwarm", s=10, edgecolor="k", linewidth=0.3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_xlim(-4, 4)
    ax.set_ylim(-4, 4)
    ax.set_title("logistic regression: p(y=1 | x), boundary p = 1/2")
    fig.colorbar(cs, ax=ax)
    ax2.semilogy(np.array(fit.history) - fit.nll + 1e-12, "o-", ms=3)
    ax2.set_xlabel("Newton iteration")
    ax2.set_ylabel(r"NLL $-$ NLL$(\hat\theta)$")
    ax2.set_title("tg.estimate.mle: the NLL curve")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    neuron_graph(OUT / "graph.png")
    logistic_regression_plot(OUT / "logistic_regression.png")
    print("wrote", *sorted(p.name for p in OUT.iterdir()))
