"""The SQL baseline of bench/checkout.py: a sale's reads and writes straight on asyncpg, with
no GraphQL, HTTP or ORM in between, in as few statements as the guarantees allow.

The statements are the domain's own where it writes them as SQL (the order's state, the
functions that place and capture a hold, made of the order's lock, the reservation with the
hold, the debit and the capture's redemption, the earning context and the purchase),
compiled for asyncpg as the API compiles them; the rest (reading the account and rules for
a quote) read the same rows. The arithmetic (quote, value of the points, points earned) is
the domain's own functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import asyncpg
import orjson
from sqlalchemy import TextClause, text
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

from domain.checkout import orders
from domain.checkout.hold_statements import CAPTURE_HOLD, PLACE_HOLD
from domain.checkout.holds import PLACE_ATTEMPTS
from domain.checkout.orders import Allowance
from domain.checkout.quote import CartLine, quote
from domain.checkout.rules import PROGRAM_ID, rules_from
from domain.errors import DomainError
from domain.ledger import posting
from domain.ledger.kinds import EntryKind
from domain.ledger.models import Account
from domain.purchases import earning_rules as purchase_rules
from domain.purchases import locked_insert
from domain.purchases import services as purchase_services
from domain.purchases.earning import (
    EarningRule,
    EarningSnapshot,
    Line,
    PurchaseStatus,
    points_for,
)
from harness import Execute

if TYPE_CHECKING:
    from checkout import Sale

SHOP = "default"
ACTOR = "staff:0:bench"
HOLD_TTL = timedelta(minutes=15)  # holdPoints' default


class Refused(Exception):
    """What the API would answer with a user error; the transaction is rolled back."""


def _positional(statement: TextClause) -> tuple[str, tuple[str, ...]]:
    """The statement as asyncpg runs it ($1, $2, ...) and its parameter names in order."""
    compiled = statement.compile(dialect=asyncpg_dialect.dialect())
    return compiled.string, tuple(compiled.positiontup or ())


# The API reads the account, the rules and the product rules with three SELECTs.
_QUOTE_READ = """
    SELECT a.balance, a.lifetime_earned, a.lifetime_spent, a.held,
           r.points_per_unit, r.value_per_unit_minor, r.min_balance_points, r.min_cart_minor,
           r.max_discount_minor, r.max_discount_bp, r.exclude_discounted,
           r.earn_on_points_paid,
           (SELECT COALESCE(json_agg(json_build_array(p.kind, p.key, p.payable)), '[]'::json)
              FROM redemption_product_rules p) AS product_rules
      FROM point_accounts a JOIN redemption_rules r ON r.id = :program
     WHERE a.customer_id = :customer_id
"""
QUOTE_SQL = _positional(text(_QUOTE_READ))
# A hold: the order's state read with no lock (orders._ORDER_STATE), then one call of
# checkout_place_hold (the order's lock, the key, the state compared, the reservation and
# the hold).
ORDER_STATE_SQL = _positional(orders._ORDER_STATE)
PLACE_HOLD_SQL = _positional(PLACE_HOLD.call)
# A capture: one call of checkout_capture_hold (the hold's lock, the debit, the redemption
# and the hold's status).
CAPTURE_SQL = _positional(CAPTURE_HOLD.call)
CONTEXT_SQL = _positional(purchase_services._CONTEXT_BY_ID)
# A new sale awarded now: one call of purchases_record_new (the order's lock, its payments
# read again, then the statement writing purchase, lines, award and events).
PURCHASE_SQL = _positional(locked_insert.RECORD_NEW.call)


def _run_args(sql: tuple[str, tuple[str, ...]], params: dict[str, Any]) -> list[Any]:
    return [params[name] for name in sql[1]]


def _posting(customer_id: int, points: int, kind: EntryKind, **fields: Any) -> dict[str, Any]:
    """The parameters the posting module binds for this posting."""
    values = posting.Posting.of(customer_id, points, kind, ACTOR, **fields)
    return {**posting.posting_params(values), "expires_at": None, "preferred_lot_id": None}


def _allowance(
    customer_id: int, row: asyncpg.Record, cart: list[CartLine], on_order: bool = False
) -> Allowance:
    """The domain's quote arithmetic on what one read returned (with the order's state when
    `on_order`)."""
    rules = rules_from({**row, "product_rules": orjson.loads(row["product_rules"])})
    account = Account(
        customer_id, row["balance"], row["lifetime_earned"], row["lifetime_spent"], row["held"]
    )
    if not on_order:
        return Allowance(account, rules, quote(rules, account.spendable, cart))
    already, vouchers = int(row["already"]), int(row["vouchers"])
    allowed = quote(rules, account.spendable, cart, already, vouchers)
    return Allowance(account, rules, allowed, row["facts"])


async def quote_cart(conn: asyncpg.Connection, sale: Sale) -> int:
    """The quote's maxPoints: one read, no transaction."""
    params = {"customer_id": sale.customer_id, "program": PROGRAM_ID}
    row = await conn.fetchrow(QUOTE_SQL[0], *_run_args(QUOTE_SQL, params))
    max_points = _allowance(sale.customer_id, row, sale.cart).quote.max_points
    if max_points <= 0:
        raise Refused(f"quote: nothing payable with points for {sale}")
    return max_points


