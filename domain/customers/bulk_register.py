"""Registering many customers at once: a bulk import's new customers, set-based.

What a registration writes for one customer (services.RegisterCustomer), less what does
not apply to a customer carried over from another system: the customer in the default
category and its zero balance row (ledger.accounts), and a consent_changes row (source
STAFF, by the importing actor) for each consent the file grants. Not written: the
CustomerRegistered event and the REGISTRATION action's points (an imported customer did
not register now: no welcome funnel, no welcome points), a card. The fields are the ones
clean_customer_fields checked (the caller checks every row with it before staging).

A customer whose external reference exists is left as it is (ON CONFLICT DO NOTHING): so a
file loaded twice, or a chunk run again, registers each customer once."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import text

from domain.customers import repository as repo
from domain.customers.consent import CONSENT_COLUMNS
from domain.customers.models import ConsentSource
from domain.ledger.accounts import open_accounts
from domain.uow import UnitOfWork

# The columns a bulk registration writes; `rows` gives them (and `ord`: the order of ids).
IMPORTED_COLUMNS = (
    "external_ref",
    "email",
    "phone",
    "first_name",
    "last_name",
    "locale",
    "time_zone",
    "birth_date",
    "consent_email",
    "consent_sms",
)

_REGISTER = """
    WITH new AS (
        INSERT INTO customers ({columns}, category_id)
        SELECT {columns}, CAST(:category_id AS bigint) FROM ({rows}) r ORDER BY r.ord
        ON CONFLICT (external_ref) DO NOTHING
        RETURNING id, consent_email, consent_sms),
    consent AS (
        INSERT INTO consent_changes (customer_id, channel, granted, source, actor)
        SELECT g.id, g.channel, true, '{source}', CAST(:actor AS text)
          FROM ({granted}) g)
    SELECT id FROM new ORDER BY id
"""


async def register_many(
    uow: UnitOfWork,
    rows: str,
    params: Mapping[str, object],
    actor: str,
    *,
    open_accounts_too: bool = True,
) -> list[int]:
    """Register the customers of the relation `rows` (SQL with the IMPORTED_COLUMNS, all
    checked, external_ref unique among them, and `ord`; `params` binds its parameters)
    whose external reference is new, in the open transaction; their new ids.

    Guarantees: each customer is registered once (an existing external reference is
    skipped), with its balance row and its consent history, in the default category. A
    caller that opens the balance rows itself, in the same transaction, with an opening
    balance each (ledger.opening.open_new_accounts), passes open_accounts_too=False."""
    granted = " UNION ALL ".join(
        f"SELECT id, '{channel.value}' AS channel FROM new WHERE {column}"
        for column, channel in CONSENT_COLUMNS.items()
    )
    statement = _REGISTER.format(
        columns=", ".join(IMPORTED_COLUMNS),
        rows=rows,
        source=ConsentSource.STAFF.value,
        granted=granted,
    )
    category_id = await repo.default_category_id(uow)
    result = await uow.execute(
        text(statement), {**params, "category_id": category_id, "actor": actor}
    )
    ids = [int(cid) for cid in result.scalars()]
    if open_accounts_too:
        await open_accounts(uow, ids)
    return ids


# One array parameter, whatever the number of references (a bulk import asks for a chunk's
# 50,000 at once; PostgreSQL's protocol takes at most 32,767 parameters a statement).
_KNOWN = text("""
    SELECT external_ref FROM customers
     WHERE external_ref = ANY(CAST(:refs AS text[])) AND erased_at IS NULL""")


async def known_refs(uow: UnitOfWork, external_refs: list[str]) -> set[str]:
    """Which of these external references a customer not erased has, in the open unit of
    work."""
    found = await uow.execute(_KNOWN, {"refs": list(external_refs)})
    return {str(ref) for ref in found.scalars()}


# FOR KEY SHARE: an erasure (which locks the row FOR UPDATE) or a change of reference (a
# key's update) waits until the transaction ends; other changes of the customer do not.
_LOCK_NAMED = """
    SELECT c.id FROM customers c
     WHERE c.erased_at IS NULL AND c.external_ref IN (SELECT s.external_ref FROM ({rows}) s)
     ORDER BY c.id
       FOR KEY SHARE OF c"""


async def lock_named(uow: UnitOfWork, rows: str, params: Mapping[str, object]) -> None:
    """Lock the customers not erased whose reference the relation `rows` (SQL with an
    `external_ref` column; `params` binds its parameters) names, until the transaction
    ends: none of them is erased or changes reference meanwhile, so what is written to
    them by reference in this transaction reaches the customers found now."""
    await uow.execute(text(_LOCK_NAMED.format(rows=rows)), dict(params))
