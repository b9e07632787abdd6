"""Render the README's pictures into docs/images/ with the library itself.

    python docs/make_images.py

graph.png               the computation graph of one logistic neuron's loss, after backward()
finite_differences.png  forward-difference error against the step h (notebook 01):
                        truncation ~ h|f''|/2 for large h, round-off ~ eps|f|/h for small h
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
    """L = -log sigmoid(w . x + b), drawn after backward() so the parameters show their gradients."""
    w = tg.tensor([0.5, -1.0], requires_grad=True, name="w")
    b = tg.tensor(0.1, requires_grad=True, name="b")
    x = tg.tensor([2.0, 0.5], name="x")
    loss = -(tg.dot(w, x) + b).sigmoid().log()
    loss.backward(retain_graph=True)          # keep the values, so every node shows its own
    graph = tg.viz.draw_graph(loss)
    path.write_bytes(graph.pipe(format="png"))


def finite_difference_plot(path):
    """|FD(h) - f'(x0)| for f = exp(sin x) at x0 = 1, against autodiff's exact derivative."""
    x0, eps = 1.0, np.finfo(float).eps
    xt = tg.tensor(x0, requires_grad=True)
    xt.sin().exp().backward()
    exact = xt.grad.item()
    f_val = np.exp(np.sin(x0))
    f2 = (np.cos(x0) ** 2 - np.sin(x0)) * f_val
    hs = np.logspace(-16, 0, 161)
    f = lambda v: tg.tensor(v).sin().exp().item()  # noqa: E731
    err = np.abs(np.array([(f(x0 + h) - f(x0)) / h for h in hs]) - exact)

    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.loglog(hs, np.maximum(err, 1e-20), ".", ms=4, label="forward difference error")
    ax.loglog(hs, hs * abs(f2) / 2, "--", label=r"truncation $h|f''|/2$")
    ax.loglog(hs, eps * f_val / hs, ":", label=r"round-off $\varepsilon|f|/h$")
    ax.axhline(eps * abs(exact), color="k", lw=0.8, label=r"$\varepsilon|f'|$ (autodiff error $\leq$ this)")
    ax.set_xlabel("step h")
    ax.set_ylabel(r"$|\,(f(x_0+h)-f(x_0))/h - f'(x_0)\,|$")
    ax.set_ylim(1e-18, 1e1)
    ax.set_title(r"$f(x) = e^{\sin x}$ at $x_0 = 1$: where round-off takes over")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    neuron_graph(OUT / "graph.png")
    finite_difference_plot(OUT / "finite_differences.png")
    print("wrote", *sorted(p.name for p in OUT.iterdir()))
