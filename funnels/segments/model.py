"""A segment filter once checked: a tree of plain frozen values, built by `check_filter` from
the JSON a marketer writes, compiled to SQL by `compiler.compile_filter`.

Every node carries `path`, where it stands in the filter's JSON relative to the filter
itself (`all[1].balance`), so that a later check (a reference, a cycle) names the field at
fault as the syntactic check does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

# A number comparison's operators, in the order docs/segments.md lists them.
NUMBER_OPS = ("eq", "ne", "gt", "gte", "lt", "lte")
NumberOp = Literal["eq", "ne", "gt", "gte", "lt", "lte"]

AttributeType = Literal["number", "string", "boolean", "date"]
# Which operators each attribute type takes (`exists` takes any type).
ATTRIBUTE_OPS: dict[str, tuple[str, ...]] = {
    "number": (*NUMBER_OPS, "in", "exists"),
    "string": (*NUMBER_OPS, "in", "contains", "exists"),
    "boolean": ("eq", "ne", "exists"),
    "date": (*NUMBER_OPS, "exists"),
}

# The customer's point figures a `Points` condition compares, by their JSON name.
POINT_FIELDS = {
    "balance": "balance",
    "spendable": "spendable",
    "lifetimeEarned": "lifetime_earned",
    "lifetimeSpent": "lifetime_spent",
}


# The RFM scores a `Rfm` condition compares (1 to 5; 0 for a customer without a score), by
# their JSON name.
RFM_FIELDS = {"rfmRecency": "recency", "rfmFrequency": "frequency", "rfmMonetary": "monetary"}


@dataclass(frozen=True)
class Comparison:
    """Every check must hold: ((op, value), ...), e.g. (("gte", 500), ("lt", 1000))."""

    checks: tuple[tuple[NumberOp, int], ...]

    def holds_for(self, value: int) -> bool:
        """Whether `value` passes every check (so a customer with no purchases, whose count
        and spend are 0, can be matched by `{"eq": 0}`)."""
        tests = {
            "eq": value.__eq__,
            "ne": value.__ne__,
            "gt": value.__gt__,
            "gte": value.__ge__,
            "lt": value.__lt__,
            "lte": value.__le__,
        }
        return all(tests[op](bound) for op, bound in self.checks)


@dataclass(frozen=True)
class Relative:
    """A moment `duration` (ISO 8601, `P90D`) before the evaluation's `now`."""

    duration: str


@dataclass(frozen=True)
class Absolute:
    """A fixed moment (a date alone is its midnight UTC)."""

    at: datetime


Moment = Relative | Absolute


@dataclass(frozen=True)
class All:
    items: tuple[SegmentFilter, ...]
    path: str = ""


@dataclass(frozen=True)
class AnyOf:
    items: tuple[SegmentFilter, ...]
    path: str = ""


@dataclass(frozen=True)
class Not:
    item: SegmentFilter
    path: str = ""


@dataclass(frozen=True)
class Points:
    """balance, spendable, lifetime_earned or lifetime_spent compared with whole points."""

    field: str
    comparison: Comparison
    path: str = ""


@dataclass(frozen=True)
class Rfm:
    """The customer's RFM score `field` (recency, frequency or monetary) compared; 0 when
    they have none (no order in the RFM window)."""

    field: str
    comparison: Comparison
    path: str = ""


@dataclass(frozen=True)
class Category:
    """In any of the categories with these names."""

    names: tuple[str, ...]
    path: str = ""


@dataclass(frozen=True)
class Badge:
    """Holds (or not) a badge given by id (int) or title (str)."""

    badge: int | str
    held: bool
    path: str = ""


@dataclass(frozen=True)
class Consent:
    """Per channel ("email", "sms"), whether the customer's consent must be on or off."""

    channels: tuple[tuple[str, bool], ...]
    path: str = ""


