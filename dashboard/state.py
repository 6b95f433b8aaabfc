"""The server-side cache behind the dashboard: one :class:`Analysis` per upload, one run per scenario.

Why a cache: reading an export, classifying 5,000 statements and running dsql-lint take seconds;
a what-if (a slider moved) must answer in well under a second. So the expensive, scenario-free work
happens once per upload (:meth:`UploadCache.add_file`/:meth:`UploadCache.add_upload`), keyed by a
content hash (plus the window given), and kept in a bounded LRU; the browser holds only that key and
the scenario (``dcc.Store``). A scenario run (:meth:`UploadCache.run`) is cached too, keyed by the
upload key and the scenario's canonical JSON, so the several callbacks a change fires share one
computation. Everything lives in a :class:`UploadCache` instance made by ``create_app`` — nothing at
module level — so two apps (or two tests) never share state.

Threads: Flask serves callbacks on several threads. A lock guards the dictionaries; each upload has
its own lock so two runs on one :class:`Analysis` (whose readiness cache is a dict) never interleave,
while different uploads run in parallel.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
import tempfile
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel.analysis.run import Analysis, RunResult
from costmodel.core.catalog import PriceCatalog, load_catalog
from costmodel.core.checkpoint import checkpoints
from costmodel.core.errors import CostModelError
from costmodel.ingest.load import load_workload
from costmodel.pricing.serverless_v2_capacity import CapacitySimulation, simulate_capacity
from costmodel.report.model import STATEMENT_ROUNDING, build_report, statement_frame, statement_records
from costmodel.report.redact import redact_query
from costmodel.scenario.activity import WeekProfile, week_profile
from costmodel.scenario.model import Scenario
from dashboard import memory, uploads
from dashboard.plan_state import CodeSource, PlanView, build_plan_view
from dashboard.range_cases import RequestGate, case_analysis
from dashboard.scenarios import fingerprint

MAX_UPLOADS = 6
"""Workloads kept in memory at once (least recently used evicted first)."""
MAX_RUNS = 24
"""Scenario runs kept (report dict + run objects), across all uploads."""
MAX_CACHE_BYTES = 1 << 30
"""Memory the loaded workloads and cached runs may hold together (estimated), least recently used
evicted first: six uploads of 200 MiB each would otherwise hold gigabytes."""
SWEEP_POINTS = 1_000
"""Break-even sweep resolution in the dashboard (the CLI uses 10,000; crossovers are solved exactly
either way, the points only draw the curve, and the report keeps 201 of them)."""


def content_key(data: bytes, *extra: str) -> str:
    """The cache key of an upload: SHA-256 of its bytes and the load options that change the result."""
    digest = hashlib.sha256(data)
    for part in extra:
        digest.update(b"\0" + part.encode("utf-8"))
    return digest.hexdigest()[:32]


@dataclass(eq=False)
class Entry:
    """One loaded workload: its analysis, a display label and the directory its files live in."""

    key: str
    label: str
    analysis: Analysis
    directory: Path | None = None
    """Temporary directory of an upload (deleted on eviction); None for files given on the command line."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    size: int = 0
    """Estimated bytes held (the statement frame, texts included), counted against the cache budget."""
    texts: dict[str, pd.Series] = field(default_factory=dict)
    """Scenario-independent text columns of the Statements table (redacted queries, tables), built
    on the first run and reused by every what-if (:func:`statement_table`)."""
    texts_size: int = 0
    """Bytes of :attr:`texts` (measured once, when the Statements table first builds them)."""
    cases: Analysis | None = None
    """The range worker's own analysis of this upload (:meth:`case_analysis`): a range case holds
    no lock a what-if needs."""
    cases_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def statements(self) -> int:
        return len(self.analysis.workload.statements)

    def case_analysis(self) -> Analysis:
        """The analysis the range worker prices cases on (made on first use)."""
        with self.cases_lock:
            if self.cases is None:
                self.cases = case_analysis(self.analysis)
            return self.cases

    def nbytes(self) -> int:
        """Estimated bytes this upload holds: its statement frame, the kept text columns and the
        reuse caches (usage and contention per load shape) of its analysis and of the range worker's."""
        analyses = [self.analysis] if self.cases is None else [self.analysis, self.cases]
        return self.size + self.texts_size + sum(_cache_bytes(a) for a in analyses)

    def prepare_texts(self) -> None:
        """Build the Statements table's text columns now (redacting 150,000 texts takes a second):
        called while the upload loads on its worker thread, so no page request pays for it. They
        come from the workload's own columns, which every run's statement frame copies."""
        statements = self.analysis.workload.statements
        for col in SCENARIO_FREE:
            if col in statements:
                series = statements[col]
                self.texts[col] = _redacted(series) if col == "query" else _joined(series)
        self.texts_size = sum(int(s.memory_usage(index=False, deep=True)) for s in self.texts.values())


