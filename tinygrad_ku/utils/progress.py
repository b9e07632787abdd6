"""A dependency-free progress line on stderr, for long fits and Monte Carlo runs.

It redraws one line with a carriage return (at most ten times a second), which works
in a terminal and in Jupyter's output area alike, so `progress=True` needs nothing
installed and prints no widget warnings.
"""
import sys
import time

__all__ = ["ProgressLine"]


class ProgressLine:
    """`desc: done/total unit  [note]  elapsed` rewritten in place; close() ends the line."""

    def __init__(self, desc, total, unit="it", stream=None):
        self.desc, self.total, self.unit = desc, total, unit
        self.stream = sys.stderr if stream is None else stream
        self.done, self.note, self.shown = 0, "", 0.0
        self.start = time.perf_counter()

    def update(self, n=1, note=None):
        self.done += n
        if note is not None:
            self.note = note
        now = time.perf_counter()
        if now - self.shown >= 0.1 or self.done >= self.total:
            self.shown = now
            self._draw(now)

    def _draw(self, now):
        note = f"  {self.note}" if self.note else ""
        self.stream.write(f"\r{self.desc}: {self.done}/{self.total} {self.unit}{note}  "
                          f"{now - self.start:.1f}s")
        self.stream.flush()

    def close(self):
        self._draw(time.perf_counter())
        self.stream.write("\n")
        self.stream.flush()
