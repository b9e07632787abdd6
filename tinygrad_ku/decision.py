"""Bayes decisions under a loss matrix (``tg.decision``).

Given a posterior p(y | x) over C classes and a loss matrix ``loss[y_true, y_pred]``
(what predicting ``y_pred`` costs when the truth is ``y_true``), the Bayes decision
picks the prediction with the smallest expected loss:

    R(a | x) = sum_y p(y | x) * loss[y, a]          expected_loss
    a*(x)    = argmin_a R(a | x)                     bayes_decision

This module is pure NumPy. Every function accepts Python lists, ndarrays and
Tensors (anything with ``__array__``); nothing here is differentiated.

>>> loss = [[0, 1],      # loss[y_true, y_pred]: predicting 1 when y=0 costs 1
...         [100, 0]]    # predicting 0 when y=1 costs 100
>>> expected_loss([0.7, 0.3], loss)
array([30. ,  0.7])
>>> bayes_decision([0.7, 0.3], loss)
1
>>> threshold(loss)      # predict 1 iff p(y=1|x) > 1/101
0.009900990099009901

Ties: when two predictions have the same expected loss (equal up to floating-point
rounding, relative 1e-12) the lowest class index wins. This matches
``threshold``: at p(y=1|x) exactly equal to the threshold, class 0 is predicted.
"""

import numpy as np

__all__ = ["expected_loss", "bayes_decision", "risk", "threshold", "DecisionRule"]


def __dir__():              # dir() lists the public names only
    return list(__all__)


PROB_TOL = 1e-6     # how far a row of probabilities may sum away from one
TIE_RTOL = 1e-12    # expected losses this close (relative) count as a tie


# ----------------------------------------------------------------------------
# validation helpers (each error names the function, the argument and the value)

def _as_float_array(x, func, name):
    """Convert a list / ndarray / Tensor to a float64 ndarray, or raise ValueError."""
    if x is None:
        raise ValueError(f"{func}: {name} is None; expected an array of numbers")
    if hasattr(x, "detach"):           # a Tensor: its values (decisions are not differentiated)
        x = x.detach()
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{func}: {name} must be an array of numbers, got "
                         f"{type(x).__name__} ({e})") from None
    return arr


def _check_loss(loss, func, n_classes=None):
    """A finite square (C, C) loss matrix; C must equal n_classes when given."""
    L = _as_float_array(loss, func, "loss")
    if L.ndim != 2 or L.shape[0] != L.shape[1] or L.shape[0] < 1:
        raise ValueError(f"{func}: loss must be a square (C, C) matrix indexed loss[y_true, "
                         f"y_pred], got shape {L.shape}")
    if not np.all(np.isfinite(L)):
        raise ValueError(f"{func}: loss must be finite, got {L.tolist()}")
    if n_classes is not None and L.shape[0] != n_classes:
        raise ValueError(f"{func}: loss has shape {L.shape} but posterior has {n_classes} classes "
                         "(last axis); they must agree")
    return L


def _check_probs(p, func, name="posterior"):
    """Probabilities of shape (C,) or (N, C): finite, non-negative, rows summing to one."""
    P = _as_float_array(p, func, name)
    if P.ndim not in (1, 2) or P.shape[-1] < 1:
        raise ValueError(f"{func}: {name} must have shape (C,) or (N, C), got shape {P.shape}")
    if not np.all(np.isfinite(P)):
        bad = P[~np.isfinite(P)].ravel()[0]
        raise ValueError(f"{func}: {name} must be finite, found {bad}")
    if np.any(P < 0):
        idx = tuple(int(i) for i in np.argwhere(P < 0)[0])
        raise ValueError(f"{func}: {name} must be non-negative, found {P[idx]} at index {idx}")
    sums = P.sum(axis=-1)
    off = np.abs(sums - 1.0) > PROB_TOL
    if np.any(off):
        if P.ndim == 1:
            where = ""
        else:
            where = f" (row {int(np.argmax(off))})"
        bad = float(np.atleast_1d(sums)[np.argmax(np.atleast_1d(off))])
        raise ValueError(f"{func}: {name} must sum to 1 over its last axis (tolerance "
                         f"{PROB_TOL:g}), got sum {bad!r}{where}")
    return P


def _check_labels(y, func, name, n_classes):
    """Integer class labels in [0, n_classes); integral floats (a float Tensor) are accepted."""
    Y = np.asarray(y)
    if Y.dtype == bool or Y.dtype.kind not in "iuf":
        raise ValueError(f"{func}: {name} must hold integer class labels, got dtype {Y.dtype}")
    if np.issubdtype(Y.dtype, np.floating):
        if not np.all(np.isfinite(Y)) or np.any(Y != np.round(Y)):
            bad = Y[~np.isfinite(Y) | (Y != np.round(Y))].ravel()[0]
            raise ValueError(f"{func}: {name} must hold integer class labels, found {bad}")
        Y = Y.astype(np.int64)
    if np.any((Y < 0) | (Y >= n_classes)):
        bad = Y[(Y < 0) | (Y >= n_classes)].ravel()[0]
        raise ValueError(f"{func}: {name} labels must lie in [0, {n_classes}) for a "
                         f"{n_classes}x{n_classes} loss, found {bad}")
    return Y


# ----------------------------------------------------------------------------
# public functions

def expected_loss(posterior, loss):
    """Expected loss of each prediction: R[..., a] = sum_y posterior[..., y] * loss[y, a].

    posterior: (C,) or (N, C) probabilities p(y | x); loss: (C, C), loss[y_true, y_pred].
    Returns a float ndarray of the same shape as ``posterior``.

    >>> expected_loss([0.7, 0.3], [[0, 1], [100, 0]])
    array([30. ,  0.7])
    """
    return _expected_loss(posterior, loss, "expected_loss")