def _cache_bytes(analysis: Analysis) -> int:
    """``analysis.cache_bytes()``, measured while another thread may be adding to those caches."""
    for _ in range(5):
        with contextlib.suppress(RuntimeError):  # "mutated during iteration": measure again
            return analysis.cache_bytes()
    return 0


def frame_bytes(frame: pd.DataFrame) -> int:
    """Bytes a frame holds, texts included (``memory_usage(deep=True)``)."""
    return int(frame.memory_usage(deep=True, index=True).sum())


class DashboardRun:
    """One scenario priced on one upload: the run objects, the report dict, and derived views
    (capacity simulation, week profile, statement table) built on first use and kept."""

    def __init__(
        self,
        entry: Entry,
        result: RunResult,
        report: dict[str, Any],
        code: CodeSource | None = None,
        *,
        ranges_pending: bool = False,
    ) -> None:
        """``ranges_pending``: ``result`` was priced without its ranges (``Analysis.run(ranges=False)``);
        :meth:`fill_ranges` adds them (the cache's range worker, or a download that cannot wait)."""
        self.entry = entry
        self.result = result
        self.report = report
        self.code = code if code is not None else CodeSource(None)
        self.ranges_pending = ranges_pending
        self.ranges_error: str | None = None
        """Why the worker could not price the ranges (the page says so; a download tries again)."""
        self._plan_lock = threading.Lock()
        self._ranges_lock = threading.Lock()
        self.size = int(result.usage.statements.memory_usage(deep=False).sum()) + _options_bytes(result)
        """Estimated bytes of the run itself (its usage frame and per-statement option tables);
        :meth:`nbytes` adds the derived views once they are built."""

    @property
    def scenario(self) -> Scenario:
        return self.result.scenario

    def nbytes(self) -> int:
        """Estimated bytes held: the run, and the Statements table and report rows when built
        (the text columns the table shares with its upload are counted there)."""
        total = self.size
        table = self.__dict__.get("statements")
        if table is not None:
            own = [c for c in table.columns if c not in SCENARIO_FREE]
            total += int(table[own].memory_usage(index=True, deep=True).sum())
        rows = self.__dict__.get("statement_rows")
        if rows:
            total += len(rows) * _row_bytes(rows[0])
        return total

    @cached_property
    def profile(self) -> WeekProfile:
        """The scenario's week of load (UTC minutes) for the hour-of-week heat map."""
        return week_profile(
            self.scenario, series=self.result.workload.series, assumptions=self.result.usage.assumptions
        )

    @cached_property
    def capacity(self) -> CapacitySimulation:
        """The Serverless v2 week simulation (primary cluster) for the ACU and pause timeline."""
        return simulate_capacity(
            self.result.usage, self.scenario, self.result.catalog, series=self.result.workload.series
        )

    @cached_property
    def statement_rows(self) -> list[dict[str, Any]]:
        """The report's statement rows, built only when a page or a download needs them (a what-if
        that only changes the Overview never pays for 5,000 rows)."""
        return statement_records(statement_frame(self.result), show_literals=False)

    @property
    def full_report(self) -> dict[str, Any]:
        """The report with its ranges, statement rows and migration plan, for downloads (CSV, HTML):
        the ranges are computed here when the background worker has not finished them yet."""
        self.fill_ranges()
        return {**self.report, "plan": self.plan.section, "statements": self.statement_rows}

    def fill_ranges(self, price: Callable[[Scenario], Mapping[str, float]] | None = None) -> None:
        """Price the range cases and swap in the result and report that carry them (the same as a
        run with its ranges: ``Analysis.with_ranges``). ``price`` re-prices one case; by default
        under the upload's lock, one case at a time, so a what-if waits for one case at most.
        An exception from ``price`` (the worker's "superseded") leaves the run pending."""
        with self._ranges_lock:
            if not self.ranges_pending:
                return
            analysis, lock = self.entry.analysis, self.entry.lock

            def locked(variant: Scenario) -> Mapping[str, float]:
                with lock:
                    return analysis.case_totals(variant)

            result = analysis.with_ranges(self.result, price or locked)
            report = build_report(result, title=self.report.get("title"), include_statements=False)
            _hide_paths(report, self.entry)
            if "generated_at" in self.report:  # the what-if's own time, not the worker's
                report["generated_at"] = self.report["generated_at"]
            self.result, self.report = result, report
            self.ranges_pending = False

    @property
    def plan(self) -> PlanView:
        """The migration plan (schema remediated, run repriced with UUID keys, code audited when the
        dashboard has a code directory), built once per run on first use."""
        with self._plan_lock:
            if self._plan is None:
                self._plan = build_plan_view(
                    self.result, self.code, hide=self.entry.directory, label=self.entry.label
                )
            return self._plan

    _plan: PlanView | None = None

    @cached_property
    def statements(self) -> pd.DataFrame:
        """The Statements page's table: the report's statement rows as columns (see :func:`statement_table`)."""
        fresh = not self.entry.texts
        table = statement_table(statement_frame(self.result), self.entry.texts)
        if fresh and self.entry.texts:
            self.entry.texts_size = sum(
                int(s.memory_usage(index=False, deep=True)) for s in self.entry.texts.values()
            )
        return table


