"""Ledger GraphQL types."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from domain.errors import DomainError, Problem, Problems
from domain.ledger.expiring_soon import ExpiringPoints, check_window
from domain.ledger.kinds import EntryKind
from domain.ledger.models import Account, LedgerEntry
from schema.context import Info
from schema.errors import UserError, query_error

LedgerEntryKind = strawberry.enum(EntryKind, name="LedgerEntryKind")


@strawberry.type(name="ExpiringPoints", description="Points that expire on one day.")
class ExpiringPointsType:
    date: date = strawberry.field(description="The UTC day the points expire, at 00:00.")
    expires_at: datetime
    points: int

    @classmethod
    def of(cls, found: ExpiringPoints) -> ExpiringPointsType:
        return cls(date=found.date, expires_at=found.expires_at, points=found.points)


@strawberry.type(name="PointsSummary")
class PointsSummaryType:
    balance: int
    lifetime_earned: int = strawberry.field(
        description="Points earned, net of refunds (expiry does not lower it)."
    )
    lifetime_spent: int = strawberry.field(description="Points debited other than refunds.")
    lifetime_expired: int = strawberry.field(
        description="Points that expired; balance = earned - spent - expired."
    )
    held: int = strawberry.field(
        description="Reserved by checkouts: in the balance, not spendable."
    )
    spendable: int = strawberry.field(description="The balance less what is held.")
    customer_id: strawberry.Private[int]

    @classmethod
    def of(cls, account: Account) -> PointsSummaryType:
        return cls(
            balance=account.balance,
            lifetime_earned=account.lifetime_earned,
            lifetime_spent=account.lifetime_spent,
            lifetime_expired=account.lifetime_expired,
            held=account.held,
            spendable=account.spendable,
            customer_id=account.customer_id,
        )

    @strawberry.field(
        description="Points that expire within `withinDays` days (0 to 3660), by day, soonest "
        "first; points past their date that the daily expiry has not taken yet come first."
    )
    async def expiring_soon(self, info: Info, within_days: int = 30) -> list[ExpiringPointsType]:
        problems = Problems()
        check_window(problems, within_days)
        if problems.items:
            raise query_error(DomainError(problems.items))
        found = await info.context.loaders.expiring_points.load((self.customer_id, within_days))
        return [ExpiringPointsType.of(e) for e in found]


@strawberry.type(name="LedgerEntry", description="One movement of points; never changed.")
class LedgerEntryType:
    id: strawberry.ID
    customer_id: strawberry.ID
    points: int = strawberry.field(description="Signed: credits positive, debits negative.")
    balance_after: int
    kind: LedgerEntryKind  # type: ignore[valid-type]
    note: str | None
    source_type: str | None
    source: str | None = strawberry.field(description="What caused it, e.g. shop/order id.")
    actor: str = strawberry.field(description="Who did it: staff:<id>:<name>, system, ...")
    reverses_entry_id: strawberry.ID | None
    reversed_by_entry_id: strawberry.ID | None
    created_at: datetime

    @classmethod
    def of(cls, e: LedgerEntry) -> LedgerEntryType:
        return cls(
            id=strawberry.ID(str(e.id)),
            customer_id=strawberry.ID(str(e.customer_id)),
            points=e.points,
            balance_after=e.balance_after,
            kind=e.kind,
            note=e.note,
            source_type=e.source_type,
            source=e.source_ref,
            actor=e.actor,
            reverses_entry_id=strawberry.ID(str(e.reverses_entry_id))
            if e.reverses_entry_id
            else None,
            reversed_by_entry_id=strawberry.ID(str(e.reversed_by_entry_id))
            if e.reversed_by_entry_id
            else None,
            created_at=e.created_at,
        )


@strawberry.type
class AdjustmentPreview:
    customer_id: strawberry.ID
    current_balance: int
    projected_balance: int
    allowed: bool
    problems: list[UserError]

    @classmethod
    def of(
        cls, customer_id: int, current: int, projected: int, problems: tuple[Problem, ...]
    ) -> AdjustmentPreview:
        return cls(
            customer_id=strawberry.ID(str(customer_id)),
            current_balance=current,
            projected_balance=projected,
            allowed=not problems,
            problems=[UserError(field=p.field, code=p.code, message=p.message) for p in problems],
        )
