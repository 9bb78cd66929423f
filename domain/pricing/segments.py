"""Price rules on saved segments (condition SEGMENT): whether the segment a rule names exists
when the rule is saved, whether the customer is in it when a cart is priced, and which
rules name a segment (so that it is not deleted from under them).

Saved segments belong to funnels/segments, which the domain does not import: the caller
hands a domain.segments.SegmentCatalog in. Membership is asked of PostgreSQL for the one
customer being priced, all the segments the rules name in one statement: each segment's
query compiled for that customer (reading their rows only: their purchases, not everyone's
totals), as an EXISTS. Nobody's membership is read into Python."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from domain.errors import DomainError, ErrorCode
from domain.pricing.models import PriceCondition, PriceRule, PriceRuleSpec
from domain.pricing.prices import valid_at
from domain.pricing.tables import price_rules
from domain.segments import SegmentCatalog
from domain.uow import UnitOfWork

logger = logging.getLogger(__name__)


async def require_segment(
    uow: UnitOfWork, spec: PriceRuleSpec, segments: SegmentCatalog | None
) -> None:
    """NOT_FOUND on `segment` when a SEGMENT rule names a saved segment that does not exist
    (or no catalog is given to look it up in), in the open unit of work."""
    name = spec.segment
    if name is None:
        return
    if segments is None:
        raise DomainError.one(
            "segment", ErrorCode.NOT_FOUND, "Saved segments are not available here."
        )
    if not await segments.exists(uow, name):
        raise DomainError.one("segment", ErrorCode.NOT_FOUND, f"No saved segment {name!r}.")


def segments_named(rules: Sequence[PriceRule], at: datetime) -> list[str]:
    """The saved segments the SEGMENT rules valid at `at` name, once each."""
    return list(
        dict.fromkeys(
            rule.spec.segment
            for rule in rules
            if rule.spec.condition is PriceCondition.SEGMENT
            and rule.spec.segment is not None
            and valid_at(rule.spec, at)
        )
    )


async def segments_held(
    uow: UnitOfWork,
    segments: SegmentCatalog | None,
    customer_id: int,
    names: Sequence[str],
    now: datetime,
) -> frozenset[str]:
    """Which of the saved segments `names` the customer is in at `now`, in the open unit of
    work: the catalog's read of the segments, then one statement for all of them. A
    segment that cannot be evaluated (its filter no longer compiles, or no catalog is
    given) counts as one the customer is not in, with a warning: its rules do not apply."""
    if not names:
        return frozenset()
    if segments is None:
        logger.warning("price rules on saved segments %s do not apply: no catalog", names)
        return frozenset()
    found = await segments.members_of_each(uow, names, now, customer_id)
    for name, error in found.refused.items():
        why = "; ".join(f"{p.code}: {p.message}" for p in error.problems)
        logger.warning("price rules on saved segment %r do not apply: %s", name, why)
    asked = list(found.queries.items())
    if not asked:
        return frozenset()
    tests = [_holds(query, customer_id).label(f"in_{i}") for i, (_, query) in enumerate(asked)]
    row = (await uow.execute(select(*tests))).one()
    return frozenset(name for (name, _), held in zip(asked, row, strict=True) if held)


def _holds(members: Select[Any], customer_id: int) -> ColumnElement[bool]:
    """Whether the segment's query of members selects this customer (its first column is
    the customer's id; narrowed here too, whatever the catalog compiled)."""
    column = members.selected_columns[0]
    return members.where(column == customer_id).exists()


async def rules_naming_segment(uow: UnitOfWork, name: str) -> list[str]:
    """The price rules (active or not) whose condition names the saved segment `name`, as
    "<name> (id <id>)" (rule names need not be unique), in the open unit of work: a
    segment in use is not deleted."""
    query = (
        select(price_rules.c.id, price_rules.c.name)
        .where(price_rules.c.segment == name)
        .order_by(price_rules.c.id)
    )
    return [f"{row.name} (id {row.id})" for row in await uow.execute(query)]
