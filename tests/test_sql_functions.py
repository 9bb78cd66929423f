"""The PL/pgSQL functions in the migrated database are the ones the domain generates now.

A function is generated from the domain's statements (domain/sqlfunctions.py) but installed
by a migration, with its text frozen there. Given the database as migrated, when each
function the domain lists is created afresh in a scratch schema, then its definition is the
installed one's: a statement changed without a migration that redefines the function fails
here."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.functions import FUNCTIONS, migration_text
from domain.sqlfunctions import Run, SqlFunction, returns

_DEFINITION = text("""
    SELECT pg_get_functiondef(p.oid) FROM pg_proc p
      JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = :schema AND p.proname = :name
""")


async def test_every_generated_function_is_installed_as_generated(engine: AsyncEngine) -> None:
    stale = []
    async with engine.connect() as conn, conn.begin() as tx:
        await conn.execute(text("CREATE SCHEMA generated_now"))
        for function in FUNCTIONS:
            fresh = function.definition.replace(
                f"FUNCTION {function.name}(", f"FUNCTION generated_now.{function.name}(", 1
            )
            await conn.exec_driver_sql(fresh)
            found = {}
            for schema in ("public", "generated_now"):
                params = {"schema": schema, "name": function.name}
                found[schema] = (await conn.execute(_DEFINITION, params)).scalar_one_or_none()
            generated = (found["generated_now"] or "").replace("generated_now.", "public.", 1)
            if found["public"] != generated:
                stale.append(function.name)
        await tx.rollback()
    assert not stale, (
        f"{stale}: the database's functions differ from what the domain generates now. "
        "A statement they are made of changed: add a migration that redefines them "
        "(`python -m domain.functions` prints their definitions)."
    )


def test_a_function_takes_each_unbound_parameter_once_as_an_argument() -> None:
    # Given two statements sharing :customer_id, the second's :balance bound to the first's row
    function = SqlFunction(
        name="f",
        types={"customer_id": "bigint", "points": "bigint"},
        results=(("balance", "bigint"),),
        records=("r_a",),
        body=(
            Run("SELECT balance FROM accounts WHERE customer_id = :customer_id", "r_a"),
            Run(
                "UPDATE accounts SET balance = :balance + :points, note = 'a:b', x = y::text "
                "WHERE customer_id = :customer_id",
                bind={"balance": "r_a.balance"},
            ),
            returns("r_a", ("balance",)),
        ),
    )
    # Then the arguments are the unbound parameters, in order, and casts and literals stay
    assert function.arguments == ("customer_id", "points")
    assert "SET balance = r_a.balance + p_points, note = 'a:b', x = y::text" in function.source
    assert "WHERE customer_id = p_customer_id\n    INTO r_a;" in function.source
    assert function.call.text == "SELECT * FROM f(:customer_id, :points)"


def test_the_migration_text_lists_every_function() -> None:
    written = migration_text()
    for function in FUNCTIONS:
        assert function.definition in written and function.drop in written
