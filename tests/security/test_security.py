"""Security review, as assertions: secrets, spreadsheet formulas, YAML, output paths, literals.

* **DSN and password redaction** — ``redact_dsn`` for every spelling (URL userinfo, ``?password=``,
  ``password=…``/``sslpassword=…``, quoted values, an unencoded ``@``); ``collect`` errors on the CLI;
  a live collection against the throw-away PostgreSQL: stdout, stderr, Python logs, every file of
  the bundle and the report/ingest output of that bundle never hold the password.
* **CSV formula injection** — every cell of every CSV the report writes (and ``classify --format
  csv``) that starts with ``= + - @`` TAB CR (or a full-width twin) is a plain number; hostile query
  texts, ``--`` comments and database names like ``@SUM(1+1)`` are prefixed with ``'``; numbers stay
  numbers.
* **YAML** — no unsafe loader, ``eval``/``exec``, pickle or shell anywhere in the code (AST scan);
  ``!!python/…`` tags in a scenario, price override, calibration, export metadata, bundle.yaml or
  catalog.yaml are refused with a one-line error naming the file, and never executed.
* **--out** — a directory where a file is expected and vice versa, a missing parent, a name too long,
  a directory in the way of one CSV, a symlink: exit 2 with one line, nothing partial left behind,
  a symlink refused (neither followed nor replaced).
* **Literals** — ``ALTER ROLE … PASSWORD '…'`` and friends never appear in table, JSON, CSV,
  Markdown or HTML reports, nor in ``classify`` or ``readiness`` output, unless ``--show-literals``.

The dashboard's binding, authentication and upload limits are in ``test_security_dashboard.py``.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from costmodel.collect.options import redact_dsn, scrub
from costmodel.core.errors import CostModelError, ReportError
from costmodel.report.safe import FORMULA_TRIGGERS, neutralise, number_cell
from tests.conftest import PgDatabase
from tests.data.ingest import builders as b
from tests.security.support import run_cli

REPO = Path(__file__).resolve().parents[2]
CODE_DIRS = ("costmodel", "dashboard")


def assert_one_line_error(code: int, stderr: str, command: str) -> None:
    assert code == 2, stderr
    assert stderr.count("\n") == 1 and stderr.endswith("\n"), stderr
    assert stderr.startswith(f"dsqlcost {command}: error: "), stderr
    assert "Traceback" not in stderr


# ======================================================================== DSN and password redaction

DSN_CASES = [
    ("postgresql://app:s3cret-pw@db.example:5432/app?sslmode=require", "s3cret-pw",
     "postgresql://app:***@db.example:5432/app?sslmode=require"),
    ("postgres://app:s3cret-pw@db/app", "s3cret-pw", "postgres://app:***@db/app"),
    ("POSTGRESQL://app:s3cret-pw@db/app", "s3cret-pw", "POSTGRESQL://app:***@db/app"),
    ("postgresql://app:p%40ss%2Fw0rd@db/app", "p%40ss%2Fw0rd", "postgresql://app:***@db/app"),
    ("postgresql://app:s3cr@t-tail@db:5432/app", "t-tail", "postgresql://app:***@db:5432/app"),
    ("postgresql://:only-pw@db/app", "only-pw", "postgresql://:***@db/app"),
    ("postgresql://app@db/app?password=q-secret&sslmode=require", "q-secret",
     "postgresql://app@db/app?password=***&sslmode=require"),
    ("host=db user=app password=kv-secret dbname=app", "kv-secret", "host=db user=app password=*** dbname=app"),
    ("host=db user=app password = 'kv secret \\' quoted' dbname=app", "kv secret",
     "host=db user=app password = *** dbname=app"),
    ("host=db PASSWORD=Upper-Secret", "Upper-Secret", "host=db PASSWORD=***"),
    ("host=db sslpassword=key-passphrase user=app", "key-passphrase", "host=db sslpassword=*** user=app"),
    ("postgresql://app@db/app?sslpassword=key-passphrase", "key-passphrase",
     "postgresql://app@db/app?sslpassword=***"),
    ("from postgresql://a:first-pw@h1/db to postgresql://b:second-pw@h2/db", "first-pw",
     "from postgresql://a:***@h1/db to postgresql://b:***@h2/db"),
]  # fmt: skip


@pytest.mark.parametrize(("dsn", "secret", "expected"), DSN_CASES, ids=[c[1] for c in DSN_CASES])
def test_redact_dsn_hides_every_password_spelling(dsn: str, secret: str, expected: str) -> None:
    redacted = redact_dsn(dsn)
    assert secret not in redacted
    assert redacted == expected


@pytest.mark.parametrize(
    "dsn", ["postgresql://app@db:5432/app", "host=db user=app dbname=app", "postgresql:///app?host=/run/pg"]
)
def test_redact_dsn_leaves_password_free_connection_strings_alone(dsn: str) -> None:
    assert redact_dsn(dsn) == dsn


def test_scrub_hides_known_secret_values_anywhere() -> None:
    text = 'FATAL: password authentication failed for user "app" (tried "hunter2") via postgresql://app:hunter2@db/x'
    scrubbed = scrub(text, ("hunter2",))
    assert "hunter2" not in scrubbed
    assert 'user "app"' in scrubbed


@pytest.mark.parametrize(
    "dsn",
    [
        "postgresql://app:Cli-S3cret@127.0.0.1:1/app",
        "host=127.0.0.1 port=1 user=app password='Cli-S3cret' dbname=app",
        "postgresql://app:Cli-S3cret@127.0.0.1:notaport/app",
        "postgresql://app:Cli@S3cret@127.0.0.1:1/app",
    ],
    ids=["url", "keyword", "malformed", "unencoded-at"],
)
def test_collect_errors_never_show_the_password(
    dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSWORD", "Env-S3cret")
    out = tmp_path / "bundle"
    code, stdout, stderr = run_cli(["collect", "--dsn", dsn, "--out", str(out), "--once", "--no-schema"])
    assert_one_line_error(code, stderr, "collect")
    for secret in ("Cli-S3cret", "S3cret", "Env-S3cret"):
        assert secret not in stdout + stderr
    assert not out.exists(), "a failed collection leaves no bundle directory behind"


def test_an_unencoded_at_in_a_url_password_is_refused_before_connecting(tmp_path: Path) -> None:
    """Regression: libpq cuts the password at the first '@' and prints the rest as the host name."""
    dsn = "postgresql://app:first@tail-S3cret@127.0.0.1:5432/app"
    code, stdout, stderr = run_cli(["collect", "--dsn", dsn, "--out", str(tmp_path / "b"), "--once"])
    assert_one_line_error(code, stderr, "collect")
    assert "unencoded '@'" in stderr and "%40" in stderr
    assert "tail-S3cret" not in stderr + stdout and "first" not in stderr


@pytest.fixture
def secret_role(pg_db: PgDatabase) -> tuple[str, str]:
    """A login role allowed to read pg_stat_statements, whose password is full of URL delimiters."""
    password = "p@ss:w0rd/ü?#&'%Z9"
    role = f"secret_{pg_db.name}"
    pg_db.server.execute(f'DROP ROLE IF EXISTS "{role}"')
    pg_db.server.create_role(role, password, grants=["pg_read_all_stats"])
    pg_db.server.execute(f'GRANT CONNECT ON DATABASE "{pg_db.name}" TO "{role}"')
    pg_db.server.execute(f'GRANT CREATE ON SCHEMA public TO "{role}"', dbname=pg_db.name)
    return role, password


def _bundle_text(root: Path) -> str:
    import gzip

    parts = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            parts.append((gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8", "replace"))
    return "\n".join(parts)


def test_live_collect_keeps_the_password_out_of_everything(
    pg_db: PgDatabase, secret_role: tuple[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    role, password = secret_role
    server = pg_db.server
    dsn = f"postgresql://{role}:{quote(password, safe='')}@127.0.0.1:{server.port}/{pg_db.name}"
    forms = {password, quote(password, safe=""), quote(password)}
    out = tmp_path / "bundle"
    caplog.set_level(logging.DEBUG)
    code, stdout, stderr = run_cli(["collect", "--dsn", dsn, "--out", str(out), "--once"])
    assert code == 0, stderr
    bundle = yaml.safe_load((out / "bundle.yaml").read_text(encoding="utf-8"))
    assert bundle["collected_from"].startswith(f"postgresql://{role}@127.0.0.1:{server.port}/")
    texts = {
        "stdout": stdout,
        "stderr": stderr,
        "logs": caplog.text,
        "bundle files": _bundle_text(out),
    }
    for fmt in ("json", "markdown"):
        code, report, err = run_cli(["report", str(out), "--format", fmt, "--window", "1h"])
        assert code == 0, err
        texts[f"report {fmt}"] = report + err
    code, summary, err = run_cli(["ingest", str(out), "--format", "json"])
    assert code == 0, err
    texts["ingest json"] = summary
    for where, text in texts.items():
        for form in forms:
            assert form not in text, f"the password appears in {where}"

    # a wrong password: the error names the role, never the password tried
    wrong = dsn.replace(quote(password, safe=""), quote("Wr0ng@pw", safe=""))
    code, stdout, stderr = run_cli(["collect", "--dsn", wrong, "--out", str(tmp_path / "b2"), "--once"])
    assert_one_line_error(code, stderr, "collect")
    assert "password authentication failed" in stderr
    assert "Wr0ng" not in stderr + stdout and quote("Wr0ng@pw", safe="") not in stderr
    assert not (tmp_path / "b2").exists()


# ======================================================================== hostile workload export

HOSTILE_TEXTS = (
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-- leading comment\nSELECT 1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tSELECT 2",
    "\rSELECT 3",
    " =1+1",
    "\uff1d1+1",
    "SELECT id FROM accounts WHERE id = $1",
)
SECRET_TEXTS = (
    "ALTER ROLE app PASSWORD 'hunter2-secret'",
    "CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'u', password 'mapping-secret')",
    "COMMENT ON TABLE accounts IS 'comment-secret'",
    "SELECT * FROM accounts WHERE ssn = '123-45-6789-secret' FOR UPDATE",
    "DO $$ BEGIN PERFORM 'dollar-secret'; END $$",
    "ALTER ROLE y PASSWORD 'truncated-secret",
    "CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'host-secret.internal')",
    "UPDATE accounts SET note = E'escaped\\'-secret' WHERE id = 7",
)
SECRETS = ("hunter2", "mapping-secret", "comment-secret", "6789-secret", "dollar-secret", "truncated-secret",
           "host-secret", "escaped")  # fmt: skip
HOSTILE_DATABASES = ("@SUM(1+1)", '=HYPERLINK("http://x")', "-db", "+db", "app")


@pytest.fixture(scope="module")
def hostile_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PG16-style CSV export whose texts, database and role names attack spreadsheets, plus secrets."""
    texts = (*HOSTILE_TEXTS, *SECRET_TEXTS)
    rows = b.make_rows(b.PG16, len(texts), query=list(texts))
    for index, row in enumerate(rows):
        row["datname"] = HOSTILE_DATABASES[index % len(HOSTILE_DATABASES)]
        row["rolname"] = "=cmd|' /C calc'!A0" if index % 2 else "@rol"
    path = tmp_path_factory.mktemp("hostile") / "pgss.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")  # CR in a text is then quoted, as psql does
        writer.writerow(list(rows[0]))
        writer.writerows([b._text(v) for v in row.values()] for row in rows)
    return path


