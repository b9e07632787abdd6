"""tg.decision: expected loss, Bayes decisions, risk, the binary threshold, DecisionRule.

Reference values are worked out by hand from loss[y_true, y_pred]; the simulation
draws from a known p(x, y) whose Bayes risk has a closed form (normal CDFs).
"""
import itertools
import math

import numpy as np
import pytest

import tinygrad_ku as tg
from tinygrad_ku.decision import DecisionRule, bayes_decision, expected_loss, risk, threshold

COIN_LOSS = [[0, 1],      # predicting 1 when y=0 costs 1
             [100, 0]]    # predicting 0 when y=1 costs 100


def Phi(z):
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


# ----------------------------------------------------------------------------- the unfair coin

def test_unfair_coin_game():
    # predict 0: 0.7*0 + 0.3*100 = 30; predict 1: 0.7*1 + 0.3*0 = 0.7
    np.testing.assert_allclose(expected_loss([0.7, 0.3], COIN_LOSS), [30.0, 0.7], rtol=1e-15)
    assert bayes_decision([0.7, 0.3], COIN_LOSS) == 1
    assert type(bayes_decision([0.7, 0.3], COIN_LOSS)) is int


def test_accepts_lists_ndarrays_and_tensors():
    p = [[0.7, 0.3], [0.999, 0.001]]
    expected = [1, 0]          # second row: predict 0 costs 0.1, predict 1 costs 0.999
    for P in (p, np.array(p), tg.tensor(p), tg.tensor(p, requires_grad=True)):
        for L in (COIN_LOSS, np.array(COIN_LOSS), tg.tensor(COIN_LOSS, dtype="float64")):
            d = bayes_decision(P, L)
            assert isinstance(d, np.ndarray) and d.dtype == np.int64 and d.shape == (2,)
            assert d.tolist() == expected
    np.testing.assert_allclose(expected_loss(tg.tensor(p), COIN_LOSS), [[30.0, 0.7], [0.1, 0.999]])


def test_batch_matches_rows():
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(4), size=50)
    L = rng.uniform(0, 5, (4, 4))
    batch = bayes_decision(P, L)
    assert batch.tolist() == [bayes_decision(row, L) for row in P]
    # expected loss by its definition, sum_y p(y) loss[y, a], written out with loops
    R = np.array([[sum(P[n, y] * L[y, a] for y in range(4)) for a in range(4)] for n in range(50)])
    np.testing.assert_allclose(expected_loss(P, L), R, rtol=1e-13)


def test_zero_one_loss_gives_the_most_probable_class():
    P = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.2, 0.3, 0.5]])
    assert bayes_decision(P, 1 - np.eye(3)).tolist() == [1, 0, 2]


def test_ties_go_to_the_lowest_index():
    assert bayes_decision([0.5, 0.5], 1 - np.eye(2)) == 0
    assert bayes_decision([0.0, 0.5, 0.5], 1 - np.eye(3)) == 1
    assert bayes_decision([0.25] * 4, np.zeros((4, 4))) == 0
    # exactly at the threshold p(y=1) = 1/101 both predictions cost 100/101 (up to rounding)
    assert bayes_decision([100 / 101, 1 / 101], COIN_LOSS) == 0


# ----------------------------------------------------------------------------- threshold

@pytest.mark.parametrize("loss, expected", [
    (COIN_LOSS, 1 / 101),                     # L(0,1) = 1, L(1,0) = 100
    ([[0, 5], [2, 0]], 5 / 7),                # L(0,1) = loss[0][1] = 5, L(1,0) = loss[1][0] = 2
    ([[0, 1], [1, 0]], 0.5),
    ([[1, 4], [3, 0]], 3 / 6),                # non-zero diagonal: (L01 - L00) / ((L01 - L00) + (L10 - L11))
])
def test_threshold_formula(loss, expected):
    assert threshold(loss) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("loss", [COIN_LOSS, [[0, 5], [2, 0]], [[1, 4], [3, 0]], [[0, 0.3], [7, 0]]])
