"""Fits on data held by a Dask cluster (optional extra `tinygrad_ku[dask]`).

A negative log-likelihood is a sum over rows, so with the rows split into chunks c,

    f(u) = Σ_c f_c(u) − log p(θ(u)),   ∇f = Σ_c ∇f_c − ∇ log p,   ∇²f = Σ_c ∇²f_c − ∇² log p,

and the same for ℓ(u) and Σᵢ sᵢsᵢᵀ. `DaskProblem` has the interface of `problem.Problem`:
each evaluation ships u to the workers, each chunk builds a prior-free in-memory `Problem`
over its own arrays and returns only numbers (f, g, H: P + P² floats), and the client sums
them in chunk order and adds the prior terms. The data never come to the client.

Dask is imported only when Dask arrays are passed; `import tinygrad_ku` never imports it.
"""
import hashlib
import math
import pickle
import threading

import numpy as np

from ..tensor import Tensor
from .problem import Problem

PERSIST_FRACTION = 0.5      # persist the data when they take at most this share of the memory


def has_dask_arrays(data):
    """True when any data argument is a dask.array.Array (checked without importing Dask)."""
    args = data if isinstance(data, tuple) else (data,)
    return any(type(a).__module__.split(".")[0] == "dask" for a in args)


def make_problem(fname, model, named, data, priors):
    """A problem with the interface of estimate.problem.Problem whose sums run on the workers."""
    return DaskProblem(fname, model, named, data, priors)


def _dask():
    try:
        import dask
        import dask.array as da
    except ImportError:                               # pragma: no cover - a Dask array implies Dask
        raise ImportError("fitting Dask arrays needs the optional extra: "
                          "pip install 'tinygrad_ku[dask]'") from None
    return dask, da


def active_client(arrays=()):
    """The Client whose cluster holds the arrays (persisted there), else the current one, else
    None (then Dask's local scheduler runs the work)."""
    try:
        from distributed import default_client, futures_of
    except ImportError:
        return None
    for a in arrays:
        futures = futures_of(a)
        if futures:
            return futures[0].client
    try:
        return default_client()
    except ValueError:
        return None


def _check_arrays(data, model, fname):
    """The data as a tuple of Dask arrays with the same row chunks, one chunk along other axes."""
    _, da = _dask()
    args = data if isinstance(data, tuple) else (data,)
    for i, a in enumerate(args):
        if not isinstance(a, da.Array):
            raise TypeError(f"{fname}: data argument {i} is a {type(a).__name__}, but argument "
                            f"{next(j for j, b in enumerate(args) if isinstance(b, da.Array))} is "
                            f"a Dask array; pass every data argument as a Dask array with the same "
                            f"row chunks, e.g. da.from_array(arg{i}, chunks=(X.chunks[0],))")
        if a.ndim == 0:
            raise ValueError(f"{fname}: data argument {i} is a 0-d Dask array; data need rows")
        if a.dtype == object or a.dtype.kind not in "biuf":
            raise TypeError(f"{fname}: data argument {i} must be numeric, got dtype {a.dtype}")
        if any(math.isnan(c) for c in a.chunks[0]):
            raise ValueError(f"{fname}: data argument {i} has chunks of unknown size; call "
                             f".compute_chunk_sizes() on it first")
    from .arguments import data_arity, FunctionModel
    arity = data_arity(model)
    if arity and not arity[0] <= len(args) <= arity[1]:
        name = "log_prob" if isinstance(model, FunctionModel) else \
            f"{type(model).__name__}.log_prob"
        want = arity[0] if arity[0] == arity[1] else f"{arity[0]} to {arity[1]}"
        raise TypeError(f"{fname}: {name} takes {want} data argument(s), but data has "
                        f"{len(args)}; pass them as one tuple, e.g. {fname}(model, (X, y))")
    rows = args[0].chunks[0]
    for i, a in enumerate(args[1:], 1):
        if a.chunks[0] != rows:
            what = "rows" if a.shape[0] != args[0].shape[0] else "row chunks"
            raise ValueError(f"{fname}: data arguments 0 and {i} have different {what}: "
                             f"{_chunk_text(rows)} vs {_chunk_text(a.chunks[0])}; rechunk them "
                             f"alike, e.g. arg{i}.rechunk({{0: arg0.chunks[0]}})")
    if args[0].shape[0] == 0:
        raise ValueError(f"{fname}: the data is empty (argument 0 has shape {args[0].shape})")
    return tuple(a.rechunk({k: -1 for k in range(1, a.ndim)}) if a.ndim > 1 else a for a in args)


def _chunk_text(chunks):
    return f"{len(chunks)} chunks {chunks[:4]}{'…' if len(chunks) > 4 else ''}, " \
           f"{int(sum(chunks))} rows"


