"""Each step of a definition from its loaded value, every problem on the step's path
(`steps[2].points`)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.errors import ErrorCode, Problems
from domain.limits import BALANCE_CEILING
from domain.validation import check_points
from funnels.definitions import fields as f
from funnels.definitions.durations import duration
from funnels.definitions.events import event
from funnels.definitions.filters import FilterCheck, checked_filter
from funnels.definitions.steps import (
    POINTS_STEPS,
    SEND_CHANNELS,
    Branch,
    ChangePoints,
    Delay,
    Exit,
    Goal,
    IssueVoucher,
    NotifyStaff,
    RandomSplit,
    SendMessage,
    SetAttribute,
    SetCategory,
    SplitPath,
    Step,
    StepType,
    UntilDate,
    UntilEvent,
    UntilTimeOfDay,
    Wait,
    WaitCondition,
)
from notifications.fatigue.validation import parse_clock_time

MAX_STEPS = 200
MAX_SPLIT_PATHS = 10
MAX_GOAL_DAYS = 366
MAX_SUBJECT_LENGTH = 200
MAX_MESSAGE_LENGTH = 2_000
MAX_ATTRIBUTE_TEXT = 1_000
# Attribute numbers stay exact in JSON readers that hold numbers as doubles.
MAX_ATTRIBUTE_INTEGER = 2**53
STEP_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
ATTRIBUTE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
DATE_ATTRIBUTE = re.compile(r"birthDate|attributes\.[A-Za-z][A-Za-z0-9_]{0,63}")

_COMMON = ("id", "type")
_FIELDS: dict[StepType, tuple[str, ...]] = {
    StepType.WAIT: (
        "next",
        "duration",
        "untilTimeOfDay",
        "untilDate",
        "untilEvent",
        "timeout",
        "timeoutNext",
    ),
    StepType.BRANCH: ("filter", "yes", "no"),
    StepType.RANDOM_SPLIT: ("paths",),
    StepType.ADD_POINTS: ("points", "next"),
    StepType.REMOVE_POINTS: ("points", "next"),
    StepType.SET_POINTS: ("points", "next"),
    StepType.SEND_EMAIL: ("template", "next"),
    StepType.SEND_SMS: ("template", "next"),
    StepType.SEND_MMS: ("template", "next"),
    StepType.ISSUE_VOUCHER: ("voucherBatch", "next"),
    StepType.SET_CATEGORY: ("category", "next"),
    StepType.SET_ATTRIBUTE: ("key", "value", "next"),
    StepType.NOTIFY_STAFF: ("subject", "message", "next"),
    StepType.GOAL: ("name", "withinDays", "next"),
    StepType.EXIT: ("reason",),
}


@dataclass(frozen=True)
class ParsedSteps:
    """Each step in order (None where it has problems) and each step's id as written (None
    where it has none): the graph rules can name a step that exists, though it has problems
    of its own."""

    steps: tuple[Step | None, ...]
    ids: tuple[str | None, ...]

    def complete(self) -> tuple[Step, ...] | None:
        """Every step, when each is well formed."""
        if any(s is None for s in self.steps):
            return None
        return tuple(s for s in self.steps if s is not None)


def parse_steps(problems: Problems, value: object, check_filter: FilterCheck) -> ParsedSteps | None:
    """The steps in order; None when the list itself is unusable."""
    listed = f.items(problems, "steps", value, MAX_STEPS)
    if listed is None:
        return None
    if not listed:
        problems.add("steps", ErrorCode.REQUIRED, "A funnel has at least one step.")
        return None
    steps = [_step(problems, f.item("steps", i), raw, check_filter) for i, raw in enumerate(listed)]
    ids = [
        raw["id"].strip() if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        for raw in listed
    ]
    return ParsedSteps(tuple(steps), tuple(ids))


def _step(problems: Problems, path: str, value: object, check_filter: FilterCheck) -> Step | None:
    body = f.obj(problems, path, value)
    if body is None:
        return None
    before = len(problems.items)
    step_id = f.text(problems, f"{path}.id", body.get("id"), 64)
    if step_id is not None and not STEP_ID.fullmatch(step_id):
        problems.add(
            f"{path}.id",
            ErrorCode.INVALID,
            "A step id starts with a letter, then letters, digits, _ or - (at most 64).",
        )
    kind = f.choice(problems, f"{path}.type", body.get("type"), StepType)
    if kind is None:
        return None
    f.only_keys(problems, path, body, _COMMON + _FIELDS[kind])
    reader = _READERS[kind]
    step = reader(problems, path, body, kind, step_id or "", check_filter)
    if len(problems.items) > before or step_id is None:
        return None
    return step


def _target(problems: Problems, path: str, value: object) -> str | None:
    """A following step's id (None: the enrollment completes)."""
    if value is None:
        return None
    found = f.text(problems, path, value, 64)
    if found is not None and not STEP_ID.fullmatch(found):
        problems.add(path, ErrorCode.INVALID, "Not a step id.")
        return None
    return found


