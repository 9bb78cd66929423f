"""Given a subscription whose receiver's name stopped resolving (its domain lapsed, or now
points inside the network), when staff pause it or rotate its secret, then that works
(the host is not checked again for a change that sends nothing); when they resume it or
point it at a host that does not pass, then that is refused on `url`."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import DomainError, ErrorCode
from domain.uow import UnitOfWork
from domain.webhooks.models import SubscriptionSpec
from domain.webhooks.subscriptions import create_subscription, update_subscription
from domain.webhooks.targets import TargetPolicy, TargetRefused

URL = "https://erp.shop.example/hooks"


def resolving(host: str, port: int) -> list[str]:
    if host == "erp.shop.example":
        return ["93.184.216.34"]
    if host == "inside.shop.example":
        return ["10.0.0.7"]
    raise TargetRefused(f"The host {host!r} does not resolve.")


def lapsed(host: str, port: int) -> list[str]:
    if host == "inside.shop.example":
        return ["10.0.0.7"]
    raise TargetRefused(f"The host {host!r} does not resolve.")


async def _made(engine: AsyncEngine) -> str:
    made = await create_subscription(
        UnitOfWork(engine),
        SubscriptionSpec(URL, ("POINTS_EARNED",)),
        "sub-1",
        TargetPolicy(resolver=resolving),
    )
    return str(made.item.id)


async def test_a_subscription_whose_host_stopped_resolving_can_be_paused_and_rotated(
    clean_db: AsyncEngine,
) -> None:
    sid = await _made(clean_db)
    policy = TargetPolicy(resolver=lapsed)
    paused = await update_subscription(UnitOfWork(clean_db), sid, {"active": False}, policy)
    assert (paused.active, paused.url) == (False, URL)
    rotated = await update_subscription(UnitOfWork(clean_db), sid, {}, policy, rotate_secret=True)
    assert rotated.secret != paused.secret
    described = await update_subscription(
        UnitOfWork(clean_db), sid, {"description": "ERP (domain lapsed)"}, policy
    )
    assert described.description == "ERP (domain lapsed)"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"active": True}, "does not resolve"),  # resumed: it would send again
        ({"url": "https://inside.shop.example/hooks"}, "10.0.0.7"),
    ],
)
async def test_resuming_it_or_a_new_url_is_checked_again(
    clean_db: AsyncEngine, changes: dict[str, object], reason: str
) -> None:
    sid = await _made(clean_db)
    policy = TargetPolicy(resolver=lapsed)
    await update_subscription(UnitOfWork(clean_db), sid, {"active": False}, policy)
    with pytest.raises(DomainError) as refused:
        await update_subscription(UnitOfWork(clean_db), sid, changes, policy)
    (problem,) = refused.value.problems
    assert (problem.field, problem.code) == ("url", ErrorCode.INVALID)
    assert reason in problem.message
