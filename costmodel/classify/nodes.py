"""Node handlers and the walk loop: what the classifier records from each node of a parse tree.

:func:`walk` visits every node of one statement of pglast's JSON tree
(``json.loads(pglast.parser.parse_sql_json(text))``) once, with one explicit stack, and calls the
handler registered for each node type in :data:`HANDLERS`; handlers write into an :class:`Acc`.
Walking plain dicts is the point: building pglast's Python AST objects is ~5× slower than
``json.loads``, and visiting them with pglast's ``Visitor`` slower still (see
``shared/reference/pglast-notes.md`` §2).

How the JSON tree is shaped, and why the walk is correct on it: a field typed ``Node *`` in the
PostgreSQL sources appears wrapped as ``{"RangeVar": {…}}``, whereas a field of a concrete type
(``InsertStmt.relation``, ``IntoClause``, ``TypeName``, ``WindowDef``, set-operation ``larg``/``rarg``)
appears *unwrapped*. So every wrapped ``RangeVar`` the walk meets is a table that is *read*, while
write targets (always unwrapped) are recorded by the handler of their statement. Handlers only look
at their own node's fields; the stack visits every child exactly once.

Counts and flags cover the whole text (sub-queries and CTEs included): ``has_limit`` means "a LIMIT
appears somewhere", not "the result is bounded".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from costmodel.classify.keys import values_row_count
from costmodel.classify.names import (
    ADVISORY_LOCK_PREFIXES,
    AGGREGATES,
    HYPOTHETICAL_SET_AGGREGATES,
    JSON_FUNCTION_PREFIXES,
    JSON_OPERATORS,
    JSON_TYPES,
    KNOWN_FUNCTION_PREFIXES,
    KNOWN_FUNCTIONS,
    NOTIFY_FUNCTIONS,
    SEQUENCE_FUNCTIONS,
    SEQUENCE_WRITERS,
    SERIAL_TYPES,
)
from costmodel.core.profile import Feature, LockStrength, LockWait

Node = dict[str, Any]

_LOCK_RANK: dict[str, tuple[int, LockStrength]] = {
    "LCS_FORKEYSHARE": (1, LockStrength.FOR_KEY_SHARE),
    "LCS_FORSHARE": (2, LockStrength.FOR_SHARE),
    "LCS_FORNOKEYUPDATE": (3, LockStrength.FOR_NO_KEY_UPDATE),
    "LCS_FORUPDATE": (4, LockStrength.FOR_UPDATE),
}
_LOCK_WAIT = {"LockWaitSkip": LockWait.SKIP_LOCKED, "LockWaitError": LockWait.NOWAIT}
_JOIN_TYPES = {"JOIN_INNER": "inner", "JOIN_LEFT": "left", "JOIN_RIGHT": "right", "JOIN_FULL": "full"}
DML_WRITES = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})
"""Data-modifying statement nodes (top level, or inside WITH)."""


class Acc:
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


def relname(relation: Node) -> str:
    """``schema.table`` (or ``table``) of a RangeVar, lower case, as the profile lists tables."""
    schema = relation.get("schemaname")
    name = relation.get("relname", "")
    return f"{schema}.{name}".lower() if schema else name.lower()


def walk(acc: Acc, root: Node) -> None:
    """Visit every node under ``root`` once, calling the handler of each wrapped node type.

    Only dict-valued keys can be wrapped nodes, so scalar fields cost no handler lookup; lists are
    spread onto the stack directly; subtrees no handler cares about (:data:`_PRUNED`) are skipped.
    """
    handlers = HANDLERS
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


def _h_rangevar(acc: Acc, node: Node) -> None:
    acc.rangevars += 1
    if "schemaname" not in node:  # the common case, inlined: this runs for every table reference
        if id(node) not in acc.skip:
            acc.reads.add(node.get("relname", "").lower())
        return
    if node.get("schemaname", "").startswith("pg_temp"):
        acc.features.add(Feature.TEMP_TABLE)
    if id(node) not in acc.skip:
        acc.reads.add(relname(node))


def _write_target(acc: Acc, relation: Node | None) -> None:
    if not relation or "relname" not in relation:
        return
    acc.written.add(relname(relation))
    if relation.get("relpersistence") in ("t", "u") or relation.get("schemaname", "").startswith("pg_temp"):
        acc.features.add(Feature.TEMP_TABLE)


def _h_select(acc: Acc, node: Node) -> None:
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


def _h_join(acc: Acc, node: Node) -> None:
    acc.joins += 1
    kind = _JOIN_TYPES.get(node.get("jointype", ""), "inner")
    if kind == "inner" and not (node.get("quals") or node.get("usingClause") or node.get("isNatural")):
        kind = "cross"
    acc.join_types.add(kind)


def _h_subquery(acc: Acc, node: Node) -> None:
    acc.subqueries += 1


def _h_function_in_from(acc: Acc, node: Node) -> None:
    acc.srf = True


def _h_cte(acc: Acc, node: Node) -> None:
    acc.ctes += 1
    acc.cte_names.add(node.get("ctename", "").lower())
    if next(iter(node.get("ctequery") or {"": None})) in DML_WRITES:
        acc.features.add(Feature.WRITING_CTE)


def _h_funccall(acc: Acc, node: Node) -> None:
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


def _h_locking(acc: Acc, node: Node) -> None:
    rank, strength = _LOCK_RANK.get(node.get("strength", ""), (0, None))
    wait = _LOCK_WAIT.get(node.get("waitPolicy", ""))
    if rank > acc.lock_rank or (rank == acc.lock_rank and acc.lock_wait is None):
        acc.lock_rank, acc.lock_strength, acc.lock_wait = rank, strength, wait


def _type_name(type_name: Node | None) -> str:
    names = (type_name or {}).get("names") or ()
    return names[-1].get("String", {}).get("sval", "").lower() if names else ""


def _h_columndef(acc: Acc, node: Node) -> None:
    type_name = node.get("typeName") or {}
    name = _type_name(type_name)
    if name in SERIAL_TYPES:
        acc.features.add(Feature.SERIAL)
    elif name in JSON_TYPES:
        acc.features.add(Feature.JSONB)
    if type_name.get("arrayBounds"):
        acc.features.add(Feature.ARRAY_COLUMN)


def _h_constraint(acc: Acc, node: Node) -> None:
    contype = node.get("contype")
    if contype == "CONSTR_IDENTITY":
        acc.features.add(Feature.IDENTITY)
        if not any(o.get("DefElem", {}).get("defname") == "cache" for o in node.get("options", ())):
            acc.features.add(Feature.IDENTITY_NO_CACHE)
    elif contype == "CONSTR_FOREIGN":
        acc.features.add(Feature.FOREIGN_KEY)


def _h_typecast(acc: Acc, node: Node) -> None:
    if _type_name(node.get("typeName")) in JSON_TYPES:
        acc.features.add(Feature.JSONB)


def _h_aexpr(acc: Acc, node: Node) -> None:
    names = node.get("name")
    if names and names[-1].get("String", {}).get("sval") in JSON_OPERATORS:
        acc.features.add(Feature.JSONB)


def _h_json(acc: Acc, node: Node) -> None:
    acc.features.add(Feature.JSONB)


def _h_json_agg(acc: Acc, node: Node) -> None:
    acc.features.add(Feature.JSONB)
    acc.aggregates += 1


def _h_json_table(acc: Acc, node: Node) -> None:
    acc.features.add(Feature.JSONB)
    acc.srf = True


def _h_dml(acc: Acc, node: Node) -> None:
    acc.writes += 1
    _write_target(acc, node.get("relation"))
    returning = node.get("returningClause") or {}
    if returning.get("exprs") or node.get("returningList"):
        acc.returning = True


def _h_insert(acc: Acc, node: Node) -> None:
    _h_dml(acc, node)
    if node.get("onConflictClause"):
        acc.upsert = True
    rows = values_row_count(node)
    acc.values_rows += rows
    if rows > 1:
        acc.features.add(Feature.MULTI_ROW_VALUES)


def _h_create(acc: Acc, node: Node) -> None:
    _write_target(acc, node.get("relation"))
    if node.get("partspec") or node.get("partbound"):
        acc.features.add(Feature.PARTITIONING)
    elif node.get("inhRelations"):
        acc.features.add(Feature.INHERITS)


def _h_ddl_target(acc: Acc, node: Node) -> None:
    _write_target(acc, node.get("relation") or node.get("view") or node.get("table"))


def _h_trigger(acc: Acc, node: Node) -> None:
    acc.features.add(Feature.TRIGGER)
    _h_ddl_target(acc, node)


def _h_policy(acc: Acc, node: Node) -> None:
    acc.features.add(Feature.POLICY)
    _h_ddl_target(acc, node)


def _h_index(acc: Acc, node: Node) -> None:
    acc.features.add(Feature.CREATE_INDEX_SYNC)
    _write_target(acc, node.get("relation"))


def _h_create_sequence(acc: Acc, node: Node) -> None:
    acc.features.add(Feature.SEQUENCE)
    if not any(o.get("DefElem", {}).get("defname") == "cache" for o in node.get("options", ())):
        acc.features.add(Feature.SEQUENCE_NO_CACHE)


def _h_create_function(acc: Acc, node: Node) -> None:
    for option in node.get("options", ()):
        element = option.get("DefElem", {})
        language = element.get("arg", {}).get("String", {}).get("sval", "sql")
        if element.get("defname") == "language" and language.lower() != "sql":
            acc.features.add(Feature.PLPGSQL)


def _h_ctas(acc: Acc, node: Node) -> None:
    matview = node.get("objtype") == "OBJECT_MATVIEW"
    acc.features.add(Feature.MATVIEW if matview else Feature.CTAS)
    acc.writes += 1
    _write_target(acc, (node.get("into") or {}).get("rel"))


def _h_refresh(acc: Acc, node: Node) -> None:
    acc.features.add(Feature.MATVIEW)
    _write_target(acc, node.get("relation"))


def _h_truncate(acc: Acc, node: Node) -> None:
    acc.features.add(Feature.TRUNCATE)
    for relation in node.get("relations", ()):
        body = relation.get("RangeVar")
        if body is not None:
            acc.skip.add(id(body))
            _write_target(acc, body)


def _h_copy(acc: Acc, node: Node) -> None:
    acc.features.add(Feature.COPY)
    relation = node.get("relation")
    if relation and node.get("is_from"):
        acc.writes += 1
        _write_target(acc, relation)
    elif relation:
        acc.reads.add(relname(relation))


def _h_vacuum(acc: Acc, node: Node) -> None:
    if node.get("is_vacuumcmd"):
        acc.features.add(Feature.VACUUM)


def _h_vacuum_relation(acc: Acc, node: Node) -> None:
    if node.get("relation"):
        acc.reads.add(relname(node["relation"]))


def _h_drop(acc: Acc, node: Node) -> None:
    if node.get("removeType") != "OBJECT_TABLE":
        return
    for obj in node.get("objects", ()):
        parts = [i["String"]["sval"] for i in obj.get("List", {}).get("items", ()) if "String" in i]
        if parts:
            acc.written.add(".".join(parts[-2:]).lower())


def _h_alter_table_cmd(acc: Acc, node: Node) -> None:
    subtype = node.get("subtype")
    if subtype in ("AT_AttachPartition", "AT_DetachPartition"):
        acc.features.add(Feature.PARTITIONING)
    elif subtype == "AT_AddInherit":
        acc.features.add(Feature.INHERITS)


def _isolation(acc: Acc, options: list[Node]) -> None:
    for option in options:
        element = option.get("DefElem", {})
        if element.get("defname") != "transaction_isolation":
            continue
        level = element.get("arg", {}).get("A_Const", {}).get("sval", {}).get("sval")
        if level is not None and level.lower() != "repeatable read":
            acc.features.add(Feature.SERIALIZABLE)


def _h_transaction(acc: Acc, node: Node) -> None:
    if node.get("kind") in ("TRANS_STMT_SAVEPOINT", "TRANS_STMT_RELEASE", "TRANS_STMT_ROLLBACK_TO"):
        acc.features.add(Feature.SAVEPOINT)
    _isolation(acc, node.get("options", ()))


def _h_set(acc: Acc, node: Node) -> None:
    name = node.get("name", "").lower()
    if name in ("transaction", "session characteristics"):
        acc.features.add(Feature.SET_TRANSACTION)
        _isolation(acc, node.get("args", ()))
    elif name in ("default_transaction_isolation", "transaction_isolation"):
        acc.features.add(Feature.SET_TRANSACTION)
        values = [a for a in node.get("args", ()) if "A_Const" in a]
        _isolation(acc, [{"DefElem": {"defname": "transaction_isolation", "arg": v}} for v in values])


def _h_define(acc: Acc, node: Node) -> None:
    if node.get("kind") == "OBJECT_TYPE":
        acc.features.add(Feature.CREATE_TYPE)


def _skip(acc: Acc, node: Node) -> None:
    """Marker handler: the walk does not descend into these subtrees."""


def _feature(feature: Feature) -> Callable[[Acc, Node], None]:
    def handler(acc: Acc, node: Node) -> None:
        acc.features.add(feature)

    return handler


HANDLERS: dict[str, Callable[[Acc, Node], None]] = {
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
    HANDLERS[_name] = _skip
for _name in (
    "JsonArrayConstructor", "JsonArrayQueryConstructor", "JsonFuncExpr", "JsonIsPredicate",
    "JsonObjectConstructor", "JsonParseExpr", "JsonScalarExpr", "JsonSerializeExpr",
):  # fmt: skip
    HANDLERS[_name] = _h_json