def test_threshold_agrees_with_bayes_decision(loss):
    t = threshold(loss)
    L = np.asarray(loss, dtype=float)
    assert t == pytest.approx((L[0, 1] - L[0, 0]) / ((L[0, 1] - L[0, 0]) + (L[1, 0] - L[1, 1])))
    p1 = np.concatenate([np.linspace(0, 1, 2001), [t * (1 - 1e-9), t * (1 + 1e-9)]])
    p1 = p1[np.abs(p1 - t) > 1e-12]
    decisions = bayes_decision(np.stack([1 - p1, p1], axis=1), loss)
    assert np.array_equal(decisions, (p1 > t).astype(int))


def test_threshold_rejects_losses_without_a_threshold_rule():
    with pytest.raises(ValueError, match=r"threshold: needs a binary \(2, 2\) loss, got shape \(3, 3\)"):
        threshold(1 - np.eye(3))
    with pytest.raises(ValueError, match="threshold: loss"):
        threshold([[2, 1], [3, 0]])           # predicting 1 is cheaper even when y = 0
    with pytest.raises(ValueError, match="threshold: loss"):
        threshold([[0, 0], [0, 0]])


# ----------------------------------------------------------------------------- risk and DecisionRule

def test_risk_is_the_mean_loss():
    # pairs (true, pred): (1,1) 0, (1,0) 100, (0,1) 1, (0,0) 0 -> 101 / 4
    assert risk([1, 0, 1, 0], [1, 1, 0, 0], COIN_LOSS) == pytest.approx(101 / 4, rel=1e-15)
    assert risk(tg.tensor([1.0, 0.0]), np.array([1, 1]), COIN_LOSS) == pytest.approx(50.0)


def test_decision_rule_wraps_predict_proba_output():
    rule = DecisionRule(COIN_LOSS)
    proba = np.array([[0.7, 0.3], [0.999, 0.001], [0.2, 0.8]])
    assert rule.predict(proba).tolist() == [1, 0, 1]
    np.testing.assert_allclose(rule.expected_loss(proba), [[30, 0.7], [0.1, 0.999], [80, 0.2]])
    # decisions [1, 0, 1] against truth [0, 1, 1]: 1 + 100 + 0
    assert rule.risk(proba, [0, 1, 1]) == pytest.approx(101 / 3)
    assert rule.threshold() == pytest.approx(1 / 101)
    assert rule.predict([0.7, 0.3]) == 1
    assert "DecisionRule" in repr(rule)


# ----------------------------------------------------------------------------- optimality

def test_bayes_decision_beats_every_rule_on_a_discrete_problem():
    # p(x, y) over 4 values of x and 3 classes; enumerate all 3^4 deterministic rules x -> a
    joint = np.array([[0.10, 0.05, 0.05],
                      [0.02, 0.20, 0.08],
                      [0.15, 0.05, 0.10],
                      [0.01, 0.04, 0.15]])
    L = np.array([[0, 2, 5], [4, 0, 1], [9, 3, 0]], dtype=float)
    posterior = joint / joint.sum(axis=1, keepdims=True)
    bayes = bayes_decision(posterior, L)

    def exact_risk(rule):          # sum_x sum_y p(x, y) loss[y, rule(x)]
        return sum(joint[x, y] * L[y, rule[x]] for x in range(4) for y in range(3))

    best = min(itertools.product(range(3), repeat=4), key=exact_risk)
    assert exact_risk(bayes) == pytest.approx(exact_risk(best), abs=1e-15)


