"""`kl_divergence(p, q)` = E_p[log p(x) - log q(x)] in closed form, and `register_kl`, as in
torch.distributions.kl: the pairs PyTorch registers among this library's families.

Each formula is built from Tensor ops, so the divergence is differentiable in both
distributions' parameters (to any order). The result has the broadcast batch shape of p
and q. Pairs where q's support misses part of p's (Normal against Gamma, ...) give +inf.
"""
import math
import warnings

import numpy as np

from ..nn.functional import log_softmax
from ..ops.linalg_ext import tri_solve
from ..ops.special import digamma, lgamma
from ..tensor import Tensor, where
from .bernoulli import Bernoulli
from .beta import Beta, _lbeta
from .categorical import Categorical
from .distribution import Distribution, xlogy
from .gamma import Exponential, Gamma
from .multivariate_normal import MultivariateNormal, _diagonal
from .normal import Laplace, Normal
from .poisson import Poisson

__all__ = ["register_kl", "kl_divergence"]

_EULER = 0.5772156649015329
_REGISTRY = {}        # (type_p, type_q) -> function, as registered
_CACHE = {}           # (type(p), type(q)) -> the most specific registered function, or None


def register_kl(type_p, type_q):
    """Decorator registering fn(p, q) as KL(p || q) for p of type_p and q of type_q (or
    subclasses; the most specific registered pair wins)."""
    for t in (type_p, type_q):
        if not (isinstance(t, type) and issubclass(t, Distribution)):
            raise TypeError(f"register_kl: expected a Distribution subclass, got {t!r}")

    def decorator(fn):
        _REGISTRY[type_p, type_q] = fn
        _CACHE.clear()
        return fn
    return decorator


def _dispatch(type_p, type_q):
    """The registered function of the most specific (P, Q) with type_p <= P and type_q <= Q."""
    depth = {}
    for P, Q in _REGISTRY:
        if issubclass(type_p, P) and issubclass(type_q, Q):
            depth[P, Q] = (type_p.__mro__.index(P), type_q.__mro__.index(Q))
    if not depth:
        return None
    left = min(depth, key=lambda k: depth[k])
    right = min(depth, key=lambda k: depth[k][::-1])
    if _REGISTRY[left] is not _REGISTRY[right]:
        warnings.warn(f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). Please "
                      f"register_kl({left[0].__name__}, {right[1].__name__})", RuntimeWarning,
                      stacklevel=3)
    return _REGISTRY[left]


def kl_divergence(p, q):
    """KL(p || q) = E_p[log p(x) - log q(x)], of shape broadcast(p.batch_shape, q.batch_shape)."""
    key = type(p), type(q)
    if key not in _CACHE:
        _CACHE[key] = _dispatch(*key)
    fn = _CACHE[key]
    if fn is None:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type {type(p).__name__} "
                                  f"and q type {type(q).__name__}")
    try:
        np.broadcast_shapes(p.batch_shape, q.batch_shape)
    except ValueError:
        raise ValueError(f"kl_divergence: batch shapes {p.batch_shape} of {type(p).__name__} and "
                         f"{q.batch_shape} of {type(q).__name__} cannot be broadcast "
                         f"together") from None
    return fn(p, q)


def _infinite(p, q):
    shape = np.broadcast_shapes(p.batch_shape, q.batch_shape)
    return Tensor(np.full(shape, np.inf))


# ----- the same family ---------------------------------------------------------------
@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    """p log(p/q) + (1-p) log((1-p)/(1-q)), through softplus of the logits."""
    pp, qp = p.probs.data, q.probs.data
    with np.errstate(invalid="ignore", divide="ignore"):     # nan at p, q in {0, 1}: replaced
        t1 = p.probs * ((-q.logits).softplus() - (-p.logits).softplus())
        t2 = (1.0 - p.probs) * (q.logits.softplus() - p.logits.softplus())
    t1 = where(pp == 0, 0.0, where(qp == 0, np.inf, t1))
    t2 = where(pp == 1, 0.0, where(qp == 1, np.inf, t2))
    return t1 + t2


