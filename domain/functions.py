"""Every PL/pgSQL function the domain generates from its statements (domain/sqlfunctions.py).

A migration installs each as it is generated when the migration is written (its text frozen
there); tests/test_sql_functions.py fails when the database's copy differs from what the
domain generates now. To write the migration after changing a statement one of them is made
of: `python -m domain.functions` prints them as a migration's constants and steps."""

from __future__ import annotations

from domain.checkout.hold_statements import CAPTURE_HOLD, PLACE_HOLD
from domain.ledger.debiting import LEDGER_DEBIT
from domain.purchases.locked_insert import RECORD_NEW
from domain.sqlfunctions import SqlFunction

FUNCTIONS: tuple[SqlFunction, ...] = (LEDGER_DEBIT, PLACE_HOLD, CAPTURE_HOLD, RECORD_NEW)


def migration_text() -> str:
    """The functions as a migration's constants, upgrade and downgrade (to paste in)."""
    names = {f.name: f"_{f.name.upper()}" for f in FUNCTIONS}
    constants = "".join(f'{names[f.name]} = """\n{f.definition}\n"""\n\n' for f in FUNCTIONS)
    up = "".join(f"    op.execute({names[f.name]})\n" for f in FUNCTIONS)
    down = "".join(f'    op.execute("{f.drop}")\n' for f in reversed(FUNCTIONS))
    return f"{constants}\ndef upgrade() -> None:\n{up}\n\ndef downgrade() -> None:\n{down}"


def main() -> None:
    print(migration_text())


if __name__ == "__main__":
    main()
