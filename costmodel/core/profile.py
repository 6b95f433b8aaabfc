"""The statement profile: closed sets and column names that classification adds to a Workload.

:func:`costmodel.classify.frame.classify` adds exactly the columns in :data:`PROFILE_COLUMNS` to
``Workload.statements``. Later stages (usage, pricing, readiness, contention, reports) read only
these names, so they are the contract between classify and everything downstream.
"""

from __future__ import annotations

from enum import StrEnum


class ParseStatus(StrEnum):
    """Whether a statement's text could be analysed."""

    OK = "ok"
    """Parsed; the profile columns are trustworthy."""
    PARSE_ERROR = "parse_error"
    """pglast rejected the text; ``parse_error`` holds the message. Profile columns are unknown."""
    TRUNCATED = "truncated"
    """The text looks cut by an exporter (length at a known cap, or ends mid-token); even if it
    parsed, its tables and flags are not trusted."""
    NO_TEXT = "no_text"
    """NULL or ``<insufficient privilege>`` text: costed from counters, never classified."""


class StatementKind(StrEnum):
    """What kind of statement this is (top-level node)."""

    SELECT = "select"
    """SELECT / VALUES / TABLE, including set operations and SELECT … FOR UPDATE."""
    INSERT = "insert"
    """INSERT, including INSERT … SELECT and upserts."""
    UPDATE = "update"
    """UPDATE."""
    DELETE = "delete"
    """DELETE."""
    MERGE = "merge"
    """MERGE."""
    DDL = "ddl"
    """Schema changes: CREATE/ALTER/DROP of tables, indexes, sequences, functions, triggers, views …"""
    UTILITY = "utility"
    """Other utility commands: VACUUM, ANALYZE, LISTEN/NOTIFY, SET, SHOW, COPY, TRUNCATE, LOCK, DO, CALL …"""
    TRANSACTION = "transaction"
    """Transaction control: BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, PREPARE TRANSACTION …"""
    UNKNOWN = "unknown"
    """Not parsed (see ``parse_status``)."""


class KeyShape(StrEnum):
    """How a write (or a point read) addresses rows: the input to the OCC conflict model."""

    CONSTANT = "constant"
    """Equality on a literal constant (``WHERE id = 1``): every call hits the same row(s)."""
    PARAMETER = "parameter"
    """Equality on parameters (``WHERE id = $1``): calls spread over the key space of the columns."""
    TENANT = "tenant"
    """Equality on a tenant-like leading column (``tenant_id``, ``account_id``, ``org_id`` …),
    possibly with more key columns: calls spread over tenants (or tenants × keys)."""
    RANGE = "range"
    """Only range/inequality predicates on the target: a span of rows per call."""
    WHOLE_TABLE = "whole_table"
    """No WHERE clause on an UPDATE/DELETE (or a SELECT … FOR UPDATE without one): every row."""
    NEW_ROWS = "new_rows"
    """INSERT of new rows without ON CONFLICT: conflicts only on duplicate keys."""
    UPSERT = "upsert"
    """INSERT … ON CONFLICT: conflicts when the conflict target key repeats (see ``key_columns``)."""
    NONE = "none"
    """Not applicable (plain reads without a point key, DDL, utility)."""
    UNKNOWN = "unknown"
    """Could not be determined (function calls, DO, unparsed text)."""


class LockStrength(StrEnum):
    """Row-locking clause of a SELECT (strongest one when several)."""

    FOR_UPDATE = "for_update"
    """FOR UPDATE: supported by DSQL, adjudicated as a write at commit."""
    FOR_NO_KEY_UPDATE = "for_no_key_update"
    """FOR NO KEY UPDATE: rejected by DSQL."""
    FOR_SHARE = "for_share"
    """FOR SHARE: rejected by DSQL."""
    FOR_KEY_SHARE = "for_key_share"
    """FOR KEY SHARE: supported by DSQL since 2026-08-25."""


class LockWait(StrEnum):
    """Wait policy of a locking clause."""

    SKIP_LOCKED = "skip_locked"
    """SKIP LOCKED: queue pattern; meaning changes under OCC (nothing is locked)."""
    NOWAIT = "nowait"
    """NOWAIT: fails instead of waiting; meaning changes under OCC."""


