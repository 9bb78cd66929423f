"""Segment filters evaluated by PostgreSQL: for each condition, the customers who match and
those who do not; composition with all/any/not; period aggregates; birthdays across time
zones and 29 February; attributes whose data has the wrong type; one statement per count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, literal
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from domain.errors import DomainError, ErrorCode, Problems
from domain.uow import UnitOfWork
from funnels.segments import check_filter, compile_filter, count_query
from tests.funnels.segments.people import category, execute, matching, person, purchase

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


async def test_point_figures(clean_db: AsyncEngine) -> None:
    # Given Ann (600 points, 200 held), Bob (300 points) and Cem (0, but 5,000 earned and spent)
    ann = await person(clean_db, balance=600, held=200, earned=600)
    bob = await person(clean_db, balance=300, earned=300)
    cem = await person(clean_db, earned=5000, spent=5000)
    # Then each figure selects those it should
    assert await matching(clean_db, {"balance": {"gte": 500}}, NOW) == {ann}
    assert await matching(clean_db, {"spendable": {"gt": 400}}, NOW) == set()
    assert await matching(clean_db, {"spendable": {"gte": 300, "lt": 500}}, NOW) == {ann, bob}
    assert await matching(clean_db, {"lifetimeEarned": {"gt": 1000}}, NOW) == {cem}
    assert await matching(clean_db, {"lifetimeSpent": {"eq": 0}}, NOW) == {ann, bob}
    assert await matching(clean_db, {"balance": {"ne": 0}}, NOW) == {ann, bob}


async def test_category_badges_and_consent(clean_db: AsyncEngine) -> None:
    # Given a Gold category, a VIP badge (id 1) and a second badge also titled VIP
    await category(clean_db, "Gold")
    for title in ("VIP", "VIP", "Silver"):
        await execute(
            clean_db,
            "INSERT INTO badges (title, basis, min_points, active) VALUES (:t, 'LIFETIME',"
            " 1000000, true)",
            t=title,
        )
    gold = await person(clean_db, category="Gold", sms=True)
    base = await person(clean_db, email=True)
    # And the Gold customer holds the second VIP badge
    await execute(
        clean_db,
        "INSERT INTO customer_badges (customer_id, badge_id, unlocked_at) VALUES (:c, 2, now())",
        c=gold,
    )
    assert await matching(clean_db, {"category": {"in": ["Gold", "Nope"]}}, NOW) == {gold}
    assert await matching(clean_db, {"badge": {"held": "VIP"}}, NOW) == {gold}
    assert await matching(clean_db, {"badge": {"held": 1}}, NOW) == set()
    assert await matching(clean_db, {"badge": {"notHeld": 2}}, NOW) == {base}
    assert await matching(clean_db, {"consent": {"sms": True}}, NOW) == {gold}
    assert await matching(clean_db, {"consent": {"email": True, "sms": False}}, NOW) == {base}


async def test_purchases_and_spend_in_a_period(clean_db: AsyncEngine) -> None:
    # Given Ann bought twice in the last 90 days (one partly refunded), Bob once 200 days
    # ago, Cem has only an unpaid order, Dan never bought
    ann, bob = await person(clean_db), await person(clean_db)
    cem, dan = await person(clean_db), await person(clean_db)
    await purchase(clean_db, ann, NOW - 10 * DAY, 8000, refunded_minor=3000)
    await purchase(clean_db, ann, NOW - 80 * DAY, 4000, shop="roma")
    await purchase(clean_db, bob, NOW - 200 * DAY, 20000)
    await purchase(clean_db, cem, NOW - DAY, 9000, status="CREATED")
    within = {"within": "P90D"}
    # Then counts in the period see Ann's two orders only
    assert await matching(clean_db, {"purchases": {"count": {"gte": 2}, **within}}, NOW) == {ann}
    # And a count that 0 passes also takes those who never bought (or not in the period)
    assert await matching(clean_db, {"purchases": {"count": {"eq": 0}, **within}}, NOW) == {
        bob,
        cem,
        dan,
    }
    assert await matching(clean_db, {"purchases": {"count": {"lt": 2}}}, NOW) == {bob, cem, dan}
    # And spend is net of refunds (8,000 - 3,000 + 4,000 = 9,000)
    assert await matching(clean_db, {"spend": {"gte": 9000, **within}}, NOW) == {ann}
    assert await matching(clean_db, {"spend": {"gt": 9000, **within}}, NOW) == set()
    assert await matching(clean_db, {"spend": {"gte": 9000}}, NOW) == {ann, bob}
    assert await matching(clean_db, {"spend": {"lt": 100, **within}}, NOW) == {bob, cem, dan}
    # And shops narrow it: at roma Ann spent 4,000
    roma = {"shops": ["roma"]}
    assert await matching(clean_db, {"spend": {"eq": 4000, **roma}}, NOW) == {ann}
    assert await matching(clean_db, {"shop": {"in": ["milano"]}}, NOW) == {ann, bob}
    assert await matching(clean_db, {"shop": {"in": ["milano"], **within}}, NOW) == {ann}
    since = {"since": (NOW - 100 * DAY).isoformat()}
    assert await matching(clean_db, {"purchases": {"count": {"eq": 1}, **since, **roma}}, NOW) == {
        ann
    }


async def test_last_purchase_and_registration(clean_db: AsyncEngine) -> None:
    # Given Ann last bought 10 days ago, Bob 200 days ago, Cem never (registered in 2024)
    ann = await person(clean_db, registered=datetime(2026, 5, 1, tzinfo=UTC))
    bob = await person(clean_db, registered=datetime(2025, 1, 1, tzinfo=UTC))
    cem = await person(clean_db, registered=datetime(2024, 1, 1, tzinfo=UTC))
    await purchase(clean_db, ann, NOW - 10 * DAY)
    await purchase(clean_db, bob, NOW - 300 * DAY)
    await purchase(clean_db, bob, NOW - 200 * DAY)
    # Then "before" takes those who bought, last before then
    assert await matching(clean_db, {"lastPurchase": {"before": "P90D"}}, NOW) == {bob}
    assert await matching(clean_db, {"lastPurchase": {"after": "P30D"}}, NOW) == {ann}
    # And "no purchase in 90 days" as not(after) takes the one who never bought too
    lapsed = {"not": {"lastPurchase": {"after": "P90D"}}}
    assert await matching(clean_db, lapsed, NOW) == {bob, cem}
    assert await matching(clean_db, {"registered": {"before": "2025-01-01"}}, NOW) == {cem}
    assert await matching(clean_db, {"registered": {"after": "2025-01-01"}}, NOW) == {ann, bob}
    assert await matching(clean_db, {"registered": {"after": "P60D"}}, NOW) == {ann}


async def test_birthdays_in_the_customers_time_zone(clean_db: AsyncEngine) -> None:
    # Given at 12:00 UTC on 15 June it is already 16 June in Auckland (UTC+12)
    today = await person(clean_db, birth_date=date(1990, 6, 15))
    auckland = await person(clean_db, birth_date=date(1990, 6, 16), time_zone="Pacific/Auckland")
    in_a_week = await person(clean_db, birth_date=date(1985, 6, 22))
    july = await person(clean_db, birth_date=date(1985, 7, 2))
    await person(clean_db)  # no birth date: never a birthday
    assert await matching(clean_db, {"birthday": {"today": True}}, NOW) == {today, auckland}
    assert await matching(clean_db, {"birthday": {"inDays": 7}}, NOW) == {in_a_week}
    assert await matching(clean_db, {"birthday": {"withinDays": 7}}, NOW) == {
        today,
        auckland,
        in_a_week,
    }
    assert await matching(clean_db, {"birthday": {"thisMonth": True}}, NOW) == {
        today,
        auckland,
        in_a_week,
    }
    assert await matching(clean_db, {"birthday": {"withinDays": 17}}, NOW) == {
        today,
        auckland,
        in_a_week,
        july,
    }
    # And a window across the new year finds January birthdays
    new_year = await person(clean_db, birth_date=date(2000, 1, 3))
    eve = datetime(2026, 12, 30, 12, tzinfo=UTC)
    assert await matching(clean_db, {"birthday": {"withinDays": 5}}, eve) == {new_year}


async def test_29_february_birthdays_fall_on_28_february_in_other_years(
    clean_db: AsyncEngine,
) -> None:
    leapling = await person(clean_db, birth_date=date(2000, 2, 29))
    born_28th = await person(clean_db, birth_date=date(2001, 2, 28))
    today = {"birthday": {"today": True}}
    # In 2027 (not a leap year) both are celebrated on 28 February, and neither on 1 March
    assert await matching(clean_db, today, datetime(2027, 2, 28, 9, tzinfo=UTC)) == {
        leapling,
        born_28th,
    }
    assert await matching(clean_db, today, datetime(2027, 3, 1, 9, tzinfo=UTC)) == set()
    # In 2028 (a leap year) the leapling's day is 29 February
    assert await matching(clean_db, today, datetime(2028, 2, 28, 9, tzinfo=UTC)) == {born_28th}
    assert await matching(clean_db, today, datetime(2028, 2, 29, 9, tzinfo=UTC)) == {leapling}
    # And windows and "in N days" follow the same rule
    feb_21_2027 = datetime(2027, 2, 21, 9, tzinfo=UTC)
    assert await matching(clean_db, {"birthday": {"inDays": 7}}, feb_21_2027) == {
        leapling,
        born_28th,
    }
    assert await matching(clean_db, {"birthday": {"withinDays": 7}}, feb_21_2027) == {
        leapling,
        born_28th,
    }
    feb_22_2028 = datetime(2028, 2, 22, 9, tzinfo=UTC)
    assert await matching(clean_db, {"birthday": {"inDays": 7}}, feb_22_2028) == {leapling}
    assert await matching(clean_db, {"birthday": {"withinDays": 6}}, feb_22_2028) == {born_28th}


async def test_locale(clean_db: AsyncEngine) -> None:
    it_it, it_ch = await person(clean_db, locale="it-IT"), await person(clean_db, locale="it-CH")
    en_gb = await person(clean_db, locale="en-GB")
    await person(clean_db)
    assert await matching(clean_db, {"locale": {"in": ["it"]}}, NOW) == {it_it, it_ch}
    assert await matching(clean_db, {"locale": {"in": ["it-CH", "en-gb"]}}, NOW) == {it_ch, en_gb}
    assert await matching(clean_db, {"not": {"locale": {"in": ["it"]}}}, NOW) == {en_gb, 4}


async def test_a_locale_tag_is_compared_in_the_canonical_form_locales_are_stored_in(
    clean_db: AsyncEngine,
) -> None:
    # Given customers stored as the API stores zh-TW and zh-CN (canonical: with a script)
    taiwan = await person(clean_db, locale="zh-Hant-TW")
    china = await person(clean_db, locale="zh-Hans-CN")
    # Then a full tag matches in its canonical form, in any case; a bare language its regions
    assert await matching(clean_db, {"locale": {"in": ["zh-TW"]}}, NOW) == {taiwan}
    assert await matching(clean_db, {"locale": {"in": ["ZH-cn", "zh-hant-tw"]}}, NOW) == {
        taiwan,
        china,
    }
    assert await matching(clean_db, {"locale": {"in": ["zh"]}}, NOW) == {taiwan, china}
    # And a tag CLDR does not know matches nobody
    assert await matching(clean_db, {"locale": {"in": ["xx-YY"]}}, NOW) == set()


async def test_attributes_compare_by_type_and_ignore_other_types(clean_db: AsyncEngine) -> None:
    # Given attributes written by shops, some with the wrong type
    five = await person(clean_db, attributes={"visits": 5, "pet": "Cat", "club": True})
    text_visits = await person(clean_db, attributes={"visits": "12", "pet": "dog"})
    null_visits = await person(clean_db, attributes={"visits": None, "club": "yes"})
    dated = await person(clean_db, attributes={"since": "2025-03-01", "visits": [7]})
    bad_date = await person(clean_db, attributes={"since": "2025-13-45T00:00"})
    nothing = await person(clean_db)

    def attr(kind: str, **checks: Any) -> dict[str, Any]:
        key = checks.pop("key")
        return {"attribute": {"key": key, "type": kind, **checks}}

    # Then a number comparison matches numbers only (a string "12" is not 12)
    assert await matching(clean_db, attr("number", key="visits", gte=3), NOW) == {five}
    assert await matching(clean_db, attr("number", key="visits", ne=4), NOW) == {five}
    assert await matching(clean_db, attr("number", key="visits", **{"in": [5, 6.5]}), NOW) == {five}
    # And strings compare as text, contains ignores case
    assert await matching(clean_db, attr("string", key="pet", contains="CA"), NOW) == {five}
    assert await matching(clean_db, attr("string", key="visits", eq="12"), NOW) == {text_visits}
    assert await matching(clean_db, attr("string", key="pet", **{"in": ["dog"]}), NOW) == {
        text_visits
    }
    # And booleans are true or false, not "yes"
    assert await matching(clean_db, attr("boolean", key="club", eq=True), NOW) == {five}
    # And dates compare as ISO dates; one that is no date never matches, nor errs
    assert await matching(clean_db, attr("date", key="since", lt="2025-06-01"), NOW) == {dated}
    assert await matching(clean_db, attr("date", key="since", gte="P1Y"), NOW) == {bad_date}
    # And exists sees the key whatever its value
    assert await matching(clean_db, attr("number", key="visits", exists=True), NOW) == {
        five,
        text_visits,
        null_visits,
        dated,
    }
    assert await matching(clean_db, attr("string", key="pet", exists=False), NOW) == {
        null_visits,
        dated,
        bad_date,
        nothing,
    }
    # And not is the complement, customers of other types included
    assert await matching(clean_db, {"not": attr("number", key="visits", gte=3)}, NOW) == {
        text_visits,
        null_visits,
        dated,
        bad_date,
        nothing,
    }


async def test_vouchers_held_and_redeemed(clean_db: AsyncEngine) -> None:
    ann, bob, cem = await person(clean_db), await person(clean_db), await person(clean_db)
    await execute(
        clean_db,
        "INSERT INTO voucher_batches (name, count, code_length, kind, value_minor,"
        " idempotency_key, actor) VALUES ('Spring', 2, 8, 'FIXED_AMOUNT', 500, 'k', 't'),"
        " ('Summer', 1, 8, 'FIXED_AMOUNT', 500, 'k2', 't')",
    )
    # Ann holds a usable Spring voucher; Bob one that expired and one of Summer he redeemed
    vouchers = [
        ("A1", 1, ann, None, 0, None),
        ("B1", 1, bob, NOW - DAY, 0, None),
        ("B2", 2, bob, None, 1, 1),
    ]
    for code, batch, owner, until, uses, max_uses in vouchers:
        await execute(
            clean_db,
            "INSERT INTO vouchers (code, batch_id, source, kind, value_minor, customer_id,"
            " valid_until, uses, max_uses) VALUES (:code, :b, 'BATCH', 'FIXED_AMOUNT', 500,"
            " :c, :until, :uses, :max)",
            code=code,
            b=batch,
            c=owner,
            until=until,
            uses=uses,
            max=max_uses,
        )
    await execute(
        clean_db,
        "INSERT INTO voucher_redemptions (voucher_id, customer_id, shop, order_id,"
        " discount_minor, idempotency_key, actor) VALUES (3, :c, 's', 'o', 500, 'r', 't')",
        c=bob,
    )
    assert await matching(clean_db, {"vouchers": {"held": True}}, NOW) == {ann}
    assert await matching(clean_db, {"vouchers": {"held": True}}, NOW - 2 * DAY) == {ann, bob}
    assert await matching(clean_db, {"vouchers": {"held": False}}, NOW) == {bob, cem}
    assert await matching(clean_db, {"vouchers": {"redeemed": True}}, NOW) == {bob}
    assert await matching(clean_db, {"vouchers": {"redeemed": True, "batch": 1}}, NOW) == set()
    assert await matching(clean_db, {"vouchers": {"held": True, "batch": 2}}, NOW) == set()
    assert await matching(clean_db, {"vouchers": {"held": False, "redeemed": False}}, NOW) == {cem}


async def test_all_any_not_compose(clean_db: AsyncEngine) -> None:
    # Given Ann (600 points, Gold), Bob (600, base), Cem (100, Gold), Dan (100, base)
    await category(clean_db, "Gold")
    ann = await person(clean_db, balance=600, category="Gold")
    bob = await person(clean_db, balance=600)
    cem = await person(clean_db, balance=100, category="Gold")
    dan = await person(clean_db, balance=100)
    rich, gold = {"balance": {"gte": 500}}, {"category": {"in": ["Gold"]}}
    assert await matching(clean_db, {"all": [rich, gold]}, NOW) == {ann}
    assert await matching(clean_db, {"any": [rich, gold]}, NOW) == {ann, bob, cem}
    assert await matching(clean_db, {"not": {"any": [rich, gold]}}, NOW) == {dan}
    assert await matching(clean_db, {"all": [rich, {"not": gold}]}, NOW) == {bob}
    assert await matching(clean_db, {"any": [{"all": [rich, gold]}, {"not": rich}]}, NOW) == {
        ann,
        cem,
        dan,
    }


async def test_saved_segments_expand_inline_and_cycles_are_refused(clean_db: AsyncEngine) -> None:
    rich = await person(clean_db, balance=600)
    await person(clean_db, balance=10)
    await execute(
        clean_db,
        "INSERT INTO segments (name, filter, created_by, updated_by) VALUES"
        " ('rich', '{\"balance\": {\"gte\": 500}}', 't', 't'),"
        " ('rich-too', '{\"segment\": \"rich\"}', 't', 't')",
    )
    assert await matching(clean_db, {"segment": "rich-too"}, NOW) == {rich}
    assert await matching(clean_db, {"not": {"segment": "rich"}}, NOW) == {2}
    # Given two saved segments naming each other (written by hand, past the save's check)
    await execute(
        clean_db,
        "INSERT INTO segments (name, filter, created_by, updated_by) VALUES"
        " ('ping', '{\"segment\": \"pong\"}', 't', 't'),"
        " ('pong', '{\"any\": [{\"segment\": \"ping\"}]}', 't', 't')",
    )
    # Then compiling either is refused naming the cycle, not a RecursionError
    with pytest.raises(DomainError) as refused:
        await matching(clean_db, {"all": [{"segment": "ping"}]}, NOW)
    problem = refused.value.problems[0]
    assert (problem.field, problem.code) == ("filter.all[0].segment", ErrorCode.SEGMENT_CYCLE)
    assert "ping -> pong -> ping" in problem.message
    with pytest.raises(DomainError) as missing:
        await matching(clean_db, {"any": [rich_filter(), {"segment": "gone"}]}, NOW)
    assert missing.value.problems[0].field == "filter.any[1].segment"
    assert missing.value.problems[0].code is ErrorCode.NOT_FOUND


def rich_filter() -> dict[str, Any]:
    return {"balance": {"gte": 500}}


class Enrollments:
    """A funnel engine's conditions, as funnels/definitions will give them: here the
    enrolled customers are those with an odd id, and goals were reached by none."""

    def in_funnel(self, customer_id: ColumnElement[int], funnel: str, now: datetime) -> Any:
        return (customer_id % 2 == 1) & (literal(funnel) == "welcome")

    def goal_reached(
        self,
        customer_id: ColumnElement[int],
        funnel: str,
        goal: str | None,
        since: ColumnElement[datetime] | None,
        now: datetime,
    ) -> Any:
        return customer_id < 0


async def test_funnel_conditions_need_the_funnel_engine(clean_db: AsyncEngine) -> None:
    one, two = await person(clean_db), await person(clean_db)
    raw = {"all": [{"balance": {"gte": 0}}, {"inFunnel": "welcome"}]}
    # Without the engine, the condition is refused with its path
    with pytest.raises(DomainError) as refused:
        await matching(clean_db, raw, NOW)
    problem = refused.value.problems[0]
    assert (problem.field, problem.code) == (
        "filter.all[1].inFunnel",
        ErrorCode.FUNNEL_ENGINE_REQUIRED,
    )
    assert "need the funnel engine" in problem.message
    # With it, its conditions are compiled into the one query
    assert await matching(clean_db, raw, NOW, Enrollments()) == {one}
    goal = {"not": {"goalReached": {"funnel": "welcome", "within": "P7D"}}}
    assert await matching(clean_db, goal, NOW, Enrollments()) == {one, two}


async def test_a_count_is_one_statement(clean_db: AsyncEngine) -> None:
    # Given customers, purchases and a filter over several areas
    ann = await person(clean_db, balance=900, birth_date=date(1990, 6, 20), sms=True)
    await purchase(clean_db, ann, NOW - 5 * DAY, 5000)
    raw = {
        "all": [
            {"balance": {"gte": 500}},
            {"purchases": {"count": {"gte": 1}, "within": "P30D"}},
            {"not": {"badge": {"held": 1}}},
            {"birthday": {"withinDays": 7}},
            {"vouchers": {"held": False}},
            {"attribute": {"key": "x", "type": "number", "exists": False}},
        ]
    }
    problems = Problems()
    checked = check_filter(problems, raw, "filter")
    assert checked is not None
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(clean_db.sync_engine, "before_cursor_execute", seen)
    try:
        async with UnitOfWork(clean_db) as uow:
            statements.clear()
            count = (await uow.execute(count_query(compile_filter(checked, NOW)))).scalar_one()
    finally:
        event.remove(clean_db.sync_engine, "before_cursor_execute", seen)
    # Then the count is right, and took exactly one statement
    assert count == 1
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("SELECT")


def test_compiling_needs_an_aware_now() -> None:
    checked = check_filter(Problems(), {"balance": {"gte": 1}}, "filter")
    assert checked is not None
    with pytest.raises(ValueError):
        compile_filter(checked, datetime(2026, 1, 1))


@pytest.mark.parametrize("duration", ["P1Y2M3W4DT5H6M7S", "P2W", "PT12H", "P1M", "p10d"])
async def test_every_accepted_duration_is_an_interval_postgresql_reads(
    clean_db: AsyncEngine, duration: str
) -> None:
    # Given a customer registered now, then each duration back from 600 days ahead is
    # later than her registration
    ann = await person(clean_db)
    ahead = datetime.now(UTC) + timedelta(days=600)
    assert await matching(clean_db, {"registered": {"before": duration}}, ahead) == {ann}