Body = dict[str, Any]


def _wait(
    problems: Problems, path: str, body: Body, kind: StepType, step_id: str, _: FilterCheck
) -> Step | None:
    variants = [k for k in ("duration", "untilTimeOfDay", "untilDate", "untilEvent") if k in body]
    if len(variants) != 1:
        problems.add(
            path,
            ErrorCode.INVALID,
            "A wait takes exactly one of duration, untilTimeOfDay, untilDate or untilEvent.",
        )
        return None
    (variant,) = variants
    if variant != "untilEvent":
        for extra in ("timeout", "timeoutNext"):
            if extra in body:
                problems.add(f"{path}.{extra}", ErrorCode.INVALID, "Only untilEvent takes it.")
    until = _wait_condition(problems, path, body, variant)
    next_id = _target(problems, f"{path}.next", body.get("next"))
    return None if until is None else Wait(step_id, until, next_id)


def _wait_condition(
    problems: Problems, path: str, body: Body, variant: str
) -> WaitCondition | None:
    where = f"{path}.{variant}"
    if variant == "duration":
        length = duration(problems, where, body[variant])
        return None if length is None else Delay(length)
    if variant == "untilTimeOfDay":
        written = f.text(problems, where, body[variant], 5)
        at = parse_clock_time(problems, where, written) if written else None
        return None if at is None else UntilTimeOfDay(at)
    if variant == "untilDate":
        found = f.obj(problems, where, body[variant])
        if found is None:
            return None
        f.only_keys(problems, where, found, ("attribute",))
        attribute = f.text(problems, f"{where}.attribute", found.get("attribute"), 80)
        if attribute is not None and not DATE_ATTRIBUTE.fullmatch(attribute):
            problems.add(
                f"{where}.attribute",
                ErrorCode.INVALID,
                "Expected birthDate or attributes.<key> (a custom attribute holding a date).",
            )
            return None
        return None if attribute is None else UntilDate(attribute)
    awaited = event(problems, where, body[variant])
    timeout = duration(problems, f"{path}.timeout", body.get("timeout"))
    timeout_next = _target(problems, f"{path}.timeoutNext", body.get("timeoutNext"))
    if awaited is None or timeout is None:
        return None
    return UntilEvent(awaited, timeout, timeout_next)


def _branch(
    problems: Problems, path: str, body: Body, kind: StepType, step_id: str, check: FilterCheck
) -> Step | None:
    checked = None
    if body.get("filter") is None:
        problems.add(f"{path}.filter", ErrorCode.REQUIRED, "A branch needs a filter.")
    else:
        checked = checked_filter(problems, check, body["filter"], f"{path}.filter")
    yes = _target(problems, f"{path}.yes", body.get("yes"))
    no = _target(problems, f"{path}.no", body.get("no"))
    return None if checked is None else Branch(step_id, checked, yes, no)


def _split(
    problems: Problems, path: str, body: Body, kind: StepType, step_id: str, _: FilterCheck
) -> Step | None:
    where = f"{path}.paths"
    listed = f.items(problems, where, body.get("paths"), MAX_SPLIT_PATHS)
    if listed is None:
        return None
    before = len(problems.items)
    paths = []
    for index, raw in enumerate(listed):
        one = f.item(where, index)
        found = f.obj(problems, one, raw)
        if found is None:
            continue
        f.only_keys(problems, one, found, ("percent", "next", "holdout"))
        percent = f.integer(problems, f"{one}.percent", found.get("percent"))
        if percent is not None and not 1 <= percent <= 100:
            problems.add(f"{one}.percent", ErrorCode.OUT_OF_RANGE, "From 1 to 100.")
        next_id = _target(problems, f"{one}.next", found.get("next"))
        holdout = f.boolean(problems, f"{one}.holdout", found.get("holdout"))
        paths.append(SplitPath(percent or 0, next_id, holdout))
    if len(problems.items) > before:
        return None
    if len(paths) < 2:
        problems.add(where, ErrorCode.INVALID, "A random split has at least two paths.")
        return None
    if sum(p.percent for p in paths) != 100:
        problems.add(
            where,
            ErrorCode.INVALID,
            f"The paths' percentages add up to {sum(p.percent for p in paths)}, not 100.",
        )
        return None
    return RandomSplit(step_id, tuple(paths))


def _points(
    problems: Problems, path: str, body: Body, kind: StepType, step_id: str, _: FilterCheck
) -> Step | None:
    where = f"{path}.points"
    points = f.integer(problems, where, body.get("points"))
    if points is None:
        return None
    before = len(problems.items)
    if kind is StepType.SET_POINTS:
        if not 0 <= points <= BALANCE_CEILING:
            problems.add(
                where, ErrorCode.OUT_OF_RANGE, f"A balance is set from 0 to {BALANCE_CEILING}."
            )
    else:
        check_points(problems, where, points, signed=False)
    next_id = _target(problems, f"{path}.next", body.get("next"))
    return None if len(problems.items) > before else ChangePoints(step_id, kind, points, next_id)


