"""Prices are data: every entry dated and sourced, no rate in Python code, and `dsqlcost prices` shows them."""

from __future__ import annotations

import io
import json
import tokenize
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
import yaml

from costmodel.cli import main
from costmodel.core.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[2]
PRICES = ROOT / "costmodel" / "data" / "prices"


def _entries() -> list[tuple[str, str, dict]]:
    """Every price mapping in the built-in files: (file, path, entry), conflicting figures included."""
    out = []
    for path in sorted(PRICES.glob("*.yaml")):
        if path.name == "sources.yaml":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        groups = {
            f"regions.{r}.{i}": e
            for r, items in (data.get("regions") or {}).items()
            for i, e in items.items()
        }
        groups.update({f"pairs.{p}": e for p, e in (data.get("pairs") or {}).items()})
        for where, entry in groups.items():
            out.append((path.name, where, entry))
            if isinstance(entry, dict) and isinstance(entry.get("conflicting"), dict):
                out.append((path.name, f"{where}.conflicting", entry["conflicting"]))
    return out


def test_every_price_entry_has_as_of_and_source() -> None:
    entries = _entries()
    assert len(entries) > 40
    for file, where, entry in entries:
        assert isinstance(entry, dict) and "price" in entry, f"{file}: {where}"
        assert str(entry.get("as_of", "")).strip(), f"{file}: {where} has no as_of"
        assert entry.get("source"), f"{file}: {where} has no source"


def test_every_cited_source_is_listed() -> None:
    catalog = load_catalog()
    cited = {s for p in catalog for s in p.sources} | {s for f in catalog.facts.values() for s in f.sources}
    assert cited, "no sources cited"
    missing = sorted(cited - set(catalog.sources))
    assert not missing, f"cited but not in sources.yaml: {missing}"
    assert all(catalog.sources[s].get("title") for s in cited)


def _money_texts() -> set[str]:
    """Price figures as written in the YAML, plus the per-unit rates code might inline (e.g. 0.000008).

    Left out are texts that are ordinary constants too: up to two decimals without a trailing zero
    that are multiples of 0.05 or below it (0.25 is a step size as well as a price, 0.01 a
    threshold as well as $/GB). Money-style texts (8.00, 0.10), odd cents (0.33) and sub-cent
    rates (0.225, 0.000008) are all kept.
    """
    texts: set[str] = set()
    for p in load_catalog():
        for value in (p.value, p.conflicting):
            if value is None:
                continue
            text = format(value, "f")
            decimals = text.split(".")[-1] if "." in text else ""
            ordinary = (
                len(decimals) <= 2
                and not decimals.endswith("0")
                and (value < Decimal("0.05") or value % Decimal("0.05") == 0)
            )
            if not ordinary:
                texts.add(text)
            if "1M " in p.unit or "million" in p.unit:
                texts.add(format((value / 1_000_000).normalize(), "f"))
    return texts


def test_no_python_file_under_costmodel_contains_a_dollar_rate() -> None:
    money = _money_texts()
    assert {"8.00", "0.33", "0.000008", "0.225"} <= money
    hits = []
    for path in sorted((ROOT / "costmodel").rglob("*.py")):
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        for tok in tokens:
            text = tok.string
            if tok.type == tokenize.STRING:
                text = text.strip("'\"bruBRU")
            elif tok.type != tokenize.NUMBER:
                continue
            try:
                Decimal(text)
            except InvalidOperation:
                continue
            if text in money:
                hits.append(f"{path.relative_to(ROOT)}:{tok.start[0]}: {tok.string}")
    assert not hits, "price literals in Python code (prices belong in costmodel/data/prices):\n" + "\n".join(
        hits
    )


# --- dsqlcost prices -----------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["prices", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_prices_table_marks_unconfirmed_and_lists_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--service", "aurora_dsql")
    assert code == 0
    lines = out.splitlines()
    use1 = next(line for line in lines if "us-east-1" in line and "dpu_per_million" in line)
    assert "8.00" in use1 and "USD per 1M DPU" in use1 and "2026-06-12" in use1 and "UNCONFIRMED" not in use1
    use2 = next(line for line in lines if "us-east-2" in line and "dpu_per_million" in line)
    assert "UNCONFIRMED" in use2 and "S8" in use2
    tokyo = next(line for line in lines if "ap-northeast-1" in line and "dpu_per_million" in line)
    assert "10.40" in tokyo  # the conflicting figure
    assert "S2: AWS, Aurora DSQL pricing <https://aws.amazon.com/rds/aurora/dsql/pricing/>" in out
    assert "aurora_serverless_v2" not in out
    assert "UNCONFIRMED (one non-AWS source" in out


def test_prices_json_with_region_filter(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--region", "us-east-2", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    regions = {p["region"] for p in doc["prices"]}
    assert "us-east-2" in regions and "us-east-1<>us-east-2" in regions and "us-east-1" not in regions
    dsql = next(p for p in doc["prices"] if p["service"] == "aurora_dsql" and p["item"] == "dpu_per_million")
    assert dsql["value"] == "8.00" and dsql["confirmed"] is False
    assert dsql["sources"][0]["id"] == "S8" and dsql["sources"][0]["title"]


def test_price_overrides_are_shown_as_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    override = tmp_path / "negotiated.yaml"
    override.write_text(
        "service: aurora_dsql\nregions:\n  us-east-1:\n    dpu_per_million: '6.50'\n", encoding="utf-8"
    )
    code, out, _ = run(capsys, "--prices", str(override), "--service", "aurora_dsql", "--region", "us-east-1")
    assert code == 0
    row = next(line for line in out.splitlines() if "dpu_per_million" in line)
    assert "6.50" in row and "override" in row
    assert f"overrides from: {override}" in out
    code, out, _ = run(capsys, "--prices", str(override), "--format", "json", "--region", "us-east-1")
    rec = next(
        p
        for p in json.loads(out)["prices"]
        if p["item"] == "dpu_per_million" and p["service"] == "aurora_dsql"
    )
    assert rec["override"] is True and rec["file"] == str(override)


def test_prices_bad_input_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--service", "nope")
    assert code == 2 and "unknown service 'nope'" in err and "Traceback" not in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("service: aurora_dsql\nregions: [1, 2\n", encoding="utf-8")
    code, _, err = run(capsys, "--prices", str(bad))
    assert code == 2 and "not valid YAML" in err and len(err.strip().splitlines()) == 1
