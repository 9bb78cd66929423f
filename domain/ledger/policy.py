"""The ledger policy: what an account lets a change of points do, each rule written once.

An account has a balance and held points (reserved by checkouts' holds, still in the
balance). Its spendable points are the balance less what is held. Three rules:

- COVERS_HELD: after any change the balance still covers the held points. So a debit takes
  only spendable points, a hold reserves only spendable points, and a capture spends the
  points its own hold reserved.
- MINIMUM: a change that asks for a minimum (paying an order with points: the redemption
  rules' `minBalancePoints`) needs at least that many spendable points before it.
- CEILING: after a credit the balance is at most BALANCE_CEILING.

Each rule is a linear inequality over the account and the change (`Condition` below), from
which both its Python test and its SQL text are generated: the guarded statements that
change accounts (posting.py, holding.py) embed `account_guard_sql`, and previews, quotes,
the checks made before a write and the messages explaining a refusal call `refusal` on the
same rules, so what a preview allows is exactly what the write does. The ceiling is the
one rule PostgreSQL enforces as a CHECK on point_accounts (ck_point_accounts_balance_range),
so that a statement embedding a credit fails whole rather than half-done; the same CHECK
and `held <= balance` (ck_point_accounts_held_range) back the other rules up.

One more rule is not about amounts: PAYABLE. Points pay orders (a redemption or a hold on
an order) only when the customer's points may pay at the till: a customer whose only
ACTIVE cards are PRIZE cards collects points towards rewards only (claiming a reward, a
manual debit, a voucher bought with points stay allowed). Whether that is so is read with
the order's other facts (domain.cards.sql.POINTS_PAYABLE) into `Funds.pays_orders`; the
quote (QuoteReason.PRIZE_CARDS_ONLY) and the checks before a payment's write (refusal:
POINTS_NOT_PAYABLE) apply the same `pays_orders`.

Which rule applies to which write (docs/ledger.md shows the table with a worked example):
credits check CEILING; debits (manual, reversals, vouchers bought with points, reward
claims) COVERS_HELD; payments on an order (redemptions, holds) COVERS_HELD and MINIMUM;
a capture COVERS_HELD with the points it releases; refunds and expiry take at most the
spendable points (`take_back`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from domain.errors import ErrorCode, Problem
from domain.limits import BALANCE_CEILING


@dataclass(frozen=True)
class Expr:
    """A sum of named quantities, each with a sign: evaluated in Python or written as SQL."""

    terms: tuple[tuple[int, str], ...]

    def __add__(self, other: Expr) -> Expr:
        return Expr(self.terms + other.terms)

    def __sub__(self, other: Expr) -> Expr:
        return Expr(self.terms + tuple((-sign, name) for sign, name in other.terms))

    def __ge__(self, other: Expr) -> Condition:
        return Condition(self, other)

    def __le__(self, other: Expr) -> Condition:
        return Condition(other, self)

    def value(self, values: Mapping[str, int]) -> int:
        return sum(sign * values[name] for sign, name in self.terms)

    def sql(self, names: Mapping[str, str]) -> str:
        """The SQL sum, each quantity replaced by its SQL in `names` ("0" drops a term)."""
        parts = [(sign, names[name]) for sign, name in self.terms if names[name] != "0"]
        if not parts:
            return "0"
        text = ("-" if parts[0][0] < 0 else "") + parts[0][1]
        for sign, part in parts[1:]:
            text += f" {'+' if sign > 0 else '-'} {part}"
        return f"({text})"


@dataclass(frozen=True)
class Condition:
    """left >= right."""

    left: Expr
    right: Expr

    def holds(self, values: Mapping[str, int]) -> bool:
        return self.left.value(values) >= self.right.value(values)

    def sql(self, names: Mapping[str, str]) -> str:
        return f"{self.left.sql(names)} >= {self.right.sql(names)}"


def _quantity(name: str) -> Expr:
    return Expr(((1, name),))


# The account before the change.
BALANCE, HELD = _quantity("balance"), _quantity("held")
# The change: points added to the balance (negative: taken), points a hold reserves,
# held points released (spent by a capture, or freed), the spendable points it requires.
POINTS, RESERVE, RELEASE = _quantity("points"), _quantity("reserve"), _quantity("release")
MINIMUM_SPENDABLE, CEILING_POINTS = _quantity("min_spendable"), _quantity("ceiling")

SPENDABLE = BALANCE - HELD
COVERS_HELD = BALANCE + POINTS >= HELD + RESERVE - RELEASE
MINIMUM = SPENDABLE >= MINIMUM_SPENDABLE
CEILING = BALANCE + POINTS <= CEILING_POINTS


@dataclass(frozen=True)
class Funds:
    """What the policy reads of an account."""

    balance: int
    held: int = 0
    # PAYABLE: False when the customer's only active cards are PRIZE cards.
    pays_orders: bool = True

    @property
    def spendable(self) -> int:
        return spendable(self.balance, self.held)


@dataclass(frozen=True)
class Change:
    """A change of an account, as the policy checks it."""

    points: int = 0  # added to the balance; negative when points are taken
    reserve: int = 0  # points a hold reserves
    release: int = 0  # held points released: spent by a capture, or freed
    min_spendable: int = 0  # the spendable points it requires first (0: none)
    pays_order: bool = False  # a payment on an order (PAYABLE applies)

    @classmethod
    def spend(cls, points: int, min_spendable: int = 0) -> Change:
        """Taking `points` spendable points (paying an order: with its minimum)."""
        return cls(points=-points, min_spendable=min_spendable)

    @classmethod
    def pay_order(cls, points: int, min_spendable: int = 0) -> Change:
        """Paying an order with `points` spendable points, with its minimum (PAYABLE)."""
        return cls(points=-points, min_spendable=min_spendable, pays_order=True)

    @classmethod
    def hold(cls, points: int, min_spendable: int = 0) -> Change:
        """Reserving `points` spendable points for an order."""
        return cls(reserve=points, min_spendable=min_spendable, pays_order=True)

    @property
    def taken(self) -> int:
        """Spendable points the change would use (what a refusal says cannot be taken)."""
        return self.reserve - self.points - self.release


def spendable(balance: int, held: int) -> int:
    """The points that may be spent or held: the balance less the points held."""
    return SPENDABLE.value({"balance": balance, "held": held})


def spendable_sql(balance: str = "balance", held: str = "held") -> str:
    """SQL for the spendable points of an account whose columns are `balance` and `held`."""
    return SPENDABLE.sql({"balance": balance, "held": held})


def points_pay_orders(funds: Funds) -> bool:
    """PAYABLE: whether these points may pay an order at all."""
    return funds.pays_orders


def meets_minimum(spendable_points: int, min_spendable: int) -> bool:
    """Whether these spendable points allow a change that requires `min_spendable` first."""
    return MINIMUM.holds({"balance": spendable_points, "held": 0, "min_spendable": min_spendable})


def take_back(funds: Funds, due: int) -> int:
    """What a refund or the expiry job takes of `due` points: at most the spendable points
    (held points stay reserved; the rest goes uncollected or waits for a later run)."""
    return max(0, min(due, funds.spendable))


def take_back_sql(due: str, balance: str = "balance", held: str = "held") -> str:
    """SQL for `take_back` (PostgreSQL's LEAST, floored at zero)."""
    return f"GREATEST(LEAST({due}, {spendable_sql(balance, held)}), 0)"


def points_short(funds: Funds, points: int) -> int:
    """How many more spendable points spending `points` would need (0: it can)."""
    return max(0, points - funds.spendable)


def refusal(funds: Funds, change: Change) -> Problem | None:
    """The problem the first rule this change breaks reports (on `points`), or None when
    every rule allows it. The guarded statements refuse exactly the same changes."""
    values = _values(funds, change)
    if change.pays_order and not points_pay_orders(funds):
        return Problem(
            "points",
            ErrorCode.POINTS_NOT_PAYABLE,
            "This customer's only cards are prize cards: their points count towards "
            "rewards and do not pay at the till.",
        )
    if not MINIMUM.holds(values):
        return Problem(
            "points",
            ErrorCode.INSUFFICIENT_POINTS,
            f"{funds.spendable} points are spendable (a balance of {funds.balance}, "
            f"{funds.held} held); paying with points needs at least {change.min_spendable}.",
        )
    if not COVERS_HELD.holds(values):
        verb = "held" if change.reserve else "taken"
        return Problem(
            "points",
            ErrorCode.INSUFFICIENT_POINTS,
            f"{funds.spendable} points are spendable (a balance of {funds.balance}, "
            f"{funds.held} held); {change.taken} cannot be {verb}.",
        )
    if not CEILING.holds(values):
        return ceiling_problem()
    return None


def credit_bound(points: int) -> int:
    """`points` as far as a credit can tell them apart: the number itself up to the ceiling,
    BALANCE_CEILING + 1 beyond it. A balance is never negative, so a credit of more points
    than the ceiling crosses it (CEILING) on any account, and every statement refuses
    BALANCE_CEILING + 1 exactly as it refuses the number itself (a single credit with
    BALANCE_LIMIT_EXCEEDED, a bulk credit by skipping it). A computation whose points are
    only ever credited (a purchase's: amount x points per unit x multipliers, which can
    pass 64 bits) bounds them so, and its statements never meet a number PostgreSQL's
    bigint cannot hold."""
    if CEILING.holds({"balance": 0, "points": points, "ceiling": BALANCE_CEILING}):
        return points
    return BALANCE_CEILING + 1


def ceiling_problem() -> Problem:
    """A credit that would cross the ceiling (also what the CHECK's violation means)."""
    return Problem(
        "points",
        ErrorCode.BALANCE_LIMIT_EXCEEDED,
        f"The balance would exceed the ceiling of {BALANCE_CEILING} points.",
    )


def account_guard_sql(
    balance: str = "balance",
    held: str = "held",
    points: str = ":points",
    reserve: str = "0",
    release: str = ":released_held",
    min_spendable: str = ":min_spendable",
) -> str:
    """The condition a guarded UPDATE of an account puts in its WHERE: COVERS_HELD and
    MINIMUM, over the account's columns and the change's SQL (bind parameters, or "0" for
    a part the statement never changes). The ceiling is the table's CHECK."""
    names = {
        "balance": balance,
        "held": held,
        "points": points,
        "reserve": reserve,
        "release": release,
        "min_spendable": min_spendable,
    }
    return f"{COVERS_HELD.sql(names)} AND {MINIMUM.sql(names)}"


def ceiling_sql(balance: str, points: str) -> str:
    """SQL for CEILING, for statements that skip what would cross it (bulk credits)."""
    names = {"balance": balance, "points": points, "ceiling": str(BALANCE_CEILING)}
    return CEILING.sql(names)


def _values(funds: Funds, change: Change) -> dict[str, int]:
    return {
        "balance": funds.balance,
        "held": funds.held,
        "points": change.points,
        "reserve": change.reserve,
        "release": change.release,
        "min_spendable": change.min_spendable,
        "ceiling": BALANCE_CEILING,
    }
