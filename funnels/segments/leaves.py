"""The leaf conditions of a segment filter, each read from its JSON into a model node (or
None, its problems added): one function per condition key, in LEAVES."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

from domain.errors import ErrorCode
from funnels.segments import model as m
from funnels.segments.pieces import (
    LOCALE,
    MAX_DAYS,
    MAX_LIST,
    MAX_NUMBER,
    MAX_TEXT,
    NAME,
    PERIOD_KEYS,
    Reader,
    at,
)

Leaf = Callable[[Reader, str, Any, str], m.SegmentFilter | None]


def _points(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, m.NUMBER_OPS, '{"gte": 500}')
    comparison = c.comparison(fields, here) if fields is not None else None
    return m.Points(m.POINT_FIELDS[key], comparison, here) if comparison else None


def _rfm(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, m.NUMBER_OPS, '{"gte": 4}')
    comparison = c.comparison(fields, here) if fields is not None else None
    return m.Rfm(m.RFM_FIELDS[key], comparison, here) if comparison else None


def _category(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("in",), '{"in": ["Gold"]}')
    if fields is None:
        return None
    if "in" not in fields:
        c.add(at(here, "in"), ErrorCode.REQUIRED, "The category names.")
        return None
    names = c.names(fields["in"], at(here, "in"))
    return m.Category(names, here) if names else None


def _badge(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("held", "notHeld"), '{"held": "VIP"}')
    if fields is None:
        return None
    if len(fields) != 1:
        c.add(here, ErrorCode.INVALID, 'Give "held" or "notHeld" (a badge id or title).')
        return None
    ((which, badge),) = fields.items()
    where = at(here, which)
    if isinstance(badge, int) and not isinstance(badge, bool):
        ref: int | str | None = c.whole(badge, where, 1, 2**62)
    else:
        ref = c.name(badge, where)
    return m.Badge(ref, which == "held", here) if ref is not None else None


def _consent(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("email", "sms"), '{"sms": true}')
    if fields is None:
        return None
    for channel, granted in fields.items():
        if not isinstance(granted, bool):
            c.add(at(here, channel), ErrorCode.INVALID, "Expected true or false.")
            return None
    return m.Consent(tuple(fields.items()), here)


def _purchases(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("count", *PERIOD_KEYS, "shops"), '{"count": {"gte": 2}}')
    if fields is None:
        return None
    if "count" not in fields:
        c.add(at(here, "count"), ErrorCode.REQUIRED, 'Compare the count: {"gte": 2}.')
        return None
    counts = c.fields(fields["count"], at(here, "count"), m.NUMBER_OPS, '{"gte": 2}')
    count = c.comparison(counts, at(here, "count")) if counts is not None else None
    ok, since = c.period(fields, here)
    shops = c.names(fields["shops"], at(here, "shops")) if "shops" in fields else ()
    if count is None or not ok or shops is None:
        return None
    return m.Purchases(count, since, shops, here)


def _spend(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    allowed = (*m.NUMBER_OPS, *PERIOD_KEYS, "shops")
    fields = c.fields(value, here, allowed, '{"gte": 10000, "within": "P30D"}')
    if fields is None:
        return None
    comparison = c.comparison(fields, here)
    ok, since = c.period(fields, here)
    shops = c.names(fields["shops"], at(here, "shops")) if "shops" in fields else ()
    if comparison is None or not ok or shops is None:
        return None
    return m.Spend(comparison, since, shops, here)


def _window(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("before", "after"), '{"before": "P90D"}')
    if fields is None:
        return None
    moments = {k: c.moment(v, at(here, k)) for k, v in fields.items()}
    if any(v is None for v in moments.values()):
        return None
    if key == "lastPurchase":
        return m.LastPurchase(moments.get("before"), moments.get("after"), here)
    return m.Registered(moments.get("before"), moments.get("after"), here)


def _birthday(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    kinds = ("today", "thisMonth", "inDays", "withinDays")
    fields = c.fields(value, here, kinds, '{"today": true}')
    if fields is None:
        return None
    if len(fields) != 1:
        c.add(here, ErrorCode.INVALID, f"Give one of {', '.join(kinds)}.")
        return None
    ((kind, given),) = fields.items()
    if kind in ("today", "thisMonth"):
        if given is not True:
            c.add(at(here, kind), ErrorCode.INVALID, "Expected true (negate with not).")
            return None
        return m.Birthday(cast(m.BirthdayKind, kind), 0, here)
    days = c.whole(given, at(here, kind), 0, MAX_DAYS)
    return m.Birthday(cast(m.BirthdayKind, kind), days, here) if days is not None else None


def _locale(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("in",), '{"in": ["it", "en-GB"]}')
    if fields is None:
        return None
    if "in" not in fields:
        c.add(at(here, "in"), ErrorCode.REQUIRED, "The locales (it, en-GB).")
        return None
    tags = c.names(fields["in"], at(here, "in"), LOCALE)
    return m.Locale(tags, here) if tags else None


def _shop(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("in", *PERIOD_KEYS), '{"in": ["milano-centro"]}')
    if fields is None:
        return None
    if "in" not in fields:
        c.add(at(here, "in"), ErrorCode.REQUIRED, "The shops, as purchases name them.")
        return None
    shops = c.names(fields["in"], at(here, "in"))
    ok, since = c.period(fields, here)
    return m.Shop(shops, since, here) if shops and ok else None


def _vouchers(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("held", "redeemed", "batch"), '{"held": true}')
    if fields is None:
        return None
    ok = True
    for flag in ("held", "redeemed"):
        if flag in fields and not isinstance(fields[flag], bool):
            c.add(at(here, flag), ErrorCode.INVALID, "Expected true or false.")
            ok = False
    if "held" not in fields and "redeemed" not in fields:
        c.add(here, ErrorCode.REQUIRED, 'Give "held" or "redeemed" (true or false).')
        ok = False
    batch = c.whole(fields["batch"], at(here, "batch"), 1, 2**62) if "batch" in fields else None
    if not ok or ("batch" in fields and batch is None):
        return None
    return m.Vouchers(fields.get("held"), fields.get("redeemed"), batch, here)


def _segment(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    name = c.name(value, here, NAME)
    return m.SegmentRef(name, here) if name else None


def _in_funnel(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    # Funnels and goals are named as marketers name them (spaces and all, as in their
    # definitions), not in the key alphabet of segments.
    if isinstance(value, str):
        funnel = c.name(value, here)
    else:
        fields = c.fields(value, here, ("funnel",), '{"funnel": "welcome"}')
        if fields is None:
            return None
        funnel = c.name(fields.get("funnel"), at(here, "funnel"))
    return m.InFunnel(funnel, here) if funnel else None


def _goal_reached(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("funnel", "goal", *PERIOD_KEYS), '{"funnel": "welcome"}')
    if fields is None:
        return None
    funnel = c.name(fields.get("funnel"), at(here, "funnel"))
    goal = c.name(fields["goal"], at(here, "goal")) if "goal" in fields else None
    ok, since = c.period(fields, here)
    if funnel is None or ("goal" in fields and goal is None) or not ok:
        return None
    return m.GoalReached(funnel, goal, since, here)


def _attribute(c: Reader, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    ops = sorted({op for allowed in m.ATTRIBUTE_OPS.values() for op in allowed})
    fields = c.fields(
        value, here, ("key", "type", *ops), '{"key": "visits", "type": "number", "gte": 3}'
    )
    if fields is None:
        return None
    name = c.name(fields.get("key"), at(here, "key"))
    kind = fields.get("type")
    if kind not in m.ATTRIBUTE_OPS:
        c.add(at(here, "type"), ErrorCode.INVALID, "One of number, string, boolean, date.")
        return None
    given = [(op, fields[op]) for op in ops if op in fields]
    if not given:
        allowed = ", ".join(m.ATTRIBUTE_OPS[kind])
        c.add(here, ErrorCode.REQUIRED, f"Compare with one of {allowed}.")
        return None
    checks = [(op, _attribute_value(c, kind, op, v, at(here, op))) for op, v in given]
    if name is None or any(v is None for _, v in checks):
        return None
    return m.Attribute(name, kind, tuple(cast(list[tuple[str, m.AttributeValue]], checks)), here)


def _attribute_value(
    c: Reader, kind: str, op: str, value: object, here: str
) -> m.AttributeValue | None:
    if op not in m.ATTRIBUTE_OPS[kind]:
        c.add(here, ErrorCode.INVALID, f"Not for a {kind}; use {', '.join(m.ATTRIBUTE_OPS[kind])}.")
        return None
    if op == "exists":
        if not isinstance(value, bool):
            c.add(here, ErrorCode.INVALID, "Expected true or false.")
            return None
        return value
    if op == "in":
        if not isinstance(value, list) or not value or len(value) > MAX_LIST:
            c.add(here, ErrorCode.INVALID, f"Expected a list of 1 to {MAX_LIST} values.")
            return None
        items = [_scalar(c, kind, v, f"{here}[{i}]") for i, v in enumerate(value)]
        if any(i is None for i in items):
            return None
        return tuple(cast(list[int | float | str], items))
    if kind == "date":
        return c.moment(value, here)
    return _scalar(c, kind, value, here)


def _scalar(c: Reader, kind: str, value: object, here: str) -> int | float | str | bool | None:
    if kind == "number":
        # Magnitude first and isfinite on floats only: a whole number of 400 digits (JSON
        # allows it) is too large to convert to a float, and isfinite would raise.
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if (
            not number
            or (isinstance(value, float) and not math.isfinite(value))
            or abs(cast(int | float, value)) > MAX_NUMBER
        ):
            c.add(here, ErrorCode.INVALID, "Expected a number (at most 10^15).")
            return None
        return cast(int | float, value)
    if kind == "boolean":
        if not isinstance(value, bool):
            c.add(here, ErrorCode.INVALID, "Expected true or false.")
            return None
        return value
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        c.add(here, ErrorCode.INVALID, f"Expected a string of at most {MAX_TEXT} characters.")
        return None
    return value


LEAVES: dict[str, Leaf] = {
    "balance": _points,
    "spendable": _points,
    "lifetimeEarned": _points,
    "lifetimeSpent": _points,
    "rfmRecency": _rfm,
    "rfmFrequency": _rfm,
    "rfmMonetary": _rfm,
    "category": _category,
    "badge": _badge,
    "consent": _consent,
    "purchases": _purchases,
    "spend": _spend,
    "lastPurchase": _window,
    "registered": _window,
    "birthday": _birthday,
    "locale": _locale,
    "shop": _shop,
    "attribute": _attribute,
    "vouchers": _vouchers,
    "segment": _segment,
    "inFunnel": _in_funnel,
    "goalReached": _goal_reached,
}
