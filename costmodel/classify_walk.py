"""The classifier's tree walk over pglast's JSON parse tree.

:func:`analyse` takes the ``stmts`` list of ``json.loads(pglast.parser.parse_sql_json(text))`` and
returns the profile fields that depend on the tree. It walks plain dicts with one explicit stack and
a table of handlers keyed by node type, because building pglast's Python AST objects and visiting
them is ~10× slower (see ``shared/reference/pglast-notes.md`` §2).

How the JSON tree is shaped, and why the walk is correct on it: a field typed ``Node *`` in the
PostgreSQL sources appears wrapped as ``{"RangeVar": {…}}``, whereas a field of a concrete type
(``InsertStmt.relation``, ``IntoClause``, ``TypeName``, ``WindowDef``, set-operation ``larg``/``rarg``)
appears *unwrapped*. So every wrapped ``RangeVar`` the walk meets is a table that is *read*, while
write targets (always unwrapped) are recorded by the handler of their statement. Handlers only look
at their own node's fields; the stack visits every child exactly once.

Counts and flags cover the whole text (sub-queries and CTEs included): ``has_limit`` means "a LIMIT
appears somewhere", not "the result is bounded". A multi-statement text (``BEGIN; …; COMMIT``) takes
the kind, command and key shape of its first data statement and the union of everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from costmodel.classify_keys import (
    NO_KEY,
    UNKNOWN_KEY,
    KeyResult,
    merge_key,
    upsert_key,
    values_row_count,
    where_key,
)
from costmodel.classify_names import (
    ADVISORY_LOCK_PREFIXES,
    AGGREGATES,
    DDL_NODES,
    DDL_PREFIXES,
    DML_KINDS,
    HYPOTHETICAL_SET_AGGREGATES,
    JSON_FUNCTION_PREFIXES,
    JSON_OPERATORS,
    JSON_TYPES,
    KNOWN_FUNCTION_PREFIXES,
    KNOWN_FUNCTIONS,
    NOT_DDL_NODES,
    NOTIFY_FUNCTIONS,
    SEQUENCE_FUNCTIONS,
    SEQUENCE_WRITERS,
    SERIAL_TYPES,
    TRANSACTION_KINDS,
)
from costmodel.profile import Feature, KeyShape, LockStrength, LockWait, StatementKind

Node = dict[str, Any]

_LOCK_RANK: dict[str, tuple[int, LockStrength]] = {
    "LCS_FORKEYSHARE": (1, LockStrength.FOR_KEY_SHARE),
    "LCS_FORSHARE": (2, LockStrength.FOR_SHARE),
    "LCS_FORNOKEYUPDATE": (3, LockStrength.FOR_NO_KEY_UPDATE),
    "LCS_FORUPDATE": (4, LockStrength.FOR_UPDATE),
}
_LOCK_WAIT = {"LockWaitSkip": LockWait.SKIP_LOCKED, "LockWaitError": LockWait.NOWAIT}
_JOIN_TYPES = {"JOIN_INNER": "inner", "JOIN_LEFT": "left", "JOIN_RIGHT": "right", "JOIN_FULL": "full"}
_DML_WRITES = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})
_DATA_KINDS = frozenset(DML_KINDS.values())
_OPAQUE_UTILITY = frozenset({"DoStmt", "CallStmt", "ExecuteStmt"})
_WRITING_UTILITY = frozenset({"TruncateStmt", "RefreshMatViewStmt"})


class _Acc:
    """Everything the handlers record while walking one text.

    Scalars start as class attributes, so a new accumulator only allocates its sets: the walk runs
    once per distinct text and this constructor is part of the per-statement cost.
    """

    joins = subqueries = ctes = aggregates = values_rows = 0
    rangevars = opaque = writes = lock_rank = 0
    window = group_by = order_by = limit = distinct = False
    set_operation = upsert = returning = srf = False
    lock_strength: LockStrength | None = None
    lock_wait: LockWait | None = None

    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.written: set[str] = set()
        self.cte_names: set[str] = set()
        self.features: set[Feature] = set()
        self.join_types: set[str] = set()
        self.skip: set[int] = set()


def analyse(stmts: list[Node]) -> dict[str, Any]:
    """Profile fields (all but fingerprint and parse status) of a parsed text's statements."""
    acc = _Acc()
    results = [_statement(acc, raw["stmt"]) for raw in stmts]
    kind, command, control, is_write, key = results[
        _primary([r[0] for r in results]) if len(results) > 1 else 0
    ]
    if len(results) > 1:
        writes = [r[3] for r in results]
        is_write = True if True in writes else (None if None in writes else False)
    reads, written = acc.reads, acc.written
    if acc.cte_names:
        reads, written = reads - acc.cte_names, written - acc.cte_names
    lock_strength, lock_wait = acc.lock_strength, acc.lock_wait
    return {
        "kind": kind._value_,
        "command": command,
        "is_write": is_write,
        "tables_read": _sorted(reads),
        "tables_written": _sorted(written),
        "join_count": acc.joins,
        "join_types": _sorted(acc.join_types),
        "subquery_count": acc.subqueries,
        "cte_count": acc.ctes,
        "aggregate_count": acc.aggregates,
        "has_window": acc.window,
        "has_group_by": acc.group_by,
        "has_order_by": acc.order_by,
        "has_limit": acc.limit,
        "has_distinct": acc.distinct,
        "set_operation": acc.set_operation,
        "lock_strength": lock_strength._value_ if lock_strength else None,
        "lock_wait": lock_wait._value_ if lock_wait else None,
        "is_upsert": acc.upsert,
        "has_returning": acc.returning,
        "set_returning_function": acc.srf,
        "values_rows": acc.values_rows,
        "key_shape": key.shape._value_,
        "key_columns": key.columns,
        "tenant_column": key.tenant_column,
        "features": tuple(sorted(f._value_ for f in acc.features)) if acc.features else (),
        "transaction_control": control,
    }