def _categorical_log_probs(d):
    """log p_k, normalised."""
    if d._given == "logits":
        return log_softmax(d.logits, dim=-1)
    with np.errstate(divide="ignore"):
        return d._normalised_probs().log()


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    """sum_k p_k (log p_k - log q_k), with 0 log 0 = 0 and +inf where q_k = 0 < p_k."""
    if p.num_events != q.num_events:
        raise ValueError(f"kl_divergence: Categorical p has {p.num_events} categories and q has "
                         f"{q.num_events}")
    probs, qprobs = p._normalised_probs(), q._normalised_probs()
    with np.errstate(invalid="ignore", divide="ignore"):     # nan where p_k or q_k = 0: replaced
        t = probs * (_categorical_log_probs(p) - _categorical_log_probs(q))
    t = where(probs.data == 0, 0.0, where(qprobs.data == 0, np.inf, t))
    return t.sum(-1)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    """(r + ((mu_p - mu_q) / sigma_q)^2 - 1 - log r) / 2, r = (sigma_p / sigma_q)^2."""
    var_ratio = (p.scale / q.scale).square()
    t1 = ((p.loc - q.loc) / q.scale).square()
    return 0.5 * (var_ratio + t1 - 1.0 - var_ratio.log())


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    """-log(b_p / b_q) + |mu_p - mu_q| / b_q + (b_p / b_q) exp(-|mu_p - mu_q| / b_p) - 1."""
    ratio = p.scale / q.scale
    diff = (p.loc - q.loc).abs()
    return -ratio.log() + diff / q.scale + ratio * (-diff / p.scale).exp() - 1.0


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    """r - log r - 1, r = lambda_q / lambda_p."""
    ratio = q.rate / p.rate
    return ratio - ratio.log() - 1.0


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    """a_q log(b_p/b_q) + lgamma(a_q) - lgamma(a_p) + (a_p - a_q) psi(a_p) + (b_q - b_p) a_p/b_p."""
    a, b, qa, qb = p.concentration, p.rate, q.concentration, q.rate
    return (qa * (b / qb).log() + lgamma(qa) - lgamma(a) + (a - qa) * digamma(a)
            + (qb - b) * (a / b))


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    """log B(a_q, b_q) - log B(a_p, b_p) + (a_p - a_q) psi(a_p) + (b_p - b_q) psi(b_p)
    + (a_q - a_p + b_q - b_p) psi(a_p + b_p)."""
    a, b, qa, qb = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    return (_lbeta(qa, qb) - _lbeta(a, b) + (a - qa) * digamma(a) + (b - qb) * digamma(b)
            + ((qa + qb) - (a + b)) * digamma(a + b))


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    """lambda_p log(lambda_p / lambda_q) - lambda_p + lambda_q (lambda_q when lambda_p = 0)."""
    return xlogy(p.rate, p.rate) - xlogy(p.rate, q.rate) - (p.rate - q.rate)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    """log det L_q - log det L_p + (|L_q^-1 L_p|_F^2 + |L_q^-1 (mu_q - mu_p)|^2 - d) / 2."""
    if p.event_shape != q.event_shape:
        raise ValueError(f"KL-divergence between two Multivariate Normals with different event "
                         f"shapes cannot be computed: {p.event_shape} and {q.event_shape}")
    d = p.event_shape[0]
    Lp, Lq = p.scale_tril, q.scale_tril
    half_log_det = _diagonal(Lq).log().sum(-1) - _diagonal(Lp).log().sum(-1)
    # the columns of L_p as a batch of vectors solved against L_q
    trace = tri_solve(Lq.unsqueeze(-3), Lp.mT).square().sum(-1).sum(-1)
    maha = tri_solve(Lq, q.loc - p.loc).square().sum(-1)
    return half_log_det + 0.5 * (trace + maha - d)


