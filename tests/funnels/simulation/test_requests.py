"""Given requests a dry run cannot answer, when they are simulated, then each is refused
with the field at fault and nothing runs: neither or both of a funnel and a definition, a
version without a funnel, an unknown funnel or version, an asOf without its offset or at
the calendar's edges, a definition with the problems validateFunnel reports (same paths)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import DomainError
from domain.uow import UnitOfWork
from funnels.definitions.services import validate_funnel
from funnels.simulation import SimulationRequest, simulate_funnel
from funnels.simulation.request import LATEST_AS_OF
from notifications.fatigue.models import LimitChannel, PeriodUnit
from tessera.funnel_filters import CHECK_FILTER
from tests.funnels.definitions.support import seed_references
from tests.funnels.engine.support import active_funnel
from tests.funnels.simulation.support import (
    RUNTIME,
    balanced,
    by_step,
    campaign,
    seed_messaging,
    shopper,
    simulate,
)
from tests.notifications.fatigue.support import NIGHT, cap, limits

POINTS = campaign("points", [{"id": "points", "type": "addPoints", "points": 10}])
# A definition whose clock runs as far as a definition's can: two SMS under a yearly cap,
# a birthday, the longest waits, twice.
STRETCHING = campaign("sms", [
    {"id": "sms", "type": "sendSms", "template": "hello sms", "next": "again"},
    {"id": "again", "type": "sendSms", "template": "hello sms", "next": "birthday"},
    {"id": "birthday", "type": "wait", "untilDate": {"attribute": "birthDate"}, "next": "long"},
    {"id": "long", "type": "wait", "duration": "P730D", "next": "longer"},
    {"id": "longer", "type": "wait", "duration": "P730D", "next": "points"},
    {"id": "points", "type": "addPoints", "points": 10},
])  # fmt: skip


async def refusal(engine: AsyncEngine, request: SimulationRequest) -> list[tuple[str | None, str]]:
    with pytest.raises(DomainError) as raised:
        await simulate_funnel(UnitOfWork(engine), RUNTIME, request, CHECK_FILTER)
    return [(p.field, p.code.value) for p in raised.value.problems]


async def test_requests_without_one_definition_are_refused(clean_db: AsyncEngine) -> None:
    funnel = await active_funnel(clean_db, POINTS, "points")
    cases: list[tuple[dict[str, Any], list[tuple[str | None, str]]]] = [
        ({}, [("funnelId", "REQUIRED")]),
        ({"funnel_id": str(funnel), "definition": POINTS}, [("funnelId", "INVALID")]),
        ({"definition": POINTS, "version": 1}, [("version", "INVALID")]),
        ({"funnel_id": str(funnel), "version": 0}, [("version", "OUT_OF_RANGE")]),
        ({"funnel_id": "x1"}, [("funnelId", "INVALID")]),
        ({"funnel_id": "999"}, [("funnelId", "NOT_FOUND")]),
        ({"funnel_id": str(funnel), "version": 7}, [("version", "NOT_FOUND")]),
    ]
    for fields, expected in cases:
        assert await refusal(clean_db, SimulationRequest(**fields)) == expected, fields


async def test_as_of_needs_its_offset_and_room_for_the_simulated_clock(
    clean_db: AsyncEngine,
) -> None:
    await seed_messaging(clean_db)
    await shopper(clean_db, phone="+393331111111", sms=True, birth_date=date(2000, 2, 29))
    await limits(clean_db, quiet_hours=NIGHT,
                 channels=(cap(LimitChannel.SMS, 1, 366, PeriodUnit.DAYS),))  # fmt: skip
    cases: list[tuple[dict[str, Any], list[tuple[str | None, str]]]] = [
        ({"as_of": datetime(2026, 1, 1)}, [("asOf", "INVALID")]),
        ({"as_of": datetime(1899, 12, 31, tzinfo=UTC)}, [("asOf", "OUT_OF_RANGE")]),
        ({"as_of": datetime(1900, 1, 1, 9, tzinfo=timezone(timedelta(hours=14)))},
         [("asOf", "OUT_OF_RANGE")]),
        ({"as_of": LATEST_AS_OF}, [("asOf", "OUT_OF_RANGE")]),
        ({"as_of": datetime(9998, 12, 31, tzinfo=UTC), "time_travel": True},
         [("asOf", "OUT_OF_RANGE")]),
    ]  # fmt: skip
    for fields, expected in cases:
        request = SimulationRequest(definition=STRETCHING, **fields)
        assert await refusal(clean_db, request) == expected, fields
    # At the edges themselves a dry run answers, its clock running on as far as it can
    # (deferrals a year long, waits to the horizon and beyond)
    edges = (datetime(1900, 1, 1, tzinfo=UTC), LATEST_AS_OF - timedelta(seconds=1))
    for as_of in edges:
        for travel in (False, True):
            answered = await simulate(clean_db, definition=STRETCHING, as_of=as_of,
                                      time_travel=travel)  # fmt: skip
            assert answered.entered == 1 and balanced(answered), (as_of, travel)
            sms = by_step(answered)["again"].messages
            assert sms is not None and sms.capped == 1


async def test_a_definition_gets_the_problems_validate_funnel_reports(
    clean_db: AsyncEngine,
) -> None:
    await seed_references(clean_db)
    wrong = campaign("points", [
        {"id": "points", "type": "addPoints", "points": -5, "next": "rich"},
        {"id": "rich", "type": "branch", "filter": {"shoeSize": 44}, "yes": "mail"},
        {"id": "mail", "type": "sendEmail", "template": "nobody"},
    ])  # fmt: skip

    got = await refusal(clean_db, SimulationRequest(definition=wrong))

    _, problems = await validate_funnel(UnitOfWork(clean_db), wrong, CHECK_FILTER)
    assert got == [(p.field, p.code.value) for p in problems]
    assert got == [("steps[0].points", "INVALID"), ("steps[1].filter.shoeSize", "INVALID")]
    # The references are checked once the definition is well formed, as a save does
    wrong["steps"][0]["points"] = 5
    wrong["steps"][1]["filter"] = {"balance": {"gte": 1}}
    assert await refusal(clean_db, SimulationRequest(definition=wrong)) == [
        ("steps[2].template", "NOT_FOUND")
    ]
