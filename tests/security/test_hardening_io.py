"""Hardening II (issue 16), rows 1-4 and 6: nothing outside the input is read or written over.

* **Outputs** — ``--out`` onto a FIFO, a device, a symlink or a directory is refused before anything is
  written (the node is left as it was); ``--out -`` is standard output; reports are 0644, reports with
  ``--show-literals`` and every file of a bundle 0600; ``readiness --out`` and ``calibrate --out`` go
  through the same writer.
* **Inputs** — a FIFO or ``/dev/zero`` as an export is refused at once (no hang, no memory); a bundle
  naming a file outside itself (absolute, ``..``, a symlink out, for snapshots, catalog and schema) is
  refused without saying whether that file exists; gzip expansion and plain reads stop at
  ``--max-bytes``; a YAML alias in bundle.yaml is refused; bundle.yaml values are type-checked.
* **Repeated inputs** — the same file twice (by name or by a second path to it) is refused for a
  merged workload and for a fleet; ``--since`` from another server is refused with the fix.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from costmodel.core.errors import IngestError
from costmodel.ingest.load import load_workload
from tests.data.ingest import builders as b
from tests.security.support import one_line_error, run_cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "pgss.csv"
    path.write_text(b.csv_text(b.make_rows(b.PG16, 3)), encoding="utf-8")
    return path


def _report(export: Path, *args: str) -> tuple[int, str, str]:
    return run_cli(["report", str(export), "--window", "1h", *args])


# ======================================================================== row 1: outputs


def test_out_onto_a_fifo_is_refused_and_the_fifo_kept(export: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "report.json"
    os.mkfifo(fifo)
    code, _, stderr = _report(export, "--format", "json", "--out", str(fifo))
    assert "FIFO" in one_line_error(code, stderr)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temp file left


def test_out_onto_a_device_is_refused_and_the_device_kept(export: Path) -> None:
    before = os.lstat("/dev/null")
    code, _, stderr = _report(export, "--format", "json", "--out", "/dev/null")
    assert "device" in one_line_error(code, stderr)
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_out_onto_a_symlink_is_refused_and_neither_link_nor_target_touched(
    export: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "report.json"
    link.symlink_to(victim)
    code, _, stderr = _report(export, "--format", "json", "--out", str(link))
    assert "symbolic link" in one_line_error(code, stderr)
    assert link.is_symlink() and victim.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "victim.txt"]


def test_csv_out_that_is_a_symlink_to_a_directory_is_refused(export: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "csv"
    link.symlink_to(real)
    code, _, stderr = _report(export, "--format", "csv", "--out", str(link))
    assert "symbolic link" in one_line_error(code, stderr)
    assert list(real.iterdir()) == []


def test_an_existing_regular_file_is_replaced_whole(export: Path, tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")
    code, _, stderr = _report(export, "--format", "json", "--out", str(target))
    assert code == 0, stderr
    assert json.loads(target.read_text())["schema_version"] >= 1


def test_out_dash_is_standard_output(export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = _report(export, "--format", "json", "--out", "-")
    assert code == 0, stderr
    assert json.loads(stdout)["schema_version"] >= 1
    assert list(tmp_path.iterdir()) == []


def test_report_modes_are_0644_and_0600_with_literals(export: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        plain, secret, csvdir = tmp_path / "r.json", tmp_path / "s.json", tmp_path / "csv"
        assert _report(export, "--format", "json", "--out", str(plain))[0] == 0
        assert _report(export, "--format", "json", "--out", str(secret), "--show-literals")[0] == 0
        assert _report(export, "--format", "csv", "--out", str(csvdir), "--show-literals")[0] == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(plain.stat().st_mode) == 0o644
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert {stat.S_IMODE(p.stat().st_mode) for p in csvdir.iterdir()} == {0o600}


def test_readiness_out_uses_the_same_writer(export: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "ready.md"
    os.mkfifo(fifo)
    code, _, stderr = run_cli(["readiness", str(export), "--window", "1h", "--out", str(fifo)])
    assert "FIFO" in one_line_error(code, stderr)
    code, stdout, stderr = run_cli(
        ["readiness", str(export), "--window", "1h", "--format", "json", "--out", "-"]
    )
    assert code == 0, stderr
    json.loads(stdout)


def test_calibration_out_uses_the_same_writer(tmp_path: Path) -> None:
    from costmodel.core.errors import CalibrationError
    from costmodel.pricing.calibration import Calibration, save_calibration

    fifo = tmp_path / "calib.yaml"
    os.mkfifo(fifo)
    with pytest.raises(CalibrationError, match="FIFO"):
        save_calibration(Calibration(factors={}), fifo)
    good = tmp_path / "good.yaml"
    save_calibration(Calibration(factors={}), good)
    assert stat.S_IMODE(good.stat().st_mode) == 0o644 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# ======================================================================== row 2: inputs


def _cli_subprocess(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "costmodel", *args], capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


def test_a_fifo_as_input_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pgss.csv"
    os.mkfifo(fifo)
    started = time.monotonic()
    result = _cli_subprocess(["ingest", str(fifo), "--window", "1h"], timeout=60)
    assert "FIFO" in one_line_error(result.returncode, result.stderr)
    assert time.monotonic() - started < 30


def test_dev_zero_as_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="device"):
        load_workload(["/dev/zero"], window="1h")


def test_a_fifo_as_a_scenario_or_price_file_is_refused(export: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    result = _cli_subprocess(["report", str(export), "--window", "1h", "--scenario", str(fifo)], timeout=60)
    assert "FIFO" in one_line_error(result.returncode, result.stderr)


def _bundle(tmp: Path) -> Path:
    rows = b.make_rows(b.PG16, 3)
    return b.bundle(
        tmp / "bundle",
        [("2026-11-27T08:00:00Z", rows), ("2026-11-27T09:00:00Z", rows)],
        catalog={"tables": {}},
    )


def _edit_bundle(root: Path, **changes: object) -> None:
    meta = yaml.safe_load((root / "bundle.yaml").read_text())
    meta.update(changes)
    (root / "bundle.yaml").write_text(yaml.safe_dump(meta))


@pytest.fixture
def outside_secret(tmp_path: Path) -> Path:
    secret = tmp_path / "secret" / "pgss.csv"
    secret.parent.mkdir()
    secret.write_text(b.csv_text(b.make_rows(b.PG16, 2, query=["SELECT 'TOP-SECRET'", "SELECT 2"])))
    return secret


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink"])
@pytest.mark.parametrize("key", ["snapshots", "catalog", "schema"])
def test_bundle_paths_must_stay_inside_the_bundle(
    key: str, how: str, tmp_path: Path, outside_secret: Path
) -> None:
    root = _bundle(tmp_path)
    if how == "absolute":
        name = str(outside_secret)
    elif how == "dotdot":
        name = "../secret/pgss.csv"
    else:
        (root / "link.csv").symlink_to(outside_secret)
        name = "link.csv"
    meta = yaml.safe_load((root / "bundle.yaml").read_text())
    if key == "snapshots":
        meta["snapshots"][1]["file"] = name
    else:
        meta[key] = name
    (root / "bundle.yaml").write_text(yaml.safe_dump(meta))
    code, stdout, stderr = run_cli(["report", str(root), "--format", "json"])
    assert "points outside the bundle" in one_line_error(code, stderr)
    assert "TOP-SECRET" not in stdout + stderr


def test_an_escaping_path_gives_the_same_error_whether_it_exists_or_not(
    tmp_path: Path, outside_secret: Path
) -> None:
    messages = []
    for name in (str(outside_secret), str(outside_secret) + ".missing"):
        root = _bundle(tmp_path / str(len(messages)))
        _edit_bundle(root, catalog=name)
        with pytest.raises(IngestError) as info:
            load_workload([root])
        messages.append(str(info.value).replace(name, "NAME").replace(str(root), "ROOT"))
    assert messages[0] == messages[1]


def test_a_bundle_snapshot_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    root = _bundle(tmp_path)
    os.mkfifo(root / "snapshots" / "fifo.csv")
    meta = yaml.safe_load((root / "bundle.yaml").read_text())
    meta["snapshots"][1]["file"] = "snapshots/fifo.csv"
    (root / "bundle.yaml").write_text(yaml.safe_dump(meta))
    with pytest.raises(IngestError, match="not a regular file"):
        load_workload([root])


def test_a_yaml_alias_in_bundle_yaml_is_refused_before_expansion(tmp_path: Path) -> None:
    root = _bundle(tmp_path)
    text = (root / "bundle.yaml").read_text()
    lol = ["a: &a [" + ",".join(["x"] * 10) + "]"]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lol.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    (root / "bundle.yaml").write_text(text + "bomb:\n  " + "\n  ".join(lol) + "\n")
    started = time.monotonic()
    with pytest.raises(IngestError, match="aliases"):
        load_workload([root])
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("description", {"nested": "mapping"}),
        ("notes", "not a list"),
        ("interrupted", "yes please"),
        ("database", [1, 2]),
        ("tool_version", ["x"]),
        ("settings", {"track": ["a", "list"]}),
    ],
)
def test_bundle_yaml_values_are_type_checked(key: str, value: object, tmp_path: Path) -> None:
    root = _bundle(tmp_path)
    _edit_bundle(root, **{key: value})
    with pytest.raises(IngestError, match=key):
        load_workload([root])


def test_gzip_expansion_stops_at_max_bytes(tmp_path: Path) -> None:
    body = b.csv_text(b.make_rows(b.PG16, 2)).encode() + b"\n" * (8 << 20)
    bomb = tmp_path / "pgss.csv.gz"
    bomb.write_bytes(gzip.compress(body, 9))
    assert bomb.stat().st_size < 100_000
    code, _, stderr = run_cli(["ingest", str(bomb), "--window", "1h", "--max-bytes", "1MiB"])
    assert "expands to more than 1,048,576 bytes" in one_line_error(code, stderr)


def test_a_plain_file_over_max_bytes_is_refused(export: Path) -> None:
    code, _, stderr = run_cli(["ingest", str(export), "--window", "1h", "--max-bytes", "100"])
    assert "more than 100 bytes" in one_line_error(code, stderr)


def test_the_gzip_expansion_in_an_upload_counts_against_the_cap(tmp_path: Path) -> None:
    import zipfile

    from dashboard.uploads import MAX_EXTRACTED_BYTES, materialise

    root = _bundle(tmp_path)
    snap = root / "snapshots" / "0001.csv"
    bomb = gzip.compress(snap.read_bytes() + b"\n" * (MAX_EXTRACTED_BYTES + (1 << 20)), 9)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(root / "bundle.yaml", "bundle/bundle.yaml")
        zf.write(root / "catalog.yaml", "bundle/catalog.yaml")
        zf.write(root / "snapshots" / "0000.csv", "bundle/snapshots/0000.csv")
        zf.writestr("bundle/snapshots/0001.csv", bomb)
    dest = tmp_path / "up"
    dest.mkdir()
    with pytest.raises(IngestError, match="expand"):
        materialise(buffer.getvalue(), "bundle.zip", dest)


def test_a_gzipped_export_upload_is_capped_by_its_expansion(tmp_path: Path) -> None:
    from dashboard.uploads import MAX_EXTRACTED_BYTES, materialise

    bomb = gzip.compress(b"query,calls,total_exec_time\n" + b"\n" * (MAX_EXTRACTED_BYTES + 1), 9)
    assert len(bomb) < 1 << 20
    with pytest.raises(IngestError, match="expand"):
        materialise(bomb, "pgss.csv.gz", tmp_path)


def test_query_texts_are_capped_at_1_mib_with_a_warning(tmp_path: Path) -> None:
    long = "SELECT " + ", ".join(f"c{i}" for i in range(200_000)) + " FROM t"
    assert len(long) > 1 << 20
    path = tmp_path / "pgss.csv"
    path.write_text(b.csv_text(b.make_rows(b.PG16, 2, query=[long, "SELECT 1"])))
    workload = load_workload([path], window="1h")
    texts = workload.statements["query"].tolist()
    assert max(len(t.encode()) for t in texts) <= 1 << 20
    assert any("1 query text" in note and "1 MiB" in note for note in workload.notes)


# ======================================================================== repeated inputs, --since


def test_the_same_file_twice_is_refused_when_merged(export: Path) -> None:
    code, _, stderr = run_cli(["report", str(export), str(export), "--merge", "--window", "1h"])
    assert "given twice" in one_line_error(code, stderr)


def test_a_second_path_to_the_same_file_is_refused(export: Path, tmp_path: Path) -> None:
    link = tmp_path / "again.csv"
    link.symlink_to(export)
    with pytest.raises(IngestError, match="given twice"):
        load_workload([export, link], window="1h")


def test_a_copy_of_the_same_export_is_merged_with_a_warning(export: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.csv"
    copy.write_bytes(export.read_bytes())
    workload = load_workload([export, copy], window="1h")
    assert any("same content" in note and "count twice" in note for note in workload.notes)


def test_the_same_cluster_twice_in_a_fleet_is_refused(export: Path) -> None:
    code, _, stderr = run_cli(["report", str(export), str(export), "--window", "1h"])
    assert "given twice" in one_line_error(code, stderr)


def test_since_from_another_server_is_refused_with_the_fix(tmp_path: Path) -> None:
    earlier = b.write(tmp_path / "a.csv", b.csv_text(b.make_rows(b.PG16, 20)), window=None)
    other = b.make_rows(b.PG16, 20)
    for index, row in enumerate(other):
        row["queryid"] = 10**12 + index
        row["calls"] = 10_000 + index
    later = b.write(tmp_path / "b.csv", b.csv_text(other), window=None)
    code, _, stderr = run_cli(["report", str(later), "--since", str(earlier), "--window", "1h"])
    line = one_line_error(code, stderr)
    assert "same server" in line and "fix:" in line


def test_since_from_the_same_server_still_works(tmp_path: Path) -> None:
    rows = b.make_rows(b.PG16, 20)
    earlier = b.write(tmp_path / "a.csv", b.csv_text(rows), window=None)
    for row in rows:
        row["calls"] = int(row["calls"]) * 2
        row["total_exec_time"] = float(row["total_exec_time"]) * 2
    later = b.write(tmp_path / "b.csv", b.csv_text(rows), window=None)
    workload = load_workload([later], since=earlier, window="1h")
    assert len(workload.statements) == 20