# ----- different families --------------------------------------------------------------
@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p, q):
    """-H(p) - p log lambda + lambda."""
    return -p.entropy() - (p.probs * q.rate.log() - q.rate)


def _normal_cross_entropy_term(q, mean, variance):
    """-E_p[log q(x)] for q = N(mu, sigma^2) and p of that mean and variance:
    log(2 pi sigma^2) / 2 + (variance + (mean - mu)^2) / (2 sigma^2)."""
    var = q.scale.square()
    return 0.5 * (var * (2 * math.pi)).log() + 0.5 * (variance + (mean - q.loc).square()) / var


def _beta_mean(p):
    return p.concentration1 / (p.concentration1 + p.concentration0)


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p, q):
    """-H(p) - log lambda + lambda E[x]."""
    return -p.entropy() - q.rate.log() + q.rate * _beta_mean(p)


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    """-H(p) + lgamma(a_q) - a_q log b_q - (a_q - 1) E[log x] + b_q E[x]."""
    a, b, qa, qb = p.concentration1, p.concentration0, q.concentration, q.rate
    e_log_x = digamma(a) - digamma(a + b)
    return -p.entropy() + lgamma(qa) - qa * qb.log() - (qa - 1.0) * e_log_x + qb * _beta_mean(p)


@register_kl(Beta, Normal)
def _kl_beta_normal(p, q):
    """-H(p) + log(2 pi sigma^2) / 2 + E[(x - mu)^2] / (2 sigma^2)."""
    return -p.entropy() + _normal_cross_entropy_term(q, _beta_mean(p), p.variance)


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p, q):
    """-a_q log r + r + lgamma(a_q) + a_q gamma_E - (1 + gamma_E), r = b_q / lambda_p."""
    ratio = q.rate / p.rate
    qa = q.concentration
    return -qa * ratio.log() + ratio + lgamma(qa) + qa * _EULER - (1.0 + _EULER)


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p, q):
    """-H(p) + log(2 pi sigma^2) / 2 + E[(x - mu)^2] / (2 sigma^2), H(p) = 1 - log lambda."""
    return p.rate.log() - 1.0 + _normal_cross_entropy_term(q, 1.0 / p.rate, 1.0 / p.rate.square())


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p, q):
    """-H(p) - log lambda + lambda a / b."""
    return -p.entropy() - q.rate.log() + q.rate * p.concentration / p.rate


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    """-H(p) + log(2 pi sigma^2) / 2 + E[(x - mu)^2] / (2 sigma^2)."""
    a, b = p.concentration, p.rate
    return -p.entropy() + _normal_cross_entropy_term(q, a / b, a / b.square())


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p, q):
    """-log(sigma / b) + (sigma sqrt(2/pi) exp(-d^2 / (2 sigma^2)) + d erf(d / (sigma sqrt 2))) / b
    - (1 + log(pi / 2)) / 2, d = mu_p - mu_q: E|x - mu_q| under p is the folded-normal mean."""
    diff = p.loc - q.loc
    z = diff / p.scale
    folded_mean = (math.sqrt(2 / math.pi) * p.scale * (-0.5 * z.square()).exp()
                   + diff * (z * math.sqrt(0.5)).erf())
    return -(p.scale / q.scale).log() + folded_mean / q.scale - 0.5 * (1 + math.log(0.5 * math.pi))


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p, q):
    """-H(p) + log(2 pi sigma^2) / 2 + E[(x - mu)^2] / (2 sigma^2), H(p) = 1 + log(2 b)."""
    return -p.entropy() + _normal_cross_entropy_term(q, p.loc, p.variance)


for _p, _q in [(Exponential, Beta), (Gamma, Beta), (Laplace, Beta), (Laplace, Exponential),
               (Laplace, Gamma), (Normal, Beta), (Normal, Exponential), (Normal, Gamma),
               (Poisson, Bernoulli)]:
    register_kl(_p, _q)(_infinite)
del _p, _q
