"""Program > Card discounts in Chromium: a manager sets what a discount series and a
current-discount series give and how several discount cards combine; a band that does not
go up is refused on its field."""

from __future__ import annotations

from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from tests.console.conftest import OpenConsole
from tests.console.test_program import api, area_shown, saved
from tests.support.api import GraphQLClient
from tests.support.cards import add_series
from tests.support.console import assert_accessible, screenshots


async def test_a_manager_sets_the_card_discounts_and_how_they_combine(
    open_console: OpenConsole, gql: GraphQLClient, engine: AsyncEngine
) -> None:
    await add_series(engine, "Friends", "DISCOUNT")
    await add_series(engine, "Big spender", "CURRENT_DISCOUNT")
    page = await open_console(Role.MANAGER, "program/card-discounts")
    await area_shown(page, "Card discounts")

    combining = page.get_by_role("form", name="Combining discount cards")
    await combining.get_by_label("Combine").select_option("ADDITIVE")
    await combining.get_by_label("Cap (% of the line)").fill("20")
    await combining.get_by_role("button", name="Save combining").click()
    await saved(combining)

    friends = page.get_by_role("form", name="Discount of Friends")
    await friends.get_by_label("Discount (%)").fill("10")
    await friends.get_by_label("Applies to").select_option("PRODUCT_LINES")
    await friends.get_by_label("Product lines (comma-separated)").fill("TEA, COFFEE")
    await friends.get_by_role("button", name="Save Friends").click()
    await saved(friends)

    spender = page.get_by_role("form", name="Current discount of Big spender")
    await spender.get_by_label("Bands (from amount: %, ...)").fill("150.00: 10, 50.00: 5")
    await spender.get_by_role("button", name="Save Big spender").click()
    await expect(spender.get_by_role("alert")).to_contain_text("Bands go up")
    await spender.get_by_label("Bands (from amount: %, ...)").fill("50.00: 5, 150.00: 10")
    await spender.get_by_role("button", name="Save Big spender").click()
    await saved(spender)

    found = await api(gql, "CardDiscounts")
    assert found["cardDiscountPolicy"] == {"mode": "ADDITIVE", "capBp": 2000}
    friends_terms, spender_terms = (s for s in found["cardSeriesDiscounts"])
    assert friends_terms["discount"] == {
        "percentBp": 1000,
        "scope": "PRODUCT_LINES",
        "skus": [],
        "productLines": ["TEA", "COFFEE"],
        "includeDiscounted": False,
    }
    assert spender_terms["currentDiscount"] == {
        "mode": "BANDS",
        "percentBp": None,
        "bands": [{"fromMinor": 5000, "percentBp": 500}, {"fromMinor": 15000, "percentBp": 1000}],
        "validDays": 30,
    }
    await assert_accessible(page)
    await screenshots(page, "program-card-discounts")