def _send(
    problems: Problems, path: str, body: Body, kind: StepType, step_id: str, _: FilterCheck
) -> Step | None:
    template = f.text(problems, f"{path}.template", body.get("template"), 100)
    next_id = _target(problems, f"{path}.next", body.get("next"))
    return None if template is None else SendMessage(step_id, kind, template, next_id)


def _voucher(
    problems: Problems, path: str, body: Body, kind: StepType, step_id: str, _: FilterCheck
) -> Step | None:
    batch = f.identifier(problems, f"{path}.voucherBatch", body.get("voucherBatch"), "a batch")
    next_id = _target(problems, f"{path}.next", body.get("next"))
    return IssueVoucher(step_id, batch, next_id) if batch else None


def _category(
    problems: Problems, path: str, body: Body, kind: StepType, step_id: str, _: FilterCheck
) -> Step | None:
    name = f.text(problems, f"{path}.category", body.get("category"), 100)
    next_id = _target(problems, f"{path}.next", body.get("next"))
    return None if name is None else SetCategory(step_id, name, next_id)


def _attribute(
    problems: Problems, path: str, body: Body, kind: StepType, step_id: str, _: FilterCheck
) -> Step | None:
    key = f.text(problems, f"{path}.key", body.get("key"), 64)
    if key is not None and not ATTRIBUTE_KEY.fullmatch(key):
        problems.add(
            f"{path}.key", ErrorCode.INVALID, "A key is a letter, then letters, digits or _."
        )
        key = None
    value = body.get("value")
    where = f"{path}.value"
    if "value" not in body:
        problems.add(where, ErrorCode.REQUIRED, "Required (null removes the attribute).")
    elif isinstance(value, str):
        value = f.text(problems, where, value, MAX_ATTRIBUTE_TEXT, required=False) or ""
    elif isinstance(value, float) and not math.isfinite(value):
        problems.add(where, ErrorCode.INVALID, "Expected a finite number.")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if abs(value) > MAX_ATTRIBUTE_INTEGER:
            problems.add(where, ErrorCode.OUT_OF_RANGE, f"At most {MAX_ATTRIBUTE_INTEGER} in size.")
    elif value is not None and not isinstance(value, bool):
        problems.add(where, ErrorCode.INVALID, "Expected text, a number, true, false or null.")
    next_id = _target(problems, f"{path}.next", body.get("next"))
    return None if key is None else SetAttribute(step_id, key, value, next_id)


def _notify(
    problems: Problems, path: str, body: Body, kind: StepType, step_id: str, _: FilterCheck
) -> Step | None:
    subject = f.text(problems, f"{path}.subject", body.get("subject"), MAX_SUBJECT_LENGTH)
    message = f.text(problems, f"{path}.message", body.get("message"), MAX_MESSAGE_LENGTH)
    next_id = _target(problems, f"{path}.next", body.get("next"))
    if subject is None or message is None:
        return None
    return NotifyStaff(step_id, subject, message, next_id)


def _goal(
    problems: Problems, path: str, body: Body, kind: StepType, step_id: str, _: FilterCheck
) -> Step | None:
    name = f.text(problems, f"{path}.name", body.get("name"), 100)
    days = f.integer(problems, f"{path}.withinDays", body.get("withinDays"))
    if days is not None and not 1 <= days <= MAX_GOAL_DAYS:
        problems.add(f"{path}.withinDays", ErrorCode.OUT_OF_RANGE, f"From 1 to {MAX_GOAL_DAYS}.")
        days = None
    next_id = _target(problems, f"{path}.next", body.get("next"))
    return None if name is None or days is None else Goal(step_id, name, days, next_id)


def _exit(
    problems: Problems, path: str, body: Body, kind: StepType, step_id: str, _: FilterCheck
) -> Step | None:
    reason = f.text(problems, f"{path}.reason", body.get("reason"), 200, required=False)
    return Exit(step_id, reason)


Reader = Callable[[Problems, str, Body, StepType, str, FilterCheck], Step | None]
_READERS: dict[StepType, Reader] = {
    StepType.WAIT: _wait,
    StepType.BRANCH: _branch,
    StepType.RANDOM_SPLIT: _split,
    **{kind: _points for kind in POINTS_STEPS},
    **{kind: _send for kind in SEND_CHANNELS},
    StepType.ISSUE_VOUCHER: _voucher,
    StepType.SET_CATEGORY: _category,
    StepType.SET_ATTRIBUTE: _attribute,
    StepType.NOTIFY_STAFF: _notify,
    StepType.GOAL: _goal,
    StepType.EXIT: _exit,
}
