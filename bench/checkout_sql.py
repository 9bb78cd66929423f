"""The SQL baseline of bench/checkout.py: a sale's reads and writes straight on asyncpg, with
no GraphQL, HTTP or ORM in between, in as few statements as the guarantees allow.

The statements are the domain's own where it writes them as SQL (the order's lock and state,
the reservation with the hold, the debit, the capture's redemption, the earning context and
the purchase), compiled for asyncpg as the API compiles them; the rest (reading the account
and rules) read the same rows. The arithmetic (quote, value of
the points, points earned) is the domain's own functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import asyncpg
import orjson
from sqlalchemy import TextClause, text
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

from domain.checkout import holds, orders
from domain.checkout.orders import Allowance
from domain.checkout.quote import CartLine, quote
from domain.checkout.rules import PROGRAM_ID, rules_from
from domain.errors import DomainError
from domain.ledger import posting
from domain.ledger.kinds import EntryKind
from domain.ledger.models import Account
from domain.purchases import repository as purchase_repository
from domain.purchases import rules as purchase_rules
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
LOCK_ORDER_SQL = _positional(orders._LOCK_ORDER)
# After the order's lock: the quote's reads and the order's state (orders._ORDER_STATE).
HOLD_READ_SQL = _positional(
    text(f"SELECT * FROM ({_QUOTE_READ}) q, ({orders._ORDER_STATE.text}) s")
)
# The reservation under the ledger policy and the hold, in one statement (holds._HOLD).
HOLD_WRITE_SQL = _positional(holds._HOLD)
HOLD_LOCK_SQL = "SELECT * FROM holds WHERE id = $1 FOR UPDATE"
DEBIT_BALANCE_SQL = _positional(posting._DEBIT_BALANCE)
DEBIT_LOTS_SQL = _positional(posting._DEBIT_LOTS)
# The redemption and the hold's status in one statement, as the API writes them.
CAPTURE_SQL = _positional(holds._CAPTURED)
CONTEXT_SQL = _positional(purchase_services._CONTEXT_BY_ID)
PURCHASE_SQL = _positional(purchase_repository._INSERT_NEW_AND_AWARD)


def _run_args(sql: tuple[str, tuple[str, ...]], params: dict[str, Any]) -> list[Any]:
    return [params[name] for name in sql[1]]


def _posting(customer_id: int, points: int, kind: EntryKind, **fields: Any) -> dict[str, Any]:
    """The parameters the posting module binds for this posting."""
    values = posting.Posting.of(customer_id, points, kind, ACTOR, **fields)
    return {**posting.posting_params(values), "expires_at": None, "preferred_lot_id": None}


def _allowance(
    customer_id: int, row: asyncpg.Record, already_minor: int, cart: list[CartLine]
) -> Allowance:
    """The domain's quote arithmetic on what one read returned."""
    rules = rules_from({**row, "product_rules": orjson.loads(row["product_rules"])})
    account = Account(
        customer_id, row["balance"], row["lifetime_earned"], row["lifetime_spent"], row["held"]
    )
    return Allowance(account, rules, quote(rules, account.spendable, cart, already_minor))


async def quote_cart(conn: asyncpg.Connection, sale: Sale) -> int:
    """The quote's maxPoints: one read, no transaction."""
    params = {"customer_id": sale.customer_id, "program": PROGRAM_ID}
    row = await conn.fetchrow(QUOTE_SQL[0], *_run_args(QUOTE_SQL, params))
    max_points = _allowance(sale.customer_id, row, 0, sale.cart).quote.max_points
    if max_points <= 0:
        raise Refused(f"quote: nothing payable with points for {sale}")
    return max_points


async def hold_points(conn: asyncpg.Connection, sale: Sale, points: int) -> int:
    """The order's lock, one read (account, rules, order state), then the reservation and
    the hold in one statement; the hold's id."""
    params: dict[str, Any] = {
        "order": f"redeem:{SHOP}/{sale.order_id}",
        "program": PROGRAM_ID,
        "customer_id": sale.customer_id,
        "cid": sale.customer_id,
        "shop": SHOP,
        "order_id": sale.order_id,
        "points": points,
        "idempotency_key": f"hold-{sale.order_id}",
        "expires_at": datetime.now(UTC) + HOLD_TTL,
        "min_spendable": 0,
    }
    async with conn.transaction():
        await conn.fetchval(LOCK_ORDER_SQL[0], *_run_args(LOCK_ORDER_SQL, params))
        row = await conn.fetchrow(HOLD_READ_SQL[0], *_run_args(HOLD_READ_SQL, params))
        if row["foreign_order"]:
            raise Refused(f"hold: the order is another customer's: {sale}")
        try:
            allowed = _allowance(sale.customer_id, row, int(row["already"]), sale.cart)
            params["value_minor"] = allowed.value_of(points)
        except DomainError as error:
            raise Refused(f"hold: {error}") from error
        params["min_spendable"] = allowed.min_spendable
        written = await conn.fetchrow(HOLD_WRITE_SQL[0], *_run_args(HOLD_WRITE_SQL, params))
        if written["id"] is None:
            raise Refused(f"hold: insufficient points for {sale}")
    hold_id: int = written["id"]
    return hold_id


async def capture_hold(conn: asyncpg.Connection, hold_id: int) -> None:
    """The hold's row lock, the posting module's debit (balance and held, then entry, lots
    and event), then the redemption and the hold's status in one statement."""
    async with conn.transaction():
        hold = await conn.fetchrow(HOLD_LOCK_SQL, hold_id)
        if hold["status"] != "ACTIVE" or hold["expires_at"] <= datetime.now(UTC):
            raise Refused(f"capture: hold {hold_id} is {hold['status']}")
        points = hold["points"]
        params = _posting(
            hold["customer_id"],
            -points,
            EntryKind.REDEMPTION,
            source_type="order",
            source_ref=f"{hold['shop']}/{hold['order_id']}",
            idempotency_key=f"hold:{hold_id}",
            releases_held=points,
        )
        account = await conn.fetchrow(DEBIT_BALANCE_SQL[0], *_run_args(DEBIT_BALANCE_SQL, params))
        if account["balance"] is None:
            raise Refused(f"capture: insufficient points for hold {hold_id}")
        params.update(amount=points, balance_after=account["balance"])
        entry = await conn.fetchrow(DEBIT_LOTS_SQL[0], *_run_args(DEBIT_LOTS_SQL, params))
        params.update(entry_id=entry["id"], hold_id=hold_id)
        await conn.execute(CAPTURE_SQL[0], *_run_args(CAPTURE_SQL, params))


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
    }
    row = await conn.fetchrow(PURCHASE_SQL[0], *_run_args(PURCHASE_SQL, params))
    assert row is not None and row["id"] is not None


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