def _sorted(names: set[str]) -> tuple[str, ...]:
    return tuple(sorted(names)) if names else ()


def shallow_kind(stmts: list[Node]) -> tuple[StatementKind, str]:
    """Kind and command of the primary statement without walking (for truncated texts)."""
    heads = [_head(raw["stmt"]) for raw in stmts]
    kinds = [node_kind(t) for t, _ in heads]
    ntype, node = heads[_primary(kinds)]
    return node_kind(ntype), _command(ntype, node)


def node_kind(ntype: str) -> StatementKind:
    """StatementKind of a top-level node type."""
    kind = DML_KINDS.get(ntype)
    if kind is not None:
        return kind
    if ntype == "TransactionStmt":
        return StatementKind.TRANSACTION
    if (ntype.startswith(DDL_PREFIXES) or ntype in DDL_NODES) and ntype not in NOT_DDL_NODES:
        return StatementKind.DDL
    return StatementKind.UTILITY


def _primary(kinds: list[StatementKind]) -> int:
    """Index of the statement that speaks for the text: first data statement, else first
    non-transaction statement, else the first."""
    for index, kind in enumerate(kinds):
        if kind in _DATA_KINDS:
            return index
    for index, kind in enumerate(kinds):
        if kind is not StatementKind.TRANSACTION:
            return index
    return 0


def _head(wrapper: Node) -> tuple[str, Node]:
    """(node type, node) of a statement, looking through PREPARE … AS."""
    ((ntype, node),) = wrapper.items()
    if ntype == "PrepareStmt" and node.get("query"):
        return _head(node["query"])
    return ntype, node


def _command(ntype: str, node: Node) -> str:
    if ntype == "TransactionStmt":
        return f"TransactionStmt:{node.get('kind', '').removeprefix('TRANS_STMT_')}"
    return ntype


