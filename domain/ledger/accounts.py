"""A customer's balance row: opening it, and holding off every balance write for a while.

Other areas reach the balance rows through these functions and through domain/ledger/sql.py
(reads); the ledger's postings (posting.py) and holds (holding.py) change them."""

from __future__ import annotations

from sqlalchemy import insert, text

from domain.ledger.tables import point_accounts
from domain.uow import UnitOfWork


async def open_account(uow: UnitOfWork, customer_id: int) -> None:
    """The new customer's balance row (a zero balance), in the open transaction."""
    await uow.execute(insert(point_accounts).values(customer_id=customer_id))


async def hold_balance_writes(uow: UnitOfWork) -> None:
    """No balance changes until the open transaction ends: SHARE on the balance rows waits
    for the writes under way and holds off new ones (they queue, they do not fail); plain
    reads are not blocked."""
    await uow.execute(text("LOCK TABLE point_accounts IN SHARE MODE"))
