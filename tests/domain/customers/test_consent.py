"""Consent history through the domain, on real PostgreSQL: every change of consent is a row
with its channel, source, actor and time, written with the change; no change, no row."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.consent import change_consent, consent_histories, current_consents
from domain.customers.models import ConsentChannel, ConsentSource
from domain.customers.services import create_customer, update_customer
from domain.errors import DomainError, ErrorCode
from domain.uow import UnitOfWork
from tests.support.databases import reset_tables
from tests.support.round_trips import counting_engine


async def history(engine: AsyncEngine, customer_id: int) -> list[tuple[str, bool, str, str]]:
    """Oldest first: (channel, granted, source, actor)."""
    async with UnitOfWork(engine) as uow:
        page = (await consent_histories(uow, [customer_id], 50))[customer_id]
    return [(c.channel.value, c.granted, c.source.value, c.actor) for c in reversed(page.items)]


async def test_registration_records_the_consents_granted_and_only_those(
    clean_db: AsyncEngine,
) -> None:
    # Given a customer registered by staff with email consent and without SMS consent
    ann = (
        await create_customer(
            UnitOfWork(clean_db), {"consent_email": True, "consent_sms": False}, None, "staff:1:x"
        )
    ).item
    # Then the history holds one change: email granted by that staff member
    assert await history(clean_db, ann.id) == [("EMAIL", True, "STAFF", "staff:1:x")]
    # And a customer registered without consent has no history at all
    bob = (await create_customer(UnitOfWork(clean_db), {"first_name": "Bob"}, None)).item
    assert await history(clean_db, bob.id) == []


async def test_updates_record_a_change_only_when_the_value_changes(clean_db: AsyncEngine) -> None:
    ann = (await create_customer(UnitOfWork(clean_db), {"consent_email": True}, None, "s")).item
    # When staff save the same consent again, and other fields, nothing is recorded
    await update_customer(
        UnitOfWork(clean_db), str(ann.id), {"consent_email": True, "first_name": "Ann"}, "s2"
    )
    assert len(await history(clean_db, ann.id)) == 1
    # When they turn SMS on and email off, both changes are recorded, with the actor
    changed = await update_customer(
        UnitOfWork(clean_db), str(ann.id), {"consent_email": False, "consent_sms": True}, "s3"
    )
    assert (changed.consent_email, changed.consent_sms) == (False, True)
    assert (await history(clean_db, ann.id))[1:] == [
        ("EMAIL", False, "STAFF", "s3"),
        ("SMS", True, "STAFF", "s3"),
    ]


async def test_stop_keyword_and_unsubscribe_link_change_consent_once(
    clean_db: AsyncEngine,
) -> None:
    ann = (
        await create_customer(
            UnitOfWork(clean_db), {"consent_email": True, "consent_sms": True}, None, "s"
        )
    ).item
    # When STOP arrives twice and the unsubscribe link is clicked twice
    for _ in range(2):
        await change_consent(
            UnitOfWork(clean_db), ann.id, "SMS", False, ConsentSource.STOP_KEYWORD, "twilio"
        )
        after = await change_consent(
            UnitOfWork(clean_db),
            str(ann.id),
            ConsentChannel.EMAIL,
            False,
            "UNSUBSCRIBE_LINK",
            "unsubscribe-link",
        )
    # Then consent is off and each change is recorded once, with its source
    assert (after.consent_email, after.consent_sms) == (False, False)
    assert (await history(clean_db, ann.id))[2:] == [
        ("SMS", False, "STOP_KEYWORD", "twilio"),
        ("EMAIL", False, "UNSUBSCRIBE_LINK", "unsubscribe-link"),
    ]
    # And each change is timed, in order, and announced by a CustomerUpdated event
    async with clean_db.connect() as conn:
        times = (
            (
                await conn.execute(
                    text(
                        "SELECT changed_at FROM consent_changes WHERE customer_id = :c ORDER BY id"
                    ),
                    {"c": ann.id},
                )
            )
            .scalars()
            .all()
        )
        events = (
            (
                await conn.execute(
                    text(
                        "SELECT payload->'fields' FROM domain_events "
                        "WHERE type = 'CustomerUpdated' AND customer_id = :c ORDER BY id"
                    ),
                    {"c": ann.id},
                )
            )
            .scalars()
            .all()
        )
    assert all(isinstance(t, datetime) and t.utcoffset() is not None for t in times)
    assert times == sorted(times)
    assert events == [["consent_sms"], ["consent_email"]]


async def test_a_change_names_what_is_wrong(clean_db: AsyncEngine) -> None:
    ann = (await create_customer(UnitOfWork(clean_db), {}, None)).item
    with pytest.raises(DomainError) as unknown:
        await change_consent(UnitOfWork(clean_db), 999_999, "SMS", True, "CUSTOMER", "c")
    assert [(p.field, p.code) for p in unknown.value.problems] == [
        ("customerId", ErrorCode.NOT_FOUND)
    ]
    with pytest.raises(DomainError) as bad:
        await change_consent(UnitOfWork(clean_db), ann.id, "FAX", True, "RUMOUR", " ")
    assert [(p.field, p.code) for p in bad.value.problems] == [
        ("channel", ErrorCode.INVALID),
        ("source", ErrorCode.INVALID),
        ("actor", ErrorCode.REQUIRED),
    ]
    assert await history(clean_db, ann.id) == []


async def test_a_batch_of_customers_consents_is_read_in_one_query(database_url: str) -> None:
    # Given three customers: email only, SMS only, neither
    async with counting_engine(database_url) as (engine, trips):
        await reset_tables(engine)
        given = [
            {"consent_email": True, "consent_sms": False},
            {"consent_email": False, "consent_sms": True},
            {},
        ]
        ids = [(await create_customer(UnitOfWork(engine), v, None)).item.id for v in given]
        await current_consents(UnitOfWork(engine), ids[:1])  # the driver learns the types
        # When a sender reads them, with an id of no customer and one twice
        _, consents = await trips.of(
            current_consents(UnitOfWork(engine), [*ids, ids[0], ids[-1] + 1000])
        )
    # Then each customer's consent is there, the unknown one left out, in one query
    email, sms = ConsentChannel.EMAIL, ConsentChannel.SMS
    assert consents == {
        ids[0]: {email: True, sms: False},
        ids[1]: {email: False, sms: True},
        ids[2]: {email: False, sms: False},
    }
    # (BEGIN and ROLLBACK are the simple queries around it; the statement stays prepared)
    assert [method for method, _ in trips.made] == ["query", "bind_execute", "query"]
