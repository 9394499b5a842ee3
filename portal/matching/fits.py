"""Where a visit of one length fits on the batch's step grid, counted over any stretch of it
for many requests and workers at once (from ``grid.FreeTimeGrid``'s free runs)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray


class Stretches(NamedTuple):
    """Stretches of the grid a request allows: its row, first grid index, end index."""

    row: NDArray[np.intp]
    start: NDArray[np.intp]
    end: NDArray[np.intp]


class FirstStarts(NamedTuple):
    """``Fits.first_starts``: requests × workers, how many starts fit, the first and the
    ``most``-th (grid indices), and the request's allowed stretches."""

    counts: NDArray[np.int32]
    first: NDArray[np.integer]
    last: NDArray[np.integer]
    stretches: Stretches


class Fits:
    """Where a visit of one length fits, indexed for counting over any range of the grid.

    Grid (+1) × workers: ``before[g, w]``, how many starts before grid index ``g`` fit worker
    ``w``; ``next[g, w]``, the first start at or after ``g`` that fits (the grid's length when
    none). Workers × n: ``at[w, j]``, the ``j``-th start that fits worker ``w``.
    """

    def __init__(self, fits: NDArray[np.bool_]) -> None:
        workers, points = fits.shape
        self.fits = fits
        small = np.int32  # grid indices and counts (a week has about 210 starts)
        before = np.zeros((workers, points + 1), dtype=small)
        np.cumsum(fits, axis=1, dtype=small, out=before[:, 1:])
        self.before = np.ascontiguousarray(before.T)
        ahead = np.full((workers, points + 1), points, dtype=small)
        ahead[:, :points] = np.where(fits, np.arange(points, dtype=small), points)
        self.next = np.ascontiguousarray(np.minimum.accumulate(ahead[:, ::-1], axis=1)[:, ::-1].T)
        who, where = np.nonzero(fits)
        totals = before[:, -1].astype(np.int64)
        self.width = int(totals.max(initial=0)) + 1
        self.at = np.full(workers * self.width, points, dtype=small)
        offset = np.concatenate(([0], np.cumsum(totals)[:-1]))
        self.at[who * self.width + np.arange(len(who)) - offset[who]] = where
        self.row_of = np.arange(workers) * self.width

    def first_starts(
        self, allowed: NDArray[np.bool_], ga: NDArray[np.intp], gb: NDArray[np.intp], most: int
    ) -> FirstStarts:
        """For requests (rows of ``allowed``, requests × grid: the starts their window and the
        client's own visits leave) × workers: how many starts fit, the first (``ga`` when none)
        and the ``most``-th (``gb - 1`` when fewer fit); and the allowed stretches of the grid
        (row, first index, end index), each request's in order."""
        rows, workers = allowed.shape[0], self.before.shape[1]
        edges = np.diff(allowed.view(np.int8), axis=1, prepend=0, append=0)
        row, where = np.nonzero(edges)
        opening = edges[row, where] == 1
        row, a, b = row[opening], where[opening], where[~opening]
        count = np.zeros((rows, workers), dtype=np.int32)
        first = np.zeros((rows, workers), dtype=np.int32)
        last = np.zeros((rows, workers), dtype=np.int32)
        # The k-th stretch of every request that has one, k = 0, 1, …: a running count per
        # request and worker; the first start is in the stretch where the count leaves 0, the
        # ``most``-th where it reaches ``most``.
        nth = np.zeros(len(row), dtype=np.int64)
        if len(row):
            starts = np.flatnonzero(np.diff(row, prepend=-1))
            nth = np.arange(len(row)) - np.repeat(starts, np.diff(starts, append=len(row)))
        for k in range(int(nth.max(initial=-1)) + 1):
            these = nth == k
            r, lo, hi = row[these], a[these], b[these]
            seen = count[r]
            inside = self.before[hi] - self.before[lo]
            new = (seen == 0) & (inside > 0)
            first[r] = np.where(new, self.next[lo], first[r])
            reach = (seen < most) & (seen + inside >= most)
            j = np.where(reach, self.before[lo] + (most - 1) - seen, 0) + self.row_of
            last[r] = np.where(reach, self.at[j], last[r])
            count[r] = seen + inside
        first = np.where(count > 0, first, ga[:, None])
        last = np.where(count >= most, last, gb[:, None] - 1)
        return FirstStarts(count, first, last, Stretches(row, a, b))

    def offered(
        self, stretches: Stretches, keep: NDArray[np.bool_], last: NDArray[np.integer]
    ) -> NDArray[np.bool_]:
        """Workers × grid: the starts that fit, inside a stretch of a request the worker is kept
        for (``keep``, requests × workers) and not after that pair's ``last``."""
        row, a, b = stretches
        workers, points = self.fits.shape
        if not len(row):
            return np.zeros((workers, points), dtype=bool)
        # +1 where a run of offered starts opens, -1 where it closes (nothing where it is empty).
        offset = np.arange(workers, dtype=np.int32) * (points + 1)
        lo = offset + a[:, None].astype(np.int32)
        hi = offset + np.minimum(b[:, None], last.astype(np.int32)[row] + 1)
        hi = np.where(keep[row] & (hi > lo), hi, lo)
        size = workers * (points + 1)
        marks = np.bincount(lo.ravel(), minlength=size) - np.bincount(hi.ravel(), minlength=size)
        inside = np.cumsum(marks.reshape(workers, points + 1), axis=1)[:, :points] > 0
        return inside & self.fits
