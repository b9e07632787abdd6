"""Discrete probability tables, expectations and Monte Carlo (``tg.probability``).

A joint table is an array (or Tensor) ``joint[i, j, ...] = p(A=i, B=j, ...)``: one axis
per variable, non-negative, summing to one. When a Tensor is given, the result is
computed with Tensor ops, so it stays differentiable with respect to the table.

    marginal(joint, keep=axes)        p(kept axes), the other axes summed out
    conditional(joint, given=axes)    p(other axes | given axes), same shape as joint
    bayes(likelihood, prior)          posterior proportional to likelihood * prior
    expectation(probs, values)        sum_x p(x) values(x)
    expectation(dist, f, n=...)       E[f(X)], X ~ dist, by Monte Carlo
    monte_carlo(f, sampler, n)        E[f(X)] with standard error and confidence interval,
                                      in chunks (bounded memory for any n)

>>> joint = np.array([[0.1, 0.2],     # p(rain, umbrella): rows rain = 0/1,
...                   [0.3, 0.4]])    #                    columns umbrella = 0/1
>>> marginal(joint, keep=0)           # p(rain)
array([0.3, 0.7])
>>> conditional(joint, given=0)       # [r, u] = p(umbrella = u | rain = r)
array([[0.33333333, 0.66666667],
       [0.42857143, 0.57142857]])
"""
import inspect
import math
import warnings
from dataclasses import dataclass

import numpy as np

from .estimate import _stats
from .random import default_generator
from .tensor import Tensor
from .utils.progress import ProgressLine

__all__ = ["marginal", "conditional", "bayes", "expectation", "monte_carlo", "MonteCarloResult",
           "normal_quantile"]


def __dir__():
    return list(__all__)


PROB_TOL = 1e-5          # how far a table may sum away from one (loose enough for
                         # finite-difference gradient checks, which perturb entries by 1e-6)
DEFAULT_CHUNK = 1 << 20  # samples per chunk in monte_carlo: about 8 MB of float64 per array


# ----------------------------------------------------------------------------
# helpers

def _values(x, func, name):
    """float64 ndarray view of a list / ndarray / Tensor, for checks (never differentiated)."""
    try:
        arr = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{func}: {name} must be an array of numbers, got "
                         f"{type(x).__name__} ({e})") from None
    return arr


def _as_operand(x):
    """Tensors pass through (to keep the graph); anything else becomes a float64 ndarray."""
    return x if isinstance(x, Tensor) else np.asarray(x, dtype=np.float64)