def _options_bytes(result: RunResult) -> int:
    """Bytes of the options' per-statement tables (numbers only: measured without deep)."""
    return sum(
        int(o.statements.memory_usage(index=True, deep=False).sum())
        for o in result.options
        if o.statements is not None
    )


def _row_bytes(row: dict[str, Any]) -> int:
    """Estimated bytes of one report statement row (the dict, its keys' slots and its values)."""
    return sys.getsizeof(row) + sum(sys.getsizeof(v) for v in row.values())


TEXT_LIST_COLUMNS = ("tables_read", "tables_written", "findings")
"""Tuple columns the Statements page shows (and filters) as comma-separated text."""
SCENARIO_FREE = ("query", "tables_read", "tables_written")
"""Columns that come from the statement texts alone: the same for every scenario of an upload."""


def statement_table(frame: pd.DataFrame, texts: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """The report's statement rows (:func:`~costmodel.report.model.statement_records`: rounded numbers,
    redacted texts) as a frame, built column by column, with DSQL and Serverless v2 $ per call added.

    Why not from the records: 150,000 statements are 150,000 dicts, then a frame inferred from them,
    on every what-if; column-wise the page's table costs a fraction of that, and the browser only
    ever receives one page of it (the page sorts, filters and pages on the server). ``texts`` keeps
    the :data:`SCENARIO_FREE` columns between calls for the same rows (one upload's what-ifs).
    """
    data: dict[str, Any] = {}
    for col in frame.columns:
        if col == "fingerprint":
            continue
        series = frame[col]
        kept = texts.get(col) if texts is not None and col in SCENARIO_FREE else None
        if kept is not None and kept.index.equals(series.index):
            data[col] = kept
        elif col in STATEMENT_ROUNDING:
            values = pd.to_numeric(series, errors="coerce").astype(float).round(STATEMENT_ROUNDING[col])
            data[col] = values.where(np.isfinite(values))
        elif col == "query":
            data[col] = _redacted(series)
        elif col in TEXT_LIST_COLUMNS:
            data[col] = _joined(series)
        elif series.dtype.kind == "f":
            data[col] = series.where(np.isfinite(series))
        else:
            data[col] = series.astype(object).where(series.notna(), None)
        if texts is not None and col in SCENARIO_FREE:
            texts[col] = data[col]
    table = pd.DataFrame(data, index=frame.index).reset_index(drop=True)
    if table.empty:
        return table
    calls = table["calls_month"] if "calls_month" in table else pd.Series(np.nan, index=table.index)
    per_call = calls.where(calls > 0)
    for total, column in (("dsql_monthly_usd", "dsql_usd_per_call"), ("sv2_monthly_usd", "sv2_usd_per_call")):
        if total in table:
            table[column] = (table[total] / per_call).astype(float)
    if "dsql_usd_per_call" not in table:
        table["dsql_usd_per_call"] = np.nan
    return table


def _redacted(series: pd.Series) -> pd.Series:
    """Texts as the report shows them (literals redacted), each distinct text once."""
    codes, uniques = pd.factorize(series.to_numpy(dtype=object))
    shown = np.empty(len(uniques) + 1, dtype=object)  # code -1 (no text) → None
    for i, value in enumerate(uniques):
        shown[i] = redact_query(value) if isinstance(value, str) else None
    return pd.Series(shown[codes], index=series.index, dtype=object)


def _joined(series: pd.Series) -> pd.Series:
    """Tuples as ``"a, b"`` ("" for none), each distinct tuple joined once."""
    values = series.to_numpy(dtype=object)
    if not all(type(v) is tuple for v in values):
        fixed = np.empty(len(values), dtype=object)  # element by element: numpy would unpack tuples
        for i, v in enumerate(values):
            fixed[i] = tuple(v) if isinstance(v, tuple | list) else ()
        values = fixed
    codes, uniques = pd.factorize(values)
    shown = np.array([", ".join(map(str, u)) for u in uniques] + [""], dtype=object)
    return pd.Series(shown[codes], index=series.index, dtype=object)


WORKER_IDLE_S = 10.0
"""The range worker ends after this long without a run to fill (a later what-if starts it again)."""
CLOSE_WAIT_S = 30.0
"""How long :meth:`UploadCache.close` waits for the range worker to finish its current case."""
MAX_JOBS = 32
"""Upload jobs remembered for their progress line (the oldest are forgotten first)."""


@dataclass(eq=False)
class UploadJob:
    """An upload loading on a worker thread: its current step, then its entry or its error."""

    id: str
    filename: str
    started: float = field(default_factory=time.monotonic)
    stage: str = "waiting"
    entry: Entry | None = None
    error: CostModelError | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def set_stage(self, text: str) -> None:
        self.stage = text

    @property
    def elapsed(self) -> float:
        """Seconds since the upload arrived."""
        return time.monotonic() - self.started


class UploadCache:
    """Bounded, thread-safe cache of loaded workloads and scenario runs (see the module docstring)."""

    def __init__(
        self,
        catalog: PriceCatalog | None = None,
        *,
        max_uploads: int = MAX_UPLOADS,
        max_runs: int = MAX_RUNS,
        max_bytes: int = MAX_CACHE_BYTES,
        sweep_points: int = SWEEP_POINTS,
        code: Path | None = None,
    ) -> None:
        """``code``: an application's source folder the Plan page audits (``dsqlcost dashboard --code``)."""
        self.catalog = catalog if catalog is not None else load_catalog()
        self.code = CodeSource(code)
        self.max_uploads = max_uploads
        self.max_runs = max_runs
        self.max_bytes = max_bytes
        self.sweep_points = sweep_points
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._runs: OrderedDict[tuple[str, str], DashboardRun] = OrderedDict()
        self._jobs: OrderedDict[str, UploadJob] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: OrderedDict[tuple[str, str], DashboardRun] = OrderedDict()
        """Runs whose ranges the worker still owes, the most recently asked for last (done first)."""
        self._wake = threading.Condition(self._lock)
        self._worker: threading.Thread | None = None
        self._hold = threading.Lock()
        """Held by :meth:`hold_ranges`: the worker waits on it before each case."""
        self._gate = RequestGate()
        """Requests computing or reading runs: the range worker steps aside for them."""
        self._tidying = False
        """A :meth:`_tidy` pass is scheduled (one at a time)."""
        self._closed = False
        self._root = Path(tempfile.mkdtemp(prefix="dsqlcost-dashboard-"))
        self._finalizer = weakref.finalize(self, uploads.remove_tree, self._root)

    # -- uploads ------------------------------------------------------------------------------------

    def get(self, key: str | None) -> Entry | None:
        """The entry for ``key`` (and mark it recently used), or None if unknown or evicted."""
        if not key:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def add_file(self, path: str | Path, *, window: str | None = None, label: str | None = None) -> Entry:
        """Load an export or bundle from disk (the command line's argument) once."""
        path = Path(path)
        key = content_key(str(path.resolve()).encode("utf-8"), "path", window or "")
        found = self.get(key)
        if found is not None:
            return found
        workload = load_workload([path], window=window or None)
        entry = Entry(key, label or path.name, Analysis(workload, self.catalog))
        entry.size = frame_bytes(entry.analysis.workload.statements)
        entry.prepare_texts()
        return self._store(entry)

    def add_upload(
        self,
        contents: str,
        filename: str,
        *,
        window: str | None = None,
        stage: Callable[[str], None] | None = None,
    ) -> Entry:
        """Decode, store and load an upload (export file or bundle archive) once per content;
        ``stage(text)`` names each step as it starts (the upload's progress line)."""
        step = stage or (lambda _text: None)
        name = uploads.safe_filename(filename)
        step("decoding the upload")
        data = uploads.decode_upload(contents, name)
        key = content_key(data, name, window or "")
        found = self.get(key)
        if found is not None:
            return found
        directory = Path(tempfile.mkdtemp(prefix="upload-", dir=self._root))
        try:
            target = uploads.materialise(data, name, directory)
            step("reading the export")
            workload = load_workload([target], window=window or None)
            step(f"classifying {len(workload.statements):,} statements")
            entry = Entry(key, name, Analysis(workload, self.catalog), directory)
            entry.size = frame_bytes(entry.analysis.workload.statements)
            step("redacting the statement texts")
            entry.prepare_texts()
        except CostModelError as exc:
            uploads.remove_tree(directory)
            raise _relabel(exc, directory, name) from None
        except BaseException:
            uploads.remove_tree(directory)
            raise
        return self._store(entry)

    def submit_upload(self, contents: str, filename: str, *, window: str | None = None) -> str:
        """Start :meth:`add_upload` on a worker thread (a 150,000-statement export takes a minute: the
        request that brought it must not wait); returns the job id :meth:`job` reports on."""
        job = UploadJob(uuid.uuid4().hex, uploads.safe_filename(filename))

        def work() -> None:
            try:
                job.entry = self.add_upload(contents, filename, window=window, stage=job.set_stage)
            except CostModelError as exc:
                job.error = exc
            except Exception as exc:  # reported on the page as one line, never a traceback
                job.error = CostModelError(
                    f"{job.filename}: the upload could not be read ({type(exc).__name__})"
                )
            finally:
                job.finished.set()

        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS:
                self._jobs.popitem(last=False)
        threading.Thread(target=work, name=f"upload-{job.id[:8]}", daemon=True).start()
        return job.id

    def job(self, job_id: str | None) -> UploadJob | None:
        """The upload job ``job_id`` (None when unknown or long forgotten)."""
        with self._lock:
            return self._jobs.get(job_id or "")

    def _store(self, entry: Entry) -> Entry:
        evicted = False
        with self._lock:
            self._entries[entry.key] = entry
            self._entries.move_to_end(entry.key)
            while len(self._entries) > 1 and (
                len(self._entries) > self.max_uploads or self._bytes() > self.max_bytes
            ):
                _, old = self._entries.popitem(last=False)
                self._drop_runs(old.key)
                evicted = True
                if old.directory is not None:
                    uploads.remove_tree(old.directory)
        if evicted:
            old = None  # type: ignore[assignment]  # the last reference: freed before the trim
            memory.release()
        return entry

    def _bytes(self) -> int:
        """Estimated bytes of every entry and cached run (call with the lock held); entries count
        their text columns and analysis caches, runs their derived views (:meth:`Entry.nbytes`,
        :meth:`DashboardRun.nbytes`), so the budget bounds what is really held."""
        return sum(e.nbytes() for e in self._entries.values()) + sum(r.nbytes() for r in self._runs.values())

    def held_bytes(self) -> int:
        """Estimated bytes the cache holds now (entries and runs)."""
        with self._lock:
            return self._bytes()

    def _drop_runs(self, key: str) -> None:
        for run_key in [k for k in self._runs if k[0] == key]:
            del self._runs[run_key]
            self._pending.pop(run_key, None)

    # -- runs ---------------------------------------------------------------------------------------

    def run(self, key: str | None, scenario: Scenario) -> DashboardRun:
        """Price ``scenario`` on the upload ``key`` (cached per scenario); errors are CostModelErrors."""
        entry = self.get(key)
        if entry is None:
            raise UnknownUpload()
        run_key = (entry.key, fingerprint(scenario))
        self._gate.touch()
        with self._lock:
            cached = self._runs.get(run_key)
            if cached is not None:
                self._runs.move_to_end(run_key)
                return cached
        self._gate.enter()  # the range worker steps aside until this run is priced
        try:
            done, fresh = self._compute(entry, run_key, scenario)
        finally:
            self._gate.leave()
        if not fresh:
            return done
        with self._lock:
            self._runs[run_key] = done
            while len(self._runs) > self.max_runs:
                self._runs.popitem(last=False)
            self._want_ranges(run_key, done)
        self._tidy_later()  # the byte budget: once requests are quiet, not on this one
        return done

    def _tidy_later(self) -> None:
        """Enforce the byte budget on the runs (:meth:`_tidy`) on a short-lived thread once requests
        are quiet: measuring what every cached table holds and giving freed pages back take a
        tenth of a second or more at 150,000 statements, which a what-if should not wait for."""
        with self._lock:
            if self._tidying or self._closed:
                return
            self._tidying = True
        threading.Thread(target=self._tidy, name="tidy", daemon=True).start()

    def _tidy(self) -> None:
        """Drop the least recently used runs while the cache holds more than its byte budget."""
        self._gate.wait_quiet(lambda: self._closed)
        dropped = 0
        with self._lock:
            self._tidying = False  # a run added from here on schedules another pass
            if self._closed:
                return
            total = self._bytes()
            while len(self._runs) > 1 and total > self.max_bytes:
                key, old = self._runs.popitem(last=False)
                self._pending.pop(key, None)
                total -= old.nbytes()
                dropped += 1
        old = None  # type: ignore[assignment]  # the last reference: freed before the trim
        if dropped and total > self.max_bytes // 2:
            memory.release()  # large runs were dropped: give their pages back

    def tidy_now(self) -> None:
        """Enforce the byte budget on the runs now (tests; the server does it when requests are quiet)."""
        with self._lock:
            self._tidying = True
        self._tidy()

    def _compute(
        self, entry: Entry, run_key: tuple[str, str], scenario: Scenario
    ) -> tuple[DashboardRun, bool]:
        """Price ``scenario`` on ``entry`` under its lock: (the run, True), or (the run another thread
        just priced, False)."""
        with entry.lock:
            with self._lock:  # another thread may have finished it while we waited
                cached = self._runs.get(run_key)
            if cached is not None:
                return cached, False
            try:
                result = entry.analysis.run(scenario, sweep_points=self.sweep_points, ranges=False)
                report = build_report(
                    result, title=f"{entry.label}: DSQL vs Aurora Serverless v2", include_statements=False
                )
            except CostModelError as exc:
                raise _relabel(exc, entry.directory, entry.label) from None
            _hide_paths(report, entry)
            return DashboardRun(entry, result, report, self.code, ranges_pending=self.sweep_points > 0), True

    # -- ranges, off the request ---------------------------------------------------------------------

    def _want_ranges(self, run_key: tuple[str, str], done: DashboardRun) -> None:
        """Queue ``done`` for the range worker (call with the lock held); forget evicted runs."""
        for key in [k for k in self._pending if k not in self._runs]:
            del self._pending[key]
        if done.ranges_pending and run_key in self._runs and not self._closed:
            self._pending[run_key] = done
            self._pending.move_to_end(run_key)
            if self._worker is None:
                self._worker = threading.Thread(target=self._range_worker, name="ranges", daemon=True)
                self._worker.start()
            self._wake.notify()

    def _next_pending(self) -> tuple[tuple[str, str], DashboardRun] | None:
        """The run whose ranges are wanted most recently (waits for one); None when the cache is
        closed or nothing was wanted for :data:`WORKER_IDLE_S` (the worker then ends, holding
        nothing; the next what-if starts another)."""
        with self._wake:
            while not self._pending and not self._closed:
                if not self._wake.wait(timeout=WORKER_IDLE_S) and not self._pending:
                    break
            if self._closed or not self._pending:
                self._worker = None
                return None
            return next(reversed(self._pending.items()))

    def _range_worker(self) -> None:
        """Fill the ranges of queued runs, newest first (:meth:`_fill_one`)."""
        while True:
            item = self._next_pending()
            if item is None:
                return
            self._fill_one(*item)
            del item  # hold no run (nor its upload) while waiting for the next

    def _fill_one(self, run_key: tuple[str, str], run: DashboardRun) -> None:
        """Fill one run's ranges on the upload's case analysis (no lock a what-if needs).
        Before each case and each step of one, :meth:`_checkpoint` lets requests go first and
        checks that the run is still the newest wanted: a later what-if takes over and this run
        resumes afterwards (the cases it finished stay in the worker's usage cache)."""

        def checkpoint() -> None:
            self._checkpoint(run_key)

        def price(variant: Scenario) -> Any:
            checkpoint()
            with checkpoints(checkpoint):  # the pipeline's own checkpoints, on this thread only
                return run.entry.case_analysis().case_totals(variant)

        try:
            run.fill_ranges(price)
        except _Superseded:
            return
        except Exception as exc:  # shown on the page as one line; a download retries
            run.ranges_error = str(exc) if isinstance(exc, CostModelError) else type(exc).__name__
        with self._lock:
            if self._pending.get(run_key) is run:
                del self._pending[run_key]

    def _checkpoint(self, run_key: tuple[str, str]) -> None:
        """Wait while :meth:`hold_ranges` holds the worker and while requests are computing (or
        just read) runs; raise :class:`_Superseded` if ``run_key`` is no longer the newest wanted."""
        with self._hold:
            pass
        self._gate.wait_quiet(lambda: self._closed)
        with self._lock:
            if self._closed or not self._pending or next(reversed(self._pending)) != run_key:
                raise _Superseded()

    @contextlib.contextmanager
    def hold_ranges(self) -> Iterator[None]:
        """Keep the range worker from starting a case while inside (tests see the pending state)."""
        with self._hold:
            yield

    def wait_ranges(self, timeout: float | None = None) -> bool:
        """Block until the worker owes no ranges (tests and benchmarks); False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                if not self._pending:
                    return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def forget_runs(self) -> None:
        """Drop every cached scenario run (uploads stay loaded); benchmarks use it to time cold runs."""
        with self._lock:
            self._runs.clear()
            self._pending.clear()

    def close(self) -> None:
        """Drop every upload and run, delete their files (also done when the cache is
        garbage-collected) and give the freed memory back to the operating system."""
        with self._lock:
            self._entries.clear()
            self._runs.clear()
            self._jobs.clear()
            self._pending.clear()
            self._closed = True
            self._wake.notify_all()
            worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=CLOSE_WAIT_S)  # it stops after its current case: then it holds nothing
        self._finalizer()
        memory.release()


class _Superseded(Exception):
    """A newer run wants its ranges first: the worker puts this one aside (it stays queued)."""


class UnknownUpload(CostModelError):
    """The browser refers to an upload the server no longer holds (evicted or server restarted)."""

    def __init__(self) -> None:
        super().__init__(
            "this workload is no longer loaded on the server",
            hint="upload the export again (the server keeps the most recent uploads only)",
        )


def _relabel(exc: CostModelError, directory: Path | None, label: str) -> CostModelError:
    """The same error with the server's temporary path replaced by the uploaded file's name."""
    if directory is None:
        return exc
    prefix = str(directory)

    def clean(text: str | None) -> str | None:
        if text is None:
            return None
        return text.replace(prefix + "/", "").replace(prefix, label)

    exc.file = clean(exc.file)
    exc.message = clean(exc.message) or exc.message
    exc.hint = clean(exc.hint)
    if exc.args:
        exc.args = (exc.message, *exc.args[1:])
    return exc


def _hide_paths(report: dict[str, Any], entry: Entry) -> None:
    """Replace server-side temporary paths in ``inputs.sources`` by the upload's name and the path inside it."""
    if entry.directory is None:
        return
    inputs = report.get("inputs")
    if isinstance(inputs, dict) and isinstance(inputs.get("sources"), list):
        prefix = str(entry.directory) + "/"
        inputs["sources"] = [
            f"{entry.label}: {s[len(prefix) :]}" if str(s).startswith(prefix) else entry.label
            for s in inputs["sources"]
        ]