def _expected_loss(posterior, loss, func):
    P = _check_probs(posterior, func)
    L = _check_loss(loss, func, P.shape[-1])
    return P @ L                                  # (N, C) @ (C, C) -> (N, C)


def _argmin_lowest(R):
    """argmin over the last axis; near-ties (relative TIE_RTOL) go to the lowest index."""
    best = R.min(axis=-1, keepdims=True)
    scale = np.maximum(np.abs(R).max(axis=-1, keepdims=True), 1.0)
    tied = R <= best + TIE_RTOL * scale           # True for every (near-)minimal action
    return np.argmax(tied, axis=-1)               # argmax returns the first True


def bayes_decision(posterior, loss):
    """The Bayes decision a* = argmin_a sum_y posterior[y] * loss[y, a]; ties -> lowest index.

    posterior (C,) -> a Python int; posterior (N, C) -> an int64 ndarray of shape (N,).

    >>> bayes_decision([0.7, 0.3], [[0, 1], [100, 0]])
    1
    """
    return _bayes_decision(posterior, loss, "bayes_decision")


def _bayes_decision(posterior, loss, func):
    R = _expected_loss(posterior, loss, func)
    a = _argmin_lowest(R)
    return int(a) if R.ndim == 1 else a.astype(np.int64)


def risk(y_pred, y_true, loss):
    """Empirical risk: the mean of loss[y_true[i], y_pred[i]] over labelled examples.

    y_pred and y_true: integer labels of the same shape (at least one example).

    >>> risk([1, 0, 1], [1, 1, 0], [[0, 1], [100, 0]])   # (0 + 100 + 1) / 3
    33.666666666666664
    """
    return _risk(y_pred, y_true, loss, "risk")


def _risk(y_pred, y_true, loss, func):
    L = _check_loss(loss, func)
    C = L.shape[0]
    yp = _check_labels(y_pred, func, "y_pred", C)
    yt = _check_labels(y_true, func, "y_true", C)
    if yp.shape != yt.shape:
        raise ValueError(f"{func}: y_pred has shape {yp.shape} but y_true has shape {yt.shape}; "
                         "they must match")
    if yp.size == 0:
        raise ValueError(f"{func}: y_pred and y_true are empty; the risk of no examples "
                         "is undefined")
    return float(L[yt, yp].mean())


def threshold(loss):
    """Binary case: predict 1 iff p(y=1 | x) > t = (L01 - L00) / ((L01 - L00) + (L10 - L11)).

    Here Lij = loss[i][j] = the cost of predicting j when the truth is i. With a zero
    diagonal this is t = L(0,1) / (L(0,1) + L(1,0)). Derivation: predicting 1 beats 0 iff
        p0*L01 + p1*L11 < p0*L00 + p1*L10  <=>  p1*(L10 - L11) > (1 - p1)*(L01 - L00).
    Requires L01 >= L00 and L10 >= L11 (a correct decision never costs more than a wrong
    one), not both equal; otherwise no threshold of this form exists and ValueError is raised.

    >>> threshold([[0, 1], [100, 0]])     # 1 / (1 + 100)
    0.009900990099009901
    """
    L = _check_loss(loss, "threshold")
    if L.shape != (2, 2):
        raise ValueError(f"threshold: needs a binary (2, 2) loss, got shape {L.shape}")
    false_pos = L[0, 1] - L[0, 0]        # extra cost of predicting 1 when y = 0
    false_neg = L[1, 0] - L[1, 1]        # extra cost of predicting 0 when y = 1
    if false_pos < 0 or false_neg < 0 or false_pos + false_neg == 0:
        raise ValueError(f"threshold: loss {L.tolist()} has no threshold rule; need loss[0][1] >= "
                         "loss[0][0] and loss[1][0] >= loss[1][1], not both equal")
    return float(false_pos / (false_pos + false_neg))


class DecisionRule:
    """Bayes decisions for a fixed loss, applied to a classifier's predict_proba output.

    >>> rule = DecisionRule([[0, 1], [100, 0]])
    >>> rule.predict([[0.7, 0.3], [0.999, 0.001]])
    array([1, 0])
    >>> rule.risk([[0.7, 0.3], [0.999, 0.001]], y_true=[0, 0])   # (1 + 0) / 2
    0.5
    """

    def __init__(self, loss):
        self.loss = _check_loss(loss, "DecisionRule")   # (C, C), loss[y_true, y_pred]

    @property
    def n_classes(self):
        return self.loss.shape[0]

    def expected_loss(self, proba):
        """Expected loss of each prediction for probabilities of shape (C,) or (N, C)."""
        return _expected_loss(proba, self.loss, "DecisionRule.expected_loss")

    def predict(self, proba):
        """Bayes decisions: an int for shape (C,), an (N,) int array for shape (N, C)."""
        return _bayes_decision(proba, self.loss, "DecisionRule.predict")

    def risk(self, proba, y_true):
        """Mean loss of the Bayes decisions against true labels y_true."""
        y_pred = np.atleast_1d(_bayes_decision(proba, self.loss, "DecisionRule.risk"))
        return _risk(y_pred, np.atleast_1d(np.asarray(y_true)), self.loss, "DecisionRule.risk")

    def threshold(self):
        """The binary threshold on p(y=1 | x); see ``threshold``."""
        return threshold(self.loss)

    def __repr__(self):
        return f"DecisionRule(loss={self.loss.tolist()})"