class Feature(StrEnum):
    """Constructs that matter for DSQL readiness or cost; a statement lists those it uses."""

    SERIAL = "serial"
    """SERIAL / BIGSERIAL / SMALLSERIAL column type."""
    IDENTITY = "identity"
    """GENERATED … AS IDENTITY column."""
    IDENTITY_NO_CACHE = "identity_no_cache"
    """Identity column without an explicit CACHE option."""
    SEQUENCE = "sequence"
    """CREATE/ALTER SEQUENCE."""
    SEQUENCE_NO_CACHE = "sequence_no_cache"
    """CREATE SEQUENCE without an explicit CACHE (DSQL needs CACHE 1 or >= 65536)."""
    NEXTVAL = "nextval"
    """Calls nextval()/setval()/currval()."""
    FOREIGN_KEY = "foreign_key"
    """Declares a foreign key."""
    TRIGGER = "trigger"
    """CREATE TRIGGER / CREATE EVENT TRIGGER."""
    PLPGSQL = "plpgsql"
    """CREATE FUNCTION/PROCEDURE in a non-SQL language."""
    DO_BLOCK = "do_block"
    """DO anonymous code block."""
    CALL = "call"
    """CALL of a procedure (opaque for read/write)."""
    TEMP_TABLE = "temp_table"
    """CREATE TEMP/TEMPORARY/UNLOGGED table or a reference to pg_temp."""
    TRUNCATE = "truncate"
    """TRUNCATE."""
    LISTEN = "listen"
    """LISTEN / UNLISTEN."""
    NOTIFY = "notify"
    """NOTIFY or pg_notify()."""
    SAVEPOINT = "savepoint"
    """SAVEPOINT / ROLLBACK TO SAVEPOINT / RELEASE SAVEPOINT."""
    SERIALIZABLE = "serializable"
    """BEGIN/START TRANSACTION … ISOLATION LEVEL SERIALIZABLE (or read committed / uncommitted)."""
    SET_TRANSACTION = "set_transaction"
    """SET TRANSACTION … or SET default_transaction_isolation."""
    ADVISORY_LOCK = "advisory_lock"
    """pg_advisory_* / pg_try_advisory_* function calls."""
    LOCK_TABLE = "lock_table"
    """LOCK TABLE."""
    CREATE_INDEX_SYNC = "create_index_sync"
    """CREATE INDEX without ASYNC (incl. CONCURRENTLY)."""
    MATVIEW = "matview"
    """CREATE / REFRESH MATERIALIZED VIEW."""
    CTAS = "ctas"
    """CREATE TABLE … AS."""
    SELECT_INTO = "select_into"
    """SELECT … INTO table."""
    PARTITIONING = "partitioning"
    """PARTITION BY / PARTITION OF."""
    INHERITS = "inherits"
    """INHERITS (…)."""
    EXTENSION = "extension"
    """CREATE/ALTER EXTENSION."""
    VACUUM = "vacuum"
    """VACUUM (ANALYZE alone is fine)."""
    CREATE_TYPE = "create_type"
    """CREATE TYPE (enum, composite, range)."""
    POLICY = "policy"
    """CREATE POLICY (row-level security)."""
    COPY = "copy"
    """COPY."""
    JSONB = "jsonb"
    """Uses json/jsonb types, operators or functions."""
    ARRAY_COLUMN = "array_column"
    """Declares an array-typed column."""
    MULTI_ROW_VALUES = "multi_row_values"
    """INSERT with more than one VALUES row."""
    WRITING_CTE = "writing_cte"
    """A data-modifying statement inside WITH."""


PROFILE_COLUMNS: dict[str, str] = {
    "fingerprint": "pglast fingerprint (hex str) of the text; None when not parsed",
    "parse_status": "ParseStatus value",
    "parse_error": "parser message, or None",
    "kind": "StatementKind value",
    "command": "top-level node name, e.g. 'SelectStmt', 'TransactionStmt:COMMIT', 'VariableSetStmt'",
    "is_write": "True when the statement changes data (DML, writing CTE, nextval, DDL); NA when unknown",
    "tables_read": "tuple[str, ...] of relations read (CTE names excluded), lower case, schema kept if given",
    "tables_written": "tuple[str, ...] of relations written",
    "join_count": "int: explicit JOINs + implicit (comma) joins",
    "join_types": "tuple[str, ...] among inner, left, right, full, cross, implicit",
    "subquery_count": "int: sublinks + subselects in FROM",
    "cte_count": "int",
    "aggregate_count": "int: aggregate function calls (name-list heuristic)",
    "has_window": "bool: window functions",
    "has_group_by": "bool",
    "has_order_by": "bool",
    "has_limit": "bool",
    "has_distinct": "bool",
    "set_operation": "bool: UNION / INTERSECT / EXCEPT",
    "lock_strength": "LockStrength value or None",
    "lock_wait": "LockWait value or None",
    "is_upsert": "bool: INSERT … ON CONFLICT",
    "has_returning": "bool",
    "set_returning_function": "bool: set-returning function in FROM",
    "values_rows": "int: rows in the VALUES list of an INSERT (0 when none)",
    "key_shape": "KeyShape value",
    "key_columns": "tuple[str, ...]: columns compared by equality (or the ON CONFLICT target)",
    "tenant_column": "str or None: the tenant-like column when key_shape is tenant",
    "features": "tuple[str, ...] of Feature values, sorted",
    "transaction_control": "None or begin|commit|rollback|savepoint|release|rollback_to|prepare|commit_prepared",
}
"""Every column classification adds, with its type and meaning."""

TENANT_COLUMN_NAMES: tuple[str, ...] = (
    "tenant_id",
    "tenant",
    "account_id",
    "org_id",
    "organization_id",
    "organisation_id",
    "workspace_id",
    "customer_id",
    "company_id",
    "team_id",
    "project_id",
    "shop_id",
    "store_id",
)
"""Column names treated as tenant keys when they lead an equality predicate."""
