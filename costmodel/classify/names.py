"""Name lists the classifier needs because pglast has no catalog.

Without a catalog a parse tree cannot say whether ``f(x)`` is an aggregate, a set-returning
function or a user function that writes, nor which node types are "DDL". These lists answer that by
name. They are heuristics on purpose: a user-defined aggregate called ``median`` is not counted, and
a user function that shadows a built-in name is taken for the built-in. Extending a list is the way
to teach the classifier a new name; no other module holds such names.
"""

from __future__ import annotations

from costmodel.core.profile import StatementKind

AGGREGATES: frozenset[str] = frozenset(
    {
        "count", "sum", "avg", "min", "max", "array_agg", "string_agg", "json_agg", "jsonb_agg",
        "json_agg_strict", "jsonb_agg_strict", "json_object_agg", "jsonb_object_agg",
        "json_object_agg_strict", "jsonb_object_agg_strict", "json_object_agg_unique",
        "jsonb_object_agg_unique", "json_object_agg_unique_strict", "jsonb_object_agg_unique_strict",
        "bool_and", "bool_or", "every", "bit_and", "bit_or", "bit_xor", "stddev", "stddev_pop",
        "stddev_samp", "variance", "var_pop", "var_samp", "corr", "covar_pop", "covar_samp",
        "regr_avgx", "regr_avgy", "regr_count", "regr_intercept", "regr_r2", "regr_slope", "regr_sxx",
        "regr_sxy", "regr_syy", "mode", "percentile_cont", "percentile_disc", "xmlagg", "range_agg",
        "range_intersect_agg", "any_value",
    }
)  # fmt: skip
"""Built-in aggregate functions (counted when called without OVER)."""

HYPOTHETICAL_SET_AGGREGATES: frozenset[str] = frozenset({"rank", "dense_rank", "percent_rank", "cume_dist"})
"""Window-function names that are aggregates when written ``… WITHIN GROUP (ORDER BY …)``."""

SEQUENCE_FUNCTIONS: frozenset[str] = frozenset({"nextval", "setval", "currval", "lastval"})
"""Sequence functions (Feature.NEXTVAL)."""

SEQUENCE_WRITERS: frozenset[str] = frozenset({"nextval", "setval"})
"""Sequence functions that change state: a SELECT calling them is a write."""

ADVISORY_LOCK_PREFIXES: tuple[str, ...] = ("pg_advisory", "pg_try_advisory")
"""``pg_advisory_lock``, ``pg_try_advisory_xact_lock_shared`` … (Feature.ADVISORY_LOCK)."""

NOTIFY_FUNCTIONS: frozenset[str] = frozenset({"pg_notify"})
"""Functions that send a NOTIFY (Feature.NOTIFY)."""

JSON_TYPES: frozenset[str] = frozenset({"json", "jsonb", "jsonpath"})
"""Type names that make a statement use json (Feature.JSONB)."""

JSON_FUNCTION_PREFIXES: tuple[str, ...] = ("json", "to_json", "row_to_json", "array_to_json")
"""Function-name prefixes of the json/jsonb function families (``jsonb_set``, ``to_jsonb`` …)."""

JSON_OPERATORS: frozenset[str] = frozenset({"->", "->>", "#>", "#>>", "#-", "?", "?|", "?&", "@?"})
"""Operators only json/jsonb define (``@>`` and ``@@`` are left out: arrays and text search use them)."""

SERIAL_TYPES: frozenset[str] = frozenset(
    {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}
)
"""Pseudo-types that create an owned sequence (Feature.SERIAL)."""

KNOWN_FUNCTIONS: frozenset[str] = frozenset(
    {
        # window functions
        "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
        "first_value", "last_value", "nth_value",
        # strings
        "lower", "upper", "length", "char_length", "character_length", "octet_length", "bit_length",
        "substr", "substring", "trim", "btrim", "ltrim", "rtrim", "replace", "concat", "concat_ws",
        "format", "left", "right", "lpad", "rpad", "position", "strpos", "split_part", "md5", "sha224",
        "sha256", "sha384", "sha512", "encode", "decode", "repeat", "reverse", "initcap", "translate",
        "quote_ident", "quote_literal", "quote_nullable", "ascii", "chr", "starts_with", "overlay",
        "unaccent", "similarity", "word_similarity", "soundex", "levenshtein", "digest", "hmac",
        "crypt", "gen_salt", "normalize", "casefold",
        # numbers
        "abs", "ceil", "ceiling", "floor", "round", "trunc", "mod", "power", "pow", "sqrt", "cbrt",
        "random", "setseed", "ln", "log", "log10", "exp", "sign", "width_bucket", "div", "gcd", "lcm",
        "pi", "degrees", "radians", "sin", "cos", "tan", "atan", "atan2", "greatest", "least",
        # time
        "now", "date_trunc", "date_part", "extract", "age", "clock_timestamp", "statement_timestamp",
        "transaction_timestamp", "timeofday", "justify_days", "justify_hours", "justify_interval",
        "date_bin", "isfinite", "timezone", "overlaps",
        # arrays, sets, ranges
        "unnest", "cardinality", "generate_series", "generate_subscripts", "string_to_array",
        "lower_inf", "upper_inf", "isempty", "range_merge", "int4range", "int8range", "numrange",
        "tsrange", "tstzrange", "daterange", "multirange",
        # ids, session, system
        "gen_random_uuid", "uuidv4", "uuidv7", "version", "current_setting", "set_config",
        "current_database", "current_schema", "current_schemas", "current_user", "session_user",
        "inet_client_addr", "inet_server_addr", "obj_description", "col_description", "format_type",
        "coalesce", "nullif", "num_nulls", "num_nonnulls", "row", "exists", "cast", "xmlelement",
        "xmlforest", "xmlparse", "xpath", "xmlserialize", "websearch_to_tsquery", "plainto_tsquery",
        "phraseto_tsquery", "ts_rank", "ts_rank_cd", "ts_headline", "setweight", "tsvector_to_array",
        "quote_all_identifiers", "nextval", "setval", "currval", "lastval",
    }
)  # fmt: skip
"""Built-in functions that neither write nor hide table access (besides aggregates)."""