@pytest.fixture(scope="module")
def csv_report(hostile_export: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[list[str]]]:
    out = tmp_path_factory.mktemp("csv") / "report"
    code, _stdout, stderr = run_cli(
        [
            "report",
            str(hostile_export),
            "--window",
            "1h",
            "--format",
            "csv",
            "--out",
            str(out),
            "--show-literals",
        ]
    )
    assert code == 0, stderr
    tables = {}
    for path in sorted(out.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            tables[path.name] = list(csv.reader(handle))
    assert {"options.csv", "line_items.csv", "statements.csv", "findings.csv"} <= set(tables)
    return tables


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return re.fullmatch(r"-?\d+(\.\d+)?", text) is not None


def _could_start_a_formula(cell: str) -> bool:
    return bool(cell) and (cell[0] in FORMULA_TRIGGERS or cell.lstrip(" ")[:1] in FORMULA_TRIGGERS)


def test_every_csv_cell_that_could_start_a_formula_is_a_plain_number(
    csv_report: dict[str, list[list[str]]],
) -> None:
    checked = 0
    for name, rows in csv_report.items():
        for line, row in enumerate(rows, start=1):
            for cell in row:
                checked += 1
                if _could_start_a_formula(cell):
                    assert _is_number(cell), f"{name}:{line}: formula-like cell {cell!r}"
    assert checked > 500


def test_hostile_texts_and_names_are_neutralised_not_dropped(csv_report: dict[str, list[list[str]]]) -> None:
    statements = csv_report["statements.csv"]
    header = statements[0]
    queries = [row[header.index("query")] for row in statements[1:]]
    for text in HOSTILE_TEXTS:
        if _could_start_a_formula(text):
            assert "'" + text in queries, f"{text!r} is missing or not neutralised"
    assert "SELECT id FROM accounts WHERE id = $1" in queries  # harmless text untouched
    cells = {cell for rows in csv_report.values() for row in rows for cell in row}
    assert "'@SUM(1+1)" in cells and "@SUM(1+1)" not in cells
    assert '\'=HYPERLINK("http://x")' in cells


def test_numbers_stay_numbers_in_the_csv(csv_report: dict[str, list[list[str]]]) -> None:
    for name, column in (
        ("options.csv", "total_monthly_usd"),
        ("line_items.csv", "monthly_usd"),
        ("statements.csv", "calls_observed"),
        ("statements.csv", "dsql_monthly_usd"),
    ):
        rows = csv_report[name]
        index = rows[0].index(column)
        values = [row[index] for row in rows[1:] if row[index] != ""]
        assert values, f"{name}: {column} is empty"
        assert all(_is_number(v) for v in values), f"{name}: {column} holds non-numbers: {values[:5]}"
    line_items = csv_report["line_items.csv"]
    usd = line_items[0].index("monthly_usd")
    negatives = [row[usd] for row in line_items[1:] if row[usd].startswith("-")]
    assert all(_is_number(v) for v in negatives)  # a credit is a negative number, not text


def test_classify_csv_neutralises_formula_cells(hostile_export: Path) -> None:
    code, stdout, stderr = run_cli(
        ["classify", str(hostile_export), "--window", "1h", "--format", "csv", "--show-literals"]
    )
    assert code == 0, stderr
    rows = list(csv.reader(io.StringIO(stdout, newline="")))
    assert len(rows) == 1 + len(HOSTILE_TEXTS) + len(SECRET_TEXTS)  # a bare CR in a text is quoted
    for row in rows:
        for cell in row:
            if _could_start_a_formula(cell):
                assert _is_number(cell), f"formula-like cell {cell!r}"
    assert any(cell == "'=cmd|' /C calc'!A0" for row in rows for cell in row)


@pytest.mark.parametrize("trigger", sorted(FORMULA_TRIGGERS))
def test_neutralise_covers_every_trigger_and_leaves_numbers_alone(trigger: str) -> None:
    assert neutralise(f"{trigger}cmd") == f"'{trigger}cmd"
    assert neutralise(f"  {trigger}cmd") == f"'  {trigger}cmd"
    assert neutralise("SELECT 1") == "SELECT 1"
    assert number_cell(-12.5) == "-12.5"
    assert number_cell(8e-06) == "0.000008"


# ======================================================================== YAML and code execution

UNSAFE_CALLS = {
    ("yaml", "load"), ("yaml", "unsafe_load"), ("yaml", "full_load"), ("yaml", "load_all"),
    ("yaml", "unsafe_load_all"), ("yaml", "full_load_all"), ("os", "system"), ("os", "popen"),
    ("marshal", "loads"), ("shelve", "open"),
}  # fmt: skip
UNSAFE_NAMES = {"eval", "exec", "__import__"}
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill"}
SAFE_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader"}


def _python_files() -> Iterator[Path]:
    for folder in CODE_DIRS:
        yield from sorted((REPO / folder).rglob("*.py"))


def test_the_shared_yaml_loader_is_a_safe_one() -> None:
    """costmodel.core.yamlio builds its loader directly (no ``yaml.load`` call to grep for): check the class."""
    from costmodel.core.yamlio import SAFE_LOADER, safe_load

    assert SAFE_LOADER.__name__ in SAFE_LOADERS
    assert issubclass(SAFE_LOADER, yaml.constructor.SafeConstructor)
    assert not issubclass(SAFE_LOADER, yaml.constructor.FullConstructor)
    with pytest.raises(yaml.constructor.ConstructorError):
        safe_load("x: !!python/object/apply:os.system ['true']")
    assert safe_load("a: [1, 2]\nb: {c: d}\n") == {"a": [1, 2], "b": {"c": "d"}}


def test_the_code_never_loads_yaml_unsafely_evaluates_code_or_unpickles() -> None:
    files = list(_python_files())
    assert len(files) > 50
    problems: list[str] = []
    for path in files:
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(REPO)
        for pattern in (r"yaml\.load\(", r"yaml\.unsafe_load", r"yaml\.full_load", r"\bpickle\b"):
            if re.search(pattern, source):
                problems.append(f"{where}: matches {pattern}")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + (
                    [node.module] if isinstance(node, ast.ImportFrom) else []
                )
                if any(str(n).split(".")[0] in UNSAFE_MODULES for n in names if n):
                    problems.append(f"{where}:{node.lineno}: imports {names}")
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in UNSAFE_NAMES:
                problems.append(f"{where}:{node.lineno}: calls {func.id}()")
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and (func.value.id, func.attr) in UNSAFE_CALLS
            ):
                problems.append(f"{where}:{node.lineno}: calls {func.value.id}.{func.attr}()")
            for keyword in node.keywords:
                if keyword.arg == "shell" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False
                ):
                    problems.append(f"{where}:{node.lineno}: shell= in a subprocess call")
                if keyword.arg == "Loader":
                    name = ast.unparse(keyword.value).split(".")[-1]
                    if name not in SAFE_LOADERS:
                        problems.append(f"{where}:{node.lineno}: YAML Loader={name}")
    assert not problems, "\n".join(problems)


