"""Tensor methods: cumulative ops, sorting, top-k, unique, median, std_mean / var_mean.

Names, signatures, defaults and return types are PyTorch's (2.13). Ties: `sort` is stable
either way (`stable=False` too: PyTorch then promises no order, we keep the stable one);
median(dim) returns the first tied element in stable order, `mode` the last occurrence,
cummax/cummin the latest element reaching the extreme, all as PyTorch. `topk` and
`kthvalue` take tied elements in stable sorted order; PyTorch's choice there depends on its
selection algorithm (same values, possibly other indices). Gradients go to the returned
indices; median() of the whole tensor shares its gradient evenly among the elements equal
to it, as PyTorch does.
"""
from collections import namedtuple

import numpy as np

from .. import engine
from ..grad_mode import is_grad_enabled
from ..ops import elementwise as E, reduce as R, scan as C

FUNCTIONS = ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "sort", "argsort", "topk",
             "unique", "median", "kthvalue", "mode", "std_mean", "var_mean")


def _result_type(name):
    """A (values, indices) named tuple printed like torch.return_types.<name>."""
    cls = namedtuple(name, ["values", "indices"])
    cls.__repr__ = lambda self: (f"tinygrad_ku.return_types.{name}(\nvalues={self.values!r},"
                                 f"\nindices={self.indices!r})")
    return cls


sort_result, topk_result, cummax_result, cummin_result, median_result, kthvalue_result, \
    mode_result = (_result_type(n) for n in ("sort", "topk", "cummax", "cummin", "median",
                                             "kthvalue", "mode"))


def _const(arr):
    """A Tensor that needs no gradient (index outputs)."""
    return engine.Tensor._make(np.asarray(arr), False, None)


def _axis(dim, ndim, op):
    """dim as a negative axis (a 0-d tensor takes dim 0 or -1, as PyTorch)."""
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    lo, hi = -max(ndim, 1), max(ndim, 1) - 1
    if not lo <= dim <= hi:
        raise IndexError(f"{op}(): Dimension out of range (expected to be in range of "
                         f"[{lo}, {hi}], but got {dim}) for a tensor with {ndim} dimension(s)")
    return int(dim) % max(ndim, 1) - max(ndim, 1)


def _check_k(k, op):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'k' must be int, not {type(k).__name__}")
    return int(k)


