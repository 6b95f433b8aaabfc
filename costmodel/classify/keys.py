"""Key shape: how a write (or a point read) addresses the rows of its target table.

This is the input of the OCC conflict model, so the rules favour "which rows can two concurrent
calls both touch?" over SQL completeness:

* The WHERE clause is split into AND-ed conjuncts. A conjunct is an **equality key** when it compares
  a column of the *target* table (unqualified, or qualified by the target's name or alias) by ``=``,
  ``IN (…)``, ``= ANY(…)`` or ``IS NOT DISTINCT FROM`` with a *value*: parameters, literals, casts,
  arrays and expressions made only of those (``lower($1)``, ``$1 + 1``). ``(a, b) = ($1, $2)`` keys
  both columns, and ``a = $1 OR a = $2`` is read as ``a IN ($1, $2)``.
* A column compared with another table's column (a join predicate) is not a key: the rows are then
  chosen by the other table, which is a span of rows for the conflict model.
* Shape: every key value a literal → ``constant`` (the same rows on every call: a hot spot); a key
  column is tenant-like (:data:`costmodel.core.profile.TENANT_COLUMN_NAMES`) → ``tenant``; otherwise
  ``parameter``. The tenant column may stand anywhere among the equalities, because predicate order
  is arbitrary in SQL (``id = $1 AND tenant_id = $2`` is the same key as the reverse).
* No equality key: writes and locked reads → ``range`` when there is a WHERE clause, ``whole_table``
  when there is none; plain reads → ``none``.

Only node shapes of pglast's JSON tree are read here (dicts keyed by node type); the walker in
:mod:`costmodel.classify.statement` decides which table is the target.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, NamedTuple

from costmodel.core.profile import TENANT_COLUMN_NAMES, KeyShape

Node = dict[str, Any]

_TENANT = frozenset(TENANT_COLUMN_NAMES)
_EQ_KINDS = frozenset({"AEXPR_OP", "AEXPR_IN", "AEXPR_OP_ANY", "AEXPR_NOT_DISTINCT"})
_PARAM, _CONST = "param", "const"


class KeyResult(NamedTuple):
    """The key-shape columns of one statement (a NamedTuple: built once per statement, and a
    frozen dataclass costs several times more to construct)."""

    shape: KeyShape
    columns: tuple[str, ...] = ()
    tenant_column: str | None = None


NO_KEY = KeyResult(KeyShape.NONE)
UNKNOWN_KEY = KeyResult(KeyShape.UNKNOWN)
_WHOLE_TABLE_KEY = KeyResult(KeyShape.WHOLE_TABLE)
_RANGE_KEY = KeyResult(KeyShape.RANGE)
_UPSERT_KEY = KeyResult(KeyShape.UPSERT)
_CONSTANT, _TENANT_SHAPE, _PARAMETER, _UPSERT = (
    KeyShape.CONSTANT,
    KeyShape.TENANT,
    KeyShape.PARAMETER,
    KeyShape.UPSERT,
)
_key = tuple.__new__
"""``_key(KeyResult, (shape, columns, tenant))``: a KeyResult without the generated ``__new__`` (a Python
frame that costs more than the rest of :func:`_shape`); the results above are shared constants for
the same reason (this runs once per classified statement)."""


def where_key(where: Node | None, targets: Collection[str], *, write_like: bool) -> KeyResult:
    """Key shape of a WHERE clause on the target known by ``targets`` (its name and alias).

    ``write_like`` is True for UPDATE/DELETE and locked reads (no key → range / whole_table) and
    False for plain reads (no key → none).
    """
    if where is None:
        return _WHOLE_TABLE_KEY if write_like else NO_KEY
    equalities: list[tuple[str, str]] = []
    for conjunct in _conjuncts(where):
        found = _equality(conjunct, targets)
        if found:
            equalities.extend(found)
    if not equalities:
        return _RANGE_KEY if write_like else NO_KEY
    return _shape(equalities)


def upsert_key(insert: Node) -> KeyResult:
    """Key of ``INSERT … ON CONFLICT``: the conflict target; ``constant`` when its values are literals.

    The values of the conflict columns are found through the column list and the VALUES rows; when
    they cannot be mapped (no column list, INSERT … SELECT), every inserted value must be a literal.
    """
    clause = insert["onConflictClause"]
    infer = clause.get("infer") or {}
    columns = tuple(
        e["IndexElem"]["name"].lower()
        for e in infer.get("indexElems", ())
        if "IndexElem" in e and e["IndexElem"].get("name")
    )
    rows = _values_rows(insert)
    constant = False
    if rows:
        names = [c["ResTarget"].get("name", "").lower() for c in insert.get("cols", ()) if "ResTarget" in c]
        positions = [names.index(c) for c in columns if c in names]
        if names and columns and len(positions) == len(columns):
            picked: list[Node] = []
            for row in rows:
                picked.extend(row[i] for i in positions if i < len(row))
            constant = bool(picked) and _combine(picked) == _CONST
        else:
            constant = all(_combine(row) == _CONST for row in rows)
    return _key(KeyResult, (_CONSTANT if constant else _UPSERT, columns, None))


def merge_key(merge: Node, targets: Collection[str]) -> KeyResult:
    """Key of MERGE: an upsert keyed on the target columns equated in ``ON`` (with a source column
    or a value); ``constant`` / ``parameter`` when every such column is compared with a value."""
    columns: list[str] = []
    kinds: list[str | None] = []
    for conjunct in _conjuncts(merge.get("joinCondition")):
        expr = conjunct.get("A_Expr")
        if not expr or expr.get("kind") != "AEXPR_OP" or _operator(expr) != "=":
            continue
        for side, other in (("lexpr", "rexpr"), ("rexpr", "lexpr")):
            column = _target_column(expr.get(side), targets)
            if column is not None:
                columns.append(column)
                kinds.append(_value_kind(expr.get(other)))
                break
    if not columns:
        return _UPSERT_KEY
    if all(k is not None for k in kinds):
        return _shape([(c, k) for c, k in zip(columns, kinds) if k is not None])
    return KeyResult(KeyShape.UPSERT, _unique(columns))


def values_row_count(insert: Node) -> int:
    """Rows in the VALUES list of an INSERT (0 for INSERT … SELECT and DEFAULT VALUES)."""
    return len(_values_rows(insert))


def _values_rows(insert: Node) -> list[list[Node]]:
    select = (insert.get("selectStmt") or {}).get("SelectStmt") or {}
    return [row["List"].get("items", []) for row in select.get("valuesLists", ()) if "List" in row]


def _shape(equalities: list[tuple[str, str]]) -> KeyResult:
    columns: list[str] = []
    constant = True
    tenant = None
    for column, kind in equalities:
        if column not in columns:
            columns.append(column)
            if tenant is None and column in _TENANT:
                tenant = column
        if kind != _CONST:
            constant = False
    if constant:
        return _key(KeyResult, (_CONSTANT, tuple(columns), None))
    if tenant is not None:
        return _key(KeyResult, (_TENANT_SHAPE, tuple(columns), tenant))
    return _key(KeyResult, (_PARAMETER, tuple(columns), None))


def _unique(columns: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(columns))


def _conjuncts(node: Node | None) -> list[Node]:
    """The AND-ed parts of a boolean expression (nested ANDs flattened)."""
    if not node:
        return []
    boolean = node.get("BoolExpr")
    if boolean is None or boolean.get("boolop") != "AND_EXPR":
        return [node]
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        boolean = current.get("BoolExpr")
        if boolean is not None and boolean.get("boolop") == "AND_EXPR":
            stack.extend(reversed(boolean.get("args", ())))
        else:
            out.append(current)
    return out


def _equality(conjunct: Node, targets: Collection[str]) -> list[tuple[str, str]]:
    """(column, value kind) pairs when the conjunct is an equality key on the target, else []."""
    expr = conjunct.get("A_Expr")
    if expr is not None:
        if expr.get("kind") not in _EQ_KINDS or _operator(expr) != "=":
            return []
        left, right = expr.get("lexpr"), expr.get("rexpr")
        for column_side, value_side in ((left, right), (right, left)):
            value = _value_kind(value_side)
            if value is None:
                continue
            column = _target_column(column_side, targets)
            if column is not None:
                return [(column, value)]
            row = (column_side or {}).get("RowExpr")
            if row is not None:
                columns = [_target_column(a, targets) for a in row.get("args", ())]
                if columns and all(c is not None for c in columns):
                    return [(c, value) for c in columns if c is not None]
        return []
    boolean = conjunct.get("BoolExpr")
    if boolean is not None and boolean.get("boolop") == "OR_EXPR":
        branches = [_equality(arg, targets) for arg in boolean.get("args", ())]
        if all(len(b) == 1 for b in branches) and len({b[0][0] for b in branches}) == 1:
            kinds = {b[0][1] for b in branches}
            return [(branches[0][0][0], _PARAM if _PARAM in kinds else _CONST)]
    return []


def _operator(expr: Node) -> str:
    names = expr.get("name") or ()
    return names[-1].get("String", {}).get("sval", "") if names else ""


def _target_column(node: Node | None, targets: Collection[str]) -> str | None:
    """The column name when ``node`` is a ColumnRef of the target table (unqualified or qualified)."""
    ref = (node or {}).get("ColumnRef")
    if ref is None:
        return None
    fields: list[Node] = ref.get("fields") or []
    last = fields[-1].get("String") if fields else None
    if last is None:
        return None  # A_Star
    if len(fields) >= 2:
        qualifier = fields[-2].get("String")
        if qualifier is None or qualifier["sval"].lower() not in targets:
            return None
    return str(last["sval"]).lower()


def _value_kind(node: Node | None) -> str | None:
    """``param`` / ``const`` when the expression is made of parameters and literals only, else None."""
    if not node:
        return None
    if "ParamRef" in node:
        return _PARAM
    if "A_Const" in node:
        return _CONST
    for kind, body in node.items():
        if kind == "TypeCast":
            return _value_kind(body.get("arg"))
        if kind == "List":
            return _combine(body.get("items", ()))
        if kind == "A_ArrayExpr":
            return _combine(body.get("elements", ()))
        if kind in ("RowExpr", "CoalesceExpr", "MinMaxExpr"):
            return _combine(body.get("args", ()))
        if kind == "FuncCall":
            args = body.get("args", ())
            return _combine(args) if args else _PARAM  # now(), random(): differs between calls
        if kind == "A_Expr":
            return _combine([body[side] for side in ("lexpr", "rexpr") if side in body])
        if kind == "SQLValueFunction":
            return _PARAM
    return None


def _combine(nodes: Iterable[Node]) -> str | None:
    result = _CONST
    for node in nodes:
        kind = _value_kind(node)
        if kind is None:
            return None
        if kind == _PARAM:
            result = _PARAM
    return result
