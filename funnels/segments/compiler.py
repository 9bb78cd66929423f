"""A checked segment filter compiled to ONE SQLAlchemy Core query of customer ids, evaluated
by PostgreSQL at a given `now`: conditions on the customer's own row and balance row are
plain predicates; conditions on other areas' rows are EXISTS or IN over set-based
relations those areas expose (domain/<area>/sql.py), never a Python loop per customer.

Saved segments are expanded inline (a cycle between them is refused here too, in case
one was saved before this check existed or by hand). Funnel conditions (inFunnel,
goalReached) read the funnel engine's tables, which this package does not own: the engine
passes its `FunnelConditions` to the compiler; without it those conditions are refused
with FUNNEL_ENGINE_REQUIRED.

Every leaf condition is two-valued (true or false, never NULL), so that `not` is the
complement of its condition: a customer without purchases is matched by
`{"not": {"lastPurchase": {"after": "P90D"}}}`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    DateTime,
    Select,
    Subquery,
    Text,
    and_,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import INTERVAL
from sqlalchemy.sql.elements import ColumnElement

from domain.analytics.sql import rfm_relation
from domain.badges.sql import holds_badge
from domain.customers.sql import categories_named, profiles
from domain.customers.validation import canonical_locale
from domain.errors import DomainError, ErrorCode
from domain.ledger.sql import accounts
from domain.purchases.sql import purchase_totals
from domain.vouchers.sql import holds_usable_voucher, redeemed_a_voucher
from funnels.segments import model as m
from funnels.segments.attributes import attribute_condition
from funnels.segments.birthdays import birthday_condition
from funnels.segments.model import join_path

# Saved segments inside one another at most this deep, and at most this many conditions
# once every saved segment is expanded (the query stays one a planner handles quickly).
MAX_SEGMENT_NESTING = 8
MAX_EXPANDED_CONDITIONS = 2_000


class FunnelConditions(Protocol):
    """What the funnel engine gives the compiler for the conditions on its own tables.

    Each method returns a two-valued SQL condition on `customer_id` (a column of the
    enclosing query), such as an EXISTS over the engine's enrollments."""

    def in_funnel(
        self, customer_id: ColumnElement[int], funnel: str, now: datetime
    ) -> ColumnElement[bool]:
        """The customer is enrolled in the funnel `funnel` (by its key) and not out of it."""

    def goal_reached(
        self,
        customer_id: ColumnElement[int],
        funnel: str,
        goal: str | None,
        since: ColumnElement[datetime] | None,
        now: datetime,
    ) -> ColumnElement[bool]:
        """The customer reached the goal (any goal when None) of the funnel, at or after
        `since` when given."""