def _statement(acc: _Acc, wrapper: Node) -> tuple[StatementKind, str, str | None, bool | None, KeyResult]:
    """Walk one top-level statement; return its kind, command, control, is_write and key."""
    ntype, node = _head(wrapper)
    before_rangevars, before_opaque, before_writes = acc.rangevars, acc.opaque, acc.writes
    _walk(acc, wrapper)
    kind = node_kind(ntype)
    wrote = acc.writes > before_writes
    opaque = acc.opaque > before_opaque and acc.rangevars == before_rangevars
    control = TRANSACTION_KINDS.get(node.get("kind", "")) if kind is StatementKind.TRANSACTION else None
    is_write: bool | None
    if kind is StatementKind.SELECT:
        key = UNKNOWN_KEY if opaque else _select_key(node)
        is_write = True if wrote else (None if opaque else False)
    elif kind in _DATA_KINDS:
        key, is_write = _dml_key(ntype, node), True
    elif kind is StatementKind.DDL:
        key, is_write = NO_KEY, True
    elif kind is StatementKind.TRANSACTION:
        key, is_write = NO_KEY, False
    elif ntype in _OPAQUE_UTILITY:
        key, is_write = UNKNOWN_KEY, None
    else:
        key = NO_KEY
        is_write = wrote or ntype in _WRITING_UTILITY or (ntype == "CopyStmt" and bool(node.get("is_from")))
        if ntype == "ExplainStmt":
            analyze = any(o.get("DefElem", {}).get("defname") == "analyze" for o in node.get("options", ()))
            is_write = wrote and analyze
    return kind, _command(ntype, node), control, is_write, key


def _select_key(select: Node) -> KeyResult:
    """Key of a SELECT: its writing CTE's key when it has one, else the WHERE on its first table."""
    for cte in (select.get("withClause") or {}).get("ctes", ()):
        ((qtype, query),) = cte["CommonTableExpr"]["ctequery"].items()
        if qtype in _DML_WRITES:
            return _dml_key(qtype, query)
    if select.get("op", "SETOP_NONE") != "SETOP_NONE":
        return NO_KEY
    target = _leftmost_table(select.get("fromClause"))
    if target is None:
        return NO_KEY
    return where_key(select.get("whereClause"), _names(target), write_like=bool(select.get("lockingClause")))


def _dml_key(ntype: str, node: Node) -> KeyResult:
    if ntype == "InsertStmt":
        return upsert_key(node) if node.get("onConflictClause") else KeyResult(KeyShape.NEW_ROWS)
    if ntype == "MergeStmt":
        return merge_key(node, _names(node["relation"]))
    return where_key(node.get("whereClause"), _names(node["relation"]), write_like=True)


def _leftmost_table(from_clause: list[Node] | None) -> Node | None:
    node = from_clause[0] if from_clause else None
    while node is not None:
        if "RangeVar" in node:
            return node["RangeVar"]
        join = node.get("JoinExpr")
        node = join.get("larg") if join else None
    return None


def _names(relation: Node) -> tuple[str, ...]:
    """Names a column may be qualified with: the table name and its alias."""
    name = relation.get("relname", "").lower()
    alias = relation.get("alias")
    return (name, alias["aliasname"].lower()) if alias and alias.get("aliasname") else (name,)


def _relname(relation: Node) -> str:
    schema = relation.get("schemaname")
    name = relation.get("relname", "")
    return f"{schema}.{name}".lower() if schema else name.lower()


def _walk(acc: _Acc, root: Node) -> None:
    """Visit every node under ``root`` once, calling the handler of each wrapped node type.

    Only dict-valued keys can be wrapped nodes, so scalar fields cost no handler lookup; lists are
    spread onto the stack directly; subtrees no handler cares about (:data:`_PRUNED`) are skipped.
    """
    handlers = _HANDLERS
    skip = _skip
    stack: list[Any] = [root]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        if type(node) is not dict:
            continue
        for key, value in node.items():
            kind = type(value)
            if kind is dict:
                handler = handlers.get(key)
                if handler is not None:
                    if handler is skip:
                        continue
                    handler(acc, value)
                push(value)
            elif kind is list:
                extend(value)