def _check_table(arr, func, name="joint", axis=None):
    """Finite, non-negative, and summing to one (over `axis`, or over everything)."""
    if arr.ndim == 0 or arr.size == 0:
        raise ValueError(f"{func}: {name} must be a non-empty table with at least one axis, got "
                         f"shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise ValueError(f"{func}: {name} must be finite, found {bad}")
    if np.any(arr < 0):
        idx = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise ValueError(f"{func}: {name} is not a distribution: negative entry {arr[idx]} at "
                         f"index {idx}")
    total = arr.sum(axis=axis)
    off = np.abs(total - 1.0) > PROB_TOL
    if np.any(off):
        bad = float(np.ravel(total)[np.argmax(np.ravel(off))])
        over = "" if axis is None else f" over axis {axis}"
        raise ValueError(f"{func}: {name} is not a distribution: it sums to {bad!r}{over}, not 1 "
                         f"(tolerance {PROB_TOL:g})")


def _axes(axes, ndim, func, arg):
    """An int or a sequence of ints -> a tuple of distinct non-negative axes < ndim."""
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        axes = (axes,)
    try:
        axes = tuple(axes)
    except TypeError:
        raise ValueError(f"{func}: {arg} must be an int or a tuple of ints, got {axes!r}") from None
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise ValueError(f"{func}: {arg} must hold ints, got {a!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{func}: {arg} axis {a} is out of range for a table with {ndim} axes")
        a = int(a) % ndim
        if a in out:
            raise ValueError(f"{func}: {arg} repeats axis {a}")
        out.append(a)
    return tuple(out)


def _sum(x, axes, keepdims=False):
    if not axes:
        return x
    if isinstance(x, Tensor):
        return x.sum(dim=axes, keepdim=keepdims)
    return x.sum(axis=axes, keepdims=keepdims)


# ----------------------------------------------------------------------------
# joint tables

def marginal(joint, keep):
    """p(kept variables) = sum of joint over every other axis; result axes in the order of `keep`.

    joint: (n_0, n_1, ..., n_{d-1}) table; keep: an axis or a tuple of axes.

    >>> joint = np.full((2, 3, 4), 1 / 24)
    >>> marginal(joint, keep=(2, 0)).shape        # p(C, A)
    (4, 2)
    """
    arr = _values(joint, "marginal", "joint")
    _check_table(arr, "marginal")
    keep = _axes(keep, arr.ndim, "marginal", "keep")
    drop = tuple(a for a in range(arr.ndim) if a not in keep)
    out = _sum(_as_operand(joint), drop)            # kept axes, in increasing order
    order = tuple(sorted(keep))
    perm = tuple(order.index(a) for a in keep)      # then rearranged as listed in keep
    if perm != tuple(range(len(perm))):
        out = out.permute(*perm) if isinstance(out, Tensor) else out.transpose(perm)
    return out


def conditional(joint, given):
    """p(other variables | given variables) = joint / p(given), with the same axes as joint.

    For every fixed index of the `given` axes, the result sums to one over the other axes.
    E.g. joint[x, y] = p(x, y): conditional(joint, given=0)[x, y] = p(y | x).
    Raises ValueError if some value of the given variables has zero probability.

    >>> conditional(np.array([[0.1, 0.3], [0.2, 0.4]]), given=1)   # [x, y] = p(x | y)
    array([[0.33333333, 0.42857143],
           [0.66666667, 0.57142857]])
    """
    arr = _values(joint, "conditional", "joint")
    _check_table(arr, "conditional")
    given = _axes(given, arr.ndim, "conditional", "given")
    rest = tuple(a for a in range(arr.ndim) if a not in given)
    if not rest:
        raise ValueError(f"conditional: given={given} covers every axis of a table with {arr.ndim} "
                         "axes; leave at least one axis to condition")
    mass = arr.sum(axis=rest, keepdims=True)        # p(given), broadcastable against joint
    if np.any(mass <= 0):
        idx = np.argwhere(mass <= 0)[0]
        where = ", ".join(f"axis {a} = {int(idx[a])}" for a in given)
        raise ValueError(f"conditional: p(given) is zero at {where}; the conditional distribution "
                         "is undefined there")
    x = _as_operand(joint)
    return x / _sum(x, rest, keepdims=True)


def bayes(likelihood, prior, axis=-1, return_evidence=False):
    """Posterior p(h | data) = likelihood[..., h] * prior[h] / evidence, normalised along `axis`.

    prior: (K,) distribution over K hypotheses. likelihood: p(data | h) with the hypothesis
    along `axis` (default last), shape (K,) for one observation or (N, K) for N separate
    observations -> posterior (N, K), ready for ``tg.decision.bayes_decision``. A table
    stored as lik[h, x] = p(x | h) gives p(h | x) for every x as bayes(lik, prior, axis=0).
    Likelihoods are non-negative (densities may exceed one). With return_evidence=True,
    also returns evidence = sum_h likelihood * prior (keepdim along `axis`).

    >>> bayes([0.9, 0.2], [0.01, 0.99])           # test positive: p(disease | +)
    array([0.04347826, 0.95652174])
    """
    lik = _values(likelihood, "bayes", "likelihood")
    pri = _values(prior, "bayes", "prior")
    if pri.ndim != 1:
        raise ValueError("bayes: prior must be a 1-D distribution over hypotheses, got shape "
                         f"{pri.shape}")
    _check_table(pri, "bayes", "prior")
    if lik.ndim == 0:
        raise ValueError("bayes: likelihood must have a hypothesis axis, got a scalar")
    ax = _axes(axis, lik.ndim, "bayes", "axis")[0]
    if lik.shape[ax] != pri.shape[0]:
        raise ValueError(f"bayes: likelihood has shape {lik.shape} with {lik.shape[ax]} hypotheses "
                         f"along axis {ax}, but prior has shape {pri.shape}")
    if not np.all(np.isfinite(lik)) or np.any(lik < 0):
        bad = lik[~np.isfinite(lik) | (lik < 0)].ravel()[0]
        raise ValueError(f"bayes: likelihood must be finite and non-negative, found {bad}")
    shape = [1] * lik.ndim
    shape[ax] = pri.shape[0]
    evid = (lik * pri.reshape(shape)).sum(axis=ax, keepdims=True)
    if np.any(evid <= 0):
        idx = tuple(int(i) for i in np.argwhere(evid <= 0)[0])
        raise ValueError(f"bayes: the evidence sum_h likelihood * prior is zero at index {idx}: "
                         "the data are impossible under every hypothesis with prior mass")
    L, P = _as_operand(likelihood), _as_operand(prior)
    P = P.reshape(*shape) if isinstance(P, Tensor) else P.reshape(shape)
    joint = L * P if isinstance(L, Tensor) or not isinstance(P, Tensor) else P * L
    evidence = _sum(joint, (ax,), keepdims=True)
    post = joint / evidence
    return (post, evidence) if return_evidence else post


# ----------------------------------------------------------------------------
# Monte Carlo

@dataclass(frozen=True)
class MonteCarloResult:
    """A Monte Carlo estimate: ``estimate``, ``stderr``, ``ci = (lo, hi)``, ``n``, ``std``.

    Unpacks as ``estimate, stderr = monte_carlo(...)``. For vector-valued f each field
    is an ndarray of f's output shape; otherwise a float.
    """
    estimate: object
    stderr: object
    ci: tuple
    n: int
    std: object            # sample standard deviation of f(X) (ddof = 1)
    confidence: float

    def __iter__(self):
        yield self.estimate
        yield self.stderr

    def __repr__(self):
        return (f"MonteCarloResult(estimate={self.estimate}, stderr={self.stderr}, "
                f"ci={self.ci} at {self.confidence:g}, n={self.n})")


def normal_quantile(q):
    """Phi^-1(q), the standard normal quantile, for 0 < q < 1 (estimate._stats.norm_ppf, ~1e-15).

    >>> print(f"{normal_quantile(0.975):.12f}")
    1.959963984540
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"normal_quantile: q must lie in (0, 1), got {q!r}")
    return _stats.norm_ppf(q)


def _as_rng(seed, generator=None, func="monte_carlo"):
    """The generator to draw from: `generator`, else `seed` (an int or a numpy Generator),
    else the library's default generator, so that tg.manual_seed(s) makes the draws
    reproducible (as torch's samplers draw from its default generator)."""
    if generator is not None:
        if seed is not None:
            raise ValueError(f"{func}: give seed= or generator=, not both")
        if not isinstance(generator, np.random.Generator):
            raise TypeError(f"{func}: generator must be a tg.Generator (or a NumPy Generator), "
                            f"got {type(generator).__name__}")
        return generator
    if seed is None:
        return default_generator()
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def monte_carlo(f, sampler, n, seed=None, chunk_size=DEFAULT_CHUNK, progress=False,
                confidence=0.95, *, generator=None, client=None):
    """Estimate E[f(X)] from n draws X ~ sampler, with its standard error and a normal CI.

    sampler(rng, size) returns `size` draws (leading axis) from a numpy Generator `rng`;
    f maps them to values of shape (size,) or (size, ...) (f=None means the identity).
    Draws are made `chunk_size` at a time and merged with Chan et al.'s pairwise update
    of the mean and sum of squared deviations, so memory is bounded by one chunk for
    any n and no precision is lost to sum-of-squares cancellation.
    stderr = s / sqrt(n); ci = estimate -+ Phi^-1((1 + confidence) / 2) * stderr.
    seed: an int or a numpy Generator; generator: a tg.Generator (or numpy Generator). With
    neither, draws come from the library's default generator, so ``tg.manual_seed(s)`` makes
    them reproducible. progress=True shows a progress line on stderr.
    client: a dask.distributed Client: the ceil(n / chunk_size) chunks run on its workers, chunk
    k drawing from default_rng(SeedSequence(seed).spawn(n_chunks)[k]), and are merged in chunk
    order, so the result is the same for any number of workers given seed and chunk_size (it
    differs from the run without a client, which draws every chunk from one stream).

    >>> normal = lambda rng, size: rng.standard_normal(size)
    >>> est, se = monte_carlo(lambda x: x ** 2, normal, 10**5, seed=0)
    >>> abs(est - 1.0) < 4 * se                   # E[X^2] = 1 for X ~ N(0, 1)
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError("monte_carlo: n must be an int >= 2 (a standard error needs two draws), "
                         f"got {n!r}")
    if (isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer))
            or chunk_size < 1):
        raise ValueError(f"monte_carlo: chunk_size must be a positive int, got {chunk_size!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"monte_carlo: confidence must lie in (0, 1), got {confidence!r}")
    if not callable(sampler):
        raise TypeError("monte_carlo: sampler must be callable as sampler(rng, size), got "
                        f"{type(sampler).__name__}")
    if f is not None and not callable(f):
        raise TypeError("monte_carlo: f must be callable (or None for the identity), got "
                        f"{type(f).__name__}")
    n, chunk_size = int(n), int(chunk_size)
    bar = ProgressLine("monte_carlo", n, unit="draws") if progress else None
    count, mean, m2 = 0, 0.0, 0.0          # running count, mean and sum of squared deviations
    try:
        if client is not None:
            chunks = _chunks_on_cluster(client, f, sampler, n, chunk_size, seed, generator, bar)
        else:
            rng = _as_rng(seed, generator)
            chunks = (_mc_chunk(f, sampler, rng, min(chunk_size, n - start), bar)
                      for start in range(0, n, chunk_size))
        for size, c_mean, c_m2 in chunks:
            total = count + size                   # merge (count, mean, m2) with the chunk
            delta = c_mean - mean
            mean = mean + delta * (size / total)
            m2 = m2 + c_m2 + delta * delta * (count * size / total)
            count = total
    finally:
        if bar is not None:
            bar.close()
    std = np.sqrt(m2 / (n - 1))
    stderr = std / math.sqrt(n)
    z = normal_quantile(0.5 + 0.5 * confidence)
    lo, hi = mean - z * stderr, mean + z * stderr
    if np.ndim(mean) == 0:
        mean, stderr, std, lo, hi = float(mean), float(stderr), float(std), float(lo), float(hi)
    return MonteCarloResult(mean, stderr, (lo, hi), n, std, float(confidence))


def _mc_chunk(f, sampler, rng, size, bar=None):
    """(size, mean, sum of squared deviations) of f(x) over `size` draws x = sampler(rng, size)."""
    x = sampler(rng, size)
    y = x if f is None else f(x)
    y = np.asarray(y.data if isinstance(y, Tensor) else y, dtype=np.float64)
    if y.ndim == 0 or y.shape[0] != size:
        raise ValueError(f"monte_carlo: f(sampler(rng, {size})) must have {size} values "
                         f"along its first axis (one per draw), got shape {y.shape}")
    c_mean = y.mean(axis=0)
    if bar is not None:
        bar.update(size)
    return size, c_mean, ((y - c_mean) ** 2).sum(axis=0)


def _mc_chunk_seeded(fns, seed_seq, size):
    """On a worker: one chunk drawn from its own stream default_rng(seed_seq)."""
    f, sampler = fns
    return _mc_chunk(f, sampler, np.random.default_rng(seed_seq), size)


def _chunks_on_cluster(client, f, sampler, n, chunk_size, seed, generator, bar):
    """The chunk summaries computed on a Dask cluster, in chunk order (see monte_carlo)."""
    if generator is not None or isinstance(seed, np.random.Generator):
        raise ValueError("monte_carlo: with client=, give seed= as an int (or None); a Generator "
                         "is one stream and cannot be split over workers reproducibly")
    if not (hasattr(client, "scatter") and hasattr(client, "submit")):
        raise TypeError(f"monte_carlo: client must be a dask.distributed.Client, got "
                        f"{type(client).__name__}")
    if seed is None:                                  # reproducible under tg.manual_seed
        seed = int(default_generator().integers(2 ** 63))
    sizes = [min(chunk_size, n - start) for start in range(0, n, chunk_size)]
    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    [fns] = client.scatter([(f, sampler)], broadcast=True, hash=False)
    futures = [client.submit(_mc_chunk_seeded, fns, ss, size, pure=False)
               for ss, size in zip(streams, sizes)]
    if bar is not None:
        from distributed import as_completed
        size_of = {fut.key: size for fut, size in zip(futures, sizes)}
        for done in as_completed(futures):
            bar.update(size_of[done.key])
    return client.gather(futures)


def _sampler_for(dist, seed):
    """sampler(rng, size) drawing from dist.sample((size,)), passing the generator if accepted."""
    try:
        params = inspect.signature(dist.sample).parameters
    except (TypeError, ValueError):
        params = {}
    kw = next((k for k in ("generator", "rng") if k in params), None)
    if kw is None and any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        kw = "generator"
    if kw is not None:
        return lambda rng, size: dist.sample((size,), **{kw: rng})
    if seed is not None:
        warnings.warn(f"expectation: {type(dist).__name__}.sample accepts no generator, so "
                      f"seed={seed!r} cannot make its draws reproducible", stacklevel=3)
    return lambda rng, size: dist.sample((size,))


# ----------------------------------------------------------------------------
# expectations

def expectation(probs, values=None, *, axis=None, n=100_000, seed=None,
                chunk_size=DEFAULT_CHUNK, progress=False, confidence=0.95, generator=None):
    """E[values] = sum_x probs[x] * values[x]; or E[f(X)], X ~ dist, by Monte Carlo.

    Discrete: probs is a table summing to one (over `axis` if given: one distribution
    per remaining index, e.g. axis=-1 for rows of an (N, K) array) and values broadcasts
    against it. Differentiable when either is a Tensor.
    Monte Carlo: ``expectation(dist, f, n=..., seed=...)`` for any object with
    ``.sample(shape)`` (passed a numpy Generator as ``generator=`` when its signature
    accepts one; otherwise a seed cannot reach it and a warning says so). Without seed= or
    generator=, draws come from the default generator (``tg.manual_seed``). f=None means E[X]. Returns a
    MonteCarloResult (``est, se = expectation(dist, f, n=10**5)``).

    >>> expectation([0.5, 0.25, 0.25], [0.0, 1.0, 2.0])
    0.75
    """
    if hasattr(probs, "sample") and not isinstance(probs, (Tensor, np.ndarray)):
        if values is not None and not callable(values):
            raise TypeError("expectation: with a distribution, the second argument must be a "
                            f"function f of the samples, got {type(values).__name__}")
        rng = _as_rng(seed, generator, "expectation")
        return monte_carlo(values, _sampler_for(probs, seed if generator is None else generator),
                           n, seed=rng, chunk_size=chunk_size, progress=progress,
                           confidence=confidence)
    if values is None:
        raise ValueError("expectation: values is required for a table of probabilities "
                         "(expectation(probs, values))")
    p = _values(probs, "expectation", "probs")
    v = _values(values, "expectation", "values")
    if axis is None:
        _check_table(p, "expectation", "probs")
        axes = tuple(range(p.ndim))
    else:
        if p.ndim == 0:
            raise ValueError("expectation: probs must have at least one axis")
        axes = _axes(axis, p.ndim, "expectation", "axis")
        _check_table(p, "expectation", "probs", axis=axes)
    try:
        shape = np.broadcast_shapes(p.shape, v.shape)
    except ValueError:
        raise ValueError(f"expectation: values of shape {v.shape} do not broadcast against probs "
                         f"of shape {p.shape}") from None
    if shape != p.shape:
        raise ValueError(f"expectation: values of shape {v.shape} would broadcast probs of shape "
                         f"{p.shape} to {shape}; values must broadcast to probs' shape")
    P, V = _as_operand(probs), _as_operand(values)
    prod = P * V if isinstance(P, Tensor) or not isinstance(V, Tensor) else V * P
    out = _sum(prod, axes)
    return out if isinstance(out, Tensor) or np.ndim(out) > 0 else float(out)