PAYLOADS = {
    "apply": "!!python/object/apply:os.system ['touch {marker}']",
    "new": "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
    "name": "!!python/name:os.system",
    "module": "!!python/module:os",
}


def _hostile_yaml(marker: Path, payload: str, key: str) -> str:
    return f"{key}: {PAYLOADS[payload].format(marker=marker)}\n"


def _export(directory: Path) -> Path:
    path = directory / "pgss.csv"
    path.write_text(b.csv_text(b.make_rows(b.PG16, 3)), encoding="utf-8")
    return path


def _load_scenario(tmp: Path, text: str) -> Path:
    from costmodel.scenario.model import load_scenario

    path = tmp / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    load_scenario(str(path))
    return path


def _load_prices(tmp: Path, text: str) -> Path:
    from costmodel.core.catalog import load_catalog

    path = tmp / "prices.yaml"
    path.write_text(text, encoding="utf-8")
    load_catalog([path])
    return path


def _load_calibration(tmp: Path, text: str) -> Path:
    from costmodel.pricing.calibration import load_calibration

    path = tmp / "calibration.yaml"
    path.write_text(text, encoding="utf-8")
    load_calibration(path)
    return path


def _load_meta(tmp: Path, text: str) -> Path:
    from costmodel.ingest.load import load_workload

    export = _export(tmp)
    path = tmp / "pgss.csv.meta.yaml"
    path.write_text(text, encoding="utf-8")
    load_workload([export])
    return path