# --- handlers: (acc, node body) -> None --------------------------------------------------------


def _h_rangevar(acc: _Acc, node: Node) -> None:
    acc.rangevars += 1
    if node.get("schemaname", "").startswith("pg_temp"):
        acc.features.add(Feature.TEMP_TABLE)
    if id(node) not in acc.skip:
        acc.reads.add(_relname(node))


def _write_target(acc: _Acc, relation: Node | None) -> None:
    if not relation or "relname" not in relation:
        return
    acc.written.add(_relname(relation))
    if relation.get("relpersistence") in ("t", "u") or relation.get("schemaname", "").startswith("pg_temp"):
        acc.features.add(Feature.TEMP_TABLE)


def _h_select(acc: _Acc, node: Node) -> None:
    from_clause = node.get("fromClause")
    if from_clause and len(from_clause) > 1:
        acc.joins += len(from_clause) - 1
        acc.join_types.add("implicit")
    if node.get("groupClause"):
        acc.group_by = True
    if node.get("sortClause"):
        acc.order_by = True
    if "limitCount" in node or "limitOffset" in node:
        acc.limit = True
    if "distinctClause" in node:
        acc.distinct = True
    into = node.get("intoClause")
    if into:
        acc.features.add(Feature.SELECT_INTO)
        acc.writes += 1
        _write_target(acc, into.get("rel"))
    if node.get("op", "SETOP_NONE") != "SETOP_NONE":
        acc.set_operation = True
        for side in ("larg", "rarg"):
            if node.get(side):
                _h_select(acc, node[side])  # unwrapped SelectStmt: no handler fires for it


def _h_join(acc: _Acc, node: Node) -> None:
    acc.joins += 1
    kind = _JOIN_TYPES.get(node.get("jointype", ""), "inner")
    if kind == "inner" and not (node.get("quals") or node.get("usingClause") or node.get("isNatural")):
        kind = "cross"
    acc.join_types.add(kind)


def _h_subquery(acc: _Acc, node: Node) -> None:
    acc.subqueries += 1


def _h_function_in_from(acc: _Acc, node: Node) -> None:
    acc.srf = True


def _h_cte(acc: _Acc, node: Node) -> None:
    acc.ctes += 1
    acc.cte_names.add(node.get("ctename", "").lower())
    if next(iter(node.get("ctequery") or {"": None})) in _DML_WRITES:
        acc.features.add(Feature.WRITING_CTE)


def _h_funccall(acc: _Acc, node: Node) -> None:
    names = [n["String"]["sval"].lower() for n in node.get("funcname", ()) if "String" in n]
    name = names[-1] if names else ""
    if "over" in node:
        acc.window = True
    elif (
        name in AGGREGATES
        or node.get("agg_star")
        or (node.get("agg_within_group") and name in HYPOTHETICAL_SET_AGGREGATES)
    ):
        acc.aggregates += 1
    if name in SEQUENCE_FUNCTIONS:
        acc.features.add(Feature.NEXTVAL)
        if name in SEQUENCE_WRITERS:
            acc.writes += 1
    elif name.startswith(ADVISORY_LOCK_PREFIXES):
        acc.features.add(Feature.ADVISORY_LOCK)
    elif name in NOTIFY_FUNCTIONS:
        acc.features.add(Feature.NOTIFY)
    elif name.startswith(JSON_FUNCTION_PREFIXES):
        acc.features.add(Feature.JSONB)
    if not (
        (len(names) > 1 and names[0] == "pg_catalog")
        or name in AGGREGATES
        or name in KNOWN_FUNCTIONS
        or name.startswith(KNOWN_FUNCTION_PREFIXES)
    ):
        acc.opaque += 1


