"""PL/pgSQL functions made of the domain's own textual statements, so that a write needing
several statements (lock a row, then read what the lock protects) costs one round trip while
each statement's SQL stays written once, beside its rule.

Why a function: in READ COMMITTED each statement of a VOLATILE function takes a fresh
snapshot, so a statement run after another that locked a row sees everything committed
before the lock was granted; one statement with CTEs cannot (its snapshot predates its
locks). Called on a `OneStatement` connection, the call is its own transaction: no BEGIN
and COMMIT round trips either.

A function is its statements (`Run`, with `:named` parameters as SQLAlchemy's `text()`
writes them) and PL/pgSQL lines between them for the control flow. A parameter not bound to
an expression (a field of an earlier statement's record, a literal) becomes the function's
argument `p_<name>`, in the order the statements first use them; the results are OUT
columns, set from the records by `returns`. Column names win over variable names
(`#variable_conflict use_column`), so the statements mean inside the function what they
mean outside it, whatever the OUT columns are called.

The generated `definition` is frozen into a migration (migrations must not import changing
domain code); tests/test_sql_functions.py fails when the database's copy differs from what
is generated now."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import TextClause, text

# A bind parameter as SQLAlchemy's text() finds one (not a `::` cast, not `\:` escaped).
_PARAMETER = re.compile(r"(?<![:\w\\]):(\w+)(?![:\w])")


@dataclass(frozen=True)
class Run:
    """One statement of a function: its row (the first, if any) goes into the record
    variable `into`; `bind` maps a parameter to a PL/pgSQL expression, the others are the
    function's arguments. A SELECT whose row is not wanted runs as PERFORM."""

    statement: TextClause | str
    into: str | None = None
    bind: Mapping[str, str] = field(default_factory=dict)

    @property
    def sql(self) -> str:
        raw = self.statement if isinstance(self.statement, str) else self.statement.text
        return "\n".join(line.rstrip() for line in raw.strip("\n").splitlines())

    def parameters(self) -> list[str]:
        """The statement's parameters that are not bound, in order, each once."""
        return list(dict.fromkeys(n for n in _PARAMETER.findall(self.sql) if n not in self.bind))

    def plpgsql(self) -> str:
        sql = _PARAMETER.sub(lambda m: self.bind.get(m[1], f"p_{m[1]}"), self.sql).rstrip()
        if self.into is not None:
            return f"{sql}\n    INTO {self.into};"
        stripped = sql.lstrip()
        if stripped.upper().startswith("SELECT"):
            return sql[: len(sql) - len(stripped)] + "PERFORM" + stripped[len("SELECT") :] + ";"
        return f"{sql};"


def returns(record: str, columns: list[str] | tuple[str, ...]) -> str:
    """PL/pgSQL setting OUT columns from the record's fields of the same names."""
    return "\n".join(f"{name} := {record}.{name};" for name in columns)


Step = Run | str


@dataclass(frozen=True)
class SqlFunction:
    """A PL/pgSQL function: `types` gives each argument's SQL type (every unbound parameter
    of its statements needs one), `results` the OUT columns, `records` the record variables
    the statements fill, `body` the statements and the lines between them."""

    name: str
    types: Mapping[str, str]
    results: tuple[tuple[str, str], ...]
    records: tuple[str, ...]
    body: tuple[Step, ...]

    @cached_property
    def arguments(self) -> tuple[str, ...]:
        """The arguments' parameter names (without `p_`), in the order of the call."""
        steps = (step.plpgsql() if isinstance(step, Run) else step for step in self.body)
        found = dict.fromkeys(n for step in steps for n in re.findall(r"\bp_(\w+)", step))
        missing = [name for name in found if name not in self.types]
        if missing:
            raise TypeError(f"{self.name}: no SQL type for {missing}")
        unused = [name for name in self.types if name not in found]
        if unused:
            raise TypeError(f"{self.name}: typed but never used: {unused}")
        return tuple(found)

    @property
    def source(self) -> str:
        """The function's body as PostgreSQL stores it (pg_proc.prosrc)."""
        declare = "".join(f"    {name} record;\n" for name in self.records)
        steps = "\n".join(
            step.plpgsql() if isinstance(step, Run) else _indented(step) for step in self.body
        )
        return f"\n#variable_conflict use_column\nDECLARE\n{declare}BEGIN\n{steps}\nEND\n"

    @property
    def signature(self) -> str:
        """The argument list, OUT columns included, as CREATE FUNCTION takes it."""
        ins = [f"p_{name} {self.types[name]}" for name in self.arguments]
        outs = [f"OUT {name} {sql_type}" for name, sql_type in self.results]
        return "".join(f"\n    {part}," for part in ins + outs).rstrip(",") + "\n"

    @property
    def definition(self) -> str:
        """CREATE OR REPLACE FUNCTION ..., as a migration runs it."""
        return (
            f"CREATE OR REPLACE FUNCTION {self.name}({self.signature})\n"
            f"LANGUAGE plpgsql VOLATILE AS $fn${self.source}$fn$"
        )

    @property
    def drop(self) -> str:
        """DROP FUNCTION ..., as a migration's downgrade runs it."""
        return f"DROP FUNCTION {self.name}({', '.join(self.types[n] for n in self.arguments)})"

    @cached_property
    def call(self) -> TextClause:
        """`SELECT * FROM name(:a, :b, ...)`: one row of the OUT columns."""
        args = ", ".join(f":{name}" for name in self.arguments)
        return text(f"SELECT * FROM {self.name}({args})")


def _indented(lines: str) -> str:
    return "\n".join(f"    {line}".rstrip() for line in lines.strip("\n").splitlines())
