"""The Funnels page in Chromium, as a marketer uses it: a three-step funnel built in the
visual builder (a segment entry, points, a wait, an email), a mistake shown on the node at
fault and fixed, a dry run drawn on the graph, then saved and activated; the list shows it
with its status. The data is made through the API with the contract's operation files."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

from playwright.async_api import Page, expect

from domain.access.permissions import Role
from tests.console.conftest import OpenConsole
from tests.support.api import GraphQLClient
from tests.support.console import OPERATIONS_DIR, assert_accessible, screenshots

TEMPLATE = "Points news"
RICH = 500


def operation(name: str) -> str:
    return (OPERATIONS_DIR / f"{name}.graphql").read_text(encoding="utf-8")


async def payload(gql: GraphQLClient, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Runs a contract mutation; its payload must carry no userErrors."""
    (result,) = (await gql.data(operation(name), variables)).values()
    assert result["userErrors"] == [], result["userErrors"]
    found: dict[str, Any] = result
    return found


async def seed(gql: GraphQLClient) -> None:
    """A marketing email template and four customers with email consent: two of them rich
    (600 points), two not (100 and 0), so the entry segment picks two."""
    await payload(
        gql,
        "marketer/CreateMessageTemplate",
        {
            "input": {
                "name": TEMPLATE,
                "channel": "EMAIL",
                "purpose": "MARKETING",
                "fallbackLocale": "en-US",
                "idempotencyKey": uuid4().hex,
                "translations": [
                    {
                        "locale": "en-US",
                        "subject": "Hi [first_name], news about your points",
                        "htmlBody": "<p>You have <b>[points]</b> points</p>",
                        "textBody": "You have [points] points.",
                    }
                ],
            }
        },
    )
    for i, points in enumerate((600, 600, 100, 0)):
        created = await payload(
            gql,
            "admin/CreateCustomer",
            {
                "input": {
                    "idempotencyKey": uuid4().hex,
                    "firstName": f"Customer{i}",
                    "lastName": "Test",
                    "email": f"c{i}@example.com",
                    "consentEmail": True,
                }
            },
        )
        if points:
            await payload(
                gql,
                "admin/AdjustPoints",
                {
                    "input": {
                        "customerId": created["customer"]["id"],
                        "points": points,
                        "note": "opening balance",
                        "idempotencyKey": uuid4().hex,
                    }
                },
            )