async def hold_points(conn: asyncpg.Connection, sale: Sale, points: int) -> int:
    """As the API places a hold: the order's state read, the value of the points computed,
    then the reservation and the hold in one call under the order's lock (read again when
    the order changed in between); the hold's id. No transaction."""
    params: dict[str, Any] = {
        "order": orders.order_lock_key(SHOP, sale.order_id),
        "program": PROGRAM_ID,
        "customer_id": sale.customer_id,
        "cid": sale.customer_id,
        "shop": SHOP,
        "order_id": sale.order_id,
        "points": points,
        "idempotency_key": f"hold-{sale.order_id}",
        "expires_at": datetime.now(UTC) + HOLD_TTL,
        "request_digest": orders.payment_digest(
            sale.customer_id, SHOP, sale.order_id, points, sale.cart
        ),
    }
    for _ in range(PLACE_ATTEMPTS):
        row = await conn.fetchrow(ORDER_STATE_SQL[0], *_run_args(ORDER_STATE_SQL, params))
        if row["foreign_order"]:
            raise Refused(f"hold: the order is another customer's: {sale}")
        try:
            allowed = _allowance(sale.customer_id, row, sale.cart, on_order=True)
            params["value_minor"] = allowed.value_of(points)
        except DomainError as error:
            raise Refused(f"hold: {error}") from error
        params.update(min_spendable=allowed.min_spendable, facts=allowed.facts)
        written = await conn.fetchrow(PLACE_HOLD_SQL[0], *_run_args(PLACE_HOLD_SQL, params))
        if written["outcome"] == "HELD":
            hold_id: int = written["id"]
            return hold_id
        if written["outcome"] != "STALE":
            raise Refused(f"hold: {written['outcome']} for {sale}")
    raise Refused(f"hold: the order kept changing: {sale}")


async def capture_hold(conn: asyncpg.Connection, hold_id: int) -> None:
    """As the API captures a hold: one call (the hold's row lock, the debit, the redemption
    and the hold's status), no transaction."""
    params = {"hold_id": hold_id, "actor": ACTOR, "now": datetime.now(UTC)}
    done = await conn.fetchrow(CAPTURE_SQL[0], *_run_args(CAPTURE_SQL, params))
    if done["outcome"] != "CAPTURED":
        raise Refused(f"capture: hold {hold_id} is {done['outcome']} ({done['status']})")


async def record_purchase(conn: asyncpg.Connection, sale: Sale) -> None:
    """As the API records a new order: the earning context (which sees what points paid on
    the order) then one statement for purchase, lines, award and events; no transaction."""
    lines = [Line(ln.sku, ln.quantity, ln.unit_price_minor, ln.discounted) for ln in sale.cart]
    now = datetime.now(UTC)
    context = {
        **purchase_rules.terms_params(lines, "POS", now),
        "program": PROGRAM_ID,
        "shop": SHOP,
        "order_id": sale.order_id,
    }
    ctx = await conn.fetchrow(
        CONTEXT_SQL[0], *_run_args(CONTEXT_SQL, {**context, "id": sale.customer_id})
    )
    rule = EarningRule(
        ctx["points_per_unit"],
        ctx["spend_unit_minor"],
        PurchaseStatus(ctx["award_status"]),
        ctx["min_order_minor"],
        ctx["exclude_discounted"],
    )
    terms = purchase_rules.terms_from(
        {name: orjson.loads(ctx[name]) for name in ("overrides", "line_overrides", "promotions")}
    )
    snapshot = EarningSnapshot.of(
        rule,
        Decimal(ctx["earn_multiplier"]),
        terms.overrides,
        int(ctx["points_paid_minor"]),
        terms.line_overrides,
        terms.promotions,
    )
    points = points_for(lines, snapshot)
    award = _posting(
        sale.customer_id,
        points,
        EntryKind.PURCHASE,
        source_type="purchase",
        source_ref=f"{SHOP}/{sale.order_id}",
    )
    params = {
        **award,
        **context,
        "customer_id": sale.customer_id,
        "channel": "POS",
        "status": "PAID",
        "total_minor": sum(ln.amount_minor for ln in lines),
        "occurred_at": now,
        "points_earned": points,
        "awarded_at": now,
        "earning_snapshot": orjson.dumps(snapshot.to_json()).decode(),
        "skus": [ln.sku for ln in lines],  # per line (the context's are distinct)
        "quantities": [ln.quantity for ln in lines],
        "prices": [ln.unit_price_minor for ln in lines],
        "discounted": [ln.discounted for ln in lines],
        "line_product_lines": [ln.product_line for ln in lines],
        "card_discounts_minor": 0,
        "paid_read": int(ctx["points_paid_minor"]),
    }
    row = await conn.fetchrow(PURCHASE_SQL[0], *_run_args(PURCHASE_SQL, params))
    assert row is not None and row["outcome"] == "DONE" and row["id"] is not None


def sql_executor(connections: list[asyncpg.Connection]) -> Execute:
    """A sale's four steps on the client's own connection, each step timed."""

    async def execute(client: int, sale: Sale) -> str | None:
        conn = connections[client]
        try:
            with sale.step("quote"):
                max_points = await quote_cart(conn, sale)
            with sale.step("hold"):
                hold_id = await hold_points(conn, sale, sale.points(max_points))
            with sale.step("capture"):
                await capture_hold(conn, hold_id)
            with sale.step("purchase"):
                await record_purchase(conn, sale)
        except Refused as refused:  # rolled back, as the API writes nothing on a user error
            return str(refused)
        except asyncpg.PostgresError as error:
            return f"sql: {type(error).__name__}: {error}"
        return None

    return execute
