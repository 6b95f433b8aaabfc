"""The Statements page's table is built column by column, and shows what the report's rows show."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pandas as pd
import pytest

from costmodel.scenario.model import load_scenario
from dashboard.pages import statements
from dashboard.state import DashboardRun, UploadCache
from tests.browser.support import saas_cache


def _from_records(run: DashboardRun) -> pd.DataFrame:
    """The table as the page built it before: from the report's statement records, per row."""
    frame = pd.DataFrame(run.statement_rows)
    calls = pd.to_numeric(frame["calls_month"], errors="coerce")
    per_call = calls.where(calls > 0)
    frame["dsql_usd_per_call"] = (
        pd.to_numeric(frame["dsql_monthly_usd"], errors="coerce") / per_call
    ).astype(float)
    frame["sv2_usd_per_call"] = (pd.to_numeric(frame["sv2_monthly_usd"], errors="coerce") / per_call).astype(
        float
    )
    for column in ("tables_read", "tables_written", "findings"):
        frame[column] = frame[column].map(lambda v: ", ".join(map(str, v)) if isinstance(v, list) else v)
    return frame


@pytest.fixture(scope="module")
def synthetic() -> Iterator[tuple[UploadCache, str]]:
    """1,500 synthetic statements (the dashboard benchmark's export) uploaded like a browser would."""
    from benchmarks.bench_dashboard import synthetic_export_text

    cache = UploadCache()
    text = synthetic_export_text(1_500)
    contents = "data:text/csv;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")
    yield cache, cache.add_upload(contents, "synthetic.csv", window="1h").key
    cache.close()


@pytest.mark.parametrize("scenario", [None, "multi-region-us"])
@pytest.mark.parametrize("workload", ["saas", "synthetic"])
def test_statement_table_pages_like_the_report_rows(
    scenario: str | None, workload: str, synthetic: tuple[UploadCache, str]
) -> None:
    cache, key = saas_cache() if workload == "saas" else synthetic
    run = cache.run(key, load_scenario(scenario))  # type: ignore[attr-defined]
    table, reference = run.statements, _from_records(run)
    assert len(table) == len(reference) >= 14
    for sort_by, query in (
        (statements.DEFAULT_SORT, ""),
        ([{"column_id": "query", "direction": "asc"}, {"column_id": "stmt_id", "direction": "asc"}], ""),
        ([{"column_id": "stmt_id", "direction": "asc"}], "{kind} icontains select && {calls_month} > 10"),
        ([{"column_id": "stmt_id", "direction": "desc"}], "{tables_read} contains order"),
        ([{"column_id": "stmt_id", "direction": "asc"}], "{is_write} = true"),
    ):
        got = statements.apply_sort(statements.apply_filter(table, query), sort_by)
        want = statements.apply_sort(statements.apply_filter(reference, query), sort_by)
        assert len(got) == len(want)
        assert statements.page_rows(got, 0, 500) == statements.page_rows(want, 0, 500), (sort_by, query)
