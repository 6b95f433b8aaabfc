"""The known inventory of real open-source code (tests/audit/fixtures, each with its LICENSE and README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from costmodel.audit import audit_code
from costmodel.audit.model import CodeAudit

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def audit() -> CodeAudit:
    return audit_code(FIXTURES)


def _found(audit: CodeAudit, rule: str, where: str) -> bool:
    return any(f.id == rule and f.where == where for f in audit.findings)


def _site(audit: CodeAudit, where: str, kind: str | None = None):
    sites = [s for s in audit.sites if s.where == where and (kind is None or s.kind == kind)]
    assert sites, f"no write path or transaction at {where}: {[s.where for s in audit.sites]}"
    return sites[0]


def test_every_fixture_has_licence_and_source() -> None:
    for project in FIXTURES.iterdir():
        assert (project / "LICENSE").is_file(), project
        readme = (project / "README.md").read_text(encoding="utf-8")
        assert "https://github.com/" in readme and "commit" in readme, project


def test_languages_audited(audit: CodeAudit) -> None:
    assert {"python", "java", "go", "typescript", "sql"} <= set(audit.files)
    assert audit.lint_version, audit.lint_error


def test_for_update_in_orm_forms(audit: CodeAudit) -> None:
    assert _found(audit, "django_select_for_update", "healthchecks/hc/api/models.py:510")
    assert _found(audit, "sqlalchemy_with_for_update", "warehouse/warehouse/packaging/tasks.py:152")
    assert _found(audit, "sqlalchemy_with_for_update", "warehouse/warehouse/macaroons/services.py:241")
    test_file = "eugenp-tutorials/persistence-modules/hibernate-jpa/src/test/java/com/baeldung/hibernate/pessimisticlocking/BasicPessimisticLockingIntegrationTest.java"
    assert _found(audit, "jpa_lock_mode", f"{test_file}:54")  # query.setLockMode(PESSIMISTIC_WRITE)
    assert _found(audit, "jpa_lock_mode", f"{test_file}:95")  # em.find(..., PESSIMISTIC_WRITE)


def test_for_update_in_raw_sql(audit: CodeAudit) -> None:
    # gue's job queue: three Go raw-string queries ending in LIMIT 1 FOR UPDATE SKIP LOCKED / FOR UPDATE SKIP LOCKED
    for line in (207, 227, 248):
        assert _found(audit, "queue_lock_wait", f"gue/client.go:{line}")
    # graphile-worker: a TypeScript template string built from optional clauses (`${queueClause}`)
    assert _found(audit, "queue_lock_wait", "graphile-worker/src/sql/getJobs.ts:158")
    assert not any(f.path.endswith("README.md") for f in audit.findings)  # prose is not code


def test_serial_and_schema_in_migrations(audit: CodeAudit) -> None:
    assert _found(
        audit, "serial", "eugenp-tutorials/messaging-modules/postgres-notify/src/main/resources/schema.sql:1"
    )
    assert _found(audit, "django_auto_field", "healthchecks/hc/api/migrations/0001_initial.py:16")
    initial = "warehouse/warehouse/migrations/versions/283c68f2ab2_initial_migration.py"
    assert _found(audit, "alembic_integer_primary_key", f"{initial}:34")
    assert _found(audit, "alembic_create_index", f"{initial}:101")
    assert _found(audit, "create_index_sync", f"{initial}:703")  # raw CREATE INDEX in op.execute
    assert _found(audit, "create_index_sync", "gue/migrations/schema.sql:15")
    trigger = "warehouse/warehouse/migrations/versions/104b4c56862b_denormalize_serial_onto_project.py"
    assert _found(audit, "plpgsql", f"{trigger}:50")
    assert _found(audit, "trigger", f"{trigger}:76")
    assert _found(audit, "django_foreign_key", "healthchecks/hc/api/migrations/0001_initial.py:27")
    graphile = "graphile-worker/sql/000001.sql"  # psql variables (:GRAPHILE_WORKER_SCHEMA) read as names
    assert _found(audit, "serial", f"{graphile}:11")
    assert _found(audit, "create_index_sync", f"{graphile}:26")
    assert _found(audit, "trigger", f"{graphile}:35")
    assert _found(audit, "plpgsql", f"{graphile}:29")
    assert _found(audit, "jpa_stored_procedure",
                  "eugenp-tutorials/persistence-modules/spring-jpa/src/main/java/com/baeldung/annotations/PersonRepository.java:25")  # fmt: skip


def test_write_paths_with_and_without_retry(audit: CodeAudit) -> None:
    blog = "eugenp-tutorials/spring-boot-modules/spring-boot-annotations/src/main/java/com/baeldung/retryable/transactional/Blog.java"
    assert _site(audit, f"{blog}:39").retried  # @Transactional @Retryable publishArticle
    assert "java_retryable" in _site(audit, f"{blog}:39").via
    assert _site(audit, f"{blog}:51").retried  # retryTemplate.execute(... articles.save ...)
    assert not _site(audit, f"{blog}:61").retried  # create(): save without retry
    # Go: writes in the closure handed to crdb.ExecuteCtx retry on 40001; gue's writes do not
    retried = _site(audit, "cockroach-go/crdb/tx_test.go:58")
    assert retried.retried and "go_retry_helper" in retried.via
    assert not _site(audit, "gue/client.go:162").retried  # INSERT INTO gue_jobs
    assert not _site(audit, "gue/job.go:97").retried  # DELETE FROM gue_jobs
    assert not _site(audit, "healthchecks/hc/api/models.py:507", "transaction").retried
    # TypeScript: graphile-worker's withPgClient.withRetries retries 40001; plain withPgClient does not
    assert _site(audit, "graphile-worker/src/sql/failJobs.ts:118").retried
    assert (
        "uses text" in _site(audit, "graphile-worker/src/sql/getJobs.ts:158").via
    )  # `text` handed to withRetries
    assert not _site(audit, "graphile-worker/src/sql/failJobs.ts:41").retried
    assert not _site(audit, "graphile-worker/src/sql/completeJobs.ts:54").retried
    assert any(h.rule == "go_serialization_check" and h.line == 269 for h in audit.handlers)


def test_retry_in_a_caller_in_another_file(audit: CodeAudit) -> None:
    # movr-flask: transactions.py's units of work run through run_transaction in movr.py, which
    # imports them by name (from movr.transactions import start_ride_txn, …)
    for line, caller in ((28, 34), (84, 62), (134, 105)):
        site = _site(audit, f"movr-flask/movr/transactions.py:{line}")
        assert site.retried and f"python_retry_call at movr-flask/movr/movr.py:{caller}" in site.via
        assert "from another file" in site.via


def test_retry_wrapper_defined_by_the_application(audit: CodeAudit) -> None:
    # gavel: models/__init__.py defines with_retries (a SerializationFailure loop around its
    # argument); the controllers import it with `from gavel.models import *` and call with_retries(tx)
    judge = "gavel/gavel/controllers/judge.py"
    assert _site(audit, f"{judge}:92").retried  # db.session.add(decision) inside tx
    assert "python_retry_wrapper at line 98" in _site(audit, f"{judge}:97").via
    admin = "gavel/gavel/controllers/admin.py"
    assert "python_retry_wrapper at line 91" in _site(audit, f"{admin}:89").via
    assert not _site(audit, f"{admin}:198").retried  # setting(): db.session.commit() without it
    wrappers = [h for h in audit.handlers if h.rule == "python_retry_wrapper"]
    assert {h.path for h in wrappers} == {admin, judge} and len(wrappers) == 12


def test_spring_retry_needs_enable_retry(audit: CodeAudit, tmp_path: Path) -> None:
    # with the application class (@EnableRetry) in the tree, @Retryable is trusted without a note
    assert not any("EnableRetry" in n for n in audit.notes)
    assert not any(f.id == "java_enable_retry" for f in audit.findings)  # configuration, not a finding
    folder = (
        FIXTURES
        / "eugenp-tutorials/spring-boot-modules/spring-boot-annotations/src/main/java/com/baeldung/retryable/transactional"
    )
    (tmp_path / "Blog.java").write_bytes((folder / "Blog.java").read_bytes())  # the service alone
    alone = audit_code(tmp_path)
    assert alone.sites and any("no Spring Retry enabled (@EnableRetry)" in n for n in alone.notes)


def test_readme_and_licence_files_are_skipped_with_reason(audit: CodeAudit) -> None:
    reasons = {s.path: s.reason for s in audit.skipped}
    assert reasons["gue/LICENSE"].startswith("unsupported language")