def compile_filter(
    segment: m.SegmentFilter,
    now: datetime,
    *,
    saved: Mapping[str, m.SegmentFilter] | None = None,
    funnels: FunnelConditions | None = None,
    default_time_zone: str = "UTC",
    path: str = "filter",
    customer_id: int | None = None,
) -> Select[tuple[int]]:
    """The query of the ids of the customers the filter matches at `now` (aware), one
    statement; erased customers are never among them (whatever the filter: the profiles
    leave them out), so segment previews, gift schedules, price rules, funnels' entries,
    branches and exits, and dry runs all leave them out. `saved`: the saved segments the
    filter names, directly or through others, by name (saved.load_saved reads them).
    `customer_id`: whether that one customer matches (the query selects them or nothing),
    reading only their rows: the purchase totals, which for all customers are one scan and
    aggregate of the period's purchases, are theirs alone (what pricing a cart asks, per
    request). Raises DomainError, naming
    the field under `path`: a saved segment missing (NOT_FOUND) or in a cycle
    (SEGMENT_CYCLE), a funnel condition without `funnels` (FUNNEL_ENGINE_REQUIRED), too
    large once expanded (OUT_OF_RANGE)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    compiler = _Compiler(now, saved or {}, funnels, default_time_zone, path, customer_id)
    condition = compiler.condition(segment, (), None)
    p, a = compiler.profile, compiler.account
    query = select(p.c.id).select_from(p.outerjoin(a, a.c.customer_id == p.c.id))
    if customer_id is not None:
        query = query.where(p.c.id == customer_id)
    return query.where(condition)


class _Compiler:
    def __init__(
        self,
        now: datetime,
        saved: Mapping[str, m.SegmentFilter],
        funnels: FunnelConditions | None,
        default_time_zone: str,
        prefix: str,
        customer_id: int | None = None,
    ) -> None:
        self.now = now
        self.customer_id = customer_id
        self.saved = saved
        self.funnels = funnels
        self.default_time_zone = default_time_zone
        self.prefix = prefix
        self.profile = profiles()
        self.account = accounts()
        self.conditions = 0

    def refuse(
        self, node: m.SegmentFilter, anchor: m.SegmentFilter | None, code: ErrorCode, message: str
    ) -> DomainError:
        """The error on `node`, named at `anchor` when inside a saved segment (the place
        in the caller's own filter that led there)."""
        where = anchor if anchor is not None else node
        return DomainError.one(join_path(self.prefix, where.path), code, message)

    def at(self) -> ColumnElement[datetime]:
        return literal(self.now, DateTime(timezone=True))

    def moment(self, moment: m.Moment) -> ColumnElement[datetime]:
        if isinstance(moment, m.Absolute):
            return literal(moment.at, DateTime(timezone=True))
        return self.at() - cast(literal(moment.duration, Text), INTERVAL)

    def condition(
        self, node: m.SegmentFilter, within: tuple[str, ...], anchor: m.SegmentFilter | None
    ) -> ColumnElement[bool]:
        """`within`: the saved segments being expanded around this node, outermost first;
        `anchor`: the reference in the caller's filter that expanded the outermost one."""
        self.conditions += 1
        if self.conditions > MAX_EXPANDED_CONDITIONS:
            raise self.refuse(
                node,
                anchor,
                ErrorCode.OUT_OF_RANGE,
                f"More than {MAX_EXPANDED_CONDITIONS} conditions once saved segments are expanded.",
            )
        match node:
            case m.All(items):
                return and_(true(), *(self.condition(i, within, anchor) for i in items))
            case m.AnyOf(items):
                return or_(false(), *(self.condition(i, within, anchor) for i in items))
            case m.Not(item):
                return not_(self.condition(item, within, anchor))
            case m.SegmentRef(name):
                return self.segment(node, name, within, anchor or node)
        return self.leaf(node, anchor)

    def segment(
        self, node: m.SegmentFilter, name: str, within: tuple[str, ...], anchor: m.SegmentFilter
    ) -> ColumnElement[bool]:
        if name in within:
            loop = " -> ".join((*within[within.index(name) :], name))
            why = f"Saved segments in a cycle: {loop}."
            raise self.refuse(node, anchor, ErrorCode.SEGMENT_CYCLE, why)
        if len(within) >= MAX_SEGMENT_NESTING:
            raise self.refuse(
                node,
                anchor,
                ErrorCode.OUT_OF_RANGE,
                f"Saved segments nested more than {MAX_SEGMENT_NESTING} deep.",
            )
        found = self.saved.get(name)
        if found is None:
            why = f"No saved segment named {name!r}."
            raise self.refuse(node, anchor, ErrorCode.NOT_FOUND, why)
        return self.condition(found, (*within, name), anchor)

    def leaf(self, node: m.SegmentFilter, anchor: m.SegmentFilter | None) -> ColumnElement[bool]:
        """A leaf on the customer's own rows (profile, balance), else on other rows."""
        own = self.own_leaf(node)
        return own if own is not None else self.activity_leaf(node, anchor)

    def own_leaf(self, node: m.SegmentFilter) -> ColumnElement[bool] | None:
        """Conditions on the customer's profile and balance row (None for another leaf)."""
        p, a = self.profile.c, self.account.c
        match node:
            case m.Points(field, comparison):
                return _compare(func.coalesce(a[field], 0), comparison)
            case m.Category(names):
                return p.category_id.in_(categories_named(names))
            case m.Consent(channels):
                columns = {"email": p.consent_email, "sms": p.consent_sms}
                return and_(*(columns[c] == granted for c, granted in channels))
            case m.Registered(before, after):
                wanted = [p.created_at < self.moment(before)] if before else []
                if after:
                    wanted.append(p.created_at >= self.moment(after))
                return and_(*wanted)
            case m.Birthday():
                condition = birthday_condition(
                    node, p.birth_date, p.time_zone, self.now, self.default_time_zone
                )
                return condition.is_(True)
            case m.Locale(tags):
                return _locale(p.locale, tags).is_(True)
            case m.Attribute():
                return attribute_condition(node, p.attributes, self.now).is_(True)
        return None

    def activity_leaf(
        self, node: m.SegmentFilter, anchor: m.SegmentFilter | None
    ) -> ColumnElement[bool]:
        """Conditions on other areas' rows: EXISTS or IN over their set-based relations."""
        cid = self.profile.c.id
        match node:
            case m.Badge(badge, held):
                exists = holds_badge(cid, badge)
                return exists if held else ~exists
            case m.Purchases(count, since, shops):
                return self.totals(count, "purchases", since, shops)
            case m.Rfm(field, comparison):
                return self.rfm(field, comparison)
            case m.Spend(comparison, since, shops):
                return self.totals(comparison, "spend_minor", since, shops)
            case m.LastPurchase(before, after):
                totals = self.purchase_totals(None, ())
                wanted = [totals.c.last_at < self.moment(before)] if before else []
                if after:
                    wanted.append(totals.c.last_at >= self.moment(after))
                return cid.in_(select(totals.c.customer_id).where(*wanted))
            case m.Shop(shops, since):
                totals = self.purchase_totals(since, shops)
                return cid.in_(select(totals.c.customer_id))
            case m.Vouchers(held, redeemed, batch):
                wanted = []
                if held is not None:
                    holds = holds_usable_voucher(cid, self.at(), batch)
                    wanted.append(holds if held else ~holds)
                if redeemed is not None:
                    used = redeemed_a_voucher(cid, batch)
                    wanted.append(used if redeemed else ~used)
                return and_(*wanted)
            case m.InFunnel(funnel):
                return self.engine(node, anchor).in_funnel(cid, funnel, self.now)
            case m.GoalReached(funnel, goal, since):
                start = self.moment(since) if since else None
                return self.engine(node, anchor).goal_reached(cid, funnel, goal, start, self.now)
        raise AssertionError(f"no SQL for {type(node).__name__}")  # pragma: no cover

    def totals(
        self, comparison: m.Comparison, column: str, since: m.Moment | None, shops: tuple[str, ...]
    ) -> ColumnElement[bool]:
        """A count or spend compared: customers absent from the totals have 0, so when 0
        passes the comparison the customers matched are all but those whose totals fail
        it, else those whose totals pass it (either way one hashed IN over one scan)."""
        totals = self.purchase_totals(since, shops)
        value = totals.c[column]
        cid = self.profile.c.id
        if comparison.holds_for(0):
            failing = select(totals.c.customer_id).where(~_compare(value, comparison))
            return cid.not_in(failing)
        return cid.in_(select(totals.c.customer_id).where(_compare(value, comparison)))

    def rfm(self, field: str, comparison: m.Comparison) -> ColumnElement[bool]:
        """An RFM score compared: a customer without scores has 0, as in totals()."""
        scores = rfm_relation()
        value = scores.c[field]
        cid = self.profile.c.id
        if self.customer_id is not None:
            scores = select(scores).where(scores.c.customer_id == self.customer_id).subquery()
            value = scores.c[field]
        if comparison.holds_for(0):
            failing = select(scores.c.customer_id).where(~_compare(value, comparison))
            return cid.not_in(failing)
        return cid.in_(select(scores.c.customer_id).where(_compare(value, comparison)))

    def purchase_totals(self, since: m.Moment | None, shops: tuple[str, ...]) -> Subquery:
        """The purchases' totals from `since` at `shops`: every customer's, or only the one
        customer's the query is compiled for."""
        start = self.moment(since) if since else None
        return purchase_totals(start, shops, self.customer_id)

    def engine(self, node: m.SegmentFilter, anchor: m.SegmentFilter | None) -> FunnelConditions:
        if self.funnels is None:
            raise self.refuse(
                node,
                anchor,
                ErrorCode.FUNNEL_ENGINE_REQUIRED,
                "Funnel conditions need the funnel engine, which is not running here.",
            )
        return self.funnels


def _compare(value: ColumnElement[Any], comparison: m.Comparison) -> ColumnElement[bool]:
    ops = {
        "eq": value.__eq__,
        "ne": value.__ne__,
        "gt": value.__gt__,
        "gte": value.__ge__,
        "lt": value.__lt__,
        "lte": value.__le__,
    }
    return and_(*(ops[op](literal(bound, BigInteger)) for op, bound in comparison.checks))


def _locale(locale: ColumnElement[str | None], tags: tuple[str, ...]) -> ColumnElement[bool]:
    """A full tag matches the locale it is stored as (customers' locales are stored in
    canonical form: zh-TW as zh-Hant-TW), in any case; a bare language also matches its
    regions."""
    lowered = func.lower(locale)
    matches: list[ColumnElement[bool]] = []
    for tag in tags:
        if "-" in tag:
            # A tag CLDR does not know is compared as it is: no stored locale has it.
            matches.append(lowered == (canonical_locale(tag) or tag).lower())
        else:
            matches.append(lowered == tag.lower())
            matches.append(lowered.startswith(tag.lower() + "-"))
    return or_(*matches)
