"""A definition from a loaded JSON or YAML value: the checked FunnelDefinition, or every
problem with its path. `parse_definition` never raises on any input.

What is checked here needs no database: shapes, bounds, the graph (funnels.definitions
.graph). Whether templates, voucher batches and categories exist is
funnels.definitions.references', run before a save."""

from __future__ import annotations

from datetime import datetime

from domain.customers.validation import parse_time_zone
from domain.errors import ErrorCode, Problem, Problems
from domain.gifts.cron import check_cron
from domain.limits import MAX_BULK_CUSTOMERS, MAX_JSON_DEPTH
from domain.validation import json_deeper_than, moment_out_of_range
from funnels.definitions import fields as f
from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.durations import duration
from funnels.definitions.entry import (
    CampaignTrigger,
    Entry,
    EventTrigger,
    ExitCondition,
    Reentry,
    ScheduleTrigger,
    Trigger,
)
from funnels.definitions.events import FunnelEvent, event
from funnels.definitions.filters import FilterCheck, checked_filter
from funnels.definitions.graph import check_graph
from funnels.definitions.step_parsing import parse_steps

MAX_NAME_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 1_000
MAX_EXIT_EVENTS = 20
# Values per definition (objects' entries and lists' items): a definition of MAX_STEPS
# steps with filters stays far below it.
MAX_VALUES = 20_000

_TOP = ("name", "description", "entry", "exit", "start", "steps")
_ENTRY = ("trigger", "filter", "reentry", "reentryPeriod")


def parse_definition(
    raw: object, check_filter: FilterCheck, *, saved: bool = False
) -> tuple[FunnelDefinition | None, list[Problem]]:
    """The definition, or None and every problem found (each with its path). `saved`: a
    stored version the engine runs, checked when it was saved; its schedule's cron is taken
    as stored, so that one refused since (domain.gifts.cron: it never fires) leaves the
    customers inside going on rather than the version unreadable."""
    problems = Problems()
    if _too_large(problems, raw):
        return None, problems.items
    top = f.obj(problems, "", raw)
    if top is None:
        return None, problems.items
    f.only_keys(problems, "", top, _TOP)
    name = f.text(problems, "name", top.get("name"), MAX_NAME_LENGTH)
    description = f.text(
        problems, "description", top.get("description"), MAX_DESCRIPTION_LENGTH, required=False
    )
    entry = _entry(problems, top.get("entry"), check_filter, saved)
    exit_condition = _exit(problems, top.get("exit"), check_filter)
    start = f.text(problems, "start", top.get("start"), 64)
    parsed = parse_steps(problems, top.get("steps"), check_filter)
    if parsed is not None and start is not None:
        check_graph(problems, start, parsed.steps, parsed.ids)
    steps = None if parsed is None else parsed.complete()
    if problems.items or name is None or entry is None or start is None or steps is None:
        return None, problems.items
    definition = FunnelDefinition(name, entry, start, steps, description, exit_condition)
    return definition, []


def _too_large(problems: Problems, raw: object) -> bool:
    # The size first: a YAML file's aliases can make a few lines stand for billions of
    # values, and the depth walk visits each; counting stops at MAX_VALUES.
    count, stack = 0, [raw]
    while stack:
        value = stack.pop()
        if isinstance(value, dict | list):
            count += len(value)
            if count > MAX_VALUES:
                problems.add(
                    None, ErrorCode.OUT_OF_RANGE, f"A definition holds at most {MAX_VALUES} values."
                )
                return True
            stack.extend(value.values() if isinstance(value, dict) else value)
    if json_deeper_than(raw, MAX_JSON_DEPTH):
        problems.add(None, ErrorCode.OUT_OF_RANGE, f"Nested deeper than {MAX_JSON_DEPTH} levels.")
        return True
    return False


def _entry(
    problems: Problems, value: object, check_filter: FilterCheck, saved: bool
) -> Entry | None:
    entry = f.obj(problems, "entry", value)
    if entry is None:
        return None
    f.only_keys(problems, "entry", entry, _ENTRY)
    trigger = _trigger(problems, entry.get("trigger"), saved)
    checked = None
    if entry.get("filter") is not None:
        checked = checked_filter(problems, check_filter, entry["filter"], "entry.filter")
    reentry = f.choice(problems, "entry.reentry", entry.get("reentry", "ONCE"), Reentry)
    period = None
    if reentry is Reentry.ONCE_PER_PERIOD:
        period = duration(problems, "entry.reentryPeriod", entry.get("reentryPeriod"))
    elif entry.get("reentryPeriod") is not None:
        problems.add(
            "entry.reentryPeriod", ErrorCode.INVALID, "Only ONCE_PER_PERIOD takes a period."
        )
    if trigger is None or reentry is None:
        return None
    return Entry(trigger, checked, reentry, period)


