"""The lecture's numbers, as the notebooks show them, checked directly with the library.

notebooks/05: the coin game. p = (0.7, 0.3); predicting 0 when y = 1 costs 100, predicting 1
when y = 0 costs 1, so R(0) = 0.3 * 100 = 30 and R(1) = 0.7 * 1 = 0.7: predict 1.
notebooks/04: the Beta-Bernoulli MAP, (k + a - 1) / (n + a + b - 2), fitted with tg.estimate.map.
notebooks/01: x.T @ y for column vectors (n, 1) is the (1, 1) matrix of the dot product.
"""
import numpy as np
import pytest

import tinygrad_ku as tg

GAME_P = [0.7, 0.3]
GAME_LOSS = [[0, 1],      # loss[y_true, y_pred]: predicting 1 when y = 0 costs 1
             [100, 0]]    # predicting 0 when y = 1 costs 100


def test_coin_game_expected_losses_are_30_and_0_7():
    R = tg.decision.expected_loss(GAME_P, GAME_LOSS)
    assert R.shape == (2,)
    assert R[0] == pytest.approx(30.0, abs=1e-12)      # 0.7 * 0 + 0.3 * 100
    assert R[1] == pytest.approx(0.7, abs=1e-12)       # 0.7 * 1 + 0.3 * 0


def test_coin_game_predicts_1_against_the_odds():
    assert tg.decision.bayes_decision(GAME_P, GAME_LOSS) == 1
    assert tg.decision.bayes_decision(GAME_P, [[0, 1], [1, 0]]) == 0   # 0-1 loss: the likelier outcome
    assert tg.decision.threshold(GAME_LOSS) == pytest.approx(1 / 101, abs=1e-15)


def test_coin_game_as_tensor_and_batch():
    R = tg.decision.expected_loss(tg.tensor(GAME_P), tg.tensor(GAME_LOSS, dtype=tg.float64))
    np.testing.assert_allclose(R, [30.0, 0.7], rtol=0, atol=1e-12)
    a = tg.decision.bayes_decision(np.array([GAME_P, [0.995, 0.005]]), GAME_LOSS)
    np.testing.assert_array_equal(a, [1, 0])           # 0.005 < 1/101: predict 0


def _bernoulli_log_lik(params, x):
    eta = params["eta"]                                # theta = sigmoid(eta)
    return (x * eta - eta.softplus()).sum()


class _BetaOnTheta:
    """Beta(a, b) log-density of theta = sigmoid(eta): a prior on the probability itself."""

    def __init__(self, a, b):
        self.beta = tg.distributions.Beta(a, b)

    def log_prob(self, eta):
        return self.beta.log_prob(eta.sigmoid())


@pytest.mark.parametrize("a, b, closed", [
    (1.0, 1.0, 3 / 10),        # flat prior: the MLE k / n
    (2.0, 2.0, 4 / 12),        # (3 + 1) / (10 + 2)
    (10.0, 10.0, 12 / 28),     # (3 + 9) / (10 + 18)
    (0.5, 3.0, 2.5 / 11.5),    # (3 - 0.5) / (10 + 1.5)
])
def test_beta_bernoulli_map_closed_form(a, b, closed):
    flips = np.array([1, 0, 0, 1, 0, 0, 0, 1, 0, 0], dtype=float)   # k = 3 heads in n = 10
    k, n = flips.sum(), flips.size
    assert closed == pytest.approx((k + a - 1) / (n + a + b - 2), abs=1e-15)
    fit = tg.estimate.map(_bernoulli_log_lik, flips, prior=_BetaOnTheta(a, b), params={"eta": 0.0})
    assert fit.converged
    theta = 1 / (1 + np.exp(-float(fit.params["eta"])))
    assert theta == pytest.approx(closed, abs=1e-8)


def test_x_transpose_y_column_vectors():
    x = tg.tensor([[1.0], [-2.0], [3.0]])               # (3, 1)
    y = tg.tensor([[4.0], [0.5], [2.0]])
    xty = x.T @ y
    assert xty.shape == (1, 1)
    assert xty.item() == 1 * 4 + (-2) * 0.5 + 3 * 2    # 9
    assert (x.reshape(3).T @ y.reshape(3)).item() == 9.0