class ScanMethods:
    __slots__ = ()

    # ----- scans ---------------------------------------------------------------------------
    def cumsum(self, dim, *, dtype=None):
        """Running sum along dim: outᵢ = Σ_{j≤i} xⱼ (integers and bools sum in int64, as torch)."""
        return self._scan_cumulative("cumsum", C.CumSum, dim, dtype)

    def cumprod(self, dim, *, dtype=None):
        """Running product along dim: outᵢ = Π_{j≤i} xⱼ (the gradient is exact at zeros)."""
        return self._scan_cumulative("cumprod", C.CumProd, dim, dtype)

    def logcumsumexp(self, dim):
        """outᵢ = log Σ_{j≤i} exp(xⱼ) along dim, without overflow."""
        if self.dtype.kind not in "fc":
            raise NotImplementedError(f"logcumsumexp(): not implemented for dtype {self.dtype}; "
                                      f"convert with .double() first")
        return self._scan_cumulative("logcumsumexp", C.LogCumSumExp, dim, None)

    def _scan_cumulative(self, op, cls, dim, dtype):
        x = self
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind not in "fc" and self.requires_grad and is_grad_enabled():
                raise RuntimeError(f"{op}(): dtype={dtype} on a tensor that requires grad: "
                                   f"autograd does not support integer results")
            x = self.to(dtype)
        elif self.dtype.kind in "biu":
            x = self.to(np.int64)
        axis = _axis(dim, x.ndim, op)
        if x.ndim == 0:
            return cls.apply(x.reshape(1), axis=-1).reshape(())
        return cls.apply(x, axis=axis)

    def cummax(self, dim):
        """(values, indices): valuesᵢ = max_{j≤i} xⱼ along dim; the gradient goes to indices."""
        return self._scan_running("cummax", dim, True, cummax_result)

    def cummin(self, dim):
        """(values, indices): valuesᵢ = min_{j≤i} xⱼ along dim; the gradient goes to indices."""
        return self._scan_running("cummin", dim, False, cummin_result)

    def _scan_running(self, op, dim, largest, result):
        axis = _axis(dim, self.ndim, op)
        x = self.reshape(1) if self.ndim == 0 else self
        idx = C.running_extreme_indices(x.data, axis, largest)
        values = C.TakeAlong.apply(x, indices=idx, axis=axis)
        if self.ndim == 0:
            return result(values.reshape(()), _const(idx.reshape(())))
        return result(values, _const(idx))

    # ----- sorting -------------------------------------------------------------------------
    def sort(self, dim=-1, descending=False, *, stable=False):
        """(values, indices) sorted along dim (stably; NaN counts as the largest value)."""
        axis = _axis(dim, self.ndim, "sort")
        x = self.reshape(1) if self.ndim == 0 else self
        idx = C.sort_indices(x.data, axis, bool(descending))
        values = C.TakeAlong.apply(x, indices=idx, axis=axis, distinct=True)
        if self.ndim == 0:
            return sort_result(values.reshape(()), _const(idx.reshape(())))
        return sort_result(values, _const(idx))

    def argsort(self, dim=-1, descending=False, *, stable=False):
        """The indices that sort the tensor along dim (stably): sort(...).indices."""
        axis = _axis(dim, self.ndim, "argsort")
        if self.ndim == 0:
            return _const(np.zeros((), np.int64))
        return _const(C.sort_indices(self.data, axis, bool(descending)))

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """(values, indices) of the k largest (or smallest) along dim, best first."""
        k = _check_k(k, "topk")
        axis = _axis(dim, self.ndim, "topk")
        n = self.shape[axis] if self.ndim else 1
        if not 0 <= k <= n:
            raise RuntimeError(f"topk(): selected index k out of range: k={k} for a dimension "
                               f"of size {n} (shape {self.shape}, dim={dim})")
        if self.ndim == 0:             # PyTorch: k = 0 or 1 both give the element itself
            values = C.TakeAlong.apply(self.reshape(1), indices=np.zeros(1, np.int64), axis=-1)
            return topk_result(values.reshape(()), _const(np.zeros((), np.int64)))
        idx = C.sort_indices(self.data, axis, bool(largest))
        idx = np.take(idx, np.arange(k), axis=axis)
        values = C.TakeAlong.apply(self, indices=idx, axis=axis, distinct=True)
        return topk_result(values, _const(idx))

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        """The distinct values (or slices along dim), sorted; no gradient. With return_inverse,
        where each element came from (x = values[inverse]); with return_counts, how often."""
        x = self.data
        if dim is None:
            values, inverse, counts = np.unique(x.reshape(-1), return_inverse=True,
                                                return_counts=True, equal_nan=False)
            inverse = inverse.reshape(x.shape)
        else:
            if self.ndim == 0:
                raise IndexError(f"unique(): Dimension specified as {dim} but tensor has no "
                                 f"dimensions")
            axis = _axis(dim, self.ndim, "unique")
            if any(n == 0 for i, n in enumerate(x.shape) if i != axis % x.ndim):
                raise RuntimeError(f"unique(): there are 0 sized dimensions, and they aren't "
                                   f"selected (shape {self.shape}, dim={dim}), so unique cannot "
                                   f"be applied")
            values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True,
                                                axis=axis)
            inverse = inverse.reshape(-1)
        out = [_const(values)]
        if return_inverse:
            out.append(_const(inverse.astype(np.int64)))
        if return_counts:
            out.append(_const(counts.astype(np.int64)))
        return out[0] if len(out) == 1 else tuple(out)

    # ----- order statistics ----------------------------------------------------------------
    def median(self, dim=None, keepdim=False):
        """median() -> the lower of the two middle values; median(dim) -> (values, indices)."""
        if dim is None:
            if keepdim:
                raise TypeError("median(): keepdim=True needs dim (median() of the whole "
                                "tensor has no dimension to keep)")
            return self._scan_median_all()
        axis = self._scan_reduced_axis("median", dim)
        x = self.reshape(1) if self.ndim == 0 else self
        return self._scan_select(median_result, axis, keepdim, C.median_indices(x.data, axis))

    def _scan_median_all(self):
        x = self.data
        if x.size == 0:
            return _const(np.array(np.nan if x.dtype.kind in "fc" else np.iinfo(x.dtype).min,
                                   x.dtype))
        flat = x.reshape(-1)
        value = flat[C.median_indices(flat, -1)]
        if x.dtype.kind not in "fc":
            return _const(value)
        # tied elements share the gradient: amax over the elements equal to the median
        tied = np.isnan(x) if np.isnan(value) else x == value
        return R.Amax.apply(E.Where.apply(self, -np.inf, cond=tied), axis=None, keepdims=False)

    def kthvalue(self, k, dim=-1, keepdim=False):
        """(values, indices) of the k-th smallest element along dim (k counts from 1)."""
        k = _check_k(k, "kthvalue")
        axis = self._scan_reduced_axis("kthvalue", dim)
        x = self.reshape(1) if self.ndim == 0 else self
        n = x.shape[axis]
        if not 1 <= k <= n:
            raise RuntimeError(f"kthvalue(): selected number k={k} out of range for dimension "
                               f"{dim} of size {n} (shape {self.shape})")
        return self._scan_select(kthvalue_result, axis, keepdim, C.kth_indices(x.data, axis, k))

    def mode(self, dim=-1, keepdim=False):
        """(values, indices): the most frequent value along dim (the smallest if several are)."""
        axis = self._scan_reduced_axis("mode", dim)
        x = self.reshape(1) if self.ndim == 0 else self
        return self._scan_select(mode_result, axis, keepdim, C.mode_indices(x.data, axis))

    def _scan_reduced_axis(self, op, dim):
        axis = _axis(dim, self.ndim, op)
        if self.ndim and self.shape[axis] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {dim} to have non-zero size "
                             f"(shape {self.shape})")
        return axis

    def _scan_select(self, result, axis, keepdim, idx):
        """(values at idx along axis, idx): idx has the reduced shape; the gradient goes there."""
        x = self.reshape(1) if self.ndim == 0 else self
        keep = bool(keepdim) and self.ndim > 0
        ax = axis % x.ndim
        if keep:
            idx = np.expand_dims(idx, ax)
        values = R.MaxAlong.apply(x, indices=idx, axis=ax, keepdims=keep)
        return result(values, _const(idx))

    # ----- moments -------------------------------------------------------------------------
    def std_mean(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """(√(Σ(x - x̄)² / (n - correction)), x̄) over dim, as torch.std_mean."""
        return self._scan_moments("std_mean", dim, unbiased, keepdim, correction)

    def var_mean(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """(Σ(x - x̄)² / (n - correction), x̄) over dim, as torch.var_mean."""
        return self._scan_moments("var_mean", dim, unbiased, keepdim, correction)

    def _scan_moments(self, op, dim, unbiased, keepdim, correction):
        if isinstance(dim, bool):      # torch.var_mean(x, False): the legacy `unbiased`
            dim, unbiased = None, dim if unbiased is None else unbiased
        if unbiased is not None and correction is not None:
            raise TypeError(f"{op}(): pass either unbiased= or correction=, not both")
        if self.dtype.kind not in "fc":
            raise RuntimeError(f"{op}(): only supports floating point dtypes, got {self.dtype}")
        if correction is None:
            correction = 1 if unbiased is None else int(bool(unbiased))
        if dim is not None:
            for d in ((dim,) if isinstance(dim, (int, np.integer)) else dim):
                _axis(d, self.ndim, op)
        spread = self.std if op == "std_mean" else self.var
        return (spread(dim, keepdim, correction=correction), self.mean(dim, keepdim))
