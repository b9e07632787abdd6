"""Tables of a fit: arrays labelled by parameter, and the summary as text and HTML."""
import html
import math
from collections import OrderedDict

import numpy as np

__all__ = ["LabelledArray", "Summary"]


def _fmt(v, digits=6):
    """A number for a table: %g with `digits` significant digits; NaN and inf spelled out."""
    if v is None:
        return "-"
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.{digits}g}"


def _extra_lines(results, prefix=""):
    """'name: value' lines for a model's extra_results dict (nested dicts as 'outer.inner')."""
    lines = []
    for key, value in results.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            lines.extend(_extra_lines(value, name + "."))
        elif np.ndim(value) == 0 and isinstance(value, (int, float, np.number, np.ndarray)):
            lines.append(f"{name}: {_fmt(value, 10)}")
        else:
            arr = np.asarray(value)
            shown = np.array2string(arr, precision=6, threshold=12) if arr.dtype.kind in "biuf" \
                else str(value)
            lines.append(f"{name}: {shown}")
    return lines


class LabelledArray(np.ndarray):
    """An ndarray whose rows (and columns) carry names: `.labels` (rows) and `.col_labels`.

    It computes as any ndarray; labels survive operations that keep the shape and are
    dropped otherwise (a slice or a transpose of a non-square array has none).
    """

    def __new__(cls, values, labels, col_labels=None):
        obj = np.asarray(values, dtype=np.float64).view(cls)
        if obj.ndim == 0 or len(labels) != obj.shape[0]:
            raise ValueError(f"LabelledArray: {len(labels)} labels for an array of shape "
                             f"{obj.shape}")
        if col_labels is not None and (obj.ndim != 2 or len(col_labels) != obj.shape[1]):
            raise ValueError(f"LabelledArray: {len(col_labels)} column labels for an array of "
                             f"shape {obj.shape}")
        obj.labels = list(labels)
        obj.col_labels = None if col_labels is None else list(col_labels)
        return obj

    def __array_finalize__(self, obj):
        same = obj is not None and getattr(obj, "shape", None) == self.shape
        self.labels = getattr(obj, "labels", None) if same else None
        self.col_labels = getattr(obj, "col_labels", None) if same else None

    def __reduce__(self):                       # pickle as a plain array plus the labels
        return (LabelledArray, (np.asarray(self), self.labels, self.col_labels))

    def to_dict(self):
        """{row label: value (1-D) or {column label: value} (2-D)}."""
        a = np.asarray(self)
        if a.ndim == 1 or self.col_labels is None:
            return OrderedDict(zip(self.labels, a.tolist()))
        return OrderedDict((r, OrderedDict(zip(self.col_labels, row.tolist())))
                           for r, row in zip(self.labels, a))

    def _table(self):
        a = np.asarray(self)
        rows = [str(r) for r in self.labels]
        if a.ndim == 1:
            cells = [[_fmt(v)] for v in a]
            head = [""]
        else:
            cells = [[_fmt(v) for v in row] for row in a.reshape(a.shape[0], -1)]
            head = [str(c) for c in self.col_labels] if self.col_labels is not None else \
                [str(j) for j in range(a.reshape(a.shape[0], -1).shape[1])]
        lw = max([len(r) for r in rows] + [0])
        widths = [max([len(h)] + [len(c[j]) for c in cells]) for j, h in enumerate(head)]
        lines = []
        if any(head):
            lines.append(" " * lw + "".join("  " + h.rjust(w) for h, w in zip(head, widths)))
        for r, c in zip(rows, cells):
            lines.append(r.ljust(lw) + "".join("  " + v.rjust(w) for v, w in zip(c, widths)))
        return "\n".join(lines)

    def __repr__(self):
        if self.labels is None or self.ndim == 0 or self.ndim > 2:
            return repr(np.asarray(self))
        return f"LabelledArray(shape={self.shape})\n{self._table()}"

    def __str__(self):
        if self.labels is None or self.ndim == 0 or self.ndim > 2:
            return str(np.asarray(self))
        return self._table()


# ----- summary --------------------------------------------------------------------------
class Summary:
    """A fit's summary: str() is the text table, `_repr_html_` the same as HTML."""

    def __init__(self, title, header, columns, rows, notes):
        self.title, self.header, self.columns = title, header, columns
        self.rows, self.notes = rows, notes          # rows: [(label, [cell strings])]

    def as_text(self):
        lw = max([len(r[0]) for r in self.rows] + [4])
        widths = [max([len(c)] + [len(r[1][j]) for r in self.rows])
                  for j, c in enumerate(self.columns)]
        table_w = lw + sum(w + 2 for w in widths)
        key_w = max([len(k) for k, _ in self.header] + [0])
        half = [f"{k + ':':<{key_w + 1}} {v}" for k, v in self.header]
        col_w = max([len(h) for h in half] + [0])
        lines = []
        for i in range(0, len(half), 2):
            pair = half[i:i + 2]
            lines.append(pair[0] if len(pair) == 1 else pair[0].ljust(col_w) + "   " + pair[1])
        width = max([table_w] + [len(line) for line in lines] + [len(self.title)])
        out = [self.title.center(width).rstrip(), "=" * width, *lines, "=" * width,
               " " * lw + "".join("  " + c.rjust(w) for c, w in zip(self.columns, widths)),
               "-" * width]
        for label, cells in self.rows:
            out.append(label.ljust(lw) + "".join("  " + c.rjust(w) for c, w in zip(cells, widths)))
        out.append("=" * width)
        out.extend(self.notes)
        return "\n".join(out)

    def __str__(self):
        return self.as_text()

    def __repr__(self):
        return self.as_text()

    def _repr_html_(self):
        e = html.escape
        head = "".join(f"<tr><th style='text-align:left'>{e(k)}</th><td>{e(v)}</td></tr>"
                       for k, v in self.header)
        cols = "".join(f"<th>{e(c)}</th>" for c in self.columns)
        body = "".join("<tr><th style='text-align:left'>" + e(label) + "</th>" +
                       "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>"
                       for label, cells in self.rows)
        notes = "".join(f"<p>{e(n)}</p>" for n in self.notes)
        return (f"<div><table><caption>{e(self.title)}</caption>{head}</table>"
                f"<table><tr><th></th>{cols}</tr>{body}</table>{notes}</div>")
