"""Objectives in plain NumPy with their exact gradient and Hessian, fgh(x) -> (f, g, H), and the
Longley data (NIST StRD): the shared material of test_newton.py and test_diagnostics.py."""
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"

LONGLEY_CERTIFIED = np.array([-3482258.63459582, 15.0618722713733, -0.358191792925910e-01,
                              -2.02022980381683, -1.03322686717359, -0.511041056535807e-01,
                              1829.15146461355])


def read_longley():
    """(y, X with a leading column of ones) from tests/data/longley.csv."""
    lines = [ln for ln in (DATA / "longley.csv").read_text().splitlines()
             if ln and not ln.startswith("#")]
    assert lines[0] == "y,x1,x2,x3,x4,x5,x6"
    data = np.array([[float(v) for v in ln.split(",")] for ln in lines[1:]])
    return data[:, 0], np.c_[np.ones(len(data)), data[:, 1:]]


def normal_nll(data):
    """f(μ, u) = n u + Σ(x − μ)² e^{−2u} / 2 (σ = e^u): minimum at x̄, u = log √(mean (x − x̄)²)."""
    def fgh(p, hess=True):
        mu, u = p
        r = data - mu
        n, S, e = len(data), r @ r, np.exp(-2 * u)
        g = np.array([-r.sum() * e, n - S * e])
        H = np.array([[n * e, 2 * r.sum() * e], [2 * r.sum() * e, 2 * S * e]])
        return n * u + 0.5 * S * e, g, H
    return fgh


def logistic_nll(X, y):
    """f(w) = Σ softplus(xᵢᵀw) − yᵢ xᵢᵀw."""
    def fgh(w, hess=True):
        eta = X @ w
        p = 1 / (1 + np.exp(-eta))
        H = (X * (p * (1 - p))[:, None]).T @ X
        return np.sum(np.logaddexp(0, eta) - y * eta), X.T @ (p - y), H
    return fgh
