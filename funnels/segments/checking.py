"""The syntactic check of a segment filter: JSON in, a `SegmentFilter` out, every problem
collected with its JSON path (`steps[3].filter.all[1].balance.gte`).

Purely syntactic: it reads nothing from the database (names of saved segments, categories,
badges and batches are checked by `references.check_filter_references`). It never raises
on any JSON value: a wrong type anywhere is a problem, the nesting of all/any/not is
bounded by MAX_DEPTH (deeper input is reported, not descended into) and the number of
conditions by MAX_CONDITIONS, so no input can exhaust the stack or the time of a check."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, cast

from domain.errors import ErrorCode, Problems
from domain.limits import EARLIEST_MOMENT, LATEST_MOMENT, MAX_MONEY_MINOR
from funnels.segments import model as m
from funnels.segments.model import join_path

MAX_DEPTH = 12  # all/any/not inside one another
MAX_CONDITIONS = 200  # nodes of one filter (before saved segments are expanded)
MAX_LIST = 100  # items of one list (conditions of an all/any, names of an `in`)
MAX_NAME = 100  # a name (segment, category, badge title, shop, locale, key)
MAX_TEXT = 1_000  # a string an attribute is compared with
MAX_DAYS = 365  # birthday inDays / withinDays
MAX_DURATION_DAYS = 100 * 366  # a relative moment goes back at most a century

# Names of saved segments and funnels: what a marketer types in YAML and reads in a URL.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# ISO 8601 durations by designators (PostgreSQL reads the same text as an interval).
DURATION = re.compile(
    r"^P(?!$)(?:(\d{1,5})Y)?(?:(\d{1,5})M)?(?:(\d{1,5})W)?(?:(\d{1,5})D)?"
    r"(?:T(?=\d)(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,8})S)?)?$"
)
LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_PERIOD_KEYS = ("within", "since")


def check_filter(problems: Problems, raw: object, path: str) -> m.SegmentFilter | None:
    """The checked filter, or None when `raw` has any problem; each problem is added to
    `problems` with its path under `path` (`steps[3].filter`). Never raises."""
    before = len(problems.items)
    checked = _Checker(problems, path).node(raw, "", 0)
    return checked if len(problems.items) == before else None


class _Checker:
    def __init__(self, problems: Problems, prefix: str) -> None:
        self.problems = problems
        self.prefix = prefix
        self.conditions = 0

    def add(self, path: str, code: ErrorCode, message: str) -> None:
        self.problems.add(join_path(self.prefix, path), code, message)

    def node(self, raw: object, path: str, depth: int) -> m.SegmentFilter | None:
        if not isinstance(raw, dict) or len(raw) != 1:
            self.add(
                path,
                ErrorCode.REQUIRED if raw is None or raw == {} else ErrorCode.INVALID,
                'A condition is an object with exactly one key, e.g. {"balance": {"gte": 500}}.',
            )
            return None
        ((key, value),) = raw.items()
        here = _at(path, key)
        self.conditions += 1
        if self.conditions == MAX_CONDITIONS + 1:
            self.add(here, ErrorCode.OUT_OF_RANGE, f"At most {MAX_CONDITIONS} conditions.")
        if self.conditions > MAX_CONDITIONS:
            return None
        if key in ("all", "any", "not"):
            if depth >= MAX_DEPTH:
                self.add(here, ErrorCode.OUT_OF_RANGE, f"Nested more than {MAX_DEPTH} deep.")
                return None
            return self.group(key, value, here, depth + 1)
        leaf = _LEAVES.get(key) if isinstance(key, str) else None
        if leaf is None:
            known = ", ".join(["all", "any", "not", *_LEAVES])
            self.add(here, ErrorCode.INVALID, f"Unknown condition; known: {known}.")
            return None
        return leaf(self, key, value, here)

    def group(self, key: str, value: object, here: str, depth: int) -> m.SegmentFilter | None:
        if key == "not":
            item = self.node(value, here, depth)
            return m.Not(item, here) if item is not None else None
        if not isinstance(value, list) or not value:
            self.add(here, ErrorCode.INVALID, f'"{key}" takes a non-empty list of conditions.')
            return None
        if len(value) > MAX_LIST:
            self.add(here, ErrorCode.OUT_OF_RANGE, f"At most {MAX_LIST} conditions.")
            return None
        items = [self.node(item, f"{here}[{i}]", depth) for i, item in enumerate(value)]
        if any(item is None for item in items):
            return None
        checked = tuple(cast(list[m.SegmentFilter], items))
        return m.All(checked, here) if key == "all" else m.AnyOf(checked, here)

    # Pieces of leaves -------------------------------------------------------------------

    def fields(
        self, value: object, here: str, allowed: Sequence[str], example: str
    ) -> dict[str, Any] | None:
        """`value` as an object of only `allowed` keys (others are problems)."""
        if not isinstance(value, dict) or not value:
            self.add(here, ErrorCode.INVALID, f"Expected an object such as {example}.")
            return None
        unknown = [k for k in value if k not in allowed]
        for k in unknown[:10]:
            known = ", ".join(allowed)
            self.add(_at(here, k), ErrorCode.INVALID, f"Unknown field; known: {known}.")
        return None if unknown else dict(value)

    def whole(self, value: object, here: str, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(here, ErrorCode.INVALID, "Expected a whole number.")
            return None
        if not low <= value <= high:
            self.add(here, ErrorCode.OUT_OF_RANGE, f"Expected {low} to {high}.")
            return None
        return value

    def comparison(self, fields: dict[str, Any], here: str) -> m.Comparison | None:
        checks: list[tuple[m.NumberOp, int]] = []
        ok = True
        for op in m.NUMBER_OPS:
            if op in fields:
                bound = self.whole(fields[op], _at(here, op), -MAX_MONEY_MINOR, MAX_MONEY_MINOR)
                ok = ok and bound is not None
                checks.append((cast(m.NumberOp, op), bound or 0))
        if not checks:
            self.add(here, ErrorCode.REQUIRED, f"Compare with one of {', '.join(m.NUMBER_OPS)}.")
        return m.Comparison(tuple(checks)) if ok and checks else None

    def moment(self, value: object, here: str) -> m.Moment | None:
        """A duration before now (`P90D`), a date (`2026-01-31`, its midnight UTC) or a time
        with its offset (`2026-01-31T09:00:00+01:00`)."""
        if not isinstance(value, str) or len(value) > 40:
            self.add(here, ErrorCode.INVALID, "Expected a duration (P90D) or a date.")
            return None
        text = value.strip().upper()
        duration = DURATION.match(text)
        if duration:
            y, mo, w, d, h, mi, s = (int(g or 0) for g in duration.groups())
            days = y * 366 + mo * 31 + w * 7 + d + (h * 3600 + mi * 60 + s) / 86400
            if days > MAX_DURATION_DAYS:
                self.add(here, ErrorCode.OUT_OF_RANGE, "At most a hundred years back.")
                return None
            return m.Relative(text)
        try:
            if len(text) == 10:
                at = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
            else:
                at = datetime.fromisoformat(value.strip())
        except ValueError:
            at = None
        if at is None or at.tzinfo is None:
            self.add(
                here,
                ErrorCode.INVALID,
                "Expected an ISO 8601 duration (P90D), a date (2026-01-31) or a time with "
                "its offset (2026-01-31T09:00:00+01:00).",
            )
            return None
        if not EARLIEST_MOMENT <= at < LATEST_MOMENT:
            self.add(here, ErrorCode.OUT_OF_RANGE, "Outside the years 1900 to 9998.")
            return None
        return m.Absolute(at.astimezone(UTC))

    def period(self, fields: dict[str, Any], here: str) -> tuple[bool, m.Moment | None]:
        """The start of a period: `within` (a duration back from now) or `since` (any
        moment); (ok, moment)."""
        given = [k for k in _PERIOD_KEYS if k in fields]
        if len(given) > 1:
            self.add(_at(here, "since"), ErrorCode.INVALID, 'Give "within" or "since", not both.')
            return False, None
        if not given:
            return True, None
        moment = self.moment(fields[given[0]], _at(here, given[0]))
        if given[0] == "within" and isinstance(moment, m.Absolute):
            why = 'Expected a duration (P90D); or use "since".'
            self.add(_at(here, "within"), ErrorCode.INVALID, why)
            return False, None
        return moment is not None, moment

    def name(self, value: object, here: str, pattern: re.Pattern[str] | None = None) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.add(here, ErrorCode.INVALID, "Expected a non-empty string.")
            return None
        text = value.strip()
        if len(text) > MAX_NAME:
            self.add(here, ErrorCode.OUT_OF_RANGE, f"At most {MAX_NAME} characters.")
            return None
        if pattern is not None and not pattern.match(text):
            self.add(here, ErrorCode.INVALID, "Letters, digits, '.', '_' and '-' only.")
            return None
        return text

    def names(
        self, value: object, here: str, pattern: re.Pattern[str] | None = None
    ) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not value:
            self.add(here, ErrorCode.INVALID, "Expected a non-empty list of names.")
            return None
        if len(value) > MAX_LIST:
            self.add(here, ErrorCode.OUT_OF_RANGE, f"At most {MAX_LIST} names.")
            return None
        found = [self.name(v, f"{here}[{i}]", pattern) for i, v in enumerate(value)]
        if any(f is None for f in found):
            return None
        return tuple(dict.fromkeys(cast(list[str], found)))


def _at(path: str, key: object) -> str:
    text = key if isinstance(key, str) else repr(key)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{path}.{text}" if path else text


# Leaves ------------------------------------------------------------------------------------

Leaf = Callable[[_Checker, str, Any, str], m.SegmentFilter | None]


def _points(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, m.NUMBER_OPS, '{"gte": 500}')
    comparison = c.comparison(fields, here) if fields is not None else None
    return m.Points(m.POINT_FIELDS[key], comparison, here) if comparison else None


def _category(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("in",), '{"in": ["Gold"]}')
    if fields is None:
        return None
    if "in" not in fields:
        c.add(_at(here, "in"), ErrorCode.REQUIRED, "The category names.")
        return None
    names = c.names(fields["in"], _at(here, "in"))
    return m.Category(names, here) if names else None


def _badge(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("held", "notHeld"), '{"held": "VIP"}')
    if fields is None:
        return None
    if len(fields) != 1:
        c.add(here, ErrorCode.INVALID, 'Give "held" or "notHeld" (a badge id or title).')
        return None
    ((which, badge),) = fields.items()
    where = _at(here, which)
    if isinstance(badge, int) and not isinstance(badge, bool):
        ref: int | str | None = c.whole(badge, where, 1, 2**62)
    else:
        ref = c.name(badge, where)
    return m.Badge(ref, which == "held", here) if ref is not None else None


def _consent(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("email", "sms"), '{"sms": true}')
    if fields is None:
        return None
    for channel, granted in fields.items():
        if not isinstance(granted, bool):
            c.add(_at(here, channel), ErrorCode.INVALID, "Expected true or false.")
            return None
    return m.Consent(tuple(fields.items()), here)


def _purchases(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("count", *_PERIOD_KEYS, "shops"), '{"count": {"gte": 2}}')
    if fields is None:
        return None
    if "count" not in fields:
        c.add(_at(here, "count"), ErrorCode.REQUIRED, 'Compare the count: {"gte": 2}.')
        return None
    counts = c.fields(fields["count"], _at(here, "count"), m.NUMBER_OPS, '{"gte": 2}')
    count = c.comparison(counts, _at(here, "count")) if counts is not None else None
    ok, since = c.period(fields, here)
    shops = c.names(fields["shops"], _at(here, "shops")) if "shops" in fields else ()
    if count is None or not ok or shops is None:
        return None
    return m.Purchases(count, since, shops, here)


def _spend(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    allowed = (*m.NUMBER_OPS, *_PERIOD_KEYS, "shops")
    fields = c.fields(value, here, allowed, '{"gte": 10000, "within": "P30D"}')
    if fields is None:
        return None
    comparison = c.comparison(fields, here)
    ok, since = c.period(fields, here)
    shops = c.names(fields["shops"], _at(here, "shops")) if "shops" in fields else ()
    if comparison is None or not ok or shops is None:
        return None
    return m.Spend(comparison, since, shops, here)


def _window(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("before", "after"), '{"before": "P90D"}')
    if fields is None:
        return None
    moments = {k: c.moment(v, _at(here, k)) for k, v in fields.items()}
    if any(v is None for v in moments.values()):
        return None
    if key == "lastPurchase":
        return m.LastPurchase(moments.get("before"), moments.get("after"), here)
    return m.Registered(moments.get("before"), moments.get("after"), here)


def _birthday(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
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
            c.add(_at(here, kind), ErrorCode.INVALID, "Expected true (negate with not).")
            return None
        return m.Birthday(cast(m.BirthdayKind, kind), 0, here)
    days = c.whole(given, _at(here, kind), 0, MAX_DAYS)
    return m.Birthday(cast(m.BirthdayKind, kind), days, here) if days is not None else None


def _locale(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("in",), '{"in": ["it", "en-GB"]}')
    if fields is None:
        return None
    if "in" not in fields:
        c.add(_at(here, "in"), ErrorCode.REQUIRED, "The locales (it, en-GB).")
        return None
    tags = c.names(fields["in"], _at(here, "in"), LOCALE)
    return m.Locale(tags, here) if tags else None


def _shop(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("in", *_PERIOD_KEYS), '{"in": ["milano-centro"]}')
    if fields is None:
        return None
    if "in" not in fields:
        c.add(_at(here, "in"), ErrorCode.REQUIRED, "The shops, as purchases name them.")
        return None
    shops = c.names(fields["in"], _at(here, "in"))
    ok, since = c.period(fields, here)
    return m.Shop(shops, since, here) if shops and ok else None


def _vouchers(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("held", "redeemed", "batch"), '{"held": true}')
    if fields is None:
        return None
    ok = True
    for flag in ("held", "redeemed"):
        if flag in fields and not isinstance(fields[flag], bool):
            c.add(_at(here, flag), ErrorCode.INVALID, "Expected true or false.")
            ok = False
    if "held" not in fields and "redeemed" not in fields:
        c.add(here, ErrorCode.REQUIRED, 'Give "held" or "redeemed" (true or false).')
        ok = False
    batch = c.whole(fields["batch"], _at(here, "batch"), 1, 2**62) if "batch" in fields else None
    if not ok or ("batch" in fields and batch is None):
        return None
    return m.Vouchers(fields.get("held"), fields.get("redeemed"), batch, here)


def _segment(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    name = c.name(value, here, NAME)
    return m.SegmentRef(name, here) if name else None


def _in_funnel(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    if isinstance(value, str):
        funnel = c.name(value, here, NAME)
    else:
        fields = c.fields(value, here, ("funnel",), '{"funnel": "welcome"}')
        if fields is None:
            return None
        funnel = c.name(fields.get("funnel"), _at(here, "funnel"), NAME)
    return m.InFunnel(funnel, here) if funnel else None


def _goal_reached(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    fields = c.fields(value, here, ("funnel", "goal", *_PERIOD_KEYS), '{"funnel": "welcome"}')
    if fields is None:
        return None
    funnel = c.name(fields.get("funnel"), _at(here, "funnel"), NAME)
    goal = c.name(fields["goal"], _at(here, "goal"), NAME) if "goal" in fields else None
    ok, since = c.period(fields, here)
    if funnel is None or ("goal" in fields and goal is None) or not ok:
        return None
    return m.GoalReached(funnel, goal, since, here)


def _attribute(c: _Checker, key: str, value: Any, here: str) -> m.SegmentFilter | None:
    ops = sorted({op for allowed in m.ATTRIBUTE_OPS.values() for op in allowed})
    fields = c.fields(
        value, here, ("key", "type", *ops), '{"key": "visits", "type": "number", "gte": 3}'
    )
    if fields is None:
        return None
    name = c.name(fields.get("key"), _at(here, "key"))
    kind = fields.get("type")
    if kind not in m.ATTRIBUTE_OPS:
        c.add(_at(here, "type"), ErrorCode.INVALID, "One of number, string, boolean, date.")
        return None
    given = [(op, fields[op]) for op in ops if op in fields]
    if not given:
        allowed = ", ".join(m.ATTRIBUTE_OPS[kind])
        c.add(here, ErrorCode.REQUIRED, f"Compare with one of {allowed}.")
        return None
    checks = [(op, _attribute_value(c, kind, op, v, _at(here, op))) for op, v in given]
    if name is None or any(v is None for _, v in checks):
        return None
    return m.Attribute(name, kind, tuple(cast(list[tuple[str, m.AttributeValue]], checks)), here)


def _attribute_value(
    c: _Checker, kind: str, op: str, value: object, here: str
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


def _scalar(c: _Checker, kind: str, value: object, here: str) -> int | float | str | bool | None:
    if kind == "number":
        finite = isinstance(value, int | float) and not isinstance(value, bool)
        if not finite or not math.isfinite(cast(float, value)) or abs(cast(float, value)) > 1e15:
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


_LEAVES: dict[str, Leaf] = {
    "balance": _points,
    "spendable": _points,
    "lifetimeEarned": _points,
    "lifetimeSpent": _points,
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