def _h_locking(acc: _Acc, node: Node) -> None:
    rank, strength = _LOCK_RANK.get(node.get("strength", ""), (0, None))
    wait = _LOCK_WAIT.get(node.get("waitPolicy", ""))
    if rank > acc.lock_rank or (rank == acc.lock_rank and acc.lock_wait is None):
        acc.lock_rank, acc.lock_strength, acc.lock_wait = rank, strength, wait


def _type_name(type_name: Node | None) -> str:
    names = (type_name or {}).get("names") or ()
    return names[-1].get("String", {}).get("sval", "").lower() if names else ""


def _h_columndef(acc: _Acc, node: Node) -> None:
    type_name = node.get("typeName") or {}
    name = _type_name(type_name)
    if name in SERIAL_TYPES:
        acc.features.add(Feature.SERIAL)
    elif name in JSON_TYPES:
        acc.features.add(Feature.JSONB)
    if type_name.get("arrayBounds"):
        acc.features.add(Feature.ARRAY_COLUMN)


def _h_constraint(acc: _Acc, node: Node) -> None:
    contype = node.get("contype")
    if contype == "CONSTR_IDENTITY":
        acc.features.add(Feature.IDENTITY)
        if not any(o.get("DefElem", {}).get("defname") == "cache" for o in node.get("options", ())):
            acc.features.add(Feature.IDENTITY_NO_CACHE)
    elif contype == "CONSTR_FOREIGN":
        acc.features.add(Feature.FOREIGN_KEY)


def _h_typecast(acc: _Acc, node: Node) -> None:
    if _type_name(node.get("typeName")) in JSON_TYPES:
        acc.features.add(Feature.JSONB)


def _h_aexpr(acc: _Acc, node: Node) -> None:
    names = node.get("name")
    if names and names[-1].get("String", {}).get("sval") in JSON_OPERATORS:
        acc.features.add(Feature.JSONB)


def _h_json(acc: _Acc, node: Node) -> None:
    acc.features.add(Feature.JSONB)


def _h_json_agg(acc: _Acc, node: Node) -> None:
    acc.features.add(Feature.JSONB)
    acc.aggregates += 1


def _h_json_table(acc: _Acc, node: Node) -> None:
    acc.features.add(Feature.JSONB)
    acc.srf = True


def _h_dml(acc: _Acc, node: Node) -> None:
    acc.writes += 1
    _write_target(acc, node.get("relation"))
    returning = node.get("returningClause") or {}
    if returning.get("exprs") or node.get("returningList"):
        acc.returning = True


def _h_insert(acc: _Acc, node: Node) -> None:
    _h_dml(acc, node)
    if node.get("onConflictClause"):
        acc.upsert = True
    rows = values_row_count(node)
    acc.values_rows += rows
    if rows > 1:
        acc.features.add(Feature.MULTI_ROW_VALUES)


def _h_create(acc: _Acc, node: Node) -> None:
    _write_target(acc, node.get("relation"))
    if node.get("partspec") or node.get("partbound"):
        acc.features.add(Feature.PARTITIONING)
    elif node.get("inhRelations"):
        acc.features.add(Feature.INHERITS)


def _h_ddl_target(acc: _Acc, node: Node) -> None:
    _write_target(acc, node.get("relation") or node.get("view") or node.get("table"))


def _h_trigger(acc: _Acc, node: Node) -> None:
    acc.features.add(Feature.TRIGGER)
    _h_ddl_target(acc, node)


def _h_policy(acc: _Acc, node: Node) -> None:
    acc.features.add(Feature.POLICY)
    _h_ddl_target(acc, node)


def _h_index(acc: _Acc, node: Node) -> None:
    acc.features.add(Feature.CREATE_INDEX_SYNC)
    _write_target(acc, node.get("relation"))


def _h_create_sequence(acc: _Acc, node: Node) -> None:
    acc.features.add(Feature.SEQUENCE)
    if not any(o.get("DefElem", {}).get("defname") == "cache" for o in node.get("options", ())):
        acc.features.add(Feature.SEQUENCE_NO_CACHE)


