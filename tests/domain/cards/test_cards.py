"""Cards through the domain, on real PostgreSQL: series, issuing (given and generated codes),
statuses and their refusals, primary card, replacement, and customers' cardCode on cards."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.audit import find_all_violations
from domain.cards import issuing, lookup, replacement, series, status
from domain.cards.codes import is_ean13
from domain.cards.models import CardStatus, CardType, CheckDigit
from domain.customers import lookups
from domain.customers import repository as customers_repo
from domain.customers.services import create_customer, update_customer
from domain.errors import DomainError, ErrorCode
from domain.uow import UnitOfWork


def settings(name: str, check: CheckDigit = CheckDigit.NONE, **kw: object) -> series.SeriesSettings:
    return series.SeriesSettings(
        name=name,
        type=kw.pop("type", CardType.POINTS),  # type: ignore[arg-type]
        prefix=str(kw.pop("prefix", "")),
        check_digit=check,
        code_length=kw.pop("code_length", None),  # type: ignore[arg-type]
    )


async def customer(engine: AsyncEngine, card: str | None = None) -> int:
    values = {"card_code": card} if card else {}
    return (await create_customer(UnitOfWork(engine), values, None)).item.id


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[tuple[str | None, ErrorCode]]:
    return [(p.field, p.code) for p in error.value.problems]


async def test_a_customer_card_code_is_its_primary_card_in_the_default_series(
    clean_db: AsyncEngine,
) -> None:
    # Given a customer registered with a card code (no series exists: tests start empty)
    cid = await customer(clean_db, "CARD-1")
    # Then the code is an ACTIVE primary POINTS card of "Loyalty card", and finds the customer
    cards = await lookup.customer_cards(UnitOfWork(clean_db), str(cid))
    assert [(c.code, c.status, c.is_primary, c.type) for c in cards] == [
        ("CARD-1", CardStatus.ACTIVE, True, CardType.POINTS)
    ]
    assert [s.name for s in await series.list_series(UnitOfWork(clean_db))] == ["Loyalty card"]
    found = await lookups.customer_by_card(UnitOfWork(clean_db), "CARD-1")
    assert found is not None and found.id == cid
    # When updateCustomer gives a new code, the old card is REPLACED by it and refused
    await update_customer(UnitOfWork(clean_db), str(cid), {"card_code": "CARD-2"})
    cards = await lookup.customer_cards(UnitOfWork(clean_db), str(cid))
    assert [(c.code, c.status, c.is_primary) for c in cards] == [
        ("CARD-2", CardStatus.ACTIVE, True),
        ("CARD-1", CardStatus.REPLACED, False),
    ]
    with pytest.raises(DomainError) as refused:
        await lookups.customer_by_card(UnitOfWork(clean_db), "CARD-1")
    assert codes(refused) == [("code", ErrorCode.CARD_REPLACED)]
    # And a dead code cannot be given to anyone again
    with pytest.raises(DomainError) as taken:
        await create_customer(UnitOfWork(clean_db), {"card_code": "CARD-1"}, None)
    assert codes(taken) == [("cardCode", ErrorCode.DUPLICATE)]
    # When the code is cleared, the card is withdrawn (blocked) and cardCode is null
    await update_customer(UnitOfWork(clean_db), str(cid), {"card_code": None})
    async with UnitOfWork(clean_db) as uow:
        assert await lookup.primary_cards(uow, [cid]) == {}
        assert await customers_repo.customer_by(uow, card_code="CARD-2") is None


async def test_issuing_checks_the_series_check_digit_and_generates_the_next_code(
    clean_db: AsyncEngine,
) -> None:
    gold = (
        await series.create_series(
            UnitOfWork(clean_db), settings("Gold", CheckDigit.EAN13, prefix="290")
        )
    ).item
    assert gold.code_length == 13
    cid = await customer(clean_db)
    # A given code with a wrong check digit is refused, naming the code
    with pytest.raises(DomainError) as wrong:
        await issuing.issue_card(UnitOfWork(clean_db), str(cid), str(gold.id), "2900000000012")
    assert codes(wrong) == [("code", ErrorCode.INVALID)]
    # A generated code is the prefix, the padded number and a valid check digit
    first = (await issuing.issue_card(UnitOfWork(clean_db), str(cid), str(gold.id), None)).item
    second = (await issuing.issue_card(UnitOfWork(clean_db), str(cid), str(gold.id), None)).item
    assert first.code.startswith("290000000001") and is_ean13(first.code)
    assert second.code.startswith("290000000002") and is_ean13(second.code)
    # The customer's first card is primary, later ones are not (unless asked)
    assert (first.is_primary, second.is_primary) == (True, False)
    assert first.type is CardType.POINTS


async def test_thirty_concurrent_issues_get_thirty_distinct_valid_codes(
    clean_db: AsyncEngine,
) -> None:
    prize = (
        await series.create_series(
            UnitOfWork(clean_db), settings("Prize", CheckDigit.LUHN, prefix="77", code_length=10)
        )
    ).item
    cid = await customer(clean_db)
    issued = await asyncio.gather(
        *(
            issuing.issue_card(
                UnitOfWork(clean_db), str(cid), str(prize.id), None, idempotency_key=f"k-{n}"
            )
            for n in range(30)
        )
    )
    got = {c.item.code for c in issued}
    assert len(got) == 30
    from stdnum import luhn

    assert all(len(c) == 10 and c.startswith("77") and luhn.is_valid(c) for c in got)
    # A replayed key returns the first card and issues nothing
    again = await issuing.issue_card(
        UnitOfWork(clean_db), str(cid), str(prize.id), None, idempotency_key="k-3"
    )
    assert again.replayed and again.item == issued[3].item
    assert len(await lookup.customer_cards(UnitOfWork(clean_db), str(cid))) == 30


async def test_blocked_and_lost_cards_are_refused_with_their_status_and_date(
    clean_db: AsyncEngine,
) -> None:
    await customer(clean_db, "CARD-B")
    blocked = await status.block_card(UnitOfWork(clean_db), "CARD-B", "stolen wallet")
    assert blocked.status is CardStatus.BLOCKED and blocked.status_changed_at is not None
    with pytest.raises(DomainError) as refused:
        await lookups.customer_by_card(UnitOfWork(clean_db), "CARD-B")
    problem = refused.value.problems[0]
    assert problem.code is ErrorCode.CARD_BLOCKED
    assert "BLOCKED since" in problem.message and "stolen wallet" in problem.message
    assert blocked.status_changed_at.date().isoformat() in problem.message
    lost = await status.report_lost(UnitOfWork(clean_db), "CARD-B", None)
    read = await lookup.read_card(UnitOfWork(clean_db), "CARD-B")
    assert lost.status is CardStatus.LOST
    assert read.refusal is not None and read.refusal.code is ErrorCode.CARD_LOST
    # Found again: unblocking makes it ACTIVE and accepted
    await status.unblock_card(UnitOfWork(clean_db), "CARD-B", None)
    assert (await lookup.read_card(UnitOfWork(clean_db), "CARD-B")).refusal is None


async def test_replacement_moves_the_primary_flag_and_kills_the_old_code(
    clean_db: AsyncEngine,
) -> None:
    cid = await customer(clean_db, "OLD-1")
    await status.report_lost(UnitOfWork(clean_db), "OLD-1", "lost on the bus")
    new = (
        await replacement.replace_card(UnitOfWork(clean_db), "OLD-1", "NEW-1", idempotency_key="r")
    ).item
    assert (new.code, new.status, new.is_primary, new.customer_id) == (
        "NEW-1",
        CardStatus.ACTIVE,
        True,
        cid,
    )
    old = await lookup.read_card(UnitOfWork(clean_db), "OLD-1")
    assert old.card.status is CardStatus.REPLACED and old.card.replaced_by_card_id == new.id
    assert old.refusal is not None and old.refusal.code is ErrorCode.CARD_REPLACED
    # A replaced card cannot be unblocked, blocked or replaced again
    for change in (status.unblock_card, status.block_card):
        with pytest.raises(DomainError) as dead:
            await change(UnitOfWork(clean_db), "OLD-1", None)
        assert codes(dead) == [("code", ErrorCode.CARD_REPLACED)]
    # The same key replays the first replacement
    again = await replacement.replace_card(
        UnitOfWork(clean_db), "OLD-1", "NEW-1", idempotency_key="r"
    )
    assert again.replayed and again.item.id == new.id
    async with clean_db.connect() as conn:
        assert await find_all_violations(conn) == []


async def test_thirty_concurrent_replacements_of_one_card_make_exactly_one(
    clean_db: AsyncEngine,
) -> None:
    cid = await customer(clean_db, "LOST-30")
    outcomes = await asyncio.gather(
        *(
            replacement.replace_card(
                UnitOfWork(clean_db), "LOST-30", f"NEW-{n}", idempotency_key=f"rep-{n}"
            )
            for n in range(30)
        ),
        return_exceptions=True,
    )
    made = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(made) == 1 and len(refused) == 29
    assert {o.problems[0].code for o in refused} == {ErrorCode.CARD_REPLACED}
    cards = await lookup.customer_cards(UnitOfWork(clean_db), str(cid))
    assert sorted(c.status.value for c in cards) == ["ACTIVE", "REPLACED"]
    async with clean_db.connect() as conn:
        assert await find_all_violations(conn) == []


async def test_set_primary_and_series_rules(clean_db: AsyncEngine) -> None:
    cid = await customer(clean_db, "P-1")
    other = (await issuing.issue_card(UnitOfWork(clean_db), str(cid), None, "P-2")).item
    assert not other.is_primary
    await status.set_primary(UnitOfWork(clean_db), "P-2")
    cards = {
        c.code: c.is_primary for c in await lookup.customer_cards(UnitOfWork(clean_db), str(cid))
    }
    assert cards == {"P-1": False, "P-2": True}
    # Series rules: EAN-13 is 13 long; a prefix must leave room for a number
    for bad, field in (
        (settings("X", CheckDigit.EAN13, code_length=12), "codeLength"),
        (settings("Y", CheckDigit.LUHN, prefix="12345", code_length=6), "codeLength"),
        (settings("Z", CheckDigit.LUHN, prefix="AB", code_length=8), "prefix"),
    ):
        with pytest.raises(DomainError) as refused:
            await series.create_series(UnitOfWork(clean_db), bad)
        assert [p.field for p in refused.value.problems] == [field]
    with pytest.raises(DomainError) as same_name:
        await series.create_series(UnitOfWork(clean_db), settings("Loyalty card"))
    assert codes(same_name) == [("name", ErrorCode.DUPLICATE)]
    # A full series says so
    tiny = (
        await series.create_series(
            UnitOfWork(clean_db), settings("Tiny", CheckDigit.LUHN, prefix="9", code_length=3)
        )
    ).item
    for _ in range(9):
        await issuing.issue_card(UnitOfWork(clean_db), str(cid), str(tiny.id), None)
    with pytest.raises(DomainError) as full:
        await issuing.issue_card(UnitOfWork(clean_db), str(cid), str(tiny.id), None)
    assert codes(full) == [("seriesId", ErrorCode.CARD_SERIES_FULL)]


async def test_the_card_invariants_catch_a_broken_replacement(clean_db: AsyncEngine) -> None:
    from sqlalchemy import text

    from domain.cards.invariants import CHECKS

    await customer(clean_db, "INV-1")
    # Given a card marked REPLACED by hand, with no successor and still primary
    async with clean_db.begin() as conn:
        await conn.execute(text("UPDATE cards SET status = 'REPLACED' WHERE code = 'INV-1'"))
    async with clean_db.connect() as conn:
        found = [v for check in CHECKS for v in await check(conn)]
    assert len(found) == 2
    assert "replaced by nothing" in found[0] and "primary but REPLACED" in found[1]


async def primaries(engine: AsyncEngine, cid: int) -> list[str]:
    cards = await lookup.customer_cards(UnitOfWork(engine), str(cid))
    return [c.code for c in cards if c.is_primary]


async def test_concurrent_issues_to_a_cardless_customer_make_one_primary_card(
    clean_db: AsyncEngine,
) -> None:
    await customer(clean_db, "OTHER-1")  # the default series exists
    for round_ in range(4):
        # Given a customer without a card
        cid = await customer(clean_db)
        # When ten cards are issued to them at once
        issued = await asyncio.gather(
            *(
                issuing.issue_card(
                    UnitOfWork(clean_db), str(cid), None, f"FIRST-{round_}-{n}",
                    idempotency_key=f"f-{round_}-{n}",
                )
                for n in range(10)
            )
        )  # fmt: skip
        # Then every issue succeeds and exactly one card, the first committed, is primary
        assert sum(c.item.is_primary for c in issued) == 1
        assert len(await lookup.customer_cards(UnitOfWork(clean_db), str(cid))) == 10
        assert len(await primaries(clean_db, cid)) == 1


async def test_concurrent_primary_issues_and_a_replacement_leave_one_primary_card(
    clean_db: AsyncEngine,
) -> None:
    # Given a customer with a primary card
    cid = await customer(clean_db, "MAIN-1")
    # When ten cards asked to be primary are issued while the primary card is replaced
    await asyncio.gather(  # raises the first failure, if any
        replacement.replace_card(UnitOfWork(clean_db), "MAIN-1", "MAIN-2", idempotency_key="r"),
        *(
            issuing.issue_card(
                UnitOfWork(clean_db), str(cid), None, f"TOP-{n}", primary=True,
                idempotency_key=f"t-{n}",
            )
            for n in range(10)
        ),
    )  # fmt: skip
    # Then all of them succeed, the customer has exactly one primary card, and the replaced
    # card is not it
    cards = await lookup.customer_cards(UnitOfWork(clean_db), str(cid))
    assert len(cards) == 12
    assert len(await primaries(clean_db, cid)) == 1
    assert "MAIN-1" not in await primaries(clean_db, cid)
    async with clean_db.connect() as conn:
        assert await find_all_violations(conn) == []


async def test_concurrent_primary_changes_of_one_customer_never_deadlock(
    clean_db: AsyncEngine,
) -> None:
    # Given a customer with five cards
    cid = await customer(clean_db, "SP-0")
    for n in range(1, 5):
        await issuing.issue_card(UnitOfWork(clean_db), str(cid), None, f"SP-{n}")
    # When each is made primary at once, while one is replaced and one more is issued
    outcomes = await asyncio.gather(
        *(status.set_primary(UnitOfWork(clean_db), f"SP-{n}") for n in range(5)),
        replacement.replace_card(UnitOfWork(clean_db), "SP-2", "SP-2B", idempotency_key="r"),
        issuing.issue_card(UnitOfWork(clean_db), str(cid), None, "SP-5", primary=True),
        return_exceptions=True,
    )
    # Then each succeeds or is refused for the card's status (SP-2 replaced first), never
    # an error of the database; one card is primary
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    refused = [f for f in failures if isinstance(f, DomainError)]
    assert refused == failures, failures
    assert {p.code for f in refused for p in f.problems} <= {ErrorCode.CARD_REPLACED}
    assert len(await primaries(clean_db, cid)) == 1
    async with clean_db.connect() as conn:
        assert await find_all_violations(conn) == []