def _trigger(problems: Problems, value: object, saved: bool) -> Trigger | None:
    path = "entry.trigger"
    trigger = f.obj(problems, path, value)
    if trigger is None:
        return None
    kinds = [k for k in ("event", "schedule", "campaign") if k in trigger]
    f.only_keys(problems, path, trigger, ("event", "schedule", "campaign"))
    if len(kinds) != 1:
        problems.add(path, ErrorCode.INVALID, "Give exactly one of event, schedule or campaign.")
        return None
    if kinds[0] == "event":
        found = event(problems, f"{path}.event", trigger["event"])
        return None if found is None else EventTrigger(found)
    if kinds[0] == "schedule":
        return _schedule(problems, f"{path}.schedule", trigger["schedule"], saved)
    return _campaign(problems, f"{path}.campaign", trigger["campaign"])


def _schedule(problems: Problems, path: str, value: object, saved: bool) -> ScheduleTrigger | None:
    schedule = f.obj(problems, path, value)
    if schedule is None:
        return None
    f.only_keys(problems, path, schedule, ("cron", "timeZone"))
    expression = f.text(problems, f"{path}.cron", schedule.get("cron"), 100)
    before = len(problems.items)
    cron = expression or None
    if cron is not None and not saved:  # a saved version's was checked when it was saved
        cron = check_cron(problems, f"{path}.cron", cron)
    zone_text = f.text(problems, f"{path}.timeZone", schedule.get("timeZone"), 64)
    zone = parse_time_zone(problems, f"{path}.timeZone", zone_text) if zone_text else None
    if cron is None or zone is None or len(problems.items) > before:
        return None
    return ScheduleTrigger(cron, zone)


def _campaign(problems: Problems, path: str, value: object) -> CampaignTrigger | None:
    campaign = f.obj(problems, path, value)
    if campaign is None:
        return None
    f.only_keys(problems, path, campaign, ("at", "customers"))
    before = len(problems.items)
    at = _moment(problems, f"{path}.at", campaign.get("at"))
    listed = f.items(
        problems, f"{path}.customers", campaign.get("customers"), MAX_BULK_CUSTOMERS, required=False
    )
    customers = None
    if listed is not None:
        ids = [
            f.identifier(problems, f.item(f"{path}.customers", index), raw, "a customer")
            for index, raw in enumerate(listed)
        ]
        customers = tuple(dict.fromkeys(i for i in ids if i is not None))
        if not listed:
            problems.add(f"{path}.customers", ErrorCode.REQUIRED, "List at least one customer.")
    if len(problems.items) > before:
        return None
    return CampaignTrigger(at, customers)


def _moment(problems: Problems, path: str, value: object) -> datetime | None:
    if value is None:
        return None
    written = f.text(problems, path, value, 40)
    if written is None:
        return None
    try:
        moment = datetime.fromisoformat(written)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        problems.add(
            path, ErrorCode.INVALID, "Expected a time with its offset, e.g. 2026-12-24T09:00:00Z."
        )
        return None
    if (why := moment_out_of_range(moment)) is not None:
        problems.add(path, ErrorCode.OUT_OF_RANGE, why)
        return None
    return moment


def _exit(problems: Problems, value: object, check_filter: FilterCheck) -> ExitCondition | None:
    if value is None:
        return None
    found = f.obj(problems, "exit", value)
    if found is None:
        return None
    f.only_keys(problems, "exit", found, ("events", "filter"))
    listed = f.items(problems, "exit.events", found.get("events"), MAX_EXIT_EVENTS, required=False)
    events: list[FunnelEvent] = []
    for index, raw in enumerate(listed or ()):
        one = event(problems, f.item("exit.events", index), raw)
        if one is not None and one not in events:
            events.append(one)
    checked = None
    if found.get("filter") is not None:
        checked = checked_filter(problems, check_filter, found["filter"], "exit.filter")
    elif not listed:
        problems.add("exit", ErrorCode.REQUIRED, "An exit condition needs events or a filter.")
    return ExitCondition(tuple(events), checked)