def _h_create_function(acc: _Acc, node: Node) -> None:
    for option in node.get("options", ()):
        element = option.get("DefElem", {})
        language = element.get("arg", {}).get("String", {}).get("sval", "sql")
        if element.get("defname") == "language" and language.lower() != "sql":
            acc.features.add(Feature.PLPGSQL)


def _h_ctas(acc: _Acc, node: Node) -> None:
    matview = node.get("objtype") == "OBJECT_MATVIEW"
    acc.features.add(Feature.MATVIEW if matview else Feature.CTAS)
    acc.writes += 1
    _write_target(acc, (node.get("into") or {}).get("rel"))


def _h_refresh(acc: _Acc, node: Node) -> None:
    acc.features.add(Feature.MATVIEW)
    _write_target(acc, node.get("relation"))


def _h_truncate(acc: _Acc, node: Node) -> None:
    acc.features.add(Feature.TRUNCATE)
    for relation in node.get("relations", ()):
        body = relation.get("RangeVar")
        if body is not None:
            acc.skip.add(id(body))
            _write_target(acc, body)


def _h_copy(acc: _Acc, node: Node) -> None:
    acc.features.add(Feature.COPY)
    relation = node.get("relation")
    if relation and node.get("is_from"):
        acc.writes += 1
        _write_target(acc, relation)
    elif relation:
        acc.reads.add(_relname(relation))


def _h_vacuum(acc: _Acc, node: Node) -> None:
    if node.get("is_vacuumcmd"):
        acc.features.add(Feature.VACUUM)


def _h_vacuum_relation(acc: _Acc, node: Node) -> None:
    if node.get("relation"):
        acc.reads.add(_relname(node["relation"]))


def _h_drop(acc: _Acc, node: Node) -> None:
    if node.get("removeType") != "OBJECT_TABLE":
        return
    for obj in node.get("objects", ()):
        parts = [i["String"]["sval"] for i in obj.get("List", {}).get("items", ()) if "String" in i]
        if parts:
            acc.written.add(".".join(parts[-2:]).lower())


def _h_alter_table_cmd(acc: _Acc, node: Node) -> None:
    subtype = node.get("subtype")
    if subtype in ("AT_AttachPartition", "AT_DetachPartition"):
        acc.features.add(Feature.PARTITIONING)
    elif subtype == "AT_AddInherit":
        acc.features.add(Feature.INHERITS)


def _isolation(acc: _Acc, options: list[Node]) -> None:
    for option in options:
        element = option.get("DefElem", {})
        if element.get("defname") != "transaction_isolation":
            continue
        level = element.get("arg", {}).get("A_Const", {}).get("sval", {}).get("sval")
        if level is not None and level.lower() != "repeatable read":
            acc.features.add(Feature.SERIALIZABLE)


def _h_transaction(acc: _Acc, node: Node) -> None:
    if node.get("kind") in ("TRANS_STMT_SAVEPOINT", "TRANS_STMT_RELEASE", "TRANS_STMT_ROLLBACK_TO"):
        acc.features.add(Feature.SAVEPOINT)
    _isolation(acc, node.get("options", ()))


def _h_set(acc: _Acc, node: Node) -> None:
    name = node.get("name", "").lower()
    if name in ("transaction", "session characteristics"):
        acc.features.add(Feature.SET_TRANSACTION)
        _isolation(acc, node.get("args", ()))
    elif name in ("default_transaction_isolation", "transaction_isolation"):
        acc.features.add(Feature.SET_TRANSACTION)
        values = [a for a in node.get("args", ()) if "A_Const" in a]
        _isolation(acc, [{"DefElem": {"defname": "transaction_isolation", "arg": v}} for v in values])


def _h_define(acc: _Acc, node: Node) -> None:
    if node.get("kind") == "OBJECT_TYPE":
        acc.features.add(Feature.CREATE_TYPE)


def _skip(acc: _Acc, node: Node) -> None:
    """Marker handler: the walk does not descend into these subtrees."""