def _memory_for_data(client):
    """Bytes the data may take when persisted: a share of the workers' (or this machine's) memory."""
    if client is not None:
        limits = [w.get("memory_limit") or 0 for w in client.scheduler_info()["workers"].values()]
        return PERSIST_FRACTION * sum(limits) if all(limits) else math.inf
    try:
        import psutil
        return PERSIST_FRACTION * psutil.virtual_memory().available
    except ImportError:
        return 0.0


class _PriorTerms(Problem):
    """A Problem over zero rows whose objective is the prior alone: −Σ_k log p_k(θ_k(u))."""

    def _summed(self, u):
        lp = self.log_prior(u)
        return -lp if isinstance(lp, Tensor) else (u * 0.0).sum()


class DaskProblem:
    """The interface of `problem.Problem` with the data on a Dask cluster; see the module docstring.

    The data are persisted on the workers when they fit in half the workers' memory
    (`PERSIST_FRACTION`); larger data (an .npy stack or Zarr on disk) are read chunk by chunk at
    each evaluation, so a worker holds only the chunks it is working on.
    """

    def __init__(self, fname, model, named, data, priors, skip_prior=()):
        dask, _ = _dask()
        arrays = _check_arrays(data, model, fname)
        self.fname, self.model = fname, model
        self._named, self._priors_in = list(named), dict(priors)
        self._skip_prior = frozenset(skip_prior)
        empty = [np.empty((0,) + a.shape[1:], dtype=a.dtype) for a in arrays]
        self._local = _PriorTerms(fname, model, named, empty, priors, skip_prior=skip_prior)
        for attr in ("params", "names", "shapes", "constraints", "labels", "u_labels", "P", "u0",
                     "has_prior", "priors"):
            setattr(self, attr, getattr(self._local, attr))
        self.client = active_client(arrays)
        self.persisted = sum(a.nbytes for a in arrays) <= _memory_for_data(self.client)
        if self.persisted:
            arrays = self.client.persist(list(arrays)) if self.client is not None \
                else dask.persist(*arrays)
        self.data = tuple(arrays)
        self.nobs = int(arrays[0].shape[0])
        self.row_chunks = tuple(int(c) for c in arrays[0].chunks[0])
        self.offsets = np.concatenate([[0], np.cumsum(self.row_chunks)])
        self._blocks = list(zip(*(a.to_delayed().reshape(-1) for a in arrays)))
        blob = _dumps((model, self._named, fname))     # the model pickled once
        self._token = hashlib.sha1(blob).hexdigest()[:12]
        self._model = self.client.scatter(blob, broadcast=True, hash=False) \
            if self.client is not None else dask.delayed(blob, pure=True)
        self._checked = False                          # data checked for nan/inf on first use
        self.n_evaluations = 0

    # ----- the map-reduce -----------------------------------------------------------------
    def _map(self, what, u, batch=None):
        """[what on chunk c] for the chunks c holding rows (all, or those in the global `batch`)."""
        dask, _ = _dask()
        u = np.array(u, dtype=np.float64)
        jobs = []
        for c, blocks in enumerate(self._blocks):
            rows = None
            if batch is not None:
                lo, hi = self.offsets[c], self.offsets[c + 1]
                rows = batch[(batch >= lo) & (batch < hi)] - lo
                if rows.size == 0:
                    continue
            key = f"tg-{self.fname}-{what}-{dask.base.tokenize(u, rows, self._token, c)}"
            jobs.append(dask.delayed(_on_chunk, pure=True)(
                self._model, self._token, what, u, rows, not self._checked, c,
                int(self.offsets[c]), *blocks, dask_key_name=key))
        out = self.client.gather(self.client.compute(jobs)) if self.client is not None \
            else dask.compute(*jobs)
        self._checked = True
        self.n_evaluations += 1
        return list(out)

    def _prior_fgh(self, u, hess):
        if not self.priors:
            return 0.0, np.zeros(self.P), (np.zeros((self.P, self.P)) if hess else None)
        return self._local.fgh(u, hess=hess)

    def f(self, u):
        """The summed objective Σ_c f_c(u) − log p(θ(u))."""
        prior = self._local.f(u) if self.priors else 0.0
        return math.fsum(self._map("f", u)) + prior

    def fgh(self, u, hess=True):
        """(f, ∇f, ∇²f): per-chunk values, gradients and Hessians summed, plus the prior's."""
        parts = self._map("fgh" if hess else "fg", u)
        f0, g0, h0 = self._prior_fgh(u, hess)
        f = math.fsum([p[0] for p in parts]) + f0
        g = np.sum([p[1] for p in parts], axis=0) + g0
        H = np.sum([p[2] for p in parts], axis=0) + h0 if hess else None
        return f, g, (0.5 * (H + H.T) if hess else None)

    def mean_fg(self, u, batch=None):
        """(objective, gradient) of −Σ_batch log p / |batch| − log p(θ) / N on the workers owning the rows."""
        if batch is not None:
            batch = np.asarray(batch, dtype=np.int64)
        parts = self._map("fg", u, batch)
        rows = self.nobs if batch is None else len(batch)
        f0, g0, _ = self._prior_fgh(u, False)
        f = math.fsum([p[0] for p in parts]) / rows + f0 / self.nobs
        g = np.sum([p[1] for p in parts], axis=0) / rows + g0 / self.nobs
        return f, g

    def loglik(self, u):
        """Σᵢ log p_θ(u)(xᵢ), summed over chunks (no prior)."""
        return math.fsum(self._map("loglik", u))

    def score_outer(self, u):
        """Σᵢ sᵢ sᵢᵀ (P, P), summed over chunks: the middle of the sandwich covariance."""
        return np.sum(self._map("score_outer", u), axis=0)

    # ----- θ(u), on the client ----------------------------------------------------------
    def natural_tensors(self, u):
        return self._local.natural_tensors(u)

    def natural(self, u):
        return self._local.natural(u)

    def natural_flat(self, u):
        return self._local.natural_flat(u)

    def jacobian(self, u):
        return self._local.jacobian(u)

    def u_of(self, natural):
        return self._local.u_of(natural)

    def log_prior(self, u):
        return self._local.log_prior(u)

    # ----- what fit.py and result.py build from the data ----------------------------------
    def without_priors(self, skip):
        """The same data and model with the priors named in `skip` left out (proximal steps)."""
        return DaskProblem(self.fname, self.model, self._named, self.data, self._priors_in,
                           skip_prior=skip)

    def apply_data_hook(self, name, hook):
        """hook(*data) for result.py: `null_model` runs chunk by chunk on the workers; a hook that
        needs every row at once (`extra_results`) is not computed and says so."""
        if name != "null_model":
            return {name: "not computed for data on a Dask cluster (it needs every row in one "
                          "process)"}
        dask, da = _dask()
        jobs = [dask.delayed(_hook_on_chunk, pure=True)(hook, *b) for b in self._blocks]
        null_model, first = jobs[0].compute() if self.client is None else \
            self.client.compute(jobs[0]).result()
        arrays = []
        for k, arr in enumerate(first):
            pieces = [da.from_delayed(dask.delayed(_hook_array, pure=True)(j, k),
                                      shape=(n,) + arr.shape[1:], dtype=arr.dtype)
                      for j, n in zip(jobs, self.row_chunks)]
            arrays.append(da.concatenate(pieces, axis=0))
        if self.client is not None:                    # kept on the cluster, which mle then finds
            arrays = self.client.persist(arrays)
        return null_model, tuple(arrays)