def _bundle_dir(tmp: Path) -> Path:
    rows = b.make_rows(b.PG16, 3)
    return b.bundle(
        tmp / "bundle",
        [("2026-11-27T08:00:00Z", rows), ("2026-11-27T09:00:00Z", rows)],
        catalog={"tables": {}},
    )


def _load_bundle_yaml(tmp: Path, text: str) -> Path:
    from costmodel.ingest.load import load_workload

    root = _bundle_dir(tmp)
    (root / "bundle.yaml").write_text(text, encoding="utf-8")
    load_workload([root])
    return root / "bundle.yaml"


def _load_catalog_yaml(tmp: Path, text: str) -> Path:
    from costmodel.ingest.load import load_workload

    root = _bundle_dir(tmp)
    (root / "catalog.yaml").write_text(text, encoding="utf-8")
    load_workload([root])
    return root / "catalog.yaml"


LOADERS = {
    "scenario": (_load_scenario, "growth"),
    "prices": (_load_prices, "service"),
    "calibration": (_load_calibration, "format"),
    "export metadata": (_load_meta, "window"),
    "bundle.yaml": (_load_bundle_yaml, "format"),
    "catalog.yaml": (_load_catalog_yaml, "tables"),
}


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_python_yaml_tags_are_refused_never_executed(loader: str, payload: str, tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    load, key = LOADERS[loader]
    with pytest.raises(CostModelError) as caught:
        load(tmp_path, _hostile_yaml(marker, payload, key))
    text = str(caught.value)
    assert "\n" not in text
    assert re.search(r"(scenario|prices|calibration|meta|bundle|catalog)\.yaml", text), text
    assert not marker.exists(), "the YAML payload was executed"


@pytest.mark.parametrize(
    ("option", "name"),
    [("--scenario", "scenario.yaml"), ("--prices", "prices.yaml"), ("--calibration", "calibration.yaml")],
)
def test_hostile_yaml_through_the_report_command(option: str, name: str, tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    hostile = tmp_path / name
    hostile.write_text(_hostile_yaml(marker, "apply", "growth"), encoding="utf-8")
    code, _, stderr = run_cli(["report", str(_export(tmp_path)), "--window", "1h", option, str(hostile)])
    assert_one_line_error(code, stderr, "report")
    assert name in stderr
    assert not marker.exists()


def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """Nested aliases (a 'billion laughs', 9**8 values) are refused by the shape check, never expanded."""
    import time

    items = ["&a [" + ", ".join(["1"] * 9) + "]"]
    for previous, name in zip("abcdefg", "bcdefgh"):
        items.append(f"&{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    bomb = "time_profile:\n  kind: custom\n  hour_weights: [" + ", ".join(items) + "]\n"
    started = time.perf_counter()
    with pytest.raises(CostModelError, match="hour_weights"):
        _load_scenario(tmp_path, bomb)
    assert time.perf_counter() - started < 10


# ======================================================================== --out handling


@pytest.fixture(scope="module")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _export(tmp_path_factory.mktemp("small"))


def _report(export: Path, *args: str) -> tuple[int, str, str]:
    return run_cli(["report", str(export), "--window", "1h", *args])


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "html"])
def test_a_directory_given_for_a_file_format_is_refused(fmt: str, small_export: Path, tmp_path: Path) -> None:
    target = tmp_path / "existing"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    code, _, stderr = _report(small_export, "--format", fmt, "--out", str(target))
    assert_one_line_error(code, stderr, "report")
    assert "is a directory" in stderr
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]