def _feature(feature: Feature) -> Callable[[_Acc, Node], None]:
    def handler(acc: _Acc, node: Node) -> None:
        acc.features.add(feature)

    return handler


_HANDLERS: dict[str, Callable[[_Acc, Node], None]] = {
    "RangeVar": _h_rangevar,
    "SelectStmt": _h_select,
    "JoinExpr": _h_join,
    "SubLink": _h_subquery,
    "RangeSubselect": _h_subquery,
    "RangeFunction": _h_function_in_from,
    "RangeTableFunc": _h_function_in_from,
    "CommonTableExpr": _h_cte,
    "FuncCall": _h_funccall,
    "LockingClause": _h_locking,
    "ColumnDef": _h_columndef,
    "Constraint": _h_constraint,
    "TypeCast": _h_typecast,
    "A_Expr": _h_aexpr,
    "InsertStmt": _h_insert,
    "UpdateStmt": _h_dml,
    "DeleteStmt": _h_dml,
    "MergeStmt": _h_dml,
    "CreateStmt": _h_create,
    "AlterTableStmt": _h_ddl_target,
    "ViewStmt": _h_ddl_target,
    "CreateTrigStmt": _h_trigger,
    "CreatePolicyStmt": _h_policy,
    "IndexStmt": _h_index,
    "CreateSeqStmt": _h_create_sequence,
    "AlterSeqStmt": _feature(Feature.SEQUENCE),
    "CreateFunctionStmt": _h_create_function,
    "CreateTableAsStmt": _h_ctas,
    "RefreshMatViewStmt": _h_refresh,
    "TruncateStmt": _h_truncate,
    "CopyStmt": _h_copy,
    "VacuumStmt": _h_vacuum,
    "VacuumRelation": _h_vacuum_relation,
    "DropStmt": _h_drop,
    "AlterTableCmd": _h_alter_table_cmd,
    "TransactionStmt": _h_transaction,
    "VariableSetStmt": _h_set,
    "DefineStmt": _h_define,
    "DoStmt": _feature(Feature.DO_BLOCK),
    "CallStmt": _feature(Feature.CALL),
    "ListenStmt": _feature(Feature.LISTEN),
    "UnlistenStmt": _feature(Feature.LISTEN),
    "NotifyStmt": _feature(Feature.NOTIFY),
    "LockStmt": _feature(Feature.LOCK_TABLE),
    "CreateExtensionStmt": _feature(Feature.EXTENSION),
    "AlterExtensionStmt": _feature(Feature.EXTENSION),
    "CreateEnumStmt": _feature(Feature.CREATE_TYPE),
    "CompositeTypeStmt": _feature(Feature.CREATE_TYPE),
    "CreateRangeStmt": _feature(Feature.CREATE_TYPE),
    "AlterPolicyStmt": _feature(Feature.POLICY),
    "CreateEventTrigStmt": _feature(Feature.TRIGGER),
    "JsonArrayAgg": _h_json_agg,
    "JsonObjectAgg": _h_json_agg,
    "JsonTable": _h_json_table,
}
_PRUNED: tuple[str, ...] = (
    "ColumnRef", "String", "A_Const", "ParamRef", "Integer", "Float", "Boolean", "BitString", "A_Star",
    "alias", "typeName", "TypeName", "SQLValueFunction", "RoleSpec", "DefElem", "infer",
)  # fmt: skip
"""Node types and unwrapped fields whose subtrees hold nothing a handler reads (a handler of the
parent reads them directly when needed, e.g. ``TypeCast.typeName``)."""
for _name in _PRUNED:
    _HANDLERS[_name] = _skip
for _name in (
    "JsonArrayConstructor", "JsonArrayQueryConstructor", "JsonFuncExpr", "JsonIsPredicate",
    "JsonObjectConstructor", "JsonParseExpr", "JsonScalarExpr", "JsonSerializeExpr",
):  # fmt: skip
    _HANDLERS[_name] = _h_json