def test_simulation_bayes_risk_no_larger_than_argmax():
    # y ~ Bernoulli(0.2); x | y ~ N(mu_y, 1); loss: a missed positive costs 10, a false alarm 1
    pi1, mu0, mu1, n = 0.2, 0.0, 1.5, 40_000
    loss = [[0, 1], [10, 0]]
    rng = np.random.default_rng(12345)
    y = (rng.random(n) < pi1).astype(int)
    x = rng.standard_normal(n) + np.where(y == 1, mu1, mu0)
    lik1 = np.exp(-0.5 * (x - mu1) ** 2)
    lik0 = np.exp(-0.5 * (x - mu0) ** 2)
    p1 = pi1 * lik1 / (pi1 * lik1 + (1 - pi1) * lik0)
    proba = np.stack([1 - p1, p1], axis=1)

    rule = DecisionRule(loss)
    bayes_risk = rule.risk(proba, y)
    argmax_risk = risk(proba.argmax(axis=1), y, loss)
    assert bayes_risk <= argmax_risk
    assert bayes_risk < 0.8 * argmax_risk        # clearly better here, not just by noise

    # closed forms: "predict 1 iff p1 > t" is "x > c" with c from the log-odds
    def cut(t):
        return (math.log(t / (1 - t)) - math.log(pi1 / (1 - pi1)) + (mu1 ** 2 - mu0 ** 2) / 2) / (mu1 - mu0)

    def true_risk(c):   # P(y=0) L01 P(x > c | y=0) + P(y=1) L10 P(x <= c | y=1)
        return (1 - pi1) * 1 * (1 - Phi(c - mu0)) + pi1 * 10 * Phi(c - mu1)

    for empirical, t in ((bayes_risk, threshold(loss)), (argmax_risk, 0.5)):
        r = true_risk(cut(t))
        se = math.sqrt(r * 10 / n)          # loss in [0, 10]: var <= E[loss^2] <= 10 E[loss]
        assert abs(empirical - r) < 4 * se
    # and the Bayes cut minimises the true risk over all cuts
    grid = np.linspace(-3, 5, 801)
    assert true_risk(cut(threshold(loss))) <= min(true_risk(c) for c in grid) + 1e-12


# ----------------------------------------------------------------------------- validation

@pytest.mark.parametrize("call, pattern", [
    (lambda: expected_loss([0.5, 0.6], COIN_LOSS), r"expected_loss: posterior must sum to 1.*1\.1"),
    (lambda: bayes_decision([[0.5, 0.5], [0.9, 0.3]], COIN_LOSS), r"bayes_decision: posterior.*1\.2.*row 1"),
    (lambda: bayes_decision([1.2, -0.2], COIN_LOSS), r"bayes_decision: posterior must be non-negative.*-0\.2"),
    (lambda: bayes_decision([0.5, np.nan], COIN_LOSS), r"bayes_decision: posterior must be finite.*nan"),
    (lambda: bayes_decision(np.full((2, 2, 2), 0.5), COIN_LOSS), r"bayes_decision: posterior.*\(2, 2, 2\)"),
    (lambda: bayes_decision([0.2, 0.3, 0.5], COIN_LOSS), r"bayes_decision: loss has shape \(2, 2\).*3 classes"),
    (lambda: expected_loss([0.5, 0.5], [[0, 1, 2], [1, 0, 2]]), r"expected_loss: loss.*\(2, 3\)"),
    (lambda: expected_loss([0.5, 0.5], [[0, np.inf], [1, 0]]), r"expected_loss: loss must be finite"),
    (lambda: expected_loss("abc", COIN_LOSS), r"expected_loss: posterior must be an array of numbers"),
    (lambda: risk([0, 2], [0, 1], COIN_LOSS), r"risk: y_pred labels must lie in \[0, 2\).*2"),
    (lambda: risk([0, 1], [0, -1], COIN_LOSS), r"risk: y_true labels.*-1"),
    (lambda: risk([0, 1, 1], [0, 1], COIN_LOSS), r"risk: y_pred has shape \(3,\) but y_true has shape \(2,\)"),
    (lambda: risk([0.5, 1], [0, 1], COIN_LOSS), r"risk: y_pred must hold integer class labels.*0\.5"),
    (lambda: risk([], [], COIN_LOSS), r"risk: .*empty"),
    (lambda: DecisionRule([[0, 1]]), r"DecisionRule: loss must be a square"),
    (lambda: DecisionRule(COIN_LOSS).predict([0.2, 0.2, 0.6]), r"DecisionRule.predict: loss has shape \(2, 2\).*3 classes"),
    (lambda: DecisionRule(COIN_LOSS).risk([[0.2, 0.8]], [3]), r"DecisionRule.risk: y_true labels.*3"),
])
def test_validation_errors_name_function_argument_and_value(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_probabilities_within_tolerance_are_accepted():
    assert bayes_decision([0.7 + 5e-7, 0.3], COIN_LOSS) == 1
    with pytest.raises(ValueError):
        bayes_decision([0.7 + 5e-6, 0.3], COIN_LOSS)