def node(page: Page, step_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{step_id}"]')


EXPECTED = {
    "name": "Spring bonus",
    "entry": {
        "trigger": {"campaign": {}},
        "filter": {"balance": {"gte": RICH}},
        "reentry": "ONCE",  # the default, written out by the server
    },
    "start": "addPoints_1",
    "steps": [
        {"id": "addPoints_1", "type": "addPoints", "points": 50, "next": "wait_1"},
        {"id": "wait_1", "type": "wait", "duration": "P1D", "next": "sendEmail_1"},
        {"id": "sendEmail_1", "type": "sendEmail", "template": TEMPLATE},
    ],
}


async def test_a_marketer_builds_checks_simulates_saves_and_activates_a_funnel(
    open_console: OpenConsole, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    await seed(gql)
    page = await open_console(Role.MARKETER, "funnels")
    await expect(page.get_by_role("heading", name="Funnels")).to_be_visible()
    await page.get_by_role("link", name="New funnel").click()
    await expect(page.get_by_role("heading", name="New funnel")).to_be_visible()

    # Given the entry: a name and a segment (balance at least 500) with its live count
    await node(page, "__entry").click()
    await page.get_by_label("Funnel name").fill("Spring bonus")
    who = page.get_by_role("group", name="Who may enter")
    await who.get_by_role("button", name="Add condition").click()
    await who.get_by_label("Value 1").fill(str(RICH))
    await expect(who.get_by_text(re.compile(r"^2 customers match now"))).to_be_visible()

    # When the points step gives 0 points, the problem shows on that node and in the list
    await node(page, "addPoints_1").click()
    await page.get_by_label("Points to add").fill("0")
    faulty = node(page, "addPoints_1").locator(".flow-node.faulty")
    await expect(faulty).to_be_visible()
    await expect(faulty.locator(".node-problems")).to_contain_text("points")
    await expect(page.locator(".problem-list")).to_contain_text("steps[0].points")
    await expect(page.get_by_label("Points to add")).to_have_attribute("aria-invalid", "true")
    await screenshots(page, "funnels-builder-problem")

    # Then fixed, and two steps added after it from the palette (each follows the selected)
    await page.get_by_label("Points to add").fill("50")
    await expect(faulty).to_have_count(0)
    await page.get_by_role("button", name="+ Wait").click()
    await page.get_by_role("button", name="+ Send email").click()
    await expect(page.get_by_role("heading", name="Send email sendEmail_1")).to_be_visible()
    # A send step without its template is at fault until one is chosen
    await expect(node(page, "sendEmail_1").locator(".flow-node.faulty")).to_be_visible()
    await page.get_by_label("Template").select_option(TEMPLATE)
    await expect(page.get_by_text("No problems: the funnel can be saved.")).to_be_visible()

    # A step added by mistake goes with the Delete key
    await page.get_by_role("button", name="+ Exit").click()
    await expect(node(page, "exit_1")).to_have_count(1)
    await node(page, "exit_1").focus()
    await page.keyboard.press("Delete")
    await expect(node(page, "exit_1")).to_have_count(0)
    await expect(page.get_by_text("No problems: the funnel can be saved.")).to_be_visible()

    # When simulated, each step's numbers are drawn on its node and edges
    await page.get_by_role("button", name="Simulate").click()
    await expect(node(page, "__entry").locator(".node-figures")).to_contain_text("entered 2")
    await expect(node(page, "addPoints_1").locator(".node-figures")).to_contain_text("reached 2")
    await expect(node(page, "addPoints_1").locator(".node-figures")).to_contain_text("+100 points")
    await expect(node(page, "sendEmail_1").locator(".node-figures")).to_contain_text("would send 2")
    await expect(page.locator(".react-flow__edge.counted")).to_have_count(3)
    # A node is selected from the keyboard too: focused, then Enter
    await node(page, "addPoints_1").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Add points addPoints_1")).to_be_visible()
    await assert_accessible(page)
    await screenshots(page, "funnels-builder")

    # Saved and activated
    await page.get_by_role("button", name="Save draft").click()
    await expect(page.get_by_role("heading", name=re.compile("Spring bonus"))).to_be_visible()
    await expect(page.get_by_text("Draft", exact=True)).to_be_visible()
    await page.get_by_role("button", name="Activate").click()
    await expect(page.get_by_text("Active", exact=True)).to_be_visible()
    await expect(page.get_by_role("button", name="Pause")).to_be_visible()

    # Then the API shows it ACTIVE at version 1 with the definition built on screen
    marketer = gql.as_(tokens["marketer"])
    listed = await marketer.data(operation("marketer/Funnels"), {"status": "ACTIVE"})
    (funnel,) = listed["funnels"]["nodes"]
    assert (funnel["name"], funnel["status"], funnel["currentVersion"]) == (
        "Spring bonus",
        "ACTIVE",
        1,
    )
    loaded = await marketer.data(
        operation("marketer/FunnelVersion"), {"id": funnel["id"], "version": None}
    )
    assert loaded["funnel"]["version"]["definition"] == EXPECTED

    # And the list shows it with its status and version
    sections = page.get_by_role("navigation", name="Funnels sections")
    await sections.get_by_role("link", name="Funnels", exact=True).click()
    row = page.get_by_role("row", name=re.compile("Spring bonus"))
    await expect(row).to_contain_text("Active")
    await expect(row.get_by_role("cell").nth(2)).to_have_text("1")
    await assert_accessible(page)
    await screenshots(page, "funnels-list")


def welcome(points: int, *, email: bool) -> dict[str, Any]:
    last = (
        {"id": "email", "type": "sendEmail", "template": TEMPLATE}
        if email
        else {"id": "done", "type": "exit", "reason": "thanked"}
    )
    return {
        "name": "Welcome",
        "entry": {"trigger": {"event": "CUSTOMER_REGISTERED"}},
        "start": "points",
        "steps": [
            {"id": "points", "type": "addPoints", "points": points, "next": last["id"]},
            last,
        ],
    }


async def test_versions_differ_statistics_show_and_an_active_funnel_pauses_and_resumes(
    open_console: OpenConsole, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    await seed(gql)
    marketer = gql.as_(tokens["marketer"])
    first = {"definition": welcome(100, email=True), "idempotencyKey": uuid4().hex}
    saved = await payload(marketer, "marketer/SaveFunnel", {"input": first})
    fid = saved["funnel"]["id"]
    await payload(marketer, "marketer/ActivateFunnel", {"id": fid})
    second = {"id": fid, "definition": welcome(200, email=False), "idempotencyKey": uuid4().hex}
    await payload(marketer, "marketer/SaveFunnel", {"input": second})

    page = await open_console(Role.MARKETER, f"funnels/{fid}")
    await expect(page.get_by_role("heading", name=re.compile("^Welcome"))).to_be_visible()
    await expect(page.get_by_text("Version 2", exact=True)).to_be_visible()

    # The difference between version 1 and 2: a changed, an added and a removed step
    versions = page.get_by_role("region", name="Versions")
    await expect(versions.get_by_role("heading", name="Version 1 → version 2")).to_be_visible()
    changed = versions.locator(".diff-changed", has_text="points")
    await expect(changed).to_contain_text("points: 100 → 200")
    await expect(versions.locator(".diff-added")).to_contain_text("done")
    await expect(versions.locator(".diff-removed")).to_contain_text("email")
    # Comparing a version with itself says so
    await versions.get_by_label("Compare from version 2").check()
    await expect(versions.get_by_text("Choose two different versions to compare.")).to_be_visible()

    # Statistics drawn on the graph (nobody has entered yet)
    await page.get_by_label("Statistics").check()
    await expect(node(page, "__entry").locator(".node-figures")).to_contain_text("entered 0")
    await expect(node(page, "points").locator(".node-figures")).to_contain_text("ran 0")
    statistics = page.get_by_role("region", name="Statistics")
    await expect(statistics.get_by_text("Inside now")).to_be_visible()

    # Edited while active, saved as version 3 moving the customers inside onto it
    await node(page, "points").click()
    await page.get_by_label("Points to add").fill("300")
    await page.get_by_label("Move onto the new version").check()
    await expect(page.get_by_label("Waiting at done, continue at")).to_have_value("done")
    await page.get_by_role("button", name="Save new version").click()
    await expect(page.get_by_text("Saved as version 3.")).to_be_visible()
    loaded = await marketer.data(operation("marketer/FunnelVersion"), {"id": fid, "version": 3})
    version = loaded["funnel"]["version"]
    assert version["definition"]["steps"][0]["points"] == 300
    assert version["migration"] == {"points": "points", "done": "done"}

    # Pause, then resume
    await page.get_by_role("button", name="Pause").click()
    await expect(page.get_by_text("Paused", exact=True)).to_be_visible()
    await page.get_by_role("button", name="Resume").click()
    await expect(page.get_by_text("Active", exact=True)).to_be_visible()
    status = await marketer.data(operation("marketer/FunnelVersion"), {"id": fid, "version": None})
    assert status["funnel"]["status"] == "ACTIVE"
    await assert_accessible(page)


async def test_a_marketer_saves_a_segment_with_its_live_count(
    open_console: OpenConsole, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    await seed(gql)
    page = await open_console(Role.MARKETER, "funnels/segments")
    await page.get_by_role("button", name="New segment").click()
    await page.get_by_label("Name").fill("rich")
    await page.get_by_label("Description").fill("Balance of 500 or more")
    builder = page.get_by_role("group", name="Customers in the segment")
    await builder.get_by_role("button", name="Add condition").click()
    await builder.get_by_label("Value 1").fill(str(RICH))
    await expect(builder.get_by_text(re.compile(r"^2 customers match now"))).to_be_visible()
    # A second condition, any of the two: 600 or exactly 100 points
    await builder.get_by_role("button", name="Add condition").click()
    await builder.get_by_label("Operator 2").select_option("eq")
    await builder.get_by_label("Value 2").fill("100")
    await builder.get_by_label("Customers who match").select_option("any")
    await expect(builder.get_by_text(re.compile(r"^3 customers match now"))).to_be_visible()
    await assert_accessible(page)
    await screenshots(page, "funnels-segments")
    await page.get_by_role("button", name="Save segment").click()
    await expect(page.get_by_role("row", name=re.compile("rich"))).to_be_visible()

    segment = await gql.as_(tokens["marketer"]).data(
        operation("marketer/Segment"), {"name": "rich"}
    )
    assert segment["segment"]["filter"] == {
        "any": [{"balance": {"gte": RICH}}, {"balance": {"eq": 100}}]
    }


async def test_roles_without_funnels_do_not_see_the_page(open_console: OpenConsole) -> None:
    # A viewer (READ_REPORTS, no MANAGE_FUNNELS) gets the console without the Funnels page
    page = await open_console(Role.VIEWER, "funnels")
    nav = page.get_by_role("navigation", name="Console")
    await expect(nav.get_by_role("link").first).to_be_visible()
    await expect(nav.get_by_role("link", name="Funnels")).to_have_count(0)
    await expect(page.get_by_role("heading", name="Funnels")).to_have_count(0)
    await expect(page.get_by_role("link", name="New funnel")).to_have_count(0)


async def test_steps_are_connected_by_dragging_from_a_handle(open_console: OpenConsole) -> None:
    page = await open_console(Role.MARKETER, "funnels/new")
    await page.get_by_role("button", name="+ Exit").click()
    await expect(node(page, "exit_1")).to_have_count(1)
    # Not linked yet: the exit step cannot be reached from the start
    await expect(node(page, "exit_1").locator(".flow-node.faulty")).to_be_visible()
    handle = node(page, "addPoints_1").locator('.react-flow__handle[data-handleid="next"]')
    await handle.drag_to(node(page, "exit_1"))
    await expect(page.locator('.react-flow__edge[data-id="addPoints_1:next"]')).to_have_count(1)
    await expect(node(page, "exit_1").locator(".flow-node.faulty")).to_have_count(0)
    await page.get_by_text("Definition as JSON").click()
    await expect(page.locator(".json-view")).to_contain_text('"next": "exit_1"')