def test_a_file_given_for_csv_is_refused_and_kept(small_export: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("mine")
    code, _, stderr = _report(small_export, "--format", "csv", "--out", str(target))
    assert_one_line_error(code, stderr, "report")
    assert "is a file, not a directory" in stderr
    assert target.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


@pytest.mark.parametrize(("fmt", "name"), [("json", "r.json"), ("html", "r.html"), ("csv", "csvdir")])
def test_a_missing_parent_folder_is_refused_and_nothing_created(
    fmt: str, name: str, small_export: Path, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "deeper" / name
    code, _, stderr = _report(small_export, "--format", fmt, "--out", str(target))
    assert_one_line_error(code, stderr, "report")
    assert "does not exist" in stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_name_too_long_is_one_line_not_a_traceback(fmt: str, small_export: Path, tmp_path: Path) -> None:
    """Regression: the OSError (ENAMETOOLONG) escaped as a traceback."""
    target = tmp_path / ("x" * 300 + (".json" if fmt == "json" else ""))
    code, _, stderr = _report(small_export, "--format", fmt, "--out", str(target))
    assert_one_line_error(code, stderr, "report")
    assert "too long" in stderr
    assert list(tmp_path.iterdir()) == []


def test_csv_with_a_directory_in_the_way_leaves_no_partial_export(small_export: Path, tmp_path: Path) -> None:
    """Regression: options.csv and line_items.csv were left behind when statements.csv failed."""
    out = tmp_path / "out"
    (out / "statements.csv").mkdir(parents=True)
    code, _, stderr = _report(small_export, "--format", "csv", "--out", str(out))
    assert_one_line_error(code, stderr, "report")
    assert "statements.csv" in stderr
    assert sorted(p.name for p in out.iterdir()) == ["statements.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging directory left


def test_csv_failing_midway_removes_the_directory_it_created(
    small_export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import costmodel.report as report_module

    real = report_module.write_csv

    def fail_after_two(report: Any, out_dir: Path, **kw: Any) -> list[Path]:
        written = real(report, out_dir, **kw)[:2]
        assert all(p.exists() for p in written)
        raise ReportError("disk full (simulated)", file=str(written[-1]))

    monkeypatch.setattr(report_module, "write_csv", fail_after_two)
    code, _, stderr = _report(small_export, "--format", "csv", "--out", str(tmp_path / "new"))
    assert_one_line_error(code, stderr, "report")
    assert list(tmp_path.iterdir()) == []


def test_a_bad_export_writes_no_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("query,calls,total_exec_time\nSELECT 1,lots,1\n")
    for fmt, out in (("json", tmp_path / "r.json"), ("csv", tmp_path / "csvdir")):
        code, _, stderr = run_cli(["report", str(bad), "--window", "1h", "--format", fmt, "--out", str(out)])
        assert_one_line_error(code, stderr, "report")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_an_out_symlink_is_refused_not_followed_nor_replaced(small_export: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "report.json"
    link.symlink_to(victim)
    code, _stdout, stderr = _report(small_export, "--format", "json", "--out", str(link))
    assert_one_line_error(code, stderr, "report")
    assert "symbolic link" in stderr
    assert victim.read_text() == "precious"
    assert link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "victim.txt"]  # no temp files


def test_writing_over_an_existing_csv_export_replaces_its_files(small_export: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    for _ in range(2):
        code, stdout, stderr = _report(small_export, "--format", "csv", "--out", str(out))
        assert code == 0, stderr
    listed = [Path(line) for line in stdout.splitlines()]
    assert listed and all(p.parent == out and p.is_file() for p in listed)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in listed)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv"]


# ======================================================================== literals


@pytest.fixture(scope="module")
def report_texts(hostile_export: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every report format of the hostile export, with default options (literals redacted)."""
    tmp = tmp_path_factory.mktemp("formats")
    texts = {}
    for fmt in ("table", "json", "markdown", "html"):
        out = tmp / f"report.{fmt}"
        code, _, stderr = run_cli(
            [
                "report",
                str(hostile_export),
                "--window",
                "1h",
                "--format",
                fmt,
                "--out",
                str(out),
                "--width",
                "200",
            ]
        )
        assert code == 0, stderr
        texts[fmt] = out.read_text(encoding="utf-8")
    code, _, stderr = run_cli(
        ["report", str(hostile_export), "--window", "1h", "--format", "csv", "--out", str(tmp / "csv")]
    )
    assert code == 0, stderr
    texts["csv"] = "\n".join(p.read_text(encoding="utf-8-sig") for p in sorted((tmp / "csv").glob("*.csv")))
    code, shown, stderr = run_cli(
        ["report", str(hostile_export), "--window", "1h", "--format", "json", "--show-literals"]
    )
    assert code == 0, stderr
    texts["json --show-literals"] = shown
    return texts


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "html", "csv"])
def test_literals_are_redacted_in_every_report_format(fmt: str, report_texts: dict[str, str]) -> None:
    text = report_texts[fmt]
    assert "ALTER ROLE" in text or fmt == "table", "the secret-bearing statements are in the report"
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaks into the {fmt} report"


def test_show_literals_keeps_them(report_texts: dict[str, str]) -> None:
    text = report_texts["json --show-literals"]
    assert "hunter2-secret" in text and "mapping-secret" in text


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_classify_redacts_literals_unless_asked(fmt: str, hostile_export: Path) -> None:
    base = ["classify", str(hostile_export), "--window", "1h", "--format", fmt]
    code, stdout, stderr = run_cli(base)
    assert code == 0, stderr
    for secret in SECRETS:
        assert secret not in stdout
    code, shown, stderr = run_cli([*base, "--show-literals"])
    assert code == 0, stderr
    assert "hunter2-secret" in shown


def test_classify_redacts_the_text_quoted_in_parse_errors(hostile_export: Path) -> None:
    """Regression: pglast's message quotes the text near the error (``at or near "'truncated-secret"``)."""
    code, stdout, stderr = run_cli(["classify", str(hostile_export), "--window", "1h", "--format", "json"])
    assert code == 0, stderr
    errors = [s["parse_error"] for s in json.loads(stdout)["statements"] if s.get("parse_error")]
    assert any('at or near "$1"' in e for e in errors), errors
    assert not any("secret" in e for e in errors)


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_readiness_redacts_literals_unless_asked(fmt: str, hostile_export: Path) -> None:
    """Regression: readiness printed sample queries and hot-spot texts with their literals."""
    base = ["readiness", str(hostile_export), "--window", "1h", "--format", fmt]
    code, stdout, stderr = run_cli(base)
    assert code == 0, stderr
    assert "ALTER ROLE" in stdout or fmt == "table"
    for secret in SECRETS:
        assert secret not in stdout, f"{secret!r} leaks into readiness {fmt}"
    code, shown, stderr = run_cli([*base, "--show-literals"])
    assert code == 0, stderr
    assert "hunter2-secret" in shown
