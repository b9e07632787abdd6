"""`make demo`: a small graph, its values and gradients, checked by gradcheck."""
import os

import numpy as np

import tinygrad_ku as tg


def main():
    tg.manual_seed(0)
    W = tg.randn(3, 2, requires_grad=True, name="W")
    x = tg.tensor([1.0, -2.0], requires_grad=True, name="x")
    b = tg.tensor([0.1, 0.2, 0.3], requires_grad=True, name="b")

    y = (W @ x + b).tanh().sum()          # y = Σ tanh(W x + b)
    y.backward()
    print("y = Σ tanh(W x + b) =", round(y.item(), 6))
    print("dy/dW =\n", np.round(W.grad.numpy(), 6))
    print("dy/dx =", np.round(x.grad.numpy(), 6))
    print("dy/db =", np.round(b.grad.numpy(), 6))

    ok = tg.gradcheck(lambda W, x, b: (W @ x + b).tanh().sum(), (W, x, b))
    print("gradcheck against central differences:", "passed" if ok else "FAILED")

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = tg.viz.draw_graph(y).render(os.path.join(here, "out", "demo_graph"), format="svg",
                                       cleanup=True)
    print("graph of y rendered to", path)


if __name__ == "__main__":
    main()
