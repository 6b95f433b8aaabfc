"""What lets the range worker price a what-if's range cases without slowing the next what-if.

The worker (:class:`dashboard.state.UploadCache`) prices eleven range cases per what-if on a thread
of the same process. Two things made a new what-if wait for it: each case held the upload's lock
(the analysis's reuse caches are plain dicts), and a case in progress took the GIL from the request
for its whole length. So:

* the cases run on an :class:`Analysis` of their own (:func:`case_analysis`: the same classified
  workload, catalog and calibration, its own caches), so a case holds no lock a request needs;
* the worker steps aside whenever a request is computing a run, and until requests have been quiet
  for :data:`QUIET_S` (:class:`RequestGate`); it checks before each case and at the pipeline's
  checkpoints inside one (:mod:`costmodel.core.checkpoint`: between the usage steps, before
  contention, before each pricer and each Serverless v2 I/O mode), where it also gives up a case
  whose run a newer what-if superseded. A request then shares the CPU with at most the rest of
  one step.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from costmodel.analysis.run import Analysis

QUIET_S = 0.2
"""The worker resumes once no request has asked for a run for this long (a what-if fires several
callbacks in a row: the page's figures and the other pages read the run just priced)."""


class RequestGate:
    """Counts requests computing a run and remembers when the last one asked; the worker waits on it."""

    def __init__(self, quiet_s: float = QUIET_S) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._active = 0
        self._last = 0.0
        self.quiet_s = quiet_s

    def touch(self) -> None:
        """A request read a run (cached or not): the worker keeps out of its way a little longer."""
        with self._cond:
            self._last = time.monotonic()

    def enter(self) -> None:
        """A request starts computing a run."""
        with self._cond:
            self._active += 1
            self._last = time.monotonic()

    def leave(self) -> None:
        """The request's run is done."""
        with self._cond:
            self._active -= 1
            self._last = time.monotonic()
            self._cond.notify_all()

    def wait_quiet(self, stop: Callable[[], bool]) -> None:
        """Block until no request computes a run and none asked for :attr:`quiet_s` (or ``stop()``)."""
        with self._cond:
            while not stop():
                if self._active:
                    self._cond.wait(timeout=0.5)
                    continue
                left = self._last + self.quiet_s - time.monotonic()
                if left <= 0:
                    return
                self._cond.wait(timeout=left)


def case_analysis(analysis: Analysis) -> Analysis:
    """The range worker's own :class:`Analysis` of an upload: the same classified workload, catalog
    and calibration, its own reuse caches (range cases need no readiness). Its totals are those of
    ``analysis``; a case on it holds no lock a what-if takes."""
    return Analysis(
        analysis.workload,
        analysis.catalog,
        calibration=analysis.calibration,
        schema=analysis.schema,
        with_readiness=False,
        show_literals=analysis.show_literals,
    )