KNOWN_FUNCTION_PREFIXES: tuple[str, ...] = (
    "pg_", "json", "to_", "array_", "regexp_", "date_", "make_", "txid_", "has_", "string_",
    "st_", "uuid_", "current_", "row_to_", "ts_", "xml",
)  # fmt: skip
"""Prefixes of built-in (or ubiquitous extension) function families."""

TRUNCATION_CAPS: frozenset[int] = frozenset(
    {1023, 1024, 2047, 2048, 4095, 4096, 8191, 8192, 16383, 16384, 32767, 32768, 65535, 65536}
)
"""Text lengths at which exporters cut query texts: ``track_activity_query_size`` (bytes incl. the
terminating NUL, default 1024), varchar/VARCHAR(n) columns and UI limits at powers of two, and the
32,767-character cell limit of spreadsheets (CSV exports round-tripped through Excel)."""

TRUNCATION_MULTIBYTE_SLACK: int = 3
"""A cut at a byte cap lands on a character boundary (``pg_mbcliplen``), so a non-ASCII text cut at
cap *c* may be up to 3 bytes shorter than *c* (a UTF-8 character is at most 4 bytes)."""

TRANSACTION_KINDS: dict[str, str] = {
    "TRANS_STMT_BEGIN": "begin",
    "TRANS_STMT_START": "begin",
    "TRANS_STMT_COMMIT": "commit",
    "TRANS_STMT_ROLLBACK": "rollback",
    "TRANS_STMT_SAVEPOINT": "savepoint",
    "TRANS_STMT_RELEASE": "release",
    "TRANS_STMT_ROLLBACK_TO": "rollback_to",
    "TRANS_STMT_PREPARE": "prepare",
    "TRANS_STMT_COMMIT_PREPARED": "commit_prepared",
    "TRANS_STMT_ROLLBACK_PREPARED": "rollback",
}
"""TransactionStmt kinds → ``transaction_control`` values (ROLLBACK PREPARED ends a transaction as a
rollback, so it shares that value)."""

DML_KINDS: dict[str, StatementKind] = {
    "SelectStmt": StatementKind.SELECT,
    "InsertStmt": StatementKind.INSERT,
    "UpdateStmt": StatementKind.UPDATE,
    "DeleteStmt": StatementKind.DELETE,
    "MergeStmt": StatementKind.MERGE,
}
"""Plannable statements, by node type."""

DDL_PREFIXES: tuple[str, ...] = (
    "Create",
    "Alter",
    "Drop",
    "Define",
    "Rename",
    "Comment",
    "Grant",
    "SecLabel",
)
"""Node-type prefixes of schema changes (``CreateStmt``, ``AlterTableStmt``, ``DropStmt`` …)."""

DDL_NODES: frozenset[str] = frozenset({"ViewStmt", "IndexStmt", "RuleStmt", "CompositeTypeStmt"})
"""Schema-change node types the prefixes miss."""

NOT_DDL_NODES: frozenset[str] = frozenset({"AlterSystemStmt"})
"""Node types matching a DDL prefix that are configuration, not schema (kind ``utility``)."""

LEADING_KEYWORD_KINDS: dict[str, StatementKind] = {
    "select": StatementKind.SELECT,
    "values": StatementKind.SELECT,
    "table": StatementKind.SELECT,
    "insert": StatementKind.INSERT,
    "update": StatementKind.UPDATE,
    "delete": StatementKind.DELETE,
    "merge": StatementKind.MERGE,
    "create": StatementKind.DDL,
    "alter": StatementKind.DDL,
    "drop": StatementKind.DDL,
    "begin": StatementKind.TRANSACTION,
    "start": StatementKind.TRANSACTION,
    "commit": StatementKind.TRANSACTION,
    "end": StatementKind.TRANSACTION,
    "rollback": StatementKind.TRANSACTION,
}
"""Kind guessed from the first word of a truncated text that no longer parses (``WITH`` stays
unknown: it may lead to a read or a write)."""
