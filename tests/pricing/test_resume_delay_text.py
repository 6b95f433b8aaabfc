"""One source for the Serverless v2 resume delay (issue 17): the option warning, the verdict's latency
note and the dashboard's timing page all state the catalog's fact through one function, so they can
no longer say "~18 s", "about 15 s" and "~16 s" for the same pause."""

from __future__ import annotations

import re
from pathlib import Path

from costmodel.analysis.run import analyse
from costmodel.core.catalog import load_catalog
from costmodel.core.options import OptionKind
from costmodel.ingest.load import load_workload
from costmodel.pricing.serverless_v2_capacity import resume_delay_text
from costmodel.scenario.model import load_scenario

ROOT = Path(__file__).parents[2]


def test_every_resume_delay_sentence_states_the_catalog_fact() -> None:
    catalog = load_catalog()
    result = analyse(
        load_workload([ROOT / "sample_stats/saas"]), load_scenario("dev-sporadic"), catalog, sweep_points=50
    )
    paused = [o for o in result.options if o.kind == OptionKind.SERVERLESS_V2 and o.details.get("resumes")]
    assert paused, "dev-sporadic must pause Serverless v2"
    fact = float(catalog.decimal_fact("aurora_serverless_v2", "resume_seconds"))
    deep = float(catalog.decimal_fact("aurora_serverless_v2", "resume_seconds_after_24h"))
    for option in paused:
        phrase = resume_delay_text(option.details)
        seconds = [float(s) for s in re.findall(r"([\d.]+) s\b", phrase)]
        assert seconds[:2] == [fact, deep], phrase
        assert any(phrase in w for w in option.warnings), option.warnings
        assert any(phrase in note for note in result.verdict.latency), result.verdict.latency
    source = (ROOT / "dashboard/pages/timing.py").read_text(encoding="utf-8")
    assert "resume_delay_text(s)" in source and "resume_delay_seconds" not in source
