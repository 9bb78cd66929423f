"""The customer area's flow, with its own operation files and a customer JWT: the home page
(introduction, points held and expiring, history, badges, rewards), the balance and the
history, a page at a time, newest first; nobody else's data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contract_support import customer_token, operation, run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.invariants import find_violations
from tests.support.api import GraphQLClient, error_codes


async def _customer(gql: GraphQLClient, external_ref: str, first_name: str) -> str:
    created = await run_mutation(
        gql,
        "admin/CreateCustomer",
        {
            "input": {
                "externalRef": external_ref,
                "firstName": first_name,
                "idempotencyKey": external_ref,
            }
        },
    )
    customer_id: str = created["customer"]["id"]
    return customer_id


async def _adjust(gql: GraphQLClient, customer_id: str, points: int, note: str) -> None:
    adjustment = {"customerId": customer_id, "points": points, "note": note}
    await run_mutation(gql, "admin/AdjustPoints", {"input": {**adjustment, "idempotencyKey": note}})


async def test_customer_sees_balance_totals_and_history_newest_first(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given a customer credited 100, then 50 for a 50.00 purchase, then debited 30.
    customer_id = await _customer(gql, "web-7", "Bea")
    await _adjust(gql, customer_id, 100, "welcome bonus")
    sale = {
        "orderId": "W-1001",
        "status": "PAID",
        "customerId": customer_id,
        "channel": "WEB",
        "lines": [{"sku": "TEA", "quantity": 5, "unitPriceMinor": 1000}],
    }
    await run_mutation(gql, "pos/RecordPurchase", {"input": sale})
    await _adjust(gql, customer_id, -30, "gift wrap")
    app = gql.as_(customer_token("web-7"))

    # When the customer opens the area, then it shows their balance, totals and tier.
    me = (await run(app, "customer-area/MyPoints"))["me"]
    assert me["id"] == customer_id
    assert me["firstName"] == "Bea"
    assert me["category"] == {"name": "Base"}
    assert me["points"] == {"balance": 120, "lifetimeEarned": 150, "lifetimeSpent": 30}

    # When they page through their history two at a time, then the newest comes first
    # and each movement shows the balance it left.
    first = (await run(app, "customer-area/MyHistory", {"first": 2}))["me"]["ledger"]
    assert [(e["node"]["points"], e["node"]["balanceAfter"]) for e in first["edges"]] == [
        (-30, 120),
        (50, 150),
    ]
    assert [e["node"]["kind"] for e in first["edges"]] == ["MANUAL", "PURCHASE"]
    assert first["edges"][0]["node"]["note"] == "gift wrap"
    assert first["pageInfo"]["hasNextPage"] is True

    after = first["pageInfo"]["endCursor"]
    rest = (await run(app, "customer-area/MyHistory", {"first": 2, "after": after}))["me"]
    edges = rest["ledger"]["edges"]
    assert [(e["node"]["points"], e["node"]["note"]) for e in edges] == [(100, "welcome bonus")]
    assert rest["ledger"]["pageInfo"]["hasNextPage"] is False
    async with engine.connect() as conn:
        assert await find_violations(conn) == []


async def test_customer_sees_only_their_own_account(gql: GraphQLClient) -> None:
    # Given two customers, one of them with points and a card.
    rich = await _customer(gql, "web-rich", "Rich")
    await _adjust(gql, rich, 500, "contest prize")
    await _customer(gql, "web-new", "Newcomer")
    newcomer = gql.as_(customer_token("web-new"))

    # When the newcomer opens their area, then they see their own empty account.
    me = (await run(newcomer, "customer-area/MyPoints"))["me"]
    assert me["firstName"] == "Newcomer"
    assert me["points"] == {"balance": 0, "lifetimeEarned": 0, "lifetimeSpent": 0}
    history = (await run(newcomer, "customer-area/MyHistory", {"first": 10}))["me"]["ledger"]
    assert history["edges"] == []
    assert history["pageInfo"]["hasNextPage"] is False

    # When their app tries a staff operation, then it is refused.
    body = await newcomer.post(operation("pos/LookupByCard"), {"code": "any"})
    assert error_codes(body) == ["FORBIDDEN"]


async def test_expired_customer_token_is_refused(gql: GraphQLClient) -> None:
    # Given a customer whose app holds a token that expired a minute ago.
    await _customer(gql, "web-late", "Late")
    expired = gql.as_(customer_token("web-late", lifetime_s=-60))

    # When the app asks for the balance, then the caller is told to sign in again.
    body = await expired.post(operation("customer-area/MyPoints"))
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_the_customer_area_home_shows_everything_in_one_request(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    # Given the shop's introduction, points valid 10 days, Bronze (100-499) and Silver (500+)
    # badges and a mug for 300 points
    intro = "Welcome to Beans & Co rewards!"
    await run_mutation(gql, "admin/UpdateCustomerArea", {"introduction": intro})
    await run_mutation(gql, "admin/UpdatePointsExpiry", {"input": {"validityDays": 10}})
    for title, low, high in (("Bronze", 100, 499), ("Silver", 500, None)):
        badge = {"title": title, "minPoints": low, "maxPoints": high, "idempotencyKey": title}
        await run_mutation(gql, "admin/CreateBadge", {"input": badge})
    mug = {
        "name": "Coffee mug",
        "kind": "FREE_PRODUCT",
        "costPoints": 300,
        "voucher": {"kind": "GIFT_ITEM", "giftSku": "MUG"},
        "idempotencyKey": "mug",
    }
    await run_mutation(gql, "admin/CreateReward", {"input": mug})
    # And Ann with 450 points, 100 of them held by a checkout at the till
    ann = await _customer(gql, "web-area", "Ann")
    await _adjust(gql, ann, 450, "welcome")
    hold = {
        "customerId": ann,
        "orderId": "T9-1",
        "points": 100,
        "cart": [{"sku": "BAG", "quantity": 1, "unitPriceMinor": 5000}],
        "idempotencyKey": "T9-1-hold",
    }
    await run_mutation(gql.as_(tokens["cashier"]), "pos/HoldPoints", {"input": hold})

    # When her app opens the customer area
    area = await run(gql.as_(customer_token("web-area")), "customer-area/MyArea")

    # Then it shows the introduction, her points (100 held), when the 450 expire, her latest
    # movement, Bronze unlocked and Silver 50 points away, and the mug within reach
    assert area["customerArea"] == {"introduction": intro}
    me = area["me"]
    (latest,) = me["ledger"]["nodes"]
    assert (latest["points"], latest["kind"], latest["note"]) == (450, "MANUAL", "welcome")
    credited = datetime.fromisoformat(latest["createdAt"]).astimezone(UTC).date()
    assert me["points"] == {
        "balance": 450,
        "held": 100,
        "spendable": 350,
        "lifetimeEarned": 450,
        "expiringSoon": [{"date": (credited + timedelta(days=11)).isoformat(), "points": 450}],
    }
    assert [u["badge"]["title"] for u in me["badges"]["unlocked"]] == ["Bronze"]
    assert [(n["badge"]["title"], n["pointsNeeded"]) for n in me["badges"]["next"]] == [
        ("Silver", 50)
    ]
    assert [(r["reward"]["name"], r["pointsNeeded"], r["claimable"]) for r in me["rewards"]] == [
        ("Coffee mug", 0, True)
    ]

    # And another customer's app sees their own empty area, nothing of Ann's
    await _customer(gql, "web-other", "Olga")
    other = (await run(gql.as_(customer_token("web-other")), "customer-area/MyArea"))["me"]
    assert other["points"]["balance"] == 0 and other["ledger"]["nodes"] == []
    assert other["badges"]["unlocked"] == []
    async with engine.connect() as conn:
        assert await find_violations(conn) == []


async def test_customer_reads_and_changes_own_consent_and_the_back_office_sees_it(
    gql: GraphQLClient,
) -> None:
    # Given the back office registers Giulia with her locale, national phone and email consent
    created = await run_mutation(
        gql,
        "admin/CreateCustomer",
        {
            "input": {
                "externalRef": "web-giulia",
                "firstName": "Giulia",
                "phone": "340 123 4567",
                "locale": "it-IT",
                "timeZone": "Europe/Rome",
                "birthDate": "1990-04-25",
                "consentEmail": True,
                "idempotencyKey": "web-giulia",
            }
        },
    )
    customer = created["customer"]
    assert (customer["phone"], customer["locale"], customer["birthDate"]) == (
        "+393401234567",
        "it-IT",
        "1990-04-25",
    )
    # And later turns SMS on for her
    updated = await run_mutation(
        gql, "admin/UpdateCustomer", {"input": {"id": customer["id"], "consentSms": True}}
    )
    assert updated["customer"]["consentSms"] is True
    app = gql.as_(customer_token("web-giulia"))

    # When Giulia turns email off in the customer area
    changed = await run_mutation(
        app, "customer-area/SetMyConsent", {"input": {"channel": "EMAIL", "granted": False}}
    )
    assert changed["customer"] == {"consentEmail": False, "consentSms": True}

    # Then she sees her consent and its latest changes
    mine = (await run(app, "customer-area/MyConsent"))["me"]
    assert (mine["phone"], mine["consentEmail"], mine["consentSms"]) == (
        "+393401234567",
        False,
        True,
    )
    assert [(c["channel"], c["granted"], c["source"]) for c in mine["consentHistory"]["nodes"]] == [
        ("EMAIL", False, "CUSTOMER"),
        ("SMS", True, "STAFF"),
        ("EMAIL", True, "STAFF"),
    ]
    # And the back office sees the same history, with who changed what
    seen = (await run(gql, "admin/CustomerConsentHistory", {"id": customer["id"], "first": 1}))[
        "customer"
    ]
    (latest,) = seen["consentHistory"]["nodes"]
    assert (latest["source"], latest["actor"]) == ("CUSTOMER", "customer:web-giulia")
    assert seen["consentHistory"]["pageInfo"]["hasNextPage"] is True
    # And another customer's app cannot change Giulia's consent: it only reaches its own
    await _customer(gql, "web-other-2", "Olga")
    other = gql.as_(customer_token("web-other-2"))
    await run_mutation(
        other, "customer-area/SetMyConsent", {"input": {"channel": "SMS", "granted": True}}
    )
    again = (await run(app, "customer-area/MyConsent"))["me"]
    assert len(again["consentHistory"]["nodes"]) == 3
    assert error_codes(
        await other.post(operation("admin/CustomerConsentHistory"), {"id": customer["id"]})
    ) == ["FORBIDDEN"]