@dataclass(frozen=True)
class Purchases:
    """The number of paid or completed orders since `since` (at `shops`) compared."""

    count: Comparison
    since: Moment | None = None
    shops: tuple[str, ...] = ()
    path: str = ""


@dataclass(frozen=True)
class Spend:
    """What the paid or completed orders since `since` (at `shops`) came to, net of
    refunds, in minor units, compared."""

    comparison: Comparison
    since: Moment | None = None
    shops: tuple[str, ...] = ()
    path: str = ""


@dataclass(frozen=True)
class LastPurchase:
    """The latest paid or completed order was before `before` and at or after `after`
    (only customers who bought at least once match)."""

    before: Moment | None = None
    after: Moment | None = None
    path: str = ""


@dataclass(frozen=True)
class Registered:
    """Registered before `before` (exclusive) and at or after `after`."""

    before: Moment | None = None
    after: Moment | None = None
    path: str = ""


BirthdayKind = Literal["today", "thisMonth", "inDays", "withinDays"]


@dataclass(frozen=True)
class Birthday:
    """The birthday (in the customer's own time zone) is today, this month, exactly `days`
    from today, or within the next `days` days (today included)."""

    kind: BirthdayKind
    days: int = 0
    path: str = ""


@dataclass(frozen=True)
class Locale:
    """The locale is one of `tags`; a bare language (`it`) matches all its regions."""

    tags: tuple[str, ...]
    path: str = ""


@dataclass(frozen=True)
class Shop:
    """Bought (a paid or completed order) at any of `shops`, since `since` when given."""

    shops: tuple[str, ...]
    since: Moment | None = None
    path: str = ""


AttributeValue = int | float | str | bool | tuple[int | float | str, ...] | Moment


@dataclass(frozen=True)
class Attribute:
    """A typed comparison on `attributes[key]`: every check must hold; a value of another
    type in the data never matches (except `exists`)."""

    key: str
    type: AttributeType
    checks: tuple[tuple[str, AttributeValue], ...]
    path: str = ""


@dataclass(frozen=True)
class Vouchers:
    """Holds a usable voucher (or not), has redeemed one (or not); of `batch` when given."""

    held: bool | None = None
    redeemed: bool | None = None
    batch: int | None = None
    path: str = ""


@dataclass(frozen=True)
class SegmentRef:
    """The saved segment of that name, expanded inline."""

    name: str
    path: str = ""


@dataclass(frozen=True)
class InFunnel:
    """Enrolled (and not yet out) in the funnel `funnel`: compiled by the funnel engine."""

    funnel: str
    path: str = ""


@dataclass(frozen=True)
class GoalReached:
    """Reached the goal of the funnel (the named one when given), since `since` when
    given: compiled by the funnel engine."""

    funnel: str
    goal: str | None = None
    since: Moment | None = None
    path: str = ""


SegmentFilter = (
    All
    | AnyOf
    | Not
    | Points
    | Rfm
    | Category
    | Badge
    | Consent
    | Purchases
    | Spend
    | LastPurchase
    | Registered
    | Birthday
    | Locale
    | Shop
    | Attribute
    | Vouchers
    | SegmentRef
    | InFunnel
    | GoalReached
)


def walk(node: SegmentFilter) -> list[SegmentFilter]:
    """Every node of the tree, depth first, without recursion (the tree is bounded, but a
    walk need not rely on it)."""
    found: list[SegmentFilter] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        if isinstance(current, All | AnyOf):
            stack.extend(reversed(current.items))
        elif isinstance(current, Not):
            stack.append(current.item)
    return found


def segment_names(node: SegmentFilter) -> list[str]:
    """The saved segments the filter names directly, once each, in order."""
    return list(dict.fromkeys(n.name for n in walk(node) if isinstance(n, SegmentRef)))


def join_path(prefix: str, path: str) -> str:
    """`prefix` then `path`: `steps[3].filter` and `all[1].balance` give
    `steps[3].filter.all[1].balance`; an index step joins without a dot."""
    if not prefix:
        return path
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"
