"""Given a customer's signed unsubscribe link, when it is opened and then posted (RFC 8058's
one-click request), then only the POST withdraws the consent the link names, once, recorded
with source UNSUBSCRIBE_LINK; a link that was not signed with this secret does nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.models import ConsentChannel
from domain.customers.services import create_customer
from domain.customers.tables import consent_changes, customers
from domain.uow import UnitOfWork
from notifications.unsubscribe import unsubscribe_url
from tessera.settings import Settings
from tests.support.api import running_server

SECRET = "unsubscribe-links-test-secret-32-bytes!"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
async def site(database_url: str, clean_db: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        running_server(database_url, link_secret=SECRET) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        yield http


async def _customer(engine: AsyncEngine, ref: str) -> int:
    values = {"external_ref": ref, "email": f"{ref}@example.com", "consent_email": True,
              "phone": "+393331234567", "consent_sms": True}  # fmt: skip
    return (await create_customer(UnitOfWork(engine), values, None)).item.id


async def _consent(engine: AsyncEngine, customer_id: int) -> tuple[bool, bool]:
    async with engine.connect() as conn:
        query = select(customers.c.consent_email, customers.c.consent_sms).where(
            customers.c.id == customer_id
        )
        row = (await conn.execute(query)).one()
        return bool(row.consent_email), bool(row.consent_sms)


async def _sources(engine: AsyncEngine, customer_id: int) -> list[tuple[str, bool, str]]:
    async with engine.connect() as conn:
        query = (
            select(consent_changes.c.channel, consent_changes.c.granted, consent_changes.c.source)
            .where(consent_changes.c.customer_id == customer_id)
            .order_by(consent_changes.c.id)
        )
        return [(r.channel, r.granted, r.source) for r in await conn.execute(query)]


def _path(customer_id: int, channel: ConsentChannel, secret: str = SECRET) -> str:
    return unsubscribe_url("", secret, customer_id, channel)


async def test_opening_the_link_asks_and_the_one_click_post_unsubscribes_once(
    site: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    ann = await _customer(clean_db, "ann")
    path = _path(ann, ConsentChannel.EMAIL)

    page = await site.get(path)
    assert page.status_code == 200 and '<form method="post">' in page.text
    assert await _consent(clean_db, ann) == (True, True)  # opening changes nothing

    done = await site.post(path, data=ONE_CLICK)
    assert done.status_code == 200 and "no longer receive email" in done.text
    assert await _consent(clean_db, ann) == (False, True)
    again = await site.post(path, data=ONE_CLICK)
    assert again.status_code == 200
    assert (await _sources(clean_db, ann))[-1] == ("EMAIL", False, "UNSUBSCRIBE_LINK")
    assert [s for s in await _sources(clean_db, ann) if s[2] == "UNSUBSCRIBE_LINK"] == [
        ("EMAIL", False, "UNSUBSCRIBE_LINK")
    ]


async def test_an_sms_link_withdraws_sms_consent_only(
    site: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    ann = await _customer(clean_db, "ann-sms")
    assert (await site.post(_path(ann, ConsentChannel.SMS), data=ONE_CLICK)).status_code == 200
    assert await _consent(clean_db, ann) == (True, False)


async def test_a_link_not_signed_with_this_secret_or_changed_does_nothing(
    site: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    ann = await _customer(clean_db, "ann-forged")
    genuine = _path(ann, ConsentChannel.EMAIL)
    forged = [
        _path(ann, ConsentChannel.EMAIL, secret="another-secret-of-at-least-32-bytes!!"),
        genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),
        "/unsubscribe/not-a-token",
    ]
    for path in forged:
        for method in ("GET", "POST"):
            response = await site.request(
                method, path, data=ONE_CLICK if method == "POST" else None
            )
            assert response.status_code == 404, (path, method)
    assert await _consent(clean_db, ann) == (True, True)


async def test_without_a_link_secret_every_link_is_refused(
    database_url: str, clean_db: AsyncEngine
) -> None:
    ann = await _customer(clean_db, "ann-nosecret")
    async with (
        running_server(database_url) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        response = await http.post(_path(ann, ConsentChannel.EMAIL), data=ONE_CLICK)
    assert response.status_code == 404
    assert await _consent(clean_db, ann) == (True, True)


def test_a_short_link_secret_is_refused_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESSERA_LINK_SECRET", "short")
    with pytest.raises(ValueError, match="TESSERA_LINK_SECRET"):
        Settings.from_env()
