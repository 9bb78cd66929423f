"""Data for the browser tests, made through the API with the contract's own operation files
(as the back office and the till send them)."""

from __future__ import annotations

import functools
from typing import Any

from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.support.api import GraphQLClient
from tests.support.console import DESKTOP, OPERATIONS_DIR, PHONE


@functools.cache
def operation(name: str) -> str:
    """The text of frontend-contract/operations/<name>.graphql, e.g. "admin/AdjustPoints"."""
    return (OPERATIONS_DIR / f"{name}.graphql").read_text(encoding="utf-8")


async def mutate(client: GraphQLClient, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Run a mutation file; its payload, which must carry no userErrors."""
    data = await client.data(operation(name), variables)
    (payload,) = data.values()
    assert payload["userErrors"] == [], payload["userErrors"]
    result: dict[str, Any] = payload
    return result


async def new_customer(client: GraphQLClient, ref: str, first_name: str, **extra: Any) -> str:
    """A customer with external reference `ref`; its id."""
    created = await mutate(
        client,
        "admin/CreateCustomer",
        {"input": {"externalRef": ref, "firstName": first_name, "idempotencyKey": ref, **extra}},
    )
    customer_id: str = created["customer"]["id"]
    return customer_id


async def adjust(client: GraphQLClient, customer_id: str, points: int, note: str) -> None:
    """Credit (or debit) points by hand with a note (the note is the idempotency key)."""
    await mutate(
        client,
        "admin/AdjustPoints",
        {
            "input": {
                "customerId": customer_id,
                "points": points,
                "note": note,
                "idempotencyKey": note,
            }
        },
    )


async def purchase(
    client: GraphQLClient, customer_id: str, order_id: str, amount_minor: int
) -> int:
    """A paid one-line purchase at the till; the points it earned."""
    sale = {
        "orderId": order_id,
        "status": "PAID",
        "customerId": customer_id,
        "lines": [{"sku": "JACKET", "quantity": 1, "unitPriceMinor": amount_minor}],
    }
    recorded = await mutate(client, "pos/RecordPurchase", {"input": sale})
    earned: int = recorded["pointsAwarded"]
    return earned


async def new_reward(client: GraphQLClient, name: str, cost: int, gift_sku: str) -> str:
    """A reward trading `cost` points for a single-use gift voucher; its id."""
    created = await mutate(
        client,
        "admin/CreateReward",
        {
            "input": {
                "name": name,
                "kind": "FREE_PRODUCT",
                "costPoints": cost,
                "voucher": {"kind": "GIFT_ITEM", "giftSku": gift_sku},
                "idempotencyKey": name,
            }
        },
    )
    reward_id: str = created["reward"]["id"]
    return reward_id


async def new_badge(client: GraphQLClient, title: str, low: int, high: int | None) -> None:
    """A badge for balances from `low` to `high` (open-ended without it)."""
    badge = {"title": title, "minPoints": low, "maxPoints": high, "idempotencyKey": title}
    await mutate(client, "admin/CreateBadge", {"input": badge})


async def assert_no_page_scroll_at_phone_width(page: Page) -> None:
    """At 390 px the page does not scroll sideways (wide tables scroll inside their box). The
    charts follow the new width a frame or two later, so the width is awaited briefly."""
    await page.set_viewport_size(PHONE)
    try:
        await page.wait_for_function(
            "() => document.documentElement.scrollWidth <= window.innerWidth", timeout=3000
        )
    except PlaywrightTimeoutError:
        wide = await page.evaluate(
            """() => [...document.querySelectorAll('body *')]
              .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
              .filter((e) => !e.parentElement?.closest('.table-scroll'))
              .slice(0, 5).map((e) => `${e.tagName}.${e.className}`)"""
        )
        raise AssertionError(f"the page scrolls sideways at phone width: {wide}") from None
    finally:
        await page.set_viewport_size(DESKTOP)
