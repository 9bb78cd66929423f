"""Writing new codes: a whole batch in one statement per attempt, or one voucher bought with
points (a conversion or a claimed reward)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text

from domain.errors import DomainError, ErrorCode
from domain.ledger import policy
from domain.ledger import posting as post
from domain.ledger.kinds import EntryKind
from domain.ledger.models import Account
from domain.uow import UnitOfWork
from domain.vouchers.codes import DEFAULT_CODE_LENGTH, random_codes
from domain.vouchers.models import Voucher, VoucherSource, VoucherTerms
from domain.vouchers.queries import voucher_columns, voucher_of
from domain.vouchers.tables import vouchers

# A new code colliding with a stored one is rare (60 bits by default); each attempt
# replaces only the codes that collided.
MAX_ATTEMPTS = 5
MAX_VALIDITY_DAYS = 3660
ISSUE_KEY_CONSTRAINT = "uq_vouchers_issue_key"

# Casts: in INSERT ... SELECT, PostgreSQL cannot infer a parameter's type from the column.
_INSERT_CODES = text("""
    WITH ins AS (
        INSERT INTO vouchers (code, batch_id, source, kind, value_minor, percent_bp, gift_sku,
                              valid_from, valid_until, max_uses, min_cart_minor, customer_id,
                              assigned_at, issue_key)
        SELECT c, CAST(:batch_id AS bigint), CAST(:source AS text), CAST(:kind AS text),
               CAST(:value_minor AS bigint), CAST(:percent_bp AS integer),
               CAST(:gift_sku AS text), CAST(:valid_from AS timestamptz),
               CAST(:valid_until AS timestamptz), CAST(:max_uses AS integer),
               CAST(:min_cart_minor AS bigint), CAST(:customer_id AS bigint),
               CAST(:assigned_at AS timestamptz), CAST(:issue_key AS text)
          FROM unnest(CAST(:codes AS text[])) AS c
        ON CONFLICT (code) DO NOTHING
        RETURNING id)
    SELECT count(*) AS inserted, min(id) AS first_id FROM ins
""")


async def insert_codes(
    uow: UnitOfWork, count: int, length: int, prefix: str, columns: dict[str, Any]
) -> int:
    """Insert `count` new vouchers with random codes and these column values, set-based;
    returns the id of the first one inserted."""
    left, first_id = count, None
    for _ in range(MAX_ATTEMPTS):
        codes = random_codes(left, length, prefix)
        row = (await uow.execute(_INSERT_CODES, {**columns, "codes": codes})).one()
        left -= row.inserted
        first_id = row.first_id if first_id is None else first_id
        if left == 0:
            assert first_id is not None
            return int(first_id)
    raise RuntimeError(f"no free codes found for prefix {prefix!r} after {MAX_ATTEMPTS} tries")


async def issue_voucher(
    uow: UnitOfWork,
    terms: VoucherTerms,
    customer_id: int,
    source: VoucherSource,
    issue_key: str,
    validity_days: int | None,
) -> Voucher:
    """One single-use voucher assigned to the customer, valid from now for `validity_days`
    (None: no end). A key already used raises IntegrityError on uq_vouchers_issue_key."""
    # The database's clock: the one a voucher's status is computed with.
    now = (await uow.execute(select(func.now()))).scalar_one()
    until = now + timedelta(days=validity_days) if validity_days else None
    valid = replace(terms, valid_from=now, valid_until=until, max_uses=1)
    voucher_id = await insert_codes(
        uow,
        1,
        DEFAULT_CODE_LENGTH,
        "",
        {
            **valid.columns(),
            "batch_id": None,
            "source": source.value,
            "customer_id": customer_id,
            "assigned_at": now,
            "issue_key": issue_key,
        },
    )
    row = (await uow.execute(select(*voucher_columns()).where(vouchers.c.id == voucher_id))).one()
    return voucher_of(row)


async def issued_under(uow: UnitOfWork, issue_key: str) -> Voucher | None:
    """The voucher a conversion or claim with this key issued, if any."""
    query = select(*voucher_columns()).where(vouchers.c.issue_key == issue_key)
    row = (await uow.execute(query)).one_or_none()
    return voucher_of(row) if row else None


def require_spendable(
    account: Account | None, points: int, field: str, *, pays_orders: bool = True
) -> Account:
    """The account, when it exists and the ledger policy lets it pay `points` (from its
    spendable points: the balance less what holds reserve) as it pays an order, PAYABLE
    included (`pays_orders`: domain.cards.sql.POINTS_PAYABLE, False for a customer whose
    only cards are PRIZE cards, since a voucher pays at the till); a refusal names `field`,
    the input that set the price. The debit's guard checks the amounts again on the locked
    row."""
    if account is None:
        raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
    funds = replace(account.funds, pays_orders=pays_orders)
    problem = policy.refusal(funds, policy.Change.pay_order(points))
    if problem is not None:
        raise DomainError([problem]).on_field(field)
    return account


async def pay_with_points(
    uow: UnitOfWork,
    customer_id: int,
    points: int,
    *,
    actor: str,
    source: tuple[str, str],
    key: str,
    field: str,
) -> post.Posted:
    """Debit a voucher's price as a REDEMPTION entry (source: its type and reference) under
    the idempotency key `key`; a refusal names `field`."""
    posting = post.Posting.of(
        customer_id,
        -points,
        EntryKind.REDEMPTION,
        actor,
        source_type=source[0],
        source_ref=source[1],
        idempotency_key=key,
    )
    try:
        return await post.debit(uow, posting)
    except DomainError as error:
        raise error.on_field(field, instead_of="points") from error