def _dumps(obj):
    import cloudpickle                                 # a dependency of Dask
    return cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


_models = threading.local()                            # per worker thread: token -> (model, named)


def _model_for_thread(blob, token):
    """The model unpickled once per worker thread, so threads never swap each other's parameters."""
    cache = getattr(_models, "cache", None)
    if cache is None or token not in cache:
        cache = _models.cache = {token: pickle.loads(blob)}
    return cache[token]


def _on_chunk(blob, token, what, u, rows, check, index, start, *arrays):
    """On a worker: `what` ('f', 'fg', 'fgh', 'loglik', 'score_outer') of one chunk's rows."""
    model, named, fname = _model_for_thread(blob, token)
    arrays = [np.asarray(a) for a in arrays]
    if check:
        for i, a in enumerate(arrays):
            if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
                bad = tuple(int(b) for b in np.argwhere(~np.isfinite(a))[0])
                raise ValueError(f"{fname}: data argument {i} has a non-finite value {a[bad]} in "
                                 f"chunk {index} (global row {start + bad[0]}, index {bad} within "
                                 f"the chunk)")
    if rows is not None:
        arrays = [a[rows] for a in arrays]
    problem = Problem(fname, model, named, arrays, {})
    if what == "f":
        return problem.f(u)
    if what in ("fg", "fgh"):
        return problem.fgh(u, hess=what == "fgh")
    if what == "loglik":
        return problem.loglik(u)
    return problem.score_outer(u)


def _hook_array(out, k):
    return out[1][k]


def _hook_on_chunk(hook, *arrays):
    """On a worker: hook(*chunk) -> (model, tuple of ndarrays), Tensors turned into arrays."""
    model, data = hook(*arrays)
    data = data if isinstance(data, tuple) else (data,)
    return model, tuple(np.asarray(d.data if isinstance(d, Tensor) else d) for d in data)
