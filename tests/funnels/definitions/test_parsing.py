"""Given definitions as loaded from YAML or JSON, when they are parsed, then a valid one
becomes its value and every problem of an invalid one is named on its path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from funnels.definitions.entry import EventTrigger, ScheduleTrigger
from funnels.definitions.parsing import parse_definition
from funnels.definitions.steps import Wait
from funnels.engine.ticks import due_tick
from tests.funnels.definitions.support import check_filter, welcome, with_step


def problems_of(raw: object) -> dict[str | None, str]:
    definition, problems = parse_definition(raw, check_filter)
    assert (definition is None) == bool(problems)
    return {p.field: p.code.value for p in problems}


def test_a_valid_definition_parses_and_reads_back_the_same() -> None:
    definition, problems = parse_definition(welcome(), check_filter)
    assert problems == []
    assert definition is not None
    assert definition.entry.trigger == EventTrigger(definition.entry.trigger.event)  # type: ignore[union-attr]
    assert isinstance(definition.steps[0], Wait)
    # The stored form parses back into the same value, and prints the same again.
    again, _ = parse_definition(definition.document(), check_filter)
    assert again == definition
    assert again is not None and again.document() == definition.document()


@pytest.mark.parametrize(
    ("raw", "field", "code"),
    [
        (with_step(1, points=-5), "steps[1].points", "INVALID"),
        (with_step(1, points=0), "steps[1].points", "INVALID"),
        (with_step(1, points=10**12), "steps[1].points", "OUT_OF_RANGE"),
        (with_step(1, points=2.5), "steps[1].points", "INVALID"),
        (with_step(1, points=True), "steps[1].points", "INVALID"),
        (with_step(1, type="setPoints", points=-1), "steps[1].points", "OUT_OF_RANGE"),
        (with_step(0, duration="P1M"), "steps[0].duration", "INVALID"),
        (with_step(0, duration="PT10S"), "steps[0].duration", "OUT_OF_RANGE"),
        (with_step(0, duration="P9999D"), "steps[0].duration", "OUT_OF_RANGE"),
        (with_step(0, duration=None, untilTimeOfDay="25:00"), "steps[0].untilTimeOfDay", "INVALID"),
        (with_step(0, duration=None), "steps[0]", "INVALID"),
        (with_step(0, nxt="welcome_points"), "steps[0].nxt", "INVALID"),
        (with_step(0, type="teleport"), "steps[0].type", "INVALID"),
        (with_step(0, next="nowhere"), "steps[0].next", "NOT_FOUND"),
        (with_step(4, no="nowhere"), "steps[4].no", "NOT_FOUND"),
        (with_step(4, filter={"shoeSize": 42}), "steps[4].filter.shoeSize", "INVALID"),
        (with_step(2, template=None), "steps[2].template", "REQUIRED"),
        (with_step(5, voucherBatch="abc"), "steps[5].voucherBatch", "INVALID"),
        (with_step(1, id="welcome_email"), "steps[2].id", "DUPLICATE"),
        (with_step(1, id="1 bad id"), "steps[1].id", "INVALID"),
        (welcome(start="nowhere"), "start", "NOT_FOUND"),
        (welcome(name=""), "name", "REQUIRED"),
        (welcome(name="x" * 101), "name", "OUT_OF_RANGE"),
        (welcome(steps=[]), "steps", "REQUIRED"),
        (welcome(steps=[{"id": "a", "type": "exit"}] * 201), "steps", "OUT_OF_RANGE"),
        (
            welcome(entry={"trigger": {"event": "NEWSLETTER_SIGNUP"}}),
            "entry.trigger.event",
            "INVALID",
        ),
        (welcome(entry={"trigger": {}}), "entry.trigger", "INVALID"),
        (welcome(entry={"trigger": {"event": "X", "campaign": {}}}), "entry.trigger", "INVALID"),
        (
            welcome(entry={"trigger": {"schedule": {"cron": "0 25 * * *", "timeZone": "UTC"}}}),
            "entry.trigger.schedule.cron",
            "INVALID_CRON",
        ),
        (
            welcome(entry={"trigger": {"schedule": {"cron": "0 R * * *", "timeZone": "UTC"}}}),
            "entry.trigger.schedule.cron",
            "INVALID_CRON",
        ),
        (
            welcome(entry={"trigger": {"schedule": {"cron": "0 9 * * *", "timeZone": "Mars"}}}),
            "entry.trigger.schedule.timeZone",
            "INVALID",
        ),
        (
            welcome(entry={"trigger": {"campaign": {"at": "2026-12-24T09:00:00"}}}),
            "entry.trigger.campaign.at",
            "INVALID",
        ),
        (
            welcome(entry={"trigger": {"campaign": {"customers": ["1", "x"]}}}),
            "entry.trigger.campaign.customers[1]",
            "INVALID",
        ),
        (
            welcome(entry={"trigger": {"event": "POINTS_EARNED"}, "reentry": "ONCE_PER_PERIOD"}),
            "entry.reentryPeriod",
            "REQUIRED",
        ),
        (welcome(exit={}), "exit", "REQUIRED"),
        (welcome(exit={"events": ["REVIEW_POSTED"]}), "exit.events[0]", "INVALID"),
    ],
)
def test_each_problem_is_named_on_its_path(raw: object, field: str, code: str) -> None:
    assert problems_of(raw).get(field) == code, problems_of(raw)


def test_every_problem_is_reported_at_once() -> None:
    raw = with_step(1, points=-5)
    raw["steps"][2]["template"] = ""
    raw["name"] = ""
    raw["entry"] = {"trigger": {"event": "NOPE"}}
    raw["steps"][0]["next"] = "nowhere"
    raw["steps"][3]["id"] = "welcome_email"
    # Then the graph's problems come with the steps' own (targets and ids are checked on the
    # steps that have them; reachability once every step is well formed)
    assert set(problems_of(raw)) == {
        "name",
        "entry.trigger.event",
        "steps[1].points",
        "steps[2].template",
        "steps[0].next",
        "steps[3].id",
    }


def split(*paths: dict[str, Any]) -> dict[str, Any]:
    raw = welcome()
    raw["steps"][3]["next"] = "split"
    raw["steps"].append({"id": "split", "type": "randomSplit", "paths": list(paths)})
    return raw


def test_random_split_percentages_must_add_up_to_100() -> None:
    valid = split({"percent": 90, "next": "bought"}, {"percent": 10, "holdout": True})
    assert problems_of(valid) == {}
    assert problems_of(split({"percent": 90, "next": "bought"}, {"percent": 5})) == {
        "steps[8].paths": "INVALID"
    }
    assert problems_of(split({"percent": 50.5, "next": "bought"}, {"percent": 49.5})) == {
        "steps[8].paths[0].percent": "INVALID",
        "steps[8].paths[1].percent": "INVALID",
    }
    assert problems_of(split({"percent": 100, "next": "bought"})) == {"steps[8].paths": "INVALID"}


def test_unreachable_steps_are_named() -> None:
    raw = welcome()
    raw["steps"].append({"id": "orphan", "type": "exit"})
    assert problems_of(raw) == {"steps[8]": "INVALID"}


def test_a_cycle_needs_a_wait() -> None:
    # Given a loop email -> points -> email with no wait in it
    raw = with_step(6, next="welcome_points")
    raw["steps"][1]["next"] = "voucher_sms"
    found = problems_of(raw)
    assert found.get("steps[1]") == "INVALID"
    # When the loop goes through the weekly wait instead, it is allowed
    assert problems_of(with_step(6, next="wait_week")) == {}


def test_a_self_loop_without_wait_is_refused_and_with_one_is_allowed() -> None:
    assert problems_of(with_step(6, next="voucher_sms")) == {"steps[6]": "INVALID"}
    assert problems_of(with_step(3, next="wait_week")).get("steps[4]") == "INVALID"  # unreachable


def test_schedule_and_campaign_triggers() -> None:
    raw = welcome(
        entry={
            "trigger": {"schedule": {"cron": "0  9 * * *", "timeZone": "europe/rome"}},
            "filter": {"birthdayToday": True},
            "reentry": "ONCE_PER_PERIOD",
            "reentryPeriod": "p300d",
        }
    )
    definition, problems = parse_definition(raw, check_filter)
    assert problems == [] and definition is not None
    assert definition.entry.trigger == ScheduleTrigger("0 9 * * *", "Europe/Rome")
    assert definition.entry.document()["reentryPeriod"] == "P300D"
    campaign = welcome(
        entry={"trigger": {"campaign": {"at": "2026-12-24T09:00:00+01:00", "customers": [7, "8"]}}}
    )
    definition, problems = parse_definition(campaign, check_filter)
    assert problems == [] and definition is not None
    assert definition.entry.document()["trigger"] == {
        "campaign": {"at": "2026-12-24T08:00:00Z", "customers": ["7", "8"]}
    }


def test_a_cron_refused_since_a_version_was_saved_is_read_as_stored_and_never_fires() -> None:
    # Given a stored version whose cron check_cron now refuses (croniter's random hour)
    raw = welcome(entry={"trigger": {"schedule": {"cron": "0 R * * *", "timeZone": "UTC"}}})
    problems = parse_definition(raw, check_filter)[1]
    assert [(p.field, p.code.value) for p in problems] == [
        ("entry.trigger.schedule.cron", "INVALID_CRON")
    ]
    # When the engine reads it, then it parses, and its schedule has no due occurrence
    definition, problems = parse_definition(raw, check_filter, saved=True)
    assert problems == [] and definition is not None
    assert definition.entry.trigger == ScheduleTrigger("0 R * * *", "UTC")
    assert due_tick(definition, datetime(2026, 3, 1, 23, 59, tzinfo=UTC)) is None


def test_wait_variants() -> None:
    for until in (
        {"untilTimeOfDay": "9:00"},
        {"untilDate": {"attribute": "birthDate"}},
        {"untilDate": {"attribute": "attributes.anniversary"}},
        {"untilEvent": "PURCHASE_RECORDED", "timeout": "P7D", "timeoutNext": "voucher"},
    ):
        raw = with_step(3, duration=None, **until)
        assert problems_of(raw) == {}, until
    raw = with_step(3, duration=None, untilEvent="PURCHASE_RECORDED")
    assert problems_of(raw) == {"steps[3].timeout": "REQUIRED"}
    raw = with_step(3, timeout="P1D")
    assert problems_of(raw) == {"steps[3].timeout": "INVALID"}


def test_the_other_steps() -> None:
    raw = with_step(6, next="tag")
    raw["steps"] += [
        {"id": "tag", "type": "setAttribute", "key": "welcomed", "value": True, "next": "cat"},
        {"id": "cat", "type": "setCategory", "category": "Premium", "next": "staff"},
        {
            "id": "staff",
            "type": "notifyStaff",
            "subject": "A customer finished the welcome",
            "message": "[first_name] got a voucher",
            "next": "goal",
        },
        {"id": "goal", "type": "goal", "name": "first purchase", "withinDays": 30, "next": "mms"},
        {"id": "mms", "type": "sendMms", "template": "photo", "next": "set"},
        {"id": "set", "type": "setPoints", "points": 0, "next": "take"},
        {"id": "take", "type": "removePoints", "points": 10},
    ]
    definition, problems = parse_definition(raw, check_filter)
    assert problems == [] and definition is not None
    assert parse_definition(definition.document(), check_filter)[0] == definition
    raw["steps"][-4]["withinDays"] = 0
    raw["steps"][-7]["key"] = "bad key"
    raw["steps"][-5]["message"] = "a\x00b"
    assert problems_of(raw) == {
        "steps[11].withinDays": "OUT_OF_RANGE",
        "steps[8].key": "INVALID",
        "steps[10].message": "INVALID",
    }


@pytest.mark.parametrize("raw", [None, [], "text", 3, {"name": {"nested": 1}}, {1: 2}])
def test_any_root_is_answered_with_problems(raw: object) -> None:
    assert problems_of(raw)


def test_deep_nesting_is_refused_before_it_is_read() -> None:
    deep: Any = {}
    for _ in range(1000):
        deep = {"a": deep}
    assert problems_of(welcome(entry={"trigger": {"event": "X"}, "filter": deep})) == {
        None: "OUT_OF_RANGE"
    }
